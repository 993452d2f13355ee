/**
 * The origin guard (secret-header mode): only CloudFront knows the secret it adds in
 * `x-origin-verify`, so a request without an accepted value did not come through the distribution.
 * It runs first, before anything reads the request's body.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FunctionConfig } from "../config";
import { jsonResponse } from "../http/responses";

/** The header CloudFront adds in secret-header mode (stacks/edge/distribution.ts). */
export const ORIGIN_VERIFY_HEADER = "x-origin-verify";

/**
 * Whether `presented` equals one of the accepted secrets, in time that does not depend on where
 * they differ or on which one matched: both sides are hashed to equal length, and every accepted
 * secret is compared (no early exit).
 */
export function isAcceptedSecret(presented: string | undefined, accepted: readonly string[]): boolean {
  if (presented === undefined || accepted.length === 0) return false;
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  const given = digest(presented);
  let ok = false;
  for (const secret of accepted) ok = timingSafeEqual(given, digest(secret)) || ok;
  return ok;
}

/**
 * A 403 for a request that did not come through CloudFront, or undefined to let it pass. In oac mode
 * Lambda's IAM layer has already refused unsigned callers, so everything that arrives passes.
 */
export function checkOrigin(request: Request, config: Pick<FunctionConfig, "originProtection" | "originSecrets">): Response | undefined {
  if (config.originProtection !== "secret-header") return undefined;
  if (isAcceptedSecret(request.headers.get(ORIGIN_VERIFY_HEADER) ?? undefined, config.originSecrets)) return undefined;
  return jsonResponse(403, { error: "Forbidden" });
}
