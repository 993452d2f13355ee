/**
 * The app's settings: one typed object, read from `cdktf.json` context (the defaults) and
 * overridden by `ANKIFY_*` environment variables, validated here before any construct exists.
 *
 * Every problem is collected (not just the first) and reported as one line naming where the value
 * came from, the value received and what is allowed, so a single `cdktf synth` shows them all.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  DEFAULT_FUNCTION_TIMEOUT_SECONDS,
  MIN_FUNCTION_TIMEOUT_SECONDS,
  streamBudgetSeconds,
  DEFAULT_MAX_SPEECH_CHARACTERS,
  MAX_MAX_SPEECH_CHARACTERS,
  MIN_MAX_SPEECH_CHARACTERS,
  MIN_TIME_BUDGET_SECONDS,
  DEFAULT_CLIP_CACHE_DAYS,
} from "../lambda/src/limits";

export type OriginProtection = "secret-header" | "oac";
export type Architecture = "arm64" | "x86_64";
export type ClientAuthMode = "api-key" | "oauth" | "none";

export interface Settings {
  /** Public hostname served by CloudFront, e.g. `ankify.example.com`: the zone apex or a name inside it. */
  readonly domain: string;
  /** Name of the public Route 53 hosted zone that holds `domain` (looked up by name, never guessed). */
  readonly zone: string;
  /** AWS region for the function, bucket and image repository. */
  readonly region: string;
  /**
   * Region the function calls Amazon Polly in: one with neural voices (POLLY_NEURAL_REGIONS). The
   * cards' text is sent there. @default the app region, when it has neural voices (else required)
   */
  readonly speechRegion: string;
  /** How the Function URL is kept private to CloudFront. @default "secret-header" */
  readonly originProtection: OriginProtection;
  /**
   * Seconds CloudFront waits for the origin's first byte (and between packets), when set explicitly:
   * 10..900, and the plan fails if it is above the account's CloudFront quota "Response timeout per
   * origin" (L-AECE9FA7). @default unset: the smaller of 120 and that quota, read at plan time
   */
  readonly originReadTimeout?: number;
  /** Optional wall-clock limit for the whole origin response, ≥ functionTimeout. @default unset */
  readonly responseCompletionTimeout?: number;
  /**
   * The function's timeout: a streamed deck may take it all (less a 5 s margin). At least the origin
   * read timeout (checked at plan time when that comes from the quota) and 15, at most 900.
   * @default 300 (or an explicit read timeout, if longer)
   */
  readonly functionTimeout: number;
  /** Seconds CloudFront keeps an idle origin connection open. 1..60. @default 5 */
  readonly originKeepaliveTimeout: number;
  /** CPU architecture of the function and of the image built for it. @default "arm64" */
  readonly architecture: Architecture;
  /** Bump by one to rotate the origin secret (secret-header mode). ≥ 1. @default 1 */
  readonly originSecretVersion: number;
  /**
   * Requests one client IP may send in 5 minutes before WAF answers 429. 10..2,000,000,000, or 0 for no
   * web ACL at all (no WAF rules, no WAF charges). @default 300
   */
  readonly rateLimit: number;
  /** Countries (ISO 3166-1 alpha-2, upper case) allowed to call; the web ACL blocks the rest. Needs rateLimit > 0. @default unset: every country */
  readonly allowedCountries?: readonly string[];
  /**
   * The function's reserved concurrency: the most copies that run at once, so a flood cannot scale
   * Polly spending without bound. 1..900 (the plan fails where the account's quota cannot hold it),
   * "auto" (reserve AUTO_MAX_CONCURRENCY where the quota leaves 100 unreserved, nothing elsewhere),
   * or "none" for no reservation. @default "auto"
   */
  readonly maxConcurrency: number | "auto" | "none";
  /** An address that gets every alarm by e-mail (SNS asks it to confirm first). @default unset: alarms go to the SNS topics only */
  readonly alarmEmail?: string;
  /** A private ECR image (in the app region) to run instead of building `lambda/`. @default unset: build `lambda/` */
  readonly imageUri?: string;
  /** Who may call /mcp: API keys, OAuth access tokens, or anyone ("none", warned about at synth). @default "api-key" */
  readonly clientAuth: ClientAuthMode;
  /** oauth: an external authorization server's issuer (https). @default unset: the stack creates a Cognito user pool */
  readonly oauthIssuer?: string;
  /** oauth with an external issuer: the `aud` its access tokens carry for Ankify. Required with oauthIssuer. */
  readonly oauthAudience?: string;
  /** oauth: the scope a token needs (Cognito: the resource server's scope name). @default "decks" */
  readonly oauthScope: string;
  /** oauth with Cognito: where the login may send a client back (https, http on localhost, or an app scheme). @default Claude's two callbacks */
  readonly oauthCallbackUrls: readonly string[];
  /** Characters one request may send to speech (Polly bills them). 1000..1,000,000. @default 60000 */
  readonly maxSpeechCharacters: number;
  /** Days a cached clip is kept after it was written; 0 turns the clip cache off. 0..3650. @default 90 */
  readonly clipCacheDays: number;
}

