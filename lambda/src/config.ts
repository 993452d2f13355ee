/**
 * The function's configuration, read once from the environment the stack sets
 * (stacks/edge/ankify-function.ts) or the dev server provides. Every problem is reported at once.
 */

import { CLIENT_NAME_PATTERN } from "./access/api-keys";
import { isLoopback } from "./access/oauth";
import {
  DEFAULT_CLIENT_CONCURRENCY, DEFAULT_CLIENT_DAILY_CHARACTERS, DEFAULT_INLINE_SECONDS, DEFAULT_MAX_SPEECH_CHARACTERS, MAX_CLIENT_CONCURRENCY,
  MAX_CLIENT_DAILY_CHARACTERS, MAX_MAX_SPEECH_CHARACTERS, MAX_TIME_BUDGET_SECONDS, MIN_CLIENT_DAILY_CHARACTERS, MIN_MAX_SPEECH_CHARACTERS, timeBudgetProblem,
} from "./limits";

export type OriginProtection = "secret-header" | "oac";
export type TtsEngine = "polly" | "espeak";
/** How the Function URL invokes the function (stacks/edge/ankify-function.ts sets both from one setting). */
export type InvokeMode = "RESPONSE_STREAM" | "BUFFERED";
export const INVOKE_MODES: readonly InvokeMode[] = ["RESPONSE_STREAM", "BUFFERED"];

/** Who may call /mcp (the status page and discovery documents stay public). */
export type ClientAuth =
  | { readonly mode: "none" }
  /** Keys' SHA-256 digests under an SSM path, one parameter per client. */
  | { readonly mode: "api-key"; readonly keyPath: string }
  | {
      readonly mode: "oauth";
      /** The MCP endpoint's public URL: the resource tokens are for. */
      readonly resource: URL;
      readonly issuer: string;
      readonly audience?: string;
      readonly clientIds?: readonly string[];
      readonly scope: string;
    };

