import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT, TS_REGISTER } from "../testing/paths";

/**
 * Runs the app as cdktf.json's "app" command does, in a child process (sucrase/register's transform,
 * cached on disk: testing/paths.ts TS_REGISTER).
 */
function runApp(env: Record<string, string>) {
  const outdir = mkdtempSync(join(tmpdir(), "ankify-out-"));
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("ANKIFY_") && value !== undefined) clean[key] = value;
  const result = spawnSync(process.execPath, ["-r", TS_REGISTER, "main.ts"], {
    cwd: PROJECT_ROOT,
    env: { ...clean, CDKTF_OUTDIR: outdir, ...env },
    encoding: "utf8",
  });
  return { ...result, outdir };
}

describe("the app command", () => {
  it("without terraform on the PATH, says so in one line with the fix, and no stack trace", () => {
    const noTerraform = mkdtempSync(join(tmpdir(), "ankify-path-"));
    try {
      symlinkSync(process.execPath, join(noTerraform, "node"));
      const run = runApp({ PATH: noTerraform });
      rmSync(run.outdir, { recursive: true, force: true });
      expect(run.status).toBe(1);
      expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^terraform is not on the PATH: cdktf asks it for its version while synthesizing\. Install Terraform 1\.10 or later \(macOS: brew install hashicorp\/tap\/terraform; .*\) and retry\.$/)]);
    } finally {
      rmSync(noTerraform, { recursive: true, force: true });
    }
  });

  it("warns in one line when client authentication is off, and still synthesizes", () => {
    const run = runApp({ ANKIFY_CLIENT_AUTH: "none" });
    try {
      expect(run.status).toBe(0);
      expect(run.stderr).toBe('warning: ankify: ANKIFY_CLIENT_AUTH = "none": anyone who finds https://ankify.example.com/mcp can build decks on your Amazon Polly bill.\n');
    } finally {
      rmSync(run.outdir, { recursive: true, force: true });
    }
  });

  it("synthesizes the ankify stack from cdktf.json defaults with no settings", () => {
    const run = runApp({});
    try {
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      const tf = JSON.parse(readFileSync(join(run.outdir, "stacks", "ankify", "cdk.tf.json"), "utf8"));
      expect(Object.keys(tf.resource)).toEqual(expect.arrayContaining(["aws_cloudfront_distribution", "aws_lambda_function"]));
    } finally {
      rmSync(run.outdir, { recursive: true, force: true });
    }
  });

  it("uses cdktf.json context passed by the CLI (CDKTF_CONTEXT_JSON) instead of reading the file", () => {
    const context = JSON.parse(readFileSync(join(PROJECT_ROOT, "cdktf.json"), "utf8")).context;
    const run = runApp({ CDKTF_CONTEXT_JSON: JSON.stringify({ ...context, domain: "cli.example.com" }) });
    try {
      expect(run.status).toBe(0);
      const tf = JSON.parse(readFileSync(join(run.outdir, "stacks", "ankify", "cdk.tf.json"), "utf8"));
      expect(tf.output.url.value).toBe("https://cli.example.com/mcp");
    } finally {
      rmSync(run.outdir, { recursive: true, force: true });
    }
  });

  it("in oac mode writes the bundled Lambda@Edge zip where the function's filename points", () => {
    const run = runApp({ ANKIFY_ORIGIN_PROTECTION: "oac" });
    try {
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      const stackDir = join(run.outdir, "stacks", "ankify");
      const tf = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8"));
      const edge = Object.values(tf.resource.aws_lambda_function as Record<string, Record<string, string>>).find((f) => f["function_name"]!.startsWith("ankify-content-sha256-"))!;
      const zip = readFileSync(join(stackDir, edge["filename"]!));
      expect(createHash("sha256").update(zip).digest("base64")).toBe(edge["source_code_hash"]);
    } finally {
      rmSync(run.outdir, { recursive: true, force: true });
    }
  });

  it("exits 1 on bad settings, printing one line per problem and no stack trace", () => {
    const run = runApp({ ANKIFY_ORIGIN_PROTECTION: "open", ANKIFY_ORIGIN_READ_TIMEOUT: "1000" });
    try {
      expect(run.status).toBe(1);
      expect(run.stderr.trim().split("\n")).toEqual([
        "Invalid Ankify settings:",
        '  - ANKIFY_ORIGIN_PROTECTION = "open" is not allowed; use one of: secret-header, oac.',
        `  - ANKIFY_ORIGIN_READ_TIMEOUT = 1000 is out of range; use an integer from 10 to 900 (unset: the smaller of 120 and CloudFront's "Response timeout per origin" quota, read at plan time; a value above that quota stops the plan).`,
      ]);
      // The README shows this very output (npm run synth prints the app's message as it is).
      const doc = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
      expect(doc).toContain("$ ANKIFY_ORIGIN_READ_TIMEOUT=1000 ANKIFY_ORIGIN_PROTECTION=open npm run synth\n");
      expect(doc).toContain(`\n\n${run.stderr.trim()}\n\`\`\`\n`);
    } finally {
      rmSync(run.outdir, { recursive: true, force: true });
    }
  });
});
