/**
 * Fair use per client (access/subject.ts names the client): at most ANKIFY_CLIENT_CONCURRENCY deck
 * builds at once, and at most ANKIFY_CLIENT_DAILY_CHARACTERS characters sent to speech per UTC day,
 * counted in one store (storage/usage-table.ts) shared by every execution environment.
 *
 * A build's life, the same whether it runs inline or as a job in another invocation:
 *   acquire(client, deadline)  takes a slot until the build's deadline (a crashed build's slot frees
 *                              itself then); the next build over the limit is refused "busy, retry in N s"
 *   allowance.reserve(n)       after the clip cache is read and before any speech: the characters the
 *                              cache could not supply, all or nothing (cached clips cost nothing)
 *   allowance.finish(outcome)  charges what was spoken, gives back the rest, counts the deck, frees
 *                              the slot; on every exit path (built, refused, failed, cancelled, timed out)
 * A job worker calls resume(client, lease, deadline) to finish in its own invocation what acquire began.
 * Each store call takes an abort signal: the request's (deadline.ts) for acquire and reserve, and for
 * finish, which runs after the deadline as often as not, a bound of its own (CLEANUP_TIMEOUT_MS).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { CLEANUP_TIMEOUT_MS } from "../deadline";
import { LimitError } from "../limits";
import { log } from "../log";
import type { Synthesizer } from "../tts/index";
import type { UsageStore } from "../storage/usage-table";

export interface FairUseLimits {
  /** Characters per client per UTC day; 0: no daily limit. */
  readonly dailyCharacters: number;
  /** Deck builds per client at once; 0: no limit. */
  readonly concurrency: number;
}

/** The day's characters are used up, or this deck needs more than is left. */
export class QuotaError extends LimitError {
  constructor(message: string, readonly charactersLeft: number, readonly resetsAt: Date) {
    super(message);
    this.name = "QuotaError";
  }
}

/** The client holds all its build slots. */
export class BusyError extends LimitError {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
    this.name = "BusyError";
  }
}

/** The usage store could not be read or written: the build is refused rather than left uncounted. */
export class UsageUnavailableError extends Error {
  constructor(cause: unknown) {
    super("the usage table could not be reached", { cause });
    this.name = "UsageUnavailableError";
  }
}

/** `YYYY-MM-DD` of a moment, in UTC: the day characters are counted against. */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The next UTC midnight after a moment: when its day's allowance starts afresh. */
export function nextUtcMidnight(ms: number): Date {
  const day = new Date(ms);
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + 1));
}

/** "in 5 h 12 min", "in 7 min", rounded up to the minute. */
export function inHoursAndMinutes(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `in ${hours} h ${minutes % 60} min` : `in ${minutes} min`;
}

const figure = (n: number) => n.toLocaleString("en-US");

/** The refusal a client reads: what it asked, the limit, what is left, when it resets. */
export function quotaMessage(wanted: number, used: number, limit: number, now: number): string {
  const left = Math.max(0, limit - used);
  const reset = nextUtcMidnight(now);
  return `This deck would send ${figure(wanted)} characters to speech, but only ${figure(left)} of your ${figure(limit)} characters for today are left. ` +
    `The daily allowance resets at ${reset.toISOString()} (${inHoursAndMinutes(reset.getTime() - now)}). ` +
    'Clips already spoken for earlier decks cost nothing, and audio: "none" needs no speech at all.';
}

/** The refusal of one build too many. */
export function busyMessage(limit: number, retryAfterSeconds: number): string {
  return `Busy: you already have ${limit === 1 ? "a deck" : `${limit} decks`} being built, the most one client may build at once. ` +
    `Retry in ${retryAfterSeconds} s, or as soon as ${limit === 1 ? "it" : "one of them"} has finished.`;
}

export interface BuildOutcome {
  /** The deck was built and stored. */
  readonly built: boolean;
  /** Clips reused from the cache (built decks only). */
  readonly clipsCached?: number;
}