/** Claude's OAuth callbacks (claude.ai today; claude.com announced), per Anthropic's connector guide. */
export const DEFAULT_OAUTH_CALLBACK_URLS: readonly string[] = ["https://claude.ai/api/mcp/auth_callback", "https://claude.com/api/mcp/auth_callback"];
export const DEFAULT_OAUTH_SCOPE = "decks";
export const MAX_CLIP_CACHE_DAYS = 3650;

/**
 * The origin read timeout when none is set, if the account's CloudFront quota allows it: CloudFront's
 * documented maximum without an increase. Longer buys little: streamed answers send a byte every 5 s.
 */
export const DEFAULT_ORIGIN_READ_TIMEOUT_CAP = 120;

/** Settings that existed once: naming one is an error that says what replaced it. */
export const RETIRED_SETTINGS: Readonly<Record<string, { readonly env: string; readonly why: string }>> = {
  originTimeoutQuota: {
    env: "ANKIFY_ORIGIN_TIMEOUT_QUOTA",
    why:
      `the stack reads CloudFront's "Response timeout per origin" quota (L-AECE9FA7) at plan time. ` +
      "Remove it; set ANKIFY_ORIGIN_READ_TIMEOUT only to ask for a particular read timeout (the plan stops if the quota does not allow it).",
  },
};
/** Lambda's hard maximum timeout; the function must outlive CloudFront's wait, so nothing may exceed it. */
export const LAMBDA_MAX_TIMEOUT = 900;
/** CloudFront's maximum origin keep-alive timeout without a quota increase. */
export const MAX_ORIGIN_KEEPALIVE_TIMEOUT = 60;
/** AWS WAF's smallest rate-based rule limit (lowered from 100 on 30 Aug 2024) and its largest. */
export const MIN_RATE_LIMIT = 10;
export const MAX_RATE_LIMIT = 2_000_000_000;
/**
 * Lambda keeps at least 100 executions of an account's concurrency unreserved; with the default
 * account limit of 1000, 900 is the most one function can reserve.
 */
export const MAX_RESERVED_CONCURRENCY = 900;
/** What maxConcurrency "auto" reserves, where the account's quota allows it. */
export const AUTO_MAX_CONCURRENCY = 10;

/**
 * ISO 3166-1 alpha-2 codes (all 249 assigned), plus XK (Kosovo, user-assigned), exactly the codes
 * AWS WAF's geo match statement accepts (WAFV2 API `CountryCode`, 2026).
 */
export const COUNTRY_CODES: ReadonlySet<string> = new Set(
  ("AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY " +
    "BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK " +
    "FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR " +
    "IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK " +
    "ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM " +
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF " +
    "TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW").split(" "),
);

/** Codes people reach for that ISO spells differently. */
const COUNTRY_CODE_HINTS: Readonly<Record<string, string>> = { UK: "GB", EL: "GR" };

/**
 * Commercial AWS regions (2026). CloudFront, ACM in us-east-1 and Route 53 alias records are not
 * available the same way in the China and GovCloud partitions, so those are left out on purpose.
 */
export const AWS_REGIONS: readonly string[] = [
  "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
  "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
  "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
  "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
  "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
  "us-west-1", "us-west-2",
];

/**
 * Regions where Amazon Polly has neural voices (create_deck's default engine), commercial partition:
 * Amazon Polly Developer Guide, "Neural voices" → "Feature and region compatibility" (the list as
 * published in 2026, read 2026-11-30). In any other region every neural SynthesizeSpeech call fails.
 */
export const POLLY_NEURAL_REGIONS: readonly string[] = [
  "us-east-1", "us-west-2", "af-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1",
  "ap-southeast-2", "ap-southeast-5", "ca-central-1", "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-2",
];

/** How each setting is named in `cdktf.json` context and in the environment. */
/**
 * cdktf.json's "context": the defaults. `cdktf synth` passes it to the app itself; `node main.ts`, the
 * npm commands and the tests read it here (a light module: no cdktf, no provider).
 */
export function cdktfJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(__dirname, "..", "cdktf.json"), "utf8")) as { context?: Record<string, unknown> }).context ?? {};
}

