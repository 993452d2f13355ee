/**
 * The origin guard (secret-header mode): only CloudFront knows the secret it adds in
 * `x-origin-verify`, so a request without an accepted value did not come through the distribution.
 * It runs first, before anything reads the request's body.
 */
import type { FunctionConfig } from "../config";
import { jsonResponse } from "../http/responses";
import { log } from "../log";
import { findDigest, sha256 } from "./constant-time";
import type { OriginSecrets } from "./origin-secrets";

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
 * A 403 for a request that did not come through CloudFront, a 503 when the accepted secrets cannot
 * be read (never a pass), or undefined to let it pass. In oac mode Lambda's IAM layer has already
 * refused unsigned callers, so everything that arrives passes.
 */
export async function checkOrigin(
  request: Request,
  config: Pick<FunctionConfig, "originProtection">,
  secrets: OriginSecrets,
): Promise<Response | undefined> {
  if (config.originProtection !== "secret-header") return undefined;
  const presented = request.headers.get(ORIGIN_VERIFY_HEADER) || undefined;
  try {
    if (isAcceptedSecret(presented, await secrets.accepted())) return undefined;
    // CloudFront may send a freshly rotated value before this copy of the secrets expires. A request
    // without the header cannot be that, and reads nothing.
    const fresher = presented !== undefined ? await secrets.recheck() : undefined;
    if (fresher && isAcceptedSecret(presented, fresher)) return undefined;
  } catch (error) {
    log("error", "origin_secret.unreadable", { message: (error as Error).message });
    // The same answer as for unreadable client keys (access/api-keys.ts) and as the Python guard's.
    return jsonResponse(503, { jsonrpc: "2.0", error: { code: -32603, message: "The origin secret could not be read; try again shortly." }, id: null }, { "retry-after": "5" });
  }
  return jsonResponse(403, { error: "Forbidden" });
}
