import { RUNTIME_VARIABLES, type RuntimeReader } from "../lambda/src/env-names";

/** The ANKIFY_* names `load` reads from the env objects it is given (whatever it makes of them). */
export function namesRead(load: (env: Record<string, string | undefined>) => unknown, envs: ReadonlyArray<Record<string, string>>): string[] {
  const names = new Set<string>();
  for (const env of envs) {
    const recording = new Proxy(env, { get: (target, name: string) => (names.add(name), target[name]) });
    try {
      load(recording);
    } catch {
      // what was read is what counts
    }
  }
  return [...names].filter((name) => name.startsWith("ANKIFY_")).sort();
}

/**
 * The names lambda/src/env-names.ts lists for a reader, except ANKIFY_LOG_LEVEL, which log.ts reads
 * from process.env rather than from the settings it is given.
 */
export function namesListedFor(reader: RuntimeReader): string[] {
  return Object.entries(RUNTIME_VARIABLES)
    .filter(([name, variable]) => (variable.readBy as readonly string[]).includes(reader) && name !== "ANKIFY_LOG_LEVEL")
    .map(([name]) => name).sort();
}
