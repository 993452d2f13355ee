/**
 * POST /mcp through the official SDK's per-request HTTP handler, which serves both protocol eras from
 * one endpoint: 2026-07-28 requests (server/discover, then calls with a `_meta` envelope; the SDK
 * enforces the Mcp-Method / Mcp-Name / MCP-Protocol-Version header rules and answers -32020, -32602
 * and -32022) and 2025-era requests (initialize, then calls) through its stateless legacy fallback.
 */
import { createMcpHandler, type AuthInfo } from "@modelcontextprotocol/server";
import type { DeckDeps } from "../deck/create-deck";
import { log } from "../log";
import { createServer } from "./server";

/**
 * One handler per request: the factory closes over this request's deadline, and creating the handler
 * costs microseconds. `auto` answers JSON unless the tool sends a notification before its result.
 */
export function serveMcp(request: Request, deps: DeckDeps, client: AuthInfo): Promise<Response> {
  const handler = createMcpHandler(() => createServer(deps), {
    responseMode: "auto",
    // Refusals of malformed or mismatched requests: the client's mistake, worth a line, not an alarm.
    onerror: (error) => log("info", "mcp.refused", { message: error.message }),
  });
  return handler.fetch(request, { authInfo: client });
}
