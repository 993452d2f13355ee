import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../testing/paths";

/** Runs scripts/ci-plan.sh for the default stack with the replaying terraform first on PATH. */
function ciPlan(fail?: "init" | "plan") {
  const work = mkdtempSync(join(tmpdir(), "ankify-ci-plan-"));
  const bin = join(work, "bin");
  mkdirSync(bin);
  symlinkSync(join(PROJECT_ROOT, "testing", "terraform-replay.sh"), join(bin, "terraform"));
  const output = join(work, "github-output");
  writeFileSync(output, "");
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith("ANKIFY_")) env[key] = value;
  const run = spawnSync("bash", ["scripts/ci-plan.sh", "ankify", "", join(work, "out")], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    env: {
      ...env, PATH: `${bin}:${process.env.PATH}`, REPLAY_DIR: join(PROJECT_ROOT, "__tests__", "fixtures"), REPLAY_FAIL: fail ?? "",
      CDKTF_OUTDIR: join(work, "cdktf.out"), GITHUB_OUTPUT: output,
      GITHUB_RUN_ID: "99", GITHUB_REPOSITORY: "acme/ankify", GITHUB_SERVER_URL: "https://github.com",
    },
  });
  const read = (name: string) => readFileSync(join(work, "out", name), "utf8");
  return { run, work, read, output: readFileSync(output, "utf8"), exists: (name: string) => existsSync(join(work, "out", name)) };
}

describe("scripts/ci-plan.sh", () => {
  describe("when init and plan succeed", () => {
    // One run serves both checks: each run synthesizes the app and renders a comment in new processes.
    let result: ReturnType<typeof ciPlan>;
    beforeAll(() => (result = ciPlan()));
    afterAll(() => rmSync(result.work, { recursive: true, force: true }));

    it("synthesizes, plans and writes the comment, reporting status 0", () => {
      expect(result.run.status).toBe(0);
      expect(result.output).toBe("status=0\n");
      const comment = result.read("comment.md");
      expect(comment.startsWith("<!-- ankify-plan:ankify -->\n### ⚠️ `ankify`: **2** to add, **1** to change, **2** to destroy ([run](https://github.com/acme/ankify/actions/runs/99))")).toBe(true);
      expect(comment).not.toContain("FIXTUREsecretVALUEthatMustNeverBePrinted0123456");
    });

    it("deletes the JSON plan, which holds sensitive values in clear", () => {
      expect(result.exists("comment.md")).toBe(true);
      expect(result.exists("plan.json")).toBe(false);
    });
  });

  it.each(["init", "plan"] as const)("still writes a comment when %s fails, and reports the failure", (step) => {
    const result = ciPlan(step);
    try {
      expect(result.run.status).toBe(0);
      expect(result.output).toBe("status=1\n");
      const comment = result.read("comment.md");
      expect(comment).toContain("### ❌ `ankify`: plan failed");
      expect(comment).toContain("Error acquiring the state lock");
    } finally {
      rmSync(result.work, { recursive: true, force: true });
    }
  });
});
