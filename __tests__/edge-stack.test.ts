import { imageContentHash } from "../stacks/edge/image-hash";
import { AWS_PROVIDER_CONSTRAINT } from "../stacks/ankify-stack";
import { MAX_PACKAGE_BYTES } from "../lambda/src/limits";
import { ALL_VIEWER_EXCEPT_HOST_HEADER, CACHING_DISABLED } from "../stacks/edge/managed-policies";
import { BODY_SIZE_LABEL, COMMON_RULE_SET_BLOCKING_LABELS, COMMON_RULE_SET_NAMESPACE, KNOWN_BAD_INPUTS_NAMESPACE } from "../stacks/edge/web-acl";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../testing/paths";
import { address, addressWhere, all, only, synthAnkify, synthDefaults, type TerraformJson } from "../testing/synth";
import { RUNTIME_VARIABLES, type RuntimeVariableName } from "../lambda/src/env-names";

const ref = (expression: string) => `\${${expression}}`;
/** The function's log group (the stack also has access-log groups in us-east-1). */
const functionLogGroup = (tf: TerraformJson) => addressWhere(tf, "aws_cloudwatch_log_group", (group) => String(group["name"]).startsWith("/aws/lambda/"));
/** A Service Quotas data source's address, by quota code. */
const quotaAddress = (tf: TerraformJson, code: string) => {
  const names = Object.entries(tf.data["aws_servicequotas_service_quota"] ?? {}).filter(([, q]) => q["quota_code"] === code).map(([name]) => name);
  if (names.length !== 1) throw new Error(`expected one quota data source for ${code}, found ${names.length}`);
  return `data.aws_servicequotas_service_quota.${names[0]}`;
};
/** The Lambda concurrency quota's data source, and what the default reservation synthesizes to. */
const CONCURRENCY_QUOTA = quotaAddress(synthDefaults().tf, "L-B99A9384");
const AUTO_RESERVATION = `\${((${CONCURRENCY_QUOTA}.value - 10) >= 100) ? 10 : -1}`;
/** The CloudFront timeout quota's data source, and the default read timeout it gives. */
const TIMEOUT_QUOTA = quotaAddress(synthDefaults().tf, "L-AECE9FA7");
const DEFAULT_READ_TIMEOUT = `\${floor(min(120, ${TIMEOUT_QUOTA}.value))}`;
/** The image build: the terraform_data with a local-exec (another one tracks the protection mode). */
const isImageBuild = (resource: Record<string, any>) => resource["provisioner"] !== undefined;
const imageBuild = (tf: TerraformJson) => tf.resource["terraform_data"]![addressWhere(tf, "terraform_data", isImageBuild).split(".")[1]!]!;

describe("providers", () => {
  const { tf } = synthDefaults();

  it("has a default AWS provider in the app region and an aliased one in us-east-1, both with default tags", () => {
    const aws = tf.provider["aws"]!;
    expect(aws).toHaveLength(2);
    const regional = aws.find((p) => p["alias"] === undefined)!;
    const usEast1 = aws.find((p) => p["alias"] === "us_east_1")!;
    expect(regional["region"]).toBe("eu-west-1");
    expect(usEast1["region"]).toBe("us-east-1");
    for (const provider of [regional, usEast1]) {
      expect(provider["default_tags"]).toEqual([{ tags: { ManagedBy: "cdktf", Project: "ankify", Stack: "ankify" } }]);
    }
  });

  it("requires an AWS provider that knows invoked_via_function_url (6.28+), not the bindings' exact 6.25.0", () => {
    expect(tf.terraform.required_providers["aws"]!.version).toBe(AWS_PROVIDER_CONSTRAINT);
    expect(AWS_PROVIDER_CONSTRAINT).toBe(">= 6.28.0, < 7.0.0");
  });

  it("follows the app region setting", () => {
    const { tf: other } = synthAnkify({ region: "ap-southeast-2" });
    expect(other.provider["aws"]!.find((p) => p["alias"] === undefined)!["region"]).toBe("ap-southeast-2");
    expect(other.provider["aws"]!.find((p) => p["alias"] === "us_east_1")!["region"]).toBe("us-east-1");
  });
});

describe("image repository and image", () => {
  const { json, tf } = synthDefaults();

  it("scans on push, keeps tags immutable, encrypts, and expires all but the last images", () => {
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_ecr_repository" }, {
      name: "ankify",
      image_tag_mutability: "IMMUTABLE",
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: "AES256" }],
    });
    const policy = only(tf, "aws_ecr_lifecycle_policy")["policy"] as string;
    expect(policy).toContain('"countType":"imageCountMoreThan"');
    expect(policy).toContain('"countNumber":10');
    expect(policy).toContain('"type":"expire"');
  });

  it("lets only the Lambda service pull, for this function", () => {
    const policy = only(tf, "aws_ecr_repository_policy")["policy"] as string;
    expect(policy).toContain('"Service":"lambda.amazonaws.com"');
    expect(policy).toContain('"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]');
    expect(policy).toContain(":function:ankify");
  });

  it("tags the image with the content hash of lambda/ and rebuilds exactly when that hash changes", () => {
    const tag = `${imageContentHash({ projectRoot: PROJECT_ROOT })}-arm64`;
    const build = imageBuild(tf);
    expect(build["triggers_replace"]).toEqual({ tag, repository: ref(`${address(tf, "aws_ecr_repository")}.repository_url`) });
    expect(build["provisioner"]).toEqual([
      expect.objectContaining({
        "local-exec": expect.objectContaining({
          command: "bash scripts/build-image.sh",
          working_dir: "${path.root}/../../..",
          environment: expect.objectContaining({ IMAGE_TAG: tag, PLATFORM: "linux/arm64", AWS_REGION: "eu-west-1" }),
        }),
      }),
    ]);
    const fn = only(tf, "aws_lambda_function");
    expect(fn["image_uri"]).toBe(`${ref(`${address(tf, "aws_ecr_repository")}.repository_url`)}:${tag}`);
    expect(fn["depends_on"]).toContain(addressWhere(tf, "terraform_data", isImageBuild));
    expect(fn["depends_on"]).toContain(address(tf, "aws_ecr_repository_policy"));
  });

  it("builds for the architecture the function declares, and rebuilds when only that changes", () => {
    const { tf: x86 } = synthAnkify({ architecture: "x86_64" });
    expect(only(x86, "aws_lambda_function")["architectures"]).toEqual(["x86_64"]);
    expect(imageBuild(x86)["provisioner"][0]["local-exec"]["environment"]["PLATFORM"]).toBe("linux/amd64");
    expect(only(tf, "aws_lambda_function")["architectures"]).toEqual(["arm64"]);
    const tagOf = (t: typeof tf) => imageBuild(t)["triggers_replace"]["tag"] as string;
    expect(tagOf(x86)).toMatch(/^[0-9a-f]{16}-x86_64$/);
    expect(tagOf(tf)).toMatch(/^[0-9a-f]{16}-arm64$/);
    expect(only(x86, "aws_lambda_function")["image_uri"]).toMatch(/:[0-9a-f]{16}-x86_64$/);
  });
});

describe("bring your own image (ANKIFY_IMAGE_URI)", () => {
  const uri = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ankify-python@sha256:" + "0123456789abcdef".repeat(4);

  it.each(["secret-header", "oac"])("in %s mode runs that image and builds nothing: no repository, no image build", (mode) => {
    const { tf } = synthAnkify({ imageUri: uri, originProtection: mode });
    const fn = all(tf, "aws_lambda_function").find((f) => f["function_name"] === "ankify")!;
    expect(fn).toEqual(expect.objectContaining({ package_type: "Image", image_uri: uri, architectures: ["arm64"] }));
    expect(fn["depends_on"]).toEqual([functionLogGroup(tf)]);
    for (const type of ["aws_ecr_repository", "aws_ecr_lifecycle_policy", "aws_ecr_repository_policy"]) {
      expect(tf.resource[type]).toBeUndefined();
    }
    expect(all(tf, "terraform_data").filter(isImageBuild)).toEqual([]);
    expect(tf.output["image_uri"]!.value).toBe(uri);
    expect(tf.output["ecr_repository_url"]).toBeUndefined();
    expect(tf.output["image_tag"]).toBeUndefined();
  });

  it("gives that function the built one's environment and guard settings, for a buffered handler (no stream budget)", () => {
    const { tf } = synthAnkify({ imageUri: uri });
    const variables = only(tf, "aws_lambda_function")["environment"]["variables"];
    expect(Object.keys(variables).sort()).toEqual([
      "ANKIFY_API_KEY_PATH", "ANKIFY_CLIENT_AUTH", "ANKIFY_CLIENT_CONCURRENCY", "ANKIFY_CLIENT_DAILY_CHARACTERS", "ANKIFY_CLIP_CACHE_PREFIX", "ANKIFY_DECK_BUCKET", "ANKIFY_DECK_PREFIX", "ANKIFY_INLINE_SECONDS", "ANKIFY_INVOKE_MODE", "ANKIFY_JOBS_PREFIX", "ANKIFY_LINK_TTL_SECONDS", "ANKIFY_MAX_SPEECH_CHARACTERS", "ANKIFY_NOTE_TIMES_PREFIX", "ANKIFY_ORIGIN_PROTECTION",
      "ANKIFY_ORIGIN_SECRET_PARAMETER", "ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER", "ANKIFY_SPEECH_REGION", "ANKIFY_TIME_BUDGET_SECONDS", "ANKIFY_TTS_ENGINE", "ANKIFY_USAGE_TABLE",
    ]);
    const { tf: built } = synthDefaults();
    expect(Object.keys(only(built, "aws_lambda_function")["environment"]["variables"]).sort()).toEqual([...Object.keys(variables), "ANKIFY_STREAM_BUDGET_SECONDS"].sort());
    // Each one is a name the function reads (lambda/src/env-names.ts), so the names check knows it.
    for (const name of Object.keys(variables)) expect([name, RUNTIME_VARIABLES[name as RuntimeVariableName]?.readBy]).toEqual([name, expect.arrayContaining(["function"])]);
    expect(only(tf, "aws_lambda_function")["reserved_concurrent_executions"]).toBe(AUTO_RESERVATION);
  });

  it("declares the architecture the image was built for", () => {
    const { tf } = synthAnkify({ imageUri: uri, architecture: "x86_64" });
    expect(only(tf, "aws_lambda_function")["architectures"]).toEqual(["x86_64"]);
  });

  it("without it outputs the built image's URI", () => {
    const { tf } = synthDefaults();
    expect(tf.output["image_uri"]!.value).toBe(only(tf, "aws_lambda_function")["image_uri"]);
    expect(tf.output["image_tag"]!.value).toMatch(/^[0-9a-f]{16}-arm64$/);
  });
});

