/**
 * Creates or updates the one pull-request comment that carries a marker, through the GitHub REST API.
 *
 *   GITHUB_TOKEN=... GITHUB_REPOSITORY=owner/repo PR_NUMBER=12 \
 *     node -r sucrase/register scripts/upsert-pr-comment.ts --marker '<!-- ankify-plan:ankify-dev -->' --body-file comment.md
 *
 * GITHUB_API_URL (set by Actions) selects the API, e.g. for GitHub Enterprise.
 */
import { readFileSync } from "node:fs";

export interface UpsertInput {
  readonly apiUrl: string;
  readonly token: string;
  readonly repository: string;
  readonly pullRequest: number;
  readonly marker: string;
  readonly body: string;
}

interface Comment {
  readonly id: number;
  readonly body?: string;
}

/** Returns what it did and the comment's id. Pages through every comment: a busy PR has more than 100. */
export async function upsertComment(input: UpsertInput): Promise<{ action: "created" | "updated"; id: number }> {
  if (!input.body.includes(input.marker)) throw new Error("the comment body must contain its marker, or the next run could not find it");
  const headers = {
    Accept: "application/vnd.github+json",
    Authorization: `Bearer ${input.token}`,
    "X-GitHub-Api-Version": "2022-11-28",
    "Content-Type": "application/json",
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${input.apiUrl}${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
    if (!response.ok) throw new Error(`GitHub API ${method} ${path} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    return response.json() as Promise<unknown>;
  };
  const base = `/repos/${input.repository}/issues/${input.pullRequest}/comments`;
  for (let page = 1; ; page++) {
    const comments = (await call("GET", `${base}?per_page=100&page=${page}`)) as Comment[];
    const mine = comments.find((c) => c.body?.includes(input.marker));
    if (mine) {
      await call("PATCH", `/repos/${input.repository}/issues/comments/${mine.id}`, { body: input.body });
      return { action: "updated", id: mine.id };
    }
    if (comments.length < 100) break;
  }
  const created = (await call("POST", base, { body: input.body })) as Comment;
  return { action: "created", id: created.id };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const arg = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  const missing = ["GITHUB_TOKEN", "GITHUB_REPOSITORY", "PR_NUMBER"].filter((name) => !process.env[name]);
  const marker = arg("--marker");
  const bodyFile = arg("--body-file");
  if (missing.length > 0 || !marker || !bodyFile) {
    console.error(`usage: upsert-pr-comment.ts --marker TEXT --body-file FILE (needs ${["GITHUB_TOKEN", "GITHUB_REPOSITORY", "PR_NUMBER"].join(", ")}${missing.length ? `; missing: ${missing.join(", ")}` : ""})`);
    process.exit(2);
  }
  upsertComment({
    apiUrl: process.env.GITHUB_API_URL ?? "https://api.github.com",
    token: process.env.GITHUB_TOKEN!,
    repository: process.env.GITHUB_REPOSITORY!,
    pullRequest: Number(process.env.PR_NUMBER),
    marker,
    body: readFileSync(bodyFile, "utf8"),
  }).then(
    (result) => console.log(`comment ${result.action} (id ${result.id})`),
    (error: Error) => { console.error(error.message); process.exit(1); },
  );
}
