import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { METRICS_NAMESPACE } from "../../lambda/src/metrics";

/** Decks that timed out in one 5-minute period before it is worth a look (one client retrying a big deck makes one or two). */
export const DECK_TIMEOUT_ALARM_THRESHOLD = 3;

export interface DeckAlarmsProps {
  /** Prefixes the alarms' names. */
  readonly name: string;
  /** The function: the `Service` dimension of Ankify's metrics. */
  readonly functionName: string;
  /** Named in the descriptions as the first place to look. */
  readonly logGroupName: string;
  /** The app region's alarm topic (Alarms.topic): the metrics live in the function's region. */
  readonly topicArn: string;
}

/**
 * Alarms on the decks' own outcomes (lambda/src/metrics.ts): a deck that failed with an internal error
 * is an answer to the client, never a failed invocation, so Lambda's Errors alarm never sees it.
 */
export class DeckAlarms extends Construct {
  public readonly errors: CloudwatchMetricAlarm;
  public readonly timeouts: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: DeckAlarmsProps) {
    super(scope, id);
    const alarm = (alarmId: string, outcome: string, threshold: number, description: string) =>
      new CloudwatchMetricAlarm(this, alarmId, {
        alarmName: `${props.name}-${alarmId}`,
        alarmDescription: description,
        namespace: METRICS_NAMESPACE,
        metricName: "Decks",
        dimensions: { Service: props.functionName, Outcome: outcome },
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        threshold,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        // No deck, no record: quiet is not broken.
        treatMissingData: "notBreaching",
        alarmActions: [props.topicArn],
        okActions: [props.topicArn],
      });
    this.errors = alarm("deck-errors", "error", 1,
      `A deck failed with an internal error (the client was told "internal error" and a request id). Look first at ${props.logGroupName} ` +
        '(Logs Insights: filter event in ["create_deck.failed", "fair_use.unavailable"]) for the error behind that request id.');
    this.timeouts = alarm("deck-timeouts", "timeout", DECK_TIMEOUT_ALARM_THRESHOLD,
      `${DECK_TIMEOUT_ALARM_THRESHOLD} or more decks ran out of time in 5 minutes. Look first at ${props.logGroupName} ` +
        '(filter event = "deck.metrics" and Outcome = "timeout": which clients, how many cards) and at Polly throttling (AWS/Polly ThrottledRequests).');
  }
}