describe("function", () => {
  const { json, tf } = synthDefaults();
  const fn = only(tf, "aws_lambda_function");

  it("runs the image for 300 s (streamed decks), with /tmp room for the largest package and its clips", () => {
    expect(fn).toEqual(expect.objectContaining({ function_name: "ankify", package_type: "Image", timeout: 300, memory_size: 1024, ephemeral_storage: { size: 2048 } }));
    expect(2048 * 1024 * 1024).toBeGreaterThan(2 * MAX_PACKAGE_BYTES);
    expect(fn["environment"]["variables"]["ANKIFY_TIME_BUDGET_SECONDS"]).toBe(DEFAULT_READ_TIMEOUT);
    expect(fn["environment"]["variables"]["ANKIFY_STREAM_BUDGET_SECONDS"]).toBe("295");
  });

  it("streams its Function URL's responses, and tells the function so", () => {
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_lambda_function_url" }, { invoke_mode: "RESPONSE_STREAM" });
    expect(fn["environment"]["variables"]["ANKIFY_INVOKE_MODE"]).toBe("RESPONSE_STREAM");
  });

  it.each([
    [{ originReadTimeout: 60 }, 300, "60", "295"],
    [{ originReadTimeout: 600 }, 600, "600", "595"],
    [{ functionTimeout: 900 }, 900, DEFAULT_READ_TIMEOUT, "895"],
    [{ functionTimeout: 120, responseCompletionTimeout: 300 }, 120, DEFAULT_READ_TIMEOUT, "115"],
  ])("with %j the timeout is %i s, the JSON budget %s s and the stream budget %s s", (overrides, timeout, budget, streamBudget) => {
    const { tf: custom } = synthAnkify(overrides);
    const customFn = only(custom, "aws_lambda_function");
    expect(customFn["timeout"]).toBe(timeout);
    expect(customFn["environment"]["variables"]["ANKIFY_TIME_BUDGET_SECONDS"]).toBe(budget);
    expect(customFn["environment"]["variables"]["ANKIFY_STREAM_BUDGET_SECONDS"]).toBe(streamBudget);
  });

  it("reads the account's Lambda concurrency quota (L-B99A9384) at plan time, in the app region", () => {
    expect(tf.data["aws_servicequotas_service_quota"]![CONCURRENCY_QUOTA.split(".")[2]!]).toEqual({ service_code: "lambda", quota_code: "L-B99A9384" });
  });

  it("by default reserves 10 executions only where the quota leaves 100 unreserved, and none elsewhere (new accounts: quota 10)", () => {
    expect(fn["reserved_concurrent_executions"]).toBe(`\${((${CONCURRENCY_QUOTA}.value - 10) >= 100) ? 10 : -1}`);
    expect(fn["lifecycle"]["precondition"]).toBeUndefined();
  });

  it("says in the plan which happened", () => {
    const summary = tf.output["function_concurrency"]!.value as string;
    expect(summary.startsWith(`\${((${CONCURRENCY_QUOTA}.value - 10) >= 100) ? "10 reserved (account quota \${${CONCURRENCY_QUOTA}.value})" : "none: `)).toBe(true);
    expect(summary).toContain(`none: the account's concurrency quota is \${${CONCURRENCY_QUOTA}.value}; Lambda keeps 100 executions unreserved, so reserving 10 needs a quota of at least 110`);
    expect(summary).toContain("L-B99A9384");
  });

  it("with an explicit ANKIFY_MAX_CONCURRENCY reserves it, and fails the plan where the quota cannot hold it, saying how to raise it", () => {
    const n = 50;
    const { tf: custom } = synthAnkify({ maxConcurrency: n });
    const quota = quotaAddress(custom, "L-B99A9384");
    const customFn = only(custom, "aws_lambda_function");
    expect(customFn["reserved_concurrent_executions"]).toBe(n);
    const [precondition] = customFn["lifecycle"]["precondition"];
    expect(precondition.condition).toBe(`\${((${quota}.value - ${n}) >= 100)}`);
    for (const part of [
      `ANKIFY_MAX_CONCURRENCY = ${n} cannot be reserved: this account's Lambda quota "Concurrent executions" (L-B99A9384) in eu-west-1 is \${${quota}.value}`,
      `reserving ${n} needs a quota of at least ${n + 100}`,
      "Service Quotas console, region eu-west-1 → AWS services → AWS Lambda → Concurrent executions → Request increase at account level",
      `aws service-quotas request-service-quota-increase --region eu-west-1 --service-code lambda --quota-code L-B99A9384 --desired-value ${Math.max(1000, n + 100)}`,
      'or set ANKIFY_MAX_CONCURRENCY=auto',
    ]) expect(precondition.error_message).toContain(part);
    expect(custom.output["function_concurrency"]!.value).toBe(`${n} reserved (account quota \${${quota}.value})`);
    const throttles = all(custom, "aws_cloudwatch_metric_alarm").find((a) => a["alarm_name"] === "ankify-function-throttles")!;
    expect(throttles["alarm_description"]).toMatch(/^Requests were refused \(429\) because 50 copies of the function \(ANKIFY_MAX_CONCURRENCY\) were already running\. Look first at /);
  });

  it("with ANKIFY_MAX_CONCURRENCY = none reserves nothing and reads no quota", () => {
    const { tf: custom } = synthAnkify({ maxConcurrency: "none" });
    expect(only(custom, "aws_lambda_function")["reserved_concurrent_executions"]).toBeUndefined();
    expect(Object.values(custom.data["aws_servicequotas_service_quota"]!).map((q) => q["quota_code"])).toEqual(["L-AECE9FA7"]);
    expect(custom.output["function_concurrency"]!.value).toBe("none: ANKIFY_MAX_CONCURRENCY = none (the function shares the account's unreserved concurrency)");
  });

  it("logs to its own log group with retention", () => {
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_cloudwatch_log_group" }, { name: "/aws/lambda/ankify", retention_in_days: 14 });
    expect(fn["logging_config"]).toEqual({ log_format: "JSON", log_group: ref(`${functionLogGroup(tf)}.name`) });
  });

  it("speaks through Polly in the speech region, and its role may call Polly only there", () => {
    const { tf: north } = synthAnkify({ region: "eu-north-1", speechRegion: "eu-central-1" });
    const northFn = only(north, "aws_lambda_function");
    expect(northFn["environment"]["variables"]["ANKIFY_SPEECH_REGION"]).toBe("eu-central-1");
    const speak = (JSON.parse(only(north, "aws_iam_role_policy")["policy"]) as { Statement: Array<Record<string, unknown>> }).Statement.find((st) => st["Sid"] === "Speak");
    expect(speak).toEqual({
      Sid: "Speak", Effect: "Allow", Action: ["polly:SynthesizeSpeech"], Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": "eu-central-1" } },
    });
    expect(fn["environment"]["variables"]["ANKIFY_SPEECH_REGION"]).toBe("eu-west-1");
  });

  it("tells the function its bucket, prefix and speech engine", () => {
    expect(fn["environment"]["variables"]).toEqual(expect.objectContaining({
      ANKIFY_DECK_BUCKET: ref(`${address(tf, "aws_s3_bucket")}.bucket`),
      ANKIFY_DECK_PREFIX: "decks/",
      ANKIFY_TTS_ENGINE: "polly",
      ANKIFY_LINK_TTL_SECONDS: "3600",
    }));
  });

  it("has a role with only logs, its S3 prefixes, SynthesizeSpeech, invoking itself, its client keys and its origin secret, and no wildcard action", () => {
    const policy = JSON.parse(only(tf, "aws_iam_role_policy")["policy"] as string) as { Statement: Array<{ Sid: string; Action: string[]; Resource: string }> };
    const actions = policy.Statement.flatMap((s) => s.Action);
    expect(actions.sort()).toEqual([
      "dynamodb:GetItem", "dynamodb:UpdateItem", "lambda:InvokeFunction", "logs:CreateLogStream", "logs:PutLogEvents", "polly:SynthesizeSpeech",
      "s3:GetObject", "s3:GetObject", "s3:GetObject", "s3:GetObject", "s3:PutObject", "s3:PutObject", "s3:PutObject", "s3:PutObject",
      "ssm:GetParameter", "ssm:GetParametersByPath",
    ]);
    const clips = policy.Statement.find((s) => s.Sid === "CacheClips")!;
    expect(clips).toEqual(expect.objectContaining({ Action: ["s3:GetObject", "s3:PutObject"], Resource: `${ref(`${address(tf, "aws_s3_bucket")}.arn`)}/clips/*` }));
    expect(fn["environment"]["variables"]["ANKIFY_CLIP_CACHE_PREFIX"]).toBe("clips/");
    const noteTimes = policy.Statement.find((s) => s.Sid === "RememberNoteTimes")!;
    expect(noteTimes).toEqual(expect.objectContaining({ Action: ["s3:GetObject", "s3:PutObject"], Resource: `${ref(`${address(tf, "aws_s3_bucket")}.arn`)}/note-times/*` }));
    expect(fn["environment"]["variables"]["ANKIFY_NOTE_TIMES_PREFIX"]).toBe("note-times/");
    expect(actions.some((a) => a.includes("*"))).toBe(false);
    const s3 = policy.Statement.find((s) => s.Action.includes("s3:PutObject"))!;
    expect(s3.Resource).toBe(`${ref(`${address(tf, "aws_s3_bucket")}.arn`)}/decks/*`);
    expect(only(tf, "aws_iam_role")["assume_role_policy"]).toContain("lambda.amazonaws.com");
  });
});

