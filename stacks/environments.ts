/**
 * Environments: `cdktf.json` context may declare several (`"environments": { "dev": {...}, "prod": {...} }`),
 * each a block of settings over the top-level defaults. Each becomes one stack named `ankify-<env>`;
 * with none declared the app builds the single `ankify` stack.
 *
 * `ANKIFY_ENVIRONMENT` selects one environment (for `cdktf deploy/diff`); `ANKIFY_*` setting
 * overrides then apply to it. Without a selection they would apply to every environment at once
 * (one domain for dev and prod), so they are refused while several environments are declared.
 */
import { AWS_REGIONS, loadSettings, RETIRED_SETTINGS, SETTING_SOURCES, SettingsError, type Settings } from "./settings";

export const BASE_STACK_NAME = "ankify";

/**
 * The SSM path that holds a stack's client key digests (api-key mode): the function reads it, the
 * role may read nothing else, and `npm run client-key` writes there. Not managed by Terraform, so
 * keys never pass through state.
 */
export function clientKeyPath(resourceName: string): string {
  return `/ankify/${resourceName}/client-keys`;
}

/** The SSM path of a stack's origin secret parameters (`…/current`, `…/previous`; secret-header mode). */
export function originSecretPath(resourceName: string): string {
  return `/ankify/${resourceName}/origin-secret`;
}

/** Environment names become part of resource names (bucket prefix ≤ 37 characters), hence the limit. */
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,14}[a-z0-9]$|^[a-z]$/;

/** Names that are protected without saying so. */
const PRODUCTION_NAMES = new Set(["prod", "production"]);

export interface StateSettings {
  /** S3 bucket that holds the state of every stack. */
  readonly bucket: string;
  /** Region of that bucket. */
  readonly region: string;
  /** Key prefix; each stack's state is `<prefix><stack>.tfstate`. */
  readonly keyPrefix: string;
}

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

const ENVIRONMENT_KEYS = new Set<string>([...Object.keys(SETTING_SOURCES), "protected"]);
/** Accepted in an environment block only to be reported by loadSettings with what replaced them. */
const RETIRED_KEYS = new Set<string>(Object.keys(RETIRED_SETTINGS));

/** Every stack the app builds (one when ANKIFY_ENVIRONMENT selects it), validated; throws SettingsError listing all problems. */
export function loadTargets(input: LoadTargetsInput): EnvironmentTarget[] {
  const env = input.env ?? {};
  const problems: string[] = [];
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
  const selected = env["ANKIFY_ENVIRONMENT"]?.trim() || undefined;

  if (declared === undefined || declared === null) {
    if (selected) {
      problems.push(`ANKIFY_ENVIRONMENT = "${selected}" selects an environment, but cdktf.json context declares none; unset it, or add "environments": { "${selected}": { ... } } to cdktf.json context.`);
    }
    const settings = collect(() => loadSettings({ context: input.context, env }));
    if (problems.length > 0) throw new SettingsError(problems);
    return [{ stackName: BASE_STACK_NAME, settings: settings!, protected: false, ...(state ? { state } : {}) }];
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
    const unknown = Object.keys(block).filter((key) => !ENVIRONMENT_KEYS.has(key) && !RETIRED_KEYS.has(key));
    for (const key of unknown) {
      problems.push(`environment "${name}": ${where} has unknown setting "${key}"; known settings: ${[...ENVIRONMENT_KEYS].join(", ")}.`);
    }
    const { protected: protectedFlag, ...own } = block as Record<string, unknown>;
    if (protectedFlag !== undefined && typeof protectedFlag !== "boolean") {
      problems.push(`environment "${name}": ${where} "protected" = ${JSON.stringify(protectedFlag)} must be true or false.`);
    }
    const settings = collect(() =>
      loadSettings({
        // The environment's own values win over the top-level defaults; messages name where each came from.
        context: own,
        contextLabel: where,
        defaults: input.context,
        env: selected === name ? env : {},
        messagePrefix: `environment "${name}": `,
      }),
    );
    if (settings) {
      targets.push({
        environment: name,
        stackName: `${BASE_STACK_NAME}-${name}`,
        settings,
        protected: protectedFlag === true || PRODUCTION_NAMES.has(name),
        ...(state ? { state } : {}),
      });
    }
  }
  const domains = new Map<string, string>();
  for (const target of targets) {
    const other = domains.get(target.settings.domain);
    if (other) problems.push(`environment "${target.environment}": domain "${target.settings.domain}" is also environment "${other}"'s; give each environment its own domain.`);
    domains.set(target.settings.domain, target.environment!);
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return targets;
}

/** S3 bucket names: 3-63 characters, lower-case letters, digits, dots and hyphens, starting and ending alphanumeric. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Remote state settings: `ANKIFY_STATE_BUCKET` (or context "stateBucket") turns the S3 backend on;
 * `ANKIFY_STATE_REGION` defaults to the top-level region, `ANKIFY_STATE_KEY_PREFIX` to `ankify/`.
 */
export function loadStateSettings(
  context: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): StateSettings | undefined {
  const pick = (envName: string, key: string): { value: string; where: string } | undefined => {
    const fromEnv = env[envName]?.trim();
    if (fromEnv) return { value: fromEnv, where: envName };
    const fromContext = context[key];
    if (typeof fromContext === "string" && fromContext.trim() !== "") return { value: fromContext.trim(), where: `cdktf.json context "${key}"` };
    return undefined;
  };
  const bucket = pick("ANKIFY_STATE_BUCKET", "stateBucket");
  const region = pick("ANKIFY_STATE_REGION", "stateRegion");
  const prefix = pick("ANKIFY_STATE_KEY_PREFIX", "stateKeyPrefix");
  if (!bucket) {
    const stray = [region, prefix].filter((x) => x !== undefined).map((x) => x!.where);
    if (stray.length > 0) throw new SettingsError([`${stray.join(" and ")} set without ANKIFY_STATE_BUCKET: set the bucket too, or unset them to keep local state.`]);
    return undefined;
  }
  const problems: string[] = [];
  if (!BUCKET_NAME.test(bucket.value) || bucket.value.includes("..")) {
    problems.push(`${bucket.where} = "${bucket.value}" is not a valid S3 bucket name; use 3-63 characters of a-z, 0-9, dots and hyphens, starting and ending with a letter or digit.`);
  }
  const stateRegion = region ?? (typeof context["region"] === "string" ? { value: context["region"], where: 'cdktf.json context "region"' } : undefined);
  if (!stateRegion) problems.push("ANKIFY_STATE_REGION is not set: set the state bucket's region (e.g. eu-west-1).");
  else if (!AWS_REGIONS.includes(stateRegion.value)) {
    problems.push(`${stateRegion.where} = "${stateRegion.value}" is not an AWS region code; set ANKIFY_STATE_REGION to the state bucket's region, e.g. eu-west-1.`);
  }
  const keyPrefix = prefix?.value ?? "ankify/";
  if (keyPrefix.startsWith("/") || /\s/.test(keyPrefix) || !keyPrefix.endsWith("/")) {
    problems.push(`${prefix?.where ?? "ANKIFY_STATE_KEY_PREFIX"} = "${keyPrefix}" must be a key prefix like "ankify/" or "teams/ankify/": no leading slash, no spaces, ending in "/".`);
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return { bucket: bucket.value, region: stateRegion!.value, keyPrefix };
}
