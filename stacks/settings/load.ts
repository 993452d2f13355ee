/**
 * Reading settings by the table: each value from its environment variable, else cdktf.json context
 * (an environment's block, then the top level), else its default; checked by its kind, then by the
 * rules between settings. Every problem is collected (not just the first), one line each naming where
 * the value came from, the value and what is allowed, so a single synth shows them all.
 */
import type { Found, Kind, Known } from "./kinds";
import { at } from "./kinds";
import { ENTRIES, RETIRED_SETTINGS, SETTINGS, type Scope, type SettingName, type SettingSpec } from "./table";

/** Thrown when settings are invalid; `problems` holds one self-contained line per problem. */
export class SettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid Ankify settings:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "SettingsError";
  }
}

type Table = typeof SETTINGS;
type NamesIn<S extends Scope> = { [K in SettingName]: Table[K]["scope"] extends S ? K : never }[SettingName];
type ValueOf<K extends SettingName> = Table[K] extends { readonly kind: Kind<infer T> } ? T : never;
/** A default worked out from other settings may be "none" (undefined): its setting is then optional too. */
type DefaultAlwaysSet<D> = D extends (known: Known) => infer R ? (unknown extends R ? true : undefined extends R ? false : true) : true;
type AlwaysSet<K extends SettingName> = Table[K] extends { readonly required: true } ? K
  : Table[K] extends { readonly default: infer D } ? (DefaultAlwaysSet<D> extends true ? K : never) : never;
type Flat<T> = { [K in keyof T]: T[K] };

/** A stack's settings (the table's "stack" entries): set ones as their kinds read them, defaults filled in. */
export type SettingKey = NamesIn<"stack">;
export type Settings = Flat<
  { readonly [K in SettingKey as AlwaysSet<K>]: ValueOf<K> } & { readonly [K in SettingKey as K extends AlwaysSet<K> ? never : K]?: ValueOf<K> }
>;
export type OriginProtection = Settings["originProtection"];
export type Architecture = Settings["architecture"];
export type ClientAuthMode = Settings["clientAuth"];
export type InvokeMode = Settings["invokeMode"];

/** Each stack setting's environment variable, by cdktf.json key, in table order. */
export const SETTING_SOURCES = Object.fromEntries(
  ENTRIES.filter(([, spec]) => spec.scope === "stack").map(([name, spec]) => [name, spec.env!]),
) as { readonly [K in SettingKey]: Table[K]["env"] };

export interface SettingsInput {
  /** Values from `cdktf.json` context (or a per-environment block of it). */
  readonly context: Readonly<Record<string, unknown>>;
  /** Where `context` lives, for messages, e.g. `cdktf.json context` or `cdktf.json context environments.prod`. */
  readonly contextLabel?: string;
  /** Values `context` falls back to (an environment's top-level defaults), and where they live. */
  readonly defaults?: Readonly<Record<string, unknown>>;
  readonly defaultsLabel?: string;
  /** Environment variables; `ANKIFY_*` ones override context. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Prefix for every message, e.g. `environment "prod": `. */
  readonly messagePrefix?: string;
}

const INDEX = new Map<string, number>(ENTRIES.map(([name], i) => [name, i]));
const present = (value: unknown) => value !== undefined && value !== null && value !== "";

/** Where a setting's value is given, if anywhere: the environment wins, then the block, then the defaults. */
function finder(input: SettingsInput) {
  const contextLabel = input.contextLabel ?? "cdktf.json context";
  return (name: string, spec: SettingSpec, withFallback = true): Found | undefined => {
    const fromEnv = spec.env !== undefined ? input.env?.[spec.env]?.trim() : undefined;
    if (fromEnv) return { value: fromEnv, where: spec.env! };
    for (const key of withFallback && spec.fallback ? [name, spec.fallback] : [name]) {
      if (present(input.context[key])) return { value: input.context[key], where: `${contextLabel} "${key}"` };
      if (input.defaults && present(input.defaults[key])) return { value: input.defaults[key], where: `${input.defaultsLabel ?? "cdktf.json context"} "${key}"` };
    }
    return undefined;
  };
}

/** A scope's settings in an order where each comes after those it needs. */
function evaluationOrder(names: readonly string[]): string[] {
  const order: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name)) return;
    const spec: SettingSpec = SETTINGS[name as SettingName];
    for (const need of [...(spec.needs ?? []), ...(spec.onlyWith ? [spec.onlyWith.key] : [])]) if (names.includes(need)) visit(need);
    order.push(name);
  };
  names.forEach(visit);
  return order;
}

