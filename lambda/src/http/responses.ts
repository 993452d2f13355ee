/** The function's own small JSON answers (the MCP SDK writes the protocol's). */

/** Every answer names its request, so a user's report and the log line meet. */
export const REQUEST_ID_HEADER = "x-ankify-request-id";

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** A JSON-RPC error outside any request (`id: null`), as MCP clients expect on /mcp. */
export function jsonRpcErrorResponse(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return jsonResponse(status, { jsonrpc: "2.0", error: { code, message }, id: null }, headers);
}