describe("deck bucket", () => {
  const { json, tf } = synthDefaults();
  const bucket = { bucket: ref(`${address(tf, "aws_s3_bucket")}.id`) };

  it("blocks public access, enforces bucket ownership and encrypts", () => {
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_s3_bucket_public_access_block" }, {
      ...bucket, block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true,
    });
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_s3_bucket_ownership_controls" }, { ...bucket, rule: { object_ownership: "BucketOwnerEnforced" } });
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_s3_bucket_server_side_encryption_configuration" }, {
      ...bucket, rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
    });
  });

  it("denies any request that is not TLS", () => {
    const policy = only(tf, "aws_s3_bucket_policy")["policy"] as string;
    expect(policy).toContain('"Effect":"Deny"');
    expect(policy).toContain('"Condition":{"Bool":{"aws:SecureTransport":"false"}}');
  });

  it("expires decks after a few days, cached clips 90 days after they were written, and note times two years after a deck's last build", () => {
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_s3_bucket_lifecycle_configuration" }, {
      ...bucket,
      rule: [
        expect.objectContaining({ id: "expire-decks", status: "Enabled", filter: [{ prefix: "decks/" }], expiration: [{ days: 3 }] }),
        expect.objectContaining({ id: "expire-cached-clips", status: "Enabled", filter: [{ prefix: "clips/" }], expiration: [{ days: 90 }] }),
        expect.objectContaining({ id: "expire-note-times", status: "Enabled", filter: [{ prefix: "note-times/" }], expiration: [{ days: 730 }] }),
        expect.objectContaining({ id: "expire-deck-jobs", status: "Enabled", filter: [{ prefix: "jobs/" }], expiration: [{ days: 1 }] }),
      ],
    });
  });

  it.each([[7, 7], [3650, 3650]])("keeps cached clips %i days when asked", (clipCacheDays, days) => {
    const { tf: custom } = synthAnkify({ clipCacheDays });
    expect(only(custom, "aws_s3_bucket_lifecycle_configuration")["rule"][1]).toEqual(expect.objectContaining({ filter: [{ prefix: "clips/" }], expiration: [{ days }] }));
  });

  it("with ANKIFY_CLIP_CACHE_DAYS = 0 has no clip cache: no rule, no permission, nothing told to the function", () => {
    const { tf: off } = synthAnkify({ clipCacheDays: 0 });
    expect(only(off, "aws_s3_bucket_lifecycle_configuration")["rule"].map((r: { id: string }) => r.id)).toEqual(["expire-decks", "expire-note-times", "expire-deck-jobs"]);
    expect(only(off, "aws_iam_role_policy")["policy"]).not.toContain("clips/");
    expect(only(off, "aws_lambda_function")["environment"]["variables"]["ANKIFY_CLIP_CACHE_PREFIX"]).toBeUndefined();
  });
});

describe("invoke mode (ANKIFY_INVOKE_MODE)", () => {
  const image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ankify-python@sha256:" + "0123456789abcdef".repeat(4);
  const variables = (tf: TerraformJson) => only(tf, "aws_lambda_function")["environment"]["variables"] as Record<string, string>;
  const durationAlarm = (tf: TerraformJson) => all(tf, "aws_cloudwatch_metric_alarm").find((a) => a["alarm_name"] === "ankify-function-duration")!;
  const originOf = (tf: TerraformJson) => only(tf, "aws_cloudfront_distribution")["origin"][0];

  it.each([
    ["the image built from lambda/", {}, "RESPONSE_STREAM"],
    ["ANKIFY_IMAGE_URI alone", { imageUri: image }, "BUFFERED"],
    ["BUFFERED for the built image", { invokeMode: "BUFFERED" }, "BUFFERED"],
    ["RESPONSE_STREAM for an own image", { imageUri: image, invokeMode: "RESPONSE_STREAM" }, "RESPONSE_STREAM"],
  ])("%s: the Function URL is %s, the function is told it, and only a streaming one gets a stream budget", (_label, overrides, mode) => {
    const { json, tf } = synthAnkify(overrides);
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_lambda_function_url" }, { invoke_mode: mode });
    expect(variables(tf)["ANKIFY_INVOKE_MODE"]).toBe(mode);
    expect("ANKIFY_STREAM_BUDGET_SECONDS" in variables(tf)).toBe(mode === "RESPONSE_STREAM");
  });

  describe("BUFFERED: the whole invocation fits inside CloudFront's read timeout", () => {
    it("with ANKIFY_IMAGE_URI and nothing else, the function's timeout is the read timeout's own expression and its budget 5 s less", () => {
      const { json, tf } = synthAnkify({ imageUri: image });
      expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_lambda_function_url" }, { invoke_mode: "BUFFERED" });
      expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_lambda_function" }, { timeout: DEFAULT_READ_TIMEOUT });
      expect(originOf(tf)["custom_origin_config"]["origin_read_timeout"]).toBe(DEFAULT_READ_TIMEOUT);
      expect(variables(tf)["ANKIFY_TIME_BUDGET_SECONDS"]).toBe(`\${(floor(min(120, ${TIMEOUT_QUOTA}.value)) - 5)}`);
      // Equal by construction: nothing to check at plan time but the quota's floor, now the function's shortest timeout.
      expect(only(tf, "aws_lambda_function")["lifecycle"]["precondition"]).toBeUndefined();
      expect(only(tf, "aws_cloudfront_distribution")["lifecycle"]["precondition"]).toEqual([{
        condition: `\${(floor(min(120, ${TIMEOUT_QUOTA}.value)) >= 15)}`,
        error_message: expect.stringContaining(`quota (L-AECE9FA7) is \${${TIMEOUT_QUOTA}.value} s, less than the 15 s a buffered answer needs`),
      }]);
      // No cap on the whole response: a buffered one arrives whole within the read timeout.
      expect(originOf(tf)["response_completion_timeout"]).toBeUndefined();
    });

    it("with ANKIFY_IMAGE_URI and nothing else, the duration alarm sits past the budget, halfway to the timeout, as an expression too", () => {
      const { tf } = synthAnkify({ imageUri: image });
      const alarm = durationAlarm(tf);
      expect(alarm["threshold"]).toBe(`\${((floor(min(120, ${TIMEOUT_QUOTA}.value)) - 2.5) * 1000)}`);
      expect(alarm["alarm_description"]).toContain(
        `longer than \${(floor(min(120, ${TIMEOUT_QUOTA}.value)) - 2.5)} s: past its \${(floor(min(120, ${TIMEOUT_QUOTA}.value)) - 5)} s time budget, by which a buffered answer stops with a tool error`,
      );
    });

    it.each([
      [{ originReadTimeout: 90 }, 90, "85", 87_500],
      [{ originReadTimeout: 90, functionTimeout: 60 }, 60, "55", 57_500],
      [{ originReadTimeout: 15 }, 15, "10", 12_500],
      [{ originReadTimeout: 600 }, 600, "595", 597_500],
    ])("with an explicit read timeout, %j: timeout %i s, budget %s s, duration alarm %i ms, nothing left to check at plan time", (overrides, timeout, budget, threshold) => {
      const { tf } = synthAnkify({ imageUri: image, ...overrides });
      const fn = only(tf, "aws_lambda_function");
      expect(fn["timeout"]).toBe(timeout);
      expect(timeout).toBeLessThanOrEqual(originOf(tf)["custom_origin_config"]["origin_read_timeout"]);
      expect(variables(tf)["ANKIFY_TIME_BUDGET_SECONDS"]).toBe(budget);
      expect(fn["lifecycle"]["precondition"]).toBeUndefined();
      expect(durationAlarm(tf)["threshold"]).toBe(threshold);
      expect(durationAlarm(tf)["alarm_description"]).toContain(`longer than ${threshold / 1000} s: past its ${budget} s time budget`);
    });

    it("with an explicit function timeout and the quota's read timeout, the plan checks the timeout fits, and says how to fix it", () => {
      const { tf } = synthAnkify({ imageUri: image, functionTimeout: 60 });
      const fn = only(tf, "aws_lambda_function");
      expect(fn["timeout"]).toBe(60);
      expect(variables(tf)["ANKIFY_TIME_BUDGET_SECONDS"]).toBe("55");
      const [precondition] = fn["lifecycle"]["precondition"];
      expect(precondition.condition).toBe(`\${(60 <= floor(min(120, ${TIMEOUT_QUOTA}.value)))}`);
      for (const part of [
        `ANKIFY_FUNCTION_TIMEOUT = 60 is longer than the origin read timeout, ${DEFAULT_READ_TIMEOUT} s (the smaller of 120 s and this account's CloudFront quota L-AECE9FA7, \${${TIMEOUT_QUOTA}.value} s)`,
        "CloudFront would answer 504 while the function kept running (and spending)",
        `Lower ANKIFY_FUNCTION_TIMEOUT to at most ${DEFAULT_READ_TIMEOUT}, unset it to follow the read timeout, or raise CloudFront's quota.`,
        "--quota-code L-AECE9FA7 --desired-value 60",
      ]) expect(precondition.error_message).toContain(part);
    });

    it("keeps the concurrency reservation's own check beside the timeout's", () => {
      const { tf } = synthAnkify({ imageUri: image, functionTimeout: 60, maxConcurrency: 50 });
      expect(only(tf, "aws_lambda_function")["lifecycle"]["precondition"].map((p: { condition: string }) => p.condition)).toEqual([
        `\${(60 <= floor(min(120, ${TIMEOUT_QUOTA}.value)))}`,
        `\${((${quotaAddress(tf, "L-B99A9384")}.value - 50) >= 100)}`,
      ]);
    });
  });
});

