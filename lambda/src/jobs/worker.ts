/**
 * The worker: one invocation's run of a deck job. It takes the job (a duplicate delivery finds it
 * taken and does nothing), builds the deck exactly as a request would (deck/create-deck.ts), writes
 * progress to the record every few seconds and a heartbeat at least every JOB_TIMINGS.heartbeatMs,
 * and stops when the record says the job was cancelled: at its next write, and for certain before
 * packaging and before uploading, so a cancelled job uploads nothing. If its time runs out with
 * clips left, the clip cache keeps what it spoke and a new invocation continues (a few times at most).
 */
import { CancelledError, type DeckDeps } from "../deck/create-deck";
import { runDeck } from "../deck/run-deck";
import type { FairUse } from "../access/fair-use";
import { failureText } from "../deck/failure";
import { LimitError, OutOfTimeError } from "../limits";
import { log } from "../log";
import { JOB_FAILED_LOG_EVENT } from "./event";
import { ANONYMOUS_OWNER, CANCELLED, type DeckJobs } from "./lifecycle";
import { JOB_TIMINGS, type JobProgress, type JobRecord } from "./record";

/** Invocations one job may take: the first and two continuations, each resuming from the clip cache. */
export const MAX_JOB_ATTEMPTS = 3;

export interface WorkerDeps extends Omit<DeckDeps, "deadline" | "cancel" | "onProgress" | "subject" | "checkpoint"> {
  readonly jobs: DeckJobs;
  /** Epoch ms by which the work must stop (the invocation's remaining time less a margin). */
  readonly deadline: number;
  /** Milliseconds between progress writes. @default JOB_TIMINGS.progressEveryMs */
  readonly progressEveryMs?: number;
  /** Milliseconds between heartbeats. @default JOB_TIMINGS.heartbeatMs */
  readonly heartbeatMs?: number;
  /** Aborts when the process that runs the worker is stopping (the dev server's close). @default never */
  readonly shutdown?: AbortSignal;
  /** Per-client slots and daily characters: the job's speech is counted against the client that started it. @default none */
  readonly fairUse?: FairUse;
}

export async function runDeckJob(jobId: string, deps: WorkerDeps): Promise<void> {
  const { jobs, deadline, progressEveryMs, heartbeatMs, shutdown, fairUse, ...deckDeps } = deps;
  const started = await jobs.start(jobId);
  if (!started) {
    log("info", "job.skipped", { jobId, reason: "not queued (finished, cancelled, or taken by another delivery)" });
    return;
  }
  const { record, request } = started;
  log("info", "job.started", { jobId, requestId: record.requestId, attempt: record.attempts, estimateSeconds: record.estimateSeconds });
  const recorder = new ProgressRecorder(jobs, record, { everyMs: progressEveryMs ?? JOB_TIMINGS.progressEveryMs, heartbeatMs: heartbeatMs ?? JOB_TIMINGS.heartbeatMs });
  try {
    const { result } = await runDeck(request, {
      ...deckDeps,
      deadline,
      requestId: record.requestId,
      ...(record.owner !== ANONYMOUS_OWNER ? { subject: record.owner } : {}),
      // The job's speech is counted against its client, reserved here before any speech. Its build
      // slot was taken when it was created and is given back when it ends (fairUseJobGate): not here,
      // where an invocation that runs out of time hands the job to the next.
      ...(fairUse && record.fairUse
        ? { fairUse, client: record.fairUse.client, allowance: fairUse.resume(record.fairUse.client, undefined) }
        : {}),
      cancel: shutdown ? AbortSignal.any([recorder.cancelled, shutdown]) : recorder.cancelled,
      onProgress: (done, total, message) => recorder.update({ done, total }, message),
      checkpoint: () => recorder.check(),
    });
    await recorder.stop();
    await jobs.end(jobId, { state: "done", result });
    log("info", "job.done", { jobId, requestId: record.requestId, attempt: record.attempts, clipsSpoken: result.clips_spoken, clipsCached: result.clips_cached });
  } catch (error) {
    await recorder.stop();
    if (shutdown?.aborted && !recorder.cancelled.aborted) {
      await jobs.end(jobId, { state: "failed", message: `The server stopped before the deck was built; nothing was uploaded. Start the deck again. (request ${record.requestId})` });
      log("warn", "job.stopped", { jobId, requestId: record.requestId });
      return;
    }
    if (error instanceof CancelledError || recorder.cancelled.aborted) {
      await jobs.end(jobId, { state: "cancelled", message: CANCELLED });
      log("info", "job.cancelled", { jobId, requestId: record.requestId });
      return;
    }
    // Out of time with a cache to resume from: what was spoken is kept; another invocation speaks the rest.
    if (error instanceof OutOfTimeError && deckDeps.clipCache && record.attempts < MAX_JOB_ATTEMPTS &&
        (await jobs.continueLater(jobId, `continuing after ${record.attempts} of at most ${MAX_JOB_ATTEMPTS} invocations`))) {
      log("warn", "job.continued", { jobId, requestId: record.requestId, attempt: record.attempts, message: error.message });
      return;
    }
    // failureText logs what is ours to fix; the job's own line says the job failed (the alarm counts
    // it), unless the request was refused for its own limits (found only once the cache was read).
    await jobs.end(jobId, { state: "failed", message: failureText(error, record.requestId) });
    const refused = error instanceof LimitError;
    log(refused ? "info" : "error", refused ? "job.refused" : JOB_FAILED_LOG_EVENT, {
      jobId, requestId: record.requestId, attempt: record.attempts, error: error instanceof Error ? error.name : String(error),
    });
  }
}

