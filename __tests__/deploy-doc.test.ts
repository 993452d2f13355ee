import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../testing/paths";
import { synthAnkify, synthDefaults, type TerraformJson } from "../testing/synth";

/** docs/deploy.md's outputs table names every output the stack defines, in the settings that make them. */
const doc = readFileSync(join(PROJECT_ROOT, "docs", "deploy.md"), "utf8");
const outputs = (() => {
  const start = doc.indexOf("\n### Outputs\n");
  if (start < 0) throw new Error('docs/deploy.md has no "### Outputs" section');
  const end = doc.slice(start + 1).search(/\n#{2,3} /);
  return doc.slice(start, end < 0 ? undefined : start + 1 + end);
})();
/** Each table row's first-cell names (in backticks), with the row. */
const rows = outputs.split("\n").filter((line) => line.startsWith("| `"))
  .flatMap((line) => [...line.split("|")[1]!.matchAll(/`([^`]+)`/g)].map((m) => [m[1]!, line] as const));
const documented = new Map(rows);

const image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ankify-python@sha256:" + "0123456789abcdef".repeat(4);
// Between them these make every output: the defaults (built image, web ACL, api-key, secret-header),
// Cognito (oauth without an issuer), and an own image in oac mode without the web ACL or client auth.
const stacks: Array<[string, () => TerraformJson]> = [
  ["the defaults", () => synthDefaults().tf],
  ["oauth with Cognito", () => synthAnkify({ clientAuth: "oauth" }).tf],
  ["an own image, oac, no web ACL, no client auth", () => synthAnkify({ imageUri: image, originProtection: "oac", rateLimit: 0, clientAuth: "none" }).tf],
];

describe("docs/deploy.md: outputs", () => {
  const synthesized = stacks.map(([label, synth]) => [label, synth().output] as const);

  it.each(synthesized)("names every output of %s, marking the sensitive ones", (_label, output) => {
    expect(Object.keys(output).filter((name) => !documented.has(name))).toEqual([]);
    for (const [name, { sensitive }] of Object.entries(output)) {
      expect([name, documented.get(name)!.includes("**sensitive**")]).toEqual([name, sensitive === true]);
    }
  });

  it("names no output the stack does not define", () => {
    const defined = new Set(synthesized.flatMap(([, output]) => Object.keys(output)));
    expect([...documented.keys()].filter((name) => !defined.has(name))).toEqual([]);
  });
});
