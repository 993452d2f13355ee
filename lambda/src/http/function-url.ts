/**
 * Lambda Function URL events (payload format 2.0) to Web-standard Requests, so the rest of the
 * handler, like the MCP SDK's transport, speaks Request → Response (lambda-stream.ts sends it back).
 */
import { malformedRequest, type MalformedRequest } from "./malformed";

export interface FunctionUrlEvent {
  readonly rawPath: string;
  readonly rawQueryString?: string;
  /** Header names arrive lower-cased; repeated values comma-joined. */
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly requestContext: { readonly domainName?: string; readonly http: { readonly method: string } };
}

export function lowerCaseHeaders(headers: FunctionUrlEvent["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (value !== undefined) out[name.toLowerCase()] = value;
  return out;
}

/**
 * The event as a Web Request; `signal` aborts it when the client goes away. An event no Request can
 * carry (malformed.ts) comes back described, for the handler to answer inside its guard.
 */
export function toRequest(event: FunctionUrlEvent, signal?: AbortSignal): Request | MalformedRequest {
  const headers = lowerCaseHeaders(event.headers);
  const method = event.requestContext.http.method.toUpperCase();
  const malformed = malformedRequest(method, event.rawPath, headers);
  if (malformed) return malformed;
  const host = headers["host"] ?? event.requestContext.domainName ?? "localhost";
  const url = `https://${host}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ""}`;
  const hasBody = method !== "GET" && method !== "HEAD" && event.body !== undefined;
  return new Request(url, {
    method,
    headers,
    ...(signal ? { signal } : {}),
    ...(hasBody ? { body: event.isBase64Encoded ? Buffer.from(event.body!, "base64") : event.body } : {}),
  });
}
