import { Construct } from "constructs";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { DECK_OUTCOMES, METRICS_NAMESPACE } from "../../lambda/src/metrics";

export interface DashboardProps {
  /** The dashboard's name (the stack's). */
  readonly name: string;
  /** The app region: the function's metrics and its log group. */
  readonly region: string;
  /** The function: AWS/Lambda's `FunctionName`, and the `Service` dimension of Ankify's own metrics. */
  readonly functionName: string;
  readonly logGroupName: string;
  /** The distribution (AWS/CloudFront, us-east-1, `Region = Global`). */
  readonly distributionId: string;
  /** The web ACL's metric names (AWS/WAFV2, us-east-1). @default undefined: no web ACL, no WAF widgets */
  readonly webAcl?: { readonly metricName: string; readonly ruleMetricNames: readonly string[] };
}

type Metric = Array<string | Record<string, unknown>>;
interface Widget {
  readonly type: "metric" | "log" | "text";
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: Record<string, unknown>;
}

const PERIOD = 300;

/**
 * One CloudWatch dashboard for the owner: Ankify's own metrics (decks by outcome, characters, clips,
 * deck seconds; lambda/src/metrics.ts) and who used them (a Logs Insights table over the same records,
 * since clients are properties, not dimensions), beside Lambda's, CloudFront's and WAF's metrics.
 * CloudFront and WAF publish only in us-east-1: their widgets name that region.
 */
export class Dashboard extends Construct {
  public readonly dashboard: CloudwatchDashboard;
  /** The console link to it. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const app = props.region;
    const ankify = (name: string, stat: string, extra: Record<string, unknown> = {}): Metric => [METRICS_NAMESPACE, name, "Service", props.functionName, { stat, ...extra }];
    const lambda = (name: string, stat: string): Metric => ["AWS/Lambda", name, "FunctionName", props.functionName, { stat }];
    const cdn = (name: string, stat: string): Metric => ["AWS/CloudFront", name, "DistributionId", props.distributionId, "Region", "Global", { stat }];
    const graph = (x: number, y: number, title: string, region: string, metrics: Metric[], extra: Record<string, unknown> = {}): Widget => ({
      type: "metric", x, y, width: 8, height: 6,
      properties: { title, region, view: "timeSeries", period: PERIOD, metrics, ...extra },
    });
    const insights = (y: number, title: string, query: string): Widget => ({
      type: "log", x: 0, y, width: 12, height: 6,
      properties: { title, region: app, view: "table", query: `SOURCE '${props.logGroupName}' | ${query}` },
    });

    const widgets: Widget[] = [
      graph(0, 0, "Decks by outcome", app, DECK_OUTCOMES.map((outcome) => [METRICS_NAMESPACE, "Decks", "Service", props.functionName, "Outcome", outcome, { stat: "Sum", label: outcome }]), { stacked: true }),
      graph(8, 0, "Characters sent to speech (billed)", app, [ankify("Characters", "Sum")]),
      graph(16, 0, "Cards and clips", app, [ankify("Cards", "Sum"), ankify("ClipsSpoken", "Sum"), ankify("ClipsCached", "Sum")]),
      graph(0, 6, "Seconds per deck", app, [ankify("DeckSeconds", "p50", { label: "p50" }), ankify("DeckSeconds", "p95", { label: "p95" }), ankify("DeckSeconds", "Maximum", { label: "max" })]),
      graph(8, 6, "Lambda: invocations, errors, throttles", app, [lambda("Invocations", "Sum"), lambda("Errors", "Sum"), lambda("Throttles", "Sum")]),
      graph(16, 6, "Lambda: duration and concurrency", app, [lambda("Duration", "Maximum"), [...lambda("ConcurrentExecutions", "Maximum").slice(0, 4), { stat: "Maximum", yAxis: "right" }]]),
      graph(0, 12, "CloudFront: requests (us-east-1)", "us-east-1", [cdn("Requests", "Sum")]),
      graph(8, 12, "CloudFront: error rates, % (us-east-1)", "us-east-1", [cdn("4xxErrorRate", "Average"), cdn("5xxErrorRate", "Average")]),
    ];
    if (props.webAcl) {
      const waf = (name: string, rule: string, label: string): Metric => ["AWS/WAFV2", name, "WebACL", props.webAcl!.metricName, "Rule", rule, { stat: "Sum", label }];
      widgets.push(graph(16, 12, "WAF: allowed, and blocked by rule (us-east-1)", "us-east-1", [
        waf("AllowedRequests", "ALL", "allowed"),
        ...props.webAcl.ruleMetricNames.map((rule) => waf("BlockedRequests", rule, rule.slice(props.webAcl!.metricName.length + 1))),
      ]));
    }
    widgets.push(
      insights(18, "Usage by client (the dashboard's time range)",
        'filter event = "deck.metrics" | stats sum(Characters) as characters, sum(Decks) as decks, sum(Cards) as cards, ' +
          "sum(ClipsSpoken) as spoken, sum(ClipsCached) as cached by client | sort characters desc | limit 25"),
      { ...insights(18, "Refused for fair use, by client", 'filter event in ["fair_use.quota", "fair_use.busy"] | stats count(*) as refusals by client, event | sort refusals desc | limit 25'), x: 12 },
    );

    this.dashboard = new CloudwatchDashboard(this, "this", { dashboardName: props.name, dashboardBody: JSON.stringify({ widgets }) });
    this.url = `https://${app}.console.aws.amazon.com/cloudwatch/home?region=${app}#dashboards/dashboard/${props.name}`;
  }
}
