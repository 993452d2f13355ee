/**
 * The settings' generated documentation: the README's settings table and docs/settings.md's list of
 * every ANKIFY_* name, both from stacks/settings/table.ts (and lambda/src/env-names.ts).
 *
 *   node -r sucrase/register scripts/settings-docs.ts           says which files are out of date (exit 1)
 *   node -r sucrase/register scripts/settings-docs.ts --write   rewrites them
 *
 * `./help` needs nothing: it prints its settings block from the table each time.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { replaceBetween, SETTING_NAMES_MARKERS, SETTINGS_TABLE_MARKERS, settingNamesTable, settingsTable, type Markers } from "../stacks/settings/docs";

const ROOT = join(__dirname, "..");

/** Each generated file: its path from the repository root, and its text as it should be. */
export function generatedDocs(): ReadonlyArray<{ readonly path: string; readonly text: string; readonly current: string }> {
  const files: ReadonlyArray<readonly [string, Markers, string]> = [
    ["README.md", SETTINGS_TABLE_MARKERS, settingsTable()],
    [join("docs", "settings.md"), SETTING_NAMES_MARKERS, settingNamesTable()],
  ];
  return files.map(([path, markers, content]) => {
    const current = readFileSync(join(ROOT, path), "utf8");
    return { path, current, text: replaceBetween(current, markers, content) };
  });
}

if (require.main === module) {
  const stale = generatedDocs().filter((file) => file.text !== file.current);
  if (process.argv.includes("--write")) {
    for (const file of stale) writeFileSync(join(ROOT, file.path), file.text);
    console.log(stale.length > 0 ? `rewrote ${stale.map((f) => f.path).join(", ")}` : "the settings docs are up to date");
  } else if (stale.length > 0) {
    console.error(`out of date: ${stale.map((f) => f.path).join(", ")}; run node -r sucrase/register scripts/settings-docs.ts --write`);
    process.exitCode = 1;
  }
}
