import { createHash, timingSafeEqual } from "node:crypto";

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
