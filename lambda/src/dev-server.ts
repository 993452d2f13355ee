/**
 * `npm run dev`: the function on this machine, at http://127.0.0.1:${PORT:-8787}: the same handler
 * as in Lambda, in secret-header mode with ANKIFY_ORIGIN_SECRET (required), client authentication
 * as ANKIFY_CLIENT_AUTH says (api-key with ANKIFY_DEV_API_KEY by default; oauth against
 * ANKIFY_OAUTH_ISSUER; none), espeak-ng for speech (or, with ANKIFY_DEV_SPEECH=polly, Amazon Polly
 * through the function's own code path: the SDK's AWS_ENDPOINT_URL_POLLY may point it at the Polly
 * fake in testing/polly-fake), and a real S3-compatible server (s3rver, on 127.0.0.1) for decks, the
 * clip cache, the decks' note times and deck jobs (run in this process), so the returned links
 * download from this machine. Card
 * pictures come from public addresses only, as in Lambda, unless ANKIFY_DEV_ALLOW_LOOPBACK_IMAGES=1
 * lets http://127.0.0.1 serve them (for tests).
 */
import { Agent, createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { PollyClient } from "@aws-sdk/client-polly";
import { S3Client } from "@aws-sdk/client-s3";
import { StaticApiKeyStore } from "./access/api-keys";
import { createClientGate } from "./access/client-auth";
import { FairUse, fairUseJobGate } from "./access/fair-use";
import { ConfigError, loadConfig, type FunctionConfig } from "./config";
import { startPackagingWorker } from "./deck/build-off-thread";
import { createRequestHandler } from "./handler";
import { answerClientError, serveNode } from "./http/node-adapter";
import { jsonResponse } from "./http/responses";
import { guardedImageFetcher } from "./deck/images";
import { InProcessLauncher } from "./jobs/launcher";
import { DeckJobs } from "./jobs/lifecycle";
import { JOB_TIMINGS } from "./jobs/record";
import { S3JobStore } from "./jobs/store";
import { runDeckJob } from "./jobs/worker";
import { DEFAULT_CLIP_CACHE_DAYS, LAMBDA_STOP_MARGIN_SECONDS, MAX_TIME_BUDGET_SECONDS, NOTE_TIMES_DAYS } from "./limits";
import { log } from "./log";
import { S3ClipCache } from "./storage/clip-cache";
import { S3NoteTimesStore } from "./storage/note-times";
import { MemoryUsageStore } from "./storage/usage-table";
import { localDeckStore, pruneOlderThan, STAGING_PREFIX } from "./dev-store";
import { devOptionsFromEnv, type DevSpeech } from "./dev-options";
import { S3PreviewMedia } from "./storage/preview-media";
import { EspeakSynthesizer } from "./tts/espeak";
import type { Synthesizer } from "./tts/index";
import { PollySynthesizer } from "./tts/polly";
import { SilentSynthesizer, withLatency } from "./tts/stand-in";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver") as new (options: Record<string, unknown>) => { run(): Promise<AddressInfo>; close(): Promise<void>; httpServer?: Server };

export type DevClientAuth =
  | { readonly mode: "none" }
  /** Accepted keys by client name (the function reads their digests from SSM; here they are given). */
  | { readonly mode: "api-key"; readonly keys: Readonly<Record<string, string>> }
  | { readonly mode: "oauth"; readonly issuer: string; readonly audience?: string; readonly clientIds?: readonly string[]; readonly scope?: string };

export interface DevServerOptions {
  /** `x-origin-verify` values accepted: current first, then previous. */
  readonly secrets: readonly string[];
  /** Who may call /mcp. */
  readonly clientAuth: DevClientAuth;
  /** 0 picks a free port. @default 8787 */
  readonly port?: number;
  /** Where s3rver keeps decks. @default <repo>/.ankify-local/s3 */
  readonly storageDir?: string;
  /** Seconds a deck answered as JSON may take. @default 120 */
  readonly timeBudgetSeconds?: number;
  /** Seconds a streamed deck may take. @default 295 */
  readonly streamBudgetSeconds?: number;
  /** @default 3600 */
  readonly linkTtlSeconds?: number;
  /** @default 60000 */
  readonly maxSpeechCharacters?: number;
  /** espeak-ng, `silent` (as long as espeak's, for load tests) or `polly` (the function's Polly path; the SDK's settings say where). @default "espeak" */
  readonly speech?: DevSpeech;
  /** speech "polly": the client to use. @default a PollyClient configured by the environment, as in Lambda */
  readonly pollyClient?: PollyClient;
  /** Extra milliseconds every speech request takes, to simulate a slower service. @default 0 */
  readonly speechLatencyMs?: number;
  /** Milliseconds between keep-alive lines and progress on a stream. @default 5000 */
  readonly keepAliveMs?: number;
  /** Reuse spoken clips across decks, in the local store's `clips/`, as the function does in S3. @default true */
  readonly clipCache?: boolean;
  /** Days a cached clip is kept in the local store. @default DEFAULT_CLIP_CACHE_DAYS (90) */
  readonly clipCacheDays?: number;
  /** Card pictures may come from loopback, over http too (never the runtime API): for tests. The function never allows it. @default false */
  readonly allowLoopbackImages?: boolean;
  /** Characters per client per UTC day, counted in this process (the function counts in DynamoDB); 0: no limit. @default 200000 */
  readonly clientDailyCharacters?: number;
  /** Deck builds per client at once; 0: no limit. @default 2 */
  readonly clientConcurrency?: number;
  /** Seconds a deck may take inside its request; longer decks become jobs, run in this process. @default 60 */
  readonly inlineSeconds?: number;
  /** Milliseconds between a job's progress writes (tests shorten it). @default JOB_TIMINGS.progressEveryMs */
  readonly jobProgressEveryMs?: number;
}

export type { DevSpeech };
export { devOptionsFromEnv };
export { localDeckStore, pruneOlderThan };

export interface DevServer {
  /** e.g. http://127.0.0.1:8787 (the MCP endpoint is `${url}/mcp`). */
  readonly url: string;
  /** The local S3 store (s3rver; credentials S3RVER/S3RVER, path-style): decks and the clip cache. */
  readonly s3Endpoint: string;
  readonly bucket: string;
  close(): Promise<void>;
}

const BUCKET = "ankify-local";
const CLIP_PREFIX = "clips/";
const NOTE_TIMES_PREFIX = "note-times/";
const JOBS_PREFIX = "jobs/";
/** A job here may take what one may take in Lambda: its longest timeout, less the stop margin. */
const JOB_SECONDS = MAX_TIME_BUDGET_SECONDS - LAMBDA_STOP_MARGIN_SECONDS;
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  let handle: ReturnType<typeof createRequestHandler> | undefined;
  // Listening comes first (the port goes into the config); until the rest is ready, say so.
  const server: Server = createServer(serveNode(async (incoming, context) =>
    handle ? handle(incoming, context)
      : jsonResponse(503, { error: "Service Unavailable", message: "The dev server is still starting; try again in a moment.", requestId: context.requestId }, { "retry-after": "1" })));
  // Node's 5 s default closed idle connections just as a busy client, idle between calls, reused one
  // (ECONNRESET on its next call); clients follow the longer Keep-Alive hint and close theirs first.
  // s3rver's server, which serves the download links, gets the same.
  server.keepAliveTimeout = 65_000;
  // What Node's parser refuses never reaches the listener: answered with the request id all the same.
  server.on("clientError", answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8787, "127.0.0.1", resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auth = options.clientAuth;
  let config: FunctionConfig;
  try {
    config = loadConfig({
      ANKIFY_ORIGIN_PROTECTION: "secret-header",
      ANKIFY_ORIGIN_SECRET: options.secrets[0],
      ANKIFY_ORIGIN_SECRET_PREVIOUS: options.secrets[1],
      ANKIFY_DECK_BUCKET: BUCKET,
      ANKIFY_TTS_ENGINE: options.speech === "polly" ? "polly" : "espeak",
      ANKIFY_TIME_BUDGET_SECONDS: String(options.timeBudgetSeconds ?? 120),
      // Streams may run as long as a deployed function's default timeout allows.
      ANKIFY_STREAM_BUDGET_SECONDS: String(options.streamBudgetSeconds ?? 295),
      ANKIFY_LINK_TTL_SECONDS: String(options.linkTtlSeconds ?? 3600),
      ANKIFY_JOBS_PREFIX: JOBS_PREFIX,
      ...(options.inlineSeconds !== undefined ? { ANKIFY_INLINE_SECONDS: String(options.inlineSeconds) } : {}),
      ...(options.maxSpeechCharacters !== undefined ? { ANKIFY_MAX_SPEECH_CHARACTERS: String(options.maxSpeechCharacters) } : {}),
      ...(options.clientDailyCharacters !== undefined ? { ANKIFY_CLIENT_DAILY_CHARACTERS: String(options.clientDailyCharacters) } : {}),
      ...(options.clientConcurrency !== undefined ? { ANKIFY_CLIENT_CONCURRENCY: String(options.clientConcurrency) } : {}),
      ANKIFY_CLIENT_AUTH: auth.mode,
      // Where the function reads key digests from; the dev server is given the keys instead.
      ...(auth.mode === "api-key" ? { ANKIFY_API_KEY_PATH: "/ankify/dev/client-keys" } : {}),
      ...(auth.mode === "oauth"
        ? {
            ANKIFY_PUBLIC_URL: `${url}/mcp`,
            ANKIFY_OAUTH_ISSUER: auth.issuer,
            ANKIFY_OAUTH_AUDIENCE: auth.audience,
            ANKIFY_OAUTH_CLIENT_IDS: auth.clientIds?.join(","),
            ANKIFY_OAUTH_SCOPE: auth.scope,
          }
        : {}),
    });
  } catch (error) {
    server.close();
    throw error;
  }
  const s3 = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: options.storageDir ?? join(__dirname, "..", "..", ".ankify-local", "s3"),
    configureBuckets: [{ name: BUCKET }],
  });
  const s3Address = await s3.run();
  if (s3.httpServer) s3.httpServer.keepAliveTimeout = 65_000; // as the function's server's, above
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${s3Address.port}`,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    // s3rver stores streamed bodies corrupted under the SDK's default checksum mode.
    requestChecksumCalculation: "WHEN_REQUIRED",
    // s3rver's server closes an idle kept-alive connection after Node's 5 s; a PUT sent on it just
    // then fails with "socket hang up", and a streamed body cannot be retried. On loopback a
    // connection per request costs nothing.
    requestHandler: { httpAgent: new Agent({ keepAlive: false }) },
  });
  startPackagingWorker();
  // What a deck is built with, inside a request or by a job (as index.ts makes it in Lambda).
  const deck = {
    synthesizer: devSynthesizer(options),
    store: localDeckStore(client, BUCKET, config.linkTtlSeconds),
    deckPrefix: config.deckPrefix,
    maxSpeechCharacters: config.maxSpeechCharacters,
    // Links are path-style on the local store's origin: the preview's CSP declares exactly that.
    preview: { store: new S3PreviewMedia(client, BUCKET, config.linkTtlSeconds), mediaOrigin: `http://127.0.0.1:${s3Address.port}` },
    ...(options.clipCache !== false ? { clipCache: new S3ClipCache(client, BUCKET, CLIP_PREFIX) } : {}),
    noteTimes: new S3NoteTimesStore(client, BUCKET, NOTE_TIMES_PREFIX),
    ...(options.allowLoopbackImages ? { fetchImage: guardedImageFetcher({ allowLoopback: true }) } : {}),
    // Counted in this process's memory, with the same rules as the function's DynamoDB table.
    fairUse: new FairUse(new MemoryUsageStore(), config.fairUse),
  };
  // Deck jobs run in this process, with the same records as in Lambda in the local store (s3rver,
  // which ignores conditional writes: the store checks them itself, as this process's only writer).
  const stopping = new AbortController();
  const launcher = new InProcessLauncher((jobId) => runDeckJob(jobId, {
    ...deck,
    jobs,
    deadline: Date.now() + JOB_SECONDS * 1000,
    shutdown: stopping.signal,
    ...(options.jobProgressEveryMs !== undefined ? { progressEveryMs: options.jobProgressEveryMs } : {}),
  }));
  const jobs = new DeckJobs({ store: new S3JobStore(client, BUCKET, JOBS_PREFIX, { checkConditionsLocally: true }), launcher, gate: fairUseJobGate(deck.fairUse) });
  handle = createRequestHandler({
    config,
    ...deck,
    jobs,
    clients: createClientGate(config.clientAuth, config.originProtection, auth.mode === "api-key" ? new StaticApiKeyStore(auth.keys) : undefined),
    // Here the one refused is the developer: the 403 and a warning in this terminal say why.
    explainOriginRefusals: true,
    ...(options.keepAliveMs !== undefined ? { keepAliveMs: options.keepAliveMs } : {}),
  });
  // The local store would only grow: decks go once their links have died, clips after the cache's
  // days, at start and every hour (in S3 the bucket's lifecycle rules do this).
  const linkTtlMs = config.linkTtlSeconds * 1000;
  const prune = () =>
    Promise.all([
      pruneOlderThan(client, BUCKET, config.deckPrefix, linkTtlMs),
      pruneOlderThan(client, BUCKET, CLIP_PREFIX, (options.clipCacheDays ?? DEFAULT_CLIP_CACHE_DAYS) * 86_400_000),
      pruneOlderThan(client, BUCKET, NOTE_TIMES_PREFIX, NOTE_TIMES_DAYS * 86_400_000),
      pruneOlderThan(client, BUCKET, JOBS_PREFIX, JOB_TIMINGS.ttlMs),
      // What an interrupted upload left (its cleanup is best effort), once no upload can still be running.
      pruneOlderThan(client, BUCKET, STAGING_PREFIX, 3_600_000),
    ]).catch((error: Error) => log("warn", "dev_server.prune_failed", { message: error.message }));
  await prune();
  const pruning = setInterval(() => void prune(), 3_600_000);
  pruning.unref();
  return {
    url,
    s3Endpoint: `http://127.0.0.1:${s3Address.port}`,
    bucket: BUCKET,
    close: async () => {
      clearInterval(pruning);
      // Jobs still running stop (their records say so) before the store they write to goes away.
      stopping.abort(new Error("the dev server is stopping"));
      await launcher.idle();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await s3.close();
    },
  };
}

