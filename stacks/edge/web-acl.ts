import { Construct } from "constructs";
import { Wafv2WebAcl, type Wafv2WebAclRule } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";

/** Rate-based rules count requests over this window; 300 s is WAF's default and what `ANKIFY_RATE_LIMIT` is per. */
export const RATE_WINDOW_SECONDS = 300;

/** Label namespaces of AWS's managed rule groups: each rule labels the requests it matches. */
export const COMMON_RULE_SET_NAMESPACE = "awswaf:managed:aws:core-rule-set:";
export const KNOWN_BAD_INPUTS_NAMESPACE = "awswaf:managed:aws:known-bad-inputs:";
/**
 * The common rule set's SizeRestrictions_BODY rule matches every body over 8 KB (a fixed size, unlike
 * WAF's inspection limit). An MCP `create_deck` call carries the whole card list: a few dozen cards
 * with sentences on them already pass 8 KB, 500 cards with long backs approach 1 MB. Blocking it would
 * break Ankify's one tool, so it only counts.
 */
export const BODY_SIZE_LABEL = `${COMMON_RULE_SET_NAMESPACE}SizeRestrictions_Body`;
/**
 * The common rule set's other rules, by label (AWS WAF developer guide, "Core rule set (CRS) managed
 * rule group", 2026). Named one by one so a request is blocked for any of them even when its body is
 * also over 8 KB: padding a body must not switch the other rules off.
 */
export const COMMON_RULE_SET_BLOCKING_LABELS: readonly string[] = [
  "NoUserAgent_Header", "BadBots_Header", "SizeRestrictions_QueryString", "SizeRestrictions_Cookie_Header",
  "SizeRestrictions_URIPath", "EC2MetaDataSSRF_Body", "EC2MetaDataSSRF_Cookie", "EC2MetaDataSSRF_URIPath",
  "EC2MetaDataSSRF_QueryArguments", "GenericLFI_QueryArguments", "GenericLFI_URIPath", "GenericLFI_Body",
  "RestrictedExtensions_URIPath", "RestrictedExtensions_QueryArguments", "GenericRFI_QueryArguments", "GenericRFI_Body",
  "GenericRFI_URIPath", "CrossSiteScripting_Cookie", "CrossSiteScripting_QueryArguments", "CrossSiteScripting_Body",
  "CrossSiteScripting_URIPath",
].map((rule) => `${COMMON_RULE_SET_NAMESPACE}${rule}`);

/** The headers a client's credential travels in: a bearer token or key, or an API key (the only one that survives oac). */
export type ClientCredentialHeader = "authorization" | "x-api-key";
/** Viewer headers that carry credentials: never written to WAF's logs or sampled requests. */
export const CREDENTIAL_HEADERS: readonly ClientCredentialHeader[] = ["authorization", "x-api-key"];

/**
 * Where a client's credential arrives, as WAF sees it: none without client authentication; the bearer
 * token in oauth mode; in api-key mode either header (the client picks), but only `x-api-key` in oac
 * mode, where the function ignores Authorization (CloudFront replaces it with its signature).
 */
export function clientCredentialHeaders(clientAuth: "api-key" | "oauth" | "none", originProtection: "secret-header" | "oac"): ClientCredentialHeader[] {
  if (clientAuth === "none") return [];
  if (clientAuth === "oauth") return ["authorization"];
  return originProtection === "oac" ? ["x-api-key"] : ["authorization", "x-api-key"];
}

export interface WebAclProps {
  /** Names the web ACL and prefixes its rules' metric names. 1..100 of letters, digits, `-` and `_`. */
  readonly name: string;
  /** Requests one client IP may send in 5 minutes before it gets 429. 10..2,000,000,000 (WAF's range). */
  readonly rateLimit: number;
  /** Countries (ISO 3166-1 alpha-2) allowed to call; every other country gets 403. @default undefined: every country */
  readonly allowedCountries?: readonly string[];
  /**
   * Requests one client credential may send in 5 minutes (10..2,000,000,000), counted per value of
   * each header named: one rule per header, since WAF counts a request for a custom key only when it
   * has every key's header. @default undefined: no per-client rule
   */
  readonly clientRate?: { readonly limit: number; readonly headers: readonly ClientCredentialHeader[] };
  /** A provider in us-east-1: web ACLs for CloudFront (scope CLOUDFRONT) exist only there. */
  readonly usEast1: AwsProvider;
}

