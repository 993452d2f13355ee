/**
 * Rules between settings: each belongs to one setting in table.ts (its `rule` or `warn`), reads the
 * others through `Known`, and returns one line, or undefined when all is well. They run after every
 * setting was read, so a rule sees values, not raw input; one that depends on an invalid setting
 * stays quiet (that setting's own problem is already reported).
 */
import { at, show, type Known } from "./kinds";
import { parseEcrImageUri, POLLY_NEURAL_REGIONS } from "./validators";

/** AWS WAF's smallest rate-based rule limit (lowered from 100 on 30 Aug 2024) and its largest. */
export const MIN_RATE_LIMIT = 10;
export const MAX_RATE_LIMIT = 2_000_000_000;
/**
 * Requests per client IP in 5 minutes. Ten clients' worth at their own limit: every claude.ai user
 * arrives from Anthropic's few addresses, and one IP's budget must not be shared by all of them.
 */
export const DEFAULT_RATE_LIMIT = 3_000;
/** Requests per client credential in 5 minutes: one MCP request a second, sustained. */
export const DEFAULT_CLIENT_RATE_LIMIT = 300;

/** domain: the zone apex or a name inside the zone, or Route 53 could not hold its records. */
export function domainInsideZone(known: Known): string | undefined {
  const domain = known.value("domain") as string | undefined;
  const zone = known.value("zone") as string | undefined;
  if (domain === undefined || zone === undefined || domain === zone || domain.endsWith(`.${zone}`)) return undefined;
  return `${at(known.found("domain")!)} is not inside the hosted zone ${show(zone)}; ` +
    `use ${show(zone)} itself or a name ending in ".${zone}", or set ${known.env("zone")} to the zone that holds it.`;
}

/** imageUri: Lambda pulls images only from ECR in the function's own region. */
export function imageInAppRegion(known: Known): string | undefined {
  const image = known.value("imageUri") as string | undefined;
  const region = known.value("region") as string | undefined;
  if (image === undefined || region === undefined) return undefined;
  const parsed = parseEcrImageUri(image);
  if ("problem" in parsed || parsed.region === region) return undefined;
  return `${at(known.found("imageUri")!)} is in ${parsed.region}, but the function runs in ${region} (${known.found("region")!.where}); ` +
    `Lambda only pulls images from ECR in its own region: push or replicate the image to ${region}, or run the app in ${parsed.region}.`;
}

/** imageUri: a tag that moves makes a deploy run whatever it points at that day. */
export function movingTag(known: Known): string | undefined {
  const image = known.value("imageUri") as string | undefined;
  if (image === undefined || !image.endsWith(":latest")) return undefined;
  return `${at(known.found("imageUri")!)} uses the tag "latest", which moves: Lambda resolves it to a digest once, at deploy, ` +
    "and Terraform sees no change when it moves later. Pin a digest (…@sha256:<digest>) or a unique tag (e.g. the git commit).";
}

/** allowedCountries: a rule of the web ACL, which rateLimit = 0 turns off. */
export function countriesNeedWebAcl(known: Known): string | undefined {
  if (known.value("allowedCountries") === undefined || known.value("rateLimit") !== 0) return undefined;
  return `${at(known.found("allowedCountries")!)} needs the web ACL, which ${known.found("rateLimit")!.where} = 0 turns off; ` +
    `set ${known.env("rateLimit")} to ${MIN_RATE_LIMIT} or more (the default is ${DEFAULT_RATE_LIMIT}), or unset ${known.env("allowedCountries")} to allow every country.`;
}

/** clientRateLimit: a rule of the web ACL too, so an explicit per-client limit needs it. */
export function clientRateNeedsWebAcl(known: Known): string | undefined {
  const given = known.found("clientRateLimit");
  if (!given || known.value("clientRateLimit") === 0 || known.value("rateLimit") !== 0) return undefined;
  return `${at(given)} needs the web ACL, which ${known.found("rateLimit")!.where} = 0 turns off; ` +
    `set ${known.env("rateLimit")} to ${MIN_RATE_LIMIT} or more (the default is ${DEFAULT_RATE_LIMIT}), or set ${known.env("clientRateLimit")} to 0.`;
}

/** clientAuth: oauth's bearer token cannot pass CloudFront's signing in oac mode. */
export function oauthNotWithOac(known: Known): string | undefined {
  if (known.value("clientAuth") !== "oauth" || known.value("originProtection") !== "oac") return undefined;
  return `${known.env("clientAuth")} = "oauth" cannot work with ${known.env("originProtection")} = "oac": CloudFront's SigV4 signature ` +
    "replaces the client's Authorization header, so no bearer token reaches the function. Use secret-header with oauth, or api-key (sent as x-api-key) with oac.";
}

/** clientAuth: say so at every synth when anyone may call. */
export function openToAnyone(known: Known): string | undefined {
  if (known.value("clientAuth") !== "none") return undefined;
  return `${known.env("clientAuth")} = "none": anyone who finds https://${known.value("domain") as string}/mcp can build decks on your Amazon Polly bill.`;
}

/**
 * oauthAudience: an external issuer's tokens are trusted only with the audience they carry for
 * Ankify; Cognito's (no issuer) carry a client id instead, so an audience there would match nothing.
 */
export function audienceGoesWithIssuer(known: Known): string | undefined {
  if (known.value("clientAuth") !== "oauth") return undefined;
  const issuer = known.found("oauthIssuer");
  const audience = known.found("oauthAudience");
  if (issuer && !audience) {
    return `${known.env("oauthAudience")} is not set: with an external issuer, set the audience its tokens carry for Ankify (often https://<domain>/mcp), ` +
      "or tokens for any of its applications would be accepted.";
  }
  if (audience && !issuer) {
    return `${at(audience)} needs ${known.env("oauthIssuer")}: without one the stack's Cognito pool issues the tokens, ` +
      "and Cognito access tokens carry the app client's id instead of an audience.";
  }
  return undefined;
}

/** oauthCallbackUrls: only Cognito's app client takes them; an external issuer keeps its own. */
export function callbacksOnlyForCognito(known: Known): string | undefined {
  const issuer = known.found("oauthIssuer");
  const callbacks = known.found("oauthCallbackUrls");
  if (known.value("clientAuth") !== "oauth" || !issuer || !callbacks) return undefined;
  return `${callbacks.where} is only used with the Cognito user pool; your issuer ${show(issuer.value)} keeps its own list of redirect URIs.`;
}

/** speechRegion: unset, it is the app region, which must then have Polly's neural voices. */
export function speechRegionNeeded(known: Known): string | undefined {
  const region = known.value("region") as string | undefined;
  if (known.found("speechRegion") || region === undefined || POLLY_NEURAL_REGIONS.includes(region)) return undefined;
  const area = region.split("-")[0]!;
  const near = POLLY_NEURAL_REGIONS.filter((r) => r.startsWith(`${area}-`));
  return `${at(known.found("region")!)} has no Amazon Polly neural voices, so every deck with speech would fail there; ` +
    `set ${known.env("speechRegion")} to a region that has them (the function calls Polly there; the cards' text goes there), ` +
    `e.g. ${(near.length > 0 ? near : ["us-east-1", "us-west-2"]).join(", ")}.`;
}
