import { Construct } from "constructs";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { AccessLogs } from "./access-logs";
import { Dashboard } from "./dashboard";
import { DeckAlarms } from "./deck-alarms";
import type { WebAcl } from "./web-acl";

export interface InsightProps {
  /** The stack's resource name: names the dashboard, alarms and log groups. */
  readonly name: string;
  /** The app region (the function's). */
  readonly region: string;
  readonly functionName: string;
  readonly logGroupName: string;
  readonly distributionId: string;
  readonly distributionArn: string;
  /** @default undefined: no web ACL (ANKIFY_RATE_LIMIT=0), so no WAF widgets or WAF log */
  readonly webAcl?: WebAcl;
  /** The app region's alarm topic. */
  readonly alarmTopicArn: string;
  /** Days access logs are kept; 0: no access logs (ANKIFY_ACCESS_LOG_DAYS). */
  readonly accessLogDays: number;
  readonly usEast1: AwsProvider;
}

/** What the owner sees of the service: the dashboard, alarms on the decks' outcomes, and the access logs. */
export class Insight extends Construct {
  public readonly dashboard: Dashboard;
  public readonly deckAlarms: DeckAlarms;
  /** Only with ANKIFY_ACCESS_LOG_DAYS > 0. */
  public readonly accessLogs?: AccessLogs;

  constructor(scope: Construct, id: string, props: InsightProps) {
    super(scope, id);
    const acl = props.webAcl;
    this.dashboard = new Dashboard(this, "dashboard", {
      name: props.name, region: props.region, functionName: props.functionName, logGroupName: props.logGroupName, distributionId: props.distributionId,
      ...(acl ? { webAcl: { metricName: acl.metricName, ruleMetricNames: [acl.rateRuleMetricName, ...acl.clientRateRuleMetricNames, `${acl.metricName}-managed-rule-matches`] } } : {}),
    });
    this.deckAlarms = new DeckAlarms(this, "deck-alarms", { name: props.name, functionName: props.functionName, logGroupName: props.logGroupName, topicArn: props.alarmTopicArn });
    if (props.accessLogDays > 0) {
      this.accessLogs = new AccessLogs(this, "access-logs", {
        name: props.name, distributionArn: props.distributionArn, retentionDays: props.accessLogDays, usEast1: props.usEast1,
        ...(acl ? { webAclArn: acl.webAcl.arn } : {}),
      });
    }
  }
}
