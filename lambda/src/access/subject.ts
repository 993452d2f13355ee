/**
 * Who a request is on behalf of, once authenticated: the one name every per-client rule keys on
 * (daily characters, build slots, the usage report, metrics, cancellations).
 *
 * - api-key mode: the key's client name (`npm run client-key -- add laptop` → `laptop`).
 * - oauth mode: the token's `sub`, the user. Not its `client_id`: every claude.ai user arrives
 *   through the same registered client, so keying on it would make them all one client. A token
 *   without `sub` (a client-credentials grant) is its client.
 * - none mode: everyone is the one shared client `anonymous`.
 */
import type { AuthInfo } from "@modelcontextprotocol/server";

/** The shared client of `none` mode, and of a request with no identity at all. */
export const ANONYMOUS_SUBJECT = "anonymous";

export function clientSubject(auth: AuthInfo | undefined): string {
  const sub = auth?.extra?.["sub"];
  if (typeof sub === "string" && sub !== "") return sub;
  return auth?.clientId || ANONYMOUS_SUBJECT;
}