export interface FunctionConfig {
  readonly originProtection: OriginProtection;
  /** secret-header mode on the dev server: accepted `x-origin-verify` values, current first. Never logged. */
  readonly originSecrets: readonly string[];
  /**
   * secret-header mode, deployed: the names of the SSM parameters holding the accepted values (the
   * function reads them; its environment holds no secret). Absent when the secrets are given directly.
   */
  readonly originSecretParameters?: { readonly current: string; readonly previous?: string };
  readonly deckBucket: string;
  readonly deckPrefix: string;
  readonly ttsEngine: TtsEngine;
  /** Region to call Polly in (one with neural voices); unset: the SDK's own, the function's region. */
  readonly speechRegion?: string;
  /**
   * RESPONSE_STREAM: answers may stream (index.ts exports the streaming handler). BUFFERED: nothing
   * reaches the client before the function returns, so nothing streams and every answer is one piece.
   */
  readonly invokeMode: InvokeMode;
  /** Seconds a deck answered in one piece (JSON) may take: CloudFront's wait for the first byte (BUFFERED: the timeout less a margin). */
  readonly timeBudgetSeconds: number;
  /** Seconds a deck answered as a stream (SSE) may take: the function's timeout less a margin. BUFFERED: the time budget. */
  readonly streamBudgetSeconds: number;
  readonly linkTtlSeconds: number;
  /** Characters one request may send to speech. */
  readonly maxSpeechCharacters: number;
  /** Key prefix of the clip cache in the deck bucket, e.g. `clips/`; undefined: no cache. */
  readonly clipCachePrefix?: string;
  /**
   * Key prefix, in the deck bucket, of what each deck's notes were last stamped with, e.g.
   * `note-times/`; undefined: none is kept, and rebuilt decks never update notes a learner has.
   */
  readonly noteTimesPrefix?: string;
  /** Key prefix of deck jobs in the deck bucket, e.g. `jobs/`; undefined: no jobs, every deck is built inside its request. */
  readonly jobsPrefix?: string;
  /**
   * Seconds a deck may take inside its request (at most the answer's budget, which a request also
   * applies); a deck expected to take longer is built as a job (jobs/decide.ts).
   */
  readonly inlineSeconds: number;
  readonly clientAuth: ClientAuth;
  /** Per client (access/subject.ts): characters per UTC day and builds at once; 0: no limit. */
  readonly fairUse: { readonly dailyCharacters: number; readonly concurrency: number };
  /** The DynamoDB table that counts them across execution environments; unset: counted in this process only (the dev server). */
  readonly usageTable?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Ankify function configuration is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Presigned links die with the signing role's session anyway; longer than this only misleads. */
const MAX_LINK_TTL_SECONDS = 12 * 3600;

/**
 * The invoke mode the environment names, for choosing the handler to export before any configuration
 * is read: unset (a stack from before the setting) or not one of the two, RESPONSE_STREAM, and
 * loadConfig reports the bad value.
 */
export function invokeModeOf(env: Readonly<Record<string, string | undefined>> = process.env): InvokeMode {
  return env["ANKIFY_INVOKE_MODE"]?.trim() === "BUFFERED" ? "BUFFERED" : "RESPONSE_STREAM";
}

export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): FunctionConfig {
  const problems: string[] = [];
  const get = (name: string) => env[name]?.trim() || undefined;
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback?: T): T => {
    const value = get(name) ?? fallback;
    if (value === undefined || !(allowed as readonly string[]).includes(value)) {
      problems.push(`${name} = ${JSON.stringify(get(name) ?? "")} must be one of: ${allowed.join(", ")}.`);
      return allowed[0]!;
    }
    return value as T;
  };
  const integer = (name: string, min: number, max: number, fallback?: number): number => {
    const raw = get(name);
    const value = raw === undefined ? fallback : /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (value === undefined || !Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} = ${JSON.stringify(raw ?? "")} must be an integer from ${min} to ${max}.`);
      return min;
    }
    return value;
  };

  const originProtection = oneOf<OriginProtection>("ANKIFY_ORIGIN_PROTECTION", ["secret-header", "oac"]);
  const originSecrets = [get("ANKIFY_ORIGIN_SECRET"), get("ANKIFY_ORIGIN_SECRET_PREVIOUS")].filter((s): s is string => s !== undefined);
  const originSecretParameters = originProtection === "secret-header" ? loadOriginSecretParameters(get, originSecrets, problems) : undefined;
  const deckBucket = get("ANKIFY_DECK_BUCKET");
  if (!deckBucket) problems.push("ANKIFY_DECK_BUCKET is not set; it names the S3 bucket decks are uploaded to.");
  const deckPrefix = get("ANKIFY_DECK_PREFIX") ?? "decks/";
  if (!deckPrefix.endsWith("/") || deckPrefix.startsWith("/")) problems.push(`ANKIFY_DECK_PREFIX = ${JSON.stringify(deckPrefix)} must be a key prefix like "decks/".`);
  const ttsEngine = oneOf<TtsEngine>("ANKIFY_TTS_ENGINE", ["polly", "espeak"], "polly");
  const speechRegion = get("ANKIFY_SPEECH_REGION");
  if (speechRegion !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(speechRegion)) {
    problems.push(`ANKIFY_SPEECH_REGION = ${JSON.stringify(speechRegion)} must be an AWS region code like eu-west-1.`);
  }
  // The stack checks the value it sets with this same rule (limits.ts), so what it accepts, this accepts.
  const budgetRaw = get("ANKIFY_TIME_BUDGET_SECONDS");
  const timeBudgetSeconds = budgetRaw === undefined ? 120 : /^\d+$/.test(budgetRaw) ? Number(budgetRaw) : NaN;
  const budgetProblem = timeBudgetProblem(timeBudgetSeconds);
  if (budgetProblem) problems.push(`ANKIFY_TIME_BUDGET_SECONDS = ${JSON.stringify(budgetRaw)} ${budgetProblem}.`);
  const invokeMode = oneOf<InvokeMode>("ANKIFY_INVOKE_MODE", INVOKE_MODES, "RESPONSE_STREAM");
  const streamRaw = get("ANKIFY_STREAM_BUDGET_SECONDS");
  const streamBudgetSeconds = streamRaw === undefined || invokeMode === "BUFFERED" ? timeBudgetSeconds : /^\d+$/.test(streamRaw) ? Number(streamRaw) : NaN;
  if (streamRaw !== undefined && invokeMode === "BUFFERED") {
    // The stack never sets both: a budget that cannot apply points at an environment made by hand.
    problems.push(`ANKIFY_STREAM_BUDGET_SECONDS = ${JSON.stringify(streamRaw)} cannot apply with ANKIFY_INVOKE_MODE = "BUFFERED", where nothing streams ` +
      "and every answer must be out within ANKIFY_TIME_BUDGET_SECONDS; unset it.");
  }
  const streamProblem = streamRaw === undefined || invokeMode === "BUFFERED" ? undefined : timeBudgetProblem(streamBudgetSeconds);
  if (streamProblem) problems.push(`ANKIFY_STREAM_BUDGET_SECONDS = ${JSON.stringify(streamRaw)} ${streamProblem}.`);
  const clipCachePrefix = get("ANKIFY_CLIP_CACHE_PREFIX");
  if (clipCachePrefix !== undefined && (!clipCachePrefix.endsWith("/") || clipCachePrefix.startsWith("/") || clipCachePrefix === deckPrefix)) {
    problems.push(`ANKIFY_CLIP_CACHE_PREFIX = ${JSON.stringify(clipCachePrefix)} must be a key prefix like "clips/", other than the decks' (their lifecycle differs).`);
  }
  const noteTimesPrefix = get("ANKIFY_NOTE_TIMES_PREFIX");
  if (noteTimesPrefix !== undefined && (!noteTimesPrefix.endsWith("/") || noteTimesPrefix.startsWith("/") || [deckPrefix, clipCachePrefix].includes(noteTimesPrefix))) {
    problems.push(`ANKIFY_NOTE_TIMES_PREFIX = ${JSON.stringify(noteTimesPrefix)} must be a key prefix like "note-times/", other than the decks' and the clip cache's (their lifecycles differ).`);
  }
  const jobsPrefix = get("ANKIFY_JOBS_PREFIX");
  if (jobsPrefix !== undefined && (!jobsPrefix.endsWith("/") || jobsPrefix.startsWith("/") || [deckPrefix, clipCachePrefix, noteTimesPrefix].includes(jobsPrefix))) {
    problems.push(`ANKIFY_JOBS_PREFIX = ${JSON.stringify(jobsPrefix)} must be a key prefix like "jobs/", other than the decks', the clip cache's and the note times' (their lifecycles differ).`);
  }
  const inlineSeconds = integer("ANKIFY_INLINE_SECONDS", 0, MAX_TIME_BUDGET_SECONDS, DEFAULT_INLINE_SECONDS);
  const maxSpeechCharacters = integer("ANKIFY_MAX_SPEECH_CHARACTERS", MIN_MAX_SPEECH_CHARACTERS, MAX_MAX_SPEECH_CHARACTERS, DEFAULT_MAX_SPEECH_CHARACTERS);
  const linkTtlSeconds = integer("ANKIFY_LINK_TTL_SECONDS", 60, MAX_LINK_TTL_SECONDS, 3600);
  const dailyCharacters = integer("ANKIFY_CLIENT_DAILY_CHARACTERS", 0, MAX_CLIENT_DAILY_CHARACTERS, DEFAULT_CLIENT_DAILY_CHARACTERS);
  if (dailyCharacters > 0 && dailyCharacters < MIN_CLIENT_DAILY_CHARACTERS) {
    problems.push(`ANKIFY_CLIENT_DAILY_CHARACTERS = ${JSON.stringify(get("ANKIFY_CLIENT_DAILY_CHARACTERS"))} must be 0 (no limit) or from ${MIN_CLIENT_DAILY_CHARACTERS} to ${MAX_CLIENT_DAILY_CHARACTERS}.`);
  }
  const concurrency = integer("ANKIFY_CLIENT_CONCURRENCY", 0, MAX_CLIENT_CONCURRENCY, DEFAULT_CLIENT_CONCURRENCY);
  const usageTable = get("ANKIFY_USAGE_TABLE");
  if (usageTable !== undefined && !/^[A-Za-z0-9_.-]{3,255}$/.test(usageTable)) problems.push(`ANKIFY_USAGE_TABLE = ${JSON.stringify(usageTable)} must be a DynamoDB table name (3-255 letters, digits, "_", "-" or ".").`);

  const clientAuth = loadClientAuth(get, oneOf, originProtection, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    originProtection,
    originSecrets: originProtection === "secret-header" && !originSecretParameters ? originSecrets : [],
    ...(originSecretParameters ? { originSecretParameters } : {}),
    deckBucket: deckBucket!,
    deckPrefix,
    ttsEngine,
    ...(speechRegion !== undefined ? { speechRegion } : {}),
    invokeMode,
    timeBudgetSeconds,
    streamBudgetSeconds,
    linkTtlSeconds,
    maxSpeechCharacters,
    ...(clipCachePrefix !== undefined ? { clipCachePrefix } : {}),
    ...(noteTimesPrefix !== undefined ? { noteTimesPrefix } : {}),
    ...(jobsPrefix !== undefined ? { jobsPrefix } : {}),
    inlineSeconds,
    clientAuth,
    fairUse: { dailyCharacters, concurrency },
    ...(usageTable !== undefined ? { usageTable } : {}),
  };
}

