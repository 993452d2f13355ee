/**
 * Every setting, described once: its environment variable, its cdktf.json key (the entry's name),
 * where it may be set (scope), what it takes (kind: type, range or choices), its default, the settings
 * its rule needs, and a one-line doc. Validation (load.ts), the README's settings table and `./help`
 * (docs.ts) and the unknown-name check (names.ts) are all derived from this table.
 *
 * Adding a setting is one entry here, e.g.
 *   inlineSeconds: { env: "ANKIFY_INLINE_SECONDS", scope: "stack", kind: integer({ min: 1, max: 60, unit: "seconds" }),
 *     default: 20, doc: "how long a deck may take before it becomes a job" },
 * then `node -r sucrase/register scripts/settings-docs.ts --write` (README table) and use
 * `settings.inlineSeconds` in the stack: its type follows from the kind. A variable that only the
 * function or the dev server reads (the stack sets it, or a shell does for `npm run dev`) is one entry in
 * lambda/src/env-names.ts instead.
 */
import {
  bufferedBudgetSeconds, DEFAULT_CLIENT_CONCURRENCY, DEFAULT_CLIENT_DAILY_CHARACTERS, DEFAULT_CLIP_CACHE_DAYS, DEFAULT_FUNCTION_TIMEOUT_SECONDS,
  DEFAULT_INLINE_SECONDS, DEFAULT_MAX_SPEECH_CHARACTERS, MAX_CLIENT_CONCURRENCY, MAX_CLIENT_DAILY_CHARACTERS, MAX_MAX_SPEECH_CHARACTERS,
  MIN_CLIENT_DAILY_CHARACTERS, MIN_FUNCTION_TIMEOUT_SECONDS, MIN_MAX_SPEECH_CHARACTERS, MIN_TIME_BUDGET_SECONDS,
} from "../../lambda/src/limits";
import {
  bucketName, callbackUrls, choice, countries, dnsName, ecrImage, email, flag, integer, issuerUrl, keyPrefix, neuralRegion, nonEmpty, oauthScope, region,
  retentionDays, type Bound, type Kind, type Known,
} from "./kinds";
import * as rules from "./rules";
import { POLLY_NEURAL_REGIONS } from "./validators";

/**
 * The origin read timeout when none is set, if the account's CloudFront quota allows it: CloudFront's
 * documented maximum without an increase. Longer buys little: streamed answers send a byte every 5 s.
 */
export const DEFAULT_ORIGIN_READ_TIMEOUT_CAP = 120;
/** What maxConcurrency "auto" reserves, where the account's quota allows it. */
export const AUTO_MAX_CONCURRENCY = 10;
/** Lambda's hard maximum timeout; the function must outlive CloudFront's wait, so nothing may exceed it. */
export const LAMBDA_MAX_TIMEOUT = 900;
/** CloudFront's maximum origin keep-alive timeout without a quota increase. */
export const MAX_ORIGIN_KEEPALIVE_TIMEOUT = 60;
/** Lambda keeps 100 of an account's executions unreserved: a default account (1000) can reserve 900. */
export const MAX_RESERVED_CONCURRENCY = 900;
export const MAX_CLIP_CACHE_DAYS = 3650;
export const DEFAULT_OAUTH_SCOPE = "decks";
/** Claude's OAuth callbacks (claude.ai today; claude.com announced), per Anthropic's connector guide. */
export const DEFAULT_OAUTH_CALLBACK_URLS: readonly string[] = ["https://claude.ai/api/mcp/auth_callback", "https://claude.com/api/mcp/auth_callback"];

/**
 * stack: per stack; in cdktf.json context, an environment's block, or the environment (which wins).
 * state: once for every stack; the environment or the top level of cdktf.json context.
 * environments / environment: cdktf.json only, at the top level / in an environment's block.
 * command: the environment only, read by the npm scripts and the app, not a cdktf.json key.
 */
export type Scope = "stack" | "state" | "environments" | "environment" | "command";

