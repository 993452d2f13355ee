// ANKIFY_INVOKE_MODE = BUFFERED: the function exports a plain handler that returns one Function URL
// response object (payload format 2.0, at most 6 MB), never streams, and gives every answer the time
// budget that fits inside CloudFront's read timeout.
import { createClientGate } from "../../lambda/src/access/client-auth";
import { apiKeyDigest, newApiKey } from "../../lambda/src/access/api-keys";
import { loadConfig } from "../../lambda/src/config";
import { createRequestHandler } from "../../lambda/src/handler";
import type { FunctionUrlEvent } from "../../lambda/src/http/function-url";
import { MAX_BUFFERED_RESPONSE_BYTES, payloadBytes, toFunctionUrlResult } from "../../lambda/src/http/lambda-buffered";
import { FINISHING_RESERVE_SECONDS } from "../../lambda/src/limits";
import { FakeDynamoDb } from "../../testing/fake-dynamodb";
import { FakeSsm } from "../../testing/fake-ssm";
import { useFakeClock, until } from "../../testing/function/clock";
import { GatedSynthesizer } from "../../testing/function/gated-speech";
import { newSecret } from "../../testing/function/harness";
import { invokeBuffered, readResult, RUNTIME_PAYLOAD_LIMIT } from "../../testing/function/lambda-buffered";
import { captureLog } from "../../testing/function/log-capture";

const REVISION = "2026-07-28";
const modernMeta = { "io.modelcontextprotocol/protocolVersion": REVISION, "io.modelcontextprotocol/clientInfo": { name: "raw-test", version: "1" }, "io.modelcontextprotocol/clientCapabilities": {} };
const deckCall = (id: number, args: Record<string, unknown>, meta: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "create_deck", arguments: args, _meta: { ...modernMeta, ...meta } } });
const deckHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": REVISION, "mcp-method": "tools/call", "mcp-name": "create_deck" };

