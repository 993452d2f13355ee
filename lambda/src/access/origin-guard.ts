/**
 * The origin guard (secret-header mode): only CloudFront knows the secret it adds in
 * `x-origin-verify`, so a request without an accepted value did not come through the distribution.
 * It runs first, before anything reads the request's body or checks the client's key or token.
 */
import type { FunctionConfig } from "../config";
import { jsonResponse } from "../http/responses";
import { log } from "../log";
import { findDigest, sha256 } from "./constant-time";
import type { OriginSecrets } from "./origin-secrets";

/** The header CloudFront adds in secret-header mode (stacks/edge/distribution.ts). */
export const ORIGIN_VERIFY_HEADER = "x-origin-verify";

/** Why a request was refused: it sent no value, or one that matches no accepted secret. */
export type OriginRefusal = "missing" | "mismatch";

/** The reasons as a person reads them: never the value sent, never a secret. */
export const ORIGIN_REFUSAL_REASONS: Readonly<Record<OriginRefusal, string>> = {
  missing: `no ${ORIGIN_VERIFY_HEADER} header`,
  mismatch: `${ORIGIN_VERIFY_HEADER} matches neither the current nor the previous origin secret`,
};

/** What a local client must add; in AWS, CloudFront adds it. */
export const ORIGIN_VERIFY_HINT = `send -H "${ORIGIN_VERIFY_HEADER}: $ANKIFY_ORIGIN_SECRET" (in AWS, CloudFront adds it)`;

/**
 * Whether `presented` equals one of the accepted secrets, in constant time (both sides hashed to equal
 * length, every accepted secret compared).
 */
export function isAcceptedSecret(presented: string | undefined, accepted: readonly string[]): boolean {
  if (presented === undefined) return false;
  return findDigest(sha256(presented), accepted.map((secret, i) => [i, sha256(secret)] as const)) !== undefined;
}

/**
 * Why the presented header is refused, or undefined when it is accepted. A pure function of the header
 * and the accepted secrets, wherever those come from (SSM when deployed, the dev server's own).
 */
export function originRefusal(presented: string | undefined, accepted: readonly string[]): OriginRefusal | undefined {
  if (isAcceptedSecret(presented, accepted)) return undefined;
  return presented === undefined || presented === "" ? "missing" : "mismatch";
}

export interface OriginGuardOptions {
  /**
   * Say why in the 403 and log it as a warning with the fix: for the dev server, whose caller is
   * the developer. In Lambda a refused caller is a stranger who learns nothing; the reason goes to
   * the function's log at info level. @default false
   */
  readonly explain?: boolean;
}

/**
 * A 403 for a request that did not come through CloudFront, a 503 when the accepted secrets cannot
 * be read (never a pass), or undefined to let it pass. In oac mode Lambda's IAM layer has already
 * refused unsigned callers, so everything that arrives passes.
 */
export async function checkOrigin(
  request: { readonly headers: { get(name: string): string | null }; readonly method: string; readonly url?: string; readonly path?: string },
  config: Pick<FunctionConfig, "originProtection">,
  secrets: OriginSecrets,
  { explain = false }: OriginGuardOptions = {},
): Promise<Response | undefined> {
  if (config.originProtection !== "secret-header") return undefined;
  const presented = request.headers.get(ORIGIN_VERIFY_HEADER) || undefined;
  let refusal: OriginRefusal | undefined;
  try {
    refusal = originRefusal(presented, await secrets.accepted());
    // CloudFront may send a freshly rotated value before this copy of the secrets expires. A request
    // without the header cannot be that, and reads nothing.
    if (refusal === "mismatch") {
      const fresher = await secrets.recheck();
      if (fresher && isAcceptedSecret(presented, fresher)) refusal = undefined;
    }
  } catch (error) {
    log("error", "origin_secret.unreadable", { message: (error as Error).message });
    // The same answer as for unreadable client keys (access/api-keys.ts) and as the Python guard's.
    return jsonResponse(503, { jsonrpc: "2.0", error: { code: -32603, message: "The origin secret could not be read; try again shortly." }, id: null }, { "retry-after": "5" });
  }
  if (refusal === undefined) return undefined;
  const reason = ORIGIN_REFUSAL_REASONS[refusal];
  const pathname = request.path ?? new URL(request.url ?? "http://invalid/").pathname;
  if (!explain) {
    log("info", "origin.refused", { reason, method: request.method, path: pathname });
    return jsonResponse(403, { error: "Forbidden" });
  }
  log("warn", "origin.refused", { reason, method: request.method, path: pathname, hint: ORIGIN_VERIFY_HINT });
  // No WWW-Authenticate: this is not about the client's credentials, which were not looked at yet
  // (a 403 challenge would send an OAuth client into a scope step-up it does not need).
  return jsonResponse(403, {
    error: "Forbidden",
    message: `Refused by the origin guard: ${reason}; ${ORIGIN_VERIFY_HINT}. Your API key or token was not checked.`,
  });
}
