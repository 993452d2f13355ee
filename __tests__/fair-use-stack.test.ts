import { DECK_METRIC_NAMES, DECK_OUTCOMES, METRICS_NAMESPACE } from "../lambda/src/metrics";
import { CLOUDFRONT_LOG_FIELDS, WAF_REDACTED_HEADERS } from "../stacks/edge/access-logs";
import { address, addressWhere, all, only, synthAnkify, synthDefaults, type TerraformJson } from "../testing/synth";

const ref = (expression: string) => `\${${expression}}`;
const fnName = (tf: TerraformJson) => ref(`${address(tf, "aws_lambda_function")}.function_name`);
const rules = (tf: TerraformJson) => only(tf, "aws_wafv2_web_acl")["rule"] as Array<Record<string, any>>;
const rule = (tf: TerraformJson, name: string) => rules(tf).find((r) => r["name"] === name);

describe("the usage table", () => {
  const { json, tf } = synthDefaults();

  it("is on demand, keyed by pk and sk, and drops old days by TTL", () => {
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_dynamodb_table" }, {
      name: "ankify-usage", billing_mode: "PAY_PER_REQUEST", hash_key: "pk", range_key: "sk",
      attribute: [{ name: "pk", type: "S" }, { name: "sk", type: "S" }],
      ttl: { attribute_name: "expires_at", enabled: true },
    });
    expect(only(tf, "aws_dynamodb_table")["provider"]).toBeUndefined(); // the app region, beside the function
    expect(tf.output["usage_table"]!.value).toBe(ref(`${address(tf, "aws_dynamodb_table")}.name`));
  });

  it("is the only table the function may touch, and only to read and update items", () => {
    const policy = JSON.parse(only(tf, "aws_iam_role_policy")["policy"] as string) as { Statement: Array<{ Sid: string; Action: string[]; Resource: string }> };
    const dynamo = policy.Statement.filter((s) => s.Action.some((a) => a.startsWith("dynamodb:")));
    expect(dynamo).toEqual([{ Sid: "CountUsage", Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"], Resource: ref(`${address(tf, "aws_dynamodb_table")}.arn`) }]);
  });

  it("is named to the function with the limits from the settings", () => {
    const { tf: strict } = synthAnkify({ clientDailyCharacters: 5_000, clientConcurrency: 1 });
    expect(only(strict, "aws_lambda_function")["environment"]["variables"]).toEqual(expect.objectContaining({
      ANKIFY_USAGE_TABLE: ref(`${address(strict, "aws_dynamodb_table")}.name`), ANKIFY_CLIENT_DAILY_CHARACTERS: "5000", ANKIFY_CLIENT_CONCURRENCY: "1",
    }));
    expect(only(tf, "aws_lambda_function")["environment"]["variables"]).toEqual(expect.objectContaining({ ANKIFY_CLIENT_DAILY_CHARACTERS: "200000", ANKIFY_CLIENT_CONCURRENCY: "2" }));
  });
});

describe("WAF keyed by client", () => {
  const clientRule = (name: string, header: string, limit = 300) => ({
    name,
    priority: name === "client-rate-limit" ? 5 : expect.any(Number),
    action: { block: { custom_response: { response_code: 429, custom_response_body_key: "client-rate-limited" } } },
    statement: {
      rate_based_statement: {
        limit, aggregate_key_type: "CUSTOM_KEYS", evaluation_window_sec: 300,
        custom_key: [{ header: { name: header, text_transformation: [{ priority: 0, type: "NONE" }] } }],
      },
    },
    visibility_config: { cloudwatch_metrics_enabled: true, sampled_requests_enabled: true, metric_name: `ankify-${name}` },
  });

  it("counts each API key by the header it arrives in (api-key mode behind a secret header), beside the per-IP rule at its higher default", () => {
    const { tf } = synthDefaults();
    expect(rule(tf, "rate-limit")!["statement"]["rate_based_statement"]).toEqual({ limit: 3000, aggregate_key_type: "IP", evaluation_window_sec: 300 });
    expect(rule(tf, "client-rate-limit")).toEqual(clientRule("client-rate-limit", "authorization"));
    expect(rule(tf, "client-key-rate-limit")).toEqual(clientRule("client-key-rate-limit", "x-api-key"));
    const body = (only(tf, "aws_wafv2_web_acl")["custom_response_body"] as Array<{ key: string; content: string }>).find((b) => b.key === "client-rate-limited")!;
    expect(JSON.parse(body.content)).toEqual({ error: "Too Many Requests", message: "More than 300 requests with your credentials in 5 minutes; wait a few minutes and retry." });
    const priorities = rules(tf).map((r) => r["priority"]);
    expect(new Set(priorities).size).toBe(priorities.length);
  });

  it.each([
    [{ clientAuth: "oauth", oauthIssuer: "https://issuer.example.com/", oauthAudience: "https://ankify.example.com/mcp" }, ["client-rate-limit"]],
    [{ originProtection: "oac" }, ["client-key-rate-limit"]],
    [{ clientAuth: "none" }, []],
    [{ clientRateLimit: 0 }, []],
  ])("with %j has %j", (settings, expected) => {
    const { tf } = synthAnkify(settings);
    expect(rules(tf).map((r) => r["name"]).filter((name) => name.startsWith("client-"))).toEqual(expected);
    if (expected.length === 0) expect((only(tf, "aws_wafv2_web_acl")["custom_response_body"] as Array<{ key: string }>).map((b) => b.key)).not.toContain("client-rate-limited");
  });

  it("takes its limit from ANKIFY_CLIENT_RATE_LIMIT", () => {
    const { tf } = synthAnkify({ clientRateLimit: 50 });
    expect(rule(tf, "client-rate-limit")!["statement"]["rate_based_statement"]["limit"]).toBe(50);
  });

  it("shows REDACTED for keys and tokens in everything WAF shows of a request: logs, samples and the rate rules' keys", () => {
    const { json } = synthDefaults();
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_wafv2_web_acl" }, {
      data_protection_config: {
        data_protection: [{
          action: "SUBSTITUTION", exclude_rate_based_details: false, exclude_rule_match_details: false,
          field: { field_type: "SINGLE_HEADER", field_keys: ["authorization", "x-api-key"] },
        }],
      },
    });
  });
});

