import { readFileSync } from "node:fs";
import { join } from "node:path";
import { asDiff, formatComment, marker, MAX_COMMENT_CHARS, summarize } from "../scripts/plan-comment";

const fixture = (name: string) => readFileSync(join(__dirname, "fixtures", name), "utf8");
const changes = JSON.parse(fixture("plan-changes.json"));

describe("summarize", () => {
  it("counts like Terraform's Plan line: a replacement adds and destroys; reads and no-ops are not changes", () => {
    const summary = summarize(changes);
    expect(summary).toEqual({
      add: 2, change: 1, destroy: 2,
      created: ["aws_route53_record.dns_aaaa_5F2C1E0B"],
      updated: ["aws_lambda_function.function_this_461FF989"],
      replaced: ["terraform_data.image_build_0C5A3D2E"],
      destroyed: ["aws_lambda_permission.legacy"],
    });
    // The recorded text plan says the same.
    expect(fixture("plan-changes.txt")).toContain(`Plan: ${summary.add} to add, ${summary.change} to change, ${summary.destroy} to destroy.`);
  });

  it("refuses input that is not a terraform show -json plan", () => {
    expect(() => summarize({} as never)).toThrow("not a `terraform show -json` plan: no format_version");
  });
});

describe("formatComment", () => {
  const comment = formatComment({ stack: "ankify-dev", planJson: changes, planText: fixture("plan-changes.txt"), runUrl: "https://github.com/acme/ankify/actions/runs/42" });

  it("starts with the stack's marker so CI updates the same comment", () => {
    expect(comment.startsWith(marker("ankify-dev"))).toBe(true);
    expect(marker("ankify-dev")).toBe("<!-- ankify-plan:ankify-dev -->");
  });

  it("summarizes adds, changes and destroys, flags destroys, and links the run", () => {
    expect(comment).toContain("### ⚠️ `ankify-dev`: **2** to add, **1** to change, **2** to destroy ([run](https://github.com/acme/ankify/actions/runs/42))");
    expect(comment).toContain("**Replace** (1): `terraform_data.image_build_0C5A3D2E`");
    expect(comment).toContain("**Destroy** (1): `aws_lambda_permission.legacy`");
    expect(comment).toContain("**Update** (1): `aws_lambda_function.function_this_461FF989`");
    expect(comment).toContain("**Create** (1): `aws_route53_record.dns_aaaa_5F2C1E0B`");
  });

  it("puts the plan in a collapsible diff block", () => {
    expect(comment).toMatch(/<details><summary>Plan<\/summary>\n\n```diff\n[\s\S]*Plan: 2 to add, 1 to change, 2 to destroy\.\n```\n<\/details>$/);
    expect(comment).toContain('!   resource "aws_lambda_function" "function_this_461FF989" {');
    expect(comment).toContain('- resource "terraform_data" "image_build_0C5A3D2E" {');
  });

  it("never prints values from the JSON plan, where sensitive values are in clear", () => {
    expect(JSON.stringify(changes)).toContain("FIXTUREsecretVALUEthatMustNeverBePrinted0123456");
    expect(comment).not.toContain("FIXTUREsecretVALUEthatMustNeverBePrinted0123456");
  });

  it("says when there is nothing to change", () => {
    const none = formatComment({ stack: "ankify-prod", planJson: JSON.parse(fixture("plan-no-changes.json")), planText: "No changes." });
    expect(none).toBe("<!-- ankify-plan:ankify-prod -->\n### ✅ `ankify-prod`: no changes\n\nInfrastructure matches the configuration.");
  });

  it("shows the error output when the plan failed", () => {
    const failed = formatComment({ stack: "ankify-dev", errorLog: fixture("plan-error.txt") });
    expect(failed).toContain("### ❌ `ankify-dev`: plan failed");
    expect(failed).toContain("<details><summary>Error output</summary>\n\n```text\nInitializing the backend...");
    expect(failed).toContain("Error acquiring the state lock");
  });

  it("stays under GitHub's comment limit, saying where the rest is", () => {
    const huge = Array.from({ length: 5000 }, (_, i) => `  + line ${i} ${"x".repeat(30)}`).join("\n");
    const long = formatComment({ stack: "ankify-dev", planJson: changes, planText: huge, runUrl: "https://example.test/run" });
    expect(long.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(long).toMatch(/… truncated \(\d+ more characters\); see the full output in the run: https:\/\/example\.test\/run\n```\n<\/details>$/);
  });

  it("cannot be broken out of its code block by plan text", () => {
    const sneaky = formatComment({ stack: "s", errorLog: "```\n<img src=x>" });
    expect(sneaky.match(/```/g)).toHaveLength(2);
  });
});

describe("asDiff", () => {
  it.each([
    // The mark moves to column 0; everything after it stays in its column.
    ['  + resource "a" "b" {', '+   resource "a" "b" {'],
    ['      ~ image_uri = "x" -> "y"', '!       image_uri = "x" -> "y"'],
    ['      - statement_id = "Old" -> null', '-       statement_id = "Old" -> null'],
    ['-/+ resource "terraform_data" "x" {', '- resource "terraform_data" "x" {'],
    ['+/- resource "aws_acm_certificate" "x" {', '+ resource "aws_acm_certificate" "x" {'],
    ["        id = \"ankify-dev\"", "        id = \"ankify-dev\""],
  ])("%s", (line, expected) => {
    expect(asDiff(line)).toBe(expected);
  });
});
