import { handler } from "../../lambda/src/index";
import type { FunctionUrlEvent } from "../../lambda/src/function-url";
import { isAcceptedSecret } from "../../lambda/src/guard";
import { newSecret } from "../../testing/function/harness";

/** The function as Lambda runs it: a Function URL event (payload 2.0) into the exported handler. */
const current = newSecret();
const previous = newSecret();
const event = (method: string, path: string, headers: Record<string, string> = {}, body?: string): FunctionUrlEvent => ({
  rawPath: path,
  rawQueryString: "",
  headers: { host: "abc.lambda-url.eu-west-1.on.aws", ...headers },
  ...(body !== undefined ? { body: Buffer.from(body).toString("base64"), isBase64Encoded: true } : {}),
  requestContext: { domainName: "abc.lambda-url.eu-west-1.on.aws", http: { method } },
});
const mcpHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const toolsList = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });

beforeAll(() => {
  Object.assign(process.env, {
    ANKIFY_ORIGIN_PROTECTION: "secret-header",
    ANKIFY_ORIGIN_SECRET: current,
    ANKIFY_ORIGIN_SECRET_PREVIOUS: previous,
    ANKIFY_DECK_BUCKET: "decks-test",
    ANKIFY_TTS_ENGINE: "espeak",
  });
});

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

  it.each([["the current secret", current], ["the previous secret (rotation)", previous]])("lets %s through", async (_label, secret) => {
    const result = await handler(event("POST", "/mcp", { "x-origin-verify": secret, ...mcpHeaders }, toolsList));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body).result.tools[0].name).toBe("create_deck");
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

describe("routes", () => {
  const ok = { "x-origin-verify": current };

  it("GET / answers a status document that holds no secret", async () => {
    const result = await handler(event("GET", "/", ok));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ service: "ankify", version: "0.1.0", mcp: "/mcp", tools: ["create_deck"], originProtection: "secret-header" });
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
    const body = JSON.parse(result.body);
    expect(body.id).toBe(7);
    expect(body.result.isError).toBe(true);
    expect(body.result.content[0].text).toContain("deck_name is empty at deck_name");
  });

  it("rejects a POST without the MCP Accept header as the SDK does (406)", async () => {
    const result = await handler(event("POST", "/mcp", { ...ok, "content-type": "application/json" }, toolsList));
    expect(result.statusCode).toBe(406);
  });
});