describe("the dashboard", () => {
  const { tf } = synthDefaults();
  const body = () => JSON.parse(only(tf, "aws_cloudwatch_dashboard")["dashboard_body"] as string) as { widgets: Array<{ type: string; properties: Record<string, any> }> };
  const metricWidgets = () => body().widgets.filter((w) => w.type === "metric");
  const series = () => metricWidgets().flatMap((w) => (w.properties["metrics"] as unknown[][]).map((m) => ({ region: w.properties["region"], metric: m })));

  it("graphs every deck metric the function emits, under the function's Service, in the app region", () => {
    const ankify = series().filter((s) => s.metric[0] === METRICS_NAMESPACE);
    expect(new Set(ankify.map((s) => s.metric[1]))).toEqual(new Set(DECK_METRIC_NAMES));
    for (const s of ankify) {
      expect(s.region).toBe("eu-west-1");
      expect(s.metric.slice(2, 4)).toEqual(["Service", fnName(tf)]);
    }
    expect(ankify.filter((s) => s.metric[1] === "Decks").map((s) => s.metric[5])).toEqual([...DECK_OUTCOMES]);
  });

  it("shows Lambda's metrics in the app region, CloudFront's and WAF's in us-east-1 where they are published", () => {
    const byNamespace = (ns: string) => series().filter((s) => s.metric[0] === ns);
    expect(byNamespace("AWS/Lambda").every((s) => s.region === "eu-west-1" && s.metric[3] === fnName(tf))).toBe(true);
    expect(byNamespace("AWS/Lambda").map((s) => s.metric[1])).toEqual(expect.arrayContaining(["Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions"]));
    const cdn = byNamespace("AWS/CloudFront");
    expect(cdn.map((s) => s.metric[1])).toEqual(["Requests", "4xxErrorRate", "5xxErrorRate"]);
    for (const s of cdn) expect([s.region, ...s.metric.slice(2, 6)]).toEqual(["us-east-1", "DistributionId", ref(`${address(tf, "aws_cloudfront_distribution")}.id`), "Region", "Global"]);
    const waf = byNamespace("AWS/WAFV2");
    expect(waf.every((s) => s.region === "us-east-1" && s.metric[3] === "ankify")).toBe(true);
    expect(waf.map((s) => s.metric[5])).toEqual(["ALL", "ankify-rate-limit", "ankify-client-rate-limit", "ankify-client-key-rate-limit", "ankify-managed-rule-matches"]);
    // Every rule the dashboard names exists in the web ACL (metric names are how WAF publishes them).
    const published = new Set(rules(tf).map((r) => r["visibility_config"]["metric_name"] as string));
    for (const s of waf.slice(1)) expect(published).toContain(s.metric[5]);
  });

  it("tables usage by client from the function's own log (clients are properties, not dimensions)", () => {
    const logs = body().widgets.filter((w) => w.type === "log");
    expect(logs.map((w) => w.properties["query"] as string)).toEqual([
      expect.stringMatching(/^SOURCE '\/aws\/lambda\/ankify' \| filter event = "deck\.metrics" \| stats sum\(Characters\) as characters, .* by client/),
      expect.stringMatching(/^SOURCE '\/aws\/lambda\/ankify' \| filter event in \["fair_use\.quota", "fair_use\.busy"\]/),
    ]);
    expect(logs.every((w) => w.properties["region"] === "eu-west-1")).toBe(true);
    expect(tf.output["dashboard_url"]!.value).toBe("https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/ankify");
  });

  it("has no WAF widget without a web ACL", () => {
    const { tf: open } = synthAnkify({ rateLimit: 0, clientRateLimit: 0 });
    expect(only(open, "aws_cloudwatch_dashboard")["dashboard_body"]).not.toContain("AWS/WAFV2");
  });
});