/**
 * The record's side of the work: progress at most every `everyMs`, a heartbeat every `heartbeatMs`,
 * and the record's word on cancellation, read at each write.
 */
class ProgressRecorder {
  private readonly controller = new AbortController();
  private latest: { progress: JobProgress; message: string };
  private written = 0;
  private writing: Promise<void> | undefined;
  private pending: ReturnType<typeof setTimeout> | undefined;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private stopped = false;

  constructor(private readonly jobs: DeckJobs, private readonly record: JobRecord, private readonly timing: { everyMs: number; heartbeatMs: number }) {
    this.latest = { progress: record.progress, message: record.message ?? "starting" };
    this.heartbeat = setInterval(() => void this.write(), timing.heartbeatMs);
  }

  /** Aborts when the record says the job was cancelled. */
  get cancelled(): AbortSignal {
    return this.controller.signal;
  }

  update(progress: JobProgress, message: string): void {
    this.latest = { progress, message };
    if (this.pending || this.stopped) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      void this.write();
    }, Math.max(0, this.written + this.timing.everyMs - Date.now()));
  }

  /** Writes now and throws CancelledError if the job was cancelled: before packaging, before uploading. */
  async check(): Promise<void> {
    // A write already under way may have read the record before the cancellation: read afresh.
    await this.writing;
    await this.write();
    if (this.controller.signal.aborted) throw new CancelledError();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    if (this.pending) clearTimeout(this.pending);
    await this.writing;
  }

  private write(): Promise<void> {
    // One write at a time; a write asked for meanwhile is folded into the next.
    this.writing ??= (async () => {
      this.written = Date.now();
      try {
        const now = await this.jobs.progress(this.record.id, this.latest.progress, this.latest.message);
        if (!now || now.state !== "running" || now.cancelRequestedAt !== undefined) this.controller.abort(new CancelledError());
      } catch (error) {
        // A missed write costs a heartbeat, not the deck: the next one tries again.
        log("warn", "job.progress_write_failed", { jobId: this.record.id, message: (error as Error).message });
      } finally {
        this.writing = undefined;
      }
    })();
    return this.writing;
  }
}
