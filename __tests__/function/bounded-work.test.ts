import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PollyClient } from "@aws-sdk/client-polly";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { createClientGate } from "../../lambda/src/access/client-auth";
import { loadConfig } from "../../lambda/src/config";
import { createRequestHandler, REQUEST_ID_HEADER } from "../../lambda/src/handler";
import { buildApkg } from "../../lambda/src/deck/apkg";
import { LimitError, MIN_FUNCTION_TIMEOUT_SECONDS, MIN_TIME_BUDGET_SECONDS, OutOfTimeError, timeBudgetProblem } from "../../lambda/src/limits";
import type { DeckStore } from "../../lambda/src/storage/s3";
import { EspeakSynthesizer } from "../../lambda/src/tts/espeak";
import { synthesizeAll, VOICES, type Synthesizer } from "../../lambda/src/tts/index";
import { PollySynthesizer } from "../../lambda/src/tts/polly";
import { deckStreamBudgetSeconds, requestBudgetSeconds } from "../../stacks/settings";
import { farDeadline } from "../../testing/function/clock";
import { newSecret, readApkg, runDevServer, type Running } from "../../testing/function/harness";
import { scratchTmpdir } from "../../testing/function/scratch-tmpdir";
import { settingsWith } from "../../testing/settings";
import { TS_REGISTER } from "../../testing/paths";

const english = VOICES["en-US"]!;
const clipDir = mkdtempSync(join(tmpdir(), "ankify-clips-test-"));
afterAll(() => rmSync(clipDir, { recursive: true, force: true }));
const secret = newSecret();

/** The real handler over recording stand-ins: what it spoke and what it stored are the evidence. */
function harness(store: Partial<DeckStore> = {}, maxSpeechCharacters = 60_000) {
  const spoken: string[] = [];
  const saved: string[] = [];
  const synthesizer: Synthesizer = { extension: "mp3", bytesPerCharacter: 100, concurrency: 4, synthesize: async (text) => (spoken.push(text), new Uint8Array([1, 2, 3])) };
  const config = loadConfig({
    ANKIFY_ORIGIN_PROTECTION: "secret-header", ANKIFY_ORIGIN_SECRET: secret, ANKIFY_DECK_BUCKET: "b", ANKIFY_CLIENT_AUTH: "none",
    ANKIFY_MAX_SPEECH_CHARACTERS: String(maxSpeechCharacters),
  });
  const handle = createRequestHandler({
    config, synthesizer, clients: createClientGate(config.clientAuth, config.originProtection),
    store: { save: store.save ?? (async (key) => (saved.push(key), { url: "https://decks.example/d.apkg", expiresAt: new Date() })) },
  });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    handle(new Request("https://ankify.test/mcp", {
      method: "POST",
      headers: { "x-origin-verify": secret, "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }));
  return { handle, post, spoken, saved };
}

const call = (id: number, args: Record<string, unknown>) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "create_deck", arguments: args } });
const cards = (n: number, length = 10) => Array.from({ length: n }, (_, i) => ({ front: `${i}`.padEnd(length, "x"), back: `b${i}` }));
/** The JSON-RPC message of a JSON or one-event SSE response. */
async function message(response: Response): Promise<any> {
  const text = await response.text();
  return JSON.parse(text.startsWith("event:") || text.startsWith(":") ? text.split("\n").find((l) => l.startsWith("data: "))!.slice(6) : text);
}

describe("one tool call per HTTP request", () => {
  it.each([
    ["2025", (id: number) => call(id, { deck_name: "d", cards: cards(2) })],
    ["2026-07-28", (id: number) => ({ ...call(id, { deck_name: "d", cards: cards(2) }), params: { ...call(id, { deck_name: "d", cards: cards(2) }).params, _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} } } })],
  ])("refuses a %s-era batch with 400 before any work starts", async (_era, make) => {
    const h = harness();
    const response = await h.post(Array.from({ length: 100 }, (_, i) => make(i)));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32600, message: expect.stringContaining("JSON-RPC batches are not supported") } });
    expect(h.spoken).toEqual([]);
    expect(h.saved).toEqual([]);
  });

  it("answers a body that is not JSON with a parse error, and one over 6 MB with 413, before any work", async () => {
    const h = harness();
    expect((await h.post("{ nope")).status).toBe(400);
    const big = await h.post(JSON.stringify(call(1, { deck_name: "d", cards: [{ front: "x".repeat(6 * 1024 * 1024), back: "b" }] })));
    expect(big.status).toBe(413);
    expect(h.spoken).toEqual([]);
  });

  it("still serves a single request, and answers only after its work is done", async () => {
    const h = harness();
    const response = await h.post(call(1, { deck_name: "d", cards: cards(3), audio: "both" }));
    const body = await message(response);
    expect(body.result.structuredContent.card_count).toBe(3);
    expect(h.spoken).toHaveLength(6);
    expect(h.saved).toHaveLength(1);
  });
});

