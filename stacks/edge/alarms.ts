import { Construct } from "constructs";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Token } from "cdktf";
import { JOB_FAILED_LOG_EVENT } from "../../lambda/src/jobs/event";

/** Every alarm looks at 5-minute sums, averages or maxima: long enough to be quiet, short enough to act on. */
const PERIOD_SECONDS = 300;
/** CloudFront 5xx responses, as a percentage of all responses, that count as an outage. */
export const CDN_5XX_RATE_THRESHOLD = 5;
/**
 * Below this many requests in a period the 5xx rate is not judged: at low traffic one error is a
 * large percentage (1 of 4 requests is 25 %). At 20, it takes two errors to pass 5 %.
 */
export const CDN_5XX_MIN_REQUESTS = 20;

export interface AlarmsProps {
  /** Prefixes the topics' and alarms' names. */
  readonly name: string;
  /** The Ankify function (metrics in AWS/Lambda, app region). */
  readonly functionName: string;
  /** Its log group, named in the alarm descriptions as the first place to look. */
  readonly logGroupName: string;
  /**
   * Alarm when an invocation runs longer than this, in ms (> 0), or a Terraform expression giving it:
   * just past the deadline by which an answer stops itself (function-timeouts.ts).
   */
  readonly durationThresholdMs: number;
  /** The same in seconds, as text, for the description. @default durationThresholdMs / 1000 */
  readonly durationThresholdSeconds?: string;
  /** The deadline the threshold sits above, for the description, e.g. "its 295 s stream budget, by which …". @default none named */
  readonly durationDeadline?: string;
  /**
   * The throttle alarm's first sentence, what refused the requests (ConcurrencyReservation's; it may
   * be a Terraform expression). @default the account's concurrency
   */
  readonly throttleCause?: string;
  /**
   * Deck jobs (lambda/src/jobs/): alarms on jobs that failed and on workers Lambda never ran.
   * `logGroupName` is the log group resource's name attribute, so the metric filter waits for it.
   * @default undefined: no job alarms
   */
  readonly jobs?: { readonly logGroupName: string };
  /** The distribution (metrics in AWS/CloudFront, us-east-1). */
  readonly distributionId: string;
  /** The web ACL's metric names, for the rate rule's blocked count. @default undefined: no web ACL, no WAF alarm */
  readonly webAcl?: { readonly metricName: string; readonly rateRuleMetricName: string; readonly rateLimit: number };
  /** An address subscribed to both topics by e-mail; it must confirm each subscription. @default undefined: none */
  readonly email?: string;
  /** A provider in us-east-1, where CloudFront and CloudFront-scope WAF publish their metrics. */
  readonly usEast1: AwsProvider;
}

/**
 * Alarms for what breaks Ankify or runs up its bill, each to an SNS topic: one in the app region for
 * the function's metrics, one in us-east-1 for CloudFront's and WAF's (an alarm can only notify a
 * topic in its own region, and those metrics exist only in us-east-1).
 *
 * Missing data is "not breaching": no traffic is not an outage.
 */