describe("origin read timeout from CloudFront's quota (L-AECE9FA7)", () => {
  const { tf } = synthDefaults();
  const cdn = only(tf, "aws_cloudfront_distribution");

  it("reads the account's \"Response timeout per origin\" quota at plan time, from us-east-1 (where CloudFront's quotas live)", () => {
    expect(tf.data["aws_servicequotas_service_quota"]![TIMEOUT_QUOTA.split(".")[2]!]).toEqual({
      provider: "aws.us_east_1", service_code: "cloudfront", quota_code: "L-AECE9FA7",
    });
  });

  it("by default waits the smaller of 120 s and the quota, and tells the function the same expression as its budget", () => {
    expect(DEFAULT_READ_TIMEOUT).toBe(`\${floor(min(120, ${TIMEOUT_QUOTA}.value))}`);
    expect(cdn["origin"][0]["custom_origin_config"]["origin_read_timeout"]).toBe(DEFAULT_READ_TIMEOUT);
    expect(only(tf, "aws_lambda_function")["environment"]["variables"]["ANKIFY_TIME_BUDGET_SECONDS"]).toBe(DEFAULT_READ_TIMEOUT);
    expect(cdn["lifecycle"]["precondition"]).toEqual([{
      condition: `\${(floor(min(120, ${TIMEOUT_QUOTA}.value)) >= 10)}`,
      error_message: expect.stringContaining(`CloudFront's "Response timeout per origin" quota (L-AECE9FA7) is \${${TIMEOUT_QUOTA}.value} s`),
    }]);
  });

  it("says in the plan which read timeout it chose and why", () => {
    expect(tf.output["origin_read_timeout"]!.value).toBe(
      `\${floor(min(120, ${TIMEOUT_QUOTA}.value))} s: the smaller of 120 s and this account's CloudFront quota L-AECE9FA7 (\${${TIMEOUT_QUOTA}.value} s)`,
    );
  });

  it("fails the plan when an explicit ANKIFY_ORIGIN_READ_TIMEOUT is above the quota, with the Service Quotas steps", () => {
    const { tf: custom } = synthAnkify({ originReadTimeout: 150 });
    const customCdn = only(custom, "aws_cloudfront_distribution");
    expect(customCdn["origin"][0]["custom_origin_config"]["origin_read_timeout"]).toBe(150);
    expect(only(custom, "aws_lambda_function")["environment"]["variables"]["ANKIFY_TIME_BUDGET_SECONDS"]).toBe("150");
    const [precondition] = customCdn["lifecycle"]["precondition"];
    expect(precondition.condition).toBe(`\${(150 <= ${TIMEOUT_QUOTA}.value)}`);
    for (const part of [
      `ANKIFY_ORIGIN_READ_TIMEOUT = 150 is above this account's CloudFront quota "Response timeout per origin" (L-AECE9FA7), which is \${${TIMEOUT_QUOTA}.value} s`,
      "Service Quotas console, region US East (N. Virginia) → AWS services → Amazon CloudFront → Response timeout per origin → Request increase at account level",
      "aws service-quotas request-service-quota-increase --region us-east-1 --service-code cloudfront --quota-code L-AECE9FA7 --desired-value 150",
    ]) expect(precondition.error_message).toContain(part);
    expect(custom.output["origin_read_timeout"]!.value).toBe(`150 s: ANKIFY_ORIGIN_READ_TIMEOUT (this account's CloudFront quota L-AECE9FA7: \${${TIMEOUT_QUOTA}.value} s)`);
  });

  it("fails the plan when an explicit function timeout is shorter than the read timeout the quota gives", () => {
    const { tf: custom } = synthAnkify({ functionTimeout: 60 });
    const customFn = only(custom, "aws_lambda_function");
    expect(customFn["timeout"]).toBe(60);
    expect(customFn["lifecycle"]["precondition"]).toEqual([{
      condition: `\${(60 >= floor(min(120, ${TIMEOUT_QUOTA}.value)))}`,
      error_message: expect.stringContaining("ANKIFY_FUNCTION_TIMEOUT = 60 is shorter than the origin read timeout"),
    }]);
    // Where the function timeout outlasts any read timeout the default can give, there is nothing to check.
    expect(only(tf, "aws_lambda_function")["lifecycle"]["precondition"]).toBeUndefined();
  });
});

describe("certificate and DNS", () => {
  const { json, tf } = synthDefaults();
  const zone = ref("data.aws_route53_zone.zone.zone_id");

  it("looks the zone up by name", () => {
    expect(tf.data["aws_route53_zone"]!["zone"]).toEqual(expect.objectContaining({ name: "example.com", private_zone: false }));
  });

  it("requests a DNS-validated certificate in us-east-1, created before the old one is destroyed", () => {
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_acm_certificate" }, {
      provider: "aws.us_east_1", domain_name: "ankify.example.com", validation_method: "DNS",
      lifecycle: { create_before_destroy: true },
    });
  });

  it("writes one validation record per domain_validation_options entry and waits on their FQDNs", () => {
    const cert = address(tf, "aws_acm_certificate");
    const records = tf.resource["aws_route53_record"]!;
    const [name, validation] = Object.entries(records).find(([, r]) => r["for_each"] !== undefined)!;
    expect(validation["for_each"]).toBe(`\${{ for key, val in tolist(${cert}.domain_validation_options): val.domain_name => val }}`);
    expect(validation).toEqual(expect.objectContaining({
      zone_id: zone, name: "${each.value.resource_record_name}", type: "${each.value.resource_record_type}",
      records: ["${each.value.resource_record_value}"], allow_overwrite: true,
    }));
    expect(only(tf, "aws_acm_certificate_validation")).toEqual(expect.objectContaining({
      provider: "aws.us_east_1",
      certificate_arn: ref(`${cert}.arn`),
      validation_record_fqdns: `\${[ for key, val in aws_route53_record.${name}: val.fqdn]}`,
    }));
  });

  it("points A and AAAA alias records for the domain at the distribution", () => {
    const cdn = address(tf, "aws_cloudfront_distribution");
    for (const type of ["A", "AAAA"]) {
      expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_route53_record" }, {
        zone_id: zone, name: "ankify.example.com", type,
        alias: { name: ref(`${cdn}.domain_name`), zone_id: ref(`${cdn}.hosted_zone_id`), evaluate_target_health: false },
      });
    }
  });
});

