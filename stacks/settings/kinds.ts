/**
 * Kinds of setting values: how a value is read from the environment (always a string) or cdktf.json
 * (any JSON), the one-line message when it is wrong, and what is allowed, said once for both the
 * messages and the docs. A kind judges one value; rules between settings live in rules.ts.
 */
import {
  AWS_REGIONS, POLLY_NEURAL_REGIONS, bucketNameProblem, callbackUrlProblem, checkRegion, countryCodeProblem, dnsNameProblem, emailProblem, httpsUrlProblem, parseEcrImageUri,
} from "./validators";

/** A value as given, and where: `ANKIFY_DOMAIN` or `cdktf.json context "domain"`. */
export interface Found {
  readonly value: unknown;
  readonly where: string;
}

/** The other settings, for ranges, defaults and rules that depend on them. */
export interface Known {
  /** A setting's value once read: what was given, or its default; undefined when unset or invalid. */
  value(key: string): unknown;
  /** What was given for a setting, or undefined when it was not. */
  found(key: string): Found | undefined;
  /** A setting's environment variable, which messages name so the reader knows what to set. */
  env(key: string): string;
}

/** A value, or what is wrong with it: one line per problem (usually one). */
/** For a kind read on its own, with no other settings around (e.g. an environment's "protected"). */
export const NOTHING_KNOWN: Known = { value: () => undefined, found: () => undefined, env: (key) => key };

export type Outcome<T> = { readonly value: T } | { readonly problems: readonly string[] };

export interface Kind<T> {
  read(found: Found, known: Known): Outcome<T>;
  /** What is allowed, in Markdown (the README's column; help drops the Markdown). */
  readonly allowed: string;
}

export const show = (value: unknown): string => JSON.stringify(value);
/** `where = value`, the start of most messages. */
export const at = (found: Found): string => `${found.where} = ${show(found.value)}`;
const wrong = (...problems: string[]): { problems: readonly string[] } => ({ problems });
const orList = (items: readonly string[]) => items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
const code = (text: string | number) => `\`${text}\``;

/** A range's end: a number, or one that follows other settings (`doc` says which, for the docs). */
export type Bound = number | { readonly doc: string; readonly of: (known: Known) => number };
const boundOf = (bound: Bound, known: Known) => (typeof bound === "number" ? bound : bound.of(known));
const boundDoc = (bound: Bound) => (typeof bound === "number" ? bound.toLocaleString("en-US") : bound.doc);

export interface IntegerSpec<W extends string> {
  readonly min: Bound;
  readonly max: Bound;
  /** What is counted: "not a whole number of <unit>". */
  readonly unit?: string;
  /** Said after the range in messages: why the range is what it is. */
  readonly why?: string | ((known: Known) => string);
  /** A value outside the range that means something, e.g. 0 = no web ACL. */
  readonly off?: { readonly value: number; readonly meaning: string };
  /** Words taken instead of a number, e.g. "none" = no reservation. */
  readonly words?: ReadonlyArray<{ readonly word: W; readonly meaning: string }>;
  /** A value refused with its own reason (said before the range), e.g. 0 executions. */
  readonly refuse?: { readonly value: number; readonly because: string };
  /** Said after the range when a value is out of it. */
  readonly rangeNote?: (value: number, min: number) => string;
}

/** An integer (a JSON number, or digits in a string) within a range, or a word that stands for none. */
export function integer<const W extends string>(spec: IntegerSpec<W> & { readonly words: ReadonlyArray<{ readonly word: W; readonly meaning: string }> }): Kind<number | W>;
export function integer(spec: IntegerSpec<never>): Kind<number>;
export function integer<W extends string>(spec: IntegerSpec<W>): Kind<number | W> {
  const use = (known: Known) => {
    const why = typeof spec.why === "function" ? spec.why(known) : (spec.why ?? "");
    return `use ${spec.off ? `${spec.off.value} (${spec.off.meaning}) or ` : ""}an integer from ${boundOf(spec.min, known)} to ${boundOf(spec.max, known)}` +
      `${spec.words ? `, ${spec.words.length === 1 ? "or " : ""}${orList(spec.words.map((w) => `"${w.word}" ${w.meaning}`))}` : ""}${why}`;
  };
  return {
    read(found, known) {
      const word = spec.words?.find((w) => w.word === found.value);
      if (word) return { value: word.word };
      const value = typeof found.value === "number" ? found.value : typeof found.value === "string" && /^-?\d+$/.test(found.value) ? Number(found.value) : NaN;
      if (!Number.isInteger(value)) return wrong(`${at(found)} is not a whole number${spec.unit ? ` of ${spec.unit}` : ""}; ${use(known)}.`);
      if (spec.off && value === spec.off.value) return { value };
      if (spec.refuse && value === spec.refuse.value) return wrong(`${found.where} = ${value} ${spec.refuse.because}; ${use(known)}.`);
      const min = boundOf(spec.min, known);
      if (value < min || value > boundOf(spec.max, known)) return wrong(`${found.where} = ${value} is out of range; ${use(known)}${spec.rangeNote?.(value, min) ?? ""}.`);
      return { value };
    },
    allowed: `${boundDoc(spec.min)}..${boundDoc(spec.max)}${spec.unit ? ` ${spec.unit}` : ""}` +
      (spec.off ? `, or ${code(spec.off.value)} for ${spec.off.meaning}` : "") + (spec.words ? `, or ${orList(spec.words.map((w) => `${code(w.word)} ${w.meaning}`))}` : ""),
  };
}

