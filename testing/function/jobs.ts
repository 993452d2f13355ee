/**
 * Deck jobs in a test: execution environments (request handler + job worker, as index.ts makes them
 * in Lambda) sharing one S3 stand-in (FakeS3, conditional writes as S3 documents them) for decks, the
 * clip cache and job records. A job started in one environment runs there (its launcher); any
 * environment can read or cancel it, as any execution environment can in Lambda.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { StaticApiKeyStore } from "../../lambda/src/access/api-keys";
import { createClientGate } from "../../lambda/src/access/client-auth";
import { loadConfig } from "../../lambda/src/config";
import { createRequestHandler, type IncomingRequest, type RequestContext } from "../../lambda/src/handler";
import { InProcessLauncher } from "../../lambda/src/jobs/launcher";
import { DeckJobs, type JobGate } from "../../lambda/src/jobs/lifecycle";
import { S3JobStore } from "../../lambda/src/jobs/store";
import { runDeckJob } from "../../lambda/src/jobs/worker";
import { S3ClipCache } from "../../lambda/src/storage/clip-cache";
import { S3DeckStore } from "../../lambda/src/storage/s3";
import type { Synthesizer } from "../../lambda/src/tts/index";
import { GatedSynthesizer } from "./gated-speech";

export const BUCKET = "decks";
export const REVISION = "2026-07-28";
export const TASKS = "io.modelcontextprotocol/tasks";

/** Gated speech that the clip cache may keep (an audio identity) and estimates see as it is told. */
export class CachedGatedSynthesizer extends GatedSynthesizer implements Synthesizer {
  constructor(concurrency = 1, readonly typicalRequestSeconds = 1) {
    super(concurrency);
  }

  audioIdentity(): string {
    return "gated/mp3";
  }
}

export function s3Client(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: "eu-west-1", forcePathStyle: true, credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" }, requestChecksumCalculation: "WHEN_REQUIRED" });
}

export interface EnvironmentOptions {
  readonly s3: string;
  readonly synthesizer: Synthesizer;
  /** API keys by client name. */
  readonly keys: Readonly<Record<string, string>>;
  /** @default 0: every deck with audio is a job */
  readonly inlineSeconds?: number;
  /** @default true */
  readonly clipCache?: boolean;
  /** @default RESPONSE_STREAM */
  readonly invokeMode?: "RESPONSE_STREAM" | "BUFFERED";
  readonly gate?: JobGate;
  /** The clock jobs read. @default Date.now */
  readonly now?: () => number;
}

export interface Environment {
  handle(request: IncomingRequest, context?: RequestContext): Promise<Response>;
  readonly jobs: DeckJobs;
  readonly launcher: InProcessLauncher;
}

/** One execution environment. Its workers write progress every 10 ms and a heartbeat every 50 ms, so a test waits on events, not on seconds. */
export function environment(options: EnvironmentOptions): Environment {
  const client = s3Client(options.s3);
  const config = loadConfig({
    ANKIFY_ORIGIN_PROTECTION: "oac", ANKIFY_DECK_BUCKET: BUCKET, ANKIFY_CLIENT_AUTH: "api-key", ANKIFY_API_KEY_PATH: "/ankify/test/client-keys",
    ANKIFY_JOBS_PREFIX: "jobs/", ANKIFY_INLINE_SECONDS: String(options.inlineSeconds ?? 0), ANKIFY_INVOKE_MODE: options.invokeMode ?? "RESPONSE_STREAM",
    ANKIFY_TIME_BUDGET_SECONDS: "120", ...(options.invokeMode === "BUFFERED" ? {} : { ANKIFY_STREAM_BUDGET_SECONDS: "295" }),
  });
  const deck = {
    synthesizer: options.synthesizer,
    store: new S3DeckStore(client, BUCKET, 3600),
    deckPrefix: "decks/",
    maxSpeechCharacters: 60_000,
    ...(options.clipCache !== false ? { clipCache: new S3ClipCache(client, BUCKET, "clips/") } : {}),
  };
  const launcher = new InProcessLauncher((jobId) => runDeckJob(jobId, { ...deck, jobs, deadline: Date.now() + 600_000, progressEveryMs: 10, heartbeatMs: 50 }));
  const jobs: DeckJobs = new DeckJobs({ store: new S3JobStore(client, BUCKET, "jobs/"), launcher, ...(options.gate ? { gate: options.gate } : {}), ...(options.now ? { now: options.now } : {}) });
  const handle = createRequestHandler({
    config, ...deck, jobs, keepAliveMs: 1_000,
    clients: createClientGate(config.clientAuth, config.originProtection, new StaticApiKeyStore(options.keys)),
  });
  return { handle, jobs, launcher };
}

/** A JSON-RPC message's answer: the JSON body, or an SSE body's last JSON-RPC response. */
export async function rpcAnswer(response: Response): Promise<any> {
  const text = await response.text();
  if (!(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) return text === "" ? undefined : JSON.parse(text);
  const messages = text.split("\n").filter((line) => line.startsWith("data: ")).map((line) => JSON.parse(line.slice(6)));
  return messages.filter((m) => m.id !== undefined).at(-1);
}

export interface RawClientOptions {
  /** The client's capabilities on every 2026-07-28 request. @default {} */
  readonly capabilities?: Record<string, unknown>;
  readonly key: string;
}

/**
 * A raw 2026-07-28 JSON-RPC client: every request carries the `_meta` envelope and the standard
 * headers (Mcp-Method, Mcp-Name: the tool's name, or the task's id for tasks/*), as the spec says.
 */
export function rawClient(env: Pick<Environment, "handle">, options: RawClientOptions) {
  let id = 0;
  const meta = { "io.modelcontextprotocol/protocolVersion": REVISION, "io.modelcontextprotocol/clientCapabilities": options.capabilities ?? {} };
  return async (method: string, params: Record<string, unknown> = {}, signal?: AbortSignal): Promise<any> => {
    const name = method === "tools/call" ? params["name"] : method.startsWith("tasks/") ? params["taskId"] : undefined;
    const response = await env.handle(new Request("https://ankify.test/mcp", {
      method: "POST",
      headers: {
        "content-type": "application/json", accept: "application/json, text/event-stream", "x-api-key": options.key,
        "mcp-protocol-version": REVISION, "mcp-method": method, ...(typeof name === "string" ? { "mcp-name": name } : {}),
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: { ...params, _meta: meta } }),
      ...(signal ? { signal } : {}),
    }));
    return rpcAnswer(response);
  };
}

export const cards = (n: number, tag = "card") => Array.from({ length: n }, (_, i) => ({ front: `${tag} front ${i}`, back: `${tag} back ${i}` }));
