import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createClientGate } from "../../lambda/src/access/client-auth";
import { loadConfig } from "../../lambda/src/config";
import { createRequestHandler } from "../../lambda/src/handler";
import { writeStreamingResponse } from "../../lambda/src/http/lambda-stream";
import type { DeckStore } from "../../lambda/src/storage/s3";
import type { Synthesizer } from "../../lambda/src/tts/index";
import { RecordingResponseStream } from "../../testing/function/lambda-stream";
import { runDevServer, type Running } from "../../testing/function/harness";
import { scratchTmpdir } from "../../testing/function/scratch-tmpdir";

/**
 * Streaming as Lambda runs it, at a tenth of the real scale so the suite stays fast: keep-alive and
 * progress every 100 ms instead of 5 s, clips of 60 ms. The real-time run (a 500-card deck past
 * CloudFront's 120 s) is npm run bench:deck's.
 */
const KEEPALIVE_MS = 100;
const REVISION = "2026-07-28";

function handlerWith(latencyMs: number, store: Partial<DeckStore> = {}) {
  const spoken: string[] = [];
  const saved: string[] = [];
  const synthesizer: Synthesizer = {
    extension: "mp3", bytesPerCharacter: 100, concurrency: 1,
    synthesize: (text, _style, signal) => new Promise((resolve, reject) => {
      const onAbort = () => (clearTimeout(timer), reject(signal.reason));
      const timer = setTimeout(() => (signal.removeEventListener("abort", onAbort), spoken.push(text), resolve(new Uint8Array(64))), latencyMs);
      signal.addEventListener("abort", onAbort, { once: true });
    }),
  };
  const config = loadConfig({ ANKIFY_ORIGIN_PROTECTION: "oac", ANKIFY_DECK_BUCKET: "b", ANKIFY_CLIENT_AUTH: "none", ANKIFY_TIME_BUDGET_SECONDS: "10", ANKIFY_STREAM_BUDGET_SECONDS: "120" });
  const handle = createRequestHandler({
    config, synthesizer, keepAliveMs: KEEPALIVE_MS, clients: createClientGate(config.clientAuth, config.originProtection),
    store: { save: store.save ?? (async (key) => (saved.push(key), { url: "https://decks.example/d.apkg", expiresAt: new Date() })) },
  });
  return { handle, spoken, saved };
}

const deckCall = (id: number, cards: number, extraMeta: Record<string, unknown> = {}) => JSON.stringify({
  jsonrpc: "2.0", id, method: "tools/call",
  params: {
    name: "create_deck",
    arguments: { deck_name: "Stream", cards: Array.from({ length: cards }, (_, i) => ({ front: `front ${i}`, back: `back ${i}` })) },
    _meta: { "io.modelcontextprotocol/protocolVersion": REVISION, "io.modelcontextprotocol/clientCapabilities": {}, ...extraMeta },
  },
});
const headers = (accept: string) => ({
  "content-type": "application/json", accept, "mcp-protocol-version": REVISION, "mcp-method": "tools/call", "mcp-name": "create_deck",
});
/** The SSE events of a body, in order. */
const events = (body: string) => body.split("\n\n").filter((block) => block.includes("data: ")).map((block) => JSON.parse(block.split("\n").find((l) => l.startsWith("data: "))!.slice(6)));

