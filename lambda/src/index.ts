/**
 * The Lambda entry point (`CMD ["index.handler"]` in the Dockerfile). Before anything else it tells
 * what invoked it (jobs/event.ts): a Function URL event is an HTTP request, answered the way the URL's
 * invoke mode (ANKIFY_INVOKE_MODE, set by the stack with the URL's) takes it — RESPONSE_STREAM streams
 * the response as it is produced, so a long deck's progress and keep-alive lines reach the client
 * while it is built; BUFFERED returns one response object (at most 6 MB). The function's own
 * asynchronous invocation with a job event runs that deck job (jobs/worker.ts), with either export:
 * Lambda runs a streaming handler for every invocation, `Invoke` included, and discards what an
 * asynchronous one writes. Configuration and clients are made once per execution environment.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { PollyClient } from "@aws-sdk/client-polly";
import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import { SsmApiKeyStore } from "./access/api-keys";
import { createClientGate } from "./access/client-auth";
import { FairUse, fairUseJobGate } from "./access/fair-use";
import { SsmOriginSecrets } from "./access/origin-secrets";
import { ConfigError, invokeModeOf, loadConfig, type FunctionConfig } from "./config";
import { toRequest, type FunctionUrlEvent } from "./http/function-url";
import { streamifyResponse, writeStreamingResponse } from "./http/lambda-stream";
import { startPackagingWorker } from "./deck/build-off-thread";
import { toFunctionUrlResult, type FunctionUrlResult } from "./http/lambda-buffered";
import { createRequestHandler } from "./handler";
import { jsonResponse } from "./http/responses";
import { isDeckJobEvent, isFunctionUrlEvent } from "./jobs/event";
import { SelfInvokeLauncher } from "./jobs/launcher";
import { DeckJobs } from "./jobs/lifecycle";
import { S3JobStore } from "./jobs/store";
import { runDeckJob, type WorkerDeps } from "./jobs/worker";
import { LAMBDA_STOP_MARGIN_SECONDS } from "./limits";
import { log } from "./log";
import { S3ClipCache } from "./storage/clip-cache";
import { S3NoteTimesStore } from "./storage/note-times";
import { S3PreviewMedia, s3LinkOrigin } from "./storage/preview-media";
import { S3DeckStore } from "./storage/s3";
import { DynamoUsageStore } from "./storage/usage-table";
import { EspeakSynthesizer } from "./tts/espeak";
import { PollySynthesizer } from "./tts/polly";

interface LambdaContext {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis(): number;
}

/**
 * Kept between the stream writer's deadline and Lambda's timeout: a client that stops reading is
 * given up on just before the timeout, so the invocation ends itself instead of being killed.
 */
const WRITER_STOP_MARGIN_MS = 1_000;

/** What an execution environment keeps between invocations: the request handler, and what a deck job needs. */
interface Runtime {
  readonly handle: ReturnType<typeof createRequestHandler>;
  /** Undefined when the stack gives no jobs prefix (every deck is built inside its request). */
  readonly worker?: Omit<WorkerDeps, "deadline">;
}

let runtime: Runtime | undefined;

/** In Lambda the origin secret comes from SSM; a secret in the environment is readable by anyone who may read the function's configuration. */
export const DIRECT_SECRET_IN_LAMBDA =
  "ANKIFY_ORIGIN_SECRET holds the secret itself, which only the dev server on this machine may take: a deployed function reads it from SSM. " +
  "Set ANKIFY_ORIGIN_SECRET_PARAMETER and ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER to the parameters' names instead.";

/** Per-client limits counted in one environment's memory would multiply by the number of environments. */
export const NO_USAGE_TABLE =
  "ANKIFY_USAGE_TABLE is not set, but ANKIFY_CLIENT_DAILY_CHARACTERS or ANKIFY_CLIENT_CONCURRENCY limits clients: a deployed function counts them " +
  "in that DynamoDB table, shared by all its execution environments. Set it to the table's name, or set both limits to 0.";

function init(): Runtime {
  const config = loadConfig();
  if (config.originProtection === "secret-header" && !config.originSecretParameters) throw new ConfigError([DIRECT_SECRET_IN_LAMBDA]);
  startPackagingWorker();
  const limited = config.fairUse.dailyCharacters > 0 || config.fairUse.concurrency > 0;
  if (limited && config.usageTable === undefined) throw new ConfigError([NO_USAGE_TABLE]);
  const s3 = new S3Client({});
  const ssm = new SSMClient({});
  // What a deck is built with, inside a request or by a job.
  const deck = {
    synthesizer: config.ttsEngine === "polly" ? new PollySynthesizer(pollyClient(config)) : new EspeakSynthesizer(),
    store: new S3DeckStore(s3, config.deckBucket, config.linkTtlSeconds),
    deckPrefix: config.deckPrefix,
    maxSpeechCharacters: config.maxSpeechCharacters,
    ...(config.clipCachePrefix ? { clipCache: new S3ClipCache(s3, config.deckBucket, config.clipCachePrefix) } : {}),
    ...(config.noteTimesPrefix ? { noteTimes: new S3NoteTimesStore(s3, config.deckBucket, config.noteTimesPrefix) } : {}),
    // Lambda always sets AWS_REGION: the region the bucket is in, and so the origin of its links.
    ...(process.env["AWS_REGION"]
      ? { preview: { store: new S3PreviewMedia(s3, config.deckBucket, config.linkTtlSeconds), mediaOrigin: s3LinkOrigin(config.deckBucket, process.env["AWS_REGION"]) } }
      : {}),
    ...(config.usageTable !== undefined ? { fairUse: new FairUse(new DynamoUsageStore(new DynamoDBClient({}), config.usageTable), config.fairUse) } : {}),
  };
  // Lambda sets AWS_LAMBDA_FUNCTION_NAME: the function a job's worker is, and the only one it may invoke.
  const functionName = process.env["AWS_LAMBDA_FUNCTION_NAME"];
  const jobs = config.jobsPrefix && functionName
    ? new DeckJobs({
        store: new S3JobStore(s3, config.deckBucket, config.jobsPrefix),
        launcher: new SelfInvokeLauncher(new LambdaClient({}), functionName),
        ...(deck.fairUse ? { gate: fairUseJobGate(deck.fairUse) } : {}),
      })
    : undefined;
  const handle = createRequestHandler({
    config,
    ...(config.originSecretParameters ? { originSecrets: new SsmOriginSecrets(ssm, config.originSecretParameters) } : {}),
    ...deck,
    ...(jobs ? { jobs } : {}),
    clients: createClientGate(
      config.clientAuth,
      config.originProtection,
      config.clientAuth.mode === "api-key" ? new SsmApiKeyStore(ssm, config.clientAuth.keyPath) : undefined,
    ),
  });
  return { handle, ...(jobs ? { worker: { ...deck, jobs } } : {}) };
}

