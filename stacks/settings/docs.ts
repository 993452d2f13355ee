/**
 * The settings' documentation, generated from the table: the README's settings table, the settings
 * block of `./help`, and docs/settings.md's list of every ANKIFY_* name. Tests hold the files equal to
 * what this generates; `node -r sucrase/register scripts/settings-docs.ts --write` rewrites them.
 */
import { KNOWN_ANKIFY_NAMES, type Reader } from "./names";
import { ENTRIES, SETTINGS, type SettingName, type SettingSpec } from "./table";

export interface Markers {
  readonly start: string;
  readonly end: string;
}
export const SETTINGS_TABLE_MARKERS: Markers = { start: "<!-- settings-table:start -->", end: "<!-- settings-table:end -->" };
export const SETTING_NAMES_MARKERS: Markers = { start: "<!-- setting-names:start -->", end: "<!-- setting-names:end -->" };

const LISTED = ENTRIES.filter(([, spec]) => !spec.internal);
const cell = (markdown: string) => markdown.replace(/\|/g, "\\|");
/** Markdown to plain text: no backticks, links as their text. */
const plain = (markdown: string) => markdown.replace(/\[([^\]]+)\]\([^)]+\)/g, "$1").replace(/`/g, "");
const shown = (value: unknown) => (Array.isArray(value) ? value.join(",") : String(value));

function defaultOf(spec: SettingSpec): string {
  if (spec.defaultDoc !== undefined) return spec.defaultDoc;
  if (spec.required) return "required";
  return spec.default !== undefined ? `\`${shown(spec.default)}\`` : "unset";
}

function allowedOf(spec: SettingSpec): string {
  const only = spec.onlyWith && `only with \`${(SETTINGS[spec.onlyWith.key as SettingName] as SettingSpec).env}=${spec.onlyWith.value}\``;
  return [spec.kind?.allowed, only].filter(Boolean).join("; ") || "—";
}

/** The README's table: one row per setting, in the table's order. */
export function settingsTable(): string {
  const rows = LISTED.map(([name, spec]) =>
    `| ${spec.env ? `\`${spec.env}\`` : "—"} | ${spec.scope === "command" ? "—" : `\`${name}\``} | ${cell(defaultOf(spec))} | ${cell(allowedOf(spec))} | ${cell(spec.doc)} |`);
  return ["| variable | `cdktf.json` key | default | allowed | what it is |", "|---|---|---|---|---|", ...rows].join("\n");
}

/** A default short enough for help's column: "unset (build `lambda/`)" → "(unset: build lambda/)". */
function helpDefault(spec: SettingSpec): string {
  if (spec.defaultDoc === undefined) return spec.required ? "(required)" : spec.default !== undefined ? shown(spec.default) : "(unset)";
  const text = plain(spec.defaultDoc);
  return /^unset/.test(text) ? `(${text.replace(/^unset \((.*)\)$/, "unset: $1")})` : text.replace(/ \(.*\)$/, "");
}

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(" ")) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** help's settings block: variable, default and doc, aligned, at most `width` columns wide. */
export function settingsHelp(width = 118): string {
  const rows = LISTED.filter(([, spec]) => spec.env !== undefined).map(([, spec]) => [spec.env!, helpDefault(spec), plain(spec.doc)] as const);
  const first = Math.max(...rows.map(([env]) => env.length)) + 2;
  const second = Math.max(...rows.map(([, value]) => value.length)) + 2;
  const indent = " ".repeat(4 + first + second);
  return rows.flatMap(([env, value, doc]) =>
    wrap(doc, width - indent.length).map((line, i) => (i === 0 ? `    ${env.padEnd(first)}${value.padEnd(second)}${line}` : `${indent}${line}`))).join("\n");
}

const READERS: Readonly<Record<Reader, string>> = {
  synth: "synth, the npm scripts",
  function: "the function",
  dev: "`npm run dev`",
  build: "`lambda/build.js`",
  test: "`npm test`",
  github: "GitHub workflows (`vars.*`)",
};

/** docs/settings.md's list: every ANKIFY_* name, who reads it and what it is. */
export function settingNamesTable(): string {
  const rows = [...KNOWN_ANKIFY_NAMES].map(([name, info]) => `| \`${name}\` | ${info.readers.map((r) => READERS[r]).join("; ")} | ${cell(info.doc)} |`);
  return ["| name | read by | what it is |", "|---|---|---|", ...rows].join("\n");
}

/** `text` with what lies between `markers` replaced by `content` (each marker on its own line). */
export function replaceBetween(text: string, markers: Markers, content: string): string {
  const start = text.indexOf(markers.start);
  const end = text.indexOf(markers.end);
  if (start < 0 || end < start) throw new Error(`the markers ${markers.start} … ${markers.end} are missing`);
  return `${text.slice(0, start + markers.start.length)}\n${content}\n${text.slice(end)}`;
}
