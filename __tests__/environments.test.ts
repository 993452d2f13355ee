import { cdktfJsonContext, SettingsError } from "../stacks/settings";
import { loadApp, loadStateSettings, loadTargets } from "../stacks/environments";
import { problemsOf } from "../testing/problems";
import { all, only, synthApp } from "../testing/synth";

const defaults = cdktfJsonContext();
const twoEnvironments = {
  ...defaults,
  environments: {
    dev: { domain: "ankify-dev.example.com" },
    prod: { domain: "ankify.example.com", region: "eu-central-1", originProtection: "oac", originReadTimeout: 100 },
  },
};

function problems(context: Record<string, unknown>, env: Record<string, string> = {}): readonly string[] {
  return problemsOf(() => loadTargets({ context, env }));
}

describe("stacks", () => {
  it("builds the single ankify stack, with local state, when no environment is declared", () => {
    const stacks = synthApp(defaults);
    expect(Object.keys(stacks)).toEqual(["ankify"]);
    expect(stacks["ankify"]!.terraform.backend).toEqual({ local: { path: "../../../terraform.ankify.tfstate" } });
    expect(only(stacks["ankify"]!, "aws_lambda_function")["function_name"]).toBe("ankify");
  });

  it("builds one stack per declared environment with stable names and its own settings", () => {
    const stacks = synthApp(twoEnvironments);
    expect(Object.keys(stacks)).toEqual(["ankify-dev", "ankify-prod"]);
    const dev = stacks["ankify-dev"]!;
    const prod = stacks["ankify-prod"]!;
    expect(only(dev, "aws_cloudfront_distribution")["aliases"]).toEqual(["ankify-dev.example.com"]);
    expect(only(prod, "aws_cloudfront_distribution")["aliases"]).toEqual(["ankify.example.com"]);
    // dev inherits the top-level defaults, prod overrides them.
    expect(dev.provider["aws"]!.find((p) => !p["alias"])!["region"]).toBe("eu-west-1");
    expect(prod.provider["aws"]!.find((p) => !p["alias"])!["region"]).toBe("eu-central-1");
    expect(only(dev, "aws_lambda_function_url")["authorization_type"]).toBe("NONE");
    expect(only(prod, "aws_lambda_function_url")["authorization_type"]).toBe("AWS_IAM");
    // dev's read timeout comes from CloudFront's quota at plan time; prod asks for 100 s.
    expect(only(dev, "aws_cloudfront_distribution")["origin"][0]["custom_origin_config"]["origin_read_timeout"]).toMatch(/^\$\{floor\(min\(120, data\.aws_servicequotas_service_quota\.[\w-]+\.value\)\)\}$/);
    expect(only(prod, "aws_cloudfront_distribution")["origin"][0]["custom_origin_config"]["origin_read_timeout"]).toBe(100);
  });

  it("names each environment's resources after its stack so two environments can share an account", () => {
    const stacks = synthApp(twoEnvironments);
    for (const [name, tf] of Object.entries(stacks)) {
      const names = (type: string, key = "name") => all(tf, type).map((r) => r[key] as string).sort();
      expect(names("aws_lambda_function", "function_name").map((n) => n.replace(/\$\{random_id\.[\w-]+\.hex\}$/, "<random>"))).toEqual(
        name === "ankify-prod" ? [name, `${name}-content-sha256-<random>`] : [name],
      );
      expect(only(tf, "aws_ecr_repository")["name"]).toBe(name);
      expect(names("aws_iam_role")).toEqual(name === "ankify-prod" ? [`${name}-edge-content-sha256`, `${name}-function`] : [`${name}-function`]);
      expect(only(tf, "aws_wafv2_web_acl")["name"]).toBe(name);
      expect(names("aws_sns_topic")).toEqual([`${name}-alarms`, `${name}-edge-alarms`]);
      expect(names("aws_cloudwatch_metric_alarm", "alarm_name").every((alarm) => alarm.startsWith(`${name}-`))).toBe(true);
      expect(only(tf, "aws_s3_bucket")["bucket_prefix"]).toBe(`${name}-decks-`);
      expect(names("aws_cloudwatch_log_group")).toEqual([`/aws/cloudfront/${name}`, `/aws/lambda/${name}`, `aws-waf-logs-${name}`]);
      expect(only(tf, "aws_dynamodb_table")["name"]).toBe(`${name}-usage`);
      expect(only(tf, "aws_cloudwatch_dashboard")["dashboard_name"]).toBe(name);
      expect(tf.terraform.backend).toEqual({ local: { path: `../../../terraform.${name}.tfstate` } });
    }
  });

  it("builds only the environment ANKIFY_ENVIRONMENT selects, and applies ANKIFY_* overrides to it", () => {
    const stacks = synthApp(twoEnvironments, { ANKIFY_ENVIRONMENT: "dev", ANKIFY_ORIGIN_READ_TIMEOUT: "90" });
    expect(Object.keys(stacks)).toEqual(["ankify-dev"]);
    expect(only(stacks["ankify-dev"]!, "aws_cloudfront_distribution")["origin"][0]["custom_origin_config"]["origin_read_timeout"]).toBe(90);
  });

  it("says a retired setting in an environment block is no longer a setting, not that it is unknown", () => {
    expect(problems({ ...defaults, environments: { dev: { domain: "ankify-dev.example.com", originTimeoutQuota: 180 } } })).toEqual([
      expect.stringMatching(/^environment "dev": cdktf\.json context environments\.dev "originTimeoutQuota" is no longer a setting: the stack reads CloudFront's "Response timeout per origin" quota \(L-AECE9FA7\) at plan time\./),
    ]);
  });

  it("marks prod, production and explicitly protected environments as protected", () => {
    const targets = loadTargets({
      context: {
        ...defaults,
        environments: {
          dev: { domain: "a.example.com" }, prod: { domain: "b.example.com" },
          production: { domain: "c.example.com" }, staging: { domain: "d.example.com", protected: true },
        },
      },
    });
    expect(Object.fromEntries(targets.map((t) => [t.environment, t.protected]))).toEqual({ dev: false, prod: true, production: true, staging: true });
  });
});

describe("state backend", () => {
  const bucket = { ANKIFY_STATE_BUCKET: "acme-terraform-state" };

  it("uses S3 with a key per stack, encryption and S3-native locking when a state bucket is set", () => {
    const stacks = synthApp(twoEnvironments, bucket);
    for (const name of ["ankify-dev", "ankify-prod"]) {
      expect(stacks[name]!.terraform.backend).toEqual({
        s3: { bucket: "acme-terraform-state", key: `ankify/${name}.tfstate`, region: "eu-west-1", encrypt: true, use_lockfile: true },
      });
    }
  });

  it("takes the bucket's region and key prefix from their own settings", () => {
    const stacks = synthApp(defaults, { ...bucket, ANKIFY_STATE_REGION: "us-east-2", ANKIFY_STATE_KEY_PREFIX: "teams/ml/" });
    expect(stacks["ankify"]!.terraform.backend).toEqual({
      s3: { bucket: "acme-terraform-state", key: "teams/ml/ankify.tfstate", region: "us-east-2", encrypt: true, use_lockfile: true },
    });
  });

  it("can be set in cdktf.json context too", () => {
    const stacks = synthApp({ ...defaults, stateBucket: "acme-state", stateKeyPrefix: "ankify/state/" });
    expect(stacks["ankify"]!.terraform.backend!["s3"]).toEqual(expect.objectContaining({ bucket: "acme-state", key: "ankify/state/ankify.tfstate" }));
  });

  it.each([
    [{ ANKIFY_STATE_BUCKET: "Acme_State" }, 'ANKIFY_STATE_BUCKET = "Acme_State" is not a valid S3 bucket name; use 3-63 characters of a-z, 0-9, dots and hyphens, starting and ending with a letter or digit.'],
    [{ ANKIFY_STATE_BUCKET: "acme-state", ANKIFY_STATE_REGION: "europe" }, 'ANKIFY_STATE_REGION = "europe" is not an AWS region code; set ANKIFY_STATE_REGION to the state bucket\'s region, e.g. eu-west-1.'],
    [{ ANKIFY_STATE_BUCKET: "acme-state", ANKIFY_STATE_KEY_PREFIX: "/ankify" }, 'ANKIFY_STATE_KEY_PREFIX = "/ankify" must be a key prefix like "ankify/" or "teams/ankify/": no leading slash, no spaces, ending in "/".'],
    [{ ANKIFY_STATE_REGION: "eu-west-1" }, "ANKIFY_STATE_REGION set without ANKIFY_STATE_BUCKET: set the bucket too, or unset them to keep local state."],
  ])("rejects %j", (env, message) => {
    expect(problems(defaults, env)).toEqual([message]);
  });

  it("needs a region for the bucket: its own, or cdktf.json's", () => {
    expect(problemsOf(() => loadStateSettings({}, { ANKIFY_STATE_BUCKET: "acme-state" })))
      .toEqual(['stateRegion is not set: add "stateRegion" to cdktf.json context or set ANKIFY_STATE_REGION.']);
    expect(loadStateSettings({ region: "eu-north-1" }, { ANKIFY_STATE_BUCKET: "acme-state" })).toEqual({ bucket: "acme-state", region: "eu-north-1", keyPrefix: "ankify/" });
  });
});

describe("validation names the environment", () => {
  it("for a bad value in an environment block", () => {
    expect(problems({ ...twoEnvironments, environments: { ...twoEnvironments.environments, prod: { domain: "ankify.example.org" } } })).toEqual([
      'environment "prod": cdktf.json context environments.prod "domain" = "ankify.example.org" is not inside the hosted zone "example.com"; use "example.com" itself or a name ending in ".example.com", or set ANKIFY_ZONE to the zone that holds it.',
    ]);
  });

  it("for a bad inherited default, once per environment that inherits it", () => {
    expect(problems({ ...twoEnvironments, originKeepaliveTimeout: 0 })).toEqual([
      'environment "dev": cdktf.json context "originKeepaliveTimeout" = 0 is out of range; use an integer from 1 to 60.',
      'environment "prod": cdktf.json context "originKeepaliveTimeout" = 0 is out of range; use an integer from 1 to 60.',
    ]);
  });

  it("for an override of the selected environment", () => {
    expect(problems(twoEnvironments, { ANKIFY_ENVIRONMENT: "prod", ANKIFY_ORIGIN_PROTECTION: "open" })).toEqual([
      'environment "prod": ANKIFY_ORIGIN_PROTECTION = "open" is not allowed; use one of: secret-header, oac.',
    ]);
  });

  it.each([
    [twoEnvironments, { ANKIFY_DOMAIN: "x.example.com" }, "ANKIFY_DOMAIN would apply to every environment (dev, prod); select one with ANKIFY_ENVIRONMENT, or put the value in cdktf.json context environments.<name>."],
    [twoEnvironments, { ANKIFY_ENVIRONMENT: "qa" }, 'ANKIFY_ENVIRONMENT = "qa" is not a declared environment; use one of: dev, prod.'],
    [defaults, { ANKIFY_ENVIRONMENT: "dev" }, 'ANKIFY_ENVIRONMENT = "dev" selects an environment, but cdktf.json context declares none; unset it, or add "environments": { "dev": { ... } } to cdktf.json context.'],
    [{ ...defaults, environments: { dev: { domian: "x.example.com" } } }, {}, 'environment "dev": cdktf.json context environments.dev "domian" is not a setting; did you mean "domain"?'],
    [{ ...defaults, environments: { Dev: {} } }, {}, 'environment "Dev": the name must be 1-16 characters of a-z, 0-9 and hyphens, starting with a letter (it becomes part of resource names); rename it in cdktf.json context "environments".'],
    [{ ...defaults, environments: { dev: "ankify-dev.example.com" } }, {}, 'environment "dev": cdktf.json context environments.dev must be an object of settings, like { "domain": "ankify-dev.example.com" }.'],
    [{ ...defaults, environments: { dev: { protected: "yes" } } }, {}, 'environment "dev": cdktf.json context environments.dev "protected" = "yes" must be true or false.'],
    [{ ...defaults, environments: {} }, {}, 'cdktf.json context "environments" must be an object of environment name → settings, like { "dev": { "domain": "ankify-dev.example.com" } }.'],
    [{ ...defaults, environments: { dev: {}, prod: {} } }, {}, 'environment "prod": domain "ankify.example.com" is also environment "dev"\'s; give each environment its own domain.'],
  ])("%#: %j with %j", (context, env, message) => {
    expect(problems(context, env)).toEqual([message]);
  });
});

describe("warnings", () => {
  const open = (stack: string, domain: string) =>
    `${stack}: ANKIFY_CLIENT_AUTH = "none": anyone who finds https://${domain}/mcp can build decks on your Amazon Polly bill.`;

  it("name the stack they concern, after the environment's own", () => {
    const context = { ...twoEnvironments, environments: { ...twoEnvironments.environments, dev: { domain: "ankify-dev.example.com", clientAuth: "none" } } };
    expect(loadApp({ context, env: { ANKIFY_TTS_ENGINE: "espeak" } }).warnings).toEqual([
      "ANKIFY_TTS_ENGINE is the function's own variable, set by the stack (and by the dev server for its copy); the value in this shell is ignored.",
      open("ankify-dev", "ankify-dev.example.com"),
    ]);
  });

  // app.test.ts runs the app as cdktf does and sees the warning printed once; here, the app stays
  // quiet when the npm scripts say they printed them already.
  it("are not printed by the app again after the npm scripts printed them", () => {
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      expect(Object.keys(synthApp(defaults, { ANKIFY_CLIENT_AUTH: "none", ANKIFY_WARNINGS_SHOWN: "1" }))).toEqual(["ankify"]);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});

describe("the app reads all of cdktf.json's context", () => {
  it("so a key that is not a setting stops it before any stack is built, and cdktf's own keys pass", () => {
    // The app holds cdktf's own keys too (cdktfVersion, @cdktf/disable_stack_trace_in_metadata), as under the CLI.
    expect(() => synthApp({ ...defaults, imageUrl: "x" })).toThrow(new SettingsError(['cdktf.json context "imageUrl" is not a setting; did you mean "imageUri"?']));
  });
});
