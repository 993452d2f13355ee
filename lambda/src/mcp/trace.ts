/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): a client that traces its calls sends a
 * `traceparent` in the request's `_meta` (MCP, SEP-414) or as an HTTP header. Ankify logs it beside
 * its own request id, so a trace in the client's tooling and the function's log lines meet. Only a
 * well-formed value is kept: anything else would let a caller write arbitrary text into the log.
 */
import { TRACEPARENT_META_KEY } from "@modelcontextprotocol/server";

// version "00": exactly 55 characters; a later version may append fields after a "-" (spec §4.3).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The value if it is a valid traceparent, else undefined. */
export function validTraceparent(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length > 512) return undefined;
  const match = TRACEPARENT.exec(value);
  if (!match) return undefined;
  const [, version, traceId, parentId, , rest] = match;
  // Version ff is forbidden; all-zero ids are invalid; version 00 has no further fields.
  if (version === "ff" || /^0+$/.test(traceId!) || /^0+$/.test(parentId!) || (version === "00" && rest !== undefined)) return undefined;
  return version === "00" ? value : value.slice(0, 55);
}

/** The traceparent of a JSON-RPC message's `params._meta`, else of the HTTP header, if either is valid. */
export function traceparentOf(message: unknown, headers: Headers): string | undefined {
  const meta = (message as { params?: { _meta?: Record<string, unknown> } } | null)?.params?._meta;
  return validTraceparent(meta?.[TRACEPARENT_META_KEY]) ?? validTraceparent(headers.get("traceparent") ?? undefined);
}