describe("distribution", () => {
  const { tf } = synthDefaults();
  const cdn = only(tf, "aws_cloudfront_distribution");
  const origin = cdn["origin"][0];

  it("proxies to the Function URL's host over HTTPS with TLS 1.2 and the configured timeouts", () => {
    expect(origin["domain_name"]).toBe(`\${element(split("/", ${address(tf, "aws_lambda_function_url")}.function_url), 2)}`);
    expect(origin["custom_origin_config"]).toEqual({
      http_port: 80, https_port: 443, origin_protocol_policy: "https-only", origin_ssl_protocols: ["TLSv1.2"],
      origin_read_timeout: DEFAULT_READ_TIMEOUT, origin_keepalive_timeout: 5,
    });
    expect(origin["response_completion_timeout"]).toBeUndefined();
  });

  it("sets the response completion timeout and raised read timeout when configured", () => {
    const { tf: custom } = synthAnkify({ originReadTimeout: 170, responseCompletionTimeout: 400, originKeepaliveTimeout: 30 });
    const customOrigin = only(custom, "aws_cloudfront_distribution")["origin"][0];
    expect(customOrigin["response_completion_timeout"]).toBe(400);
    expect(customOrigin["custom_origin_config"]).toEqual(expect.objectContaining({ origin_read_timeout: 170, origin_keepalive_timeout: 30 }));
  });

  it("allows every method incl. POST, refuses plain HTTP (a redirected POST loses its body), never caches, and strips the viewer Host header", () => {
    expect(cdn["default_cache_behavior"]).toEqual(expect.objectContaining({
      allowed_methods: ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"],
      viewer_protocol_policy: "https-only",
      cache_policy_id: CACHING_DISABLED,
      origin_request_policy_id: ALL_VIEWER_EXCEPT_HOST_HEADER,
      target_origin_id: origin["origin_id"],
    }));
    expect(ALL_VIEWER_EXCEPT_HOST_HEADER).toBe("b689b0a8-53d0-40ab-baf2-68738e2966ac");
    expect(CACHING_DISABLED).toBe("4135ea2d-6df8-44a3-9df3-4b5a84be39ad");
  });

  it("serves the domain with the validated certificate, SNI only, CloudFront's 2025 TLS 1.2 policy, HTTP/2+3 and IPv6", () => {
    expect(cdn).toEqual(expect.objectContaining({
      aliases: ["ankify.example.com"], http_version: "http2and3", is_ipv6_enabled: true, enabled: true,
      viewer_certificate: {
        acm_certificate_arn: ref(`${address(tf, "aws_acm_certificate_validation")}.certificate_arn`),
        ssl_support_method: "sni-only",
        minimum_protocol_version: "TLSv1.2_2025",
      },
    }));
  });

  it("adds HSTS and the other security headers to every answer, through a response headers policy of its own", () => {
    const policy = only(tf, "aws_cloudfront_response_headers_policy");
    expect(cdn["default_cache_behavior"]["response_headers_policy_id"]).toBe(ref(`${address(tf, "aws_cloudfront_response_headers_policy")}.id`));
    expect(policy["name"]).toBe("ankify-security-headers");
    expect(policy["security_headers_config"]).toEqual({
      strict_transport_security: { access_control_max_age_sec: 63_072_000, include_subdomains: true, preload: false, override: true },
      content_type_options: { override: true },
      frame_options: { frame_option: "DENY", override: true },
      referrer_policy: { referrer_policy: "no-referrer", override: true },
    });
  });

  it("is updated only after the function and the origin secret's parameters, so a rotated secret is readable before CloudFront sends it", () => {
    expect(cdn["depends_on"]).toEqual([address(tf, "aws_lambda_function"), addressWhere(tf, "aws_ssm_parameter", (p) => String(p["name"]).endsWith("/current"))]);
  });
});

describe("secret-header mode (default)", () => {
  const { json, tf } = synthDefaults();
  const cdn = only(tf, "aws_cloudfront_distribution");
  const env = only(tf, "aws_lambda_function")["environment"]["variables"];
  const secretRef = /^\$\{random_password\.[\w-]+\.result\}$/;

  it("leaves the Function URL open (NONE): the function checks the header", () => {
    expect(only(tf, "aws_lambda_function_url")["authorization_type"]).toBe("NONE");
    expect(env["ANKIFY_ORIGIN_PROTECTION"]).toBe("secret-header");
  });

  const parameter = (suffix: string) => all(tf, "aws_ssm_parameter").find((p) => p["name"] === `/ankify/ankify/origin-secret/${suffix}`)!;
  const parameterAddress = (suffix: string) => addressWhere(tf, "aws_ssm_parameter", (p) => p["name"] === `/ankify/ankify/origin-secret/${suffix}`);

  it("makes CloudFront send x-origin-verify with a Terraform-generated value, kept in two SSM SecureStrings", () => {
    const header = cdn["origin"][0]["custom_header"];
    expect(header).toEqual([{ name: "x-origin-verify", value: expect.stringMatching(secretRef) }]);
    expect(parameter("current")).toEqual(expect.objectContaining({ type: "SecureString", value: header[0].value }));
    expect(parameter("previous")).toEqual(expect.objectContaining({ type: "SecureString", value: expect.stringMatching(secretRef) }));
    expect(parameter("previous")["value"]).not.toBe(header[0].value);
    // The AWS-managed aws/ssm key: its key policy lets every principal of the account decrypt through SSM.
    for (const p of [parameter("current"), parameter("previous")]) expect(p["key_id"]).toBeUndefined();
    for (const password of all(tf, "random_password")) expect(password).toEqual(expect.objectContaining({ length: 48, special: false }));
  });

  it("gives the function only the parameters' names: no secret anywhere in its configuration", () => {
    expect(env["ANKIFY_ORIGIN_SECRET_PARAMETER"]).toBe("/ankify/ankify/origin-secret/current");
    expect(env["ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER"]).toBe("/ankify/ankify/origin-secret/previous");
    expect(env["ANKIFY_ORIGIN_SECRET"]).toBeUndefined();
    expect(env["ANKIFY_ORIGIN_SECRET_PREVIOUS"]).toBeUndefined();
    expect(JSON.stringify(only(tf, "aws_lambda_function"))).not.toMatch(/random_password|ssm_parameter\.[\w-]+\.value/);
  });

  it("lets the role read exactly those two parameters, with GetParameter and nothing else", () => {
    const policy = JSON.parse(only(tf, "aws_iam_role_policy")["policy"] as string) as { Statement: Array<{ Sid: string; Action: string[]; Resource: unknown }> };
    const read = policy.Statement.find((s) => s.Sid === "ReadOriginSecret")!;
    expect(read).toEqual({ Sid: "ReadOriginSecret", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [ref(`${parameterAddress("current")}.arn`), ref(`${parameterAddress("previous")}.arn`)] });
    expect(policy.Statement.flatMap((s) => s.Action).filter((a) => a.startsWith("kms:"))).toEqual([]);
  });

  it("writes previous before current, and both before CloudFront changes: every moment, the function can read the value CloudFront sends", () => {
    expect(parameter("current")["depends_on"]).toEqual([parameterAddress("previous")]);
    expect(cdn["depends_on"]).toEqual(expect.arrayContaining([parameterAddress("current")]));
  });

  it("no longer publishes the Function URL in plain text (it would show a way around the web ACL)", () => {
    expect(tf.output["function_url"]).toEqual(expect.objectContaining({ sensitive: true }));
  });

  it("puts no secret value in the synthesized JSON: synthesis is deterministic and holds only references", () => {
    expect(synthAnkify().json).toBe(json);
    const longTokens = json.match(/[A-Za-z0-9]{40,}/g) ?? [];
    expect(longTokens).toEqual([]);
  });

  it("has no Origin Access Control, no CloudFront permissions and no edge function", () => {
    expect(tf.resource["aws_cloudfront_origin_access_control"]).toBeUndefined();
    expect(all(tf, "aws_lambda_permission").filter((p) => p["principal"] === "cloudfront.amazonaws.com")).toEqual([]);
    expect(cdn["origin"][0]["origin_access_control_id"]).toBeUndefined();
    expect(all(tf, "aws_lambda_function")).toHaveLength(1);
    expect(cdn["default_cache_behavior"]["lambda_function_association"]).toBeUndefined();
  });

  it("outputs the current secret only as sensitive", () => {
    expect(tf.output["origin_secret"]).toEqual(expect.objectContaining({ value: parameter("current")["value"], sensitive: true }));
  });

  it("rotates by one version bump: the new value replaces the older one, the last one stays accepted", () => {
    const slots = (version: number) => {
      const { tf: v } = synthAnkify({ originSecretVersion: version });
      const passwords = v.resource["random_password"]!;
      const generation = Object.fromEntries(Object.entries(passwords).map(([name, p]) => [name, p["keepers"]["generation"] as string]));
      const value = (suffix: string) => all(v, "aws_ssm_parameter").find((p) => p["name"] === `/ankify/ankify/origin-secret/${suffix}`)!["value"] as string;
      const slotOf = (reference: string) => reference.match(/random_password\.([\w-]+)\.result/)![1]!;
      return { generation, current: slotOf(value("current")), previous: slotOf(value("previous")) };
    };
    const v1 = slots(1);
    const v2 = slots(2);
    const v3 = slots(3);
    // Each bump regenerates exactly the slot that becomes current...
    expect(v2.generation[v2.current]).not.toBe(v1.generation[v2.current]);
    expect(v3.generation[v3.current]).not.toBe(v2.generation[v3.current]);
    // ...and keeps the slot CloudFront was sending, which becomes "previous".
    expect(v2.previous).toBe(v1.current);
    expect(v2.generation[v2.previous]).toBe(v1.generation[v1.current]);
    expect(v3.previous).toBe(v2.current);
    expect(v3.generation[v3.previous]).toBe(v2.generation[v2.current]);
  });
});

