import { streamingHandler as lambdaHandler } from "../../lambda/src/index";
import type { FunctionUrlEvent } from "../../lambda/src/http/function-url";
import { METADATA_CONTENT_TYPE } from "../../lambda/src/http/lambda-stream";
import { invokeStreaming, type StreamedResult } from "../../testing/function/lambda-stream";
import { isAcceptedSecret, originRefusal } from "../../lambda/src/access/origin-guard";
import { MODERN_PROTOCOL_VERSIONS } from "../../lambda/src/mcp/protocol";
import { INSTRUCTIONS } from "../../lambda/src/mcp/server";
import { apiKeyDigest, newApiKey } from "../../lambda/src/access/api-keys";
import { newSecret } from "../../testing/function/harness";
import { FakeSsm } from "../../testing/fake-ssm";
import { FakeDynamoDb } from "../../testing/fake-dynamodb";
import { captureLog } from "../../testing/function/log-capture";

/** The function as Lambda runs it: a Function URL event (payload 2.0) into the exported streaming handler. */
const handler = (event: FunctionUrlEvent) => invokeStreaming(lambdaHandler, event, undefined);
const current = newSecret();
const previous = newSecret();
const event = (method: string, path: string, headers: Record<string, string> = {}, body?: string): FunctionUrlEvent => ({
  rawPath: path,
  rawQueryString: "",
  headers: { host: "abc.lambda-url.eu-west-1.on.aws", ...headers },
  ...(body !== undefined ? { body: Buffer.from(body).toString("base64"), isBase64Encoded: true } : {}),
  requestContext: { domainName: "abc.lambda-url.eu-west-1.on.aws", http: { method } },
});
const apiKey = newApiKey();
const KEY_PATH = "/ankify/ankify-test/client-keys";
const mcpHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${apiKey}` };
const toolsList = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });

/** The JSON-RPC message of a response: a JSON body, or the one `message` event of an SSE body. */
function rpcMessage(result: StreamedResult): any {
  if (!(result.headers["content-type"] ?? "").startsWith("text/event-stream")) return JSON.parse(result.body);
  const data = result.body.split("\n").filter((line) => line.startsWith("data: ")).map((line) => line.slice(6));
  expect(data).toHaveLength(1);
  return JSON.parse(data[0]!);
}

// The client keys live in SSM, the per-client counts in DynamoDB: loopback stand-ins speaking their
// real protocols, reached through the AWS SDK's own endpoint overrides, so index.ts runs exactly as in Lambda.
const ssm = new FakeSsm();
const dynamodb = new FakeDynamoDb();
dynamodb.createTable("ankify-test-usage", "pk", "sk");
beforeAll(async () => {
  Object.assign(process.env, {
    ANKIFY_ORIGIN_PROTECTION: "secret-header",
    // As the stack deploys it: the secrets in SSM, their names in the environment.
    ANKIFY_ORIGIN_SECRET_PARAMETER: "/ankify/ankify-test/origin-secret/current",
    ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER: "/ankify/ankify-test/origin-secret/previous",
    ANKIFY_DECK_BUCKET: "decks-test",
    ANKIFY_TTS_ENGINE: "espeak",
    ANKIFY_CLIENT_AUTH: "api-key",
    ANKIFY_API_KEY_PATH: KEY_PATH,
    AWS_ENDPOINT_URL_SSM: await ssm.start(),
    ANKIFY_USAGE_TABLE: "ankify-test-usage",
    AWS_ENDPOINT_URL_DYNAMODB: await dynamodb.start(),
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "AKIDTEST",
    AWS_SECRET_ACCESS_KEY: "test-secret",
  });
  ssm.put("/ankify/ankify-test/origin-secret/current", current);
  ssm.put("/ankify/ankify-test/origin-secret/previous", previous);
  ssm.parameters.set(`${KEY_PATH}/test-client`, { Name: `${KEY_PATH}/test-client`, Type: "SecureString", Value: apiKeyDigest(apiKey), LastModifiedDate: 0 });
});
afterAll(() => Promise.all([ssm.stop(), dynamodb.stop()]));

describe("origin guard (secret-header mode)", () => {
  it.each([
    ["no x-origin-verify", {}],
    ["a wrong secret", { "x-origin-verify": newSecret() }],
    ["an empty secret", { "x-origin-verify": "" }],
    ["the secret with a suffix", { "x-origin-verify": `${current}x` }],
  ])("answers 403 to %s, on every path", async (_label, headers) => {
    for (const [method, path] of [["POST", "/mcp"], ["GET", "/"], ["GET", "/nope"]] as const) {
      const result = await handler(event(method, path, { ...headers, ...mcpHeaders }, method === "POST" ? toolsList : undefined));
      expect(result.statusCode).toBe(403);
      expect(JSON.parse(result.body)).toEqual({ error: "Forbidden" });
    }
  });

  it.each([
    ["no x-origin-verify", {}, "no x-origin-verify header"],
    ["a wrong secret", { "x-origin-verify": newSecret() }, "x-origin-verify matches neither the current nor the previous origin secret"],
  ])("tells a stranger with %s nothing, and its own log the reason at info level", async (_label, headers: Record<string, string>, reason) => {
    const { result, lines, text } = await captureLog("info", () => handler(event("POST", "/mcp", { ...headers, ...mcpHeaders }, toolsList)));
    expect(result.statusCode).toBe(403);
    expect(result.body).toBe('{"error":"Forbidden"}');
    expect(result.headers["www-authenticate"]).toBeUndefined();
    expect(lines.filter((line) => line["event"] === "origin.refused")).toEqual([{ time: expect.any(String), level: "info", event: "origin.refused", reason, method: "POST", path: "/mcp" }]);
    for (const value of [current, previous, apiKey, ...Object.values(headers)]) expect(text).not.toContain(value);
  });

  it("classifies a refusal from the presented header and the accepted secrets alone", () => {
    expect(originRefusal(undefined, [current, previous])).toBe("missing");
    expect(originRefusal("", [current, previous])).toBe("missing");
    expect(originRefusal(`${current} `, [current, previous])).toBe("mismatch");
    expect(originRefusal(previous, [current, previous])).toBeUndefined();
    // No accepted secret (none configured yet): everything is refused.
    expect(originRefusal(current, [])).toBe("mismatch");
  });

  it.each([["the current secret", current], ["the previous secret (rotation)", previous]])("lets %s through", async (_label, secret) => {
    const result = await handler(event("POST", "/mcp", { "x-origin-verify": secret, ...mcpHeaders }, toolsList));
    expect(result.statusCode).toBe(200);
    expect(rpcMessage(result).result.tools[0].name).toBe("create_deck");
  });

  it("compares secrets of any length without throwing, and accepts only exact matches", () => {
    expect(isAcceptedSecret(current, [current, previous])).toBe(true);
    expect(isAcceptedSecret(previous, [current, previous])).toBe(true);
    expect(isAcceptedSecret(current.slice(1), [current])).toBe(false);
    expect(isAcceptedSecret("x", [current])).toBe(false);
    expect(isAcceptedSecret(undefined, [current])).toBe(false);
    expect(isAcceptedSecret(current, [])).toBe(false);
  });
});

describe("the streaming contract", () => {
  it("marks the stream for the runtime and sends status and headers as the JSON prelude before the body", async () => {
    const result = await handler(event("GET", "/", { "x-origin-verify": current }));
    expect(result.streamContentType).toBe(METADATA_CONTENT_TYPE);
    expect(result.statusCode).toBe(200);
    expect(result.headers["content-type"]).toBe("application/json");
    expect(result.headers["x-ankify-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(result.body).service).toBe("ankify");
  });
});

describe("routes", () => {
  const ok = { "x-origin-verify": current };

  it("GET / answers a status document that holds no secret", async () => {
    const result = await handler(event("GET", "/", ok));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({
      service: "ankify", version: "0.2.0", mcp: "/mcp", protocolVersions: ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", "2024-10-07"],
      tools: ["create_deck"], originProtection: "secret-header", clientAuth: "api-key",
    });
    expect(result.body).not.toContain(current);
    expect(result.body).not.toContain(previous);
  });

  it.each([
    ["GET", "/mcp", 405, "POST"],
    ["DELETE", "/mcp", 405, "POST"],
    ["PUT", "/", 405, "GET, HEAD"],
    ["GET", "/admin", 404, undefined],
  ])("%s %s answers %i", async (method, path, status, allow) => {
    const result = await handler(event(method, path, { ...ok, accept: "text/event-stream" }));
    expect(result.statusCode).toBe(status);
    expect(result.headers["allow"]).toBe(allow);
  });

  it("answers MCP over POST /mcp statelessly: a tools/call works without initialize", async () => {
    const call = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "create_deck", arguments: { deck_name: "", cards: [] } } });
    const result = await handler(event("POST", "/mcp", { ...ok, ...mcpHeaders }, call));
    expect(result.statusCode).toBe(200);
    const body = rpcMessage(result);
    expect(body.id).toBe(7);
    expect(body.result.isError).toBe(true);
    expect(body.result.content[0].text).toContain("deck_name: must not be empty");
  });

  it("rejects a POST without the MCP Accept header as the SDK does (406)", async () => {
    const result = await handler(event("POST", "/mcp", { ...ok, "content-type": "application/json", authorization: `Bearer ${apiKey}` }, toolsList));
    expect(result.statusCode).toBe(406);
  });
});

describe("the 2026-07-28 revision on the same endpoint (raw HTTP)", () => {
  const REVISION = "2026-07-28";
  const envelope = (version = REVISION) => ({
    "io.modelcontextprotocol/protocolVersion": version,
    "io.modelcontextprotocol/clientInfo": { name: "raw-test", version: "1" },
    "io.modelcontextprotocol/clientCapabilities": {},
  });
  const modern = (method: string, params: Record<string, unknown> = {}, version = REVISION) =>
    JSON.stringify({ jsonrpc: "2.0", id: 11, method, params: { ...params, _meta: envelope(version) } });
  const headers = (more: Record<string, string> = {}) => ({ "x-origin-verify": current, ...mcpHeaders, "mcp-protocol-version": REVISION, ...more });
  const post = async (h: Record<string, string>, body: string) => handler(event("POST", "/mcp", h, body));

  it("answers server/discover with the versions, capabilities, server info, instructions and cache hints", async () => {
    const result = await post(headers({ "mcp-method": "server/discover" }), modern("server/discover"));
    expect(result.statusCode).toBe(200);
    expect(result.headers["content-type"]).toBe("application/json");
    const { result: discover } = JSON.parse(result.body);
    expect(discover.supportedVersions).toEqual(MODERN_PROTOCOL_VERSIONS);
    expect(discover.capabilities).toEqual({ tools: { listChanged: false }, resources: { listChanged: false } });
    expect(discover._meta["io.modelcontextprotocol/serverInfo"]).toEqual({
      name: "ankify", title: "Ankify", version: "0.2.0",
      icons: [expect.objectContaining({ mimeType: "image/png", sizes: ["64x64"] }), expect.objectContaining({ mimeType: "image/svg+xml", sizes: ["any"] })],
    });
    expect(discover.instructions).toBe(INSTRUCTIONS);
    expect(discover.instructions).toMatch(/create_deck.*1000 cards.*expires/s);
    expect(discover).toEqual(expect.objectContaining({ resultType: "complete", ttlMs: 3_600_000, cacheScope: "public" }));
  });

  it("lists the same tool as the 2025 era, as JSON with resultType and cache hints", async () => {
    const result = await post(headers({ "mcp-method": "tools/list" }), modern("tools/list"));
    const body = JSON.parse(result.body);
    expect(body.result.tools.map((t: { name: string }) => t.name)).toEqual(["create_deck"]);
    expect(body.result).toEqual(expect.objectContaining({ resultType: "complete", ttlMs: 3_600_000, cacheScope: "public" }));
    const legacy = rpcMessage(await post({ "x-origin-verify": current, ...mcpHeaders }, toolsList));
    expect(body.result.tools).toEqual(legacy.result.tools);
  });

  it("calls create_deck without any handshake; invalid arguments are a tool error", async () => {
    const result = await post(headers({ "mcp-method": "tools/call", "mcp-name": "create_deck" }), modern("tools/call", { name: "create_deck", arguments: { deck_name: "d", cards: [] } }));
    expect(result.statusCode).toBe(200);
    // A deck call streams to a client that reads streams, whatever comes of it.
    expect(result.headers["content-type"]).toBe("text/event-stream");
    const body = rpcMessage(result);
    expect(body.result.isError).toBe(true);
    expect(body.result.content[0].text).toContain("cards: needs at least one card");
  });

  it.each([
    ["no Mcp-Method header", {}, modern("tools/list"), 400, -32020, "the required Mcp-Method header is absent"],
    ["an Mcp-Method header that names another method", { "mcp-method": "tools/call" }, modern("tools/list"), 400, -32020, "the Mcp-Method header names tools/call"],
    ["a tools/call without Mcp-Name", { "mcp-method": "tools/call" }, modern("tools/call", { name: "create_deck", arguments: {} }), 400, -32020, "the required Mcp-Name header is absent"],
    ["an Mcp-Name that names another tool", { "mcp-method": "tools/call", "mcp-name": "delete_everything" }, modern("tools/call", { name: "create_deck", arguments: {} }), 400, -32020, 'the Mcp-Name header names "delete_everything"'],
    ["an envelope without the MCP-Protocol-Version header", { "mcp-method": "tools/list", "mcp-protocol-version": "" }, modern("tools/list"), 400, -32020, "the required MCP-Protocol-Version header is absent"],
    ["a header version that disagrees with the envelope", { "mcp-method": "tools/list", "mcp-protocol-version": "2025-11-25" }, modern("tools/list"), 400, -32020, "the MCP-Protocol-Version header names 2025-11-25"],
    ["the 2026 header without an envelope", { "mcp-method": "tools/list" }, toolsList, 400, -32602, "missing the required per-request envelope"],
  ])("refuses %s", async (_label, extra, body, status, code, message) => {
    const h: Record<string, string> = headers(extra as Record<string, string>);
    if (h["mcp-protocol-version"] === "") delete h["mcp-protocol-version"];
    const result = await post(h, body);
    expect(result.statusCode).toBe(status);
    const { error } = JSON.parse(result.body);
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });

  it("answers an unsupported revision with -32022 naming the supported ones", async () => {
    const result = await post(headers({ "mcp-protocol-version": "2027-01-01", "mcp-method": "tools/list" }), modern("tools/list", {}, "2027-01-01"));
    expect(result.statusCode).toBe(400);
    const { error, id } = JSON.parse(result.body);
    expect(id).toBe(11);
    expect(error).toEqual({ code: -32022, message: "Unsupported protocol version: 2027-01-01", data: { supported: [...MODERN_PROTOCOL_VERSIONS], requested: "2027-01-01" } });
  });

  it("still answers the 2025 handshake, with the same instructions", async () => {
    const init = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });
    const body = rpcMessage(await post({ "x-origin-verify": current, ...mcpHeaders }, init));
    expect(body.result).toEqual(expect.objectContaining({ protocolVersion: "2025-11-25", instructions: INSTRUCTIONS, capabilities: { tools: { listChanged: false }, resources: { listChanged: false } } }));
  });

  it("refuses a 2025 request naming a version it does not speak", async () => {
    const result = await post({ "x-origin-verify": current, ...mcpHeaders, "mcp-protocol-version": "1999-01-01" }, toolsList);
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body).error.message).toContain("Unsupported protocol version: 1999-01-01");
  });
});

describe("client authentication (api-key mode, keys from SSM)", () => {
  const ok = { "x-origin-verify": current, "content-type": "application/json", accept: "application/json, text/event-stream" };

  it.each([
    ["no key", {}],
    ["a wrong key", { authorization: `Bearer ${newApiKey()}` }],
    ["a wrong x-api-key", { "x-api-key": newApiKey() }],
    ["the key's digest instead of the key", { authorization: `Bearer ${apiKeyDigest(apiKey)}` }],
    ["the key with a suffix", { authorization: `Bearer ${apiKey}x` }],
    ["another scheme", { authorization: `Basic ${apiKey}` }],
  ])("answers 401 with a JSON-RPC error to %s, before reading the body", async (_label, headers) => {
    const result = await handler(event("POST", "/mcp", { ...ok, ...headers }, "{ not even JSON"));
    expect(result.statusCode).toBe(401);
    expect(result.headers["www-authenticate"]).toBe('Bearer realm="ankify"');
    expect(JSON.parse(result.body)).toEqual({
      jsonrpc: "2.0", id: null,
      error: { code: -32001, message: "Unauthorized: send your Ankify API key as Authorization: Bearer <key> or x-api-key: <key>." },
    });
  });

  it.each([["Authorization: Bearer", { authorization: `Bearer ${apiKey}` }], ["x-api-key", { "x-api-key": apiKey }]])("accepts the key as %s", async (_label, headers) => {
    const result = await handler(event("POST", "/mcp", { ...ok, ...headers }, toolsList));
    expect(result.statusCode).toBe(200);
    expect(rpcMessage(result).result.tools[0].name).toBe("create_deck");
  });

  it("keeps the status document public and says which mode is on", async () => {
    const result = await handler(event("GET", "/", { "x-origin-verify": current }));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body).clientAuth).toBe("api-key");
  });

  it("never writes a key into the log or a response", async () => {
    const wrong = newApiKey();
    const { result: [refused, accepted], text: written } = await captureLog("debug", async () => [
      await handler(event("POST", "/mcp", { ...ok, authorization: `Bearer ${wrong}` }, toolsList)),
      await handler(event("POST", "/mcp", { ...ok, "x-api-key": apiKey }, toolsList)),
    ]);
    for (const text of [written, JSON.stringify(refused), JSON.stringify(accepted)]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(apiKey);
      expect(text).not.toContain(apiKeyDigest(apiKey));
    }
    expect(written).toContain('"event":"api_keys.refused"');
  });
});

describe("events no Web Request can carry (answered inside the guard, never a function error)", () => {
  const context = (id: string) => ({ awsRequestId: id, getRemainingTimeInMillis: () => 60_000 });
  const invoke = (e: FunctionUrlEvent, id: string) => invokeStreaming(lambdaHandler, e, context(id));
  // Header names and values arrive in the event as the Function URL decoded them: a name may hold a
  // space, a value any Unicode text, and the method is whatever the client sent.
  const cases: Array<[string, (headers: Record<string, string>) => FunctionUrlEvent, number]> = [
    ["a TRACE request", (h) => event("TRACE", "/mcp", h), 405],
    ["a CONNECT request", (h) => event("CONNECT", "/", h), 405],
    ["a header value with €", (h) => event("POST", "/mcp", { ...h, "x-note": "5 €" }, toolsList), 400],
    ["a header name with a space", (h) => event("POST", "/mcp", { ...h, "x bad": "1" }, toolsList), 400],
    ["a header value with a line break", (h) => event("GET", "/", { ...h, "x-note": "a\r\nb" }), 400],
  ];

  it.each(cases)("answers %s without the origin secret with 403 and the request id", async (_label, make) => {
    const result = await invoke(make({ ...mcpHeaders }), "req-no-secret");
    expect(result.statusCode).toBe(403);
    expect(JSON.parse(result.body)).toEqual({ error: "Forbidden" });
    expect(result.headers["x-ankify-request-id"]).toBe("req-no-secret");
  });

  it.each(cases)("answers %s with the origin secret with a 4xx that says why, and the request id", async (_label, make, status) => {
    const result = await invoke(make({ "x-origin-verify": current, ...mcpHeaders }), "req-with-secret");
    expect(result.statusCode).toBe(status);
    expect(result.headers["x-ankify-request-id"]).toBe("req-with-secret");
    if (status === 405) expect(result.headers["allow"]).toMatch(/^(POST|GET, HEAD)$/);
    else expect(JSON.parse(result.body)).toEqual({ error: expect.stringMatching(/^Bad Request: header "(x-note|x bad)" /), requestId: "req-with-secret" });
  });
});
