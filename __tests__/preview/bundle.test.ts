/**
 * The preview's page as a file: one self-contained HTML page within its budget, built at image build
 * time into the function's bundle, which serves it from memory.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildViewHtml, MAX_GZIP_BYTES } from "../../lambda/ui/build";
import { PROJECT_ROOT } from "../../testing/paths";
import { quietTurnForThisFile } from "../../testing/quiet";

jest.setTimeout(180_000);
// esbuild bundles the page on every core for a second or two: not while streaming's timing tests run.
quietTurnForThisFile();

let page: Awaited<ReturnType<typeof buildViewHtml>>;
beforeAll(async () => {
  page = await buildViewHtml();
});

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

describe("the function's bundle", () => {
  it("carries the page and serves it from memory as the ui:// resource, with its CSP, without esbuild or lambda/ui/", () => {
    const outdir = mkdtempSync(join(tmpdir(), "ankify-bundle-"));
    try {
      const build = spawnSync(process.execPath, ["lambda/build.js"], { cwd: PROJECT_ROOT, env: { ...process.env, ANKIFY_BUILD_OUTDIR: outdir }, encoding: "utf8" });
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
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
