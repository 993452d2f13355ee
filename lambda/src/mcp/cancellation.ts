/**
 * Tool calls in flight in this process, so that a `notifications/cancelled` can reach the call it
 * names. On a stateless server the cancellation arrives as a request of its own, to a fresh server
 * instance that never saw the call: without this registry it would be acknowledged and ignored.
 * A caller can only cancel its own calls: the key is the authenticated subject (access/subject.ts).
 * A call without a subject (none mode) is not registered at all: with nobody authenticated, any
 * caller could name it, so only its own request (a disconnect) stops it.
 *
 * In Lambda a cancellation is served by whichever execution environment is free, never the busy one
 * building the deck, so there only a disconnect stops the work (docs/function.md says so).
 */
export class InFlightCalls {
  private readonly calls = new Map<string, AbortController>();

  /** Registers a call; `signal` aborts if it is cancelled; call `done` when it ends. */
  start(subject: string | undefined, requestId: string | number): { readonly signal: AbortSignal; done(): void } {
    const controller = new AbortController();
    if (subject === undefined) return { signal: controller.signal, done: () => {} };
    const key = InFlightCalls.key(subject, requestId);
    this.calls.set(key, controller);
    return {
      signal: controller.signal,
      done: () => {
        if (this.calls.get(key) === controller) this.calls.delete(key);
      },
    };
  }

  /** Cancels the subject's call with this id, if one is running here; says whether one was. */
  cancel(subject: string | undefined, requestId: string | number): boolean {
    if (subject === undefined) return false;
    const controller = this.calls.get(InFlightCalls.key(subject, requestId));
    controller?.abort(new Error("cancelled by the client"));
    return controller !== undefined;
  }

  get size(): number {
    return this.calls.size;
  }

  private static key(subject: string, requestId: string | number): string {
    return `${subject}\x1f${typeof requestId}:${String(requestId)}`;
  }
}
