/**
 * Who a request acts for, once authenticated: the name every per-client rule keys on.
 *
 * - api-key mode: the key's client name (`npm run client-key -- add laptop` → `laptop`).
 * - oauth mode: the token's `sub`, the user. Never its `client_id`: every user of one public app
 *   (every claude.ai user, say) arrives through the same registered client.
 * - none mode: nobody in particular.
 *
 * Two readings of it. `subjectOf` is strict: calls are matched to their callers by it (a
 * cancellation reaches only its sender's calls; a deck's note times are remembered per subject), and
 * a request with no subject (none mode, a token without `sub`) owns nothing another request can reach.
 * `clientSubject` is what fair use counts against (daily characters, build slots, the usage report,
 * metrics): there, a token without `sub` (a client-credentials grant) is its client, and none mode is
 * one shared client, `anonymous`.
 */
import type { AuthInfo } from "@modelcontextprotocol/server";

const SUBJECT = "ankify/subject";

/** The shared client of `none` mode, and of a request with no identity at all. */
export const ANONYMOUS_SUBJECT = "anonymous";

/** `auth` with its subject recorded; `kind` keeps an API key's name apart from a token's `sub`. */
export function withSubject(auth: AuthInfo, kind: "api-key" | "oauth", subject: string): AuthInfo {
  return { ...auth, extra: { ...auth.extra, [SUBJECT]: `${kind}:${subject}` } };
}

/** The authenticated subject of a request (`api-key:<name>` or `oauth:<sub>`), if it has one. */
export function subjectOf(auth: AuthInfo): string | undefined {
  const subject = auth.extra?.[SUBJECT];
  return typeof subject === "string" ? subject : undefined;
}

/** The client fair use counts against: the key's name or the token's `sub`, else its client id, else `anonymous`. */
export function clientSubject(auth: AuthInfo | undefined): string {
  const subject = auth ? subjectOf(auth) : undefined;
  if (subject !== undefined) return subject.slice(subject.indexOf(":") + 1);
  return auth?.clientId && auth.clientId !== ANONYMOUS_SUBJECT ? auth.clientId : ANONYMOUS_SUBJECT;
}