export const SETTING_SOURCES = {
  domain: "ANKIFY_DOMAIN",
  zone: "ANKIFY_ZONE",
  region: "ANKIFY_REGION",
  speechRegion: "ANKIFY_SPEECH_REGION",
  originProtection: "ANKIFY_ORIGIN_PROTECTION",
  originReadTimeout: "ANKIFY_ORIGIN_READ_TIMEOUT",
  responseCompletionTimeout: "ANKIFY_RESPONSE_COMPLETION_TIMEOUT",
  functionTimeout: "ANKIFY_FUNCTION_TIMEOUT",
  originKeepaliveTimeout: "ANKIFY_ORIGIN_KEEPALIVE_TIMEOUT",
  architecture: "ANKIFY_ARCHITECTURE",
  originSecretVersion: "ANKIFY_ORIGIN_SECRET_VERSION",
  rateLimit: "ANKIFY_RATE_LIMIT",
  allowedCountries: "ANKIFY_ALLOWED_COUNTRIES",
  maxConcurrency: "ANKIFY_MAX_CONCURRENCY",
  alarmEmail: "ANKIFY_ALARM_EMAIL",
  imageUri: "ANKIFY_IMAGE_URI",
  clientAuth: "ANKIFY_CLIENT_AUTH",
  oauthIssuer: "ANKIFY_OAUTH_ISSUER",
  oauthAudience: "ANKIFY_OAUTH_AUDIENCE",
  oauthScope: "ANKIFY_OAUTH_SCOPE",
  oauthCallbackUrls: "ANKIFY_OAUTH_CALLBACK_URLS",
  maxSpeechCharacters: "ANKIFY_MAX_SPEECH_CHARACTERS",
  clipCacheDays: "ANKIFY_CLIP_CACHE_DAYS",
} as const satisfies Record<keyof Settings, string>;

export type SettingKey = keyof typeof SETTING_SOURCES;

/** Thrown when settings are invalid; `problems` holds one self-contained line per problem. */
export class SettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid Ankify settings:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "SettingsError";
  }
}

export interface SettingsInput {
  /** Values from `cdktf.json` context (or a per-environment block of it). */
  readonly context: Readonly<Record<string, unknown>>;
  /** Where `context` lives, for messages, e.g. `cdktf.json context` or `cdktf.json context environments.prod`. */
  readonly contextLabel?: string;
  /** Values `context` falls back to (an environment's top-level defaults), and where they live. */
  readonly defaults?: Readonly<Record<string, unknown>>;
  readonly defaultsLabel?: string;
  /** Environment variables; `ANKIFY_*` ones override context. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Prefix for every message, e.g. `environment "prod": `. */
  readonly messagePrefix?: string;
}

interface RawValue {
  readonly value: unknown;
  /** Where the value came from, e.g. `ANKIFY_DOMAIN` or `cdktf.json context "domain"`. */
  readonly where: string;
}