describe("switching protection modes (Function URL permissions)", () => {
  const statements = (tf: TerraformJson) =>
    all(tf, "aws_lambda_permission").map((p) => ({
      statement_id: p["statement_id"], action: p["action"], principal: p["principal"],
      ...(p["function_url_auth_type"] !== undefined ? { function_url_auth_type: p["function_url_auth_type"] } : {}),
      ...(p["invoked_via_function_url"] !== undefined ? { invoked_via_function_url: p["invoked_via_function_url"] } : {}),
      ...(p["source_arn"] !== undefined ? { source_arn: p["source_arn"] } : {}),
    })).sort((a, b) => String(a.statement_id).localeCompare(String(b.statement_id)));
  const secretHeader = synthDefaults().tf;
  const oac = synthAnkify({ originProtection: "oac" }).tf;

  it("secret-header mode: exactly the two public statements a NONE Function URL needs, as resources of its own", () => {
    expect(statements(secretHeader)).toEqual([
      { statement_id: "AnkifyPublicInvokeFunctionUrl", action: "lambda:InvokeFunctionUrl", principal: "*", function_url_auth_type: "NONE" },
      { statement_id: "AnkifyPublicInvokeFunctionViaUrl", action: "lambda:InvokeFunction", principal: "*", invoked_via_function_url: true },
    ]);
    for (const p of all(secretHeader, "aws_lambda_permission")) expect(p["function_name"]).toBe(ref(`${address(secretHeader, "aws_lambda_function")}.function_name`));
  });

  it("oac mode: exactly the two CloudFront statements, scoped to the distribution, and nothing public", () => {
    const distributionArn = ref(`${address(oac, "aws_cloudfront_distribution")}.arn`);
    expect(statements(oac)).toEqual([
      { statement_id: "AllowCloudFrontInvokeFunctionUrl", action: "lambda:InvokeFunctionUrl", principal: "cloudfront.amazonaws.com", function_url_auth_type: "AWS_IAM", source_arn: distributionArn },
      { statement_id: "AllowCloudFrontInvokeFunctionViaUrl", action: "lambda:InvokeFunction", principal: "cloudfront.amazonaws.com", invoked_via_function_url: true, source_arn: distributionArn },
    ]);
  });

  it("never reuses the statement ids the AWS provider (>= 6.28) adds itself when it creates a NONE Function URL", () => {
    for (const tf of [secretHeader, oac]) {
      for (const p of all(tf, "aws_lambda_permission")) expect(["FunctionURLAllowPublicAccess", "FunctionURLAllowInvokeAction"]).not.toContain(p["statement_id"]);
    }
  });

  it("replaces the function and its URL when the mode changes, so no statement the provider added on its own outlives the mode", () => {
    for (const [tf, mode] of [[secretHeader, "secret-header"], [oac, "oac"]] as const) {
      const tracker = addressWhere(tf, "terraform_data", (r) => r["input"] !== undefined && r["provisioner"] === undefined);
      expect(tf.resource["terraform_data"]![tracker.split(".")[1]!]!["input"]).toEqual({ originProtection: mode });
      const fn = all(tf, "aws_lambda_function").find((f) => f["function_name"] === "ankify")!;
      expect(fn["lifecycle"]["replace_triggered_by"]).toEqual([tracker]);
      // Whatever lives inside the function is recreated whenever it is: its id is unknown exactly then.
      const fnId = `${addressWhere(tf, "aws_lambda_function", (f) => f["function_name"] === "ankify")}.id`;
      expect(only(tf, "aws_lambda_function_url")["lifecycle"]["replace_triggered_by"]).toEqual([tracker, fnId]);
      for (const permission of all(tf, "aws_lambda_permission")) expect(permission["lifecycle"]["replace_triggered_by"]).toEqual([fnId]);
    }
  });
});

describe("oac mode", () => {
  const { json, tf } = synthAnkify({ originProtection: "oac" });
  const cdn = only(tf, "aws_cloudfront_distribution");
  const fn = addressWhere(tf, "aws_lambda_function", (f) => f["function_name"] === "ankify");
  const distributionArn = ref(`${address(tf, "aws_cloudfront_distribution")}.arn`);

  it("signs every origin request with an Origin Access Control of type lambda", () => {
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_cloudfront_origin_access_control" }, {
      origin_access_control_origin_type: "lambda", signing_behavior: "always", signing_protocol: "sigv4",
    });
    expect(cdn["origin"][0]["origin_access_control_id"]).toBe(ref(`${address(tf, "aws_cloudfront_origin_access_control")}.id`));
    expect(cdn["origin"][0]["custom_header"]).toBeUndefined();
  });

  it("requires IAM auth on the Function URL and generates no secret", () => {
    expect(only(tf, "aws_lambda_function_url")["authorization_type"]).toBe("AWS_IAM");
    expect(tf.resource["random_password"]).toBeUndefined();
    expect(tf.output["origin_secret"]).toBeUndefined();
    const env = all(tf, "aws_lambda_function").find((f) => f["function_name"] === "ankify")!["environment"]["variables"];
    expect(env["ANKIFY_ORIGIN_PROTECTION"]).toBe("oac");
    expect(Object.keys(env).filter((name) => name.startsWith("ANKIFY_ORIGIN_SECRET"))).toEqual([]);
    expect(tf.resource["aws_ssm_parameter"]).toBeUndefined();
    expect(tf.output["function_url"]).toEqual(expect.objectContaining({ sensitive: true }));
  });

  describe("the content-hash Lambda@Edge function", () => {
    const isEdge = (f: Record<string, any>) => String(f["function_name"]).startsWith("ankify-content-sha256-");
    const edge = all(tf, "aws_lambda_function").find(isEdge)!;
    const edgeAddress = addressWhere(tf, "aws_lambda_function", isEdge);
    const suffix = ref(`${address(tf, "random_id")}.hex`);

    it("is never deleted by Terraform (CloudFront keeps replicas for hours), and is named afresh each time oac mode begins", () => {
      expect(edge["skip_destroy"]).toBe(true);
      expect(edge["function_name"]).toBe(`ankify-content-sha256-${suffix}`);
      // A leftover of an earlier oac period keeps its own name: returning to oac mode cannot collide with it.
      expect(only(tf, "random_id")).toEqual(expect.objectContaining({ byte_length: 4 }));
      expect(only(tf, "random_id")["keepers"]).toBeUndefined();
    });

    it("is a published Node.js zip function in us-east-1, x86_64, with no environment (Lambda@Edge's rules)", () => {
      expect(edge).toEqual(expect.objectContaining({
        provider: "aws.us_east_1", runtime: "nodejs22.x", handler: "index.handler", publish: true, architectures: ["x86_64"],
        memory_size: 128, timeout: 5,
      }));
      expect(edge["timeout"]).toBeLessThanOrEqual(30);
      expect(edge["environment"]).toBeUndefined();
      expect(edge["package_type"]).toBeUndefined();
    });

    it("deploys the zip bundled at synth time, with the zip's SHA-256 as source_code_hash", () => {
      expect(edge["filename"]).toMatch(/^assets\/[\w-]+\/[0-9A-F]{32}\/content-sha256\.zip$/);
      const zip = readFileSync(join(PROJECT_ROOT, "lambda", "edge", "dist", "content-sha256.zip"));
      expect(edge["source_code_hash"]).toBe(createHash("sha256").update(zip).digest("base64"));
    });

    it("runs as a role that lambda.amazonaws.com and edgelambda.amazonaws.com may assume, allowed only to log", () => {
      const role = all(tf, "aws_iam_role").find((r) => r["name"] === "ankify-edge-content-sha256")!;
      expect(JSON.parse(role["assume_role_policy"])["Statement"]).toEqual([
        { Effect: "Allow", Principal: { Service: ["lambda.amazonaws.com", "edgelambda.amazonaws.com"] }, Action: "sts:AssumeRole" },
      ]);
      expect(edge["role"]).toMatch(/^\$\{aws_iam_role\.[\w-]+\.arn\}$/);
      const policy = all(tf, "aws_iam_role_policy").find((p) => p["name"] === "edge-logs")!;
      const statements = JSON.parse(policy["policy"])["Statement"];
      expect(statements).toHaveLength(1);
      expect(statements[0]["Action"]).toEqual(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]);
      expect(statements[0]["Resource"]).toEqual([
        `arn:aws:logs:*:\${data.aws_caller_identity.account.account_id}:log-group:/aws/lambda/us-east-1.ankify-content-sha256-${suffix}`,
        `arn:aws:logs:*:\${data.aws_caller_identity.account.account_id}:log-group:/aws/lambda/us-east-1.ankify-content-sha256-${suffix}:*`,
      ]);
    });

    it("runs on origin request with the body, by its published version's ARN", () => {
      expect(cdn["default_cache_behavior"]["lambda_function_association"]).toEqual([
        { event_type: "origin-request", include_body: true, lambda_arn: ref(`${edgeAddress}.qualified_arn`) },
      ]);
    });
  });

  it("grants cloudfront.amazonaws.com InvokeFunctionUrl (AWS_IAM) and InvokeFunction via URL, both only for this distribution", () => {
    const permissions = all(tf, "aws_lambda_permission");
    expect(permissions).toHaveLength(2);
    const common = { function_name: ref(`${fn}.function_name`), principal: "cloudfront.amazonaws.com", source_arn: distributionArn };
    expect(permissions).toEqual(expect.arrayContaining([
      expect.objectContaining({ ...common, action: "lambda:InvokeFunctionUrl", function_url_auth_type: "AWS_IAM" }),
      expect.objectContaining({ ...common, action: "lambda:InvokeFunction", invoked_via_function_url: true }),
    ]));
  });
});

