/**
 * How long the function, and each kind of answer, may take: worked out from validated settings, as
 * numbers where the settings decide them. Where the read timeout comes from CloudFront's quota at plan
 * time these are undefined, and the stack uses that expression instead (stacks/edge/function-timeouts.ts).
 */
import { bufferedBudgetSeconds, streamBudgetSeconds } from "../../lambda/src/limits";
import type { Settings } from "./load";

/**
 * The function's timeout. RESPONSE_STREAM: no shorter than CloudFront's read timeout; BUFFERED: no
 * longer (the settings' rules see to both). Undefined when BUFFERED follows an unset read timeout.
 */
export function functionTimeoutSeconds(settings: Settings): number | undefined {
  return settings.functionTimeout;
}

/**
 * How long a deck answered in one piece (JSON) may take (ANKIFY_TIME_BUDGET_SECONDS). RESPONSE_STREAM:
 * its first byte is its last, so CloudFront's read timeout bounds it. BUFFERED: every answer is one
 * piece and must be out before the function's timeout, which fits inside the read timeout. Undefined
 * when that comes from CloudFront's quota at plan time.
 */
export function requestBudgetSeconds(settings: Settings): number | undefined {
  if (settings.invokeMode === "BUFFERED") return settings.functionTimeout === undefined ? undefined : bufferedBudgetSeconds(settings.functionTimeout);
  return settings.originReadTimeout;
}

/**
 * How long a streamed deck may take (ANKIFY_STREAM_BUDGET_SECONDS): bytes flow every few seconds, so
 * only the function's timeout bounds it, less a margin for the tool error to go out. Undefined when
 * BUFFERED: nothing streams there.
 */
export function deckStreamBudgetSeconds(settings: Settings): number | undefined {
  if (settings.invokeMode === "BUFFERED") return undefined;
  return streamBudgetSeconds(settings.functionTimeout!);
}
