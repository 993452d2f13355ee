import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { SSMClient } from "@aws-sdk/client-ssm";
import { checkOrigin } from "../../lambda/src/access/origin-guard";
import {
  ORIGIN_SECRET_CACHE_MS,
  ORIGIN_SECRET_RECHECK_MS,
  SsmOriginSecrets,
  StaticOriginSecrets,
} from "../../lambda/src/access/origin-secrets";
import { ConfigError, loadConfig } from "../../lambda/src/config";
import { newSecret } from "../../testing/function/harness";
import { FakeSsm } from "../../testing/fake-ssm";
import { TS_REGISTER } from "../../testing/paths";

/**
 * The origin secret in SSM (secret-header mode, deployed): the function holds only the two
 * parameters' names, reads both, keeps them at most a minute, and re-reads early (at most every 5 s)
 * when CloudFront presents a value it does not know yet. SSM is the loopback fake speaking SSM's
 * protocol; time is a variable the test moves, never a sleep.
 */
const CURRENT = "/ankify/ankify-test/origin-secret/current";
const PREVIOUS = "/ankify/ankify-test/origin-secret/previous";
const secretHeader = { originProtection: "secret-header" as const, originSecrets: [] };
const request = (value?: string) => new Request("https://abc.lambda-url.eu-west-1.on.aws/mcp", { method: "POST", headers: value === undefined ? {} : { "x-origin-verify": value } });