describe("web ACL (WAF)", () => {
  const { json, tf } = synthDefaults();
  const acl = only(tf, "aws_wafv2_web_acl");
  const rule = (name: string) => (acl["rule"] as Array<Record<string, any>>).find((r) => r["name"] === name)!;
  const visibility = (metricName: string) => ({ cloudwatch_metrics_enabled: true, sampled_requests_enabled: true, metric_name: metricName });

  it("is a CLOUDFRONT-scope ACL on the us-east-1 provider that allows what no rule blocks", () => {
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_wafv2_web_acl" }, {
      provider: "aws.us_east_1", scope: "CLOUDFRONT", name: "ankify", default_action: { allow: {} },
      visibility_config: visibility("ankify"),
    });
  });

  it.each(["secret-header", "oac"])("is attached to the distribution by its ARN in %s mode", (mode) => {
    const { tf: synthesized } = synthAnkify({ originProtection: mode });
    expect(only(synthesized, "aws_cloudfront_distribution")["web_acl_id"]).toBe(ref(`${address(synthesized, "aws_wafv2_web_acl")}.arn`));
    expect(synthesized.output["web_acl_arn"]!.value).toBe(ref(`${address(synthesized, "aws_wafv2_web_acl")}.arn`));
  });

  it("limits each client IP to ANKIFY_RATE_LIMIT requests per 5 minutes, answering 429 with JSON", () => {
    expect(rule("rate-limit")).toEqual({
      name: "rate-limit",
      priority: 1,
      action: { block: { custom_response: { response_code: 429, custom_response_body_key: "rate-limited" } } },
      statement: { rate_based_statement: { limit: 3000, aggregate_key_type: "IP", evaluation_window_sec: 300 } },
      visibility_config: visibility("ankify-rate-limit"),
    });
    const { tf: strict } = synthAnkify({ rateLimit: 10 });
    const strictRule = (only(strict, "aws_wafv2_web_acl")["rule"] as Array<Record<string, any>>).find((r) => r["name"] === "rate-limit")!;
    expect(strictRule["statement"]["rate_based_statement"]["limit"]).toBe(10);
  });

  it("runs AWS's known-bad-inputs and common rule sets in count mode, so they label rather than block", () => {
    expect(rule("aws-known-bad-inputs")).toEqual(expect.objectContaining({
      priority: 2, override_action: { count: {} },
      statement: { managed_rule_group_statement: { vendor_name: "AWS", name: "AWSManagedRulesKnownBadInputsRuleSet" } },
      visibility_config: visibility("ankify-known-bad-inputs"),
    }));
    expect(rule("aws-common-rule-set")).toEqual(expect.objectContaining({
      priority: 3, override_action: { count: {} },
      statement: { managed_rule_group_statement: { vendor_name: "AWS", name: "AWSManagedRulesCommonRuleSet" } },
      visibility_config: visibility("ankify-common-rule-set"),
    }));
  });

  it("blocks on the managed labels with JSON, but only counts bodies over 8 KB (create_deck sends large ones)", () => {
    const block = rule("block-managed-rule-matches");
    expect(block["priority"]).toBe(4);
    expect(block["action"]).toEqual({ block: { custom_response: { response_code: 403, custom_response_body_key: "blocked" } } });
    const [badInputs, commonExceptSize, commonByName] = block["statement"]["or_statement"]["statement"];
    expect(badInputs).toEqual({ label_match_statement: { scope: "NAMESPACE", key: KNOWN_BAD_INPUTS_NAMESPACE } });
    expect(commonExceptSize).toEqual({
      and_statement: { statement: [
        { label_match_statement: { scope: "NAMESPACE", key: COMMON_RULE_SET_NAMESPACE } },
        { not_statement: { statement: { label_match_statement: { scope: "LABEL", key: "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body" } } } },
      ] },
    });
    const named = (commonByName["or_statement"]["statement"] as Array<Record<string, any>>).map((s) => s["label_match_statement"]);
    expect(named).toHaveLength(21);
    expect(named.every((m) => m.scope === "LABEL" && m.key.startsWith(COMMON_RULE_SET_NAMESPACE))).toBe(true);
    expect(named.map((m) => m.key)).toEqual(expect.arrayContaining([
      "awswaf:managed:aws:core-rule-set:CrossSiteScripting_Body", "awswaf:managed:aws:core-rule-set:NoUserAgent_Header",
    ]));
    expect(named.map((m) => m.key)).not.toContain(BODY_SIZE_LABEL);
    expect(COMMON_RULE_SET_BLOCKING_LABELS).not.toContain(BODY_SIZE_LABEL);
  });

  it("answers every block with a small JSON body it defines", () => {
    const bodies = acl["custom_response_body"] as Array<{ key: string; content: string; content_type: string }>;
    for (const body of bodies) {
      expect(body.content_type).toBe("APPLICATION_JSON");
      expect(JSON.parse(body.content)).toEqual({ error: expect.any(String), message: expect.any(String) });
      expect(body.content.length).toBeLessThan(300);
    }
    expect(JSON.parse(bodies.find((b) => b.key === "rate-limited")!.content).message).toContain("More than 3000 requests");
    const keys = bodies.map((b) => b.key);
    for (const r of acl["rule"] as Array<Record<string, any>>) {
      if (r["action"]) expect(keys).toContain(r["action"]["block"]["custom_response"]["custom_response_body_key"]);
    }
  });

  it("has no country rule unless ANKIFY_ALLOWED_COUNTRIES is set", () => {
    expect((acl["rule"] as Array<Record<string, any>>).map((r) => r["name"])).toEqual([
      "rate-limit", "aws-known-bad-inputs", "aws-common-rule-set", "block-managed-rule-matches", "client-rate-limit", "client-key-rate-limit",
    ]);
  });

  it("blocks every country but the allowed ones first, with a JSON 403", () => {
    const { tf: geo } = synthAnkify({ allowedCountries: "DE,AT,CH" });
    const geoRule = (only(geo, "aws_wafv2_web_acl")["rule"] as Array<Record<string, any>>)[0]!;
    expect(geoRule).toEqual({
      name: "allowed-countries",
      priority: 0,
      action: { block: { custom_response: { response_code: 403, custom_response_body_key: "country-not-allowed" } } },
      statement: { not_statement: { statement: { geo_match_statement: { country_codes: ["DE", "AT", "CH"] } } } },
      visibility_config: visibility("ankify-allowed-countries"),
    });
  });

  it.each(["secret-header", "oac"])("is left out entirely with ANKIFY_RATE_LIMIT=0 in %s mode", (mode) => {
    const { tf: open } = synthAnkify({ rateLimit: 0, originProtection: mode });
    expect(open.resource["aws_wafv2_web_acl"]).toBeUndefined();
    expect(only(open, "aws_cloudfront_distribution")["web_acl_id"]).toBeUndefined();
    expect(open.output["web_acl_arn"]).toBeUndefined();
  });
});