export interface SettingSpec {
  readonly env?: `ANKIFY_${string}`;
  readonly scope: Scope;
  /** One line for the README and help (Markdown; help drops it). */
  readonly doc: string;
  /** How the value is read and checked; entries without one are read by environments.ts or scripts/. */
  readonly kind?: Kind<unknown>;
  readonly required?: true;
  /**
   * The value when none is given, or how to work it out from the settings in `needs`. A function
   * typed to return `undefined` too makes the setting optional in `Settings` (no value: e.g. one the
   * stack takes from a plan-time expression instead).
   */
  readonly default?: unknown;
  /** The default in words, where the value alone would not say it. */
  readonly defaultDoc?: string;
  /** Settings this one's range, default or rule reads: they are read first. */
  readonly needs?: readonly string[];
  /** Only meaningful when another setting has this value; given otherwise, it is refused (saying `because`, if given). */
  readonly onlyWith?: { readonly key: string; readonly value: string; readonly because?: string };
  /** Unset, the value of this other cdktf.json key is read in its place (same checks). */
  readonly fallback?: string;
  /** A rule between this setting and others: a problem, or undefined. */
  readonly rule?: (known: Known) => string | undefined;
  /** A warning to print at synth (the value is allowed but risky), or undefined. */
  readonly warn?: (known: Known) => string | undefined;
  /** Not listed in the README or help (set by the npm scripts themselves). */
  readonly internal?: true;
}

/**
 * BUFFERED: the Function URL holds the answer until the function returns, and CloudFront's read
 * timeout (its wait for the first byte) then bounds the whole invocation; RESPONSE_STREAM: bytes flow
 * every few seconds and only the function's timeout bounds a deck.
 */
const buffered = (known: Known) => known.value("invokeMode") === "BUFFERED";
/** Streamed decks may take the function's whole timeout, but a JSON answer needs it to outlast CloudFront's wait. */
const functionFloor = (known: Known) => Math.max((known.value("originReadTimeout") as number | undefined) ?? MIN_FUNCTION_TIMEOUT_SECONDS, MIN_FUNCTION_TIMEOUT_SECONDS);
/** Buffered, the function must stop before CloudFront gives up: at most the read timeout, which unset is at most the cap. */
const functionCeiling = (known: Known) => (buffered(known) ? (known.value("originReadTimeout") as number | undefined) ?? DEFAULT_ORIGIN_READ_TIMEOUT_CAP : LAMBDA_MAX_TIMEOUT);
/** How messages name BUFFERED mode: also when it is the default, which the reader may not know they chose. */
const bufferedMode = (known: Known) =>
  `${known.env("invokeMode")} = BUFFERED${known.found("invokeMode") ? "" : `, the default with ${known.env("imageUri")},`}`;
/** With no read timeout set, it comes from CloudFront's quota at plan time, which checks the function's timeout against it. */
const functionTimeoutWhy = (known: Known) => {
  const set = known.found("originReadTimeout") !== undefined;
  if (buffered(known)) {
    return ` (with ${bufferedMode(known)} at least ${MIN_FUNCTION_TIMEOUT_SECONDS} s and at most the origin read timeout` +
      `${set ? "" : `, which unset is at most ${DEFAULT_ORIGIN_READ_TIMEOUT_CAP} s and checked at plan time against CloudFront's quota`}: ` +
      "an answer leaves only when the function returns, and a function still running after CloudFront's 504 keeps spending)";
  }
  return set
    ? ` (at least the origin read timeout and ${MIN_FUNCTION_TIMEOUT_SECONDS} s, at most Lambda's ${LAMBDA_MAX_TIMEOUT} s)`
    : ` (at least ${MIN_FUNCTION_TIMEOUT_SECONDS} s and the origin read timeout, which the plan checks against CloudFront's quota when it is unset; at most Lambda's ${LAMBDA_MAX_TIMEOUT} s)`;
};
/**
 * What an answer sent in one piece may take (requestBudgetSeconds in budgets.ts): BUFFERED, the
 * function's timeout less the stop margin; streaming, the read timeout. Where CloudFront's quota sets
 * the read timeout at plan time, the most it can be (120 s): the function applies the smaller per request.
 */
const answerBudget = (k: Known): { seconds: number; known: boolean } => {
  const explicit = buffered(k) ? k.value("functionTimeout") : k.value("originReadTimeout");
  const readTimeout = k.value("originReadTimeout");
  const seconds = typeof explicit === "number" ? explicit : typeof readTimeout === "number" ? readTimeout : DEFAULT_ORIGIN_READ_TIMEOUT_CAP;
  return { seconds: buffered(k) ? bufferedBudgetSeconds(seconds) : seconds, known: typeof explicit === "number" };
};
const functionTimeout: Bound = { doc: "`ANKIFY_FUNCTION_TIMEOUT`", of: (k) => (k.value("functionTimeout") as number | undefined) ?? functionFloor(k) };
const READ_TIMEOUT_WHY = `unset: the smaller of ${DEFAULT_ORIGIN_READ_TIMEOUT_CAP} and CloudFront's "Response timeout per origin" quota, read at plan time; a value above that quota stops the plan`;
const oauthOnly = { key: "clientAuth", value: "oauth" } as const;

