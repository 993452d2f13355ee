/**
 * A local Amazon Polly for tests and benches: SynthesizeSpeech (`POST /v1/speech`, REST-JSON) as the
 * API reference and the SDK define it — the request's JSON members, the audio with
 * `x-amzn-RequestCharacters`, errors as `x-amzn-ErrorType` plus a JSON body with `__type` and
 * `message` — with Polly's limits: the request-rate quotas shared by all callers (limits.ts; over
 * them `ThrottlingException`, HTTP 400), 3,000 billed and 6,000 total characters
 * (`TextLengthExceededException`), SSML checked as Polly checks it (`InvalidSsmlException`), voices
 * and engines (`EngineNotSupportedException`), and real MP3 audio (render.ts).
 *
 * One port speaks HTTP/1.1 and cleartext HTTP/2 (h2c, prior knowledge): the Polly client of the AWS
 * SDK uses HTTP/2 by default, so an `http://` endpoint (AWS_ENDPOINT_URL_POLLY) gets h2c from it.
 * Signatures are not checked (the fake holds no secrets); their presence is.
 */
import { randomUUID } from "node:crypto";
import { createServer as createHttp1Server, type IncomingHttpHeaders } from "node:http";
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import type { IncomingMessage, ServerResponse } from "node:http";
import { POLLY_QUOTAS, TokenBucket, type Rate } from "./limits";
import { render } from "./render";
import { InvalidSsml, readSsml, type Segment } from "./ssml";
import { FAKE_VOICES, POLLY_ENGINES, type PollyEngine } from "./voices";

export interface PollyFakeOptions {
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  /** Request-rate quotas, by engine and for all operations. @default POLLY_QUOTAS */
  readonly quotas?: Partial<Record<PollyEngine | "all", Rate>>;
  /** Milliseconds added before each answer (Polly's own latency). @default 0 */
  readonly latencyMs?: number;
  /** The clock the quotas refill by (epoch ms): a test can hold it still. @default Date.now */
  readonly now?: () => number;
  /**
   * Scheduling priority of the speech it makes (nice, 0–19): tests render at a low priority so
   * the timing-sensitive suites running beside them keep the CPU. @default 0
   */
  readonly nice?: number;
}

/** One SynthesizeSpeech request, as the fake saw it. */
export interface FakeRequest {
  readonly voiceId?: string;
  readonly engine?: string;
  readonly textType?: string;
  /** What was said: the text, or the sentences of the SSML (pauses left out). */
  readonly sentences: readonly string[];
  readonly billedCharacters: number;
  readonly status: number;
  readonly error?: string;
}

export interface PollyFakeStats {
  /** SynthesizeSpeech requests received. */
  readonly requests: number;
  /** Requests answered with audio (billed). */
  readonly synthesized: number;
  readonly throttled: number;
  /** Characters billed over all synthesized requests. */
  readonly billedCharacters: number;
  /** Errors by type, throttling included. */
  readonly errors: Readonly<Record<string, number>>;
}

export interface PollyFake {
  /** e.g. http://127.0.0.1:41234: give it to the SDK as endpoint (or AWS_ENDPOINT_URL_POLLY). */
  readonly url: string;
  /** Every SynthesizeSpeech request so far, in order. */
  readonly log: readonly FakeRequest[];
  stats(): PollyFakeStats;
  close(): Promise<void>;
}

class PollyError extends Error {
  constructor(readonly status: number, readonly type: string, message: string) {
    super(message);
  }
}

type Answer = { status: number; headers: Record<string, string>; body: Uint8Array | string };

const SAMPLE_RATES = { mp3: ["8000", "16000", "22050", "24000"], pcm: ["8000", "16000"] } as const;
const validation = (member: string, value: unknown, constraint: string) =>
  new PollyError(400, "ValidationException", `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${constraint}`);

