/**
 * Who a request acts for: the name of its API key, or the `sub` of its access token — never the
 * OAuth client id, which every user of one public app shares. Calls are matched to their callers by
 * it (a cancellation reaches only its sender's own calls). A request with no subject (none mode, a
 * token without `sub`) owns nothing another request can reach.
 */
import type { AuthInfo } from "@modelcontextprotocol/server";

const SUBJECT = "ankify/subject";

/** `auth` with its subject recorded; `kind` keeps an API key's name apart from a token's `sub`. */
export function withSubject(auth: AuthInfo, kind: "api-key" | "oauth", subject: string): AuthInfo {
  return { ...auth, extra: { ...auth.extra, [SUBJECT]: `${kind}:${subject}` } };
}

/** The authenticated subject of a request, if it has one. */
export function subjectOf(auth: AuthInfo): string | undefined {
  const subject = auth.extra?.[SUBJECT];
  return typeof subject === "string" ? subject : undefined;
}