/**
 * The WAF web ACL in front of the distribution: a rate limit per client IP and, optionally, per client
 * credential (WAF sees the viewer's request, so the `Authorization` a client sends, before CloudFront
 * replaces it in oac mode), AWS's common rule set and known-bad-inputs rule group, and an optional
 * country allow-list. Every block answers with a small
 * JSON body, since MCP clients parse JSON and CloudFront's own error page is HTML.
 *
 * The managed rule groups run in count mode and only label what they match; one rule of ours then
 * blocks on those labels with the JSON response — the way WAF customizes a managed rule's block. It
 * blocks on any known-bad-inputs label, on any common-rule-set label but the body-size one, and on
 * each other common-rule-set label by name (so a large body doesn't switch them off). A rule AWS adds
 * to the common rule set later is covered by the namespace match, for bodies up to 8 KB.
 */
export class WebAcl extends Construct {
  public readonly webAcl: Wafv2WebAcl;
  /** The `WebACL` dimension of this ACL's CloudWatch metrics (namespace AWS/WAFV2, in us-east-1). */
  public readonly metricName: string;
  /** The `Rule` dimension of the rate rule's metrics: its `BlockedRequests` count requests answered 429. */
  public readonly rateRuleMetricName: string;
  /** The `Rule` dimensions of the per-client rate rules, one per credential header (none without clientRate). */
  public readonly clientRateRuleMetricNames: readonly string[];

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    if (!/^[\w-]{1,100}$/.test(props.name)) {
      throw new Error(`WebAcl: name "${props.name}" must be 1..100 letters, digits, "-" or "_".`);
    }
    if (!Number.isInteger(props.rateLimit) || props.rateLimit < 10 || props.rateLimit > 2_000_000_000) {
      throw new Error(`WebAcl: rateLimit ${props.rateLimit} must be an integer from 10 to 2000000000 (AWS WAF's range).`);
    }
    if (props.clientRate && (!Number.isInteger(props.clientRate.limit) || props.clientRate.limit < 10 || props.clientRate.limit > 2_000_000_000)) {
      throw new Error(`WebAcl: clientRate.limit ${props.clientRate.limit} must be an integer from 10 to 2000000000 (AWS WAF's range).`);
    }
    this.metricName = props.name;
    this.rateRuleMetricName = `${props.name}-rate-limit`;
    const clientRules = (props.clientRate?.headers ?? []).map((header) => ({ header, name: header === "authorization" ? "client-rate-limit" : "client-key-rate-limit" }));
    this.clientRateRuleMetricNames = clientRules.map((r) => `${props.name}-${r.name}`);

