/**
 * The Lambda entry point (`CMD ["index.handler"]` in the Dockerfile): a Function URL event in
 * (invoke mode RESPONSE_STREAM), the response streamed out as it is produced, so a long deck's
 * progress and keep-alive lines reach the client while it is built. Configuration and clients are
 * made once per execution environment.
 */
import { PollyClient } from "@aws-sdk/client-polly";
import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import { SsmApiKeyStore } from "./access/api-keys";
import { createClientGate } from "./access/client-auth";
import { ConfigError, loadConfig } from "./config";
import { toRequest, type FunctionUrlEvent } from "./http/function-url";
import { streamifyResponse, writeStreamingResponse } from "./http/lambda-stream";
import { startPackagingWorker } from "./deck/build-off-thread";
import { createRequestHandler } from "./handler";
import { jsonResponse } from "./http/responses";
import { log } from "./log";
import { S3ClipCache } from "./storage/clip-cache";
import { S3DeckStore } from "./storage/s3";
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

let handle: ReturnType<typeof createRequestHandler> | undefined;

function init(): ReturnType<typeof createRequestHandler> {
  const config = loadConfig();
  startPackagingWorker();
  const s3 = new S3Client({});
  return createRequestHandler({
    config,
    ...(config.clipCachePrefix ? { clipCache: new S3ClipCache(s3, config.deckBucket, config.clipCachePrefix) } : {}),
    synthesizer: config.ttsEngine === "polly" ? new PollySynthesizer(new PollyClient({ maxAttempts: 1 })) : new EspeakSynthesizer(),
    store: new S3DeckStore(s3, config.deckBucket, config.linkTtlSeconds),
    clients: createClientGate(
      config.clientAuth,
      config.originProtection,
      config.clientAuth.mode === "api-key" ? new SsmApiKeyStore(new SSMClient({}), config.clientAuth.keyPath) : undefined,
    ),
  });
}

export const handler = streamifyResponse<FunctionUrlEvent, LambdaContext | undefined>(async (event, responseStream, context) => {
  // Aborts when the client goes away: the request's signal reaches the MCP transport and the tool.
  const client = new AbortController();
  const response = await respond(event, context, client.signal);
  const deadline = context ? Date.now() + context.getRemainingTimeInMillis() - WRITER_STOP_MARGIN_MS : undefined;
  await writeStreamingResponse(response, responseStream, () => client.abort(new Error("the client disconnected")), deadline === undefined ? {} : { deadline });
});

async function respond(event: FunctionUrlEvent, context: LambdaContext | undefined, signal: AbortSignal): Promise<Response> {
  try {
    handle ??= init();
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
