import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { documentationPages } from "../testing/markdown";
import { generatedDocs } from "../scripts/settings-docs";
import { settingsHelp } from "../stacks/settings/docs";
import { PROJECT_ROOT } from "../testing/paths";

/** `./help` and the README's commands table are kept in step with package.json's scripts by this test. */
const scripts = Object.keys((JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);
/** What `./help` prints, run as a user runs it (its `#!/usr/bin/env node` finds this node). */
const helpRun = spawnSync(join(PROJECT_ROOT, "help"), [], {
  cwd: PROJECT_ROOT,
  env: { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env["PATH"] ?? ""}` },
  encoding: "utf8",
});
const help = helpRun.stdout;
const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
const asCommand = (script: string) => (script === "test" ? "npm test" : `npm run ${script}`);
/** The npm commands a text names: `npm test` and `npm run <script>`. */
const named = (text: string) => new Set([...text.matchAll(/npm (?:run ([\w:-]+)|(test)\b)/g)].map((m) => m[1] ?? m[2]!));

describe("help", () => {
  it("is an executable script that prints and exits 0", () => {
    expect(statSync(join(PROJECT_ROOT, "help")).mode & 0o111).toBe(0o111);
    expect(helpRun.stderr).toBe("");
    expect(helpRun.status).toBe(0);
  });

  it("prints the settings block the settings table generates", () => {
    expect(help).toContain(`\n${settingsHelp()}\n`);
    expect(help).toMatch(/^ {4}ANKIFY_IMAGE_URI +\(unset: build lambda\/\) +run this image instead of building lambda\/$/m);
  });

  it("lists every npm script, each in its own line", () => {
    const lines = help.split("\n").map((line) => line.trim());
    for (const script of scripts) expect(lines.some((line) => line.startsWith(asCommand(script)))).toBe(true);
  });

  it("names no npm script that does not exist", () => {
    expect([...named(help)].filter((name) => !scripts.includes(name))).toEqual([]);
  });

  it("has none of the cdktf template's leftovers", () => {
    expect(help).not.toMatch(/Your cdktf TypeScript project is ready|Synthesize Terraform resources from your CDK app/);
  });
});

describe("the generated settings docs", () => {
  it.each(generatedDocs().map((file) => [file.path, file]))("%s is what the settings table generates (node -r sucrase/register scripts/settings-docs.ts --write)", (_path, file) => {
    expect(file.current).toBe(file.text);
  });

  it("the README's table has a row per setting with its variable, key and default", () => {
    const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
    expect(readme).toContain("\n| `ANKIFY_ORIGIN_READ_TIMEOUT` | `originReadTimeout` | min(120, quota) | 10 (15 with `BUFFERED`)..900 seconds | ");
    expect(readme).toContain("\n| `ANKIFY_MAX_CONCURRENCY` | `maxConcurrency` | `auto` | 1..900 executions, or `auto` (reserve 10 where the account quota allows it) or `none` for no reservation | ");
  });
});

describe("README", () => {
  const table = readme.slice(readme.indexOf("## Commands"), readme.indexOf("\n## ", readme.indexOf("## Commands") + 3));

  it("has one row per npm script in its commands table, and no other", () => {
    const rows = table.split("\n").filter((line) => line.startsWith("| `npm"));
    expect(rows.map((row) => /`npm (?:run ([\w:-]+)|(test))/.exec(row)!.slice(1).find(Boolean)).sort()).toEqual([...scripts].sort());
  });

  it.each(documentationPages())("%s names no npm script that does not exist", (page) => {
    const text = readFileSync(join(PROJECT_ROOT, page), "utf8");
    expect([...named(text)].filter((name) => !scripts.includes(name))).toEqual([]);
  });

  it("keeps its settings table in the Settings section, between the markers its generator writes inside", () => {
    const settings = readme.slice(readme.indexOf("\n## Settings\n"), readme.indexOf("\n## ", readme.indexOf("\n## Settings\n") + 3));
    const [, table] = /\n<!-- settings-table:start -->\n([\s\S]*)\n<!-- settings-table:end -->\n/.exec(settings) ?? [];
    expect(readme.split("settings-table:start").length).toBe(2);
    expect(readme.split("settings-table:end").length).toBe(2);
    // A Markdown table (its content is the settings module's to write), naming the settings.
    expect(table?.trim().split("\n").every((line) => /^\|.*\|$/.test(line))).toBe(true);
    expect(table).toContain("`ANKIFY_DOMAIN`");
  });

  it("has a quick start whose commands are real", () => {
    const quickStart = readme.slice(readme.indexOf("## Quick start"), readme.indexOf("### Prerequisites"));
    expect(quickStart).toContain("npm ci && npm run synth");
    expect(quickStart).toContain("npm test");
  });
});
