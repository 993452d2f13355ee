/** How long the function, and each kind of answer, may take: worked out from validated settings. */
import { streamBudgetSeconds } from "../../lambda/src/limits";
import type { Settings } from "./load";

/** The function's timeout: no shorter than any CloudFront wait (the settings rules see to that). */
export function functionTimeoutSeconds(settings: Settings): number {
  return settings.functionTimeout;
}

/**
 * How long a deck answered in one piece (JSON, for clients that do not read streams) may take: its
 * first byte is its last, so CloudFront's read timeout bounds it. Undefined when the read timeout
 * comes from CloudFront's quota at plan time (the stack passes that expression instead).
 */
export function requestBudgetSeconds(settings: Settings): number | undefined {
  return settings.originReadTimeout;
}

/**
 * How long a streamed deck may take: bytes flow every few seconds, so only the function's timeout
 * bounds it, less a margin for the tool error to go out.
 */
export function deckStreamBudgetSeconds(settings: Settings): number {
  return streamBudgetSeconds(settings.functionTimeout);
}
