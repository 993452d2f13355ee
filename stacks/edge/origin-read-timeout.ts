import { Construct } from "constructs";
import { Fn, Op, Token, type Precondition } from "cdktf";
import { DataAwsServicequotasServiceQuota } from "@cdktf/provider-aws/lib/data-aws-servicequotas-service-quota";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { MIN_TIME_BUDGET_SECONDS } from "../../lambda/src/limits";
import { DEFAULT_ORIGIN_READ_TIMEOUT_CAP } from "../settings";

/** CloudFront's "Response timeout per origin" quota in Service Quotas (service code `cloudfront`). */
export const CLOUDFRONT_RESPONSE_TIMEOUT_QUOTA_CODE = "L-AECE9FA7";

export interface OriginReadTimeoutProps {
  /** ANKIFY_ORIGIN_READ_TIMEOUT when set (10..900, checked by the settings). @default the smaller of 120 and the quota */
  readonly explicit?: number;
  /**
   * The shortest read timeout the function can work with, and why, for the plan's check when the quota
   * decides it. @default MIN_TIME_BUDGET_SECONDS, what the function needs to build and upload even a small deck
   */
  readonly minimum?: { readonly seconds: number; readonly why: string };
  /** A provider in us-east-1: CloudFront's quotas are listed there, whatever the app region. */
  readonly usEast1: AwsProvider;
}

/**
 * How long CloudFront waits for the origin, from the account's real quota rather than a guess:
 * sources disagree on whether 120 s needs approval (the CloudFront API reference says the maximum is
 * 120; older answers and aws-cdk say 60), and a value above the quota makes CloudFront refuse the
 * whole distribution. The quota is read at plan time (`aws_servicequotas_service_quota`, which falls
 * back to AWS's default when the account has no applied value).
 *
 * Unset, the read timeout is `floor(min(120, quota))`, one Terraform expression used everywhere it
 * matters: the distribution, and what the function is given to fit inside it (function-timeouts.ts).
 * Set above the quota, the plan fails with the steps to raise it.
 */
export class OriginReadTimeout extends Construct {
  public readonly quota: DataAwsServicequotasServiceQuota;
  /** Seconds: the explicit number, or the Terraform expression. */
  public readonly seconds: number;
  /** The same, for string contexts (an environment variable). */
  public readonly secondsText: string;
  /** Checks for the distribution: the read timeout is within the quota and long enough for the function. */
  public readonly distributionPreconditions: Precondition[];
  /** For the plan's outputs: which read timeout, and why. */
  public readonly summary: string;
  /** The quota as plan-time text, for messages. */
  public readonly quotaText: string;
  /** The steps to raise the quota to `desired` seconds, for messages. */
  public readonly raiseSteps: (desired: number | string) => string;

  constructor(scope: Construct, id: string, props: OriginReadTimeoutProps) {
    super(scope, id);
    this.quota = new DataAwsServicequotasServiceQuota(this, "quota", {
      provider: props.usEast1,
      serviceCode: "cloudfront",
      quotaCode: CLOUDFRONT_RESPONSE_TIMEOUT_QUOTA_CODE,
    });
    const quota = Token.asString(this.quota.value);
    this.quotaText = quota;
    const raise = (desired: number | string) =>
      `Raise it: Service Quotas console, region US East (N. Virginia) → AWS services → Amazon CloudFront → Response timeout per origin → ` +
      `Request increase at account level; or aws service-quotas request-service-quota-increase --region us-east-1 --service-code cloudfront ` +
      `--quota-code ${CLOUDFRONT_RESPONSE_TIMEOUT_QUOTA_CODE} --desired-value ${desired}. Then plan again.`;
    this.raiseSteps = raise;

    if (props.explicit !== undefined) {
      this.seconds = props.explicit;
      this.secondsText = String(props.explicit);
      this.distributionPreconditions = [{
        condition: Op.lte(props.explicit, this.quota.value),
        errorMessage:
          `ANKIFY_ORIGIN_READ_TIMEOUT = ${props.explicit} is above this account's CloudFront quota "Response timeout per origin" ` +
          `(${CLOUDFRONT_RESPONSE_TIMEOUT_QUOTA_CODE}), which is ${quota} s: CloudFront would refuse the distribution. ` +
          `${raise(props.explicit)} Or lower ANKIFY_ORIGIN_READ_TIMEOUT, or unset it to wait the smaller of ${DEFAULT_ORIGIN_READ_TIMEOUT_CAP} s and the quota.`,
      }];
      this.summary = `${props.explicit} s: ANKIFY_ORIGIN_READ_TIMEOUT (this account's CloudFront quota ${CLOUDFRONT_RESPONSE_TIMEOUT_QUOTA_CODE}: ${quota} s)`;
      return;
    }

    const seconds = Fn.floor(Fn.min([DEFAULT_ORIGIN_READ_TIMEOUT_CAP, this.quota.value]));
    this.seconds = seconds;
    this.secondsText = Token.asString(seconds);
    const minimum = props.minimum ?? { seconds: MIN_TIME_BUDGET_SECONDS, why: "the function needs to build and upload even a small deck" };
    this.distributionPreconditions = [{
      condition: Op.gte(seconds, minimum.seconds),
      errorMessage:
        `CloudFront's "Response timeout per origin" quota (${CLOUDFRONT_RESPONSE_TIMEOUT_QUOTA_CODE}) is ${quota} s, ` +
        `less than the ${minimum.seconds} s ${minimum.why}. ${raise(DEFAULT_ORIGIN_READ_TIMEOUT_CAP)}`,
    }];
    this.summary = `${this.secondsText} s: the smaller of ${DEFAULT_ORIGIN_READ_TIMEOUT_CAP} s and this account's CloudFront quota ${CLOUDFRONT_RESPONSE_TIMEOUT_QUOTA_CODE} (${quota} s)`;
  }
}
