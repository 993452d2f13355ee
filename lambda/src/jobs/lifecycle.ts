/**
 * A deck job's life, in one place: created (by a request), started (by its worker), moved along
 * (progress, a cancellation, a continuation) and ended (done, failed or cancelled). Every change is a
 * conditional write of the record (store.ts), so a cancellation from any execution environment, the
 * worker's progress and a duplicate worker never overwrite one another.
 *
 * A gate may hold what a job needs for its life (its client's build slot, access/fair-use.ts):
 * `onJobStart` once, when the job first starts, may refuse it; `onJobEnd` once, when it ends, however
 * it ends (built, failed, cancelled before or after it started). A job whose worker died (abandoned,
 * record.ts) never reaches `onJobEnd`: whatever a gate holds needs an expiry of its own.
 */
import { randomUUID } from "node:crypto";
import type { DeckRequest, DeckResult } from "../deck/create-deck";
import { CLEANUP_TIMEOUT_MS } from "../deadline";
import type { JobLauncher } from "./launcher";
import { isFinished, JOB_TIMINGS, type JobProgress, type JobRecord } from "./record";
import { updateJob, type JobStore } from "./store";

/** Who owns the jobs of requests nobody authenticated (client auth "none"): the job id alone finds them. */
export const ANONYMOUS_OWNER = "anonymous";

export interface JobGate {
  /** The job is about to start its work: a refusal in words a model can pass on, or undefined to go on. */
  onJobStart?(job: JobRecord, request: DeckRequest): Promise<string | undefined>;
  /** The job ended: done, failed, or cancelled (before or after it started). */
  onJobEnd?(job: JobRecord): Promise<void>;
}

export interface DeckJobsDeps {
  readonly store: JobStore;
  readonly launcher: JobLauncher;
  /** @default none */
  readonly gate?: JobGate;
  /** The clock (epoch ms). @default Date.now */
  readonly now?: () => number;
}

export interface NewJob {
  /** The subject the job is for, or undefined where nobody is authenticated. */
  readonly owner: string | undefined;
  /** Validated by create_deck's schema. */
  readonly request: DeckRequest;
  readonly estimateSeconds: number;
  /** Steps the deck will take (clips, packaging, uploading). */
  readonly total: number;
  readonly requestId: string;
  /** The client fair use counts the job against, and the build slot it holds (a lease). */
  readonly fairUse?: JobRecord["fairUse"];
}

/** How a job ended: its state, and the result or the words that say why. */
export type JobOutcome =
  | { readonly state: "done"; readonly result: DeckResult }
  | { readonly state: "failed" | "cancelled"; readonly message: string };

export class DeckJobs {
  private readonly now: () => number;

  constructor(private readonly deps: DeckJobsDeps) {
    this.now = deps.now ?? Date.now;
  }

  get store(): JobStore {
    return this.deps.store;
  }

  /**
   * Stores the job (durably: a read finds it from now on) and starts its worker. If the worker cannot
   * be started, the job is marked failed and the error thrown: nobody is told of a job that will never run.
   * `signal` bounds both (the request's deadline); marking the job failed gets a bound of its own,
   * since the signal may be what ended the launch.
   */
  async create(job: NewJob, signal?: AbortSignal): Promise<JobRecord> {
    const at = new Date(this.now());
    const record: JobRecord = {
      version: 1,
      id: randomUUID(),
      owner: job.owner ?? ANONYMOUS_OWNER,
      state: "queued",
      progress: { done: 0, total: job.total },
      message: "waiting to start",
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
      expiresAt: new Date(at.getTime() + JOB_TIMINGS.ttlMs).toISOString(),
      estimateSeconds: job.estimateSeconds,
      requestId: job.requestId,
      attempts: 0,
      ...(job.fairUse ? { fairUse: job.fairUse } : {}),
    };
    await this.deps.store.create(record, job.request, signal);
    try {
      await this.deps.launcher.launch(record.id, signal);
    } catch (error) {
      await this.end(record.id, { state: "failed", message: "The deck job could not be started; nothing was spoken or uploaded. Try again." }, AbortSignal.timeout(CLEANUP_TIMEOUT_MS))
        .catch(() => {});
      throw error;
    }
    return record;
  }

  /** The owner's job, or undefined: no such job, another client's, or forgotten (past its TTL). */
  async find(owner: string | undefined, id: string, signal?: AbortSignal): Promise<JobRecord | undefined> {
    const found = await this.deps.store.get(id, signal);
    return found && this.visible(found.record, owner) ? found.record : undefined;
  }

