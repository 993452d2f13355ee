// The plumbing every npm script shares: the quiet environment they preload, and npm test's preflight.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { devNull, tmpdir } from "node:os";
import { join } from "node:path";

const PROJECT_ROOT = join(__dirname, "..");

describe("the npm scripts' quiet environment (scripts/quiet-env.js)", () => {
  /** The variables a child process sees after preloading quiet-env.js, from a given environment. */
  const seen = (env: Record<string, string>) => {
    const base: Record<string, string> = { PATH: process.env["PATH"]! };
    const run = spawnSync(process.execPath, ["-r", join(PROJECT_ROOT, "scripts", "quiet-env.js"), "-p",
      "JSON.stringify({ c: process.env.CHECKPOINT_DISABLE, a: process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED, t: process.env.TF_CLI_CONFIG_FILE })"],
    { env: { ...base, ...env }, encoding: "utf8" });
    return JSON.parse(run.stdout) as { c?: string; a?: string; t?: string };
  };

  it("turns off cdktf's checkpoint calls and the SDK's Node-version notice, unless set otherwise", () => {
    expect(seen({})).toEqual({ c: "1", a: "true" });
    expect(seen({ CHECKPOINT_DISABLE: "0" }).c).toBe("0");
  });

  it("points a TF_CLI_CONFIG_FILE that names a missing file at an empty one, and keeps one that exists", () => {
    expect(seen({ TF_CLI_CONFIG_FILE: join(tmpdir(), "no-such-dir", ".terraformrc") }).t).toBe(devNull);
    const real = join(PROJECT_ROOT, "cdktf.json");
    expect(seen({ TF_CLI_CONFIG_FILE: real }).t).toBe(real);
  });
});

describe("npm test's preflight (scripts/preflight.js)", () => {
  it("passes quietly on a machine with every tool", () => {
    const run = spawnSync(process.execPath, [join(PROJECT_ROOT, "scripts", "preflight.js")], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("names each missing tool in one line with the command that installs it, and exits 1", () => {
    // A PATH with node and nothing else.
    const bare = mkdtempSync(join(tmpdir(), "ankify-path-"));
    try {
      symlinkSync(process.execPath, join(bare, "node"));
      const run = spawnSync(join(bare, "node"), [join(PROJECT_ROOT, "scripts", "preflight.js")], { encoding: "utf8", env: { PATH: bare } });
      expect(run.status).toBe(1);
      const lines = run.stderr.trim().split("\n");
      expect(lines).toHaveLength(5);
      const installs = process.platform === "darwin"
        ? ["brew install hashicorp/tap/terraform", "brew install espeak-ng", "brew install sox", "brew install --cask chromium", "brew install python"]
        : ["https://developer.hashicorp.com/terraform/install#linux", "sudo apt-get install espeak-ng", "sudo apt-get install sox", "sudo apt-get install chromium", "sudo apt-get install python3"];
      ["terraform", "espeak-ng", "sox", "chromium", "python3"].forEach((tool, i) => {
        expect(lines[i]).toMatch(new RegExp(`^preflight: ${tool}[^:]* is missing \\(.+\\): `));
        expect(lines[i]).toContain(installs[i]);
      });
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});