describe("a Response as a buffered Function URL result", () => {
  const result = async (response: Response) => readResult(await toFunctionUrlResult(response));

  it("carries status, headers and a UTF-8 body as text", async () => {
    const answer = await result(new Response(JSON.stringify({ ok: "ünïcödé ✓" }), { status: 201, headers: { "content-type": "application/json", "x-ankify-request-id": "req-1" } }));
    expect(answer).toEqual(expect.objectContaining({ statusCode: 201, headers: { "content-type": "application/json", "x-ankify-request-id": "req-1" }, cookies: [] }));
    expect(JSON.parse(answer.body)).toEqual({ ok: "ünïcödé ✓" });
    expect((await toFunctionUrlResult(new Response("x"))).isBase64Encoded).toBe(false);
  });

  it("sends bytes that are not UTF-8 as base64, and keeps a UTF-8 body's byte order mark", async () => {
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41]);
    const raw = await toFunctionUrlResult(new Response(binary, { headers: { "content-type": "application/octet-stream" } }));
    expect(raw.isBase64Encoded).toBe(true);
    expect(readResult(raw).bytes).toEqual(binary);
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("{}")]);
    expect((await result(new Response(bom))).bytes).toEqual(bom);
  });

  it("answers an empty body (a 204) with an empty string", async () => {
    expect(await result(new Response(null, { status: 204 }))).toEqual(expect.objectContaining({ statusCode: 204, body: "" }));
  });

  it("returns Set-Cookie values as cookies, one per cookie, which a headers map could not hold", async () => {
    const headers = new Headers({ "content-type": "text/plain" });
    headers.append("set-cookie", "a=1; Secure");
    headers.append("set-cookie", "b=2; HttpOnly");
    const answer = await result(new Response("ok", { headers }));
    expect(answer.cookies).toEqual(["a=1; Secure", "b=2; HttpOnly"]);
    expect(answer.headers["set-cookie"]).toBeUndefined();
  });

  describe("6 MB, as Lambda counts it (the serialized result)", () => {
    const headers = { "content-type": "application/json", "x-ankify-request-id": "req-big" };
    const overhead = payloadBytes({ statusCode: 200, headers, body: "", isBase64Encoded: false });
    const refused = async (response: Response) => {
      const { result: raw, lines } = await captureLog("error", () => toFunctionUrlResult(response));
      const answer = readResult(raw);
      expect(answer.statusCode).toBe(500);
      expect(answer.headers["x-ankify-request-id"]).toBe("req-big");
      expect(JSON.parse(answer.body)).toEqual({
        jsonrpc: "2.0", id: null,
        error: { code: -32603, message: expect.stringMatching(/^Internal error: the answer \((\d+|more than 6291456) bytes\) is larger than the 6 MB a buffered Function URL can return\.$/) },
      });
      expect(lines).toEqual([expect.objectContaining({ level: "error", event: "response.too_large", requestId: "req-big", status: 200, limit: MAX_BUFFERED_RESPONSE_BYTES })]);
      return answer;
    };

    it("sends the largest answer that fits whole, and refuses one byte more with a clean 500 naming the request", async () => {
      const fits = await result(new Response("a".repeat(MAX_BUFFERED_RESPONSE_BYTES - overhead), { headers }));
      expect(fits.payloadBytes).toBe(MAX_BUFFERED_RESPONSE_BYTES);
      expect(fits.statusCode).toBe(200);
      await refused(new Response("a".repeat(MAX_BUFFERED_RESPONSE_BYTES - overhead + 1), { headers }));
      // Without the refusal the runtime would fail the invocation, and the client would get a bare 502.
      expect(() => readResult({ statusCode: 200, headers, body: "a".repeat(RUNTIME_PAYLOAD_LIMIT), isBase64Encoded: false })).toThrow("Response payload size exceeded");
    });

    it("counts what JSON escaping and base64 add: a 5 MB binary body is 6.7 MB on the wire", async () => {
      await refused(new Response(Buffer.alloc(5 * 1024 * 1024, 0xff), { headers }));
      await refused(new Response("\n".repeat(4 * 1024 * 1024), { headers })); // each newline is "\n", two bytes, in JSON
    });

    it("stops reading a body that never ends just past the limit, and cancels it", async () => {
      let produced = 0;
      let cancelled: unknown;
      const endless = new ReadableStream<Uint8Array>({
        pull(controller) {
          produced += 1024 * 1024;
          controller.enqueue(new Uint8Array(1024 * 1024).fill(0x61));
        },
        cancel(reason) {
          cancelled = reason;
        },
      }, { highWaterMark: 0 });
      await refused(new Response(endless, { headers }));
      expect(cancelled).toBeInstanceOf(Error);
      expect(produced).toBeLessThanOrEqual(MAX_BUFFERED_RESPONSE_BYTES + 2 * 1024 * 1024);
    });
  });
});

