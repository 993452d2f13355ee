import { TerraformStack, Testing } from "cdktf";
import { AnkifyStack } from "../stacks/ankify-stack";
import type { SettingKey } from "../stacks/settings";
import { PROJECT_ROOT } from "./paths";
import { settingsWith } from "./settings";

// cdktf's jest matchers (toHaveResource, toHaveResourceWithProperties, ...) for the suites that
// synthesize, which are the ones that import this module; the others never load cdktf.
Testing.setupJest();

export interface Synthesized {
  /** What cdktf's jest matchers take. */
  readonly json: string;
  /** The same, parsed. */
  readonly tf: TerraformJson;
}

export interface TerraformJson {
  terraform: { required_providers: Record<string, { source: string; version: string }>; backend?: Record<string, Record<string, unknown>> };
  provider: Record<string, Array<Record<string, unknown>>>;
  resource: Record<string, Record<string, Record<string, any>>>;
  data: Record<string, Record<string, Record<string, any>>>;
  output: Record<string, { value: unknown; sensitive?: boolean; description?: string }>;
}

/**
 * Runs `build` with V8's own stack formatting. cdktf records where every token was created (a stack
 * trace of unlimited depth, read at once), and under jest each of those frames is looked up in source
 * maps: a third of a synthesis, 5 s of CPU over the suite. The traces only ever appear in cdktf's
 * messages about a token it cannot resolve, and sucrase keeps line numbers, so they still point at
 * the right lines; Testing.synth strips them from the JSON the tests read either way.
 */
function withPlainStackTraces<T>(build: () => T): T {
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) =>
    `${error.name ?? "Error"}: ${error.message ?? ""}${frames.map((frame) => `\n    at ${frame}`).join("")}`;
  try {
    return build();
  } finally {
    Error.prepareStackTrace = previous;
  }
}

/** A fresh app and stack, synthesized: every test gets its own. */
export function synthAnkify(overrides: Partial<Record<SettingKey, unknown>> = {}, stackName = "ankify"): Synthesized {
  const json = withPlainStackTraces(() => {
    const app = Testing.app();
    const stack = new AnkifyStack(app, stackName, { settings: settingsWith(overrides), projectRoot: PROJECT_ROOT });
    return Testing.synth(stack);
  });
  return { json, tf: JSON.parse(json) as TerraformJson };
}

let defaults: string | undefined;

/**
 * The stack with cdktf.json's defaults, synthesized once per test file and parsed afresh for each
 * caller (so no test sees another's changes). For tests that only read it; a test that needs its
 * own synthesis (e.g. to compare two) calls synthAnkify().
 */
export function synthDefaults(): Synthesized {
  defaults ??= synthAnkify().json;
  return { json: defaults, tf: JSON.parse(defaults) as TerraformJson };
}

/** The only resource of a type (fails loudly when there are none or several). */
export function only(tf: TerraformJson, type: string): Record<string, any> {
  const all = Object.values(tf.resource[type] ?? {});
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0]!;
}

/** All resources of a type. */
export function all(tf: TerraformJson, type: string): Array<Record<string, any>> {
  return Object.values(tf.resource[type] ?? {});
}

/** The Terraform address (`type.name`) of the only resource of a type, as references spell it. */
export function address(tf: TerraformJson, type: string): string {
  const names = Object.keys(tf.resource[type] ?? {});
  if (names.length !== 1) throw new Error(`expected exactly one ${type}, found ${names.length}`);
  return `${type}.${names[0]}`;
}

/** The Terraform address of the one resource of a type that matches `where` (e.g. by name, when a stack has several). */
export function addressWhere(tf: TerraformJson, type: string, where: (resource: Record<string, any>) => boolean): string {
  const names = Object.entries(tf.resource[type] ?? {}).filter(([, resource]) => where(resource)).map(([name]) => name);
  if (names.length !== 1) throw new Error(`expected exactly one matching ${type}, found ${names.length}`);
  return `${type}.${names[0]}`;
}

/** The whole app (every environment's stack) for a cdktf.json context and environment, synthesized by stack name. */
export function synthApp(
  context: Record<string, unknown>,
  env: Record<string, string | undefined> = {},
): Record<string, TerraformJson> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildApp } = require("../main") as typeof import("../main");
  return withPlainStackTraces(() => {
    const app = buildApp(Testing.app({ context }), env);
    const stacks: Record<string, TerraformJson> = {};
    for (const child of app.node.children) {
      if (child instanceof TerraformStack) stacks[child.node.id] = JSON.parse(Testing.synth(child)) as TerraformJson;
    }
    return stacks;
  });
}
