/**
 * Tool calls in flight in this process, so that a `notifications/cancelled` can reach the call it
 * names. On a stateless server the cancellation arrives as a request of its own, to a fresh server
 * instance that never saw the call: without this registry it would be acknowledged and ignored.
 * A client can only cancel its own calls: the key includes the authenticated client.
 *
 * In Lambda a cancellation is served by whichever execution environment is free, never the busy one
 * building the deck, so there only a disconnect stops the work (docs/function.md says so).
 */
export class InFlightCalls {
  private readonly calls = new Map<string, AbortController>();

  /** Registers a call; `signal` aborts if it is cancelled; call `done` when it ends. */
  start(clientId: string, requestId: string | number): { readonly signal: AbortSignal; done(): void } {
    const key = InFlightCalls.key(clientId, requestId);
    const controller = new AbortController();
    this.calls.set(key, controller);
    return {
      signal: controller.signal,
      done: () => {
        if (this.calls.get(key) === controller) this.calls.delete(key);
      },
    };
  }

  /** Cancels the client's call with this id, if one is running here; says whether one was. */
  cancel(clientId: string, requestId: string | number): boolean {
    const controller = this.calls.get(InFlightCalls.key(clientId, requestId));
    controller?.abort(new Error("cancelled by the client"));
    return controller !== undefined;
  }

  get size(): number {
    return this.calls.size;
  }

  private static key(clientId: string, requestId: string | number): string {
    return `${clientId}\x1f${typeof requestId}:${String(requestId)}`;
  }
}
