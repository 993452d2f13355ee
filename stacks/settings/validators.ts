/**
 * What a single value must look like: DNS names, e-mail addresses, ECR image URIs, country codes,
 * URLs and AWS regions. Each returns why a value is wrong (one phrase for a message), or undefined.
 * Pure and light: no setting names here; kinds.ts turns these phrases into messages.
 */

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

/** Commercial AWS regions (the `aws` partition, 2026): the only partition this stack can be deployed in. */
export const AWS_REGIONS: readonly string[] = [
  "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
  "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
  "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
  "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
  "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
  "us-west-1", "us-west-2",
];

/**
 * Regions of AWS's other partitions. The stack needs, in one account: CloudFront with an ACM
 * certificate and a web ACL in us-east-1, and Route 53 alias records to the distribution. Those exist
 * only in the commercial partition (CloudFront in China is a separate service without ACM; GovCloud and
 * the isolated and sovereign partitions have no CloudFront), and no provider reaches across partitions.
 */
const OTHER_PARTITIONS: ReadonlyArray<{ readonly pattern: RegExp; readonly name: string }> = [
  { pattern: /^cn-[a-z]+-\d+$/, name: "China regions (cn-*)" },
  { pattern: /^us-gov-[a-z]+-\d+$/, name: "GovCloud regions (us-gov-*)" },
  { pattern: /^eusc-[a-z]+-[a-z]+-\d+$/, name: "European Sovereign Cloud regions (eusc-*)" },
  { pattern: /^(us-iso[a-z]?|eu-isoe)-[a-z]+-\d+$/, name: "isolated regions (us-iso*, eu-isoe-*)" },
];

export type RegionCheck =
  | { readonly ok: true }
  /** The right code in the wrong case. */
  | { readonly ok: false; readonly lowerCase: string }
  /** A region of another partition: why it cannot serve this stack. */
  | { readonly ok: false; readonly unsupported: string }
  /** Not a region code at all; `near` lists commercial regions that start the same way. */
  | { readonly ok: false; readonly near: readonly string[] };

/** Whether `code` names a commercial AWS region, and if not, which kind of wrong it is. */
export function checkRegion(code: string): RegionCheck {
  if (AWS_REGIONS.includes(code)) return { ok: true };
  const lower = code.toLowerCase();
  if (AWS_REGIONS.includes(lower)) return { ok: false, lowerCase: lower };
  const partition = OTHER_PARTITIONS.find(({ pattern }) => pattern.test(lower));
  if (partition) {
    return {
      ok: false,
      unsupported: `${partition.name} are a separate AWS partition, without the commercial partition's CloudFront, ` +
        "ACM certificates in us-east-1 and Route 53 alias records this stack needs",
    };
  }
  return { ok: false, near: AWS_REGIONS.filter((r) => r.startsWith(lower.split("-")[0] ?? "")).slice(0, 6) };
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

/** S3 bucket names: 3-63 characters, lower-case letters, digits, dots and hyphens, starting and ending alphanumeric. */
export function bucketNameProblem(name: string): string | undefined {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes("..") ? undefined : "not a valid S3 bucket name";
}

/**
 * Regions where Amazon Polly has neural voices (create_deck's default engine), commercial partition:
 * Amazon Polly Developer Guide, "Neural voices" → "Feature and region compatibility" (the list as
 * published in 2026, read 2026-11-30). In any other region every neural SynthesizeSpeech call fails.
 */
export const POLLY_NEURAL_REGIONS: readonly string[] = [
  "us-east-1", "us-west-2", "af-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1",
  "ap-southeast-2", "ap-southeast-5", "ca-central-1", "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-2",
];
