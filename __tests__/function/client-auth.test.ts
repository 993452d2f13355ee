import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SSMClient } from "@aws-sdk/client-ssm";
import { apiKeyDigest, KEY_CACHE_MS, newApiKey, SsmApiKeyStore } from "../../lambda/src/access/api-keys";
import { createClientGate } from "../../lambda/src/access/client-auth";
import { findDigest, sha256 } from "../../lambda/src/access/constant-time";
import { devOptionsFromEnv } from "../../lambda/src/dev-server";
import { namesListedFor, namesRead } from "../../testing/env-names";
import { FakeSsm } from "../../testing/fake-ssm";
import { ERAS, newSecret, readApkg, runDevServer, type Running } from "../../testing/function/harness";
import { captureLog } from "../../testing/function/log-capture";
import { startOAuthServer, type OAuthServer } from "../../testing/function/oauth";
import { PROJECT_ROOT } from "../../testing/paths";

const AUDIENCE = "https://ankify.test/mcp";
const mcpPost = (url: string, headers: Record<string, string>, body: unknown = { jsonrpc: "2.0", id: 1, method: "tools/list" }) =>
  fetch(`${url}/mcp`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, body: JSON.stringify(body) });

describe("oauth mode: a real authorization server (oidc-provider) issues the tokens", () => {
  let oauth: OAuthServer;
  let run: Running;
  let origin: Record<string, string>;
  beforeAll(async () => {
    oauth = await startOAuthServer();
    run = await runDevServer({ clientAuth: { mode: "oauth", issuer: oauth.issuer, audience: AUDIENCE, scope: "decks" } });
    origin = { "x-origin-verify": run.secrets[0]! };
  });
  afterAll(async () => {
    await run.stop();
    await oauth.stop();
  });
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (overrides: Record<string, unknown> = {}) => ({
    iss: oauth.issuer, aud: AUDIENCE, scope: "decks", client_id: "ankify-test", sub: "ankify-test", iat: now() - 10, exp: now() + 600, ...overrides,
  });

  it.each(ERAS)("lets the official %s client in with a valid token, and builds a deck", async (era) => {
    const token = await oauth.issueToken(AUDIENCE, "decks");
    const client = await run.client({ era, auth: { authorization: `Bearer ${token}` } });
    const result = await client.callTool({ name: "create_deck", arguments: { deck_name: `OAuth ${era}`, cards: [{ front: "uno", back: "one" }], audio: "none" } });
    expect(result.isError).toBeUndefined();
    const deck = readApkg(new Uint8Array(await (await fetch(result.structuredContent!["url"] as string)).arrayBuffer()), run.dir);
    expect(deck.notes).toHaveLength(1);
  });

  it("accepts a token whose nbf is a few seconds ahead (clock skew)", async () => {
    const response = await mcpPost(run.dev.url, { ...origin, authorization: `Bearer ${oauth.sign(claims({ nbf: now() + 10 }))}` });
    expect(response.status).toBe(200);
  });

  it("accepts a token whose exp passed a few seconds ago (the same clock skew as nbf)", async () => {
    const response = await mcpPost(run.dev.url, { ...origin, authorization: `Bearer ${oauth.sign(claims({ iat: now() - 600, exp: now() - 10 }))}` });
    expect(response.status).toBe(200);
  });

  it.each([
    ["an extension it does not know", { crit: ["urn:example:must-understand"], "urn:example:must-understand": true }],
    ["a registered parameter (which crit must not list)", { crit: ["exp"] }],
    ["a malformed crit", { crit: "urn:example:x" }],
  ])("refuses a token whose header marks %s as critical (RFC 7515 §4.1.11)", async (_label, extra) => {
    const token = oauth.sign(claims(), extra);
    const response = await mcpPost(run.dev.url, { ...origin, authorization: `Bearer ${token}` });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token", error_description="[^"]*crit/);
  });

  it.each([
    ["another issuer", () => Promise.resolve(oauth.sign(claims({ iss: "http://127.0.0.1:1" })))],
    ["another resource", () => oauth.issueToken("https://other.test/api", "decks")],
  ])("does not tell a caller with a token for %s which issuer and audience it expects", async (_label, token) => {
    const response = await mcpPost(run.dev.url, { ...origin, authorization: `Bearer ${await token()}` });
    expect(response.status).toBe(401);
    const said = `${response.headers.get("www-authenticate")} ${await response.text()}`;
    expect(said).not.toContain(oauth.issuer);
    expect(said).not.toContain(AUDIENCE);
  });

  const refusals: Array<[string, () => Promise<string | undefined>, number, string]> = [
    ["no token", async () => undefined, 401, "Missing Authorization header"],
    ["an expired token", async () => oauth.sign(claims({ iat: now() - 3600, exp: now() - 120 })), 401, "expired"],
    ["a token not valid yet", async () => oauth.sign(claims({ nbf: now() + 600 })), 401, "can't be used before"],
    ["a token from another issuer (signed with the same key)", async () => oauth.sign(claims({ iss: "http://127.0.0.1:1" })), 401, "issuer"],
    ["a real token for another resource", () => oauth.issueToken("https://other.test/api", "decks"), 401, "audience"],
    ["a real token without the decks scope", () => oauth.issueToken(AUDIENCE, "other"), 403, "insufficient_scope"],
    ["a real token with a tampered payload", async () => {
      const [header, payload, signature] = (await oauth.issueToken(AUDIENCE, "decks")).split(".");
      const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, "base64url").toString()), scope: "decks admin" })).toString("base64url");
      return `${header}.${forged}.${signature}`;
    }, 401, "signature"],
    ["an unsigned token (alg: none)", async () => `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims())).toString("base64url")}.`, 401, "invalid_token"],
    ["a token that is not a JWT", async () => "opaque-token-value", 401, "invalid_token"],
  ];
  it.each(refusals)("refuses %s with the Bearer challenge", async (_label, token, status, reason) => {
    const value = await token();
    const response = await mcpPost(run.dev.url, { ...origin, ...(value ? { authorization: `Bearer ${value}` } : {}) });
    expect(response.status).toBe(status);
    const challenge = response.headers.get("www-authenticate") ?? "";
    expect(challenge).toMatch(/^Bearer error="(invalid_token|insufficient_scope)"/);
    expect(challenge).toContain(`resource_metadata="${run.dev.url}/.well-known/oauth-protected-resource/mcp"`);
    expect(`${challenge} ${await response.text()}`).toMatch(new RegExp(reason, "i"));
    if (status === 403) expect(challenge).toContain('scope="decks"');
  });

  it.each(["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"])("serves the protected resource metadata at %s, publicly", async (path) => {
    const response = await fetch(`${run.dev.url}${path}`, { headers: origin });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      resource: `${run.dev.url}/mcp`, authorization_servers: [oauth.issuer], scopes_supported: ["decks"], resource_name: "Ankify", bearer_methods_supported: ["header"],
    });
  });

  it("passes the authorization server's own metadata through for 2025-03-26 clients", async () => {
    const metadata = (await (await fetch(`${run.dev.url}/.well-known/oauth-authorization-server`, { headers: origin })).json()) as Record<string, string>;
    expect(metadata["issuer"]).toBe(oauth.issuer);
    expect(metadata["token_endpoint"]).toBe(`${oauth.issuer}/token`);
  });

  it("never writes a token into the log", async () => {
    const good = await oauth.issueToken(AUDIENCE, "decks");
    const bad = oauth.sign(claims({ exp: now() - 100, iat: now() - 1000 }));
    const { result: statuses, text: written } = await captureLog("debug", async () => [
      (await mcpPost(run.dev.url, { ...origin, authorization: `Bearer ${good}` })).status,
      (await mcpPost(run.dev.url, { ...origin, authorization: `Bearer ${bad}` })).status,
    ]);
    expect(statuses).toEqual([200, 401]);
    expect(written).toContain('"event":"oauth.refused"');
    for (const token of [good, bad]) for (const part of token.split(".")) expect(written).not.toContain(part);
  });

  it("answers a valid token without x-origin-verify with the origin guard's 403, never a scope challenge", async () => {
    const token = await oauth.issueToken(AUDIENCE, "decks");
    const response = await mcpPost(run.dev.url, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(403);
    // `WWW-Authenticate: Bearer error="insufficient_scope"` would start an OAuth client's step-up.
    expect(response.headers.get("www-authenticate")).toBeNull();
    expect(((await response.json()) as { message: string }).message).toContain("no x-origin-verify header");
  });

  it("says oauth on the public status page", async () => {
    const status = (await (await fetch(`${run.dev.url}/`, { headers: origin })).json()) as Record<string, string>;
    expect(status["clientAuth"]).toBe("oauth");
  });
});

