import { Writable } from "node:stream";
import { createClientGate } from "../../lambda/src/access/client-auth";
import { loadConfig } from "../../lambda/src/config";
import { createRequestHandler } from "../../lambda/src/handler";
import { writeStreamingResponse, type LambdaResponseStream } from "../../lambda/src/http/lambda-stream";

/**
 * What one caller can make the function send, and how long it waits to send it. A client that stops
 * reading must not hold the invocation (and its reserved-concurrency slot) until Lambda's timeout,
 * and nothing a client sends comes back longer than a short excerpt.
 */

/** A response stream whose client stopped reading: nothing written ever drains. */
class StalledClient extends Writable implements LambdaResponseStream {
  constructor() {
    super({ highWaterMark: 1024 });
  }
  setContentType(): void {}
  override _write(_chunk: Buffer, _encoding: BufferEncoding, _callback: () => void): void {
    // Never calls back: the bytes sit in the socket's buffer.
  }
}

/** A body that has much more to send than the client will take. */
const largeBody = () => new Response(new ReadableStream<Uint8Array>({
  pull(controller) {
    controller.enqueue(new Uint8Array(64 * 1024));
  },
}), { status: 200, headers: { "content-type": "text/event-stream" } });

/** "settled", or "still waiting" if the promise has not settled after `ms` (the timer is cleared either way). */
async function settled(promise: Promise<unknown>, ms: number): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise.then(() => "settled"), new Promise<string>((resolve) => (timer = setTimeout(() => resolve("still waiting"), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

describe("the Lambda stream writer and a client that stops reading", () => {
  it("stops waiting for drain when the client disconnects, and says the client is gone", async () => {
    const stream = new StalledClient();
    let gone = 0;
    const writing = writeStreamingResponse(largeBody(), stream, () => gone++);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stream.writableNeedDrain).toBe(true);
    stream.destroy();
    // The writer returns at once; ten seconds is only how long this test waits before calling it a hang.
    expect(await settled(writing, 10_000)).toBe("settled");
    expect(gone).toBe(1);
  }, 30_000);

  it("gives up at its deadline on a client that neither reads nor leaves", async () => {
    jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate", "queueMicrotask"] });
    try {
      const stream = new StalledClient();
      let gone = 0;
      const writing = writeStreamingResponse(largeBody(), stream, () => gone++, { deadline: Date.now() + 60_000 });
      const outcome = writing.then(() => "settled");
      await jest.advanceTimersByTimeAsync(59_000);
      expect(await Promise.race([outcome, Promise.resolve("still waiting")])).toBe("still waiting");
      await jest.advanceTimersByTimeAsync(2_000);
      expect(await Promise.race([outcome, new Promise((resolve) => setImmediate(() => resolve("still waiting")))])).toBe("settled");
      expect(stream.destroyed).toBe(true);
      expect(gone).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it("bounds the wait for the last bytes too", async () => {
    jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate", "queueMicrotask"] });
    try {
      const stream = new StalledClient();
      const writing = writeStreamingResponse(new Response("small answer"), stream, () => {}, { deadline: Date.now() + 5_000 }).then(() => "settled");
      await jest.advanceTimersByTimeAsync(6_000);
      expect(await Promise.race([writing, new Promise((resolve) => setImmediate(() => resolve("still waiting")))])).toBe("settled");
    } finally {
      jest.useRealTimers();
    }
  });
});

describe("answers never repeat unbounded client input", () => {
  const config = loadConfig({ ANKIFY_ORIGIN_PROTECTION: "oac", ANKIFY_DECK_BUCKET: "b", ANKIFY_CLIENT_AUTH: "none" });
  const handle = createRequestHandler({
    config, clients: createClientGate(config.clientAuth, config.originProtection),
    synthesizer: { extension: "mp3", bytesPerCharacter: 1, concurrency: 1, synthesize: async () => new Uint8Array(1) },
    store: { save: async () => ({ url: "https://decks.example/d.apkg", expiresAt: new Date() }) },
  });
  const MEGABYTE = "x".repeat(1024 * 1024);
  const EXCERPT = `${"x".repeat(100)}…`;
  const META = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} };
  const modern = (method: string, name?: string) => ({ "mcp-protocol-version": "2026-07-28", "mcp-method": method, ...(name !== undefined ? { "mcp-name": name } : {}) });
  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await handle(new Request("https://ankify.test/mcp", {
      method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, body: JSON.stringify(body),
    }));
    return { status: response.status, text: await response.text() };
  };
  /** The one JSON-RPC message of a JSON or SSE answer. */
  const message = (text: string) => JSON.parse(text.startsWith("{") ? text : text.split("\n").find((line) => line.startsWith("data: "))!.slice(6));

  it.each([
    ["2025", {}, { params: { name: MEGABYTE, arguments: {} } }],
    ["2026-07-28", modern("tools/call", MEGABYTE), { params: { name: MEGABYTE, arguments: {}, _meta: META } }],
  ])("names an unknown tool (%s era) by an excerpt", async (_era, headers, call) => {
    const { text } = await post({ jsonrpc: "2.0", id: 1, method: "tools/call", ...call }, headers);
    expect(text.length).toBeLessThan(1_000);
    expect(message(text).error).toEqual({ code: -32602, message: `Tool ${EXCERPT} not found` });
  });

  it("quotes a header that disagrees with the body by an excerpt, in the message and its data", async () => {
    const { status, text } = await post({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "create_deck", arguments: {}, _meta: META } }, modern("tools/call", MEGABYTE));
    expect(status).toBe(400);
    expect(text.length).toBeLessThan(2_000);
    expect(message(text).error.message).toContain(`the Mcp-Name header names "${EXCERPT}"`);
  });

  it("quotes a protocol version it does not speak by an excerpt", async () => {
    const { text } = await post({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: { ...META, "io.modelcontextprotocol/protocolVersion": MEGABYTE } } }, modern("tools/list"));
    expect(text.length).toBeLessThan(2_000);
    expect(message(text).error.message).toContain(`protocol version ${EXCERPT}`);
  });

  it("names an unknown card field by an excerpt", async () => {
    const { text } = await post({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "create_deck", arguments: { deck_name: "d", cards: [{ front: "a", back: "b", [MEGABYTE]: 1 }] } } });
    expect(text.length).toBeLessThan(2_000);
    const result = message(text).result;
    expect(result.isError).toBe(true);
    expect(result.content[0].text).toContain(EXCERPT);
  });

  it("answers an unknown method without repeating it", async () => {
    const { text } = await post({ jsonrpc: "2.0", id: 1, method: MEGABYTE, params: {} });
    expect(message(text).error).toEqual({ code: -32601, message: "Method not found" });
  });

  it.each([
    ["an id", { jsonrpc: "2.0", id: MEGABYTE, method: "tools/list" }, "id"],
    ["a progress token", { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "create_deck", arguments: {}, _meta: { progressToken: MEGABYTE } } }, "progressToken"],
  ])("refuses %s longer than an answer may repeat (every answer to it would carry it whole)", async (_label, body, field) => {
    const { status, text } = await post(body);
    expect(status).toBe(400);
    expect(text.length).toBeLessThan(500);
    expect(JSON.parse(text)).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32600, message: `Invalid Request: the ${field} is longer than 100 characters.` } });
  });
});
