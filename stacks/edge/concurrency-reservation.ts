import { Construct } from "constructs";
import { Fn, Op, Token, type Precondition } from "cdktf";
import { DataAwsServicequotasServiceQuota } from "@cdktf/provider-aws/lib/data-aws-servicequotas-service-quota";
import { AUTO_MAX_CONCURRENCY } from "../settings";

/** Lambda's "Concurrent executions" quota in Service Quotas (service code `lambda`), per region. */
export const LAMBDA_CONCURRENCY_QUOTA_CODE = "L-B99A9384";
/** Lambda refuses a reservation that leaves fewer than this many executions unreserved. */
export const UNRESERVED_MINIMUM = 100;

export interface ConcurrencyReservationProps {
  /** ANKIFY_MAX_CONCURRENCY: a number (explicit), "auto" or "none". */
  readonly maxConcurrency: number | "auto" | "none";
  /** The app region, for the messages (the quota is read there, through the default provider). */
  readonly region: string;
}

/**
 * The function's reserved concurrency, decided against the account's real quota at plan time.
 *
 * Lambda keeps 100 executions unreserved, and new accounts often have a quota of 10: there any
 * reservation fails, and since the provider creates the function before it sets the reservation,
 * the function is left tainted and the URL and distribution never appear. So "auto" (the default)
 * reserves only where the quota leaves 100 unreserved, and says so in the plan; an explicit number
 * that the quota cannot hold stops the plan with the steps to raise it.
 *
 * The quota does not show what other functions have reserved already: in an account where they
 * hold much of it, the apply can still be refused (docs/first-deploy.md).
 */
export class ConcurrencyReservation extends Construct {
  public readonly quota?: DataAwsServicequotasServiceQuota;
  /** For the function's reserved_concurrent_executions (-1: none); undefined: leave it unset. */
  public readonly reservedConcurrentExecutions?: number;
  /** For the function's lifecycle: an explicit reservation fits the quota. */
  public readonly preconditions: Precondition[];
  /** For the plan's outputs: what was reserved, and why. */
  public readonly summary: string;
  /** The throttle alarm's first sentence: what refused the requests. */
  public readonly throttleCause: string;

  constructor(scope: Construct, id: string, props: ConcurrencyReservationProps) {
    super(scope, id);
    const account = "Requests were refused (429) because the account's Lambda concurrency was used up. ";
    const reserved = (n: number) => `Requests were refused (429) because ${n} copies of the function (ANKIFY_MAX_CONCURRENCY) were already running. `;
    if (props.maxConcurrency === "none") {
      this.preconditions = [];
      this.summary = "none: ANKIFY_MAX_CONCURRENCY = none (the function shares the account's unreserved concurrency)";
      this.throttleCause = account;
      return;
    }

    const quota = new DataAwsServicequotasServiceQuota(this, "quota", { serviceCode: "lambda", quotaCode: LAMBDA_CONCURRENCY_QUOTA_CODE });
    this.quota = quota;
    const value = Token.asString(quota.value);
    const fits = (n: number) => Op.gte(Op.sub(quota.value, n), UNRESERVED_MINIMUM);
    const raise = (n: number) =>
      `Raise it: Service Quotas console, region ${props.region} → AWS services → AWS Lambda → Concurrent executions → Request increase at account level; ` +
      `or aws service-quotas request-service-quota-increase --region ${props.region} --service-code lambda --quota-code ${LAMBDA_CONCURRENCY_QUOTA_CODE} ` +
      `--desired-value ${Math.max(1000, n + UNRESERVED_MINIMUM)}.`;

    if (props.maxConcurrency === "auto") {
      const n = AUTO_MAX_CONCURRENCY;
      this.reservedConcurrentExecutions = Token.asNumber(Fn.conditional(fits(n), n, -1));
      this.preconditions = [];
      this.summary = Fn.conditional(
        fits(n),
        `${n} reserved (account quota ${value})`,
        `none: the account's concurrency quota is ${value}; Lambda keeps ${UNRESERVED_MINIMUM} executions unreserved, so reserving ${n} needs a quota ` +
          `of at least ${n + UNRESERVED_MINIMUM} (${LAMBDA_CONCURRENCY_QUOTA_CODE}). Nothing bounds how many copies run at once until you raise it. ${raise(n)}`,
      );
      this.throttleCause = Fn.conditional(fits(n), reserved(n), account);
      return;
    }

    const n = props.maxConcurrency;
    this.reservedConcurrentExecutions = n;
    this.preconditions = [{
      condition: fits(n),
      errorMessage:
        `ANKIFY_MAX_CONCURRENCY = ${n} cannot be reserved: this account's Lambda quota "Concurrent executions" (${LAMBDA_CONCURRENCY_QUOTA_CODE}) ` +
        `in ${props.region} is ${value}, and Lambda keeps ${UNRESERVED_MINIMUM} executions unreserved, so reserving ${n} needs a quota of at least ` +
        `${n + UNRESERVED_MINIMUM}. ${raise(n)} Then plan again; or set ANKIFY_MAX_CONCURRENCY=auto to reserve only where the quota allows it.`,
    }];
    this.summary = `${n} reserved (account quota ${value})`;
    this.throttleCause = reserved(n);
  }
}
