/**
 * Requests a Web `Request` cannot carry. `fetch`'s Request refuses some methods (CONNECT, TRACE,
 * TRACK), header names that are not HTTP tokens and header values outside Latin-1 or with line
 * breaks, by throwing. Function URL events and Node's server hand us all of these (a Function URL
 * decodes header values as Unicode text), so the adapters check first and describe what they got
 * instead; the handler answers it inside its guard: 403 without the origin secret, else 405 or 400,
 * always with the request id — never a function error.
 */
import { boundEcho } from "./echo";

export interface MalformedRequest {
  readonly malformed: true;
  readonly method: string;
  /** The path, for the 404/405 the route would give any other method there. */
  readonly path: string;
  /** What the origin guard reads (`x-origin-verify`). */
  readonly headers: { get(name: string): string | null };
  /** Why it cannot be served (a 400); absent when only the method is refused (a 405). */
  readonly problem?: string;
}

export function isMalformed(request: Request | MalformedRequest): request is MalformedRequest {
  return (request as MalformedRequest).malformed === true;
}

// RFC 9110 §5.6.2: methods and field names are tokens.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Field values: visible Latin-1 text, spaces and tabs (obs-text included, as Node's own parser allows).
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Methods `new Request()` refuses (Fetch standard: forbidden methods). */
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

/**
 * The request as a MalformedRequest when `new Request(url, {method, headers})` would throw for it, or
 * undefined when it can be built. `headers` are lower-cased names with single (joined) values.
 */
export function malformedRequest(method: string, path: string, headers: Readonly<Record<string, string>>): MalformedRequest | undefined {
  const problem = headerProblem(headers) ?? (TOKEN.test(method) ? undefined : "Bad Request: the method is not an HTTP token");
  if (problem === undefined && !FORBIDDEN_METHODS.has(method.toUpperCase())) return undefined;
  return {
    malformed: true,
    method,
    path,
    headers: { get: (name) => headers[name.toLowerCase()] ?? null },
    ...(problem ? { problem } : {}),
  };
}

function headerProblem(headers: Readonly<Record<string, string>>): string | undefined {
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name)) return `Bad Request: header ${JSON.stringify(boundEcho(name))} is not a valid header name (names are HTTP tokens: no spaces or separators)`;
    if (!FIELD_VALUE.test(value)) return `Bad Request: header ${JSON.stringify(boundEcho(name))} has a value HTTP does not allow (Latin-1 text without line breaks or control characters)`;
  }
  return undefined;
}