/** SSM parameter names (hierarchical, as the stack makes them): "/", then segments of letters, digits and . _ -. */
const SSM_PARAMETER_NAME = /^(\/[A-Za-z0-9_.-]+)+$/;

/**
 * secret-header mode: where the accepted secrets come from. A deployed function gets the SSM
 * parameters' names (ANKIFY_ORIGIN_SECRET_PARAMETER and _PREVIOUS_PARAMETER); the dev server gets the
 * secret itself (ANKIFY_ORIGIN_SECRET and _PREVIOUS). Returns the names, or undefined for the latter.
 */
function loadOriginSecretParameters(
  get: (name: string) => string | undefined,
  direct: readonly string[],
  problems: string[],
): { current: string; previous?: string } | undefined {
  const current = get("ANKIFY_ORIGIN_SECRET_PARAMETER");
  const previous = get("ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER");
  if (current === undefined && previous === undefined) {
    if (direct.length === 0) problems.push("ANKIFY_ORIGIN_SECRET_PARAMETER is not set; secret-header mode needs the SSM parameter that holds the value CloudFront sends in x-origin-verify (or, on the dev server, ANKIFY_ORIGIN_SECRET).");
    else if (direct.some((s) => s.length < 16)) problems.push("ANKIFY_ORIGIN_SECRET and ANKIFY_ORIGIN_SECRET_PREVIOUS must be at least 16 characters.");
    return undefined;
  }
  if (direct.length > 0) {
    problems.push("Set either ANKIFY_ORIGIN_SECRET_PARAMETER (a deployed function: the secret stays in SSM) or ANKIFY_ORIGIN_SECRET (the dev server), not both.");
    return undefined;
  }
  if (current === undefined) {
    problems.push("ANKIFY_ORIGIN_SECRET_PARAMETER is not set; secret-header mode needs the SSM parameter that holds the value CloudFront sends in x-origin-verify (or, on the dev server, ANKIFY_ORIGIN_SECRET).");
    return undefined;
  }
  const names = [["ANKIFY_ORIGIN_SECRET_PARAMETER", current, "current"], ["ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER", previous, "previous"]] as const;
  let valid = true;
  for (const [variable, name, example] of names) {
    if (name !== undefined && !(SSM_PARAMETER_NAME.test(name) && name.length <= 1011)) {
      problems.push(`${variable} = ${JSON.stringify(name)} must be an SSM parameter name like "/ankify/ankify/origin-secret/${example}".`);
      valid = false;
    }
  }
  return valid ? { current, ...(previous !== undefined ? { previous } : {}) } : undefined;
}