describe("alarms", () => {
  const { json, tf } = synthDefaults();
  const alarm = (suffix: string, synthesized = tf) => all(synthesized, "aws_cloudwatch_metric_alarm").find((a) => a["alarm_name"] === `ankify-${suffix}`)!;
  const topicArn = (synthesized = tf, provider?: string) => {
    const [name] = Object.entries(synthesized.resource["aws_sns_topic"]!).find(([, t]) => t["provider"] === provider)!;
    return ref(`aws_sns_topic.${name}.arn`);
  };

  it("notify an SNS topic in the app region and one in us-east-1, output both", () => {
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_sns_topic" }, { name: "ankify-alarms" });
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_sns_topic" }, { name: "ankify-edge-alarms", provider: "aws.us_east_1" });
    expect(tf.output["alarm_topic_arn"]!.value).toBe(topicArn());
    expect(tf.output["edge_alarm_topic_arn"]!.value).toBe(topicArn(tf, "aws.us_east_1"));
  });

  it.each([
    ["function-errors", "Errors", "Sum", 1, "GreaterThanOrEqualToThreshold"],
    ["function-throttles", "Throttles", "Sum", 1, "GreaterThanOrEqualToThreshold"],
    // Above the stream budget (295 s), halfway to the timeout (300 s): a legitimate streamed deck
    // never gets there, an invocation that overran its own deadline does.
    ["function-duration", "Duration", "Maximum", 297_500, "GreaterThanThreshold"],
  ])("%s watches AWS/Lambda %s (%s) against %d in the app region", (suffix, metric, statistic, threshold, comparison) => {
    const a = alarm(suffix);
    expect(a).toEqual(expect.objectContaining({
      namespace: "AWS/Lambda", metric_name: metric, statistic, threshold, comparison_operator: comparison,
      dimensions: { FunctionName: ref(`${address(tf, "aws_lambda_function")}.function_name`) },
      period: 300, evaluation_periods: 1, treat_missing_data: "notBreaching",
      alarm_actions: [topicArn()], ok_actions: [topicArn()],
    }));
    expect(a["provider"]).toBeUndefined();
  });

  it.each([
    [{ originReadTimeout: 60, functionTimeout: 60 }, 57_500, 55],
    [{ functionTimeout: 600 }, 597_500, 595],
  ])("with %j the duration alarm follows the function's timeout: %d ms, above the %d s stream budget", (overrides, threshold, budget) => {
    const { tf: custom } = synthAnkify(overrides);
    expect(alarm("function-duration", custom)["threshold"]).toBe(threshold);
    expect(Number(only(custom, "aws_lambda_function")["environment"]["variables"]["ANKIFY_STREAM_BUDGET_SECONDS"])).toBe(budget);
    expect(threshold).toBeGreaterThan(budget * 1000);
    expect(threshold).toBeLessThan(only(custom, "aws_lambda_function")["timeout"] * 1000);
  });

  it("watches CloudFront's 5xx error rate in us-east-1 (Region = Global), only over periods with at least 20 requests", () => {
    const cdn5xx = alarm("cdn-5xx-rate");
    const dimensions = { DistributionId: ref(`${address(tf, "aws_cloudfront_distribution")}.id`), Region: "Global" };
    expect(cdn5xx).toEqual(expect.objectContaining({
      provider: "aws.us_east_1", threshold: 5, comparison_operator: "GreaterThanThreshold", evaluation_periods: 1, treat_missing_data: "notBreaching",
      alarm_actions: [topicArn(tf, "aws.us_east_1")], ok_actions: [topicArn(tf, "aws.us_east_1")],
    }));
    for (const key of ["namespace", "metric_name", "statistic", "period", "dimensions"]) expect(cdn5xx[key]).toBeUndefined();
    expect(cdn5xx["metric_query"]).toEqual([
      { id: "requests", return_data: false, metric: { namespace: "AWS/CloudFront", metric_name: "Requests", stat: "Sum", period: 300, dimensions } },
      { id: "rate", return_data: false, metric: { namespace: "AWS/CloudFront", metric_name: "5xxErrorRate", stat: "Average", period: 300, dimensions } },
      { id: "gated", return_data: true, expression: "IF(requests >= 20, rate, 0)", label: "5xx error rate (%), 0 below 20 requests in 5 minutes" },
    ]);
  });

  it("watches the WAF rate rule's blocked requests in us-east-1, by the ACL's and the rule's metric names", () => {
    expect(alarm("rate-limited")).toEqual(expect.objectContaining({
      provider: "aws.us_east_1", namespace: "AWS/WAFV2", metric_name: "BlockedRequests", statistic: "Sum",
      dimensions: { WebACL: "ankify", Rule: "ankify-rate-limit" },
      threshold: 1, comparison_operator: "GreaterThanOrEqualToThreshold", treat_missing_data: "notBreaching",
      alarm_actions: [topicArn(tf, "aws.us_east_1")],
    }));
    const acl = only(tf, "aws_wafv2_web_acl");
    expect(acl["visibility_config"]["metric_name"]).toBe("ankify");
    expect((acl["rule"] as Array<Record<string, any>>).find((r) => r["name"] === "rate-limit")!["visibility_config"]["metric_name"]).toBe("ankify-rate-limit");
  });

  it("say in every description what to look at first", () => {
    const descriptions = Object.fromEntries(all(tf, "aws_cloudwatch_metric_alarm").map((a) => [a["alarm_name"], a["alarm_description"] as string]));
    expect(Object.keys(descriptions).sort()).toEqual([
      "ankify-cdn-5xx-rate", "ankify-deck-errors", "ankify-deck-jobs-dropped", "ankify-deck-jobs-failed", "ankify-deck-timeouts", "ankify-function-duration", "ankify-function-errors", "ankify-function-throttles",
      "ankify-rate-limited",
    ]);
    for (const description of Object.values(descriptions)) expect(description).toMatch(/Look first at /);
    expect(descriptions["ankify-function-errors"]).toContain("/aws/lambda/ankify");
    // Which cause the throttle alarm names depends on whether the plan reserved (ANKIFY_MAX_CONCURRENCY auto).
    expect(descriptions["ankify-function-throttles"]).toMatch(new RegExp(
      `^\\$\\{\\(\\(${CONCURRENCY_QUOTA.replace(/\./g, "\\.")}\\.value - 10\\) >= 100\\) \\? "Requests were refused \\(429\\) because 10 copies of the function \\(ANKIFY_MAX_CONCURRENCY\\) were already running\\. " : "Requests were refused \\(429\\) because the account's Lambda concurrency was used up\\. "\\}Look first at `,
    ));
    expect(descriptions["ankify-function-duration"]).toContain("longer than 297.5 s: past its 295 s stream budget");
    expect(descriptions["ankify-cdn-5xx-rate"]).toContain("More than 5 % of at least 20 responses in 5 minutes were 5xx");
    expect(descriptions["ankify-rate-limited"]).toContain("over 3000 requests in 5 minutes");
  });

  it("have no WAF alarm without a web ACL, and a throttle description without a reservation", () => {
    const { tf: open } = synthAnkify({ rateLimit: 0, maxConcurrency: "none" });
    expect(alarm("rate-limited", open)).toBeUndefined();
    expect(all(open, "aws_cloudwatch_metric_alarm")).toHaveLength(8);
    expect(alarm("function-throttles", open)["alarm_description"]).toContain("the account's Lambda concurrency was used up");
  });

  it("subscribe ANKIFY_ALARM_EMAIL to both topics by e-mail, and nobody without it", () => {
    expect(tf.resource["aws_sns_topic_subscription"]).toBeUndefined();
    const { tf: mailed } = synthAnkify({ alarmEmail: "ops@example.com" });
    const subscriptions = all(mailed, "aws_sns_topic_subscription");
    expect(subscriptions).toHaveLength(2);
    expect(subscriptions).toEqual(expect.arrayContaining([
      expect.objectContaining({ protocol: "email", endpoint: "ops@example.com", topic_arn: topicArn(mailed) }),
      expect.objectContaining({ protocol: "email", endpoint: "ops@example.com", topic_arn: topicArn(mailed, "aws.us_east_1"), provider: "aws.us_east_1" }),
    ]));
  });
});

describe("outputs", () => {
  it.each(["secret-header", "oac"])("in %s mode gives the public URL, distribution, function URL, repository and bucket", (mode) => {
    const { tf } = synthAnkify({ originProtection: mode, domain: "decks.example.com" });
    expect(tf.output["url"]!.value).toBe("https://decks.example.com/mcp");
    expect(tf.output["distribution_domain"]!.value).toBe(ref(`${address(tf, "aws_cloudfront_distribution")}.domain_name`));
    expect(tf.output["function_url"]!.value).toBe(ref(`${address(tf, "aws_lambda_function_url")}.function_url`));
    expect(tf.output["ecr_repository_url"]!.value).toBe(ref(`${address(tf, "aws_ecr_repository")}.repository_url`));
    expect(tf.output["deck_bucket"]!.value).toBe(ref(`${address(tf, "aws_s3_bucket")}.bucket`));
  });
});
