/**
 * What the stack adds for deck jobs (docs/jobs.md): the function may invoke itself and only itself,
 * its asynchronous invocations are never retried and expire, jobs are kept under their own prefix for
 * a day, failed jobs and dropped workers raise alarms, and ANKIFY_INLINE_SECONDS is checked and passed on.
 */
import { JOB_FAILED_LOG_EVENT } from "../lambda/src/jobs/event";
import { JOB_TIMINGS } from "../lambda/src/jobs/record";
import { address, addressWhere, all, only, synthAnkify, synthDefaults } from "../testing/synth";
import { settingsWith } from "../testing/settings";

const ref = (expression: string) => `\${${expression}}`;
type Statement = { Sid: string; Effect: string; Action: string[]; Resource: string | string[] };
const statements = (tf: ReturnType<typeof synthDefaults>["tf"]) => (JSON.parse(only(tf, "aws_iam_role_policy")["policy"] as string) as { Statement: Statement[] }).Statement;

describe("the function's permissions for jobs", () => {
  const { tf } = synthDefaults();
  const account = ref("data.aws_caller_identity.account.account_id");

  it("may invoke only itself, by an ARN built from its name, region and account (no reference to the function, so no cycle)", () => {
    const invoke = statements(tf).filter((s) => s.Action.includes("lambda:InvokeFunction"));
    expect(invoke).toEqual([{
      Sid: "StartDeckJobs", Effect: "Allow", Action: ["lambda:InvokeFunction"],
      Resource: [`arn:aws:lambda:eu-west-1:${account}:function:ankify`, `arn:aws:lambda:eu-west-1:${account}:function:ankify:*`],
    }]);
    expect(JSON.stringify(invoke)).not.toContain("aws_lambda_function");
  });

  it("follows the stack's name and region", () => {
    const { tf: other } = synthAnkify({ region: "eu-central-1" }, "ankify-staging");
    const invoke = statements(other).find((s) => s.Sid === "StartDeckJobs")!;
    expect(invoke.Resource).toEqual([`arn:aws:lambda:eu-central-1:${account}:function:ankify-staging`, `arn:aws:lambda:eu-central-1:${account}:function:ankify-staging:*`]);
  });

  it("may read and write job records under jobs/ and nowhere new besides", () => {
    const jobs = statements(tf).find((s) => s.Sid === "KeepDeckJobs")!;
    expect(jobs).toEqual({ Sid: "KeepDeckJobs", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${ref(`${address(tf, "aws_s3_bucket")}.arn`)}/jobs/*` });
  });

  it("is told where jobs live and how long a deck may take inline", () => {
    expect(only(tf, "aws_lambda_function")["environment"]["variables"]).toEqual(expect.objectContaining({ ANKIFY_JOBS_PREFIX: "jobs/", ANKIFY_INLINE_SECONDS: "60" }));
    const { tf: custom } = synthAnkify({ inlineSeconds: 25 });
    expect(only(custom, "aws_lambda_function")["environment"]["variables"]["ANKIFY_INLINE_SECONDS"]).toBe("25");
  });
});

describe("the function's asynchronous invocations (a job's worker)", () => {
  const { json, tf } = synthDefaults();

  it("are never retried, and dropped once older than a queued job waits", () => {
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_lambda_function_event_invoke_config" }, {
      function_name: ref(`${address(tf, "aws_lambda_function")}.function_name`),
      maximum_retry_attempts: 0,
      maximum_event_age_in_seconds: JOB_TIMINGS.maxEventAgeSeconds,
    });
    expect(JOB_TIMINGS.maxEventAgeSeconds).toBeGreaterThanOrEqual(60);
    expect(JOB_TIMINGS.maxEventAgeSeconds).toBeLessThanOrEqual(21_600);
  });
});

describe("the deck bucket", () => {
  it("forgets jobs after a day, under their own prefix", () => {
    const rules = only(synthDefaults().tf, "aws_s3_bucket_lifecycle_configuration")["rule"] as Array<Record<string, unknown>>;
    expect(rules.find((r) => r["id"] === "expire-deck-jobs")).toEqual({
      id: "expire-deck-jobs", status: "Enabled", filter: [{ prefix: "jobs/" }], expiration: [{ days: 1 }], abort_incomplete_multipart_upload: [{ days_after_initiation: 1 }],
    });
    expect(JOB_TIMINGS.ttlMs).toBe(24 * 3600 * 1000);
  });
});

describe("alarms for jobs", () => {
  const { json, tf } = synthDefaults();
  const topic = ref(`aws_sns_topic.${Object.entries(tf.resource["aws_sns_topic"]!).find(([, t]) => t["provider"] === undefined)![0]}.arn`);
  const alarm = (name: string) => all(tf, "aws_cloudwatch_metric_alarm").find((a) => a["alarm_name"] === name)!;

  it("count the worker's job.failed lines in the function's log group", () => {
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_cloudwatch_log_metric_filter" }, {
      name: "ankify-deck-jobs-failed",
      log_group_name: ref(`${addressWhere(tf, "aws_cloudwatch_log_group", (group) => group["name"] === "/aws/lambda/ankify")}.name`),
      pattern: `{ $.event = "${JOB_FAILED_LOG_EVENT}" }`,
      metric_transformation: { name: "DeckJobsFailed", namespace: "Ankify/ankify", value: "1", default_value: "0", unit: "Count" },
    });
    expect(alarm("ankify-deck-jobs-failed")).toEqual(expect.objectContaining({
      namespace: "Ankify/ankify", metric_name: "DeckJobsFailed", statistic: "Sum", threshold: 1, comparison_operator: "GreaterThanOrEqualToThreshold",
      period: 300, evaluation_periods: 1, treat_missing_data: "notBreaching", alarm_actions: [topic], ok_actions: [topic],
    }));
  });

  it("watch AsyncEventsDropped: a worker Lambda never ran", () => {
    expect(alarm("ankify-deck-jobs-dropped")).toEqual(expect.objectContaining({
      namespace: "AWS/Lambda", metric_name: "AsyncEventsDropped", statistic: "Sum", threshold: 1, comparison_operator: "GreaterThanOrEqualToThreshold",
      dimensions: { FunctionName: ref(`${address(tf, "aws_lambda_function")}.function_name`) }, alarm_actions: [topic],
    }));
  });
});

describe("ANKIFY_INLINE_SECONDS", () => {
  it("defaults to 60, or to an answer's budget where that is shorter", () => {
    expect(settingsWith().inlineSeconds).toBe(60);
    expect(settingsWith({ originReadTimeout: 30 }).inlineSeconds).toBe(30);
    expect(settingsWith({ invokeMode: "BUFFERED", originReadTimeout: 40 }).inlineSeconds).toBe(35);
  });

  it.each([
    [{ inlineSeconds: 0 }, 0],
    [{ inlineSeconds: 120, originReadTimeout: 120 }, 120],
    [{ inlineSeconds: 35, invokeMode: "BUFFERED", originReadTimeout: 40 }, 35],
    // Read timeout unset: the quota sets it at plan time, to at most 120 s (the function applies the smaller).
    [{ inlineSeconds: 120 }, 120],
    [{ inlineSeconds: 115, invokeMode: "BUFFERED" }, 115],
    [{ inlineSeconds: 300, originReadTimeout: 300 }, 300],
  ])("takes %j", (overrides, value) => {
    expect(settingsWith(overrides).inlineSeconds).toBe(value);
  });

  it.each([
    [{ inlineSeconds: 121, originReadTimeout: 120 },
      'cdktf.json context "inlineSeconds" = 121 is out of range; use an integer from 0 to 120 (at most what an answer sent in one piece may take: the origin read timeout; 0 builds every deck with audio as a job).'],
    [{ inlineSeconds: 36, invokeMode: "BUFFERED", originReadTimeout: 40 },
      'cdktf.json context "inlineSeconds" = 36 is out of range; use an integer from 0 to 35 (at most what an answer sent in one piece may take: with BUFFERED the function timeout less 5 s; 0 builds every deck with audio as a job).'],
    [{ inlineSeconds: 121 },
      'cdktf.json context "inlineSeconds" = 121 is out of range; use an integer from 0 to 120 (at most what an answer sent in one piece may take: the origin read timeout, which unset is at most 120 s; 0 builds every deck with audio as a job).'],
    [{ inlineSeconds: 116, invokeMode: "BUFFERED" },
      'cdktf.json context "inlineSeconds" = 116 is out of range; use an integer from 0 to 115 (at most what an answer sent in one piece may take: with BUFFERED the function timeout less 5 s, which unset is at most 120 s; 0 builds every deck with audio as a job).'],
    [{ inlineSeconds: -1 },
      'cdktf.json context "inlineSeconds" = -1 is out of range; use an integer from 0 to 120 (at most what an answer sent in one piece may take: the origin read timeout, which unset is at most 120 s; 0 builds every deck with audio as a job).'],
    [{ inlineSeconds: "1m" },
      'cdktf.json context "inlineSeconds" = "1m" is not a whole number of seconds; use an integer from 0 to 120 (at most what an answer sent in one piece may take: the origin read timeout, which unset is at most 120 s; 0 builds every deck with audio as a job).'],
  ])("refuses %j", (overrides, message) => {
    expect(() => settingsWith(overrides)).toThrow(message);
  });
});