export interface Settled {
  /** Characters charged to the client's day for this build: reserved and spoken. */
  readonly characters: number;
  /** Clips the speech service answered for this build. */
  readonly clipsSpoken: number;
  /** What is left of the client's day after this build; absent without a daily limit or when the store could not say. */
  readonly charactersLeftToday?: number;
}

/** The characters a running build's speech requests carried, as the service answered them. */
interface Meter {
  characters: number;
  clips: number;
}

export class FairUse {
  private readonly running = new AsyncLocalStorage<Meter>();
  private readonly metered = new WeakMap<Synthesizer, Synthesizer>();

  constructor(
    private readonly store: UsageStore,
    readonly limits: FairUseLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one of the client's build slots until `deadline` (epoch ms), or throws BusyError; `signal` bounds the store's calls. */
  async acquire(client: string, deadline: number, signal?: AbortSignal): Promise<DeckAllowance> {
    if (this.limits.concurrency === 0) return this.resume(client, undefined);
    const lease = randomUUID();
    const now = this.now();
    const answer = await this.store.acquireSlot(client, lease, Math.max(deadline, now + 1000), this.limits.concurrency, now, signal).catch((error: unknown) => {
      throw new UsageUnavailableError(error);
    });
    if (!answer.granted) {
      const retryAfterSeconds = Math.max(1, Math.ceil((answer.soonestExpiry - now) / 1000));
      log("info", "fair_use.busy", { client, limit: this.limits.concurrency, retryAfterSeconds });
      throw new BusyError(busyMessage(this.limits.concurrency, retryAfterSeconds), retryAfterSeconds);
    }
    return this.resume(client, lease);
  }

  /** The allowance of a build whose slot (`lease`, from acquire) is already held, e.g. by the job that runs it. */
  resume(client: string, lease: string | undefined): DeckAllowance {
    return new DeckAllowance(this, this.store, client, lease, this.now);
  }

  /**
   * The synthesizer with its speech counted for the build running at the time (an async context),
   * the same object for every build: a synthesizer's pacing is per object, shared by concurrent decks.
   */
  meter(synthesizer: Synthesizer): Synthesizer {
    let wrapped = this.metered.get(synthesizer);
    if (!wrapped) {
      const running = this.running;
      const batch = synthesizer.batch;
      wrapped = Object.create(synthesizer, {
        // Many texts in one request (tts/batch.ts): counted as the service billed it, one clip per sentence.
        ...(batch
          ? {
              batch: {
                value: {
                  limits: batch.limits,
                  synthesizeSsml: async (...args: Parameters<typeof batch.synthesizeSsml>) => {
                    const answer = await batch.synthesizeSsml(...args);
                    const meter = running.getStore();
                    if (meter) {
                      meter.characters += answer.billedCharacters ?? 0;
                      meter.clips += (args[0].match(/<s>/g) ?? []).length;
                    }
                    return answer;
                  },
                },
              },
            }
          : {}),
        synthesize: {
          value: async (...args: Parameters<Synthesizer["synthesize"]>) => {
            const audio = await synthesizer.synthesize(...args);
            const meter = running.getStore();
            if (meter) {
              meter.characters += [...args[0]].length;
              meter.clips += 1;
            }
            return audio;
          },
        },
      }) as Synthesizer;
      this.metered.set(synthesizer, wrapped);
    }
    return wrapped;
  }

  /** Runs a build with its speech counted into `meter`. */
  track<T>(meter: Meter, work: () => Promise<T>): Promise<T> {
    return this.running.run(meter, work);
  }
}

export class DeckAllowance {
  private reserved = 0;
  private day?: string;
  private readonly meter: Meter = { characters: 0, clips: 0 };
  private finished?: Promise<Settled>;

  constructor(
    private readonly fairUse: FairUse,
    private readonly store: UsageStore,
    readonly client: string,
    /** The build's slot, when the client's builds at once are limited. */
    readonly lease: string | undefined,
    private readonly now: () => number,
  ) {}

  /** Runs the build with its speech counted against this allowance. */
  track<T>(work: () => Promise<T>): Promise<T> {
    return this.fairUse.track(this.meter, work);
  }

