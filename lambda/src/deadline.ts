/**
 * A request's time as every AWS call in it sees it: one abort signal that fires at the deadline (or
 * when the client goes away or cancels), handed to each call as `client.send(command, { abortSignal })`,
 * and one way of saying what a stage's failure means once it has fired. The SDK clients have no
 * request timeout of their own (none by default), so without the signal a hung service — S3,
 * DynamoDB, Lambda — would hold the request past its deadline; with it, the call ends at the
 * deadline and the client reads "could not be finished in time: <stage> did not finish within the
 * time budget", not an internal error. create_deck's stages, fair use and deck jobs all take it.
 */
import { setMaxListeners } from "node:events";
import { OutOfTimeError } from "./limits";

/** The client went away or cancelled: the work stopped and nothing was stored. */
export class CancelledError extends Error {
  constructor() {
    super("the request was cancelled");
    this.name = "CancelledError";
  }
}

/**
 * How long work that belongs after the deadline may take (settling a build's usage, freeing its slot,
 * removing a staged upload, marking a job that could not start as failed): its request's signal has
 * usually fired by then, and this stays well inside the margin kept before Lambda's timeout
 * (LAMBDA_STOP_MARGIN_SECONDS), so a hung service cannot hold the invocation until it is killed.
 */
export const CLEANUP_TIMEOUT_MS = 2_000;

export interface TimeBudget {
  /** Aborts at the deadline or when the caller cancels: what every call of the request takes. */
  readonly signal: AbortSignal;
  /** Aborts at the deadline only. */
  readonly timeUp: AbortSignal;
  /**
   * What a stage's failure means, for `.catch(budget.failed("uploading the deck"))`: once the caller
   * cancelled, CancelledError; once the time is up, OutOfTimeError naming the stage (an aborted call
   * is not an internal error); otherwise the error as it is.
   */
  failed(stage: string): (error: unknown) => never;
}

/** The budget of work that must end by `deadline` (epoch ms), or sooner if `cancel` aborts. */
export function timeBudget(deadline: number, cancel?: AbortSignal): TimeBudget {
  const timeUp = AbortSignal.timeout(Math.max(0, deadline - Date.now()));
  const signal = cancel ? AbortSignal.any([timeUp, cancel]) : timeUp;
  // Every cache read and write in flight listens to it: many listeners, none leaked.
  setMaxListeners(64, signal);
  return {
    signal,
    timeUp,
    failed: (stage) => (error) => {
      if (cancel?.aborted) throw new CancelledError();
      if (timeUp.aborted && !(error instanceof OutOfTimeError)) throw new OutOfTimeError(`${stage} did not finish within the time budget`);
      throw error;
    },
  };
}
