/**
 * The MCP protocol revisions this server speaks. The SDK serves both eras from one endpoint: the
 * stateless 2026-07-28 revision (server/discover, a `_meta` envelope and Mcp-Method/Mcp-Name headers
 * on every request) and, through its stateless legacy fallback, the 2025 handshake era.
 */
import { SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/server";

/**
 * Revisions of the modern era the SDK (2.4.0) implements. It does not export this list, so a test
 * compares it with what server/discover advertises.
 */
export const MODERN_PROTOCOL_VERSIONS: readonly string[] = ["2026-07-28"];

/** Every revision served, newest first: what the status document names. */
export const PROTOCOL_VERSIONS: readonly string[] = [...MODERN_PROTOCOL_VERSIONS, ...SUPPORTED_PROTOCOL_VERSIONS];
