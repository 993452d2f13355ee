/**
 * Inline or job: the one decision the request makes about a deck. A deck expected to take longer
 * than ANKIFY_INLINE_SECONDS (or than this answer may take, if less) becomes a job at once. One
 * expected to fit is built inside the request; if the clip cache can carry what it spoke over to a
 * job, it gets exactly that long and then becomes a job (the job speaks only the rest), so no client
 * waits longer than the inline limit. Without a cache, it keeps the answer's whole budget, as before
 * jobs: a job would speak (and bill) every clip again.
 */
import type { DeckEstimate } from "./estimate";

export interface InlineLimits {
  /** ANKIFY_INLINE_SECONDS. */
  readonly inlineSeconds: number;
  /** What this answer may take at most (a stream's budget, or one piece's). */
  readonly budgetSeconds: number;
  /** A deck cut short can become a job without speaking its clips again (a clip cache exists). */
  readonly resumable: boolean;
}

export type Decision =
  | { readonly kind: "job" }
  /** Build it here, for at most `seconds`; then, if `becomesJob`, hand it to a job instead of failing. */
  | { readonly kind: "inline"; readonly seconds: number; readonly becomesJob: boolean };

export function decide(estimate: DeckEstimate, limits: InlineLimits): Decision {
  const limit = Math.min(limits.inlineSeconds, limits.budgetSeconds);
  // A deck without speech is packaging only: never worth a job.
  if (estimate.clips === 0) return { kind: "inline", seconds: limits.budgetSeconds, becomesJob: false };
  if (estimate.seconds > limit) return { kind: "job" };
  return limits.resumable ? { kind: "inline", seconds: limit, becomesJob: true } : { kind: "inline", seconds: limits.budgetSeconds, becomesJob: false };
}
