/**
 * What the OAuth resource server checks beyond aws-jwt-verify, and what it tells a refused caller.
 */
import {
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  KidNotFoundInJwksError,
} from "aws-jwt-verify/error";

/**
 * Why the token's JOSE header must be refused for its `crit` parameter, or undefined. RFC 7515
 * §4.1.11: `crit` lists header extensions the recipient must understand and process, or reject the
 * token; this server implements none, so any `crit` is refused (as is a malformed one). aws-jwt-verify
 * does not look at it.
 */
export function critProblem(token: string): string | undefined {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString("utf8"));
  } catch {
    return undefined; // not a JWT: the verifier says so
  }
  if (header === null || typeof header !== "object" || !("crit" in header)) return undefined;
  return "The access token's header lists critical extensions (crit) this server does not understand";
}

/**
 * The error_description a refused caller reads: which check failed, never what was expected — the
 * issuer and audience this server accepts are not the unauthenticated caller's to learn from an
 * error (aws-jwt-verify's own messages name them). The full message goes to the log.
 */
export function refusalDescription(error: unknown): string {
  if (error instanceof JwtExpiredError) return "The access token has expired";
  if (error instanceof JwtNotBeforeError) return "The access token can't be used before its nbf time";
  if (error instanceof JwtInvalidIssuerError) return "The access token is from an issuer this server does not accept";
  if (error instanceof JwtInvalidAudienceError) return "The access token is for an audience this server does not accept";
  if (error instanceof JwtInvalidSignatureError || error instanceof JwtInvalidSignatureAlgorithmError || error instanceof KidNotFoundInJwksError) {
    return "The access token's signature could not be verified with the issuer's keys";
  }
  if (error instanceof JwtParseError) return "The access token is not a valid JWT";
  return "The access token could not be verified";
}