describe("api-key mode through the dev server", () => {
  let run: Running;
  beforeAll(async () => (run = await runDevServer()));
  afterAll(() => run.stop());

  it.each(ERAS)("serves the official %s client only with the key", async (era) => {
    const client = await run.client({ era, auth: { "x-api-key": run.apiKey! } });
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["create_deck", "get_deck"]);
    await expect(run.client({ era, auth: { authorization: `Bearer ${newApiKey()}` } })).rejects.toThrow(/401|Unauthorized/);
    await expect(run.client({ era, auth: {} })).rejects.toThrow(/401|Unauthorized/);
  });

  it("checks the origin secret before the key: no secret is 403 whatever the key", async () => {
    const response = await mcpPost(run.dev.url, { authorization: `Bearer ${run.apiKey}` });
    expect(response.status).toBe(403);
  });

  it.each([
    ["no x-origin-verify", {}, "no x-origin-verify header"],
    ["a wrong x-origin-verify", { "x-origin-verify": newSecret() }, "x-origin-verify matches neither the current nor the previous origin secret"],
  ])("tells a client with a good key and %s about the header, not its key", async (_label, origin: Record<string, string>, reason) => {
    const { result: response, lines, text } = await captureLog("info", () => mcpPost(run.dev.url, { ...origin, authorization: `Bearer ${run.apiKey}` }));
    expect(response.status).toBe(403);
    // No challenge: WWW-Authenticate would say the credentials were the problem.
    expect(response.headers.get("www-authenticate")).toBeNull();
    const body = (await response.json()) as { error: string; message: string };
    expect(body).toEqual({
      error: "Forbidden",
      message: `Refused by the origin guard: ${reason}; send -H "x-origin-verify: $ANKIFY_ORIGIN_SECRET" (in AWS, CloudFront adds it). Your API key or token was not checked.`,
    });
    expect(body.message).not.toMatch(/unauthori[sz]ed|invalid key|key was (rejected|refused)/i);
    // The terminal running `npm run dev` says why too, without the secret or the value sent.
    expect(lines.filter((line) => line["event"] === "origin.refused")).toEqual([
      expect.objectContaining({ level: "warn", reason, method: "POST", path: "/mcp", hint: 'send -H "x-origin-verify: $ANKIFY_ORIGIN_SECRET" (in AWS, CloudFront adds it)' }),
    ]);
    for (const value of [...run.secrets, ...Object.values(origin), run.apiKey!]) expect(text).not.toContain(value);
    // docs/origin-protection.md shows this very answer.
    if (!origin["x-origin-verify"]) expect(readFileSync(join(PROJECT_ROOT, "docs", "origin-protection.md"), "utf8")).toContain(`\n${JSON.stringify(body)}\n`);
  });

  it.each(ERAS)("lets the official %s client show the origin guard's reason, not an authentication failure", async (era) => {
    const refused = await run.client({ era, secret: null }).then(() => undefined, (error: Error & { code?: unknown; data?: { text?: string } }) => error);
    expect(refused).toBeDefined();
    expect(refused!.message).not.toMatch(/401|Unauthorized|requires authorization/);
    // The 1.x client puts the body in its message; the v2 client keeps it as the error's data.
    expect(`${refused!.message} ${refused!.data?.text ?? ""}`).toContain("no x-origin-verify header");
  });
});