/** Polly where the stack says it has neural voices; one attempt, the synthesizer paces and retries itself. */
export function pollyClient(config: Pick<FunctionConfig, "speechRegion">): PollyClient {
  return new PollyClient({ maxAttempts: 1, ...(config.speechRegion !== undefined ? { region: config.speechRegion } : {}) });
}

/** RESPONSE_STREAM: status and headers first, then the body as it is produced (up to 200 MB). */
export const streamingHandler = streamifyResponse<FunctionUrlEvent, LambdaContext | undefined>(async (event, responseStream, context) => {
  if (!isFunctionUrlEvent(event)) {
    await runInternal(event, context);
    responseStream.end();
    return;
  }
  // Aborts when the client goes away: the request's signal reaches the MCP transport and the tool.
  const client = new AbortController();
  const response = await respond(event, context, client.signal);
  const deadline = context ? Date.now() + context.getRemainingTimeInMillis() - WRITER_STOP_MARGIN_MS : undefined;
  await writeStreamingResponse(response, responseStream, () => client.abort(new Error("the client disconnected")), deadline === undefined ? {} : { deadline });
});

/**
 * BUFFERED: one payload 2.0 response object. A buffered invocation learns nothing of a client that
 * went away; the time budget, inside CloudFront's read timeout, bounds it instead.
 */
export async function bufferedHandler(event: FunctionUrlEvent, context?: LambdaContext): Promise<FunctionUrlResult | undefined> {
  if (!isFunctionUrlEvent(event)) return runInternal(event, context);
  return toFunctionUrlResult(await respond(event, context, new AbortController().signal));
}

/**
 * The handler the Function URL's invoke mode needs: a streaming handler behind a BUFFERED URL answers
 * nothing useful, nor a plain one behind a streaming URL. Chosen once, at load.
 */
export const handler = invokeModeOf() === "BUFFERED" ? bufferedHandler : streamingHandler;

/** Kept between a job's deadline and Lambda's timeout: the job records how it ended before the invocation ends. */
const JOB_STOP_MARGIN_MS = LAMBDA_STOP_MARGIN_SECONDS * 1000;

/**
 * An invocation that is not a Function URL request: the function's own job event runs that job;
 * anything else is logged and ignored, since there is no one to answer.
 */
async function runInternal(event: unknown, context: LambdaContext | undefined): Promise<undefined> {
  if (!isDeckJobEvent(event)) {
    log("warn", "event.unknown", { requestId: context?.awsRequestId, keys: typeof event === "object" && event !== null ? Object.keys(event).slice(0, 10) : typeof event });
    return undefined;
  }
  let worker: Runtime["worker"];
  try {
    worker = (runtime ??= init()).worker;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log("error", "config.invalid", { requestId: context?.awsRequestId, problems: error.problems });
    return undefined;
  }
  if (!worker) {
    log("error", "job.no_jobs", { requestId: context?.awsRequestId, jobId: event.jobId, reason: "ANKIFY_JOBS_PREFIX is not set" });
    return undefined;
  }
  const remaining = context?.getRemainingTimeInMillis() ?? LAMBDA_MAX_MS;
  await runDeckJob(event.jobId, { ...worker, deadline: Date.now() + remaining - JOB_STOP_MARGIN_MS });
  return undefined;
}

/** Lambda's longest timeout, for a job run without a context (never in Lambda). */
const LAMBDA_MAX_MS = 900_000;

async function respond(event: FunctionUrlEvent, context: LambdaContext | undefined, signal: AbortSignal): Promise<Response> {
  let handle: Runtime["handle"];
  try {
    handle = (runtime ??= init()).handle;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Every invocation would fail the same way: answer a clear 500 (the details, which may name
    // settings, go to the log only) instead of a runtime error page, and try again next time.
    log("error", "config.invalid", { requestId: context?.awsRequestId, problems: error.problems });
    return jsonResponse(500, { error: "Ankify is misconfigured: its deployment needs fixing (the function's log says what).", requestId: context?.awsRequestId });
  }
  // Mapped inside the handler's guard: an event no Web Request can carry is a 4xx there, not a crash here.
  return handle(() => toRequest(event, signal), context ? { remainingMs: context.getRemainingTimeInMillis(), ...(context.awsRequestId ? { requestId: context.awsRequestId } : {}) } : {});
}