  /**
   * The owner asks to stop the job: a queued job is cancelled there and then; a running one is marked,
   * and its worker stops at its next look (between batches, before packaging, before uploading); a
   * finished one stays as it is. The job afterwards, or undefined when the owner has no such job.
   */
  async cancel(owner: string | undefined, id: string, signal?: AbortSignal): Promise<JobRecord | undefined> {
    if (!(await this.find(owner, id, signal))) return undefined;
    const at = new Date(this.now()).toISOString();
    const after = await updateJob(this.deps.store, id, (record) => {
      if (isFinished(record.state) || record.cancelRequestedAt !== undefined) return undefined;
      if (record.state === "queued") return { ...record, state: "cancelled", cancelRequestedAt: at, updatedAt: at, message: CANCELLED };
      return { ...record, cancelRequestedAt: at, updatedAt: at };
    }, signal);
    // Cancelled before it started: it ends here, not in a worker.
    if (after?.record.state === "cancelled") await this.deps.gate?.onJobEnd?.(after.record);
    return after?.record;
  }

  /**
   * The worker takes the job: queued → running. Undefined when it is not there to take (finished,
   * cancelled, or taken by another delivery of the same event): the worker then does nothing.
   */
  async start(id: string, signal?: AbortSignal): Promise<{ readonly record: JobRecord; readonly request: DeckRequest } | undefined> {
    let claimed = false;
    const after = await updateJob(this.deps.store, id, (record) => {
      claimed = record.state === "queued";
      if (!claimed) return undefined;
      const at = new Date(this.now()).toISOString();
      return { ...record, state: "running", attempts: record.attempts + 1, updatedAt: at, message: record.attempts === 0 ? "starting" : "continuing" };
    }, signal);
    if (!after || !claimed) return undefined;
    const request = await this.deps.store.request(id, signal);
    if (!request) {
      await this.end(id, { state: "failed", message: "The deck job's request is gone; nothing was uploaded. Start the deck again." });
      return undefined;
    }
    if (after.record.attempts === 1 && this.deps.gate?.onJobStart) {
      const refusal = await this.deps.gate.onJobStart(after.record, request);
      if (refusal !== undefined) {
        await this.end(id, { state: "failed", message: refusal });
        return undefined;
      }
    }
    return { record: after.record, request };
  }

  /** Progress and a heartbeat; the job as it is now, so the worker sees a cancellation. */
  async progress(id: string, progress: JobProgress, message: string, signal?: AbortSignal): Promise<JobRecord | undefined> {
    const after = await updateJob(this.deps.store, id, (record) => {
      if (record.state !== "running") return undefined;
      return { ...record, progress, message, updatedAt: new Date(this.now()).toISOString() };
    }, signal);
    return after?.record;
  }

  /** The worker ran out of time with work left that the clip cache has kept: a new invocation finishes it. */
  async continueLater(id: string, message: string): Promise<boolean> {
    let requeued = false;
    await updateJob(this.deps.store, id, (record) => {
      requeued = record.state === "running" && record.cancelRequestedAt === undefined;
      return requeued ? { ...record, state: "queued", message, updatedAt: new Date(this.now()).toISOString() } : undefined;
    });
    if (requeued) await this.deps.launcher.launch(id);
    return requeued;
  }

  /** The job ends, once: later outcomes change nothing. */
  async end(id: string, outcome: JobOutcome, signal?: AbortSignal): Promise<JobRecord | undefined> {
    let ended = false;
    const after = await updateJob(this.deps.store, id, (record) => {
      ended = !isFinished(record.state);
      if (!ended) return undefined;
      const at = new Date(this.now()).toISOString();
      return outcome.state === "done"
        ? { ...record, state: "done", result: outcome.result, progress: { done: record.progress.total, total: record.progress.total }, message: "done", updatedAt: at }
        : { ...record, state: outcome.state, message: outcome.message, updatedAt: at };
    }, signal);
    if (after && ended) await this.deps.gate?.onJobEnd?.(after.record);
    return after?.record;
  }

  private visible(record: JobRecord, owner: string | undefined): boolean {
    return record.owner === (owner ?? ANONYMOUS_OWNER) && this.now() < Date.parse(record.expiresAt);
  }
}

/** What a cancelled job says. */
export const CANCELLED = "The deck was cancelled; nothing was uploaded.";
