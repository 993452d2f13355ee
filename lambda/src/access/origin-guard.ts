/**
 * The origin guard (secret-header mode): only CloudFront knows the secret it adds in
 * `x-origin-verify`, so a request without an accepted value did not come through the distribution.
 * It runs first, before anything reads the request's body.
 */
import type { FunctionConfig } from "../config";
import { jsonResponse } from "../http/responses";
import { findDigest, sha256 } from "./constant-time";

/** The header CloudFront adds in secret-header mode (stacks/edge/distribution.ts). */
export const ORIGIN_VERIFY_HEADER = "x-origin-verify";

/**
 * Whether `presented` equals one of the accepted secrets, in constant time (both sides hashed to equal
 * length, every accepted secret compared).
 */
export function isAcceptedSecret(presented: string | undefined, accepted: readonly string[]): boolean {
  if (presented === undefined) return false;
  return findDigest(sha256(presented), accepted.map((secret, i) => [i, sha256(secret)] as const)) !== undefined;
}

/**
 * A 403 for a request that did not come through CloudFront, or undefined to let it pass. In oac mode
 * Lambda's IAM layer has already refused unsigned callers, so everything that arrives passes.
 */
export function checkOrigin(request: { readonly headers: { get(name: string): string | null } }, config: Pick<FunctionConfig, "originProtection" | "originSecrets">): Response | undefined {
  if (config.originProtection !== "secret-header") return undefined;
  if (isAcceptedSecret(request.headers.get(ORIGIN_VERIFY_HEADER) ?? undefined, config.originSecrets)) return undefined;
  return jsonResponse(403, { error: "Forbidden" });
}
