import { SettingsError } from "../stacks/settings";

/** The problem lines a SettingsError carries, or [] when `load` succeeds; other errors propagate. */
export function problemsOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  return [];
}