describe("the Lambda entry point with ANKIFY_INVOKE_MODE = BUFFERED", () => {
  const current = newSecret();
  const apiKey = newApiKey();
  const KEY_PATH = "/ankify/ankify-buffered/client-keys";
  const ssm = new FakeSsm();
  // The per-client counts, as the stack deploys them: a loopback DynamoDB speaking its real protocol.
  const dynamodb = new FakeDynamoDb();
  dynamodb.createTable("ankify-buffered-usage", "pk", "sk");
  let entry: typeof import("../../lambda/src/index");
  const event = (method: string, path: string, headers: Record<string, string> = {}, body?: string): FunctionUrlEvent => ({
    rawPath: path,
    rawQueryString: "",
    headers: { host: "abc.lambda-url.eu-west-1.on.aws", ...headers },
    ...(body !== undefined ? { body: Buffer.from(body).toString("base64"), isBase64Encoded: true } : {}),
    requestContext: { domainName: "abc.lambda-url.eu-west-1.on.aws", http: { method } },
  });
  const context = { awsRequestId: "req-buffered", getRemainingTimeInMillis: () => 60_000 };
  const call = (e: FunctionUrlEvent) => invokeBuffered(entry.handler as typeof entry.bufferedHandler, e, context);
  const ok = () => ({ "x-origin-verify": current, authorization: `Bearer ${apiKey}` });

  beforeAll(async () => {
    // As the stack deploys an own image's settings onto the built function: no stream budget.
    Object.assign(process.env, {
      ANKIFY_INVOKE_MODE: "BUFFERED",
      ANKIFY_TIME_BUDGET_SECONDS: "115",
      ANKIFY_ORIGIN_PROTECTION: "secret-header",
      ANKIFY_ORIGIN_SECRET_PARAMETER: "/ankify/ankify-buffered/origin-secret/current",
      ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER: "/ankify/ankify-buffered/origin-secret/previous",
      ANKIFY_DECK_BUCKET: "decks-test",
      ANKIFY_TTS_ENGINE: "espeak",
      ANKIFY_CLIENT_AUTH: "api-key",
      ANKIFY_API_KEY_PATH: KEY_PATH,
      AWS_ENDPOINT_URL_SSM: await ssm.start(),
      ANKIFY_USAGE_TABLE: "ankify-buffered-usage",
      AWS_ENDPOINT_URL_DYNAMODB: await dynamodb.start(),
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "AKIDTEST",
      AWS_SECRET_ACCESS_KEY: "test-secret",
    });
    ssm.put("/ankify/ankify-buffered/origin-secret/current", current);
    ssm.put("/ankify/ankify-buffered/origin-secret/previous", newSecret());
    ssm.parameters.set(`${KEY_PATH}/test-client`, { Name: `${KEY_PATH}/test-client`, Type: "SecureString", Value: apiKeyDigest(apiKey), LastModifiedDate: 0 });
    // Loaded now, with the environment Lambda would give it: the export is chosen at load.
    entry = require("../../lambda/src/index") as typeof import("../../lambda/src/index");
  });
  afterAll(async () => {
    for (const name of ["ANKIFY_INVOKE_MODE", "ANKIFY_TIME_BUDGET_SECONDS"]) delete process.env[name];
    await Promise.all([ssm.stop(), dynamodb.stop()]);
  });

  it("exports the plain handler a buffered Function URL invokes, not the streaming one", () => {
    expect(entry.handler).toBe(entry.bufferedHandler);
    expect(entry.handler).not.toBe(entry.streamingHandler);
  });

  it("answers GET / with the status document as one response object", async () => {
    const answer = await call(event("GET", "/", { "x-origin-verify": current }));
    expect(answer.statusCode).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/json");
    expect(answer.headers["x-ankify-request-id"]).toBe("req-buffered");
    expect(JSON.parse(answer.body)).toEqual(expect.objectContaining({ service: "ankify", originProtection: "secret-header", clientAuth: "api-key" }));
  });

  it("refuses a request without the origin secret with 403, and one without a key with 401", async () => {
    const noSecret = await call(event("POST", "/mcp", { ...deckHeaders, authorization: `Bearer ${apiKey}` }, deckCall(1, {})));
    expect([noSecret.statusCode, JSON.parse(noSecret.body)]).toEqual([403, { error: "Forbidden" }]);
    const noKey = await call(event("POST", "/mcp", { ...deckHeaders, "x-origin-verify": current }, deckCall(1, {})));
    expect(noKey.statusCode).toBe(401);
    expect(noKey.headers["www-authenticate"]).toMatch(/^Bearer /);
  });

  it("answers create_deck with JSON even to a client that accepts a stream", async () => {
    const answer = await call(event("POST", "/mcp", { ...deckHeaders, ...ok() }, deckCall(7, { deck_name: "d", cards: [] }, { progressToken: "p7" })));
    expect(answer.statusCode).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/json");
    const body = JSON.parse(answer.body);
    expect(body.id).toBe(7);
    expect(body.result.isError).toBe(true);
    expect(body.result.content[0].text).toContain("cards: needs at least one card");
  });

  it("serves a 2025-era client too: the SDK's stateless answer arrives complete", async () => {
    const list = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    const answer = await call(event("POST", "/mcp", { "content-type": "application/json", accept: "application/json, text/event-stream", ...ok() }, list));
    expect(answer.statusCode).toBe(200);
    const data = answer.headers["content-type"]!.startsWith("text/event-stream")
      ? answer.body.split("\n").filter((line) => line.startsWith("data: ")).map((line) => JSON.parse(line.slice(6)))
      : [JSON.parse(answer.body)];
    expect(data.map((m) => m.result.tools[0].name)).toEqual(["create_deck"]);
  });

  it("answers a misconfigured environment with a clean 500 object, the problem in the log only", async () => {
    process.env["ANKIFY_STREAM_BUDGET_SECONDS"] = "295";
    try {
      let fresh!: typeof import("../../lambda/src/index");
      jest.isolateModules(() => {
        fresh = require("../../lambda/src/index") as typeof import("../../lambda/src/index");
      });
      const { result: answer, lines } = await captureLog("error", () => invokeBuffered(fresh.handler as typeof fresh.bufferedHandler, event("GET", "/"), context));
      expect(answer.statusCode).toBe(500);
      expect(JSON.parse(answer.body)).toEqual({ error: "Ankify is misconfigured: its deployment needs fixing (the function's log says what).", requestId: "req-buffered" });
      expect(lines).toEqual([expect.objectContaining({ event: "config.invalid", problems: [
        'ANKIFY_STREAM_BUDGET_SECONDS = "295" cannot apply with ANKIFY_INVOKE_MODE = "BUFFERED", where nothing streams and every answer must be out within ANKIFY_TIME_BUDGET_SECONDS; unset it.',
      ] })]);
    } finally {
      delete process.env["ANKIFY_STREAM_BUDGET_SECONDS"];
    }
  });
});

