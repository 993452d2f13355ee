/**
 * The preview's page as a file: one self-contained HTML page within its budget, built at image build
 * time into the function's bundle, which serves it from memory; and that bundle as the image holds
 * it. `lambda/build.js` runs once for the file (esbuild on every core for a second or two), and each
 * test reads the same output.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildViewHtml, MAX_GZIP_BYTES } from "../../lambda/ui/build";
import { readApkg } from "../../testing/function/harness";
import { readResult } from "../../testing/function/lambda-buffered";
import { PROJECT_ROOT } from "../../testing/paths";
import { quietTurnForThisFile } from "../../testing/quiet";

jest.setTimeout(180_000);
// esbuild bundles the page on every core for a second or two: not while streaming's timing tests run.
quietTurnForThisFile();

let page: Awaited<ReturnType<typeof buildViewHtml>>;
/** The function's bundle, built as the image's build does (`lambda/build.js`), into a folder of its own. */
let outdir: string;
let build: SpawnSyncReturns<string>;
beforeAll(async () => {
  page = await buildViewHtml();
  outdir = mkdtempSync(join(tmpdir(), "ankify-bundle-"));
  build = spawnSync(process.execPath, ["lambda/build.js"], { cwd: PROJECT_ROOT, env: { ...process.env, ANKIFY_BUILD_OUTDIR: outdir }, encoding: "utf8" });
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe("the deck preview's page", () => {
  it("is at most 150 KB gzipped", () => {
    expect(MAX_GZIP_BYTES).toBe(150 * 1024);
    expect(gzipSync(page.html, { level: 9 }).length).toBe(page.gzipBytes);
    expect(page.gzipBytes).toBeLessThanOrEqual(MAX_GZIP_BYTES);
    expect(Buffer.byteLength(page.html)).toBe(page.bytes);
  });

  it("is self-contained: one inline script and one inline style sheet, and nothing that loads from anywhere", () => {
    const scripts = [...page.html.matchAll(/<script\b([^>]*)>/g)];
    expect(scripts.map((m) => m[1])).toEqual([' type="module"']);
    expect(page.html.match(/<\/script>/g)).toHaveLength(1);
    expect(page.html.match(/<style>/g)).toHaveLength(1);
    expect(page.html.match(/<\/style>/g)).toHaveLength(1);
    const css = page.html.slice(page.html.indexOf("<style>"), page.html.indexOf("</style>"));
    const markup = page.html.replace(/<script\b[^>]*>[\s\S]*<\/script>/, "").replace(/<style>[\s\S]*<\/style>/, "");
    expect(markup).not.toMatch(/\b(src|href|srcset|action)\s*=/i);
    expect(markup).not.toMatch(/<(link|iframe|object|embed|base)\b/i);
    expect(css).not.toMatch(/@import|url\(/i);
  });
});

describe("the function's bundle (lambda/build.js)", () => {
  it("carries the page and serves it from memory as the ui:// resource, with its CSP, without esbuild or lambda/ui/", () => {
    expect(build.status).toBe(0);
    expect(build.stdout).toContain(`deck preview inside: ${page.bytes} bytes, ${page.gzipBytes} gzipped`);
    const bundle = readFileSync(join(outdir, "index.js"), "utf8");
    expect(bundle).not.toMatch(/require\("esbuild"\)|ui\/build/);

    // A resources/read through the bundle, run as Lambda runs it, from a folder with nothing else in it.
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "resources/read", params: { uri: "ui://ankify/deck-preview.html" } });
    const event = {
      rawPath: "/mcp",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" },
      requestContext: { http: { method: "POST" } },
      body,
      isBase64Encoded: false,
    };
    const run = spawnSync(process.execPath, [join(PROJECT_ROOT, "testing", "function", "stream-probe.js"), join(outdir, "index.js"), JSON.stringify(event)], {
      cwd: outdir,
      encoding: "utf8",
      maxBuffer: 16 * 1024 * 1024,
      env: { PATH: process.env["PATH"], ANKIFY_ORIGIN_PROTECTION: "oac", ANKIFY_CLIENT_AUTH: "none", ANKIFY_DECK_BUCKET: "ankify-decks-0123", ANKIFY_USAGE_TABLE: "ankify-usage", AWS_REGION: "eu-west-1", ANKIFY_LOG_LEVEL: "warn" },
    });
    expect(run.status).toBe(0);
    const response = JSON.parse(run.stdout) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    const message = JSON.parse(response.body.startsWith("{") ? response.body : /^data: (.+)$/m.exec(response.body)![1]!);
    const [content] = message.result.contents;
    expect(content.mimeType).toBe("text/html;profile=mcp-app");
    expect(content.text).toBe(page.html);
    expect(content._meta.ui.csp).toEqual({ resourceDomains: ["https://ankify-decks-0123.s3.eu-west-1.amazonaws.com"], connectDomains: [] });
  });

  it("builds with esbuild, exports the handler the Dockerfile's CMD names, and bundles the packaging worker beside it", async () => {
    // The probe's deck and its media go to a folder of their own: the bundle's stays as built.
    const scratch = mkdtempSync(join(tmpdir(), "ankify-bundle-probe-"));
    try {
      expect(build.status).toBe(0);
      expect(existsSync(join(outdir, "sql-wasm.wasm"))).toBe(true);
      expect(statSync(join(outdir, "index.js")).size).toBeGreaterThan(100_000);
      // Run the bundle in a clean Node process, as the Lambda runtime would load it.
      const probe = join(PROJECT_ROOT, "testing", "function", "stream-probe.js");
      const event = JSON.stringify({ rawPath: "/", headers: {}, requestContext: { http: { method: "GET" } } });
      const run = spawnSync(process.execPath, [probe, join(outdir, "index.js"), event], {
        encoding: "utf8",
        env: { PATH: process.env["PATH"], ANKIFY_ORIGIN_PROTECTION: "oac", ANKIFY_DECK_BUCKET: "b", ANKIFY_API_KEY_PATH: "/ankify/ankify/client-keys", ANKIFY_USAGE_TABLE: "ankify-usage", AWS_REGION: "eu-west-1", ANKIFY_LOG_LEVEL: "warn" },
      });
      expect(run.status).toBe(0);
      const result = JSON.parse(run.stdout);
      expect(result.statusCode).toBe(200);
      expect(result.streamContentType).toBe("application/vnd.awslambda.http-integration-response");
      expect(JSON.parse(result.body).service).toBe("ankify");
      // With ANKIFY_INVOKE_MODE = BUFFERED the same export is the plain handler, which returns one response object.
      const buffered = spawnSync(process.execPath, ["-e",
        `require(${JSON.stringify(join(outdir, "index.js"))}).handler(${event}, { getRemainingTimeInMillis: () => 60000 }).then((r) => process.stdout.write(JSON.stringify(r)))`], {
        encoding: "utf8",
        env: { PATH: process.env["PATH"], ANKIFY_INVOKE_MODE: "BUFFERED", ANKIFY_ORIGIN_PROTECTION: "oac", ANKIFY_DECK_BUCKET: "b", ANKIFY_API_KEY_PATH: "/ankify/ankify/client-keys", ANKIFY_USAGE_TABLE: "ankify-usage", AWS_REGION: "eu-west-1", ANKIFY_LOG_LEVEL: "warn" },
      });
      expect(buffered.status).toBe(0);
      const answer = readResult(JSON.parse(buffered.stdout));
      expect(answer.statusCode).toBe(200);
      expect(JSON.parse(answer.body).service).toBe("ankify");
      const cmd = /CMD \["index\.(\w+)"\]/.exec(readFileSync(join(PROJECT_ROOT, "lambda", "Dockerfile"), "utf8"))![1];
      expect(cmd).toBe("handler");
      // The packaging worker is a second entry beside index.js, and runs alone with the wasm beside it.
      const apkg = join(scratch, "probe.apkg");
      const worker = spawnSync(process.execPath, [join(PROJECT_ROOT, "testing", "function", "worker-probe.js"), outdir, apkg], { encoding: "utf8", env: { PATH: process.env["PATH"] } });
      expect(worker.status).toBe(0);
      expect(JSON.parse(worker.stdout)).toEqual({ bytes: statSync(apkg).size });
      expect(readApkg(readFileSync(apkg), scratch).notes.map((n) => n.flds)).toEqual([["a", "b"]]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});