describe("the per-request speech budget", () => {
  it("refuses a deck over the character limit before any speech, naming the limit and the request's figure", async () => {
    const h = harness({}, 1_000);
    const body = await message(await h.post(call(1, { deck_name: "d", cards: cards(60, 20), audio: "front" })));
    expect(body.result.isError).toBe(true);
    expect(body.result.content[0].text).toMatch(/^This deck would send 1200 characters to speech; one request may send at most 1000\. .* \(request [0-9a-f-]{36}\)$/);
    expect(h.spoken).toEqual([]);
    expect(h.saved).toEqual([]);
  });

  it("counts each distinct text once, as it is spoken", async () => {
    const h = harness({}, 1_000);
    const body = await message(await h.post(call(1, { deck_name: "d", cards: Array.from({ length: 60 }, (_, i) => ({ front: "x".repeat(20), back: `meaning ${i}` })) })));
    expect(body.result.isError).toBeUndefined();
  });
});

describe("errors the client sees are ours", () => {
  it("hides an internal error's details behind a request id that the log line carries", async () => {
    const internal = "User: arn:aws:sts::123456789012:assumed-role/ankify-function/ankify is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::ankify-decks-abc/decks/x";
    const h = harness({ save: async () => { throw Object.assign(new Error(internal), { name: "AccessDenied" }); } });
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    process.env["ANKIFY_LOG_LEVEL"] = "error";
    let requestId: string;
    let text: string;
    try {
      const response = await h.post(call(1, { deck_name: "d", cards: cards(1) }));
      requestId = response.headers.get(REQUEST_ID_HEADER)!;
      text = (await message(response)).result.content[0].text as string;
    } finally {
      process.env["ANKIFY_LOG_LEVEL"] = "silent";
      spy.mockRestore();
    }
    expect(text).toBe(`Ankify could not build the deck because of an internal error; nothing was uploaded. Try again, and if it keeps failing give the owner this request id: ${requestId}.`);
    expect(text).not.toMatch(/arn:|123456789012|ankify-decks/);
    const line = JSON.parse(written.find((l) => l.includes("create_deck.failed"))!);
    expect(line).toEqual(expect.objectContaining({ level: "error", requestId, error: expect.objectContaining({ name: "AccessDenied", message: internal }) }));
  });

  it("answers 500 JSON with the request id when the handler itself fails", async () => {
    const config = loadConfig({ ANKIFY_ORIGIN_PROTECTION: "oac", ANKIFY_DECK_BUCKET: "b", ANKIFY_CLIENT_AUTH: "none" });
    const clients = { ...createClientGate(config.clientAuth, config.originProtection), authenticate: async () => { throw new Error("connect ECONNREFUSED 127.0.0.1:1"); } };
    const handle = createRequestHandler({ config, clients, synthesizer: new EspeakSynthesizer(), store: { save: async () => { throw new Error("unused"); } } });
    const response = await handle(new Request("https://ankify.test/mcp", { method: "POST", body: "{}" }), { requestId: "req-1" });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: "Internal Server Error", requestId: "req-1" });
  });
});

