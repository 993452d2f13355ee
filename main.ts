import { App } from "cdktf";
import { AnkifyStack } from "./stacks/ankify-stack";
import { loadTargets } from "./stacks/environments";
import { cdktfJsonContext, RETIRED_SETTINGS, SETTING_SOURCES, SettingsError } from "./stacks/settings";

/**
 * The CDKTF app: one stack per environment declared in cdktf.json (`ankify-<env>`), or the single
 * `ankify` stack when none is. `cdktf synth` passes cdktf.json's "context" in CDKTF_CONTEXT_JSON;
 * `ANKIFY_*` environment variables override it. Every setting is validated before any stack is built.
 */
export function buildApp(app: App, env: Readonly<Record<string, string | undefined>> = process.env): App {
  const context: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value: unknown = app.node.tryGetContext(key);
    if (value !== undefined) context[key] = value;
  }
  for (const target of loadTargets({ context, env })) {
    if (target.settings.clientAuth === "none") {
      console.warn(`warning: ${target.stackName}: ${SETTING_SOURCES.clientAuth} = "none": anyone who finds https://${target.settings.domain}/mcp can build decks on your Amazon Polly bill.`);
    }
    new AnkifyStack(app, target.stackName, { settings: target.settings, projectRoot: __dirname, ...(target.state ? { state: target.state } : {}) });
  }
  return app;
}

/** Context keys the app reads: the settings, the environments and the state backend. */
const CONTEXT_KEYS = [...Object.keys(SETTING_SOURCES), ...Object.keys(RETIRED_SETTINGS), "environments", "stateBucket", "stateRegion", "stateKeyPrefix"];

if (require.main === module) {
  try {
    const fromCli = process.env.CDKTF_CONTEXT_JSON !== undefined;
    buildApp(new App(fromCli ? {} : { context: cdktfJsonContext() })).synth();
  } catch (error) {
    const message = explainSynthError(error);
    if (message === undefined) throw error;
    // A configuration mistake or a missing tool is the user's to fix, not a crash: what and how, no trace.
    console.error(message);
    process.exitCode = 1;
  }
}

/** The message for an error the user can fix (bad settings, no terraform), or undefined for a real crash. */
export function explainSynthError(error: unknown): string | undefined {
  if (error instanceof SettingsError) return error.message;
  // cdktf's terraform_data binding asks `terraform version` during synth, and fails with a stack trace.
  if (error instanceof Error && /Could not determine version of terraform/.test(error.message)) {
    return "terraform is not on the PATH: cdktf asks it for its version while synthesizing. Install Terraform 1.10 or later " +
      "(macOS: brew install hashicorp/tap/terraform; Debian/Ubuntu: https://developer.hashicorp.com/terraform/install#linux) and retry.";
  }
  return undefined;
}
