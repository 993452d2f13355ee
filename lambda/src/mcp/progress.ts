/**
 * Progress of a long tool call as MCP `notifications/progress`, for a client that asked for it (a
 * `_meta.progressToken`) and reads a stream. Real steps are sent as they happen, at most a few a
 * second; when a step takes long (a throttled retry, a large upload), a heartbeat still sends a
 * notification every `intervalMs`, its progress nudged up by a hundredth (the spec wants each value
 * higher than the last), so a client that resets its timeout on progress never gives up on a deck
 * that is still being built.
 */
export interface ProgressUpdate {
  readonly progress: number;
  readonly total: number;
  readonly message: string;
}

export type SendProgress = (update: ProgressUpdate) => Promise<void>;

export interface ProgressReporter {
  /** A step: `progress` out of `total`, with a short message ("speaking 120/500"). */
  update(progress: number, total: number, message: string): void;
  /** No more notifications (the result is about to be sent). */
  stop(): void;
}

/** Real steps closer together than this are folded into the next one. */
const MIN_GAP_MS = 250;

export function createProgressReporter(send: SendProgress, intervalMs: number): ProgressReporter {
  let latest: ProgressUpdate | undefined;
  let sent = -Infinity;
  let sentAt = 0;
  let stopped = false;
  let pending: ReturnType<typeof setTimeout> | undefined;

  const emit = (update: ProgressUpdate) => {
    if (stopped || update.progress <= sent) return;
    sent = update.progress;
    sentAt = Date.now();
    // A client that went away is noticed by the transport; a failed send changes nothing here.
    send(update).catch(() => {});
  };
  const flush = () => {
    pending = undefined;
    if (latest) emit(latest);
  };
  const heartbeat = setInterval(() => {
    if (!latest || Date.now() - sentAt < intervalMs) return;
    const floor = Math.floor(latest.progress);
    // Creep within the current step, never reaching the next one.
    const nudged = Math.min(Math.max(sent, latest.progress) + 0.01, floor + 0.99);
    emit({ ...latest, progress: Math.round(nudged * 100) / 100 });
  }, Math.max(10, Math.floor(intervalMs / 2)));
  heartbeat.unref?.();

  return {
    update(progress, total, message) {
      latest = { progress, total, message };
      if (Date.now() - sentAt >= MIN_GAP_MS) flush();
      else pending ??= setTimeout(flush, MIN_GAP_MS - (Date.now() - sentAt));
    },
    stop() {
      stopped = true;
      clearInterval(heartbeat);
      if (pending) clearTimeout(pending);
    },
  };
}