describe("speech failures", () => {
  /** A loopback stand-in for Polly's SynthesizeSpeech REST endpoint, answering a script of statuses. */
  async function fakePolly(script: Array<number | "reset">): Promise<{ url: string; calls: () => number; close: () => Promise<void> }> {
    let calls = 0;
    const server: Server = createServer((req, res) => {
      req.resume();
      const step = script[Math.min(calls++, script.length - 1)]!;
      if (step === "reset") return void req.socket.destroy();
      if (step === 200) {
        res.writeHead(200, { "content-type": "audio/mpeg", "x-amzn-requestcharacters": "5" });
        return void res.end(Buffer.from("ID3fake-mp3"));
      }
      const type = step === 400 ? "ThrottlingException" : step === 503 ? "ServiceFailureException" : "TextLengthExceededException";
      res.writeHead(step === 400 || step === 401 ? 400 : step, { "content-type": "application/json", "x-amzn-errortype": type });
      res.end(JSON.stringify({ message: `${type} from the fake` }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, calls: () => calls, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }
  // The stand-in speaks HTTP/1.1; the client's own handler would try HTTP/2 on a plain socket.
  const polly = (endpoint: string) => new PollySynthesizer(new PollyClient({
    endpoint, region: "eu-west-1", maxAttempts: 1, credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" }, requestHandler: new NodeHttpHandler(),
  }));

  it.each([
    ["a 5xx ServiceFailure", [503, 200]],
    ["throttling", [400, 400, 200]],
    ["a dropped connection", ["reset", 200]],
    ["a 500", [500, 200]],
  ] as const)("retries %s and then speaks", async (_label, script) => {
    const fake = await fakePolly([...script]);
    try {
      const { clips } = await synthesizeAll(["hello"], english, polly(fake.url), { directory: clipDir, deadline: farDeadline(), backoffMs: 5 });
      expect(readFileSync(clips.get("hello")!.path, "utf8")).toBe("ID3fake-mp3");
      expect(fake.calls()).toBe(script.length);
    } finally {
      await fake.close();
    }
  });

  it("does not retry a request Polly refuses for good", async () => {
    const fake = await fakePolly([401, 200]);
    try {
      await expect(synthesizeAll(["hello"], english, polly(fake.url), { directory: clipDir, deadline: farDeadline(), backoffMs: 5 })).rejects.toThrow(/TextLengthExceeded/);
      expect(fake.calls()).toBe(1);
    } finally {
      await fake.close();
    }
  });

  it("shares one pace between concurrent requests of an execution environment", async () => {
    jest.useFakeTimers({ now: 2_000_000 });
    try {
      const starts: number[] = [];
      const paced: Synthesizer = { extension: "mp3", bytesPerCharacter: 100, concurrency: 8, rates: { neural: 4 }, synthesize: async () => (starts.push(Date.now()), new Uint8Array(1)) };
      const deadline = Date.now() + 60_000;
      const both = Promise.all([synthesizeAll(["a", "b", "c"], english, paced, { directory: clipDir, deadline }), synthesizeAll(["d", "e", "f"], english, paced, { directory: clipDir, deadline })]);
      await jest.advanceTimersByTimeAsync(5_000);
      await both;
      expect(starts.map((t) => t - 2_000_000)).toEqual([0, 250, 500, 750, 1000, 1250]);
    } finally {
      jest.useRealTimers();
    }
  });

  it("treats an espeak that exits before reading its input as an ordinary failure, leaving no temp dir", async () => {
    const tmp = scratchTmpdir();
    try {
      const fake = join(tmp.path, "espeak-ng");
      writeFileSync(fake, "#!/bin/sh\nexit 3\n");
      chmodSync(fake, 0o755);
      // Large enough that writing it to a closed pipe fails with EPIPE.
      await expect(new EspeakSynthesizer(fake).synthesize("x".repeat(2_000_000), { voice: english, engine: "neural", rate: "normal" }, new AbortController().signal)).rejects.toThrow(/failed \(exit 3\)/);
      expect(tmp.count("ankify-espeak-")).toBe(0);
    } finally {
      tmp.restore();
    }
  });
});

describe("settings agree", () => {
  it("every origin read timeout the stack accepts gives a time budget the function accepts", () => {
    for (let readTimeout = MIN_TIME_BUDGET_SECONDS; readTimeout <= 900; readTimeout++) {
      const settings = settingsWith({ originReadTimeout: readTimeout });
      const budget = requestBudgetSeconds(settings)!;
      expect(timeBudgetProblem(budget)).toBeUndefined();
      expect(loadConfig({ ANKIFY_ORIGIN_PROTECTION: "oac", ANKIFY_DECK_BUCKET: "b", ANKIFY_CLIENT_AUTH: "none", ANKIFY_TIME_BUDGET_SECONDS: String(budget) }).timeBudgetSeconds).toBe(budget);
    }
    expect(() => settingsWith({ originReadTimeout: MIN_TIME_BUDGET_SECONDS - 1 })).toThrow(/ANKIFY_ORIGIN_READ_TIMEOUT|originReadTimeout/);
  });

  it("every function timeout the stack accepts gives a stream budget the function accepts", () => {
    for (let functionTimeout = MIN_FUNCTION_TIMEOUT_SECONDS; functionTimeout <= 900; functionTimeout++) {
      const settings = settingsWith({ originReadTimeout: MIN_TIME_BUDGET_SECONDS, functionTimeout });
      const budget = deckStreamBudgetSeconds(settings);
      const config = loadConfig({ ANKIFY_ORIGIN_PROTECTION: "oac", ANKIFY_DECK_BUCKET: "b", ANKIFY_CLIENT_AUTH: "none", ANKIFY_STREAM_BUDGET_SECONDS: String(budget) });
      expect(config.streamBudgetSeconds).toBe(budget);
      expect(budget).toBeLessThan(functionTimeout);
    }
    expect(() => settingsWith({ originReadTimeout: MIN_TIME_BUDGET_SECONDS, functionTimeout: MIN_FUNCTION_TIMEOUT_SECONDS - 1 })).toThrow(/functionTimeout/);
  });

  it("every BUFFERED timeout the stack accepts gives a time budget the function accepts, ready before Lambda's timeout", () => {
    for (let readTimeout = MIN_FUNCTION_TIMEOUT_SECONDS; readTimeout <= 900; readTimeout += 5) {
      for (const functionTimeout of [undefined, MIN_FUNCTION_TIMEOUT_SECONDS, readTimeout]) {
        const settings = settingsWith({ invokeMode: "BUFFERED", originReadTimeout: readTimeout, ...(functionTimeout !== undefined ? { functionTimeout } : {}) });
        const budget = requestBudgetSeconds(settings)!;
        const config = loadConfig({ ANKIFY_ORIGIN_PROTECTION: "oac", ANKIFY_DECK_BUCKET: "b", ANKIFY_CLIENT_AUTH: "none", ANKIFY_INVOKE_MODE: "BUFFERED", ANKIFY_TIME_BUDGET_SECONDS: String(budget) });
        expect(config.timeBudgetSeconds).toBe(budget);
        expect(budget).toBeLessThan(settings.functionTimeout!);
        expect(settings.functionTimeout).toBeLessThanOrEqual(readTimeout);
        expect(deckStreamBudgetSeconds(settings)).toBeUndefined();
      }
    }
  });

  it("a bad function environment answers a clear 500 JSON, and never its settings", () => {
    const event = JSON.stringify({ rawPath: "/mcp", headers: {}, requestContext: { http: { method: "POST" } } });
    const run = spawnSync(process.execPath, ["-r", TS_REGISTER, "testing/function/stream-probe.js", "./lambda/src/index.ts", event, JSON.stringify({ awsRequestId: "req-9" })], {
      cwd: join(__dirname, "..", ".."), encoding: "utf8",
      env: { PATH: process.env["PATH"], ANKIFY_ORIGIN_PROTECTION: "secret-header", ANKIFY_ORIGIN_SECRET: "short", ANKIFY_TIME_BUDGET_SECONDS: "5" },
    });
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body)).toEqual({ error: "Ankify is misconfigured: its deployment needs fixing (the function's log says what).", requestId: "req-9" });
    const logged = JSON.parse(run.stderr.split("\n").find((l) => l.includes("config.invalid"))!);
    expect(logged.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^ANKIFY_TIME_BUDGET_SECONDS = "5" must be at least 10 s/)]));
  });
});

