import { spawnSync } from "node:child_process";
import { SSMClient } from "@aws-sdk/client-ssm";
import { apiKeyDigest } from "../lambda/src/access/api-keys";
import { cdktfJsonContext } from "../stacks/settings";
import { clientKey, UsageError } from "../scripts/client-key";
import { FakeSsm } from "../testing/fake-ssm";
import { PROJECT_ROOT, TS_REGISTER } from "../testing/paths";

const context = cdktfJsonContext();
const withEnvironments = { ...context, environments: { dev: { domain: "ankify-dev.example.com" }, prod: { domain: "ankify.example.com", originProtection: "oac" } } };

describe("npm run client-key", () => {
  let ssm: FakeSsm;
  let endpoint: string;
  const regions: string[] = [];
  beforeAll(async () => {
    ssm = new FakeSsm(2);
    endpoint = await ssm.start();
  });
  afterAll(() => ssm.stop());
  beforeEach(() => ssm.parameters.clear());

  /** Runs the command as the CLI does, against the loopback SSM; returns what it printed. */
  async function run(argv: string[], ctx: Record<string, unknown> = context, env: Record<string, string> = {}) {
    const out: string[] = [];
    const notes: string[] = [];
    await clientKey(argv, env, ctx, { out: (l) => out.push(l), note: (l) => notes.push(l) }, (region) => {
      regions.push(region);
      return new SSMClient({ region, endpoint, credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" } });
    });
    return { out, notes };
  }

  it("adds a key: prints it once, stores only its SHA-256 as a SecureString under the stack's path", async () => {
    const { out, notes } = await run(["add", "laptop"]);
    expect(out).toHaveLength(1);
    const key = out[0]!;
    expect(key).toMatch(/^ank_[A-Za-z0-9_-]{43}$/);
    const stored = ssm.parameters.get("/ankify/ankify/client-keys/laptop")!;
    expect(stored.Type).toBe("SecureString");
    expect(stored.Value).toBe(apiKeyDigest(key));
    expect(JSON.stringify([...ssm.parameters.values()])).not.toContain(key);
    expect(notes.join("\n")).toContain("only time the key is shown");
    expect(regions.at(-1)).toBe("eu-west-1");
  });

  it("makes a different key every time", async () => {
    const [a, b] = [(await run(["add", "a"])).out[0], (await run(["add", "b"])).out[0]];
    expect(a).not.toBe(b);
  });

  it("lists names and dates across pages, never keys or digests", async () => {
    for (const name of ["phone", "ci", "laptop"]) await run(["add", name]);
    const { out } = await run(["list"]);
    expect(out.map((line) => line.split("\t")[0])).toEqual(["ci", "laptop", "phone"]);
    expect(out[0]).toMatch(/^ci\tadded \d{4}-\d{2}-\d{2}$/);
    for (const parameter of ssm.parameters.values()) expect(out.join("\n")).not.toContain(parameter.Value);
  });

  it("says so when there are no keys", async () => {
    expect(await run(["list"])).toEqual({ out: [], notes: [expect.stringMatching(/^No client keys under \/ankify\/ankify\/client-keys \(eu-west-1\)/)] });
  });

  it("revokes a key", async () => {
    await run(["add", "old"]);
    const { notes } = await run(["revoke", "old"]);
    expect(ssm.parameters.has("/ankify/ankify/client-keys/old")).toBe(false);
    expect(notes[0]).toContain("stops working within a minute");
  });

  it("works per environment, with its own path and protection mode", async () => {
    const { notes } = await run(["add", "laptop", "--env", "prod"], withEnvironments);
    expect([...ssm.parameters.keys()]).toEqual(["/ankify/ankify-prod/client-keys/laptop"]);
    expect(notes[1]).toContain('"x-api-key: <key>" (in oac mode');
  });

  it.each([
    [["add", "laptop"], "Client \"laptop\" already has a key under /ankify/ankify/client-keys (eu-west-1). Revoke it first"],
    [["revoke", "ghost"], 'No client named "ghost" under /ankify/ankify/client-keys (eu-west-1); see npm run client-key -- list.'],
    [["add", "my laptop"], '"my laptop" is not a client name'],
    [["add"], "usage: npm run client-key -- <add NAME | list | revoke NAME | usage [NAME] [--days N]> [--env ENV]"],
    [["rotate", "x"], "usage: npm run client-key -- <add NAME | list | revoke NAME | usage [NAME] [--days N]> [--env ENV]"],
    [["list", "--env"], "--env needs an environment name."],
    [["list", "--env", "dev"], '"dev" names an environment, but cdktf.json declares none'],
  ])("%j fails with a clear message", async (argv, message) => {
    await run(["add", "laptop"]);
    await expect(run(argv)).rejects.toThrow(expect.objectContaining({ constructor: UsageError, message: expect.stringContaining(message) }));
  });

  it.each([
    [["list"], withEnvironments, "Name the environment whose keys to manage: --env <dev|prod>."],
    [["list", "--env", "staging"], withEnvironments, '"staging" is not a declared environment; use one of: dev, prod.'],
    [["add", "x"], { ...context, clientAuth: "oauth" }, 'ankify uses ANKIFY_CLIENT_AUTH = "oauth": its function reads no API keys.'],
  ])("%j with another cdktf.json fails clearly", async (argv, ctx, message) => {
    await expect(run(argv, ctx)).rejects.toThrow(expect.objectContaining({ message: expect.stringContaining(message) }));
  });

  it("explains an access-denied answer", async () => {
    ssm.failWith = { status: 400, type: "AccessDeniedException", message: "User is not authorized" };
    try {
      await expect(run(["list"])).rejects.toThrow(/AWS refused: User is not authorized\. The command needs ssm:PutParameter, ssm:DescribeParameters and ssm:DeleteParameter/);
    } finally {
      ssm.failWith = undefined;
    }
  });

  it("as an npm command without AWS credentials, says how to get them in one line", () => {
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_") && !k.startsWith("ANKIFY_") && v !== undefined) clean[k] = v;
    const result = spawnSync(process.execPath, ["-r", TS_REGISTER, "scripts/client-key.ts", "list"], {
      cwd: PROJECT_ROOT, encoding: "utf8", timeout: 30_000,
      env: { ...clean, AWS_CONFIG_FILE: "/nonexistent", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent", AWS_EC2_METADATA_DISABLED: "true", AWS_ENDPOINT_URL_SSM: endpoint },
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n").filter((l) => !/NodeVersionSupportWarning|node >=22|AWS services|a\.co|trace-warnings|^$|versions published|will require|To continue|security updates/.test(l)))
      .toEqual(['No AWS credentials: the client-key command talks to SSM in eu-west-1. Set AWS_PROFILE, run "aws sso login" or "aws configure", then retry.']);
  });
});