interface ScopeRead {
  readonly values: Readonly<Record<string, unknown>>;
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

function readScope(scope: Scope, input: SettingsInput): ScopeRead {
  const names = ENTRIES.filter(([, spec]) => spec.scope === scope && spec.kind !== undefined).map(([name]) => name);
  const find = finder(input);
  const values: Record<string, unknown> = {};
  const found: Record<string, Found> = {};
  const problems: Array<{ readonly index: number; readonly text: string }> = [];
  const known: Known = { value: (key) => values[key], found: (key) => found[key], env: (key) => (SETTINGS[key as SettingName] as SettingSpec).env ?? key };

  for (const name of evaluationOrder(names)) {
    const spec: SettingSpec = SETTINGS[name as SettingName];
    const report = (text: string) => problems.push({ index: INDEX.get(name)!, text: `${input.messagePrefix ?? ""}${text}` });
    const given = find(name, spec);
    if (given) found[name] = given;
    const applies = !spec.onlyWith || values[spec.onlyWith.key] === spec.onlyWith.value;
    if (given && !applies) {
      const because = spec.onlyWith!.because ? ` (${spec.onlyWith!.because})` : "";
      report(`${at(given)} is only used with ${known.env(spec.onlyWith!.key)} = "${spec.onlyWith!.value}"${because}; remove it or switch to ${spec.onlyWith!.value}.`);
    } else if (given) {
      const outcome = spec.kind!.read(given, known);
      if ("problems" in outcome) outcome.problems.forEach(report);
      else values[name] = outcome.value;
      continue;
    } else if (spec.required) {
      report(`${name} is not set: add "${name}" to ${input.contextLabel ?? "cdktf.json context"} or set ${spec.env}.`);
      continue;
    }
    if (spec.default !== undefined) values[name] = typeof spec.default === "function" ? (spec.default as (k: Known) => unknown)(known) : spec.default;
  }
  if (scope === "stack") {
    for (const [key, retired] of Object.entries(RETIRED_SETTINGS)) {
      const given = find(key, { env: retired.env, scope, doc: "" });
      if (given) problems.push({ index: -1, text: `${input.messagePrefix ?? ""}${given.where} is no longer a setting: ${retired.why}` });
    }
  }
  const warnings: string[] = [];
  for (const name of names) {
    const spec: SettingSpec = SETTINGS[name as SettingName];
    const problem = spec.rule?.(known);
    if (problem) problems.push({ index: INDEX.get(name)!, text: `${input.messagePrefix ?? ""}${problem}` });
    const warning = spec.warn?.(known);
    if (warning) warnings.push(warning);
  }
  // Table order, whatever order the settings were read in (a stable sort keeps each setting's own lines in order).
  problems.sort((a, b) => a.index - b.index);
  return { values: Object.fromEntries(names.filter((n) => values[n] !== undefined).map((n) => [n, values[n]])), problems: problems.map((p) => p.text), warnings };
}

/** Reads, validates and returns a stack's settings and their warnings, or throws a SettingsError listing every problem. */
export function readSettings(input: SettingsInput): { readonly settings: Settings; readonly warnings: readonly string[] } {
  const read = readScope("stack", input);
  if (read.problems.length > 0) throw new SettingsError(read.problems);
  return { settings: read.values as Settings, warnings: read.warnings };
}

/** Reads, validates and returns a stack's settings, or throws a SettingsError listing every problem. */
export function loadSettings(input: SettingsInput): Settings {
  return readSettings(input).settings;
}

export interface StateSettings {
  /** S3 bucket that holds the state of every stack. */
  readonly bucket: string;
  /** Region of that bucket. */
  readonly region: string;
  /** Key prefix; each stack's state is `<prefix><stack>.tfstate`. */
  readonly keyPrefix: string;
}

/**
 * Remote state: the state bucket turns the S3 backend on, and the settings that need it mean nothing
 * without it (so they are refused alone). Undefined: local state.
 */
export function readStateSettings(context: Readonly<Record<string, unknown>>, env: Readonly<Record<string, string | undefined>>): StateSettings | undefined {
  const input = { context, env };
  const find = finder(input);
  if (!find("stateBucket", SETTINGS.stateBucket)) {
    const stray = ENTRIES.filter(([, spec]) => spec.scope === "state" && (spec.needs as readonly string[] | undefined)?.includes("stateBucket"))
      .map(([name, spec]) => find(name, spec, false)).filter((f): f is Found => f !== undefined);
    if (stray.length === 0) return undefined;
    throw new SettingsError([`${stray.map((f) => f.where).join(" and ")} set without ${SETTINGS.stateBucket.env}: set the bucket too, or unset them to keep local state.`]);
  }
  const read = readScope("state", input);
  if (read.problems.length > 0) throw new SettingsError(read.problems);
  return { bucket: read.values["stateBucket"] as string, region: read.values["stateRegion"] as string, keyPrefix: read.values["stateKeyPrefix"] as string };
}