describe("the dev server's edges", () => {
  let run: Running;
  beforeAll(async () => (run = await runDevServer()));
  afterAll(() => run.stop());
  const port = () => Number(new URL(run.dev.url).port);

  /** A raw HTTP exchange, so the test controls the Host header and how much of a body is sent. */
  function raw(options: { path: string; host?: string; headers?: Record<string, string>; body?: Buffer; declaredLength?: number }): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({
        host: "127.0.0.1", port: port(), method: "POST", path: options.path, setHost: false,
        headers: {
          ...(options.host !== undefined ? { host: options.host } : {}),
          "content-type": "application/json",
          ...(options.declaredLength !== undefined ? { "content-length": String(options.declaredLength) } : {}),
          ...options.headers,
        },
      }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
      if (options.body) req.write(options.body);
      // Never end a request that declared more than it sent: the answer must not wait for the rest.
      if (options.declaredLength === undefined) req.end();
    });
  }

  it("refuses a request without the secret before reading its (300 MB) body", async () => {
    const response = await raw({ path: "/mcp", host: "127.0.0.1", declaredLength: 300 * 1024 * 1024, body: Buffer.alloc(1024, 32) });
    expect(response.status).toBe(403);
  });

  it("refuses a declared body over 6 MB with 413, after the guard and the key", async () => {
    const response = await raw({ path: "/mcp", host: "127.0.0.1", declaredLength: 7 * 1024 * 1024, body: Buffer.alloc(16, 32), headers: { "x-origin-verify": run.secrets[0]!, "x-api-key": run.apiKey! } });
    expect(response.status).toBe(413);
  });

  it.each([["an empty Host", ""], ["a Host with a path", "evil.example/x"], ["a Host with spaces", "a b"]])("answers 400 to %s, not 500", async (_label, host) => {
    const response = await raw({ path: "/", host, headers: { "x-origin-verify": run.secrets[0]! } });
    expect(response.status).toBe(400);
    expect(response.body).not.toMatch(/at .*\.ts:\d+/);
  });

  it("reads //mcp as a path, never as a host name", async () => {
    const response = await raw({ path: "//mcp", host: "127.0.0.1", headers: { "x-origin-verify": run.secrets[0]! } });
    expect(response.status).toBe(404);
  });
});

