/**
 * Every ANKIFY_* name the project knows, and who reads it: the table's settings (synth and the npm
 * scripts), the function's, the dev server's and the build's own (lambda/src/env-names.ts), and the
 * GitHub variables the workflows use. A name nobody knows is a typo, and stops synth and the dev
 * server with the closest known name; so does a cdktf.json key that is not a setting.
 */
import { RUNTIME_VARIABLES, type RuntimeReader } from "../../lambda/src/env-names";
import { closest, envNormal, keyNormal } from "./suggest";
import { ENTRIES, RETIRED_SETTINGS, SETTINGS, type Scope, type SettingName } from "./table";

/** synth: the app and the npm scripts (table.ts); github: repository variables the workflows read. */
export type Reader = "synth" | RuntimeReader | "github";

/** GitHub repository variables (`vars.*` in .github/workflows), never read from a shell. */
const GITHUB_VARIABLES: Readonly<Record<string, string>> = {
  ANKIFY_PLAN_ROLE_ARN: "the role plan.yml assumes to plan (read-only)",
  ANKIFY_DEPLOY_ROLE_ARN: "the role deploy.yml assumes to deploy",
};

export interface NameInfo {
  readonly readers: readonly Reader[];
  readonly doc: string;
}

/** Every known ANKIFY_* name: the table's first, in its order, then the function's and the dev server's. */
export const KNOWN_ANKIFY_NAMES: ReadonlyMap<string, NameInfo> = (() => {
  const names = new Map<string, { readers: Reader[]; doc: string }>();
  const add = (name: string, reader: Reader, doc: string) => {
    const known = names.get(name);
    if (known) known.readers.push(reader);
    else names.set(name, { readers: [reader], doc });
  };
  for (const [, spec] of ENTRIES) if (spec.env) add(spec.env, "synth", spec.doc);
  for (const [name, variable] of Object.entries(RUNTIME_VARIABLES)) for (const reader of variable.readBy) add(name, reader, variable.doc);
  for (const [name, doc] of Object.entries(GITHUB_VARIABLES)) add(name, "github", doc);
  // Retired settings are known, so that reading the settings says what replaced them (load.ts).
  for (const retired of Object.values(RETIRED_SETTINGS)) add(retired.env, "synth", `no longer a setting: ${retired.why}`);
  return names;
})();

export interface NameCheck {
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * The environment's ANKIFY_* names, checked (by synth, the npm scripts and the dev server alike):
 *  - a name nobody reads is an error, with the closest known name;
 *  - a name another command reads from a shell is fine: one shell often holds `npm run dev`'s
 *    variables and the stack's settings, and each command must run there without the other's
 *    complaining (the dev server's ANKIFY_DEV_API_KEY while synthesizing, ANKIFY_DOMAIN while serving);
 *  - a name only the function reads is a warning: the stack (or the dev server) sets it for the
 *    function, so a value in a shell does nothing, which its author likely did not mean.
 * Empty values are skipped: a variable set to nothing configures nothing, whatever its name.
 */
export function checkEnvNames(env: Readonly<Record<string, string | undefined>>): NameCheck {
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.toUpperCase().startsWith("ANKIFY_") || !env[name]) continue;
    const info = KNOWN_ANKIFY_NAMES.get(name);
    if (!info) problems.push(`${name} is not a setting; did you mean ${closest(name, [...KNOWN_ANKIFY_NAMES.keys()], envNormal)}?`);
    else if (info.readers.every((reader) => reader === "function")) {
      warnings.push(`${name} is the function's own variable, set by the stack (and by the dev server for its copy); the value in this shell is ignored.`);
    }
  }
  return { problems, warnings };
}

/** cdktf.json keys cdktf itself reads (cdktfVersion, cdktfRelativeModules, @cdktf/…): its CLI and library set them. */
const CDKTF_KEY = /^(cdktf|@cdktf\/)/;
/** Every cdktf.json key the table knows, in table order (the suggestions' tie-break). */
const CONTEXT_KEYS = ENTRIES.filter(([, spec]) => spec.scope !== "command").map(([name]) => name);

/**
 * The keys of cdktf.json context (`block`: false) or of an environment's block (true), checked: one
 * line for each that is not a setting, or not one that belongs there. `label` says where they are,
 * e.g. `cdktf.json context environments.dev`.
 */
export function checkContextKeys(context: Readonly<Record<string, unknown>>, label: string, block: boolean): string[] {
  const allowed: readonly Scope[] = block ? ["stack", "environment"] : ["stack", "state", "environments"];
  const problems: string[] = [];
  for (const key of Object.keys(context)) {
    if ((!block && CDKTF_KEY.test(key)) || key in RETIRED_SETTINGS) continue;
    const scope = CONTEXT_KEYS.includes(key as SettingName) ? SETTINGS[key as SettingName].scope : undefined;
    if (scope === undefined) problems.push(`${label} "${key}" is not a setting; did you mean "${closest(key, CONTEXT_KEYS, keyNormal)}"?`);
    else if (allowed.includes(scope)) continue;
    else if (block) problems.push(`${label} "${key}" applies to every environment; move it to the top level of cdktf.json context.`);
    else problems.push(`${label} "${key}" belongs in an environment's block: cdktf.json context environments.<name> "${key}".`);
  }
  return problems;
}
