/**
 * Environments: `cdktf.json` context may declare several (`"environments": { "dev": {...}, "prod": {...} }`),
 * each a block of settings over the top-level defaults. Each becomes one stack named `ankify-<env>`;
 * with none declared the app builds the single `ankify` stack.
 *
 * `ANKIFY_ENVIRONMENT` selects one environment (for `cdktf deploy/diff`); `ANKIFY_*` setting
 * overrides then apply to it. Without a selection they would apply to every environment at once
 * (one domain for dev and prod), so they are refused while several environments are declared.
 */
import {
  checkContextKeys, checkEnvNames, NOTHING_KNOWN, readSettings, readStateSettings, SETTING_SOURCES, SETTINGS, SettingsError, type Settings, type StateSettings,
} from "./settings";

export type { StateSettings } from "./settings";

export const BASE_STACK_NAME = "ankify";

/**
 * The SSM path that holds a stack's client key digests (api-key mode): the function reads it, the
 * role may read nothing else, and `npm run client-key` writes there. Not managed by Terraform, so
 * keys never pass through state.
 */
export function clientKeyPath(resourceName: string): string {
  return `/ankify/${resourceName}/client-keys`;
}

/** The DynamoDB table of a stack's per-client usage (npm run client-key -- usage reads it). */
export function usageTableName(resourceName: string): string {
  return `${resourceName}-usage`;
}

/** The SSM path of a stack's origin secret parameters (`…/current`, `…/previous`; secret-header mode). */
export function originSecretPath(resourceName: string): string {
  return `/ankify/${resourceName}/origin-secret`;
}

/** Environment names become part of resource names (bucket prefix ≤ 37 characters), hence the limit. */
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,14}[a-z0-9]$|^[a-z]$/;

/** Names that are protected without saying so. */
const PRODUCTION_NAMES = new Set(["prod", "production"]);

export interface EnvironmentTarget {
  /** Environment name, or undefined for the single default stack. */
  readonly environment?: string;
  /** Stack name: `ankify` or `ankify-<environment>`. */
  readonly stackName: string;
  readonly settings: Settings;
  /** Deploying or destroying it needs an explicit flag (`--allow-prod` or ANKIFY_ALLOW_PROD=1). */
  readonly protected: boolean;
  /** Remote state, or undefined for local state. */
  readonly state?: StateSettings;
}