/** A string, checked by `problem`; anything else is refused as "must be a string". */
function text<T extends string = string>(allowed: string, check: (value: string, found: Found, known: Known) => string | undefined): Kind<T> {
  return {
    read(found, known) {
      if (typeof found.value !== "string") return wrong(`${at(found)} must be a string.`);
      const problem = check(found.value, found, known);
      return problem ? wrong(problem) : { value: found.value as T };
    },
    allowed,
  };
}

/** One of a few words. */
export function choice<const T extends string>(values: readonly T[]): Kind<T> {
  return text<T>(orList(values.map(code)), (value, found) =>
    (values as readonly string[]).includes(value) ? undefined : `${at(found)} is not allowed; use one of: ${values.join(", ")}.`);
}

export const dnsName = (): Kind<string> =>
  text("a lower-case DNS name (no trailing dot, no wildcard)", (value, found) => {
    const problem = dnsNameProblem(value);
    return problem && `${at(found)} is not a valid DNS name: ${problem}.`;
  });

/** A commercial AWS region code; `notACode` replaces the usual fix when the value is no region at all. */
export const region = (notACode?: string): Kind<string> =>
  text("a commercial AWS region code, e.g. `eu-west-1` (not China, GovCloud or other partitions)", (value, found) => {
    const check = checkRegion(value);
    if (check.ok) return undefined;
    if ("lowerCase" in check) return `${at(found)} is not an AWS region code: use lower case, "${check.lowerCase}".`;
    if ("unsupported" in check) return `${at(found)} is not supported: ${check.unsupported}; use a commercial region like eu-west-1.`;
    const near = check.near.length > 0 ? ` (close matches: ${check.near.join(", ")})` : "";
    return `${at(found)} is not an AWS region code; ${notACode ?? `use one like eu-west-1${near}`}.`;
  });

/** A region where Amazon Polly has neural voices (create_deck's default engine). */
export const neuralRegion = (): Kind<string> => ({
  read(found) {
    return typeof found.value === "string" && POLLY_NEURAL_REGIONS.includes(found.value) ? { value: found.value }
      : wrong(`${at(found)} has no Amazon Polly neural voices; use one of: ${POLLY_NEURAL_REGIONS.join(", ")}.`);
  },
  allowed: "a region where Amazon Polly has neural voices, e.g. `eu-west-1`, `us-east-1`",
});

export const email = (): Kind<string> => ({
  read(found) {
    const problem = typeof found.value === "string" ? emailProblem(found.value) : "must be a string";
    return problem ? wrong(`${at(found)} is not an e-mail address: ${problem}; use one like ops@example.com.`) : { value: found.value as string };
  },
  allowed: "one e-mail address",
});

export const ecrImage = (): Kind<string> => ({
  read(found) {
    const parsed = typeof found.value === "string" ? parseEcrImageUri(found.value) : { problem: "must be a string" };
    if ("problem" in parsed) {
      return wrong(`${at(found)} is not a private ECR image URI: ${parsed.problem}; ` +
        "use <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> or …/<repository>@sha256:<64 hex digits>.");
    }
    if (!AWS_REGIONS.includes(parsed.region)) return wrong(`${at(found)} names region "${parsed.region}", which is not an AWS region code.`);
    return { value: found.value as string };
  },
  allowed: "a private ECR image in the app region: `<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>` or `…@sha256:<digest>`",
});

