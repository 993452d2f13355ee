/**
 * Every ANKIFY_* variable the function, the dev server and the function's build read, and who reads
 * each. The stack's settings (what `npm run synth` reads) are described in stacks/settings/table.ts,
 * which imports this list: together they are every ANKIFY_* name the project knows, and any other
 * stops synth and the dev server with the closest known name (stacks/settings/names.ts).
 *
 * Adding a variable the function reads: one entry here with readBy ["function"] (and set it in
 * stacks/edge/ankify-function.ts); one the dev server reads from its shell: readBy ["dev"]. A test
 * checks that config.ts and the dev server read no name missing here.
 *
 * Light on purpose (no imports): the stack's settings check loads it without loading the function.
 */

/** function: the Lambda function (from the environment the stack, or the dev server, gives it); dev: `npm run dev`; build: lambda/build.js; test: `npm test`. */
export type RuntimeReader = "function" | "dev" | "build" | "test";

export interface RuntimeVariable {
  readonly readBy: readonly RuntimeReader[];
  readonly doc: string;
}

export const RUNTIME_VARIABLES = {
  ANKIFY_ORIGIN_PROTECTION: { readBy: ["function"], doc: "`secret-header` or `oac` (the dev server always runs secret-header)" },
  ANKIFY_ORIGIN_SECRET: { readBy: ["function", "dev"], doc: "the `x-origin-verify` value CloudFront sends (secret-header mode)" },
  ANKIFY_ORIGIN_SECRET_PREVIOUS: { readBy: ["function", "dev"], doc: "the previous origin secret, still accepted during a rotation" },
  ANKIFY_ORIGIN_SECRET_PARAMETER: { readBy: ["function"], doc: "the SSM SecureString parameter holding the current origin secret (secret-header mode)" },
  ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER: { readBy: ["function"], doc: "the SSM SecureString parameter holding the previous origin secret" },
  ANKIFY_SPEECH_REGION: { readBy: ["function"], doc: "the region the function calls Amazon Polly in" },
  ANKIFY_DECK_BUCKET: { readBy: ["function"], doc: "the S3 bucket decks are uploaded to" },
  ANKIFY_DECK_PREFIX: { readBy: ["function"], doc: "the decks' key prefix (`decks/`)" },
  ANKIFY_CLIP_CACHE_PREFIX: { readBy: ["function"], doc: "the clip cache's key prefix (`clips/`); unset: no clip cache" },
  ANKIFY_NOTE_TIMES_PREFIX: { readBy: ["function"], doc: "where each deck's note times are kept (`note-times/`); unset: notes get the safe fixed stamp" },
  ANKIFY_JOBS_PREFIX: { readBy: ["function"], doc: "where deck jobs are kept (`jobs/`); unset: no jobs, every deck is built inside its request" },
  ANKIFY_INLINE_SECONDS: { readBy: ["function", "dev"], doc: "seconds a deck may take inside its request; one expected to take longer is built as a job (`60`)" },
  ANKIFY_TTS_ENGINE: { readBy: ["function"], doc: "`polly` or `espeak`" },
  ANKIFY_INVOKE_MODE: { readBy: ["function"], doc: "the Function URL's invoke mode: `RESPONSE_STREAM` (unset) or `BUFFERED`, where the function never streams and answers one response" },
  ANKIFY_TIME_BUDGET_SECONDS: { readBy: ["function", "dev"], doc: "seconds an answer sent in one piece may take: the origin read timeout (`BUFFERED`: the function timeout less 5 s)" },
  ANKIFY_STREAM_BUDGET_SECONDS: { readBy: ["function", "dev"], doc: "seconds a streamed deck may take (the function timeout less 5 s); not set with `BUFFERED`" },
  ANKIFY_LINK_TTL_SECONDS: { readBy: ["function", "dev"], doc: "seconds a download link lives (60..43200)" },
  ANKIFY_MAX_SPEECH_CHARACTERS: { readBy: ["function", "dev"], doc: "characters one request may send to speech" },
  ANKIFY_CLIENT_DAILY_CHARACTERS: { readBy: ["function", "dev"], doc: "characters one client may send to speech per UTC day; `0`: no limit" },
  ANKIFY_CLIENT_CONCURRENCY: { readBy: ["function", "dev"], doc: "deck builds one client may run at once; `0`: no limit" },
  ANKIFY_USAGE_TABLE: { readBy: ["function"], doc: "the DynamoDB table counting each client's characters and build slots" },
  ANKIFY_CLIENT_AUTH: { readBy: ["function", "dev"], doc: "`api-key`, `oauth` or `none`" },
  ANKIFY_API_KEY_PATH: { readBy: ["function"], doc: "the SSM path holding the client keys' digests (api-key mode)" },
  ANKIFY_PUBLIC_URL: { readBy: ["function"], doc: "the MCP endpoint's public URL, the resource tokens are for (oauth mode)" },
  ANKIFY_OAUTH_ISSUER: { readBy: ["function", "dev"], doc: "the issuer whose access tokens are accepted (oauth mode)" },
  ANKIFY_OAUTH_AUDIENCE: { readBy: ["function", "dev"], doc: "the `aud` tokens must carry (oauth mode)" },
  ANKIFY_OAUTH_CLIENT_IDS: { readBy: ["function", "dev"], doc: "the client ids tokens may carry instead of an audience (Cognito)" },
  ANKIFY_OAUTH_SCOPE: { readBy: ["function", "dev"], doc: "the scope a token needs (oauth mode)" },
  ANKIFY_LOG_LEVEL: { readBy: ["function", "dev"], doc: "`debug`, `info` (default), `warn`, `error` or `silent`" },
  ANKIFY_CLIP_CACHE_DAYS: { readBy: ["dev"], doc: "days the dev server keeps a clip in its local store; `0`: no clip cache" },
  ANKIFY_DEV_API_KEY: { readBy: ["dev"], doc: "the key local clients send (api-key mode), at least 16 characters" },
  ANKIFY_DEV_SPEECH: { readBy: ["dev"], doc: "`espeak` (default), `silent`, or `polly` (the function's Polly path: needs `AWS_REGION`; `AWS_ENDPOINT_URL_POLLY` may point at the Polly fake)" },
  ANKIFY_DEV_SPEECH_LATENCY_MS: { readBy: ["dev"], doc: "extra milliseconds every clip takes, to act like a slower service" },
  ANKIFY_DEV_STORAGE_DIR: { readBy: ["dev"], doc: "where the local S3 store keeps decks and clips (`.ankify-local/s3`)" },
  ANKIFY_DEV_ALLOW_LOOPBACK_IMAGES: { readBy: ["dev"], doc: "`1` lets card pictures come from loopback addresses (127.0.0.0/8, ::1, or a name such as localhost that resolves to one), over https or http (an http:// URL must name 127.0.0.1, localhost or [::1]), for tests; the Lambda runtime API stays refused. `0` (default): public addresses over https only" },
  ANKIFY_CHROMIUM: { readBy: ["test"], doc: "the Chromium (or Chrome) executable the preview's browser test drives, when it is not on the PATH" },
  ANKIFY_BUILD_OUTDIR: { readBy: ["build"], doc: "where lambda/build.js writes the bundle (`lambda/dist`)" },
} as const satisfies Readonly<Record<`ANKIFY_${string}`, RuntimeVariable>>;

export type RuntimeVariableName = keyof typeof RUNTIME_VARIABLES;