/** Reads, validates and returns the settings, or throws a SettingsError listing every problem. */
export function loadSettings(input: SettingsInput): Settings {
  const contextLabel = input.contextLabel ?? "cdktf.json context";
  const env = input.env ?? {};
  const problems: string[] = [];

  const raw = (key: SettingKey): RawValue | undefined => {
    const envName = SETTING_SOURCES[key];
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv.trim() !== "") return { value: fromEnv.trim(), where: envName };
    const present = (value: unknown) => value !== undefined && value !== null && value !== "";
    if (present(input.context[key])) return { value: input.context[key], where: `${contextLabel} "${key}"` };
    if (input.defaults && present(input.defaults[key])) {
      return { value: input.defaults[key], where: `${input.defaultsLabel ?? "cdktf.json context"} "${key}"` };
    }
    return undefined;
  };
  const report = (message: string) => problems.push(`${input.messagePrefix ?? ""}${message}`);
  const required = (key: SettingKey): RawValue | undefined => {
    const found = raw(key);
    if (!found) report(`${key} is not set: add "${key}" to ${contextLabel} or set ${SETTING_SOURCES[key]}.`);
    return found;
  };
  const show = (value: unknown) => JSON.stringify(value);

  const text = (key: SettingKey): { value: string; where: string } | undefined => {
    const found = required(key);
    if (!found) return undefined;
    if (typeof found.value !== "string") {
      report(`${found.where} = ${show(found.value)} must be a string.`);
      return undefined;
    }
    return { value: found.value, where: found.where };
  };

  const wholeNumber = (value: unknown): number =>
    typeof value === "number" ? value : typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : NaN;

  const integer = (found: RawValue | undefined, min: number, max: number, why: string, unit = "seconds"): number | undefined => {
    if (!found) return undefined;
    const value = wholeNumber(found.value);
    if (!Number.isInteger(value)) {
      report(`${found.where} = ${show(found.value)} is not a whole number of ${unit}; use an integer from ${min} to ${max}${why}.`);
      return undefined;
    }
    if (value < min || value > max) {
      report(`${found.where} = ${value} is out of range; use an integer from ${min} to ${max}${why}.`);
      return undefined;
    }
    return value;
  };

  const oneOf = <T extends string>(key: SettingKey, allowed: readonly T[]): T | undefined => {
    const found = text(key);
    if (!found) return undefined;
    if (!(allowed as readonly string[]).includes(found.value)) {
      report(`${found.where} = ${show(found.value)} is not allowed; use one of: ${allowed.join(", ")}.`);
      return undefined;
    }
    return found.value as T;
  };

  // Zone first: the domain's rule depends on it.
  const zoneRaw = text("zone");
  let zone: string | undefined;
  if (zoneRaw) {
    const problem = dnsNameProblem(zoneRaw.value);
    if (problem) report(`${zoneRaw.where} = ${show(zoneRaw.value)} is not a valid DNS name: ${problem}.`);
    else zone = zoneRaw.value;
  }

  const domainRaw = text("domain");
  let domain: string | undefined;
  if (domainRaw) {
    const problem = dnsNameProblem(domainRaw.value);
    if (problem) {
      report(`${domainRaw.where} = ${show(domainRaw.value)} is not a valid DNS name: ${problem}.`);
    } else if (zone !== undefined && domainRaw.value !== zone && !domainRaw.value.endsWith(`.${zone}`)) {
      report(
        `${domainRaw.where} = ${show(domainRaw.value)} is not inside the hosted zone ${show(zone)}; ` +
          `use ${show(zone)} itself or a name ending in ".${zone}", or set ${SETTING_SOURCES.zone} to the zone that holds it.`,
      );
    } else {
      domain = domainRaw.value;
    }
  }

  const regionRaw = text("region");
  let region: string | undefined;
  if (regionRaw) {
    if (AWS_REGIONS.includes(regionRaw.value)) region = regionRaw.value;
    else {
      const near = AWS_REGIONS.filter((r) => r.startsWith(regionRaw.value.split("-")[0] ?? "")).slice(0, 6);
      report(
        `${regionRaw.where} = ${show(regionRaw.value)} is not an AWS region code; use one like eu-west-1` +
          (near.length > 0 ? ` (close matches: ${near.join(", ")})` : "") + ".",
      );
    }
  }

  const speechRegionRaw = raw("speechRegion");
  let speechRegion: string | undefined;
  if (speechRegionRaw) {
    if (typeof speechRegionRaw.value === "string" && POLLY_NEURAL_REGIONS.includes(speechRegionRaw.value)) speechRegion = speechRegionRaw.value;
    else report(`${speechRegionRaw.where} = ${show(speechRegionRaw.value)} has no Amazon Polly neural voices; use one of: ${POLLY_NEURAL_REGIONS.join(", ")}.`);
  } else if (region !== undefined) {
    if (POLLY_NEURAL_REGIONS.includes(region)) speechRegion = region;
    else {
      const area = region.split("-")[0]!;
      const near = POLLY_NEURAL_REGIONS.filter((r) => r.startsWith(`${area}-`));
      report(
        `${regionRaw!.where} = ${show(region)} has no Amazon Polly neural voices, so every deck with speech would fail there; ` +
          `set ${SETTING_SOURCES.speechRegion} to a region that has them (the function calls Polly there; the cards' text goes there), ` +
          `e.g. ${(near.length > 0 ? near : ["us-east-1", "us-west-2"]).join(", ")}.`,
      );
    }
  }

  const originProtection = oneOf<OriginProtection>("originProtection", ["secret-header", "oac"]);
  const architecture = oneOf<Architecture>("architecture", ["arm64", "x86_64"]);

  for (const [key, retired] of Object.entries(RETIRED_SETTINGS)) {
    const fromEnv = env[retired.env];
    if (fromEnv !== undefined && fromEnv.trim() !== "") report(`${retired.env} is no longer a setting: ${retired.why}`);
    else if (input.context[key] !== undefined) report(`${contextLabel} "${key}" is no longer a setting: ${retired.why}`);
    else if (input.defaults?.[key] !== undefined) report(`${input.defaultsLabel ?? "cdktf.json context"} "${key}" is no longer a setting: ${retired.why}`);
  }

  // Unset: the smaller of 120 and the account's quota, a Terraform expression (stacks/edge/
  // origin-read-timeout.ts). Set: checked here for range and against the quota at plan time. The
  // function's time budget comes from it; limits.ts holds the budget's floor for both sides.
  const readRaw = raw("originReadTimeout");
  const originReadTimeout = integer(readRaw, MIN_TIME_BUDGET_SECONDS, LAMBDA_MAX_TIMEOUT,
    ` (unset: the smaller of ${DEFAULT_ORIGIN_READ_TIMEOUT_CAP} and CloudFront's "Response timeout per origin" quota, read at plan time; a value above that quota stops the plan)`,
  );
  // Streamed decks may take the function's whole timeout; a JSON answer still needs it to outlast
  // CloudFront's wait for the first byte. When that wait comes from the quota, the plan checks it.
  const functionFloor = Math.max(originReadTimeout ?? MIN_FUNCTION_TIMEOUT_SECONDS, MIN_FUNCTION_TIMEOUT_SECONDS);
  const functionRaw = raw("functionTimeout");
  const functionTimeout = functionRaw
    ? integer(functionRaw, functionFloor, LAMBDA_MAX_TIMEOUT,
        readRaw
          ? ` (at least the origin read timeout and ${MIN_FUNCTION_TIMEOUT_SECONDS} s, at most Lambda's ${LAMBDA_MAX_TIMEOUT} s)`
          : ` (at least ${MIN_FUNCTION_TIMEOUT_SECONDS} s and the origin read timeout, which the plan checks against CloudFront's quota when it is unset; at most Lambda's ${LAMBDA_MAX_TIMEOUT} s)`)
    : Math.max(DEFAULT_FUNCTION_TIMEOUT_SECONDS, functionFloor);
  const completionRaw = raw("responseCompletionTimeout");
  const responseCompletionTimeout = integer(completionRaw, functionTimeout ?? functionFloor, LAMBDA_MAX_TIMEOUT,
    ` (at least the function timeout, or CloudFront would cut off a deck that is still streaming; ` +
      `at most Lambda's ${LAMBDA_MAX_TIMEOUT} s; unset it to have no overall limit)`,
  );
  const originKeepaliveTimeout = integer(required("originKeepaliveTimeout"), 1, MAX_ORIGIN_KEEPALIVE_TIMEOUT, "",
  );
  const versionRaw = required("originSecretVersion");
  const originSecretVersion = integer(versionRaw, 1, 1_000_000, " (bump it by one to rotate the origin secret)");

  // Rate limit first: the country allow-list is a rule of the web ACL it switches on or off.
  const rateRaw = required("rateLimit");
  let rateLimit: number | undefined;
  if (rateRaw) {
    const value = wholeNumber(rateRaw.value);
    const allowed = `use 0 (no web ACL) or an integer from ${MIN_RATE_LIMIT} to ${MAX_RATE_LIMIT}: requests per client IP in 5 minutes`;
    if (!Number.isInteger(value)) report(`${rateRaw.where} = ${show(rateRaw.value)} is not a whole number of requests; ${allowed}.`);
    else if (value !== 0 && (value < MIN_RATE_LIMIT || value > MAX_RATE_LIMIT)) {
      report(`${rateRaw.where} = ${value} is out of range; ${allowed}${value > 0 && value < MIN_RATE_LIMIT ? ` (AWS WAF's smallest limit is ${MIN_RATE_LIMIT})` : ""}.`);
    } else rateLimit = value;
  }

  const countriesRaw = raw("allowedCountries");
  let allowedCountries: string[] | undefined;
  if (countriesRaw) {
    const codes = countryList(countriesRaw.value);
    if (!codes) {
      report(`${countriesRaw.where} = ${show(countriesRaw.value)} must be comma-separated country codes like "DE,AT,CH" (or a JSON array of them).`);
    } else {
      const bad = codes.map((code) => [code, countryCodeProblem(code)] as const).filter(([, problem]) => problem !== undefined);
      const repeated = codes.filter((code, i) => codes.indexOf(code) !== i);
      if (codes.length === 0) {
        report(`${countriesRaw.where} = ${show(countriesRaw.value)} names no country; list ISO 3166-1 alpha-2 codes like "DE,AT,CH", or unset it to allow every country.`);
      } else if (bad.length > 0) {
        report(
          `${countriesRaw.where} = ${show(countriesRaw.value)} has codes that are not ISO 3166-1 alpha-2 country codes: ` +
            `${bad.map(([code, problem]) => `${show(code)} (${problem})`).join(", ")}; use upper-case codes like "DE,AT,CH".`,
        );
      } else if (repeated.length > 0) {
        report(`${countriesRaw.where} = ${show(countriesRaw.value)} names ${[...new Set(repeated)].map(show).join(", ")} more than once; name each country once.`);
      } else if (rateLimit === 0) {
        report(
          `${countriesRaw.where} = ${show(countriesRaw.value)} needs the web ACL, which ${rateRaw!.where} = 0 turns off; ` +
            `set ${SETTING_SOURCES.rateLimit} to ${MIN_RATE_LIMIT} or more (the default is 300), or unset ${SETTING_SOURCES.allowedCountries} to allow every country.`,
        );
      } else {
        allowedCountries = codes;
      }
    }
  }

  const concurrencyRaw = raw("maxConcurrency");
  let maxConcurrency: number | "auto" | "none" | undefined = concurrencyRaw ? undefined : "auto";
  if (concurrencyRaw) {
    const allowed = `use an integer from 1 to ${MAX_RESERVED_CONCURRENCY}, "auto" (reserve ${AUTO_MAX_CONCURRENCY} where the account quota allows it) or "none" for no reservation`;
    const value = wholeNumber(concurrencyRaw.value);
    if (concurrencyRaw.value === "none" || concurrencyRaw.value === "auto") maxConcurrency = concurrencyRaw.value;
    else if (!Number.isInteger(value)) report(`${concurrencyRaw.where} = ${show(concurrencyRaw.value)} is not a whole number of executions; ${allowed}.`);
    else if (value === 0) {
      report(`${concurrencyRaw.where} = 0 would reserve no executions at all, so Lambda would throttle every request; ${allowed}.`);
    } else if (value < 0 || value > MAX_RESERVED_CONCURRENCY) {
      report(
        `${concurrencyRaw.where} = ${value} is out of range; ${allowed} ` +
          `(Lambda keeps 100 of an account's executions unreserved, so a default account of 1000 can reserve at most ${MAX_RESERVED_CONCURRENCY}).`,
      );
    } else maxConcurrency = value;
  }

  const emailRaw = raw("alarmEmail");
  let alarmEmail: string | undefined;
  if (emailRaw) {
    const problem = typeof emailRaw.value === "string" ? emailProblem(emailRaw.value) : "must be a string";
    if (problem) report(`${emailRaw.where} = ${show(emailRaw.value)} is not an e-mail address: ${problem}; use one like ops@example.com.`);
    else alarmEmail = emailRaw.value as string;
  }

  const imageRaw = raw("imageUri");
  let imageUri: string | undefined;
  if (imageRaw) {
    const parsed = typeof imageRaw.value === "string" ? parseEcrImageUri(imageRaw.value) : { problem: "must be a string" };
    if ("problem" in parsed) {
      report(
        `${imageRaw.where} = ${show(imageRaw.value)} is not a private ECR image URI: ${parsed.problem}; ` +
          "use <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> or …/<repository>@sha256:<64 hex digits>.",
      );
    } else if (!AWS_REGIONS.includes(parsed.region)) {
      report(`${imageRaw.where} = ${show(imageRaw.value)} names region "${parsed.region}", which is not an AWS region code.`);
    } else if (region !== undefined && parsed.region !== region) {
      report(
        `${imageRaw.where} = ${show(imageRaw.value)} is in ${parsed.region}, but the function runs in ${region} (${regionRaw!.where}); ` +
          `Lambda only pulls images from ECR in its own region: push or replicate the image to ${region}, or run the app in ${parsed.region}.`,
      );
    } else imageUri = imageRaw.value as string;
  }

  const speechRaw = raw("maxSpeechCharacters");
  const maxSpeechCharacters = speechRaw
    ? integer(speechRaw, MIN_MAX_SPEECH_CHARACTERS, MAX_MAX_SPEECH_CHARACTERS, " characters per request (neural voices cost $16 per million)", "characters")
    : DEFAULT_MAX_SPEECH_CHARACTERS;
  const clipRaw = raw("clipCacheDays");
  const clipCacheDays = clipRaw
    ? integer(clipRaw, 0, MAX_CLIP_CACHE_DAYS, " (0 turns the clip cache off)", "days")
    : DEFAULT_CLIP_CACHE_DAYS;
  const clientAuth = oneOf<ClientAuthMode>("clientAuth", ["api-key", "oauth", "none"]);
  const oauth = readOAuthSettings(raw, report, clientAuth, originProtection);

  if (problems.length > 0) throw new SettingsError(problems);
  return {
    domain: domain!,
    zone: zone!,
    region: region!,
    speechRegion: speechRegion!,
    originProtection: originProtection!,
    ...(originReadTimeout !== undefined ? { originReadTimeout } : {}),
    ...(responseCompletionTimeout !== undefined ? { responseCompletionTimeout } : {}),
    functionTimeout: functionTimeout!,
    originKeepaliveTimeout: originKeepaliveTimeout!,
    architecture: architecture!,
    originSecretVersion: originSecretVersion!,
    rateLimit: rateLimit!,
    ...(allowedCountries ? { allowedCountries } : {}),
    maxConcurrency: maxConcurrency!,
    ...(alarmEmail !== undefined ? { alarmEmail } : {}),
    ...(imageUri !== undefined ? { imageUri } : {}),
    clientAuth: clientAuth!,
    ...oauth,
    maxSpeechCharacters: maxSpeechCharacters!,
    clipCacheDays: clipCacheDays!,
  };
}

/** The oauth* settings: checked against the mode they belong to, so none is set and silently ignored. */
function readOAuthSettings(
  raw: (key: SettingKey) => RawValue | undefined,
  report: (message: string) => void,
  clientAuth: ClientAuthMode | undefined,
  originProtection: OriginProtection | undefined,
): Pick<Settings, "oauthIssuer" | "oauthAudience" | "oauthScope" | "oauthCallbackUrls"> {
  const show = (value: unknown) => JSON.stringify(value);
  const issuerRaw = raw("oauthIssuer");
  const audienceRaw = raw("oauthAudience");
  const scopeRaw = raw("oauthScope");
  const callbacksRaw = raw("oauthCallbackUrls");
  const result = { oauthScope: DEFAULT_OAUTH_SCOPE, oauthCallbackUrls: DEFAULT_OAUTH_CALLBACK_URLS } as {
    oauthIssuer?: string; oauthAudience?: string; oauthScope: string; oauthCallbackUrls: readonly string[];
  };
  if (clientAuth !== "oauth") {
    for (const found of [issuerRaw, audienceRaw, scopeRaw, callbacksRaw]) {
      if (found) report(`${found.where} = ${show(found.value)} is only used with ${SETTING_SOURCES.clientAuth} = "oauth"; remove it or switch to oauth.`);
    }
    return result;
  }
  if (originProtection === "oac") {
    report(
      `${SETTING_SOURCES.clientAuth} = "oauth" cannot work with ${SETTING_SOURCES.originProtection} = "oac": CloudFront's SigV4 signature ` +
        `replaces the client's Authorization header, so no bearer token reaches the function. Use secret-header with oauth, or api-key (sent as x-api-key) with oac.`,
    );
  }
  if (issuerRaw) {
    const problem = typeof issuerRaw.value === "string" ? httpsUrlProblem(issuerRaw.value) : "must be a string";
    if (problem) report(`${issuerRaw.where} = ${show(issuerRaw.value)} is not an issuer URL: ${problem}; use the exact "iss" of its tokens, e.g. https://example.eu.auth0.com/.`);
    else result.oauthIssuer = issuerRaw.value as string;
    if (!audienceRaw) {
      report(`${SETTING_SOURCES.oauthAudience} is not set: with an external issuer, set the audience its tokens carry for Ankify (often https://<domain>/mcp), or tokens for any of its applications would be accepted.`);
    }
    if (callbacksRaw) report(`${callbacksRaw.where} is only used with the Cognito user pool; your issuer ${show(issuerRaw.value)} keeps its own list of redirect URIs.`);
  } else if (audienceRaw) {
    report(`${audienceRaw.where} = ${show(audienceRaw.value)} needs ${SETTING_SOURCES.oauthIssuer}: without one the stack's Cognito pool issues the tokens, and Cognito access tokens carry the app client's id instead of an audience.`);
  }
  if (audienceRaw) {
    if (typeof audienceRaw.value === "string" && audienceRaw.value.trim() !== "") result.oauthAudience = audienceRaw.value.trim();
    else report(`${audienceRaw.where} = ${show(audienceRaw.value)} must be a non-empty string.`);
  }
  if (scopeRaw) {
    // RFC 6749 scope-token, and Cognito's scope-name characters.
    if (typeof scopeRaw.value === "string" && /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/.test(scopeRaw.value)) result.oauthScope = scopeRaw.value;
    else report(`${scopeRaw.where} = ${show(scopeRaw.value)} is not an OAuth scope: use printable characters without spaces, quotes or backslashes, e.g. "decks".`);
  }
  if (callbacksRaw && !issuerRaw) {
    const urls = typeof callbacksRaw.value === "string" ? callbacksRaw.value.split(",").map((u) => u.trim()).filter(Boolean)
      : Array.isArray(callbacksRaw.value) ? callbacksRaw.value.map(String) : [];
    const bad = urls.map((url) => [url, callbackUrlProblem(url)] as const).filter(([, problem]) => problem);
    for (const [url, problem] of bad) report(`${callbacksRaw.where} has ${show(url)}: ${problem}.`);
    if (urls.length === 0) report(`${callbacksRaw.where} = ${show(callbacksRaw.value)} lists no URL; give a comma-separated list, or unset it for Claude's callbacks.`);
    else if (bad.length === 0) result.oauthCallbackUrls = urls;
  }
  return result;
}

/** Why `value` is not an https URL without a query or fragment, or undefined. */
export function httpsUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "not a URL";
  }
  if (url.protocol !== "https:") return "must start with https://";
  if (url.search || url.hash) return "must not have a query or fragment";
  return undefined;
}

