/**
 * Formats one stack's `terraform plan` as a pull-request comment: a summary line (adds, changes,
 * destroys, computed like Terraform's "Plan:" line), the changed addresses by action, and the plan
 * text in a collapsible block. A hidden marker lets CI update the same comment on every push.
 *
 * It reads only addresses and actions from `terraform show -json`: that JSON holds sensitive values
 * in clear (the origin secret among them), so nothing else of it may reach a comment.
 *
 *   node -r sucrase/register scripts/plan-comment.ts --stack ankify-dev \
 *     (--plan-json plan.json --plan-text plan.txt | --error-log log.txt) [--run-url URL]
 */
import { readFileSync } from "node:fs";

/** GitHub rejects comments over 65,536 characters; leave room for the summary around the plan. */
export const MAX_COMMENT_CHARS = 65_000;

type Action = "create" | "read" | "update" | "delete" | "no-op" | "forget";

interface PlanJson {
  readonly format_version: string;
  readonly resource_changes?: ReadonlyArray<{ readonly address: string; readonly change: { readonly actions: readonly Action[] } }>;
}

export interface PlanSummary {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  readonly created: readonly string[];
  readonly updated: readonly string[];
  readonly replaced: readonly string[];
  readonly destroyed: readonly string[];
}

/** Counts like Terraform: a replacement is one add and one destroy. Reads are data sources, not changes. */
export function summarize(plan: PlanJson): PlanSummary {
  if (typeof plan.format_version !== "string") throw new Error("not a `terraform show -json` plan: no format_version");
  const created: string[] = [];
  const updated: string[] = [];
  const replaced: string[] = [];
  const destroyed: string[] = [];
  for (const rc of plan.resource_changes ?? []) {
    const actions = rc.change.actions;
    if (actions.includes("create") && actions.includes("delete")) replaced.push(rc.address);
    else if (actions.includes("create")) created.push(rc.address);
    else if (actions.includes("update")) updated.push(rc.address);
    else if (actions.includes("delete")) destroyed.push(rc.address);
  }
  return {
    add: created.length + replaced.length,
    change: updated.length,
    destroy: destroyed.length + replaced.length,
    created, updated, replaced, destroyed,
  };
}

export interface CommentInput {
  readonly stack: string;
  /** `terraform show -json` of the plan; absent when the plan failed. */
  readonly planJson?: PlanJson;
  /** `terraform show -no-color` of the plan. */
  readonly planText?: string;
  /** What init/plan printed when it failed. */
  readonly errorLog?: string;
  /** Link to the CI run, for the full log. */
  readonly runUrl?: string;
}

/** The hidden marker that identifies this stack's comment. */
export function marker(stack: string): string {
  return `<!-- ankify-plan:${stack} -->`;
}

export function formatComment(input: CommentInput): string {
  const lines = [marker(input.stack)];
  const run = input.runUrl ? ` ([run](${input.runUrl}))` : "";
  if (!input.planJson) {
    lines.push(`### ❌ \`${input.stack}\`: plan failed${run}`, "");
    lines.push(collapsible("Error output", "text", input.errorLog ?? "(no output)", input.runUrl, 1));
    return lines.join("\n");
  }
  const s = summarize(input.planJson);
  if (s.add + s.change + s.destroy === 0) {
    lines.push(`### ✅ \`${input.stack}\`: no changes${run}`, "", "Infrastructure matches the configuration.");
    return lines.join("\n");
  }
  const icon = s.destroy > 0 ? "⚠️" : "📝";
  lines.push(`### ${icon} \`${input.stack}\`: **${s.add}** to add, **${s.change}** to change, **${s.destroy}** to destroy${run}`, "");
  const group = (title: string, addresses: readonly string[]) => {
    if (addresses.length > 0) lines.push(`**${title}** (${addresses.length}): ${addresses.map((a) => `\`${a}\``).join(", ")}`, "");
  };
  group("Replace", s.replaced);
  group("Destroy", s.destroyed);
  group("Update", s.updated);
  group("Create", s.created);
  const budget = MAX_COMMENT_CHARS - lines.join("\n").length;
  lines.push(collapsible("Plan", "diff", asDiff(input.planText ?? ""), input.runUrl, budget));
  return lines.join("\n");
}

/** Terraform marks lines with +, -, ~ after indentation; a diff block colours them when the mark leads. */
export function asDiff(planText: string): string {
  return planText
    .split("\n")
    .map((line) => {
      const m = /^(\s*)([+~-]|-\/\+|\+\/-) (.*)$/.exec(line);
      if (!m) return line;
      const mark = m[2] === "~" ? "!" : m[2]!.startsWith("-") ? "-" : "+";
      return `${mark}${m[1]} ${m[3]}`;
    })
    .join("\n");
}

function collapsible(summary: string, language: string, body: string, runUrl: string | undefined, budget: number): string {
  const fence = "```";
  const frame = `<details><summary>${summary}</summary>\n\n${fence}${language}\n\n${fence}\n</details>`;
  const room = Math.max(1_000, budget - frame.length - 200);
  let text = body.replace(/```/g, "ˋˋˋ").trimEnd();
  if (text.length > room) {
    const more = runUrl ? `see the full output in the run: ${runUrl}` : "see the full output in the CI log";
    text = `${text.slice(0, room)}\n… truncated (${text.length - room} more characters); ${more}`;
  }
  return `<details><summary>${summary}</summary>\n\n${fence}${language}\n${text}\n${fence}\n</details>`;
}

function argument(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const stack = argument(args, "--stack");
  const jsonPath = argument(args, "--plan-json");
  const textPath = argument(args, "--plan-text");
  const logPath = argument(args, "--error-log");
  if (!stack || (!jsonPath && !logPath)) {
    console.error("usage: plan-comment.ts --stack NAME (--plan-json FILE --plan-text FILE | --error-log FILE) [--run-url URL]");
    process.exit(2);
  }
  const runUrl = argument(args, "--run-url");
  process.stdout.write(formatComment({
    stack,
    ...(jsonPath ? { planJson: JSON.parse(readFileSync(jsonPath, "utf8")) as PlanJson } : {}),
    ...(textPath ? { planText: readFileSync(textPath, "utf8") } : {}),
    ...(logPath ? { errorLog: readFileSync(logPath, "utf8") } : {}),
    ...(runUrl ? { runUrl } : {}),
  }) + "\n");
}
