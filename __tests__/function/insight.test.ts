import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocument } from "htmlparser2";
import { FairUse } from "../../lambda/src/access/fair-use";
import { createClientGate } from "../../lambda/src/access/client-auth";
import { clientSubject, withSubject } from "../../lambda/src/access/subject";
import { loadConfig } from "../../lambda/src/config";
import { createRequestHandler, REQUEST_ID_HEADER } from "../../lambda/src/handler";
import { InProcessLauncher } from "../../lambda/src/jobs/launcher";
import { DeckJobs } from "../../lambda/src/jobs/lifecycle";
import { S3JobStore } from "../../lambda/src/jobs/store";
import { DECK_METRIC_NAMES, METRICS_NAMESPACE } from "../../lambda/src/metrics";
import { iconSvg } from "../../lambda/src/mcp/icon";
import { validTraceparent } from "../../lambda/src/mcp/trace";
import { MemoryUsageStore } from "../../lambda/src/storage/usage-table";
import type { Synthesizer } from "../../lambda/src/tts/index";
import { emfProblems, extractMetrics } from "../../testing/emf";
import { captureLog } from "../../testing/function/log-capture";
import { newSecret } from "../../testing/function/harness";
import { s3Client } from "../../testing/function/jobs";
import { recordingDeckStore } from "../../testing/function/usage";

