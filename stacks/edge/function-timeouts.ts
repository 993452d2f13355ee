import { Op, Token, type Precondition } from "cdktf";
import { LAMBDA_STOP_MARGIN_SECONDS, MIN_FUNCTION_TIMEOUT_SECONDS } from "../../lambda/src/limits";
import { DEFAULT_ORIGIN_READ_TIMEOUT_CAP, deckStreamBudgetSeconds, functionTimeoutSeconds, requestBudgetSeconds, type Settings } from "../settings";
import { CLOUDFRONT_RESPONSE_TIMEOUT_QUOTA_CODE, type OriginReadTimeout } from "./origin-read-timeout";

/** The read timeout's plan-time check, for a Function URL in BUFFERED mode: its function must fit inside it. */
export const BUFFERED_READ_TIMEOUT_MINIMUM = {
  seconds: MIN_FUNCTION_TIMEOUT_SECONDS,
  why: `a buffered answer needs: the function's shortest timeout, which keeps ${LAMBDA_STOP_MARGIN_SECONDS} s after its budget to send the answer`,
} as const;

export interface FunctionTimeouts {
  /** Lambda's timeout in seconds: a number, or (BUFFERED, neither timeout set) the read timeout's own Terraform expression. */
  readonly timeout: number;
  /** ANKIFY_TIME_BUDGET_SECONDS: how long an answer sent in one piece may take, as a number or a Terraform expression. */
  readonly timeBudget: string;
  /** ANKIFY_STREAM_BUDGET_SECONDS: how long a streamed deck may take. Undefined when BUFFERED: nothing streams there. */
  readonly streamBudget?: number;
  /** Checks the plan makes where the read timeout comes from CloudFront's quota. */
  readonly preconditions: Precondition[];
  /** The duration alarm: past the budget a deck stops at, halfway to the timeout (see alarms.ts). */
  readonly durationAlarm: {
    readonly thresholdMs: number;
    /** The threshold in seconds, as text (a number or an expression). */
    readonly thresholdSeconds: string;
    /** The deadline it sits above, for the alarm's description. */
    readonly deadline: string;
  };
}

/**
 * The function's timeout and the budgets it is told, fitted to CloudFront's read timeout by the
 * Function URL's invoke mode:
 *
 * - RESPONSE_STREAM: bytes flow every few seconds, so the read timeout bounds only the gaps, and a
 *   streamed deck may take the whole timeout less the stop margin. A JSON answer's first byte is its
 *   last: its budget is the read timeout, so the timeout must be at least that.
 * - BUFFERED: the Function URL holds every answer until the function returns, so the whole invocation
 *   must end within the read timeout: the timeout is at most the read timeout (by default equal to it,
 *   the same Terraform expression when the quota decides it), and a function still running when
 *   CloudFront answers 504 is stopped instead of spending on. Every answer's budget is the timeout
 *   less the stop margin; nothing streams.
 *
 * Where the read timeout is known at synth, the settings' rules have checked the explicit values
 * already; where it comes from the quota, a precondition checks them at plan time.
 */
export function functionTimeouts(settings: Settings, readTimeout: OriginReadTimeout): FunctionTimeouts {
  const explicit = functionTimeoutSeconds(settings);
  const fromQuota = settings.originReadTimeout === undefined;
  const why = `the smaller of ${DEFAULT_ORIGIN_READ_TIMEOUT_CAP} s and this account's CloudFront quota ${CLOUDFRONT_RESPONSE_TIMEOUT_QUOTA_CODE}, ${readTimeout.quotaText} s`;

  if (settings.invokeMode === "BUFFERED") {
    const timeout = explicit ?? readTimeout.seconds;
    const budget = requestBudgetSeconds(settings);
    const timeBudget = budget !== undefined ? String(budget) : Token.asString(Op.sub(timeout, LAMBDA_STOP_MARGIN_SECONDS));
    // An explicit timeout against the quota's read timeout: the settings allowed at most the cap.
    const preconditions: Precondition[] = explicit !== undefined && fromQuota ? [{
      condition: Op.lte(explicit, readTimeout.seconds),
      errorMessage:
        `ANKIFY_FUNCTION_TIMEOUT = ${explicit} is longer than the origin read timeout, ${readTimeout.secondsText} s (${why}): with ` +
        `ANKIFY_INVOKE_MODE = BUFFERED an answer leaves only when the function returns, so CloudFront would answer 504 while the function ` +
        `kept running (and spending). Lower ANKIFY_FUNCTION_TIMEOUT to at most ${readTimeout.secondsText}, unset it to follow the read timeout, ` +
        `or raise CloudFront's quota. ${readTimeout.raiseSteps(explicit)}`,
    }] : [];
    return {
      timeout,
      timeBudget,
      preconditions,
      durationAlarm: durationAlarm(timeout, `its ${timeBudget} s time budget, by which a buffered answer stops with a tool error`),
    };
  }

  // RESPONSE_STREAM: the settings always give a number (at least the read timeout where that is set).
  const timeout = explicit!;
  const streamBudget = deckStreamBudgetSeconds(settings)!;
  // Any read timeout the default can give is at most the cap: a function timeout that long needs no check.
  const preconditions: Precondition[] = fromQuota && timeout < DEFAULT_ORIGIN_READ_TIMEOUT_CAP ? [{
    condition: Op.gte(timeout, readTimeout.seconds),
    errorMessage:
      `ANKIFY_FUNCTION_TIMEOUT = ${timeout} is shorter than the origin read timeout, ${readTimeout.secondsText} s (${why}): ` +
      `a deck answered as JSON could outlive the function. Set ANKIFY_ORIGIN_READ_TIMEOUT to at most ${timeout}, or raise ANKIFY_FUNCTION_TIMEOUT.`,
  }] : [];
  return {
    timeout,
    timeBudget: String(requestBudgetSeconds(settings) ?? readTimeout.secondsText),
    streamBudget,
    preconditions,
    durationAlarm: durationAlarm(timeout, `its ${streamBudget} s stream budget, by which a deck stops with a tool error`),
  };
}

/**
 * Halfway between the budget (the timeout less the stop margin) and the timeout: a legitimate answer,
 * however long, ends before it; an invocation that overran its own deadline, or hit the timeout,
 * passes it. `timeout` may be a Terraform expression; the threshold then is one too.
 */
function durationAlarm(timeout: number, deadline: string): FunctionTimeouts["durationAlarm"] {
  const margin = LAMBDA_STOP_MARGIN_SECONDS / 2;
  if (Token.isUnresolved(timeout)) {
    return { thresholdMs: Op.mul(Op.sub(timeout, margin), 1000), thresholdSeconds: Token.asString(Op.sub(timeout, margin)), deadline };
  }
  return { thresholdMs: (timeout - margin) * 1000, thresholdSeconds: String(timeout - margin), deadline };
}
