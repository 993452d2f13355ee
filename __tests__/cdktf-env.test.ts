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
    expect(plan(argv, {}, context)).toEqual({ cdktfArgs, env });
  });

  it("takes the environment from ANKIFY_ENVIRONMENT when not named", () => {
    expect(plan(["deploy"], { ANKIFY_ENVIRONMENT: "dev" }, teams)).toEqual({ cdktfArgs: ["deploy", "ankify-dev"], env: { ANKIFY_ENVIRONMENT: "dev" } });
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