/** Cognito's rules for a callback URL: https, http only on localhost, or an app's own scheme; no fragment. */
export function callbackUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "not a URL";
  }
  if (url.hash) return "a callback URL may not have a fragment";
  if (url.protocol === "http:" && url.hostname !== "localhost" && url.hostname !== "127.0.0.1") return "Cognito allows http only for localhost; use https";
  return undefined;
}

/** A country list from an environment variable ("DE, AT") or cdktf.json (the same string, or an array); undefined when it is neither. */
function countryList(value: unknown): string[] | undefined {
  if (typeof value === "string") return value.split(",").map((code) => code.trim()).filter((code) => code !== "");
  if (Array.isArray(value) && value.every((code) => typeof code === "string")) return value.map((code: string) => code.trim());
  return undefined;
}

/** Why `code` is not a country code WAF accepts, or undefined when it is. */
export function countryCodeProblem(code: string): string | undefined {
  if (COUNTRY_CODES.has(code)) return undefined;
  if (COUNTRY_CODES.has(code.toUpperCase())) return `use upper case: "${code.toUpperCase()}"`;
  const hint = COUNTRY_CODE_HINTS[code.toUpperCase()];
  if (hint) return `ISO spells it "${hint}"`;
  return /^[A-Za-z]{2}$/.test(code) ? "no such country" : "two letters expected";
}

