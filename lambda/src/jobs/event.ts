/**
 * What invokes the function: a Function URL (an HTTP request, payload format 2.0, which always has
 * `requestContext.http`) or the function itself, asynchronously, to run a deck job. The job event
 * names a job and nothing else: the worker reads what to build from the job's record, which only the
 * function can write. A Function URL request can never be taken for a job event, whatever its body
 * says: its event is the request's envelope, and the body is a string inside it.
 */
export const DECK_JOB_EVENT = "deck-job";

export interface DeckJobEvent {
  readonly ankify: typeof DECK_JOB_EVENT;
  readonly jobId: string;
}

export const deckJobEvent = (jobId: string): DeckJobEvent => ({ ankify: DECK_JOB_EVENT, jobId });

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** An HTTP request through the Function URL. */
export function isFunctionUrlEvent(event: unknown): boolean {
  return isObject(event) && isObject(event["requestContext"]) && isObject(event["requestContext"]["http"]);
}

/** The function's own job event (checked after isFunctionUrlEvent: a request is never one). */
export function isDeckJobEvent(event: unknown): event is DeckJobEvent {
  return isObject(event) && !("requestContext" in event) && event["ankify"] === DECK_JOB_EVENT && typeof event["jobId"] === "string";
}

/**
 * The log line of a deck job that failed for a reason of ours or of time (never a request's own
 * limits): the stack's alarm counts it (stacks/edge/alarms.ts). Light on purpose, like this module.
 */
export const JOB_FAILED_LOG_EVENT = "job.failed";
