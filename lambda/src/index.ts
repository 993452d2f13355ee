/**
 * The Lambda entry point (`CMD ["index.handler"]` in the Dockerfile): Function URL event in,
 * Function URL result out. Configuration and clients are made once per execution environment.
 */
import { PollyClient } from "@aws-sdk/client-polly";
import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import { SsmApiKeyStore } from "./access/api-keys";
import { createClientGate } from "./access/client-auth";
import { loadConfig } from "./config";
import { toRequest, toResult, type FunctionUrlEvent, type FunctionUrlResult } from "./http/function-url";
import { createRequestHandler } from "./handler";
import { S3DeckStore } from "./storage/s3";
import { EspeakSynthesizer } from "./tts/espeak";
import { PollySynthesizer } from "./tts/polly";

interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

let handle: ReturnType<typeof createRequestHandler> | undefined;

function init(): ReturnType<typeof createRequestHandler> {
  const config = loadConfig();
  return createRequestHandler({
    config,
    synthesizer: config.ttsEngine === "polly" ? new PollySynthesizer(new PollyClient({ maxAttempts: 1 })) : new EspeakSynthesizer(),
    store: new S3DeckStore(new S3Client({}), config.deckBucket, config.linkTtlSeconds),
    clients: createClientGate(
      config.clientAuth,
      config.originProtection,
      config.clientAuth.mode === "api-key" ? new SsmApiKeyStore(new SSMClient({}), config.clientAuth.keyPath) : undefined,
    ),
  });
}

export async function handler(event: FunctionUrlEvent, context?: LambdaContext): Promise<FunctionUrlResult> {
  handle ??= init();
  const response = await handle(toRequest(event), context ? { remainingMs: context.getRemainingTimeInMillis() } : {});
  return toResult(response);
}
