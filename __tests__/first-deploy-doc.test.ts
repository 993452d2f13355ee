import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../testing/paths";
import { all, synthAnkify, synthDefaults } from "../testing/synth";

/** docs/first-deploy.md states figures the stack synthesizes; this holds them together. */
const doc = readFileSync(join(PROJECT_ROOT, "docs", "first-deploy.md"), "utf8");
const section = (heading: string) => {
  const start = doc.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`docs/first-deploy.md has no "## ${heading}" section`);
  const end = doc.indexOf("\n## ", start + 4);
  return doc.slice(start, end < 0 ? undefined : end);
};
const NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];
const capitalised = (word: string) => `${word[0]!.toUpperCase()}${word.slice(1)}`;
/** The table row (a line starting with "|") naming `name` in backticks. */
const row = (text: string, name: string) => {
  const rows = text.split("\n").filter((line) => line.startsWith("|") && line.includes(`\`${name}\``));
  if (rows.length !== 1) throw new Error(`expected one row for ${name}, found ${rows.length}`);
  return rows[0]!;
};

describe("docs/first-deploy.md: alarms", () => {
  const { tf } = synthDefaults();
  const alarms = Object.fromEntries(all(tf, "aws_cloudwatch_metric_alarm").map((a) => [String(a["alarm_name"]).replace(/^ankify-/, ""), a]));
  const table = section("Alarms that mean something");
  const seconds = (ms: number) => `${(ms / 1000).toLocaleString("en-US")} s`;

  it("lists every alarm the stack makes, and no other", () => {
    const named = [...table.matchAll(/^\| `<stack>-([\w-]+)`/gm)].map((m) => m[1]);
    expect(named.sort()).toEqual(Object.keys(alarms).sort());
  });

  it("counts them as the stack makes them, with the web ACL (the default) and without it", () => {
    const count = (t: typeof tf) => all(t, "aws_cloudwatch_metric_alarm").length;
    const withAcl = count(tf);
    const withoutAcl = count(synthAnkify({ rateLimit: 0 }).tf);
    expect(withoutAcl).toBe(withAcl - 1);
    expect(table).toContain(`${capitalised(NUMBER_WORDS[withAcl]!)} CloudWatch alarms (${NUMBER_WORDS[withoutAcl]} without the web ACL)`);
  });

  it("gives the duration threshold the stack synthesizes, and the stream budget it sits above", () => {
    const duration = alarms["function-duration"]!;
    const line = row(table, "<stack>-function-duration");
    expect(line).toContain(seconds(duration["threshold"]));
    const budget = Number(all(tf, "aws_lambda_function").find((f) => f["function_name"] === "ankify")!["environment"]["variables"]["ANKIFY_STREAM_BUDGET_SECONDS"]);
    expect(line).toContain(`${budget} s stream budget`);
  });

  it("gives the 5xx rate's threshold and minimum request count the stack synthesizes", () => {
    const cdn = alarms["cdn-5xx-rate"]!;
    const minimum = /IF\(requests >= (\d+), rate, 0\)/.exec(cdn["metric_query"][2]["expression"])![1];
    const line = row(table, "<stack>-cdn-5xx-rate");
    expect(line).toContain(`${cdn["threshold"]} %`);
    expect(line).toContain(`at least ${minimum} requests`);
  });

  it("gives the period and the count every alarm fires at", () => {
    for (const name of ["function-errors", "function-throttles", "rate-limited"]) {
      expect(row(table, `<stack>-${name}`)).toContain(`≥ ${alarms[name]!["threshold"]}`);
    }
    expect(table).toContain("5-minute periods");
    for (const alarm of Object.values(alarms)) expect(alarm["period"] ?? alarm["metric_query"][0]["metric"]["period"]).toBe(300);
  });
});

describe("docs/operations.md: alarms", () => {
  const { tf } = synthDefaults();
  const names = all(tf, "aws_cloudwatch_metric_alarm").map((a) => String(a["alarm_name"]).replace(/^ankify-/, ""));
  const page = readFileSync(join(PROJECT_ROOT, "docs", "operations.md"), "utf8");
  const table = page.slice(page.indexOf("\n## Alarms\n"), page.indexOf("\n## ", page.indexOf("\n## Alarms\n") + 4));

  it("lists every alarm the default stack makes (with the web ACL), and counts them right", () => {
    const listed = [...table.matchAll(/^\| `<stack>-([\w-]+)`/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...names].sort());
    // "N CloudWatch alarms (N + 1 with the web ACL)": the default stack has the web ACL's alarm.
    expect(table).toContain(`${capitalised(NUMBER_WORDS[names.length - 1]!)} CloudWatch alarms (${NUMBER_WORDS[names.length]} with the web ACL)`);
    expect(table).toContain(`$${(0.1 * names.length).toFixed(2)} with the web ACL`);
  });
});