    const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });
    const blockWith = (responseCode: number, customResponseBodyKey: string) => ({
      block: { customResponse: { responseCode, customResponseBodyKey } },
    });
    const labelNamespace = (key: string) => ({ label_match_statement: { scope: "NAMESPACE", key } });
    const label = (key: string) => ({ label_match_statement: { scope: "LABEL", key } });

    const rules: Wafv2WebAclRule[] = [];
    if (props.allowedCountries && props.allowedCountries.length > 0) {
      rules.push({
        name: "allowed-countries",
        priority: 0,
        action: blockWith(403, "country-not-allowed"),
        // Statements are untyped in the provider bindings: they are written as Terraform JSON.
        statement: { not_statement: { statement: { geo_match_statement: { country_codes: [...props.allowedCountries] } } } },
        visibilityConfig: visibility(`${props.name}-allowed-countries`),
      });
    }
    rules.push(
      {
        name: "rate-limit",
        priority: 1,
        action: blockWith(429, "rate-limited"),
        statement: { rate_based_statement: { limit: props.rateLimit, aggregate_key_type: "IP", evaluation_window_sec: RATE_WINDOW_SECONDS } },
        visibilityConfig: visibility(this.rateRuleMetricName),
      },
      {
        name: "aws-known-bad-inputs",
        priority: 2,
        overrideAction: { count: {} },
        statement: { managed_rule_group_statement: { vendor_name: "AWS", name: "AWSManagedRulesKnownBadInputsRuleSet" } },
        visibilityConfig: visibility(`${props.name}-known-bad-inputs`),
      },
      {
        name: "aws-common-rule-set",
        priority: 3,
        overrideAction: { count: {} },
        statement: { managed_rule_group_statement: { vendor_name: "AWS", name: "AWSManagedRulesCommonRuleSet" } },
        visibilityConfig: visibility(`${props.name}-common-rule-set`),
      },
      {
        name: "block-managed-rule-matches",
        priority: 4,
        action: blockWith(403, "blocked"),
        statement: {
          or_statement: {
            statement: [
              labelNamespace(KNOWN_BAD_INPUTS_NAMESPACE),
              { and_statement: { statement: [labelNamespace(COMMON_RULE_SET_NAMESPACE), { not_statement: { statement: label(BODY_SIZE_LABEL) } }] } },
              { or_statement: { statement: COMMON_RULE_SET_BLOCKING_LABELS.map(label) } },
            ],
          },
        },
        visibilityConfig: visibility(`${props.name}-managed-rule-matches`),
      },
    );

    // Per client credential, after the rules that block: a blocked request never reaches them. The
    // header's value is the key as sent (no transformation), so each token or key has its own count.
    clientRules.forEach((client, i) => rules.push({
      name: client.name,
      priority: 5 + i,
      action: blockWith(429, "client-rate-limited"),
      statement: {
        rate_based_statement: {
          limit: props.clientRate!.limit,
          aggregate_key_type: "CUSTOM_KEYS",
          custom_key: [{ header: { name: client.header, text_transformation: [{ priority: 0, type: "NONE" }] } }],
          evaluation_window_sec: RATE_WINDOW_SECONDS,
        },
      },
      visibilityConfig: visibility(this.clientRateRuleMetricNames[i]!),
    }));

    const json = (body: Record<string, string>) => JSON.stringify(body);
    this.webAcl = new Wafv2WebAcl(this, "this", {
      provider: props.usEast1,
      name: props.name,
      description: "Ankify: rate limits per IP and per client credential, AWS managed rules, optional country allow-list",
      scope: "CLOUDFRONT",
      defaultAction: { allow: {} },
      rule: rules,
      customResponseBody: [
        {
          key: "rate-limited",
          contentType: "APPLICATION_JSON",
          content: json({
            error: "Too Many Requests",
            message: `More than ${props.rateLimit} requests from your IP address in 5 minutes; wait a few minutes and retry.`,
          }),
        },
        { key: "blocked", contentType: "APPLICATION_JSON", content: json({ error: "Forbidden", message: "The request was blocked by the firewall." }) },
        ...(props.clientRate
          ? [{
              key: "client-rate-limited",
              contentType: "APPLICATION_JSON",
              content: json({
                error: "Too Many Requests",
                message: `More than ${props.clientRate.limit} requests with your credentials in 5 minutes; wait a few minutes and retry.`,
              }),
            }]
          : []),
        {
          key: "country-not-allowed",
          contentType: "APPLICATION_JSON",
          content: json({ error: "Forbidden", message: "Requests from your country are not accepted." }),
        },
      ],
      visibilityConfig: visibility(this.metricName),
      // Keys and tokens are replaced by REDACTED wherever WAF shows a request: logs, sampled requests and
      // the per-client rules' key values (rateBasedRuleList). The logging configuration redacts them too.
      dataProtectionConfig: {
        dataProtection: [{
          field: { fieldType: "SINGLE_HEADER", fieldKeys: [...CREDENTIAL_HEADERS] },
          action: "SUBSTITUTION",
          excludeRateBasedDetails: false,
          excludeRuleMatchDetails: false,
        }],
      },
    });
  }
}