describe("none mode", () => {
  it("lets a client in without credentials", async () => {
    const run = await runDevServer({ clientAuth: { mode: "none" } });
    try {
      const client = await run.client({ auth: {} });
      expect((await client.listTools()).tools).toHaveLength(2);
    } finally {
      await run.stop();
    }
  });
});

describe("the key store", () => {
  const PATH = "/ankify/ankify-test/client-keys";
  let ssm: FakeSsm;
  let client: SSMClient;
  beforeAll(async () => {
    ssm = new FakeSsm(2);
    client = new SSMClient({ endpoint: await ssm.start(), region: "eu-west-1", credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" } });
  });
  afterAll(() => ssm.stop());
  const put = (name: string, value: string) => ssm.parameters.set(`${PATH}/${name}`, { Name: `${PATH}/${name}`, Type: "SecureString", Value: value, LastModifiedDate: 0 });

  it("reads every page of digests, ignores what is not one, and stops honouring a revoked key within the cache time", async () => {
    ssm.parameters.clear();
    const keys = Object.fromEntries(["laptop", "ci", "phone", "desk", "tablet"].map((name) => [name, newApiKey()]));
    for (const [name, key] of Object.entries(keys)) put(name, apiKeyDigest(key));
    put("broken", "not-a-digest");
    ssm.parameters.set(`${PATH}/nested/deeper`, { Name: `${PATH}/nested/deeper`, Type: "String", Value: apiKeyDigest("x"), LastModifiedDate: 0 });
    let clock = 1_000_000;
    const store = new SsmApiKeyStore(client, PATH, () => clock);
    const digests = await store.digests();
    expect([...digests.keys()].sort()).toEqual(["ci", "desk", "laptop", "phone", "tablet"]);
    expect(findDigest(sha256(keys["phone"]!), digests)).toBe("phone");

    ssm.parameters.delete(`${PATH}/phone`);
    clock += KEY_CACHE_MS - 1;
    expect((await store.digests()).has("phone")).toBe(true); // still cached
    clock += 2;
    expect((await store.digests()).has("phone")).toBe(false); // revoked within a minute
  });

  it("fails closed when SSM cannot be read, and the handler answers 503 (not 401)", async () => {
    ssm.failWith = { status: 400, type: "AccessDeniedException", message: "not allowed" };
    try {
      const store = new SsmApiKeyStore(client, PATH);
      await expect(store.digests()).rejects.toThrow(/not allowed/);
      const gate = createClientGate({ mode: "api-key", keyPath: PATH }, "secret-header", store);
      const refused = await gate.authenticate(new Request("https://ankify.test/mcp", { method: "POST", headers: { authorization: `Bearer ${newApiKey()}` } }));
      expect(refused).toBeInstanceOf(Response);
      expect((refused as Response).status).toBe(503);
      expect((refused as Response).headers.get("retry-after")).toBe("5");
    } finally {
      ssm.failWith = undefined;
    }
  });

  it("compares digests without stopping at the first match", () => {
    const a = sha256("a"), b = sha256("b");
    expect(findDigest(a, [["x", b], ["y", a], ["z", a]])).toBe("y");
    expect(findDigest(sha256("c"), [["x", a], ["y", b]])).toBeUndefined();
    expect(findDigest(a, [["short", Buffer.alloc(3)]])).toBeUndefined();
  });
});

describe("npm run dev's settings", () => {
  const base = { ANKIFY_ORIGIN_SECRET: "s".repeat(32) };
  it("refuses to start in api-key mode without ANKIFY_DEV_API_KEY, saying how to set one", () => {
    const parsed = devOptionsFromEnv(base);
    expect("problems" in parsed && parsed.problems[0]).toMatch(/^ANKIFY_DEV_API_KEY is not set .*\n {2}Example: export ANKIFY_DEV_API_KEY=ank_\$\(openssl rand -hex 32\)/);
  });
  it.each([
    [{ ANKIFY_CLIENT_AUTH: "none" }, { mode: "none" }],
    [{ ANKIFY_DEV_API_KEY: "k".repeat(20) }, { mode: "api-key", keys: { dev: "k".repeat(20) } }],
    [{ ANKIFY_CLIENT_AUTH: "oauth", ANKIFY_OAUTH_ISSUER: "http://127.0.0.1:4000", ANKIFY_OAUTH_AUDIENCE: AUDIENCE }, { mode: "oauth", issuer: "http://127.0.0.1:4000", audience: AUDIENCE }],
  ])("reads %j", (env, clientAuth) => {
    expect(devOptionsFromEnv({ ...base, ...env })).toEqual({ options: expect.objectContaining({ clientAuth }) });
  });
  it("honours the budget and link lifetime settings", () => {
    expect(devOptionsFromEnv({ ...base, ANKIFY_CLIENT_AUTH: "none", ANKIFY_TIME_BUDGET_SECONDS: "30", ANKIFY_LINK_TTL_SECONDS: "600" }))
      .toEqual({ options: expect.objectContaining({ timeBudgetSeconds: 30, linkTtlSeconds: 600 }) });
  });
  it("refuses a misspelt ANKIFY_* name as synth does, with the closest one", () => {
    expect(devOptionsFromEnv({ ...base, ANKIFY_DEV_APIKEY: "k".repeat(20) })).toEqual({ problems: [
      "ANKIFY_DEV_APIKEY is not a setting; did you mean ANKIFY_DEV_API_KEY?", expect.stringMatching(/^ANKIFY_DEV_API_KEY is not set /),
    ] });
  });
  it("lets the stack's settings be (one shell holds both), and warns about the function's own", () => {
    expect(devOptionsFromEnv({ ...base, ANKIFY_CLIENT_AUTH: "none", ANKIFY_DOMAIN: "ankify.example.com", ANKIFY_DECK_BUCKET: "b" })).toEqual({
      options: expect.objectContaining({ clientAuth: { mode: "none" } }),
      warnings: ["ANKIFY_DECK_BUCKET is the function's own variable, set by the stack (and by the dev server for its copy); the value in this shell is ignored."],
    });
  });
  it("reads exactly the names lambda/src/env-names.ts lists as the dev server's", () => {
    expect(namesRead(devOptionsFromEnv, [{ ...base, ANKIFY_DEV_API_KEY: "k".repeat(32) }, { ...base, ANKIFY_CLIENT_AUTH: "oauth", ANKIFY_OAUTH_ISSUER: "https://issuer.example" }]))
      .toEqual(namesListedFor("dev"));
  });
});

describe("oac mode", () => {
  it("reads only x-api-key: CloudFront's signature has replaced the client's Authorization header", async () => {
    const key = newApiKey();
    const gate = createClientGate({ mode: "api-key", keyPath: "/ankify/a/client-keys" }, "oac", { digests: async () => new Map([["laptop", sha256(key)]]) });
    const request = (headers: Record<string, string>) => new Request("https://ankify.test/mcp", { method: "POST", headers });
    expect(await gate.authenticate(request({ "x-api-key": key }))).toEqual(expect.objectContaining({ token: "", clientId: "laptop", scopes: [] }));
    const refused = (await gate.authenticate(request({ authorization: `Bearer ${key}` }))) as Response;
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe("Unauthorized: send your Ankify API key as x-api-key: <key>.");
  });
});