describe("a deck in BUFFERED mode, on a fake clock", () => {
  beforeEach(useFakeClock);
  afterEach(() => jest.useRealTimers());
  const TIME_BUDGET = 20;

  /** The real handler, `mode` as the stack would configure it (a stream budget only for RESPONSE_STREAM), speech held until released. */
  function start(mode: "BUFFERED" | "RESPONSE_STREAM") {
    const config = loadConfig({
      ANKIFY_ORIGIN_PROTECTION: "oac", ANKIFY_DECK_BUCKET: "b", ANKIFY_CLIENT_AUTH: "none", ANKIFY_INVOKE_MODE: mode,
      ANKIFY_TIME_BUDGET_SECONDS: String(TIME_BUDGET), ...(mode === "RESPONSE_STREAM" ? { ANKIFY_STREAM_BUDGET_SECONDS: "295" } : {}),
    });
    const speech = new GatedSynthesizer();
    const handle = createRequestHandler({
      config, synthesizer: speech, keepAliveMs: 100, clients: createClientGate(config.clientAuth, config.originProtection),
      store: { save: async () => ({ url: "https://decks.example/d.apkg", expiresAt: new Date() }) },
    });
    let settled = false;
    const answer = handle(new Request("https://ankify.test/mcp", {
      method: "POST", headers: deckHeaders, body: deckCall(5, { deck_name: "Held", cards: [{ front: "one", back: "two" }] }, { progressToken: "p5" }),
    })).then(async (response) => ({ type: response.headers.get("content-type"), text: await response.text() })).finally(() => (settled = true));
    return { speech, answer, settled: () => settled };
  }

  it("gives a client that accepts a stream the time budget, not the stream budget, and one JSON answer", async () => {
    const deck = start("BUFFERED");
    await until(() => deck.speech.inFlight === 1, "the first clip to be asked for");
    const speechSeconds = TIME_BUDGET - FINISHING_RESERVE_SECONDS;
    await jest.advanceTimersByTimeAsync((speechSeconds - 1) * 1000);
    expect(deck.settled()).toBe(false);
    await jest.advanceTimersByTimeAsync(2_000);
    await until(deck.settled, "the deck to give up at its time budget");
    const { type, text } = await deck.answer;
    expect(type).toBe("application/json");
    const body = JSON.parse(text);
    expect(body.id).toBe(5);
    expect(body.result.isError).toBe(true);
    expect(body.result.content[0].text).toMatch(/^The deck could not be finished in time/);
    expect(deck.speech.aborted).toEqual(["one"]);
  });

  it("where RESPONSE_STREAM streams the same request past that budget, as SSE", async () => {
    const deck = start("RESPONSE_STREAM");
    await until(() => deck.speech.inFlight === 1, "the first clip to be asked for");
    await jest.advanceTimersByTimeAsync((TIME_BUDGET + 5) * 1000);
    expect(deck.settled()).toBe(false);
    deck.speech.open();
    const { type, text } = await deck.answer;
    expect(type).toBe("text/event-stream");
    expect(text).toContain("notifications/progress");
    expect(text).toContain('"card_count":1');
  });
});
