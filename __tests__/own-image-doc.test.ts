import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../testing/paths";
import { all, synthAnkify } from "../testing/synth";

/** docs/own-image.md's "What the function receives" table names every variable the stack gives an own image. */
const doc = readFileSync(join(PROJECT_ROOT, "docs", "own-image.md"), "utf8");
const section = (() => {
  const start = doc.indexOf("\n## What the function receives\n");
  if (start < 0) throw new Error('docs/own-image.md has no "## What the function receives" section');
  const end = doc.indexOf("\n## ", start + 4);
  return doc.slice(start, end < 0 ? undefined : end);
})();
/** Each variable the table names in its first column, with the row's "set" cell. */
const documented = new Map(section.split("\n").filter((line) => line.startsWith("| `")).flatMap((line) => {
  const [, names, set] = line.split("|");
  return [...names!.matchAll(/`([^`]+)`/g)].map((m) => [m[1]!, set!.trim()] as const);
}));

const image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ankify-python@sha256:" + "0123456789abcdef".repeat(4);
// Both invoke modes, both protection modes, every client-auth mode (oauth with Cognito and with an
// issuer of its own), and no clip cache.
const cases: Array<[string, Record<string, unknown>]> = [
  ["BUFFERED (the default), secret-header, api-key", {}],
  ["RESPONSE_STREAM", { invokeMode: "RESPONSE_STREAM" }],
  ["oac, no client auth", { originProtection: "oac", clientAuth: "none" }],
  ["RESPONSE_STREAM, oauth with Cognito", { invokeMode: "RESPONSE_STREAM", clientAuth: "oauth" }],
  ["oauth with its own issuer", { clientAuth: "oauth", oauthIssuer: "https://login.example.com/", oauthAudience: "https://ankify.example.com/mcp" }],
  ["no clip cache", { clipCacheDays: 0 }],
];

describe("docs/own-image.md: what the function receives", () => {
  const synthesized = cases.map(([label, overrides]) => {
    // The function itself, not oac mode's Lambda@Edge function (which has no environment).
    const fn = all(synthAnkify({ imageUri: image, ...overrides }).tf, "aws_lambda_function").find((f) => f["function_name"] === "ankify")!;
    const variables = fn["environment"]["variables"] as Record<string, string>;
    return [label, Object.keys(variables)] as const;
  });

  it.each(synthesized)("names every variable an own image gets with %s", (_label, names) => {
    expect(names.filter((name) => !documented.has(name))).toEqual([]);
  });

  it("marks a variable \"always\" only if every one of those stacks sets it", () => {
    const always = [...documented].filter(([, set]) => set === "always").map(([name]) => name);
    for (const [label, names] of synthesized) expect([label, always.filter((name) => !names.includes(name))]).toEqual([label, []]);
  });

  it("names no variable the stack never sets", () => {
    const set = new Set(synthesized.flatMap(([, names]) => names));
    expect([...documented.keys()].filter((name) => !set.has(name))).toEqual([]);
  });
});
