import { plan, UsageError } from "../scripts/cdktf-env";
import { cdktfJsonContext, SettingsError } from "../stacks/settings";

const single = cdktfJsonContext();
const teams = {
  ...single,
  environments: { dev: { domain: "ankify-dev.example.com" }, prod: { domain: "ankify.example.com" } },
};

describe("npm run synth|diff|deploy|destroy", () => {
  it.each([
    [["synth"], single, ["synth"], {}],
    [["deploy"], single, ["deploy", "ankify"], {}],
    [["deploy", "--auto-approve"], single, ["deploy", "ankify", "--auto-approve"], {}],
    [["synth"], teams, ["synth"], {}],
    [["synth", "dev"], teams, ["synth"], { ANKIFY_ENVIRONMENT: "dev" }],
    [["diff", "dev"], teams, ["diff", "ankify-dev"], { ANKIFY_ENVIRONMENT: "dev" }],
    [["diff", "prod"], teams, ["diff", "ankify-prod"], { ANKIFY_ENVIRONMENT: "prod" }],
    [["deploy", "dev", "--auto-approve"], teams, ["deploy", "ankify-dev", "--auto-approve"], { ANKIFY_ENVIRONMENT: "dev" }],
    [["deploy", "prod", "--allow-prod"], teams, ["deploy", "ankify-prod"], { ANKIFY_ENVIRONMENT: "prod" }],
    [["destroy", "dev"], teams, ["destroy", "ankify-dev"], { ANKIFY_ENVIRONMENT: "dev" }],
  ])("%j with %#", (argv, context, cdktfArgs, env) => {
    const { deploy: _checks, ...invocation } = plan(argv, {}, context);
    expect(invocation).toEqual({ cdktfArgs, env });
  });

  it("takes the environment from ANKIFY_ENVIRONMENT when not named", () => {
    expect(plan(["deploy"], { ANKIFY_ENVIRONMENT: "dev" }, teams)).toEqual(expect.objectContaining({ cdktfArgs: ["deploy", "ankify-dev"], env: { ANKIFY_ENVIRONMENT: "dev" } }));
  });

  it.each([
    [["deploy"], {}, { buildsImage: true, region: "eu-west-1" }],
    [["deploy"], { ANKIFY_IMAGE_URI: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ankify:v1" }, { buildsImage: false, region: "eu-west-1" }],
    [["deploy"], { ANKIFY_REGION: "us-west-2" }, { buildsImage: true, region: "us-west-2" }],
    [["diff"], {}, undefined],
    [["destroy"], {}, undefined],
    [["synth"], {}, undefined],
  ])("checks this machine before %j with %j: %j", (argv, env, deploy) => {
    expect(plan(argv, env, single).deploy).toEqual(deploy);
  });

  it("hands the settings' warnings over to be printed before cdktf starts", () => {
    expect(plan(["synth"], { ANKIFY_CLIENT_AUTH: "none" }, single).warnings).toEqual([
      'ankify: ANKIFY_CLIENT_AUTH = "none": anyone who finds https://ankify.example.com/mcp can build decks on your Amazon Polly bill.',
    ]);
    expect(plan(["synth"], {}, single).warnings).toBeUndefined();
  });

  it("lets ANKIFY_ALLOW_PROD=1 stand for --allow-prod", () => {
    expect(plan(["destroy", "prod"], { ANKIFY_ALLOW_PROD: "1" }, teams).cdktfArgs).toEqual(["destroy", "ankify-prod"]);
  });

  it.each([
    [["deploy", "prod"], teams, 'refusing to deploy "ankify-prod": environment "prod" is protected. Re-run with --allow-prod (npm run deploy -- prod --allow-prod) or ANKIFY_ALLOW_PROD=1.'],
    [["destroy", "prod"], teams, 'refusing to destroy "ankify-prod": environment "prod" is protected. Re-run with --allow-prod (npm run destroy -- prod --allow-prod) or ANKIFY_ALLOW_PROD=1.'],
    [["deploy"], teams, "deploy works on one environment at a time; name one: npm run deploy -- <dev|prod>."],
    [["diff", "qa"], teams, '"qa" is not a declared environment; use one of: dev, prod.'],
    [["deploy", "dev"], single, '"dev" names an environment, but cdktf.json declares none; run without it to use the single "ankify" stack.'],
    [["apply"], single, 'usage: cdktf-env <synth|diff|deploy|destroy|stacks> [environment] [--allow-prod] [cdktf options]; got "apply".'],
  ])("refuses %j (%#)", (argv, context, message) => {
    expect(() => plan(argv, {}, context)).toThrow(new UsageError(message));
  });

  it("validates the selected environment's settings before running cdktf", () => {
    expect(() => plan(["deploy", "dev"], { ANKIFY_ORIGIN_READ_TIMEOUT: "0" }, teams)).toThrow(SettingsError);
  });

  it.each([["synth"], ["deploy"], ["stacks"]])("%s refuses a misspelt setting before running cdktf", (command) => {
    expect(() => plan([command], { ANKIFY_IMAGE_URL: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ankify:v1" }, single))
      .toThrow(new SettingsError(["ANKIFY_IMAGE_URL is not a setting; did you mean ANKIFY_IMAGE_URI?"]));
  });
});

describe("npm run stacks", () => {
  it("lists every stack with its environment and protection, for CI's matrix", () => {
    expect(JSON.parse(plan(["stacks"], {}, teams).output!)).toEqual([
      { stack: "ankify-dev", environment: "dev", protected: false },
      { stack: "ankify-prod", environment: "prod", protected: true },
    ]);
    expect(JSON.parse(plan(["stacks"], {}, single).output!)).toEqual([{ stack: "ankify", environment: null, protected: false }]);
  });
});