let ssm: FakeSsm;
let client: SSMClient;
let clock: number;
beforeEach(async () => {
  ssm = new FakeSsm();
  client = new SSMClient({ endpoint: await ssm.start(), region: "eu-west-1", credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" }, maxAttempts: 1 });
  clock = 1_000_000;
});
afterEach(async () => {
  client.destroy();
  await ssm.stop();
});
const guard = (options: { timeoutMs?: number } = {}) =>
  new SsmOriginSecrets(client, { current: CURRENT, previous: PREVIOUS }, { now: () => clock, ...options });
const status = async (secrets: SsmOriginSecrets | StaticOriginSecrets, value?: string) => (await checkOrigin(request(value), secretHeader, secrets))?.status ?? "passed";

describe("SsmOriginSecrets", () => {
  it("reads both parameters on the first request (current, then previous, decrypted) and lets either value through", async () => {
    const [a, b] = [newSecret(), newSecret()];
    ssm.put(CURRENT, a);
    ssm.put(PREVIOUS, b);
    const secrets = guard();
    expect(await status(secrets, a)).toBe("passed");
    expect(await status(secrets, b)).toBe("passed");
    expect(ssm.gets).toEqual([CURRENT, PREVIOUS]);
  });

  it("refuses a missing or unknown value with 403, re-reading SSM only for a value, and only if its copy is 5 s old", async () => {
    ssm.put(CURRENT, newSecret());
    ssm.put(PREVIOUS, newSecret());
    const secrets = guard();
    expect(await status(secrets, undefined)).toBe(403);
    expect(ssm.gets).toHaveLength(2);
    clock += ORIGIN_SECRET_RECHECK_MS;
    expect(await status(secrets, undefined)).toBe(403); // no header: never a rotation, never a read
    expect(await status(secrets, "")).toBe(403);
    expect(ssm.gets).toHaveLength(2);
    expect(await status(secrets, newSecret())).toBe(403); // a value: one re-read, then 403
    expect(ssm.gets).toHaveLength(4);
    clock += ORIGIN_SECRET_RECHECK_MS - 1;
    for (let i = 0; i < 20; i++) expect(await status(secrets, newSecret())).toBe(403);
    expect(ssm.gets).toHaveLength(4); // a flood of wrong values costs at most one read per 5 s
    clock += 1;
    expect(await status(secrets, newSecret())).toBe(403);
    expect(ssm.gets).toHaveLength(6);
  });

  it("accepts a value rotated after its copy was read: CloudFront may send it before the copy expires", async () => {
    const [v1, v2, v3] = [newSecret(), newSecret(), newSecret()];
    ssm.put(CURRENT, v2);
    ssm.put(PREVIOUS, v1);
    const secrets = guard();
    expect(await status(secrets, v2)).toBe("passed");
    // The stack's rotation writes previous first, then current, then changes CloudFront.
    ssm.put(PREVIOUS, v2);
    ssm.put(CURRENT, v3);
    clock += 10_000;
    expect(await status(secrets, v2)).toBe("passed"); // what CloudFront sent until now: from the cache
    expect(ssm.gets).toHaveLength(2);
    expect(await status(secrets, v3)).toBe("passed"); // the new value: re-read once, accepted
    expect(ssm.gets).toHaveLength(4);
    expect(await status(secrets, v2)).toBe("passed");
    expect(await status(secrets, v1)).toBe(403); // two rotations back: retired
  });

  it("re-reads within a minute, so a value rotated out stops working without any request asking", async () => {
    const [v1, v2, v3] = [newSecret(), newSecret(), newSecret()];
    ssm.put(CURRENT, v2);
    ssm.put(PREVIOUS, v1);
    const secrets = guard();
    expect(await status(secrets, v1)).toBe("passed");
    ssm.put(PREVIOUS, v2);
    ssm.put(CURRENT, v3);
    clock += ORIGIN_SECRET_CACHE_MS - 1;
    expect(await status(secrets, v1)).toBe("passed"); // the copy is still fresh
    expect(ssm.gets).toHaveLength(2);
    clock += 1;
    expect(await status(secrets, v1)).toBe(403); // expired: read again, v1 is gone
    expect(ssm.gets).toHaveLength(4);
  });

  it("answers 503, never a pass, when SSM hangs: the read has a timeout", async () => {
    ssm.hang = true;
    const secrets = guard({ timeoutMs: 200 });
    const refused = await checkOrigin(request(newSecret()), secretHeader, secrets);
    expect(refused?.status).toBe(503);
    expect(refused?.headers.get("retry-after")).toBe("5");
    expect(await refused!.json()).toEqual({ jsonrpc: "2.0", error: { code: -32603, message: "The origin secret could not be read; try again shortly." }, id: null });
  }, 30_000);

  it.each([
    ["AccessDeniedException", () => (ssm.failWith = { status: 400, type: "AccessDeniedException", message: "not authorized to perform: ssm:GetParameter" })],
    ["ParameterNotFound", () => ssm.parameters.clear()],
    ["a value too short to be a secret", () => ssm.put(CURRENT, "short")],
  ])("answers 503 when SSM answers %s, and asks again at most once a second", async (_label, breakIt) => {
    ssm.put(CURRENT, newSecret());
    ssm.put(PREVIOUS, newSecret());
    breakIt();
    const secrets = guard();
    expect(await status(secrets, newSecret())).toBe(503);
    const reads = ssm.calls.length;
    expect(await status(secrets, newSecret())).toBe(503);
    expect(ssm.calls.length).toBe(reads);
    clock += 1000;
    expect(await status(secrets, newSecret())).toBe(503);
    expect(ssm.calls.length).toBeGreaterThan(reads);
  });

  it("reads once for requests that arrive together", async () => {
    const a = newSecret();
    ssm.put(CURRENT, a);
    ssm.put(PREVIOUS, newSecret());
    const secrets = guard();
    expect(await Promise.all(Array.from({ length: 10 }, () => status(secrets, a)))).toEqual(Array(10).fill("passed"));
    expect(ssm.gets).toEqual([CURRENT, PREVIOUS]);
  });
});

describe("the dev server's secrets (ANKIFY_ORIGIN_SECRET, this machine only)", () => {
  it("are compared as given, current and previous, with no re-read", async () => {
    const [a, b] = [newSecret(), newSecret()];
    const secrets = new StaticOriginSecrets([a, b]);
    expect(await status(secrets, a)).toBe("passed");
    expect(await status(secrets, b)).toBe("passed");
    expect(await status(secrets, newSecret())).toBe(403);
  });
});

describe("loadConfig: where the origin secret comes from", () => {
  const base = { ANKIFY_ORIGIN_PROTECTION: "secret-header", ANKIFY_DECK_BUCKET: "b", ANKIFY_CLIENT_AUTH: "none" };

  it("takes the two parameters' names (what the stack sets), and no secret", () => {
    const config = loadConfig({ ...base, ANKIFY_ORIGIN_SECRET_PARAMETER: CURRENT, ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER: PREVIOUS });
    expect(config.originSecretParameters).toEqual({ current: CURRENT, previous: PREVIOUS });
    expect(config.originSecrets).toEqual([]);
  });

  it.each([
    [{ ANKIFY_ORIGIN_SECRET_PARAMETER: "origin secret" }, 'ANKIFY_ORIGIN_SECRET_PARAMETER = "origin secret" must be an SSM parameter name like "/ankify/ankify/origin-secret/current".'],
    [{ ANKIFY_ORIGIN_SECRET_PARAMETER: CURRENT, ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER: "/x//y" }, 'ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER = "/x//y" must be an SSM parameter name like "/ankify/ankify/origin-secret/previous".'],
    [{ ANKIFY_ORIGIN_SECRET_PARAMETER: CURRENT, ANKIFY_ORIGIN_SECRET: "s".repeat(32) }, "Set either ANKIFY_ORIGIN_SECRET_PARAMETER (a deployed function: the secret stays in SSM) or ANKIFY_ORIGIN_SECRET (the dev server), not both."],
    [{ ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER: PREVIOUS }, "ANKIFY_ORIGIN_SECRET_PARAMETER is not set; secret-header mode needs the SSM parameter that holds the value CloudFront sends in x-origin-verify (or, on the dev server, ANKIFY_ORIGIN_SECRET)."],
  ])("refuses %j", (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(new ConfigError([message]));
  });

  it("in Lambda refuses a secret in the environment: the function answers 500 and logs why", () => {
    const event = JSON.stringify({ rawPath: "/", headers: {}, requestContext: { http: { method: "GET" } } });
    const secret = newSecret();
    const run = spawnSync(process.execPath, ["-r", TS_REGISTER, "testing/function/stream-probe.js", "./lambda/src/index.ts", event, JSON.stringify({ awsRequestId: "req-7" })], {
      cwd: join(__dirname, "..", ".."), encoding: "utf8",
      env: { PATH: process.env["PATH"], ...base, ANKIFY_ORIGIN_SECRET: secret, AWS_REGION: "eu-west-1" },
    });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).statusCode).toBe(500);
    const logged = JSON.parse(run.stderr.split("\n").find((l) => l.includes("config.invalid"))!);
    expect(logged.problems).toEqual([
      "ANKIFY_ORIGIN_SECRET holds the secret itself, which only the dev server on this machine may take: a deployed function reads it from SSM. Set ANKIFY_ORIGIN_SECRET_PARAMETER and ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER to the parameters' names instead.",
    ]);
    expect(run.stderr + run.stdout).not.toContain(secret);
  }, 30_000);
});
