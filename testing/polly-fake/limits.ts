/**
 * Polly's request-rate quotas (limits page, "Quotas and throttling rates"), per account and region,
 * so shared by every caller of one fake: SynthesizeSpeech with standard voices 80 a second (burst
 * 100), neural, long-form and generative 8 (burst 10), and all operations together 100 (burst 120).
 * A token bucket each: a request takes a token or is throttled.
 */
import type { PollyEngine } from "./voices";

export interface Rate {
  /** Tokens added a second. */
  readonly perSecond: number;
  /** The most tokens held. */
  readonly burst: number;
}

export const POLLY_QUOTAS: Readonly<Record<PollyEngine | "all", Rate>> = {
  standard: { perSecond: 80, burst: 100 },
  neural: { perSecond: 8, burst: 10 },
  "long-form": { perSecond: 8, burst: 10 },
  generative: { perSecond: 8, burst: 10 },
  all: { perSecond: 100, burst: 120 },
};

const roomy: Rate = { perSecond: 1000, burst: 1000 };
/** Quotas a test about something else never reaches. */
export const ROOMY_QUOTAS: Readonly<Record<PollyEngine | "all", Rate>> = { standard: roomy, neural: roomy, "long-form": roomy, generative: roomy, all: roomy };

export class TokenBucket {
  private tokens: number;
  private refilledAt: number;
  constructor(readonly rate: Rate, private readonly now: () => number = Date.now) {
    this.tokens = rate.burst;
    this.refilledAt = now();
  }
  /** Takes a token if there is one. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.rate.perSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
