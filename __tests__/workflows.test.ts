import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../testing/paths";

const dir = join(PROJECT_ROOT, ".github", "workflows");
const files = readdirSync(dir).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));
type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string; id?: string };
type Job = { steps: Step[]; permissions?: Record<string, string>; environment?: string; strategy?: Record<string, unknown>; if?: string };
type Workflow = { on: Record<string, unknown>; permissions?: Record<string, string>; concurrency?: { group: string; "cancel-in-progress": boolean }; jobs: Record<string, Job> };
const workflows: Record<string, Workflow> = Object.fromEntries(files.map((f) => [f, parse(readFileSync(join(dir, f), "utf8")) as Workflow]));
/** hashicorp/setup-terraform v4.0.1 (tag checked in the action's repository; node24 runtime). */
const SETUP_TERRAFORM_SHA = "dfe3c3f87815947d99a8997f908cb6525fc44e9e";
const TERRAFORM_VERSION = "1.11.4";
const steps = (wf: Workflow) => Object.values(wf.jobs).flatMap((job) => job.steps);

describe("workflow files", () => {
  it("are the plan and deploy workflows", () => {
    expect(files.sort()).toEqual(["deploy.yml", "plan.yml"]);
  });

  it.each(files)("%s pins every action to a full commit SHA", (file) => {
    const uses = steps(workflows[file]!).flatMap((s) => (s.uses ? [s.uses] : []));
    expect(uses.length).toBeGreaterThan(0);
    for (const use of uses) expect(use).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
  });

  it.each(files)("%s runs only scripts that exist in the repository", (file) => {
    const runs = steps(workflows[file]!).flatMap((s) => (s.run ? [s.run] : []));
    const referenced = runs.flatMap((run) => [...run.matchAll(/(?:bash|sucrase\/register)\s+([\w./-]+\.(?:sh|ts)|\.ci\/run)/g)].map((m) => m[1]!));
    expect(referenced.length).toBeGreaterThan(0);
    for (const path of referenced) expect(existsSync(join(PROJECT_ROOT, path))).toBe(true);
    const scripts = (JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    for (const run of runs) for (const m of run.matchAll(/npm run (?:--silent )?([\w:-]+)/g)) expect(Object.keys(scripts)).toContain(m[1]);
  });

  it.each(files)("%s gets AWS credentials only from OIDC, with no stored keys", (file) => {
    const text = readFileSync(join(dir, file), "utf8");
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
    const aws = steps(workflows[file]!).filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    expect(aws).toHaveLength(1);
    expect(aws[0]!.with!["role-to-assume"]).toMatch(/^\$\{\{ vars\.ANKIFY_(PLAN|DEPLOY)_ROLE_ARN \}\}$/);
    const job = Object.values(workflows[file]!.jobs).find((j) => j.steps.includes(aws[0]!))!;
    expect(job.permissions).toEqual(expect.objectContaining({ "id-token": "write" }));
  });

  it("plan: runs on pull requests, one run per PR at a time, tests before planning each stack", () => {
    const plan = workflows["plan.yml"]!;
    expect(Object.keys(plan.on)).toEqual(["pull_request"]);
    expect(plan.concurrency).toEqual({ group: "plan-${{ github.event.pull_request.number }}", "cancel-in-progress": true });
    expect(plan.permissions).toEqual({ contents: "read" });
    expect(plan.jobs["test"]!.steps.map((s) => s.run)).toContain("bash .ci/run");
    const job = plan.jobs["plan"]!;
    expect((job as unknown as { needs: string }).needs).toBe("test");
    expect(job.strategy).toEqual(expect.objectContaining({ "fail-fast": false, matrix: { target: "${{ fromJSON(needs.test.outputs.stacks) }}" } }));
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
    const runs = job.steps.map((s) => s.run ?? "");
    expect(runs.some((r) => r.startsWith("bash scripts/ci-plan.sh"))).toBe(true);
    expect(runs.some((r) => r.includes("scripts/upsert-pr-comment.ts"))).toBe(true);
    expect(job.steps.at(-1)!.if).toBe("steps.plan.outputs.status != '0'");
  });

  it("deploy: runs on merge to main, stack after stack, each behind its GitHub environment", () => {
    const deploy = workflows["deploy.yml"]!;
    expect(deploy.on).toEqual(expect.objectContaining({ push: { branches: ["main"] } }));
    expect(deploy.concurrency).toEqual({ group: "deploy", "cancel-in-progress": false });
    const job = deploy.jobs["deploy"]!;
    expect(job.environment).toBe("${{ matrix.target.stack }}");
    expect(job.strategy).toEqual(expect.objectContaining({ "max-parallel": 1, "fail-fast": true }));
    expect(job.steps.map((s) => s.run)).toContain("npm run deploy -- $ENVIRONMENT --auto-approve");
  });

  // GitHub's Ubuntu images stopped shipping Terraform (actions/runner-images#9848), and cdktf asks
  // `terraform version` while synthesizing: a job that synthesizes without installing it fails.
  it.each(files)("%s installs Terraform (pinned setup-terraform) before every step that synthesizes", (file) => {
    const synthesizing = /(^|\s)(bash \.ci\/run|npm run (synth|diff|deploy|destroy)\b|bash scripts\/(ci-plan|validate)\.sh|node [^\n]*main\.ts)/;
    let jobsThatSynthesize = 0;
    for (const [name, job] of Object.entries(workflows[file]!.jobs)) {
      const first = job.steps.findIndex((s) => synthesizing.test(s.run ?? ""));
      if (first < 0) continue;
      jobsThatSynthesize++;
      const setup = job.steps.findIndex((s) => (s.uses ?? "").startsWith("hashicorp/setup-terraform@"));
      expect({ job: name, installsTerraformFirst: setup >= 0 && setup < first }).toEqual({ job: name, installsTerraformFirst: true });
      expect(job.steps[setup]!.uses).toBe(`hashicorp/setup-terraform@${SETUP_TERRAFORM_SHA}`);
      expect(job.steps[setup]!.with).toEqual({ terraform_version: TERRAFORM_VERSION, terraform_wrapper: false });
    }
    expect(jobsThatSynthesize).toBe(2);
  });

  it.each(files)("%s runs every job on Node 22 (Node 20 reached end of life on 30 April 2026)", (file) => {
    for (const job of Object.values(workflows[file]!.jobs)) {
      const setups = job.steps.filter((s) => (s.uses ?? "").startsWith("actions/setup-node@"));
      expect(setups).toHaveLength(1);
      expect(setups[0]!.with).toEqual(expect.objectContaining({ "node-version": 22 }));
    }
  });

  it("never passes matrix or PR values into a shell script inline (they go through env)", () => {
    for (const wf of Object.values(workflows)) {
      for (const step of steps(wf)) expect(step.run ?? "").not.toMatch(/\$\{\{\s*(matrix|github\.event)\./);
    }
  });
});