  /** Reserves the characters about to be spoken, all or nothing; throws QuotaError when they do not fit. */
  async reserve(characters: number, signal?: AbortSignal): Promise<void> {
    const limit = this.fairUse.limits.dailyCharacters;
    if (characters <= 0) return;
    const now = this.now();
    const day = utcDay(now);
    if (limit === 0) {
      // Counted all the same, for the usage report; nothing to refuse.
      this.day = day;
      this.reserved += characters;
      await this.store.reserve(this.client, day, characters, Number.MAX_SAFE_INTEGER, signal).catch((error: unknown) => {
        throw new UsageUnavailableError(error);
      });
      return;
    }
    const answer = await this.store.reserve(this.client, day, characters, limit, signal).catch((error: unknown) => {
      throw new UsageUnavailableError(error);
    });
    if (!answer.granted) {
      log("info", "fair_use.quota", { client: this.client, day, wanted: characters, used: answer.used, limit });
      throw new QuotaError(quotaMessage(characters, answer.used, limit, now), Math.max(0, limit - answer.used), nextUtcMidnight(now));
    }
    this.day = day;
    this.reserved += characters;
  }

  /**
   * Ends the build: a built deck is charged what it reserved (what it reports as spoken); any other
   * end is charged what the speech service answered, at most the reservation, and the rest goes back.
   * Counts the deck and frees its slot. Never throws (a failure is logged: the slot then expires at
   * the deadline, and a lost refund is the owner's to see in the log). Once per allowance.
   */
  finish(outcome: BuildOutcome): Promise<Settled> {
    this.finished ??= this.settle(outcome);
    return this.finished;
  }

  private async settle(outcome: BuildOutcome): Promise<Settled> {
    const characters = outcome.built ? this.reserved : Math.min(this.reserved, this.meter.characters);
    const settled: { characters: number; clipsSpoken: number; charactersLeftToday?: number } = { characters, clipsSpoken: this.meter.clips };
    const limit = this.fairUse.limits.dailyCharacters;
    const day = this.day ?? utcDay(this.now());
    // Nothing reserved, spoken or built: nothing to write.
    if (!outcome.built && this.reserved === 0 && this.meter.clips === 0) return this.release(settled);
    try {
      const used = await this.store.settle(this.client, day, {
        refund: this.reserved - characters,
        decks: outcome.built ? 1 : 0,
        clipsSpoken: this.meter.clips,
        clipsCached: outcome.built ? (outcome.clipsCached ?? 0) : 0,
      }, AbortSignal.timeout(CLEANUP_TIMEOUT_MS));
      // Left of today: a build that reserved yesterday reports today's full allowance less today's use.
      const today = utcDay(this.now());
      if (limit > 0) settled.charactersLeftToday = Math.max(0, limit - (day === today ? used : await this.store.used(this.client, today, AbortSignal.timeout(CLEANUP_TIMEOUT_MS))));
    } catch (error) {
      log("error", "fair_use.settle_failed", { client: this.client, day, refund: this.reserved - characters, message: (error as Error).message });
    }
    return this.release(settled);
  }

  private async release(settled: Settled): Promise<Settled> {
    if (this.lease !== undefined) {
      await this.store.releaseSlot(this.client, this.lease, AbortSignal.timeout(CLEANUP_TIMEOUT_MS)).catch((error: Error) => {
        log("warn", "fair_use.release_failed", { client: this.client, message: error.message });
      });
    }
    return settled;
  }
}

/**
 * Fair use for deck jobs (jobs/lifecycle.ts): a job takes its client's build slot when it is created
 * (mcp/deck-or-job.ts, so a busy client is told at once) and holds it across its invocations; the
 * slot is given back when the job ends, however it ends, or by itself at the lease's expiry if the
 * job's worker dies.
 */
export function fairUseJobGate(fairUse: FairUse): { onJobEnd(job: { readonly fairUse?: { readonly client: string; readonly lease?: string } }): Promise<void> } {
  return {
    async onJobEnd(job) {
      if (job.fairUse?.lease === undefined) return;
      await fairUse.resume(job.fairUse.client, job.fairUse.lease).finish({ built: false });
    },
  };
}
