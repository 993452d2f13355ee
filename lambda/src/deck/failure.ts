/**
 * What a client reads when a deck fails, inline or as a job. Limits and the deadline are the
 * client's to act on and say how; anything else is ours: a short sentence and the request id, with
 * the full error (which may name buckets, roles, paths or hosts) only in the log.
 */
import { UsageUnavailableError } from "../access/fair-use";
import { LimitError, OutOfTimeError } from "../limits";
import { log } from "../log";
import { CancelledError } from "./create-deck";

export function failureText(error: unknown, requestId: string): string {
  if (error instanceof OutOfTimeError) {
    return `The deck could not be finished in time: ${error.message}. Nothing was uploaded. ` +
      `Try fewer cards, audio: "front" instead of "both", or audio: "none". (request ${requestId})`;
  }
  if (error instanceof LimitError) return `${error.message} (request ${requestId})`;
  if (error instanceof UsageUnavailableError) {
    log("error", "fair_use.unavailable", { requestId, message: error.cause instanceof Error ? error.cause.message : String(error.cause) });
    return `Ankify could not check your daily speech allowance just now, so nothing was spoken or uploaded. Try again in a minute. (request ${requestId})`;
  }
  if (error instanceof CancelledError) {
    log("info", "create_deck.cancelled", { requestId });
    return `The deck was cancelled; nothing was uploaded. (request ${requestId})`;
  }
  log("error", "create_deck.failed", { requestId, error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) });
  return `Ankify could not build the deck because of an internal error; nothing was uploaded. Try again, and if it keeps failing give the owner this request id: ${requestId}.`;
}
