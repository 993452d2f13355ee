import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createServer as createHttpServer, type ServerResponse } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { newApiKey, StaticApiKeyStore } from "../../lambda/src/access/api-keys";
import { createClientGate } from "../../lambda/src/access/client-auth";
import { loadConfig } from "../../lambda/src/config";
import { createRequestHandler } from "../../lambda/src/handler";
import { writeStreamingResponse } from "../../lambda/src/http/lambda-stream";
import { serveNode, writeWebResponse } from "../../lambda/src/http/node-adapter";
import type { DeckStore } from "../../lambda/src/storage/s3";
import type { Synthesizer } from "../../lambda/src/tts/index";
import { readStream, RecordingResponseStream } from "../../testing/function/lambda-stream";
import { useFakeClock, until } from "../../testing/function/clock";
import { GatedSynthesizer } from "../../testing/function/gated-speech";
import { scratchTmpdir } from "../../testing/function/scratch-tmpdir";

/**
 * Streaming as Lambda runs it, on Jest's fake clock: keep-alive and progress every 100 ms of fake
 * time instead of 5 s, and speech that finishes a clip only when the test releases it. Time moves
 * only when a test moves it, so what is counted per interval holds however loaded the machine is.
 * How long a real deck takes (500 cards, past CloudFront's 120 s) is npm run bench:deck's to measure.
 */
const KEEPALIVE_MS = 100;
const REVISION = "2026-07-28";

