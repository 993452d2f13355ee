/**
 * The HTTP surface, as a Function URL sees it:
 *   POST /mcp  MCP over Streamable HTTP (stateless, JSON responses)
 *   GET  /     a small status document
 *   anything else: 404, or 405 with Allow.
 * In secret-header mode every request without an accepted `x-origin-verify` gets 403 before its
 * body is read.
 */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { FunctionConfig } from "./config";
import { isAcceptedSecret, ORIGIN_VERIFY_HEADER } from "./guard";
import { createServer } from "./mcp-server";
import type { DeckStore } from "./storage/s3";
import type { Synthesizer } from "./tts/index";

export const VERSION = "0.1.0";

export interface HandlerDeps {
  readonly config: FunctionConfig;
  readonly synthesizer: Synthesizer;
  readonly store: DeckStore;
}

export interface RequestContext {
  /** Milliseconds Lambda still gives this invocation, when known. */
  readonly remainingMs?: number;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

export function createRequestHandler(deps: HandlerDeps): (request: Request, context?: RequestContext) => Promise<Response> {
  return async (request, context = {}) => {
    const started = Date.now();
    if (deps.config.originProtection === "secret-header" && !isAcceptedSecret(request.headers.get(ORIGIN_VERIFY_HEADER) ?? undefined, deps.config.originSecrets)) {
      return json(403, { error: "Forbidden" });
    }
    const path = new URL(request.url).pathname.replace(/\/+$/, "") || "/";
    if (path === "/") {
      if (request.method !== "GET" && request.method !== "HEAD") return json(405, { error: "Method Not Allowed" }, { allow: "GET, HEAD" });
      return json(200, { service: "ankify", version: VERSION, mcp: "/mcp", tools: ["create_deck"], originProtection: deps.config.originProtection });
    }
    if (path !== "/mcp") return json(404, { error: "Not Found" });
    // A stateless GET would open an SSE stream that never ends: on Lambda, a hang until the timeout.
    if (request.method !== "POST") return json(405, { jsonrpc: "2.0", error: { code: -32000, message: "Method Not Allowed: use POST" }, id: null }, { allow: "POST" });

    // Finish before CloudFront stops waiting, and before Lambda stops the function.
    const budgetMs = Math.min(deps.config.timeBudgetSeconds * 1000, context.remainingMs ?? Number.POSITIVE_INFINITY);
    const server = createServer({
      synthesizer: deps.synthesizer,
      store: deps.store,
      deckPrefix: deps.config.deckPrefix,
      deadline: started + budgetMs,
      version: VERSION,
    });
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request);
    } finally {
      await server.close();
    }
  };
}
