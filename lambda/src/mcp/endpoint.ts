/**
 * POST /mcp through the official SDK's per-request HTTP handler, which serves both protocol eras from
 * one endpoint: 2026-07-28 requests (server/discover, then calls with a `_meta` envelope; the SDK
 * enforces the Mcp-Method / Mcp-Name / MCP-Protocol-Version header rules and answers -32020, -32602
 * and -32022) and 2025-era requests (initialize, then calls) through its stateless legacy fallback.
 *
 * One JSON-RPC message per HTTP request: the body is read here (up to the Function URL's limit) and a
 * batch is refused before any server exists, in both eras. MCP dropped batching in 2025-06-18, and a
 * batch of tool calls would multiply one request's work (and spending) without bound.
 */
import { createMcpHandler, isJsonContentType, readRequestBody, type AuthInfo } from "@modelcontextprotocol/server";
import type { ToolDeps } from "./create-deck-tool";
import { accepts } from "../http/accept";
import { boundEcho, MAX_ECHO } from "../http/echo";
import { jsonRpcErrorResponse } from "../http/responses";
import { MAX_REQUEST_BODY_BYTES } from "../limits";
import { log } from "../log";
import { asJsonAnswer } from "./answer-form";
import { boundAnswer, longClientStrings, overlongIdentifier } from "./echo-guard";
import { createServer } from "./server";
import { traceparentOf } from "./trace";

/**
 * One handler per request: the factory closes over this request's deadline and id, and creating the
 * handler costs microseconds. `auto` answers JSON unless the tool sends a notification before its
 * result.
 */
export async function serveMcp(request: Request, deps: ToolDeps, client: AuthInfo): Promise<Response> {
  const handler = (responseMode: "sse" | "auto") => createMcpHandler(({ era }) => createServer(deps, era), {
    responseMode,
    // SSE comment lines this often keep every gap between bytes far below CloudFront's read timeout.
    keepAliveMs: deps.keepAliveMs,
    maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
    // Refusals of malformed or mismatched requests: the client's mistake, worth a line, not an alarm.
    // Its message may repeat client input: the log keeps an excerpt, as answers do.
    onerror: (error) => log("info", "mcp.refused", { requestId: deps.requestId, message: boundEcho(error.message, 10 * MAX_ECHO) }),
  });
  // Not JSON: the SDK answers 415 without reading the body.
  if (!isJsonContentType(request.headers.get("content-type"))) return handler("auto").fetch(request, { authInfo: client });

  const read = await readRequestBody(request, MAX_REQUEST_BODY_BYTES);
  if (read.tooLarge) return jsonRpcErrorResponse(413, -32600, `Request body too large: at most ${MAX_REQUEST_BODY_BYTES} bytes.`);
  let message: unknown;
  try {
    message = JSON.parse(read.text);
  } catch {
    return jsonRpcErrorResponse(400, -32700, "Parse error: the body is not valid JSON.");
  }
  if (Array.isArray(message)) {
    return jsonRpcErrorResponse(400, -32600, "Invalid Request: JSON-RPC batches are not supported; send one request per HTTP POST (MCP 2025-06-18 and later).");
  }
  const overlong = overlongIdentifier(message);
  if (overlong) return jsonRpcErrorResponse(400, -32600, `Invalid Request: the ${overlong} is longer than ${MAX_ECHO} characters.`);
  // The SDK would take `application/json;q=0, text/event-stream;q=0` for acceptance of both.
  if (!deps.streaming && !accepts(request.headers.get("accept"), "application/json")) {
    return jsonRpcErrorResponse(406, -32000, "Not Acceptable: accept application/json, text/event-stream, or both.");
  }
  if (isCancellation(message)) deps.inFlight.cancel(deps.subject, message.params.requestId);
  // One line per MCP message: which request it was, what it asked, and the caller's trace if it sent one.
  const traceparent = traceparentOf(message, request.headers);
  const m = message as { method?: unknown; params?: { name?: unknown } } | null;
  log("info", "mcp.request", {
    requestId: deps.requestId,
    client: deps.client,
    method: typeof m?.method === "string" ? m.method.slice(0, 64) : undefined,
    ...(m?.method === "tools/call" && typeof m.params?.name === "string" ? { tool: m.params.name.slice(0, 64) } : {}),
    ...(traceparent !== undefined ? { traceparent } : {}),
  });
  if (traceparent !== undefined) deps = { ...deps, traceparent };
  // A deck streams from the first moment (SSE: comment lines, then progress, then the result) to a
  // client that reads streams; everything else, and every JSON-only client, gets one JSON answer.
  const mode = deps.streaming && isToolCall(message, "create_deck") ? "sse" : "auto";
  const answer = await handler(mode).fetch(request, { authInfo: client, parsedBody: message });
  return boundAnswer(deps.streaming ? answer : await asJsonAnswer(answer), longClientStrings(message, request.headers));
}

function isToolCall(message: unknown, name: string): boolean {
  const m = message as { method?: unknown; params?: { name?: unknown } } | null;
  return m?.method === "tools/call" && m.params?.name === name;
}

function isCancellation(message: unknown): message is { params: { requestId: string | number } } {
  const m = message as { method?: unknown; id?: unknown; params?: { requestId?: unknown } } | null;
  const id = m?.params?.requestId;
  return m?.method === "notifications/cancelled" && m.id === undefined && (typeof id === "string" || typeof id === "number");
}