export async function startPollyFake(options: PollyFakeOptions = {}): Promise<PollyFake> {
  const quotas = { ...POLLY_QUOTAS, ...options.quotas };
  const buckets = new Map([...POLLY_ENGINES, "all" as const].map((key) => [key, new TokenBucket(quotas[key], options.now)]));
  const log: FakeRequest[] = [];

  async function synthesizeSpeech(headers: IncomingHttpHeaders, raw: string, seen: { request?: Partial<FakeRequest> }): Promise<Answer> {
    if (!String(headers["authorization"] ?? "").startsWith("AWS4-HMAC-SHA256 ")) {
      throw new PollyError(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new PollyError(400, "SerializationException", "the request body is not JSON");
    }
    const engine = (input["Engine"] ?? "standard") as PollyEngine;
    const textType = input["TextType"] ?? "text";
    const text = input["Text"];
    seen.request = { voiceId: String(input["VoiceId"]), engine, textType: String(textType) };
    if (!POLLY_ENGINES.includes(engine)) throw validation("engine", engine, `Member must satisfy enum value set: [${POLLY_ENGINES.join(", ")}]`);
    if (typeof text !== "string") throw validation("text", text, "Member must not be null");
    if (textType !== "text" && textType !== "ssml") throw validation("textType", textType, "Member must satisfy enum value set: [ssml, text]");
    const format = input["OutputFormat"];
    if (format === "json" || format === "ogg_vorbis") throw new PollyError(400, "ValidationException", `the Polly fake speaks mp3 and pcm only, not ${format}`);
    if (format !== "mp3" && format !== "pcm") throw validation("outputFormat", format, "Member must satisfy enum value set: [json, mp3, ogg_vorbis, pcm]");
    const voice = FAKE_VOICES[String(input["VoiceId"])];
    if (!voice) throw validation("voiceId", input["VoiceId"], `Member must satisfy enum value set: [${Object.keys(FAKE_VOICES).join(", ")}]`);
    // Throttling comes before the work: a throttled request costs nothing.
    if (!buckets.get("all")!.take() || !buckets.get(engine)!.take()) throw new PollyError(400, "ThrottlingException", "Rate exceeded");
    if (!voice.engines.includes(engine)) throw new PollyError(400, "EngineNotSupportedException", `This voice does not support the selected engine: ${engine}`);
    const sampleRate = String(input["SampleRate"] ?? (format === "pcm" ? "16000" : engine === "standard" ? "22050" : "24000"));
    if (!(SAMPLE_RATES[format] as readonly string[]).includes(sampleRate)) throw new PollyError(400, "InvalidSampleRateException", `Invalid sample rate ${sampleRate} for ${format}`);

    let speech: string | Segment[];
    let billed: number;
    if (textType === "ssml") {
      try {
        ({ segments: speech, billed } = readSsml(text, engine));
      } catch (error) {
        if (error instanceof InvalidSsml) throw new PollyError(400, "InvalidSsmlException", `Invalid SSML request: ${error.message}`);
        throw error;
      }
    } else {
      speech = text;
      billed = [...text].length;
    }
    seen.request = { ...seen.request, sentences: typeof speech === "string" ? [speech] : speech.flatMap((s) => ("text" in s ? [s.text] : [])), billedCharacters: billed };
    // "A maximum of 6000 characters total, of which no more than 3000 can be billed characters."
    if ([...text].length > 6000 || billed > 3000) throw new PollyError(400, "TextLengthExceededException", "Maximum text length has been exceeded");
    const audio = await render({ espeakVoice: voice.espeak, speech, format, sampleRate: Number(sampleRate), ...(options.nice ? { nice: options.nice } : {}) });
    return {
      status: 200,
      headers: { "content-type": format === "mp3" ? "audio/mpeg" : "audio/pcm", "x-amzn-requestcharacters": String(billed) },
      body: audio,
    };
  }

  async function answer(method: string, path: string, headers: IncomingHttpHeaders, body: string): Promise<Answer> {
    if (method === "GET" && path === "/_fake/stats") return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(stats()) };
    if (method !== "POST" || path !== "/v1/speech") {
      return { status: 404, headers: { "content-type": "application/json", "x-amzn-errortype": "UnknownOperationException" }, body: JSON.stringify({ message: "the Polly fake answers POST /v1/speech" }) };
    }
    const seen: { request?: Partial<FakeRequest> } = {};
    let result: Answer;
    try {
      result = await synthesizeSpeech(headers, body, seen);
    } catch (error) {
      const e = error instanceof PollyError ? error : new PollyError(500, "ServiceFailureException", (error as Error).message);
      result = {
        status: e.status,
        // The SDK reads the type from this header first (as AWS sends it: "Type:namespace"), then the body's __type.
        headers: { "content-type": "application/json", "x-amzn-errortype": `${e.type}:http://internal.amazon.com/coral/com.amazonaws.polly.v20160610/` },
        body: JSON.stringify({ __type: e.type, message: e.message }),
      };
      seen.request = { ...seen.request, error: e.type };
    }
    log.push({ sentences: [], billedCharacters: 0, ...seen.request, status: result.status });
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    result.headers["x-amzn-requestid"] = randomUUID();
    return result;
  }

  function stats(): PollyFakeStats {
    const errors: Record<string, number> = {};
    for (const r of log) if (r.error) errors[r.error] = (errors[r.error] ?? 0) + 1;
    const ok = log.filter((r) => r.status === 200);
    return {
      requests: log.length,
      synthesized: ok.length,
      throttled: errors["ThrottlingException"] ?? 0,
      billedCharacters: ok.reduce((sum, r) => sum + r.billedCharacters, 0),
      errors,
    };
  }

  const serve = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void answer(req.method ?? "GET", (req.url ?? "/").split("?")[0]!, req.headers, Buffer.concat(chunks).toString("utf8")).then((a) => {
        (res as ServerResponse).writeHead(a.status, a.headers);
        res.end(a.body);
      });
    });
  };
  const http1 = createHttp1Server(serve);
  const http2 = createHttp2Server(serve);
  // One port for both: a connection that opens with HTTP/2's preface is h2c, any other HTTP/1.1.
  const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    // A client that goes away mid-request is the client's business, not the fake's end.
    socket.on("error", () => {});
    socket.once("readable", () => {
      const head: Buffer | null = socket.read(Math.min(preface.length, socket.readableLength)) ?? socket.read();
      if (head) socket.unshift(head);
      (head && preface.subarray(0, head.length).equals(head) ? http2 : http1).emit("connection", socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    stats,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