describe("alarms on the decks' error outcomes", () => {
  it.each([["deck-errors", "error", 1], ["deck-timeouts", "timeout", 3]])("%s: Ankify Decks with Outcome = %s, at least %d in 5 minutes, to the app region's topic", (name, outcome, threshold) => {
    const { tf } = synthDefaults();
    const alarm = all(tf, "aws_cloudwatch_metric_alarm").find((a) => a["alarm_name"] === `ankify-${name}`)!;
    expect(alarm).toEqual(expect.objectContaining({
      namespace: "Ankify", metric_name: "Decks", dimensions: { Service: fnName(tf), Outcome: outcome }, statistic: "Sum", period: 300,
      threshold, comparison_operator: "GreaterThanOrEqualToThreshold", treat_missing_data: "notBreaching",
      alarm_actions: [ref(`${addressWhere(tf, "aws_sns_topic", (t) => t["name"] === "ankify-alarms")}.arn`)],
    }));
    expect(alarm["provider"]).toBeUndefined();
  });
});

describe("access logs", () => {
  const { json, tf } = synthDefaults();
  const us = "aws.us_east_1";
  const group = (name: string) => addressWhere(tf, "aws_cloudwatch_log_group", (g) => g["name"] === name);

  it("deliver CloudFront's standard logs (v2) from us-east-1 to a log group there, kept ANKIFY_ACCESS_LOG_DAYS", () => {
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_cloudwatch_log_group" }, { provider: us, name: "/aws/cloudfront/ankify", retention_in_days: 30 });
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_cloudwatch_log_delivery_source" }, {
      provider: us, name: "ankify-cloudfront", log_type: "ACCESS_LOGS", resource_arn: ref(`${address(tf, "aws_cloudfront_distribution")}.arn`),
    });
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_cloudwatch_log_delivery_destination" }, {
      provider: us, output_format: "json", delivery_destination_configuration: [{ destination_resource_arn: ref(`${group("/aws/cloudfront/ankify")}.arn`) }],
    });
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_cloudwatch_log_delivery" }, {
      provider: us,
      delivery_source_name: ref(`${address(tf, "aws_cloudwatch_log_delivery_source")}.name`),
      delivery_destination_arn: ref(`${address(tf, "aws_cloudwatch_log_delivery_destination")}.arn`),
      record_fields: [...CLOUDFRONT_LOG_FIELDS],
    });
  });

  it("keep no credential and no secret in CloudFront's records: no cookie, query, referer or header but User-Agent", () => {
    const fields = only(tf, "aws_cloudwatch_log_delivery")["record_fields"] as string[];
    expect(fields).toEqual(expect.arrayContaining(["timestamp(ms)", "c-ip", "cs-method", "cs-uri-stem", "sc-status", "time-taken", "x-edge-request-id", "cs(User-Agent)"]));
    const headers = fields.filter((f) => /^cs\(/.test(f));
    expect(headers).toEqual(["cs(User-Agent)"]);
    for (const field of fields) expect(field).not.toMatch(/cookie|query|referer|authorization|api-key|origin-verify|forwarded/i);
  });

  it("log every WAF decision to aws-waf-logs-<stack> in us-east-1, with the credential headers and the origin secret's header redacted", () => {
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_cloudwatch_log_group" }, { provider: us, name: "aws-waf-logs-ankify", retention_in_days: 30 });
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_wafv2_web_acl_logging_configuration" }, {
      provider: us,
      resource_arn: ref(`${address(tf, "aws_wafv2_web_acl")}.arn`),
      log_destination_configs: [ref(`${group("aws-waf-logs-ankify")}.arn`)],
      redacted_fields: [{ single_header: { name: "authorization" } }, { single_header: { name: "x-api-key" } }, { single_header: { name: "x-origin-verify" } }],
    });
    expect(WAF_REDACTED_HEADERS).toEqual(["authorization", "x-api-key", "x-origin-verify"]);
  });

  it("never carry the origin secret: nothing in the logging resources refers to it", () => {
    for (const type of ["aws_cloudwatch_log_delivery", "aws_cloudwatch_log_delivery_source", "aws_cloudwatch_log_delivery_destination", "aws_wafv2_web_acl_logging_configuration"]) {
      expect(JSON.stringify(all(tf, type))).not.toMatch(/random_password|origin-secret|ssm_parameter/);
    }
  });

  it("follow ANKIFY_ACCESS_LOG_DAYS, and ANKIFY_ACCESS_LOG_DAYS=0 writes none", () => {
    const { tf: kept } = synthAnkify({ accessLogDays: 365 });
    expect(all(kept, "aws_cloudwatch_log_group").filter((g) => g["provider"] === us).map((g) => g["retention_in_days"])).toEqual([365, 365]);
    const { tf: none } = synthAnkify({ accessLogDays: 0 });
    for (const type of ["aws_cloudwatch_log_delivery", "aws_cloudwatch_log_delivery_source", "aws_cloudwatch_log_delivery_destination", "aws_wafv2_web_acl_logging_configuration"]) {
      expect(none.resource[type]).toBeUndefined();
    }
    expect(all(none, "aws_cloudwatch_log_group").map((g) => g["name"])).toEqual(["/aws/lambda/ankify"]);
  });

  it("without a web ACL, keep CloudFront's log and write no WAF log", () => {
    const { tf: open } = synthAnkify({ rateLimit: 0, clientRateLimit: 0 });
    expect(open.resource["aws_wafv2_web_acl_logging_configuration"]).toBeUndefined();
    expect(all(open, "aws_cloudwatch_log_group").map((g) => g["name"]).sort()).toEqual(["/aws/cloudfront/ankify", "/aws/lambda/ankify"]);
  });
});
