/**
 * The app's settings: one typed object, read from `cdktf.json` context (the defaults) and
 * overridden by `ANKIFY_*` environment variables, validated here before any construct exists.
 *
 * Every problem is collected (not just the first) and reported as one line naming where the value
 * came from, the value received and what is allowed, so a single `cdktf synth` shows them all.
 */

export type OriginProtection = "secret-header" | "oac";
export type Architecture = "arm64" | "x86_64";

export interface Settings {
  /** Public hostname served by CloudFront, e.g. `ankify.example.com`: the zone apex or a name inside it. */
  readonly domain: string;
  /** Name of the public Route 53 hosted zone that holds `domain` (looked up by name, never guessed). */
  readonly zone: string;
  /** AWS region for the function, bucket and image repository. */
  readonly region: string;
  /** How the Function URL is kept private to CloudFront. @default "secret-header" */
  readonly originProtection: OriginProtection;
  /** Seconds CloudFront waits for the origin's first byte (and between packets). 1..originTimeoutQuota. @default 120 */
  readonly originReadTimeout: number;
  /** The account's "Response timeout per origin" quota in seconds. @default 120 */
  readonly originTimeoutQuota: number;
  /** Optional wall-clock limit for the whole origin response, ≥ originReadTimeout. @default unset */
  readonly responseCompletionTimeout?: number;
  /** Seconds CloudFront keeps an idle origin connection open. 1..60. @default 5 */
  readonly originKeepaliveTimeout: number;
  /** CPU architecture of the function and of the image built for it. @default "arm64" */
  readonly architecture: Architecture;
  /** Bump by one to rotate the origin secret (secret-header mode). ≥ 1. @default 1 */
  readonly originSecretVersion: number;
}

/** CloudFront lets anyone set the origin read timeout up to this without a quota increase. */
export const DEFAULT_ORIGIN_TIMEOUT_QUOTA = 120;
/** Lambda's hard maximum timeout; the function must outlive CloudFront's wait, so nothing may exceed it. */
export const LAMBDA_MAX_TIMEOUT = 900;
/** CloudFront's maximum origin keep-alive timeout without a quota increase. */
export const MAX_ORIGIN_KEEPALIVE_TIMEOUT = 60;

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

/** How each setting is named in `cdktf.json` context and in the environment. */
export const SETTING_SOURCES = {
  domain: "ANKIFY_DOMAIN",
  zone: "ANKIFY_ZONE",
  region: "ANKIFY_REGION",
  originProtection: "ANKIFY_ORIGIN_PROTECTION",
  originReadTimeout: "ANKIFY_ORIGIN_READ_TIMEOUT",
  originTimeoutQuota: "ANKIFY_ORIGIN_TIMEOUT_QUOTA",
  responseCompletionTimeout: "ANKIFY_RESPONSE_COMPLETION_TIMEOUT",
  originKeepaliveTimeout: "ANKIFY_ORIGIN_KEEPALIVE_TIMEOUT",
  architecture: "ANKIFY_ARCHITECTURE",
  originSecretVersion: "ANKIFY_ORIGIN_SECRET_VERSION",
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

  const integer = (found: RawValue | undefined, min: number, max: number, why: string): number | undefined => {
    if (!found) return undefined;
    const value = typeof found.value === "number" ? found.value : typeof found.value === "string" && /^-?\d+$/.test(found.value) ? Number(found.value) : NaN;
    if (!Number.isInteger(value)) {
      report(`${found.where} = ${show(found.value)} is not a whole number of seconds; use an integer from ${min} to ${max}${why}.`);
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

  const originProtection = oneOf<OriginProtection>("originProtection", ["secret-header", "oac"]);
  const architecture = oneOf<Architecture>("architecture", ["arm64", "x86_64"]);

  const originTimeoutQuota = integer(required("originTimeoutQuota"), DEFAULT_ORIGIN_TIMEOUT_QUOTA, 86_400,
    ` (${DEFAULT_ORIGIN_TIMEOUT_QUOTA} needs no approval; set more only after Service Quotas approved "Response timeout per origin")`,
  );
  const readCeiling = Math.min(originTimeoutQuota ?? DEFAULT_ORIGIN_TIMEOUT_QUOTA, LAMBDA_MAX_TIMEOUT);
  const originReadTimeout = integer(required("originReadTimeout"), 1, readCeiling,
    originTimeoutQuota !== undefined && originTimeoutQuota < LAMBDA_MAX_TIMEOUT
      ? ` (the ceiling is ${SETTING_SOURCES.originTimeoutQuota}; raise that only after AWS approved a quota increase)`
      : ` (Lambda cannot run longer than ${LAMBDA_MAX_TIMEOUT} s)`,
  );
  const completionRaw = raw("responseCompletionTimeout");
  const responseCompletionTimeout = integer(completionRaw, originReadTimeout ?? 1, LAMBDA_MAX_TIMEOUT,
    ` (at least the origin read timeout, at most Lambda's ${LAMBDA_MAX_TIMEOUT} s; unset it to have no overall limit)`,
  );
  const originKeepaliveTimeout = integer(required("originKeepaliveTimeout"), 1, MAX_ORIGIN_KEEPALIVE_TIMEOUT, "",
  );
  const versionRaw = required("originSecretVersion");
  const originSecretVersion = integer(versionRaw, 1, 1_000_000, " (bump it by one to rotate the origin secret)");

  if (problems.length > 0) throw new SettingsError(problems);
  return {
    domain: domain!,
    zone: zone!,
    region: region!,
    originProtection: originProtection!,
    originReadTimeout: originReadTimeout!,
    originTimeoutQuota: originTimeoutQuota!,
    ...(responseCompletionTimeout !== undefined ? { responseCompletionTimeout } : {}),
    originKeepaliveTimeout: originKeepaliveTimeout!,
    architecture: architecture!,
    originSecretVersion: originSecretVersion!,
  };
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

/**
 * The function's timeout: at least every CloudFront wait, so Lambda never kills a request that
 * CloudFront is still waiting for.
 */
export function functionTimeoutSeconds(settings: Settings): number {
  return Math.max(settings.originReadTimeout, settings.responseCompletionTimeout ?? 0);
}

/**
 * How long the function may work on one request. The function answers buffered (one response at the
 * end), so its first byte is also its last: the origin read timeout bounds the whole request even
 * when a longer response completion timeout is set.
 */
export function requestBudgetSeconds(settings: Settings): number {
  return settings.originReadTimeout;
}
