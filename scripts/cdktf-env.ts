/**
 * `npm run synth|diff|deploy|destroy -- [environment] [--allow-prod] [cdktf options]` and
 * `npm run stacks` (JSON list of stacks, for CI).
 *
 * One environment at a time: the environment picks the stack (`ankify-<env>`) and is passed to the
 * app as ANKIFY_ENVIRONMENT. Deploying or destroying a protected environment (prod, production, or
 * "protected": true) needs --allow-prod or ANKIFY_ALLOW_PROD=1; diff is read-only and never needs it.
 * Before cdktf starts, the settings' warnings are printed here (the cdktf CLI would show the app's as
 * "[ERROR]" lines), and `deploy` checks the tools and credentials it needs (deploy-checks.ts).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { loadApp, loadTargets } from "../stacks/environments";
import { cdktfJsonContext, SETTINGS, SettingsError } from "../stacks/settings";
import { deployProblems, type DeployNeeds } from "./deploy-checks";

const COMMANDS = ["synth", "diff", "deploy", "destroy", "stacks"] as const;
type Command = (typeof COMMANDS)[number];

export class UsageError extends Error {}

export interface Invocation {
  /** Arguments for the cdktf CLI, or undefined for `stacks` (printed, not run). */
  readonly cdktfArgs?: readonly string[];
  /** Extra environment for the cdktf CLI. */
  readonly env: Readonly<Record<string, string>>;
  /** What `stacks` prints. */
  readonly output?: string;
  /** Warnings to print before cdktf starts (the app is told not to repeat them). */
  readonly warnings?: readonly string[];
  /** deploy: what this machine must have, checked before cdktf starts. */
  readonly deploy?: DeployNeeds;
}

/** Works out what to run; throws UsageError (a message for the user) or SettingsError. */
export function plan(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  context: Readonly<Record<string, unknown>>,
): Invocation {
  const [command, ...rest] = argv;
  if (!COMMANDS.includes(command as Command)) {
    throw new UsageError(`usage: cdktf-env <${COMMANDS.join("|")}> [environment] [--allow-prod] [cdktf options]; got "${command ?? ""}".`);
  }
  const allowProd = rest.includes("--allow-prod") || env[SETTINGS.allowProd.env] === "1";
  const args = rest.filter((arg) => arg !== "--allow-prod");
  const positional = args[0] !== undefined && !args[0].startsWith("-") ? args[0] : undefined;
  const passThrough = positional === undefined ? args : args.slice(1);
  const declared = context["environments"] as Record<string, unknown> | undefined;
  const names = declared ? Object.keys(declared) : [];
  const environment = positional ?? (env[SETTINGS.environment.env]?.trim() || undefined);

  if (command === "stacks") {
    const targets = loadTargets({ context, env: { ...env, ANKIFY_ENVIRONMENT: undefined } });
    return {
      env: {},
      output: JSON.stringify(targets.map((t) => ({ stack: t.stackName, environment: t.environment ?? null, protected: t.protected }))),
    };
  }
  if (!declared && environment !== undefined) {
    throw new UsageError(`"${environment}" names an environment, but cdktf.json declares none; run without it to use the single "ankify" stack.`);
  }
  if (declared && environment === undefined && command !== "synth") {
    throw new UsageError(`${command} works on one environment at a time; name one: npm run ${command} -- <${names.join("|")}>.`);
  }
  if (declared && environment !== undefined && !names.includes(environment)) {
    throw new UsageError(`"${environment}" is not a declared environment; use one of: ${names.join(", ")}.`);
  }
  const selection: Record<string, string> = environment !== undefined ? { ANKIFY_ENVIRONMENT: environment } : {};
  // Validates the settings of what will run (the app would too, but with cdktf's noise around it).
  const { targets, warnings } = loadApp({ context, env: { ...env, ...selection } });
  const shown = warnings.length > 0 ? { warnings } : {};
  if (command === "synth") return { cdktfArgs: ["synth", ...passThrough], env: selection, ...shown };

  const target = targets[0]!;
  if ((command === "deploy" || command === "destroy") && target.protected && !allowProd) {
    throw new UsageError(
      `refusing to ${command} "${target.stackName}": environment "${target.environment}" is protected. ` +
        `Re-run with --allow-prod (npm run ${command} -- ${target.environment} --allow-prod) or ANKIFY_ALLOW_PROD=1.`,
    );
  }
  return {
    cdktfArgs: [command, target.stackName, ...passThrough],
    env: selection,
    ...shown,
    ...(command === "deploy" ? { deploy: { buildsImage: target.settings.imageUri === undefined, region: target.settings.region } } : {}),
  };
}

if (require.main === module) {
  try {
    const invocation = plan(process.argv.slice(2), process.env, cdktfJsonContext());
    for (const warning of invocation.warnings ?? []) console.error(`warning: ${warning}`);
    const missing = invocation.deploy ? deployProblems(invocation.deploy) : [];
    for (const problem of missing) console.error(`deploy: ${problem}`);
    if (invocation.output !== undefined) {
      console.log(invocation.output);
    } else if (missing.length > 0) {
      process.exitCode = 1;
    } else {
      const cdktf = join(__dirname, "..", "node_modules", ".bin", "cdktf");
      // CHECKPOINT_DISABLE (scripts/quiet-env.js) reaches the cdktf CLI and Terraform through the environment.
      const run = spawnSync(cdktf, [...invocation.cdktfArgs!], {
        stdio: "inherit",
        env: { ...process.env, ...invocation.env, ...(invocation.warnings ? { [SETTINGS.warningsShown.env]: "1" } : {}) },
      });
      process.exitCode = run.status ?? 1;
    }
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof SettingsError)) throw error;
    console.error(error.message);
    // Settings errors exit as the app does under `npx cdktf synth` (1); usage mistakes with 2.
    process.exitCode = error instanceof SettingsError ? 1 : 2;
  }
}