export interface LoadTargetsInput {
  readonly context: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface LoadedApp {
  readonly targets: readonly EnvironmentTarget[];
  /** What synth should warn about (allowed but risky): the environment's names, then each stack's values, prefixed with its name. */
  readonly warnings: readonly string[];
}

/** Every stack the app builds (one when ANKIFY_ENVIRONMENT selects it), validated; throws SettingsError listing all problems. */
export function loadTargets(input: LoadTargetsInput): EnvironmentTarget[] {
  return [...loadApp(input).targets];
}

/** The stacks and every warning: what `loadTargets` checks, plus what synth should print. */
export function loadApp(input: LoadTargetsInput): LoadedApp {
  const env = input.env ?? {};
  // Names first: a misspelt name explains why its value seems ignored.
  const envNames = checkEnvNames(env);
  const problems: string[] = [...envNames.problems, ...checkContextKeys(input.context, "cdktf.json context", false)];
  const collect = <T>(build: () => T): T | undefined => {
    try {
      return build();
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };

  const state = collect(() => loadStateSettings(input.context, env));
  const declared = input.context["environments"];
  const selected = env[SETTINGS.environment.env]?.trim() || undefined;

  if (declared === undefined || declared === null) {
    if (selected) {
      problems.push(`ANKIFY_ENVIRONMENT = "${selected}" selects an environment, but cdktf.json context declares none; unset it, or add "environments": { "${selected}": { ... } } to cdktf.json context.`);
    }
    const read = collect(() => readSettings({ context: input.context, env }));
    if (problems.length > 0) throw new SettingsError(problems);
    const warnings = [...envNames.warnings, ...read!.warnings.map((warning) => `${BASE_STACK_NAME}: ${warning}`)];
    return { targets: [{ stackName: BASE_STACK_NAME, settings: read!.settings, protected: false, ...(state ? { state } : {}) }], warnings };
  }

  if (typeof declared !== "object" || Array.isArray(declared) || Object.keys(declared).length === 0) {
    throw new SettingsError([...problems, 'cdktf.json context "environments" must be an object of environment name → settings, like { "dev": { "domain": "ankify-dev.example.com" } }.']);
  }
  const blocks = declared as Record<string, unknown>;
  const names = Object.keys(blocks);
  if (selected && !names.includes(selected)) {
    problems.push(`ANKIFY_ENVIRONMENT = "${selected}" is not a declared environment; use one of: ${names.join(", ")}.`);
  }
  const overrides = Object.values(SETTING_SOURCES).filter((name) => (env[name] ?? "").trim() !== "");
  if (!selected && overrides.length > 0) {
    problems.push(
      `${overrides.join(", ")} would apply to every environment (${names.join(", ")}); select one with ANKIFY_ENVIRONMENT, ` +
        `or put the value in cdktf.json context environments.<name>.`,
    );
  }

  const targets: EnvironmentTarget[] = [];
  const warnings = [...envNames.warnings];
  for (const name of names) {
    if (selected && name !== selected) continue;
    const where = `cdktf.json context environments.${name}`;
    if (!ENVIRONMENT_NAME.test(name)) {
      problems.push(`environment "${name}": the name must be 1-16 characters of a-z, 0-9 and hyphens, starting with a letter (it becomes part of resource names); rename it in cdktf.json context "environments".`);
      continue;
    }
    const block = blocks[name];
    if (typeof block !== "object" || block === null || Array.isArray(block)) {
      problems.push(`environment "${name}": ${where} must be an object of settings, like { "domain": "ankify-${name}.example.com" }.`);
      continue;
    }
    problems.push(...checkContextKeys(block as Record<string, unknown>, where, true).map((problem) => `environment "${name}": ${problem}`));
    const { protected: protectedFlag, ...own } = block as Record<string, unknown>;
    const protection = protectedFlag === undefined ? { value: SETTINGS.protected.default }
      : SETTINGS.protected.kind.read({ value: protectedFlag, where: `${where} "protected"` }, NOTHING_KNOWN);
    if ("problems" in protection) problems.push(...protection.problems.map((problem) => `environment "${name}": ${problem}`));
    const read = collect(() =>
      readSettings({
        // The environment's own values win over the top-level defaults; messages name where each came from.
        context: own,
        contextLabel: where,
        defaults: input.context,
        env: selected === name ? env : {},
        messagePrefix: `environment "${name}": `,
      }),
    );
    if (read) {
      const stackName = `${BASE_STACK_NAME}-${name}`;
      targets.push({
        environment: name,
        stackName,
        settings: read.settings,
        protected: ("value" in protection && protection.value) || PRODUCTION_NAMES.has(name),
        ...(state ? { state } : {}),
      });
      warnings.push(...read.warnings.map((warning) => `${stackName}: ${warning}`));
    }
  }
  const domains = new Map<string, string>();
  for (const target of targets) {
    const other = domains.get(target.settings.domain);
    if (other) problems.push(`environment "${target.environment}": domain "${target.settings.domain}" is also environment "${other}"'s; give each environment its own domain.`);
    domains.set(target.settings.domain, target.environment!);
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return { targets, warnings };
}

/**
 * Remote state settings: `ANKIFY_STATE_BUCKET` (or context "stateBucket") turns the S3 backend on;
 * `ANKIFY_STATE_REGION` defaults to the top-level region, `ANKIFY_STATE_KEY_PREFIX` to `ankify/`.
 */
export function loadStateSettings(
  context: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): StateSettings | undefined {
  return readStateSettings(context, env);
}
