/**
 * How fast to start requests to a rate-limited service whose limit is shared with strangers: Polly's
 * limits are per account and region, so other execution environments (and other software) spend the
 * same tokens. A pace starts requests `1/rate` apart, beginning at the documented rate, and adapts to
 * what the service answers, the way TCP does: each throttled request halves the rate (once per
 * round: requests already started at the old rate do not halve it again), each success adds back a
 * sixteenth of the documented rate, up to it. Several environments converge on sharing the limit.
 *
 * One pace per synthesizer and engine, for every request the execution environment serves: deck
 * jobs, inline decks and retries all take their turn from the same one (`paceFor`).
 */

export interface PaceOptions {
  /** The lowest rate, starts a second: never slower than this, however often throttled. @default rate / 32 */
  readonly minRate?: number;
  /** The clock (epoch ms). @default Date.now */
  readonly now?: () => number;
}

/** A request's turn: when it started, so a throttle is counted once per round. */
export interface Turn {
  readonly startedAt: number;
}

export class AdaptivePace {
  private next = 0;
  private current: number;
  private lastDecrease = Number.NEGATIVE_INFINITY;
  private readonly minRate: number;
  private readonly now: () => number;
  /** Requests the service throttled, since this pace was made. */
  throttles = 0;

  constructor(readonly maxRate: number, options: PaceOptions = {}) {
    this.current = maxRate;
    this.minRate = options.minRate ?? maxRate / 32;
    this.now = options.now ?? Date.now;
  }

  /** Starts a second, now. */
  get rate(): number {
    return this.current;
  }

  /** Resolves at this caller's turn; rejects with the signal's reason if it aborts first. */
  async wait(signal: AbortSignal): Promise<Turn> {
    signal.throwIfAborted();
    const slot = Math.max(this.now(), this.next);
    this.next = slot + 1000 / this.current;
    const delay = slot - this.now();
    if (delay > 0) await sleep(delay, signal);
    return { startedAt: slot };
  }

  /** The service did the request: speed up a little. */
  succeeded(): void {
    this.current = Math.min(this.maxRate, this.current + this.maxRate / 16);
  }

  /** The service throttled the request that started at `turn`: halve the rate, once per round. */
  throttled(turn: Turn): void {
    this.throttles++;
    if (turn.startedAt < this.lastDecrease) return;
    this.lastDecrease = this.now();
    this.current = Math.max(this.minRate, this.current / 2);
    // Turns already handed out keep their slots; the next one waits a full interval at the new rate.
    this.next = Math.max(this.next, this.now() + 1000 / this.current);
  }
}

const paces = new WeakMap<object, Map<string, AdaptivePace>>();

/**
 * The pace `owner` (a synthesizer: one per execution environment) keeps for `key` (e.g. the engine),
 * made at `maxRate` the first time it is asked for.
 */
export function paceFor(owner: object, key: string, maxRate: number): AdaptivePace {
  let byKey = paces.get(owner);
  if (!byKey) paces.set(owner, (byKey = new Map()));
  let pace = byKey.get(key);
  if (!pace) byKey.set(key, (pace = new AdaptivePace(maxRate)));
  return pace;
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