function loadClientAuth(
  get: (name: string) => string | undefined,
  oneOf: <T extends string>(name: string, allowed: readonly T[], fallback?: T) => T,
  originProtection: OriginProtection,
  problems: string[],
): ClientAuth {
  const mode = oneOf("ANKIFY_CLIENT_AUTH", ["api-key", "oauth", "none"] as const, "api-key");
  if (mode === "none") return { mode };
  if (mode === "api-key") {
    const keyPath = get("ANKIFY_API_KEY_PATH") ?? "";
    const parts = keyPath.split("/").slice(1);
    if (!keyPath.startsWith("/") || keyPath.endsWith("/") || parts.some((part) => !CLIENT_NAME_PATTERN.test(part))) {
      problems.push(`ANKIFY_API_KEY_PATH = ${JSON.stringify(keyPath)} must be an SSM path like "/ankify/ankify/client-keys" (api-key mode reads the client keys there).`);
    }
    return { mode, keyPath };
  }
  if (originProtection === "oac") problems.push("ANKIFY_CLIENT_AUTH = \"oauth\" cannot work with ANKIFY_ORIGIN_PROTECTION = \"oac\": CloudFront's signature replaces the client's Authorization header.");
  const url = (name: string): URL | undefined => {
    const raw = get(name);
    try {
      const parsed = new URL(raw ?? "");
      if (parsed.protocol === "https:" || (parsed.protocol === "http:" && isLoopback(parsed.href))) return parsed;
    } catch {
      // reported below
    }
    problems.push(`${name} = ${JSON.stringify(raw ?? "")} must be an https URL.`);
    return undefined;
  };
  const resource = url("ANKIFY_PUBLIC_URL");
  const issuerUrl = url("ANKIFY_OAUTH_ISSUER");
  const audience = get("ANKIFY_OAUTH_AUDIENCE");
  const clientIds = get("ANKIFY_OAUTH_CLIENT_IDS")?.split(",").map((id) => id.trim()).filter(Boolean);
  if (!audience && !clientIds?.length) {
    problems.push("Set ANKIFY_OAUTH_AUDIENCE or ANKIFY_OAUTH_CLIENT_IDS: without either, tokens the issuer made for any other application would be accepted.");
  }
  return {
    mode,
    resource: resource ?? new URL("https://invalid.example/mcp"),
    // The issuer identifier exactly as configured: `iss` must equal it character for character.
    issuer: issuerUrl ? get("ANKIFY_OAUTH_ISSUER")! : "",
    ...(audience ? { audience } : {}),
    ...(clientIds?.length ? { clientIds } : {}),
    scope: get("ANKIFY_OAUTH_SCOPE") ?? "decks",
  };
}