function devSynthesizer(options: DevServerOptions): Synthesizer {
  // Polly as the function makes it (index.ts): the SDK's retries off, everything else from the environment.
  const base = options.speech === "silent" ? new SilentSynthesizer()
    : options.speech === "polly" ? new PollySynthesizer(options.pollyClient ?? new PollyClient({ maxAttempts: 1 }))
    : new EspeakSynthesizer();
  return options.speechLatencyMs ? withLatency(base, options.speechLatencyMs) : base;
}

if (require.main === module) {
  const parsed = devOptionsFromEnv(process.env);
  if ("problems" in parsed) {
    console.error(parsed.problems.join("\n"));
    process.exit(2);
  }
  for (const warning of parsed.warnings ?? []) console.error(`warning: ${warning}`);
  startDevServer(parsed.options).then(
    (dev) => {
      const how = {
        "api-key": "and Authorization: Bearer $ANKIFY_DEV_API_KEY (or x-api-key)",
        oauth: "and Authorization: Bearer <an access token from ANKIFY_OAUTH_ISSUER>",
        none: "(no client authentication: every local client is let in)",
      }[parsed.options.clientAuth.mode];
      console.log(`Ankify dev server: ${dev.url}/mcp — send x-origin-verify: $ANKIFY_ORIGIN_SECRET ${how}`);
      const stop = () => void dev.close().then(() => process.exit(0));
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    },
    (error: Error) => {
      console.error(error instanceof ConfigError ? error.message : `dev server failed to start: ${error.message}`);
      process.exit(1);
    },
  );
}