/** Why `address` is not a plain e-mail address SNS can deliver to, or undefined when it is. */
export function emailProblem(address: string): string | undefined {
  if (/\s/.test(address)) return "it contains white space";
  const at = address.lastIndexOf("@");
  if (at <= 0 || at === address.length - 1) return "it needs a name, an @ and a domain";
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (address.length > 254) return "it is longer than 254 characters";
  if (local.length > 64) return "the part before @ is longer than 64 characters";
  if (!/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/.test(local)) return `"${local}" is not a valid name before the @`;
  const labels = domain.split(".");
  if (labels.length < 2 || labels.some((label) => !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label)) || !/^[A-Za-z]{2,}$/.test(labels[labels.length - 1]!)) {
    return `"${domain}" is not a domain name`;
  }
  return undefined;
}

export interface EcrImageUri {
  readonly account: string;
  readonly region: string;
  readonly repository: string;
  /** `:tag` or `@sha256:…`. */
  readonly reference: string;
}

/** Splits a private ECR image URI, or says why it isn't one. */
export function parseEcrImageUri(uri: string): EcrImageUri | { readonly problem: string } {
  if (/^(public\.ecr\.aws|docker\.io|ghcr\.io|quay\.io)\//.test(uri) || !uri.includes(".")) {
    return { problem: "Lambda runs images only from private ECR repositories (not public.ecr.aws, Docker Hub or other registries); copy the image into ECR" };
  }
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([^:@]+)(.*)$/.exec(uri);
  if (!match) return { problem: "the registry must be <12-digit account>.dkr.ecr.<region>.amazonaws.com" };
  const [, account, region, repository, reference] = match as unknown as [string, string, string, string, string];
  // ECR repository names: 2-256 characters, lower-case path components joined by "/".
  if (repository.length < 2 || repository.length > 256 || !/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(repository)) {
    return { problem: `"${repository}" is not an ECR repository name (lower-case letters, digits, ".", "_", "-" and "/")` };
  }
  if (reference === "") return { problem: "name a tag (:v1) or a digest (@sha256:…) so the function runs a known image" };
  if (!/^(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})$/.test(reference)) {
    return { problem: `"${reference}" is neither a tag (:v1, up to 128 letters, digits, "_", "." and "-") nor a digest (@sha256: and 64 lower-case hex digits)` };
  }
  return { account, region, repository, reference };
}