export class Alarms extends Construct {
  /** Topic for the function's alarms (app region). */
  public readonly topic: SnsTopic;
  /** Topic for CloudFront's and WAF's alarms (us-east-1). */
  public readonly edgeTopic: SnsTopic;
  public readonly functionErrors: CloudwatchMetricAlarm;
  public readonly functionThrottles: CloudwatchMetricAlarm;
  public readonly functionDuration: CloudwatchMetricAlarm;
  public readonly cdn5xxRate: CloudwatchMetricAlarm;
  /** Only with a web ACL. */
  public readonly rateLimited?: CloudwatchMetricAlarm;
  /** Only with jobs: a job ended failed (its worker's `job.failed` log line). */
  public readonly deckJobsFailed?: CloudwatchMetricAlarm;
  /** Only with jobs: Lambda dropped a job's event without running it (too old, or out of retries). */
  public readonly deckJobsDropped?: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.durationThresholdMs) && !(props.durationThresholdMs > 0)) throw new Error(`Alarms: durationThresholdMs ${props.durationThresholdMs} must be more than 0.`);
    // Not KMS-encrypted: CloudWatch cannot publish to a topic under the AWS-managed aws/sns key, and
    // alarm notifications carry no secrets that would justify a customer-managed key ($1/month each).
    this.topic = new SnsTopic(this, "topic", { name: `${props.name}-alarms`, displayName: "Ankify alarms" });
    this.edgeTopic = new SnsTopic(this, "edge-topic", { provider: props.usEast1, name: `${props.name}-edge-alarms`, displayName: "Ankify edge alarms" });
    if (props.email !== undefined) {
      new SnsTopicSubscription(this, "email", { topicArn: this.topic.arn, protocol: "email", endpoint: props.email });
      new SnsTopicSubscription(this, "edge-email", { provider: props.usEast1, topicArn: this.edgeTopic.arn, protocol: "email", endpoint: props.email });
    }

    const functionAlarm = (alarmId: string, config: { metricName: string; statistic: string; threshold: number; comparisonOperator: string; description: string }) =>
      new CloudwatchMetricAlarm(this, alarmId, {
        alarmName: `${props.name}-${alarmId}`,
        alarmDescription: config.description,
        namespace: "AWS/Lambda",
        metricName: config.metricName,
        dimensions: { FunctionName: props.functionName },
        statistic: config.statistic,
        period: PERIOD_SECONDS,
        evaluationPeriods: 1,
        threshold: config.threshold,
        comparisonOperator: config.comparisonOperator,
        treatMissingData: "notBreaching",
        alarmActions: [this.topic.arn],
        okActions: [this.topic.arn],
      });

    this.functionErrors = functionAlarm("function-errors", {
      metricName: "Errors",
      statistic: "Sum",
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      description:
        `The Ankify function failed an invocation (an exception or a timeout, not a tool error). Look first at its log group ` +
        `${props.logGroupName} around the alarm time (Logs Insights: filter level = "ERROR" or "Task timed out").`,
    });
    this.functionThrottles = functionAlarm("function-throttles", {
      metricName: "Throttles",
      statistic: "Sum",
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      description:
        (props.throttleCause ?? "Requests were refused (429) because the account's Lambda concurrency was used up. ") +
        "Look first at the function's ConcurrentExecutions metric and the web ACL's sampled requests: one client flooding, or real demand above the ceiling.",
    });
    const durationMs = Token.isUnresolved(props.durationThresholdMs) ? Token.asString(props.durationThresholdMs) : String(props.durationThresholdMs);
    this.functionDuration = functionAlarm("function-duration", {
      metricName: "Duration",
      statistic: "Maximum",
      threshold: props.durationThresholdMs,
      comparisonOperator: "GreaterThanThreshold",
      description:
        `An invocation ran longer than ${props.durationThresholdSeconds ?? String(props.durationThresholdMs / 1000)} s` +
        (props.durationDeadline !== undefined ? `: past ${props.durationDeadline}` : "") +
        `, so it overran its own deadline or hit the function's timeout. ` +
        `Look first at ${props.logGroupName} for that request (Logs Insights: filter @duration > ${durationMs}), ` +
        "its card and clip counts and what it waited on: Polly throttling (AWS/Polly ThrottledRequests), S3 uploads.",
    });

    if (props.jobs) {
      // The worker logs one `job.failed` line (level error) per job that failed for a reason of ours
      // or of time, never for a request's own limits: one is worth a look.
      const filter = new CloudwatchLogMetricFilter(this, "deck-jobs-failed-filter", {
        name: `${props.name}-deck-jobs-failed`,
        logGroupName: props.jobs.logGroupName,
        pattern: `{ $.event = "${JOB_FAILED_LOG_EVENT}" }`,
        metricTransformation: { name: "DeckJobsFailed", namespace: `Ankify/${props.name}`, value: "1", defaultValue: "0", unit: "Count" },
      });
      this.deckJobsFailed = new CloudwatchMetricAlarm(this, "deck-jobs-failed", {
        alarmName: `${props.name}-deck-jobs-failed`,
        alarmDescription:
          `A deck job failed (not a request refused for its own limits). Look first at ${props.logGroupName} (Logs Insights: ` +
          `filter event = "${JOB_FAILED_LOG_EVENT}", then the jobId's other lines): Polly throttling or refusals, S3, or a deck that ran out of time in every invocation it got.`,
        namespace: `Ankify/${props.name}`,
        metricName: "DeckJobsFailed",
        ...anyInFiveMinutes(this.topic.arn),
        dependsOn: [filter],
      });
      this.deckJobsDropped = functionAlarm("deck-jobs-dropped", {
        metricName: "AsyncEventsDropped",
        statistic: "Sum",
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        description:
          "Lambda dropped a deck job's event without running its worker: it waited past the maximum event age (the function's concurrency was used up) " +
          "or its one attempt failed. The job reports itself as never started. Look first at the function's Throttles and AsyncEventAge metrics and ANKIFY_MAX_CONCURRENCY.",
      });
    }

    // CloudFront's metrics: namespace AWS/CloudFront, us-east-1 only, with Region = "Global". The
    // rate counts only where the period had enough requests to mean something (metric math).
    const cdnMetric = (metricName: string, stat: string) => ({
      namespace: "AWS/CloudFront",
      metricName,
      stat,
      period: PERIOD_SECONDS,
      dimensions: { DistributionId: props.distributionId, Region: "Global" },
    });
    this.cdn5xxRate = new CloudwatchMetricAlarm(this, "cdn-5xx-rate", {
      provider: props.usEast1,
      alarmName: `${props.name}-cdn-5xx-rate`,
      alarmDescription:
        `More than ${CDN_5XX_RATE_THRESHOLD} % of at least ${CDN_5XX_MIN_REQUESTS} responses in 5 minutes were 5xx. Look first at the function alarms (a 504 is the origin ` +
        "read timeout, a 502 a failed origin connection or a Lambda@Edge error), then at the distribution's Monitoring page in the CloudFront console.",
      metricQuery: [
        { id: "requests", metric: cdnMetric("Requests", "Sum"), returnData: false },
        { id: "rate", metric: cdnMetric("5xxErrorRate", "Average"), returnData: false },
        {
          id: "gated",
          expression: `IF(requests >= ${CDN_5XX_MIN_REQUESTS}, rate, 0)`,
          label: `5xx error rate (%), 0 below ${CDN_5XX_MIN_REQUESTS} requests in 5 minutes`,
          returnData: true,
        },
      ],
      evaluationPeriods: 1,
      threshold: CDN_5XX_RATE_THRESHOLD,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [this.edgeTopic.arn],
      okActions: [this.edgeTopic.arn],
    });

    if (props.webAcl) {
      // For CloudFront web ACLs, WAF's metrics have only the WebACL and Rule dimensions (both metric
      // names): "Region" is required for every protected resource type except CloudFront
      // (AWS WAF developer guide, "AWS WAF metrics and dimensions").
      this.rateLimited = new CloudwatchMetricAlarm(this, "rate-limited", {
        provider: props.usEast1,
        alarmName: `${props.name}-rate-limited`,
        alarmDescription:
          `WAF answered 429 to a client over ${props.webAcl.rateLimit} requests in 5 minutes (ANKIFY_RATE_LIMIT). Look first at the web ACL's ` +
          "sampled requests for the rate-limit rule (WAF console, us-east-1) for the IP and user agent: a flood or scanner, or a real client that needs a higher limit.",
        namespace: "AWS/WAFV2",
        metricName: "BlockedRequests",
        dimensions: { WebACL: props.webAcl.metricName, Rule: props.webAcl.rateRuleMetricName },
        ...anyInFiveMinutes(this.edgeTopic.arn),
      });
    }
  }
}

/** An alarm on a count: one or more in a 5-minute period, telling `topicArn` when it fires and when it clears. */
function anyInFiveMinutes(topicArn: string) {
  return {
    statistic: "Sum",
    period: PERIOD_SECONDS,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
    alarmActions: [topicArn],
    okActions: [topicArn],
  };
}
