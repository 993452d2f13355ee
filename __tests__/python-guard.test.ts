/**
 * The Python guard's own suite (examples/python, standard-library unittest), run by `npm test`: one
 * jest test per Python test, so jest's counts include them and a failure shows unittest's report.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../testing/paths";

const COMMAND = ["-m", "unittest", "discover", "-s", "examples/python", "-v"];
const run = spawnSync("python3", COMMAND, {
  cwd: PROJECT_ROOT, encoding: "utf8", timeout: 120_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
});
// unittest -v reports each test as "test_name (module.Class.test_name) ... ok|FAIL|ERROR|skipped …".
const outcomes = [...run.stderr.matchAll(/^(test\w*) \(([\w.]+?)(?:\.test\w*)?\)(?:\n[^\n]*?)? \.\.\. (ok|FAIL|ERROR|skipped|expected failure|unexpected success)/gm)]
  .map((m) => [`${m[2]}.${m[1]}`, m[3]!] as const);
const report = `python3 ${COMMAND.join(" ")}\n${run.error?.message ?? ""}${run.stdout}${run.stderr}`;

describe("python3 -m unittest discover -s examples/python", () => {
  it("runs, finds the tests and passes", () => {
    if (run.status !== 0 || outcomes.length === 0) throw new Error(`exit ${run.status ?? run.signal}, ${outcomes.length} tests found:\n${report}`);
    expect(run.stderr).toMatch(new RegExp(`^Ran ${outcomes.length} tests? in`, "m"));
  });

  if (outcomes.length > 0) {
    it.each(outcomes)("%s", (_name, outcome) => {
      if (outcome !== "ok") throw new Error(`${outcome}\n${report}`);
    });
  }
});

describe("the example image (examples/python/Dockerfile)", () => {
  const dir = join(PROJECT_ROOT, "examples", "python");
  const dockerfile = readFileSync(join(dir, "Dockerfile"), "utf8");
  const copied = /^COPY (.+) \$\{LAMBDA_TASK_ROOT\}\/$/m.exec(dockerfile)?.[1]?.split(" ") ?? [];

  it("builds on the Lambda Python base image, pinned by tag and digest", () => {
    expect(dockerfile).toMatch(/^FROM public\.ecr\.aws\/lambda\/python:3\.\d+@sha256:[0-9a-f]{64}$/m);
  });

  it("copies every local module the handler needs, and the build context holds them", () => {
    const needed = new Set<string>();
    const visit = (file: string) => {
      if (needed.has(file)) return;
      needed.add(file);
      for (const [, from, plain] of readFileSync(join(dir, file), "utf8").matchAll(/^(?:from (\w+) import|import (\w+))/gm)) {
        const module = `${from ?? plain}.py`;
        if (existsSync(join(dir, module))) visit(module);
      }
    };
    visit("handler.py");
    expect(copied.sort()).toEqual([...needed].sort());
    const ignore = readFileSync(join(dir, ".dockerignore"), "utf8");
    for (const file of needed) expect(ignore).toContain(`!${file}`);
  });

  it("runs handler.handler, which handler.py defines", () => {
    expect(dockerfile).toMatch(/^CMD \["handler\.handler"\]$/m);
    expect(readFileSync(join(dir, "handler.py"), "utf8")).toMatch(/^def handler\(event: dict, context: object\) -> dict:$/m);
  });
});