/** Why `name` is not a usable public DNS name (RFC 1035 letters-digits-hyphen), or undefined when it is. */
export function dnsNameProblem(name: string): string | undefined {
  if (name.endsWith(".")) return "drop the trailing dot";
  if (name !== name.toLowerCase()) return "use lower case";
  if (name.includes("*")) return "wildcards are not supported, name one host";
  if (name.length > 253) return "longer than 253 characters";
  const labels = name.split(".");
  if (labels.length < 2) return "needs at least two labels, like example.com";
  for (const label of labels) {
    if (label.length === 0) return "has an empty label (two dots in a row?)";
    if (label.length > 63) return `label "${label.slice(0, 20)}…" is longer than 63 characters`;
    if (!/^[a-z0-9-]+$/.test(label)) return `label "${label}" may contain only a-z, 0-9 and hyphens`;
    if (label.startsWith("-") || label.endsWith("-")) return `label "${label}" may not start or end with a hyphen`;
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) return "the top-level label cannot be all digits";
  return undefined;
}

/** The function's timeout: no shorter than any CloudFront wait (the settings rules see to that). */
export function functionTimeoutSeconds(settings: Settings): number {
  return settings.functionTimeout;
}

/**
 * How long a deck answered in one piece (JSON, for clients that do not read streams) may take: its
 * first byte is its last, so CloudFront's read timeout bounds it. Undefined when the read timeout
 * comes from CloudFront's quota at plan time (the stack passes that expression instead).
 */
export function requestBudgetSeconds(settings: Settings): number | undefined {
  return settings.originReadTimeout;
}

/**
 * How long a streamed deck may take: bytes flow every few seconds, so only the function's timeout
 * bounds it, less a margin for the tool error to go out.
 */
export function deckStreamBudgetSeconds(settings: Settings): number {
  return streamBudgetSeconds(settings.functionTimeout);
}
