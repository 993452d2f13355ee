import { spawnSync } from "node:child_process";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoUsageStore } from "../lambda/src/storage/usage-table";
import { cdktfJsonContext } from "../stacks/settings";
import { clientKey, UsageError } from "../scripts/client-key";
import { usageReport } from "../scripts/usage-report";
import { FakeDynamoDb } from "../testing/fake-dynamodb";
import { PROJECT_ROOT, TS_REGISTER } from "../testing/paths";

const context = cdktfJsonContext();
const withEnvironments = { ...context, environments: { dev: { domain: "ankify-dev.example.com" }, prod: { domain: "ankify.example.com", clientAuth: "oauth" } } };
const day = (daysAgo: number, now = Date.now()) => new Date(now - daysAgo * 86_400_000).toISOString().slice(0, 10);

describe("npm run client-key -- usage", () => {
  let fake: FakeDynamoDb;
  let endpoint: string;
  const regions: string[] = [];
  const client = (region = "eu-west-1") => new DynamoDBClient({ region, endpoint, credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" }, maxAttempts: 1 });

  /** What the function writes: reservations and settlements, through its own store. */
  async function seed(table: string, entries: Array<[string, number, number, { decks: number; spoken: number; cached: number }]>) {
    const store = new DynamoUsageStore(client(), table);
    for (const [name, daysAgo, characters, counts] of entries) {
      await store.reserve(name, day(daysAgo), characters, 1_000_000);
      await store.settle(name, day(daysAgo), { refund: 0, decks: counts.decks, clipsSpoken: counts.spoken, clipsCached: counts.cached });
    }
  }

  beforeAll(async () => {
    fake = new FakeDynamoDb(2); // two items a page: every listing pages
    endpoint = await fake.start();
  });
  afterAll(() => fake.stop());
  beforeEach(async () => {
    fake.tables.clear();
    fake.createTable("ankify-usage", "pk", "sk");
    fake.createTable("ankify-prod-usage", "pk", "sk");
    await seed("ankify-usage", [
      ["laptop", 0, 12_345, { decks: 3, spoken: 40, cached: 10 }],
      ["laptop", 1, 1_000, { decks: 1, spoken: 5, cached: 0 }],
      ["phone", 0, 200, { decks: 2, spoken: 2, cached: 8 }],
      ["laptop", 30, 99_999, { decks: 9, spoken: 99, cached: 9 }],
    ]);
  });

  async function run(argv: string[], ctx: Record<string, unknown> = context) {
    const out: string[] = [];
    const notes: string[] = [];
    await clientKey(argv, {}, ctx, { out: (l) => out.push(l), note: (l) => notes.push(l) }, () => { throw new Error("usage must not call SSM"); }, (region) => {
      regions.push(region);
      return client(region);
    });
    return { out, notes };
  }

  it("prints characters, decks, clips spoken and cached per client per day, and a total, from the stack's table", async () => {
    const { out, notes } = await run(["usage"]);
    expect(out).toEqual([
      "client  day         characters  decks  clips spoken  clips cached",
      `laptop  ${day(1)}       1,000      1             5             0`,
      `laptop  ${day(0)}      12,345      3            40            10`,
      `phone   ${day(0)}         200      2             2             8`,
      "total                   13,545      6            47            18",
    ]);
    expect(notes).toEqual([`Usage ${day(6)} to ${day(0)} (UTC) from ankify-usage, every client; the limit is 200,000 characters per client per day.`]);
    expect(regions.at(-1)).toBe("eu-west-1");
    expect(fake.calls).toContain("Scan");
  });

  it("shows one client with NAME, and further back with --days", async () => {
    fake.calls.length = 0;
    const { out } = await run(["usage", "laptop", "--days", "31"]);
    expect(out.slice(1, -1).map((line) => line.split(/\s+/).slice(0, 3))).toEqual([["laptop", day(30), "99,999"], ["laptop", day(1), "1,000"], ["laptop", day(0), "12,345"]]);
    expect(out.at(-1)).toMatch(/^total\s+113,344\s+13\s+144\s+19$/);
    expect(fake.calls).toEqual(["Query", "Query"]);
  });

  it("says so when there is nothing to show", async () => {
    expect(await run(["usage", "tablet"])).toEqual({ out: [], notes: [expect.stringContaining('client "tablet"'), 'No usage by "tablet" in those days.'] });
  });

  it("reads the environment's own table, in any client authentication mode", async () => {
    await seed("ankify-prod-usage", [["0b4e-7c1a-user", 0, 77, { decks: 1, spoken: 1, cached: 0 }]]);
    const { out } = await run(["usage", "--env", "prod"], withEnvironments);
    expect(out[1]).toMatch(/^0b4e-7c1a-user\s+\d{4}-\d\d-\d\d\s+77\s+1\s+1\s+0$/);
  });

  it("counts whole days back from today, UTC", async () => {
    const now = Date.parse("2026-12-01T00:30:00Z");
    const report = await usageReport(client(), { table: "ankify-usage", days: 2, dailyCharacters: 0 }, now);
    expect(report.heading).toBe("Usage 2026-11-30 to 2026-12-01 (UTC) from ankify-usage, every client; no daily limit.");
  });

  it.each([
    [["usage", "--days", "0"], "--days needs a whole number of days from 1 to 400 (the table keeps 400 days), not \"0\"."],
    [["usage", "--days", "401"], "--days needs a whole number of days from 1 to 400"],
    [["usage", "--days"], "--days needs a whole number of days from 1 to 400 (the table keeps 400 days), not \"\"."],
    [["usage", "a", "b"], "usage: npm run client-key -- <add NAME | list | revoke NAME | usage [NAME] [--days N]> [--env ENV]"],
    [["list", "--days", "3"], "--days is for the usage command."],
  ])("%j fails with a clear message", async (argv, message) => {
    await expect(run(argv)).rejects.toThrow(expect.objectContaining({ constructor: UsageError, message: expect.stringContaining(message) }));
  });

  it("explains a missing table and a refusal", async () => {
    fake.tables.delete("ankify-usage");
    await expect(run(["usage"])).rejects.toThrow("No usage table ankify-usage in eu-west-1: deploy ankify first");
    fake.failWith = { status: 400, type: "AccessDeniedException", message: "User is not authorized to perform: dynamodb:Scan" };
    try {
      await expect(run(["usage"])).rejects.toThrow("AWS refused: User is not authorized to perform: dynamodb:Scan. The usage command needs dynamodb:Query and dynamodb:Scan on the table ankify-usage (eu-west-1).");
    } finally {
      fake.failWith = undefined;
    }
  });

  it("as an npm command without AWS credentials, says how to get them in one line", () => {
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_") && !k.startsWith("ANKIFY_") && v !== undefined) clean[k] = v;
    const result = spawnSync(process.execPath, ["-r", TS_REGISTER, "scripts/client-key.ts", "usage"], {
      cwd: PROJECT_ROOT, encoding: "utf8", timeout: 30_000,
      env: { ...clean, AWS_CONFIG_FILE: "/nonexistent", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent", AWS_EC2_METADATA_DISABLED: "true", AWS_ENDPOINT_URL_DYNAMODB: endpoint },
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n").filter((l) => !/NodeVersionSupportWarning|node >=22|AWS services|a\.co|trace-warnings|^$|versions published|will require|To continue|security updates/.test(l)))
      .toEqual(['No AWS credentials: the client-key command talks to DynamoDB in eu-west-1. Set AWS_PROFILE, run "aws sso login" or "aws configure", then retry.']);
  });
});