export const SETTINGS = {
  domain: { env: "ANKIFY_DOMAIN", scope: "stack", required: true, kind: dnsName(), needs: ["zone"], rule: rules.domainInsideZone,
    doc: "the public name, `https://<domain>/mcp`: in `ANKIFY_ZONE` or its apex" },
  zone: { env: "ANKIFY_ZONE", scope: "stack", required: true, kind: dnsName(), doc: "the public Route 53 hosted zone (looked up by name)" },
  region: { env: "ANKIFY_REGION", scope: "stack", required: true, kind: region(), doc: "the app region: function, deck bucket, image repository" },
  speechRegion: { env: "ANKIFY_SPEECH_REGION", scope: "stack", kind: neuralRegion(), needs: ["region"], rule: rules.speechRegionNeeded,
    default: (k: Known) => (POLLY_NEURAL_REGIONS.includes(k.value("region") as string) ? k.value("region") : undefined),
    defaultDoc: "the app region", doc: "where the function calls Amazon Polly (the cards' text goes there); unset, the app region, which must then have neural voices" },
  originProtection: { env: "ANKIFY_ORIGIN_PROTECTION", scope: "stack", kind: choice(["secret-header", "oac"]), default: "secret-header",
    doc: "how CloudFront proves itself: a secret header, or SigV4 (OAC)" },
  originReadTimeout: { env: "ANKIFY_ORIGIN_READ_TIMEOUT", scope: "stack", needs: ["invokeMode"],
    defaultDoc: `min(${DEFAULT_ORIGIN_READ_TIMEOUT_CAP}, quota)`,
    // Its floor is the function's time budget's (limits.ts): below it, speech would get no time at all;
    // buffered, the function's shortest timeout must fit inside it.
    // Above the account's quota (L-AECE9FA7) the plan stops: stacks/edge/origin-read-timeout.ts.
    kind: integer({
      min: { doc: `${MIN_TIME_BUDGET_SECONDS} (${MIN_FUNCTION_TIMEOUT_SECONDS} with \`BUFFERED\`)`, of: (k) => (buffered(k) ? MIN_FUNCTION_TIMEOUT_SECONDS : MIN_TIME_BUDGET_SECONDS) },
      max: LAMBDA_MAX_TIMEOUT, unit: "seconds",
      why: (k) => buffered(k)
        ? ` (with ${bufferedMode(k)} at least ${MIN_FUNCTION_TIMEOUT_SECONDS} s: the function's whole answer must arrive within it, and so must its shortest timeout; ${READ_TIMEOUT_WHY})`
        : ` (${READ_TIMEOUT_WHY})`,
    }),
    doc: "CloudFront's wait for the first byte and between bytes; unset, the smaller of 120 and your \"Response timeout per origin\" quota, read at plan time" },
  responseCompletionTimeout: { env: "ANKIFY_RESPONSE_COMPLETION_TIMEOUT", scope: "stack", needs: ["functionTimeout"], defaultDoc: "unset (no limit)",
    // CloudFront requires it to be at least the read timeout, by which a buffered answer has arrived whole: it could never cut one.
    onlyWith: { key: "invokeMode", value: "RESPONSE_STREAM", because: "a buffered answer arrives whole within the origin read timeout, which this cap may not be shorter than, so it would never apply" },
    kind: integer({ min: functionTimeout, max: LAMBDA_MAX_TIMEOUT, unit: "seconds",
      why: ` (at least the function timeout, or CloudFront would cut off a deck that is still streaming; at most Lambda's ${LAMBDA_MAX_TIMEOUT} s; unset it to have no overall limit)` }),
    doc: "CloudFront's cap on a whole response" },
  functionTimeout: { env: "ANKIFY_FUNCTION_TIMEOUT", scope: "stack", needs: ["originReadTimeout", "invokeMode"],
    // Buffered with no read timeout set: the read timeout's own plan-time expression (stacks/edge/function-timeouts.ts).
    default: (k: Known): number | undefined => (buffered(k) ? (k.value("originReadTimeout") as number | undefined) : Math.max(DEFAULT_FUNCTION_TIMEOUT_SECONDS, functionFloor(k))),
    defaultDoc: "`300` (or the read timeout, if longer; with `BUFFERED`, the read timeout)",
    kind: {
      ...integer({ min: { doc: "", of: (k) => (buffered(k) ? MIN_FUNCTION_TIMEOUT_SECONDS : functionFloor(k)) }, max: { doc: "", of: functionCeiling }, unit: "seconds", why: functionTimeoutWhy }),
      allowed: `${MIN_FUNCTION_TIMEOUT_SECONDS}..${LAMBDA_MAX_TIMEOUT} seconds: at least the read timeout; \`BUFFERED\`: at most the read timeout`,
    },
    doc: "the function's timeout: a streamed deck may take it all (less 5 s); a buffered answer must be out before the read timeout" },
  originKeepaliveTimeout: { env: "ANKIFY_ORIGIN_KEEPALIVE_TIMEOUT", scope: "stack", default: 5,
    kind: integer({ min: 1, max: MAX_ORIGIN_KEEPALIVE_TIMEOUT, unit: "seconds" }), doc: "how long CloudFront keeps an idle origin connection" },
  architecture: { env: "ANKIFY_ARCHITECTURE", scope: "stack", kind: choice(["arm64", "x86_64"]), default: "arm64",
    doc: "the function's CPU; the image is built for it" },
  originSecretVersion: { env: "ANKIFY_ORIGIN_SECRET_VERSION", scope: "stack", default: 1,
    kind: integer({ min: 1, max: 1_000_000, why: " (bump it by one to rotate the origin secret)" }),
    doc: "bump by one to rotate the origin secret" },
  rateLimit: { env: "ANKIFY_RATE_LIMIT", scope: "stack", default: rules.DEFAULT_RATE_LIMIT,
    kind: integer({ min: rules.MIN_RATE_LIMIT, max: rules.MAX_RATE_LIMIT, unit: "requests", why: ": requests per client IP in 5 minutes",
      off: { value: 0, meaning: "no web ACL" }, rangeNote: (value, min) => (value > 0 && value < min ? ` (AWS WAF's smallest limit is ${min})` : "") }),
    doc: "requests per client IP in 5 minutes before WAF says 429" },
  clientRateLimit: { env: "ANKIFY_CLIENT_RATE_LIMIT", scope: "stack", default: rules.DEFAULT_CLIENT_RATE_LIMIT, needs: ["rateLimit"], rule: rules.clientRateNeedsWebAcl,
    kind: integer({ min: rules.MIN_RATE_LIMIT, max: rules.MAX_RATE_LIMIT, unit: "requests", why: ": requests per client credential in 5 minutes",
      off: { value: 0, meaning: "no per-client rule" }, rangeNote: (value, min) => (value > 0 && value < min ? ` (AWS WAF's smallest limit is ${min})` : "") }),
    doc: "requests per client credential (`Authorization`, `x-api-key`) in 5 minutes before WAF says 429" },
  allowedCountries: { env: "ANKIFY_ALLOWED_COUNTRIES", scope: "stack", kind: countries(), needs: ["rateLimit"], rule: rules.countriesNeedWebAcl,
    defaultDoc: "unset (every country)", doc: "countries that may call (needs `ANKIFY_RATE_LIMIT` > 0)" },
  maxConcurrency: { env: "ANKIFY_MAX_CONCURRENCY", scope: "stack", default: "auto",
    kind: integer({ min: 1, max: MAX_RESERVED_CONCURRENCY, unit: "executions",
      words: [{ word: "auto", meaning: `(reserve ${AUTO_MAX_CONCURRENCY} where the account quota allows it)` }, { word: "none", meaning: "for no reservation" }],
      refuse: { value: 0, because: "would reserve no executions at all, so Lambda would throttle every request" },
      rangeNote: () => ` (Lambda keeps 100 of an account's executions unreserved, so a default account of 1000 can reserve at most ${MAX_RESERVED_CONCURRENCY})` }),
    doc: "reserved concurrency: the most copies running at once (a number fails the plan where the account's quota cannot hold it)" },
  alarmEmail: { env: "ANKIFY_ALARM_EMAIL", scope: "stack", kind: email(), defaultDoc: "unset", doc: "gets every alarm by e-mail (it must confirm first)" },
  imageUri: { env: "ANKIFY_IMAGE_URI", scope: "stack", kind: ecrImage(), needs: ["region"], rule: rules.imageInAppRegion, warn: rules.movingTag,
    defaultDoc: "unset (build `lambda/`)", doc: "run this image instead of building `lambda/`" },
  invokeMode: { env: "ANKIFY_INVOKE_MODE", scope: "stack", kind: choice(["RESPONSE_STREAM", "BUFFERED"]), needs: ["imageUri"],
    // An image someone else built is most likely a handler that returns {statusCode, body}: AWS documents
    // response streaming for Node.js managed runtimes only (and custom runtimes, the Lambda Web Adapter).
    default: (k: Known) => (k.found("imageUri") ? "BUFFERED" : "RESPONSE_STREAM"),
    defaultDoc: "`RESPONSE_STREAM` (`BUFFERED` with `ANKIFY_IMAGE_URI`)",
    doc: "the Function URL's invoke mode: `RESPONSE_STREAM` for a streaming handler (as `lambda/` builds), `BUFFERED` for one response of up to 6 MB, out before the read timeout (the default with `ANKIFY_IMAGE_URI`)" },
  clientAuth: { env: "ANKIFY_CLIENT_AUTH", scope: "stack", kind: choice(["api-key", "oauth", "none"]), default: "api-key",
    needs: ["originProtection", "domain"], rule: rules.oauthNotWithOac, warn: rules.openToAnyone,
    doc: "who may call `/mcp`: API keys, OAuth tokens (not with `oac`), or anyone" },
  oauthIssuer: { env: "ANKIFY_OAUTH_ISSUER", scope: "stack", kind: issuerUrl(), onlyWith: oauthOnly, defaultDoc: "unset (Cognito)",
    doc: "an external authorization server instead of Cognito" },
  oauthAudience: { env: "ANKIFY_OAUTH_AUDIENCE", scope: "stack", kind: nonEmpty("a non-empty string"), onlyWith: oauthOnly, needs: ["oauthIssuer"],
    rule: rules.audienceGoesWithIssuer, defaultDoc: "unset", doc: "required with an issuer: the `aud` its tokens carry" },
  oauthScope: { env: "ANKIFY_OAUTH_SCOPE", scope: "stack", kind: oauthScope(), onlyWith: oauthOnly, default: DEFAULT_OAUTH_SCOPE,
    doc: "the scope a token needs" },
  oauthCallbackUrls: { env: "ANKIFY_OAUTH_CALLBACK_URLS", scope: "stack", kind: callbackUrls(), onlyWith: oauthOnly, needs: ["oauthIssuer"],
    rule: rules.callbacksOnlyForCognito, default: DEFAULT_OAUTH_CALLBACK_URLS, defaultDoc: "Claude's callbacks",
    doc: "where Cognito's login may send a client back" },
  maxSpeechCharacters: { env: "ANKIFY_MAX_SPEECH_CHARACTERS", scope: "stack", default: DEFAULT_MAX_SPEECH_CHARACTERS,
    kind: integer({ min: MIN_MAX_SPEECH_CHARACTERS, max: MAX_MAX_SPEECH_CHARACTERS, unit: "characters",
      why: " characters per request (neural voices cost $16 per million)" }),
    doc: "characters one request may send to speech (billed)" },
  clientDailyCharacters: { env: "ANKIFY_CLIENT_DAILY_CHARACTERS", scope: "stack", default: DEFAULT_CLIENT_DAILY_CHARACTERS,
    kind: integer({ min: MIN_CLIENT_DAILY_CHARACTERS, max: MAX_CLIENT_DAILY_CHARACTERS, unit: "characters",
      why: " per client per UTC day (neural voices cost $16 per million)", off: { value: 0, meaning: "no daily limit" } }),
    doc: "characters one client may send to speech per UTC day (billed; cached clips are free)" },
  clientConcurrency: { env: "ANKIFY_CLIENT_CONCURRENCY", scope: "stack", default: DEFAULT_CLIENT_CONCURRENCY,
    kind: integer({ min: 1, max: MAX_CLIENT_CONCURRENCY, unit: "builds", why: ": deck builds one client may run at once", off: { value: 0, meaning: "no limit" } }),
    doc: "deck builds one client may run at once; the next is answered busy" },
  accessLogDays: { env: "ANKIFY_ACCESS_LOG_DAYS", scope: "stack", default: 30, kind: retentionDays("no access logs"),
    doc: "days CloudFront's and WAF's access logs are kept; `0`: none written" },
  clipCacheDays: { env: "ANKIFY_CLIP_CACHE_DAYS", scope: "stack", default: DEFAULT_CLIP_CACHE_DAYS,
    kind: integer({ min: 0, max: MAX_CLIP_CACHE_DAYS, unit: "days", why: " (0 turns the clip cache off)" }),
    doc: "days a spoken clip is reused; `0`: no clip cache" },
  inlineSeconds: { env: "ANKIFY_INLINE_SECONDS", scope: "stack", needs: ["invokeMode", "originReadTimeout", "functionTimeout"],
    default: (k: Known) => Math.min(DEFAULT_INLINE_SECONDS, answerBudget(k).seconds),
    defaultDoc: "`60` (or an answer's budget, if shorter)",
    kind: {
      ...integer({ min: 0, max: { doc: "", of: (k) => answerBudget(k).seconds }, unit: "seconds",
        why: (k) => ` (at most what an answer sent in one piece may take: ${buffered(k) ? "with BUFFERED the function timeout less 5 s" : "the origin read timeout"}` +
          `${answerBudget(k).known ? "" : `, which unset is at most ${DEFAULT_ORIGIN_READ_TIMEOUT_CAP} s`}; 0 builds every deck with audio as a job)` }),
      allowed: `0..900 seconds, at most the origin read timeout (unset: ${DEFAULT_ORIGIN_READ_TIMEOUT_CAP} s, or CloudFront's quota if smaller; \`BUFFERED\`: the function timeout less 5 s); \`0\`: every deck with audio is a job`,
    },
    doc: "how long a deck may take inside its request: one expected to take longer is built as a job, which `get_deck` (or MCP Tasks) returns" },

  stateBucket: { env: "ANKIFY_STATE_BUCKET", scope: "state", kind: bucketName(), defaultDoc: "unset (local state)",
    doc: "an S3 bucket for every stack's state (encrypted, locked)" },
  stateRegion: { env: "ANKIFY_STATE_REGION", scope: "state", kind: region("set ANKIFY_STATE_REGION to the state bucket's region, e.g. eu-west-1"),
    required: true, needs: ["stateBucket"], fallback: "region", defaultDoc: "cdktf.json's `region`", doc: "the state bucket's region" },
  stateKeyPrefix: { env: "ANKIFY_STATE_KEY_PREFIX", scope: "state", kind: keyPrefix(), needs: ["stateBucket"], default: "ankify/",
    doc: "each stack's state is `<prefix><stack>.tfstate`" },
  environments: { scope: "environments", defaultDoc: "unset (one stack, `ankify`)",
    doc: "named environments: one stack `ankify-<name>` each" },
  protected: { scope: "environment", kind: flag(), default: false,
    doc: "in an environment: deploy and destroy need `--allow-prod`" },
  environment: { env: "ANKIFY_ENVIRONMENT", scope: "command", defaultDoc: "unset", doc: "selects one declared environment" },
  allowProd: { env: "ANKIFY_ALLOW_PROD", scope: "command", defaultDoc: "unset", doc: "`1` stands for `--allow-prod`" },
  warningsShown: { env: "ANKIFY_WARNINGS_SHOWN", scope: "command", internal: true,
    doc: "set by `npm run synth|diff|deploy|destroy` for the app they run: the warnings are printed already" },
} as const satisfies Readonly<Record<string, SettingSpec>>;
const TABLE: Readonly<Record<string, SettingSpec>> = SETTINGS;

/**
 * Settings that existed once: naming one (environment, cdktf.json, an environment's block) is an
 * error that says what replaced it, rather than "not a setting" with a guess.
 */
export const RETIRED_SETTINGS: Readonly<Record<string, { readonly env: `ANKIFY_${string}`; readonly why: string }>> = {
  originTimeoutQuota: {
    env: "ANKIFY_ORIGIN_TIMEOUT_QUOTA",
    why:
      `the stack reads CloudFront's "Response timeout per origin" quota (L-AECE9FA7) at plan time. ` +
      "Remove it; set ANKIFY_ORIGIN_READ_TIMEOUT only to ask for a particular read timeout (the plan stops if the quota does not allow it).",
  },
};

export type SettingName = keyof typeof SETTINGS;
/** The table's entries, each as a plain SettingSpec, in table order. */
export const ENTRIES: ReadonlyArray<readonly [SettingName, SettingSpec]> = Object.entries(TABLE) as Array<[SettingName, SettingSpec]>;