/** The handler in none mode, or in api-key mode with these keys (cancellations need a known caller). */
function handlerWith(synthesizer: Synthesizer, store: Partial<DeckStore> = {}, keys?: Record<string, string>) {
  const saved: string[] = [];
  const config = loadConfig({
    ANKIFY_ORIGIN_PROTECTION: "oac", ANKIFY_DECK_BUCKET: "b", ANKIFY_CLIENT_AUTH: keys ? "api-key" : "none", ANKIFY_API_KEY_PATH: "/ankify/test/client-keys",
    ANKIFY_TIME_BUDGET_SECONDS: "120", ANKIFY_STREAM_BUDGET_SECONDS: "300",
  });
  const handle = createRequestHandler({
    config, synthesizer, keepAliveMs: KEEPALIVE_MS, clients: createClientGate(config.clientAuth, config.originProtection, keys ? new StaticApiKeyStore(keys) : undefined),
    store: { save: store.save ?? (async (key) => (saved.push(key), { url: "https://decks.example/d.apkg", expiresAt: new Date() })) },
  });
  return { handle, saved };
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

/**
 * A streamed deck of `clips` distinct texts, each clip held for three keep-alive intervals of the fake
 * clock (a "quiet" stretch with nothing but the stream's own heartbeat), then released.
 */
async function streamDeck(id: number, clips: number, extraMeta: Record<string, unknown> = {}) {
  const speech = new GatedSynthesizer();
  const { handle, saved } = handlerWith(speech);
  const stream = new RecordingResponseStream();
  const started = Date.now();
  const request = new Request("https://ankify.test/mcp", { method: "POST", headers: headers("application/json, text/event-stream"), body: deckCall(id, clips, extraMeta) });
  const writing = handle(request).then((response) => writeStreamingResponse(response, stream, () => {}));
  // Which of the stream's writes happened while each clip was held.
  const quiet: Array<{ from: number; to: number }> = [];
  for (let clip = 0; clip < clips; clip++) {
    await until(() => speech.inFlight === 1, `clip ${clip} to be spoken`);
    const from = stream.chunks.length;
    await jest.advanceTimersByTimeAsync(3 * KEEPALIVE_MS);
    quiet.push({ from, to: stream.chunks.length });
    speech.release();
  }
  await writing;
  const { statusCode, headers: responseHeaders, body } = readStream(stream);
  return {
    prelude: { statusCode, headers: responseHeaders },
    body,
    /** When each write reached the stream, on the fake clock, starting with the request. */
    times: [started, ...stream.chunks.map((c) => c.at)],
    /** The body written within each quiet stretch. */
    // (The stand-in writes the prelude with the first body byte, which may fall in the first stretch.)
    quietText: quiet.map(({ from, to }) => stream.chunks.slice(from, to).map((c) => c.bytes.toString()).join("").replace(/^\{.*?\}\0{8}/s, "")),
    saved,
  };
}

describe("a long deck through the Lambda streaming handler", () => {
  beforeEach(useFakeClock);
  afterEach(() => jest.useRealTimers());

  it("streams status first, then bytes at every keep-alive interval, ordered progress, and the deck", async () => {
    const clips = 6;
    const { prelude, body, times, quietText, saved } = await streamDeck(1, clips, { progressToken: "p1" });
    expect(prelude).toEqual(expect.objectContaining({ statusCode: 200, headers: expect.objectContaining({ "content-type": "text/event-stream" }) }));

    // No gap between bytes, from the request to the first one and between any two, is longer than
    // the keep-alive interval: CloudFront's read timeout (120 s against 5 s in AWS) never runs out.
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(KEEPALIVE_MS);
    for (const text of quietText) {
      expect(text.match(/: keepalive\n\n/g)).toHaveLength(3);
      // No step finishes while a clip is held: the progress heard then is the heartbeat's (it checks
      // every half interval and sends when a whole one passed without progress: twice in three).
      expect(events(text).filter((m) => m.method === "notifications/progress").length).toBeGreaterThanOrEqual(2);
    }

    const messages = events(body);
    const progress = messages.filter((m) => m.method === "notifications/progress").map((m) => m.params);
    expect(progress.length).toBeGreaterThanOrEqual(2 * clips);
    for (const [i, p] of progress.entries()) {
      expect(p.progressToken).toBe("p1");
      expect(p.total).toBe(clips + 2);
      if (i > 0) expect(p.progress).toBeGreaterThan(progress[i - 1].progress);
    }
    expect(progress.map((p) => p.message)).toEqual(expect.arrayContaining([`speaking 0/${clips}`, `speaking ${clips - 1}/${clips}`]));
    const last = messages.at(-1);
    expect(last.id).toBe(1);
    expect(last.result.structuredContent.card_count).toBe(clips);
    expect(saved).toHaveLength(1);
  });

  it("keeps bytes flowing without a progress token: SSE comment lines, one per interval", async () => {
    const { body, times, quietText } = await streamDeck(2, 4);
    expect(events(body).filter((m) => m.method === "notifications/progress")).toEqual([]);
    for (const text of quietText) expect(text).toBe(": keepalive\n\n".repeat(3));
    expect(Math.max(...times.slice(1).map((t, i) => t - times[i]!))).toBeLessThanOrEqual(KEEPALIVE_MS);
    expect(events(body).at(-1).result.structuredContent.card_count).toBe(4);
  });
});

describe("a deck that does not stream", () => {
  it("answers a JSON-only client in one JSON piece, without progress", async () => {
    const speech = new GatedSynthesizer();
    speech.open();
    const { handle } = handlerWith(speech);
    const response = await handle(new Request("https://ankify.test/mcp", { method: "POST", headers: headers("application/json"), body: deckCall(3, 4, { progressToken: "p3" }) }));
    expect(response.headers.get("content-type")).toBe("application/json");
    const body = await response.json() as { id: number; result: { structuredContent: { card_count: number } } };
    expect(body.id).toBe(3);
    expect(body.result.structuredContent.card_count).toBe(4);
  });
});

describe("a deck the client gives up on", () => {
  it("stops speaking and stores nothing when the client disconnects", async () => {
    const speech = new GatedSynthesizer();
    const { handle, saved } = handlerWith(speech);
    const tmp = scratchTmpdir();
    try {
      const stream = new RecordingResponseStream();
      const client = new AbortController();
      const response = await handle(new Request("https://ankify.test/mcp", { method: "POST", headers: headers("application/json, text/event-stream"), body: deckCall(4, 100), signal: client.signal }));
      const writing = writeStreamingResponse(response, stream, () => client.abort(new Error("the client disconnected")));
      for (let clip = 0; clip < 3; clip++) {
        await until(() => speech.inFlight === 1, `clip ${clip} to be spoken`);
        speech.release();
      }
      await until(() => speech.inFlight === 1, "the fourth clip to be spoken");
      stream.destroy();
      await writing;
      // The clip being spoken is abandoned and no other starts; the request's files are gone.
      await until(() => tmp.count("ankify-deck-") === 0, "the deck's workspace to be removed");
      expect(speech.aborted).toHaveLength(1);
      expect(speech.started).toHaveLength(4);
      expect(speech.spoken).toHaveLength(3);
      expect(saved).toEqual([]);
    } finally {
      tmp.restore();
    }
  });

  it("lets go of a client that hangs up while the dev server's writer waits for it to read", async () => {
    // A body that always has more: the unread socket fills, and write() asks the writer to wait.
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(new Uint8Array(64 * 1024)), cancel: () => void (cancelled = true) });
    let served: { res: ServerResponse; writing: Promise<void> } | undefined;
    const server = createHttpServer((_req, res) => (served = { res, writing: writeWebResponse(res, new Response(body)) }));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
    try {
      socket.pause();
      socket.write("GET / HTTP/1.1\r\nHost: ankify.test\r\n\r\n");
      await until(() => served?.res.writableNeedDrain === true, "the writer to wait for the client");
      socket.destroy();
      await until(() => cancelled, "the body to be cancelled");
      await served!.writing; // before the fix: a wait for "drain" that never came, and this never settled
      expect(served!.res.destroyed).toBe(true);
    } finally {
      socket.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 30_000);

  it("stops a call when the same client sends notifications/cancelled for it", async () => {
    const speech = new GatedSynthesizer();
    const key = newApiKey();
    const { handle, saved } = handlerWith(speech, {}, { laptop: key });
    const tmp = scratchTmpdir();
    const workspaces = () => tmp.count("ankify-deck-");
    try {
      const call = handle(new Request("https://ankify.test/mcp", { method: "POST", headers: { ...headers("application/json, text/event-stream"), "x-api-key": key }, body: deckCall(5, 100) }));
      const body = (await call).text();
      await until(() => speech.inFlight === 1, "the first clip to be spoken");
      speech.release();
      await until(() => speech.inFlight === 1, "the second clip to be spoken");
      expect(workspaces()).toBe(1);
      const cancel = await handle(new Request("https://ankify.test/mcp", {
        method: "POST",
        headers: { ...headers("application/json, text/event-stream"), "mcp-method": "notifications/cancelled", "mcp-name": "", "x-api-key": key },
        body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 5, _meta: { "io.modelcontextprotocol/protocolVersion": REVISION, "io.modelcontextprotocol/clientCapabilities": {} } } }),
      }));
      expect(cancel.status).toBe(202);
      const result = events(await body).at(-1);
      expect(result.result.isError).toBe(true);
      expect(result.result.content[0].text).toMatch(/^The deck was cancelled; nothing was uploaded\./);
      expect(speech.spoken).toHaveLength(1);
      expect(speech.aborted).toHaveLength(1);
      expect(saved).toEqual([]);
      expect(workspaces()).toBe(0);
    } finally {
      tmp.restore();
    }
  });
});