describe("a long deck through the Lambda streaming handler", () => {
  it("streams status first, then bytes at every keep-alive interval, ordered progress, and the deck", async () => {
    const { handle, saved } = handlerWith(50);
    const stream = new RecordingResponseStream();
    const started = Date.now();
    const response = await handle(new Request("https://ankify.test/mcp", { method: "POST", headers: headers("application/json, text/event-stream"), body: deckCall(1, 20, { progressToken: "p1" }) }));
    await writeStreamingResponse(response, stream, () => {});

    const all = stream.bytes();
    const cut = all.indexOf(Buffer.alloc(8));
    const prelude = JSON.parse(all.subarray(0, cut).toString());
    expect(prelude).toEqual(expect.objectContaining({ statusCode: 200, headers: expect.objectContaining({ "content-type": "text/event-stream" }) }));
    const body = all.subarray(cut + 8).toString();

    // Every gap between bytes — from the request to the first one, and between any two — stays near
    // the keep-alive interval, far from a read timeout (10 × the interval stands for CloudFront's).
    const times = [started, ...stream.chunks.map((c) => c.at)];
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.max(...gaps)).toBeLessThan(10 * KEEPALIVE_MS);
    expect(Date.now() - started).toBeGreaterThan(20 * 50);
    expect(body).toContain(": keepalive");

    const messages = events(body);
    const progress = messages.filter((m) => m.method === "notifications/progress").map((m) => m.params);
    expect(progress.length).toBeGreaterThan(5);
    for (const [i, p] of progress.entries()) {
      expect(p.progressToken).toBe("p1");
      expect(p.total).toBe(22);
      if (i > 0) expect(p.progress).toBeGreaterThan(progress[i - 1].progress);
    }
    expect(progress.map((p) => p.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^speaking \d+\/20$/)]));
    const last = messages.at(-1);
    expect(last.id).toBe(1);
    expect(last.result.structuredContent.card_count).toBe(20);
    expect(saved).toHaveLength(1);
  });

  it("keeps bytes flowing without a progress token: SSE comment lines", async () => {
    const { handle } = handlerWith(60);
    const stream = new RecordingResponseStream();
    const started = Date.now();
    await writeStreamingResponse(await handle(new Request("https://ankify.test/mcp", { method: "POST", headers: headers("application/json, text/event-stream"), body: deckCall(2, 12) })), stream, () => {});
    const body = stream.bytes().toString();
    expect(events(body).filter((m) => m.method === "notifications/progress")).toEqual([]);
    expect(body.match(/: keepalive/g)!.length).toBeGreaterThanOrEqual(3);
    const times = [started, ...stream.chunks.map((c) => c.at)];
    expect(Math.max(...times.slice(1).map((t, i) => t - times[i]!))).toBeLessThan(10 * KEEPALIVE_MS);
  });

  it("answers a JSON-only client in one JSON piece, without progress, within the JSON budget", async () => {
    const { handle } = handlerWith(5);
    const response = await handle(new Request("https://ankify.test/mcp", { method: "POST", headers: headers("application/json"), body: deckCall(3, 4, { progressToken: "p3" }) }));
    expect(response.headers.get("content-type")).toBe("application/json");
    const body = await response.json() as { id: number; result: { structuredContent: { card_count: number } } };
    expect(body.id).toBe(3);
    expect(body.result.structuredContent.card_count).toBe(4);
  });

  it("stops speaking and stores nothing when the client disconnects", async () => {
    const { handle, spoken, saved } = handlerWith(40);
    const stream = new RecordingResponseStream();
    const client = new AbortController();
    const response = await handle(new Request("https://ankify.test/mcp", { method: "POST", headers: headers("application/json, text/event-stream"), body: deckCall(4, 100), signal: client.signal }));
    const writing = writeStreamingResponse(response, stream, () => client.abort(new Error("the client disconnected")));
    await new Promise((resolve) => setTimeout(resolve, 300));
    stream.destroy();
    await writing;
    const spokenAtDisconnect = spoken.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(spokenAtDisconnect).toBeLessThan(100);
    expect(spoken.length).toBeLessThanOrEqual(spokenAtDisconnect + 1);
    expect(saved).toEqual([]);
  });

  it("stops a call when the same client sends notifications/cancelled for it", async () => {
    const { handle, spoken, saved } = handlerWith(40);
    const tmp = scratchTmpdir();
    const workspaces = () => tmp.count("ankify-deck-");
    try {
      const call = handle(new Request("https://ankify.test/mcp", { method: "POST", headers: headers("application/json, text/event-stream"), body: deckCall(5, 100) }));
      const body = (await call).text();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(workspaces()).toBe(1);
      const cancel = await handle(new Request("https://ankify.test/mcp", {
        method: "POST",
        headers: { ...headers("application/json, text/event-stream"), "mcp-method": "notifications/cancelled", "mcp-name": "" },
        body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 5, _meta: { "io.modelcontextprotocol/protocolVersion": REVISION, "io.modelcontextprotocol/clientCapabilities": {} } } }),
      }));
      expect(cancel.status).toBe(202);
      const result = events(await body).at(-1);
      expect(result.result.isError).toBe(true);
      expect(result.result.content[0].text).toMatch(/^The deck was cancelled; nothing was uploaded\./);
      expect(spoken.length).toBeLessThan(100);
      expect(saved).toEqual([]);
      expect(workspaces()).toBe(0);
    } finally {
      tmp.restore();
    }
  });
});

describe("official clients and a deck longer than their timeout", () => {
  let run: Running;
  beforeAll(async () => (run = await runDevServer({ speech: "silent", speechLatencyMs: 200, keepAliveMs: KEEPALIVE_MS })));
  afterAll(() => run.stop());
  // 64 clips, 8 at a time, 200 ms each: at least 1.6 s, over three times the clients' 500 ms timeout.
  // Each call speaks its own words: cached clips would make the deck quick.
  const argsFor = (era: string, cards = 64) => ({ deck_name: "Longer than the timeout", cards: Array.from({ length: cards }, (_, i) => ({ front: `${era} word ${i}`, back: `meaning ${i}` })) });
  const headersFor = () => ({ "x-origin-verify": run.secrets[0]!, authorization: `Bearer ${run.apiKey}` });

  it("the v2 client (2026-07-28) with resetTimeoutOnProgress and a timeout under a third of the deck's time gets its deck", async () => {
    const client = new Client({ name: "timeout-test", version: "1" }, { versionNegotiation: { mode: { pin: REVISION } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${run.dev.url}/mcp`), { requestInit: { headers: headersFor() } }));
    try {
      const seen: number[] = [];
      const started = Date.now();
      const result = await client.callTool({ name: "create_deck", arguments: argsFor("modern") }, { timeout: 500, resetTimeoutOnProgress: true, onprogress: (p) => seen.push(p.progress) });
      expect(Date.now() - started).toBeGreaterThan(3 * 500);
      expect(result.isError).toBeFalsy();
      expect((result.structuredContent as { card_count: number }).card_count).toBe(64);
      expect(seen.length).toBeGreaterThan(3);
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);
      // Without the reset, the same timeout gives up on a deck of about 1 s: the progress is what
      // carries it through.
      await expect(client.callTool({ name: "create_deck", arguments: argsFor("uncached", 40) }, { timeout: 500, onprogress: () => {} })).rejects.toThrow(/timed out|timeout/i);
    } finally {
      await client.close();
    }
  });

  it("the 1.x client (2025 era) with resetTimeoutOnProgress gets its deck too", async () => {
    const client = new LegacyClient({ name: "timeout-test-2025", version: "1" });
    await client.connect(new LegacyTransport(new URL(`${run.dev.url}/mcp`), { requestInit: { headers: headersFor() } }));
    try {
      const seen: number[] = [];
      const result = await client.callTool({ name: "create_deck", arguments: argsFor("legacy") }, undefined, { timeout: 500, resetTimeoutOnProgress: true, onprogress: (p) => seen.push(p.progress) });
      expect((result.structuredContent as { card_count: number }).card_count).toBe(64);
      expect(seen.length).toBeGreaterThan(3);
    } finally {
      await client.close();
    }
  });
});
