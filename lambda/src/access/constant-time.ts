import { createHash, timingSafeEqual } from "node:crypto";

/** SHA-256 of a UTF-8 string: what API keys are stored as, and an equal-length form for comparison. */
export function sha256(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/**
 * Which of `candidates` equals `presented` (both SHA-256 digests), in time that does not depend on
 * where they differ or on which one matched: every candidate is compared, with no early exit.
 */
export function findDigest<T>(presented: Buffer, candidates: Iterable<readonly [T, Buffer]>): T | undefined {
  let found: T | undefined;
  for (const [id, digest] of candidates) {
    const equal = digest.length === presented.length && timingSafeEqual(presented, digest);
    if (equal && found === undefined) found = id;
  }
  return found;
}