describe("packaging and upload stay inside the deadline and the caps", () => {
  it("gives up an upload that outlives the deadline: a clear tool error, nothing stored, no temp files", async () => {
    const tmp = scratchTmpdir();
    try {
      let sawAbort = false;
      const slowStore: Partial<DeckStore> = {
        save: (_key, _file, _name, signal) => new Promise((_resolve, reject) => signal.addEventListener("abort", () => { sawAbort = true; reject(signal.reason); })),
      };
      const h = harness(slowStore);
      // The handler's budget comes from the config (120 s); a Lambda with 2 s left sets the deadline.
      // Packaging two cards takes milliseconds (sql.js's first start included), so on any machine the
      // upload, which never ends by itself, is what meets the deadline.
      const response = await h.handle(new Request("https://ankify.test/mcp", {
        method: "POST", body: JSON.stringify(call(1, { deck_name: "d", cards: cards(2), audio: "none" })),
        headers: { "x-origin-verify": secret, "content-type": "application/json", accept: "application/json, text/event-stream" },
      }), { remainingMs: 2_000 });
      const text = (await message(response)).result.content[0].text as string;
      expect(text).toMatch(/^The deck could not be finished in time: uploading the deck did not finish within the time budget\. Nothing was uploaded\./);
      expect(sawAbort).toBe(true);
      expect(tmp.count("ankify-deck-")).toBe(0);
    } finally {
      tmp.restore();
    }
  });

  it("refuses, before speaking, a deck whose audio would pass the package cap", async () => {
    const spoken: string[] = [];
    const huge: Synthesizer = { extension: "wav", bytesPerCharacter: 10_000, concurrency: 1, synthesize: async (t) => (spoken.push(t), new Uint8Array(1)) };
    const config = loadConfig({ ANKIFY_ORIGIN_PROTECTION: "oac", ANKIFY_DECK_BUCKET: "b", ANKIFY_CLIENT_AUTH: "none", ANKIFY_MAX_SPEECH_CHARACTERS: "1000000" });
    const handle = createRequestHandler({ config, synthesizer: huge, clients: createClientGate(config.clientAuth, config.originProtection), store: { save: async () => { throw new Error("unused"); } } });
    const response = await handle(new Request("https://ankify.test/mcp", {
      method: "POST", body: JSON.stringify(call(1, { deck_name: "d", cards: cards(500, 900), audio: "both" })),
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    }));
    const text = (await message(response)).result.content[0].text as string;
    expect(text).toMatch(/^This deck's audio would be about 4310 MB; one package may be at most 400 MB\./);
    expect(spoken).toEqual([]);
  });
});

describe("buildApkg's own caps", () => {
  const dir = mkdtempSync(join(tmpdir(), "ankify-apkg-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const input = () => {
    const clip = join(dir, "clip.wav");
    writeFileSync(clip, Buffer.alloc(3 * 1024 * 1024, 7));
    return { deckName: "Cap", noteType: "basic" as const, notes: [{ guid: "g", fields: ["a[sound:clip.wav]", "b"], ords: [0] }], media: [{ name: "clip.wav", path: clip }] };
  };

  it("stops writing once the package passes its size cap", async () => {
    const error = await buildApkg(input(), { path: join(dir, "a.apkg"), maxBytes: 1024 * 1024, signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LimitError);
    expect(statSync(join(dir, "a.apkg")).size).toBeLessThanOrEqual(1024 * 1024);
  });

  it("stops when its time is up", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(buildApkg(input(), { path: join(dir, "b.apkg"), maxBytes: 1e9, signal: controller.signal })).rejects.toBeInstanceOf(OutOfTimeError);
  });

  it("streams a large media file into a package the independent reader opens", async () => {
    const bytes = await buildApkg(input(), { path: join(dir, "c.apkg"), maxBytes: 1e9, signal: new AbortController().signal });
    expect(statSync(join(dir, "c.apkg")).size).toBe(bytes);
    const deck = readApkg(readFileSync(join(dir, "c.apkg")), dir);
    expect(deck.media["clip.wav"]!.size).toBe(3 * 1024 * 1024);
    expect(deck.integrity).toBe("ok");
  });
});