const dir = mkdtempSync(join(tmpdir(), "ankify-insight-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secret = newSecret();
const TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/** The real handler, no client authentication (every caller is `anonymous`), speech that answers at once. */
function endpoint(options: { dailyCharacters?: number; failUpload?: boolean; jobs?: DeckJobs } = {}) {
  const synthesizer: Synthesizer = { extension: "mp3", bytesPerCharacter: 100, concurrency: 4, synthesize: async () => new Uint8Array(16) };
  const config = loadConfig({ ANKIFY_ORIGIN_PROTECTION: "secret-header", ANKIFY_ORIGIN_SECRET: secret, ANKIFY_DECK_BUCKET: "b", ANKIFY_CLIENT_AUTH: "none" });
  const handle = createRequestHandler({
    config, synthesizer, clients: createClientGate(config.clientAuth, config.originProtection),
    store: recordingDeckStore(dir, options.failUpload ? () => new Error("S3 is down") : undefined),
    fairUse: new FairUse(new MemoryUsageStore(), { dailyCharacters: options.dailyCharacters ?? 100_000, concurrency: 2 }),
    ...(options.jobs ? { jobs: options.jobs } : {}),
  });
  return async (message: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const response = await handle(new Request("https://ankify.test/mcp", {
      method: "POST",
      headers: { "x-origin-verify": secret, "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, ...message }),
    }));
    const text = await response.text();
    const body = JSON.parse(text.startsWith("{") ? text : text.split("\n").find((l) => l.startsWith("data: "))!.slice(6)) as { result: any };
    return { result: body.result, requestId: response.headers.get(REQUEST_ID_HEADER)! };
  };
}
const deck = (name: string, meta?: Record<string, unknown>) => ({
  method: "tools/call",
  params: { name: "create_deck", arguments: { deck_name: name, cards: [{ front: "hola", back: "hello" }, { front: "adiós", back: "bye" }] }, ...(meta ? { _meta: meta } : {}) },
});

describe("one embedded-metric-format record per deck", () => {
  it("is valid EMF, and CloudWatch would extract the deck's figures under namespace Ankify, the client only as a property", async () => {
    const call = endpoint();
    const { result: { result, requestId }, lines, text } = await captureLog("info", () => call(deck("Metrics", { traceparent: TRACE })));
    expect(result.isError).toBeUndefined();
    const records = text.split("\n").filter((line) => line.includes('"event":"deck.metrics"'));
    expect(records).toHaveLength(1);
    expect(emfProblems(records[0]!)).toEqual([]);
    const metrics = extractMetrics(records[0]!);
    expect(new Set(metrics.map((m) => m.namespace))).toEqual(new Set([METRICS_NAMESPACE]));
    const byName = Object.fromEntries(metrics.map((m) => [m.name, m]));
    expect(Object.keys(byName).sort()).toEqual([...DECK_METRIC_NAMES].sort());
    expect(byName["Decks"]).toEqual(expect.objectContaining({ unit: "Count", values: [1], dimensions: { Service: "ankify", Outcome: "ok" } }));
    expect(byName["Cards"]).toEqual(expect.objectContaining({ values: [2], dimensions: { Service: "ankify" } }));
    expect(byName["ClipsSpoken"]!.values).toEqual([2]);
    expect(byName["ClipsCached"]!.values).toEqual([0]);
    expect(byName["Characters"]!.values).toEqual(["hola".length + "adiós".length]);
    expect(byName["DeckSeconds"]).toEqual(expect.objectContaining({ unit: "Seconds" }));
    expect(byName["DeckSeconds"]!.values[0]).toBeGreaterThanOrEqual(0);
    // High-cardinality facts stay out of the dimensions (each distinct value would be a billed metric).
    for (const metric of metrics) expect(Object.keys(metric.dimensions)).not.toEqual(expect.arrayContaining(["client"]));
    const record = JSON.parse(records[0]!) as Record<string, unknown>;
    expect(record).toEqual(expect.objectContaining({ client: "anonymous", requestId, traceparent: TRACE, level: "info" }));
    expect(lines.filter((l) => l["event"] === "deck.metrics")).toHaveLength(1);
  });

  it.each([
    ["limit", { dailyCharacters: 1_000 }, { deck_name: "Over", cards: Array.from({ length: 30 }, (_, i) => ({ front: `${i}`.padEnd(50, "x"), back: "b" })) }],
    ["error", { failUpload: true }, { deck_name: "Broken", cards: [{ front: "a", back: "b" }] }],
  ] as const)("counts a deck that ended in %s under that outcome", async (outcome, options, args) => {
    const call = endpoint(options);
    const { text } = await captureLog("info", async () => call({ method: "tools/call", params: { name: "create_deck", arguments: args } }));
    const record = text.split("\n").find((line) => line.includes('"event":"deck.metrics"'))!;
    expect(emfProblems(record)).toEqual([]);
    expect(extractMetrics(record).find((m) => m.name === "Decks")).toEqual(expect.objectContaining({ dimensions: { Service: "ankify", Outcome: outcome }, values: [1] }));
    expect(extractMetrics(record).find((m) => m.name === "Cards")!.values).toEqual([0]);
  });

  it("is written even when the log level hides info lines, and not when the log is silent", async () => {
    const call = endpoint();
    const { text } = await captureLog("error", () => call(deck("Quiet")));
    expect(text.split("\n").filter((l) => l.includes('"event":"deck.metrics"'))).toHaveLength(1);
    expect(text).not.toContain('"event":"mcp.request"');
  });
});

describe("the caller's W3C trace", () => {
  it.each([
    [TRACE, TRACE],
    ["01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
    ["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", undefined],
    ["ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", undefined],
    ["00-00000000000000000000000000000000-00f067aa0ba902b7-01", undefined],
    ["00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", undefined],
    ["00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", undefined],
    ["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", undefined],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\n{"level":"error"}', undefined],
    [42, undefined],
  ])("%j is kept as %j", (value, kept) => {
    expect(validTraceparent(value)).toBe(kept);
  });

  it("is logged with the request id, from _meta first, else from the traceparent header; anything malformed is dropped", async () => {
    const call = endpoint();
    const headerTrace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
    const { result, lines } = await captureLog("info", async () => [
      await call(deck("From meta", { traceparent: TRACE }), { traceparent: headerTrace }),
      await call({ method: "tools/list", params: {} }, { traceparent: headerTrace }),
      await call({ method: "tools/list", params: { _meta: { traceparent: "not-a-trace" } } }),
    ]);
    const requests = lines.filter((l) => l["event"] === "mcp.request");
    expect(requests).toEqual([
      expect.objectContaining({ requestId: result[0]!.requestId, client: "anonymous", method: "tools/call", tool: "create_deck", traceparent: TRACE }),
      expect.objectContaining({ requestId: result[1]!.requestId, method: "tools/list", traceparent: headerTrace }),
      expect.not.objectContaining({ traceparent: expect.anything() }),
    ]);
  });
});

describe("what clients see before they call", () => {
  it("create_deck carries its annotations and the icon; the server's info carries the icon too", async () => {
    const call = endpoint();
    const { result: tools } = await call({ method: "tools/list", params: {} });
    const tool = tools.tools.find((t: { name: string }) => t.name === "create_deck");
    expect(tool.annotations).toEqual({ title: "Create an Anki deck", readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true });
    expect(tool.icons.map((i: { mimeType: string; sizes: string[] }) => [i.mimeType, i.sizes])).toEqual([["image/png", ["64x64"]], ["image/svg+xml", ["any"]]]);
    const { result: init } = await call({ method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } } });
    expect(init.serverInfo).toEqual(expect.objectContaining({ name: "ankify", title: "Ankify", icons: tool.icons }));
  });

  it("every tool listed (get_deck too, where jobs are on) carries a title, all four hints said outright, and the icon", async () => {
    // Listing tools reads no job: the store's endpoint is never reached.
    const jobs = new DeckJobs({ store: new S3JobStore(s3Client("http://127.0.0.1:9"), "decks", "jobs/"), launcher: new InProcessLauncher(async () => {}) });
    const { result } = await endpoint({ jobs })({ method: "tools/list", params: {} });
    const { result: init } = await endpoint({ jobs })({ method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } } });
    const tools = result.tools as Array<{ name: string; title?: string; annotations?: Record<string, unknown>; icons?: unknown }>;
    expect(tools.map((t) => t.name).sort()).toEqual(["create_deck", "get_deck"]);
    for (const tool of tools) {
      // MCP defaults destructiveHint to true and openWorldHint to true when absent: each is stated, not left to a host's reading of the default.
      expect({ name: tool.name, hints: Object.keys(tool.annotations ?? {}).sort() }).toEqual({ name: tool.name, hints: ["destructiveHint", "idempotentHint", "openWorldHint", "readOnlyHint", "title"] });
      expect(tool.annotations!["title"]).toBe(tool.title);
      expect({ name: tool.name, icons: tool.icons }).toEqual({ name: tool.name, icons: init.serverInfo.icons });
    }
    // Cancelling a job (cancel: true) ends its work for good: not read-only, not only additive.
    expect(tools.find((t) => t.name === "get_deck")!.annotations).toEqual({ title: "Get a deck being built", readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false });
  });

  it("the PNG icon is a valid 64×64 RGBA image with a drawing on it (read by Python's zlib, not ours)", async () => {
    const { result } = await endpoint()({ method: "tools/list", params: {} });
    const png = result.tools[0].icons[0].src as string;
    expect(png.startsWith("data:image/png;base64,")).toBe(true);
    const report = execFileSync("python3", ["-c", `
import base64, struct, sys, zlib, json
data = base64.b64decode(sys.stdin.read().split(",", 1)[1])
assert data[:8] == b"\\x89PNG\\r\\n\\x1a\\n", "signature"
pos, chunks, idat = 8, [], b""
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
    assert zlib.crc32(kind + body) & 0xffffffff == crc, kind
    chunks.append(kind.decode())
    if kind == b"IHDR": width, height, depth, colour = struct.unpack(">IIBB", body[:10])
    if kind == b"IDAT": idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
stride = 1 + width * 4
alpha = [raw[r * stride + 1 + x * 4 + 3] for r in range(height) for x in range(width)]
colours = {raw[r * stride + 1 + x * 4: r * stride + 4 + x * 4] for r in range(height) for x in range(width)}
print(json.dumps({"chunks": chunks, "size": [width, height], "depth": depth, "colour": colour, "bytes": len(raw), "opaque": sum(a == 255 for a in alpha), "colours": len(colours)}))
`], { input: png, encoding: "utf8" });
    const facts = JSON.parse(report) as { chunks: string[]; size: number[]; depth: number; colour: number; bytes: number; opaque: number; colours: number };
    expect(facts).toEqual(expect.objectContaining({ chunks: ["IHDR", "IDAT", "IEND"], size: [64, 64], depth: 8, colour: 6, bytes: 64 * (1 + 64 * 4) }));
    expect(facts.opaque).toBeGreaterThan(64 * 64 * 0.8);
    expect(facts.colours).toBeGreaterThan(3);
  });

  it("the SVG icon is well-formed SVG, with no script and nothing fetched", () => {
    const svg = iconSvg();
    const root = parseDocument(svg, { xmlMode: true }).children.find((n) => n.type === "tag") as { name: string; attribs: Record<string, string>; children: unknown[] };
    expect(root.name).toBe("svg");
    expect(root.attribs).toEqual(expect.objectContaining({ xmlns: "http://www.w3.org/2000/svg", viewBox: "0 0 64 64" }));
    expect(root.children.length).toBeGreaterThan(3);
    expect(svg).not.toMatch(/<script|href|url\(|on[a-z]+=/i);
  });
});

describe("the client a request is on behalf of", () => {
  it.each([
    // As the authenticators record them (access/api-keys.ts, oauth.ts): withSubject.
    ["an API key's client name", withSubject({ token: "", clientId: "laptop", scopes: [] }, "api-key", "laptop"), "laptop"],
    ["an OAuth user, not the application every claude.ai user shares", withSubject({ token: "t", clientId: "claude-ai-client", scopes: ["decks"] }, "oauth", "user-123"), "user-123"],
    ["a client-credentials token, which has no user", { token: "t", clientId: "service-app", scopes: ["decks"] }, "service-app"],
    ["none mode: everyone", { token: "", clientId: "anonymous", scopes: [] }, "anonymous"],
    ["no identity at all", undefined, "anonymous"],
  ])("%s", (_label, auth, subject) => {
    expect(clientSubject(auth)).toBe(subject);
  });
});