/** The real handler behind a real HTTP server on loopback (what the official clients talk to). */
async function serveOverHttp(handle: ReturnType<typeof createRequestHandler>): Promise<{ url: URL; close(): Promise<void> }> {
  const server = createHttpServer(serveNode(handle));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`),
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe("official clients and a deck longer than their timeout", () => {
  // The clients' request timeout; each step of the fake clock stays under half of it (see below).
  const TIMEOUT_MS = 500;
  const STEP_MS = 200;
  const args = { deck_name: "Longer than the timeout", cards: Array.from({ length: 4 }, (_, i) => ({ front: `word ${i}`, back: `meaning ${i}` })) };
  type CallOptions = { timeout: number; resetTimeoutOnProgress?: boolean; onprogress: (p: { progress: number }) => void };
  type ToolResult = { isError?: boolean; structuredContent?: unknown };
  const eras: Array<[string, (url: URL) => Promise<{ call(options: CallOptions): Promise<ToolResult>; close(): Promise<void> }>]> = [
    ["v2 client (2026-07-28)", async (url) => {
      const client = new Client({ name: "timeout-test", version: "1" }, { versionNegotiation: { mode: { pin: REVISION } } });
      await client.connect(new StreamableHTTPClientTransport(url));
      return { call: async (options) => (await client.callTool({ name: "create_deck", arguments: args }, options)) as ToolResult, close: () => client.close() };
    }],
    ["1.x client (2025 era)", async (url) => {
      const client = new LegacyClient({ name: "timeout-test-2025", version: "1" });
      await client.connect(new LegacyTransport(url));
      return { call: async (options) => (await client.callTool({ name: "create_deck", arguments: args }, undefined, options)) as ToolResult, close: () => client.close() };
    }],
  ];

  let speech: GatedSynthesizer;
  let server: Awaited<ReturnType<typeof serveOverHttp>>;
  beforeEach(async () => {
    useFakeClock();
    speech = new GatedSynthesizer();
    server = await serveOverHttp(handlerWith(speech).handle);
  });
  afterEach(async () => {
    speech.open();
    await server.close();
    jest.useRealTimers();
  });

  it.each(eras)("the %s with resetTimeoutOnProgress gets a deck that takes over three times its timeout", async (_era, connect) => {
    const client = await connect(server.url);
    try {
      const seen: number[] = [];
      const started = Date.now();
      const result = client.call({ timeout: TIMEOUT_MS, resetTimeoutOnProgress: true, onprogress: (p) => seen.push(p.progress) });
      let settled = false;
      result.then(() => (settled = true), () => (settled = true));
      await until(() => speech.inFlight === 1, "the first clip to be spoken");
      // Each step moves the clock less than half the timeout, and the next waits until the client has
      // taken in a notification sent after the previous step began: its timer, reset then, cannot run
      // out during the next step. The call outlives its timeout only because progress resets it.
      while (Date.now() - started <= 3 * TIMEOUT_MS && !settled) {
        const before = seen.length;
        await jest.advanceTimersByTimeAsync(STEP_MS);
        await until(() => seen.length > before || settled, "a progress notification to reach the client");
      }
      // (A call that ended early, e.g. timed out, fails below with its own error.)
      speech.open();
      const deck = await result;
      expect(Date.now() - started).toBeGreaterThan(3 * TIMEOUT_MS);
      expect(deck.isError).toBeFalsy();
      expect((deck.structuredContent as { card_count: number }).card_count).toBe(4);
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    } finally {
      await client.close();
    }
  }, 60_000);

  it.each(eras)("the %s without it gives up on the same deck once its timeout has passed", async (_era, connect) => {
    const client = await connect(server.url);
    try {
      const outcome = client.call({ timeout: TIMEOUT_MS, onprogress: () => {} }).then(() => "answered", (error: Error) => error.message);
      await until(() => speech.inFlight === 1, "the first clip to be spoken");
      await jest.advanceTimersByTimeAsync(TIMEOUT_MS - 1);
      expect(await Promise.race([outcome, Promise.resolve("still waiting")])).toBe("still waiting");
      await jest.advanceTimersByTimeAsync(1);
      expect(await outcome).toMatch(/timed out|timeout/i);
    } finally {
      await client.close();
    }
  }, 60_000);
});