/** ISO 3166-1 alpha-2 codes: "DE, AT" from the environment, the same or a JSON array in cdktf.json. */
export const countries = (): Kind<readonly string[]> => ({
  read(found) {
    const codes = typeof found.value === "string" ? found.value.split(",").map((c) => c.trim()).filter((c) => c !== "")
      : Array.isArray(found.value) && found.value.every((c) => typeof c === "string") ? found.value.map((c: string) => c.trim()) : undefined;
    if (!codes) return wrong(`${at(found)} must be comma-separated country codes like "DE,AT,CH" (or a JSON array of them).`);
    const shown = at(found);
    if (codes.length === 0) return wrong(`${shown} names no country; list ISO 3166-1 alpha-2 codes like "DE,AT,CH", or unset it to allow every country.`);
    const bad = codes.map((c) => [c, countryCodeProblem(c)] as const).filter(([, problem]) => problem !== undefined);
    if (bad.length > 0) {
      return wrong(`${shown} has codes that are not ISO 3166-1 alpha-2 country codes: ` +
        `${bad.map(([c, problem]) => `${show(c)} (${problem})`).join(", ")}; use upper-case codes like "DE,AT,CH".`);
    }
    const repeated = [...new Set(codes.filter((c, i) => codes.indexOf(c) !== i))];
    if (repeated.length > 0) return wrong(`${shown} names ${repeated.map(show).join(", ")} more than once; name each country once.`);
    return { value: codes };
  },
  allowed: "upper-case ISO 3166-1 alpha-2 codes, comma-separated (`DE,AT,CH`; a JSON array in `cdktf.json`)",
});

export const issuerUrl = (): Kind<string> => ({
  read(found) {
    const problem = typeof found.value === "string" ? httpsUrlProblem(found.value) : "must be a string";
    return problem ? wrong(`${at(found)} is not an issuer URL: ${problem}; use the exact "iss" of its tokens, e.g. https://example.eu.auth0.com/.`) : { value: found.value as string };
  },
  allowed: "an `https://` URL, exactly its tokens' `iss`",
});

export const nonEmpty = (allowed: string): Kind<string> => ({
  read(found) {
    return typeof found.value === "string" && found.value.trim() !== "" ? { value: found.value.trim() } : wrong(`${at(found)} must be a non-empty string.`);
  },
  allowed,
});

/** An RFC 6749 scope-token, within Cognito's scope-name characters. */
export const oauthScope = (): Kind<string> => ({
  read(found) {
    return typeof found.value === "string" && /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/.test(found.value) ? { value: found.value }
      : wrong(`${at(found)} is not an OAuth scope: use printable characters without spaces, quotes or backslashes, e.g. "decks".`);
  },
  allowed: "one scope: printable characters, no spaces, quotes or backslashes",
});

/** Cognito callback URLs, comma-separated (or a JSON array in cdktf.json). */
export const callbackUrls = (): Kind<readonly string[]> => ({
  read(found) {
    const urls = typeof found.value === "string" ? found.value.split(",").map((u) => u.trim()).filter(Boolean)
      : Array.isArray(found.value) ? found.value.map(String) : [];
    if (urls.length === 0) return wrong(`${at(found)} lists no URL; give a comma-separated list, or unset it for Claude's callbacks.`);
    const bad = urls.map((url) => [url, callbackUrlProblem(url)] as const).filter(([, problem]) => problem);
    return bad.length === 0 ? { value: urls } : wrong(...bad.map(([url, problem]) => `${found.where} has ${show(url)}: ${problem}.`));
  },
  allowed: "comma-separated redirect URIs: `https://…`, `http://localhost…` or an app scheme like `cursor://…`",
});

export const bucketName = (): Kind<string> =>
  text("an S3 bucket name", (value, found) =>
    bucketNameProblem(value) && `${at(found)} is not a valid S3 bucket name; use 3-63 characters of a-z, 0-9, dots and hyphens, starting and ending with a letter or digit.`);

export const keyPrefix = (): Kind<string> =>
  text("a key prefix ending in `/`, no leading `/`", (value, found) =>
    value.startsWith("/") || /\s/.test(value) || !value.endsWith("/")
      ? `${at(found)} must be a key prefix like "ankify/" or "teams/ankify/": no leading slash, no spaces, ending in "/".` : undefined);

export const flag = (): Kind<boolean> => ({
  read: (found) => (typeof found.value === "boolean" ? { value: found.value } : wrong(`${at(found)} must be true or false.`)),
  allowed: "`true` or `false`",
});

/** The retention periods CloudWatch Logs accepts (PutRetentionPolicy), in days. */
export const LOG_RETENTION_DAYS: readonly number[] = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Days a log group keeps its events: one of CloudWatch's periods, or 0 for `off`. */
export function retentionDays(off: string): Kind<number> {
  return {
    read(found) {
      const value = typeof found.value === "number" ? found.value : typeof found.value === "string" && /^\d+$/.test(found.value) ? Number(found.value) : NaN;
      if (value === 0 || LOG_RETENTION_DAYS.includes(value)) return { value };
      const above = LOG_RETENTION_DAYS.find((days) => days > value);
      const near = Number.isInteger(value) && above !== undefined ? ` (the nearest longer one is ${above})` : "";
      return wrong(`${at(found)} is not a CloudWatch Logs retention period; use 0 (${off}) or one of ${LOG_RETENTION_DAYS.join(", ")} days${near}.`);
    },
    allowed: `${code(0)} for ${off}, or a CloudWatch Logs retention: ${LOG_RETENTION_DAYS.join(", ")} days`,
  };
}
