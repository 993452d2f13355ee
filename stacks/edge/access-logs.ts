import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogDelivery } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery";
import { CloudwatchLogDeliveryDestination } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery-destination";
import { CloudwatchLogDeliverySource } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery-source";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CREDENTIAL_HEADERS } from "./web-acl";

/**
 * The fields of each CloudFront access log record (standard logging v2). Chosen so a record holds no
 * credential: no request header but User-Agent (standard logs can carry only Host, Referer,
 * User-Agent and Cookie; Authorization and x-api-key are not loggable fields at all), no cookie, no
 * query string (Ankify takes none, so one could only be a mistake worth not keeping). The origin
 * secret is a header CloudFront adds on its way to the origin; these records describe the viewer's
 * request, which never carries it.
 */
export const CLOUDFRONT_LOG_FIELDS: readonly string[] = [
  "timestamp(ms)", "date", "time", "x-edge-location", "x-edge-request-id", "c-ip", "c-country", "cs-method", "cs-uri-stem",
  "cs-protocol-version", "ssl-protocol", "sc-status", "sc-bytes", "cs-bytes", "time-taken", "time-to-first-byte",
  "x-edge-result-type", "x-edge-detailed-result-type", "cs(User-Agent)",
];

/**
 * Headers replaced by REDACTED in WAF's log: the client credentials, and the origin secret's header.
 * WAF logs the viewer's request, which never has the secret (CloudFront adds it towards the origin),
 * so this only keeps a guessed or leaked value a caller sends out of the log.
 */
export const WAF_REDACTED_HEADERS: readonly string[] = [...CREDENTIAL_HEADERS, "x-origin-verify"];

export interface AccessLogsProps {
  /** Prefixes the log groups and deliveries. */
  readonly name: string;
  /** The distribution whose viewer requests are logged. */
  readonly distributionArn: string;
  /** The web ACL whose decisions are logged. @default undefined: no WAF log (no web ACL) */
  readonly webAclArn?: string;
  /** Days both logs are kept: a CloudWatch Logs retention period. */
  readonly retentionDays: number;
  /** CloudFront delivers its logs, and WAF for CloudFront writes its log, only from us-east-1. */
  readonly usEast1: AwsProvider;
}

/**
 * Access logs: CloudFront standard logging (v2, vended to CloudWatch Logs: one JSON record per viewer
 * request) and the web ACL's log (every request WAF saw, the rule that decided it, and its labels).
 * Both in us-east-1, both kept `retentionDays`.
 */
export class AccessLogs extends Construct {
  public readonly cloudfrontLogGroup: CloudwatchLogGroup;
  public readonly wafLogGroup?: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: AccessLogsProps) {
    super(scope, id);
    const provider = props.usEast1;
    this.cloudfrontLogGroup = new CloudwatchLogGroup(this, "cloudfront", { provider, name: `/aws/cloudfront/${props.name}`, retentionInDays: props.retentionDays });
    const source = new CloudwatchLogDeliverySource(this, "cloudfront-source", {
      provider, name: `${props.name}-cloudfront`, logType: "ACCESS_LOGS", resourceArn: props.distributionArn,
    });
    const destination = new CloudwatchLogDeliveryDestination(this, "cloudfront-destination", {
      provider, name: `${props.name}-cloudfront-logs`, outputFormat: "json",
      deliveryDestinationConfiguration: [{ destinationResourceArn: this.cloudfrontLogGroup.arn }],
    });
    new CloudwatchLogDelivery(this, "cloudfront-delivery", {
      provider, deliverySourceName: source.name, deliveryDestinationArn: destination.arn, recordFields: [...CLOUDFRONT_LOG_FIELDS],
    });

    if (props.webAclArn !== undefined) {
      // WAF writes only to log groups whose names start with aws-waf-logs- (AWS WAF developer guide).
      this.wafLogGroup = new CloudwatchLogGroup(this, "waf", { provider, name: `aws-waf-logs-${props.name}`, retentionInDays: props.retentionDays });
      new Wafv2WebAclLoggingConfiguration(this, "waf-logging", {
        provider,
        resourceArn: props.webAclArn,
        logDestinationConfigs: [this.wafLogGroup.arn],
        redactedFields: WAF_REDACTED_HEADERS.map((name) => ({ singleHeader: { name } })),
      });
    }
  }
}
