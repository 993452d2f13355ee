/**
 * Lambda Function URL events (payload format 2.0) to Web-standard Request/Response and back,
 * so the rest of the handler, like the MCP SDK's transport, speaks Request → Response.
 */

export interface FunctionUrlEvent {
  readonly rawPath: string;
  readonly rawQueryString?: string;
  /** Header names arrive lower-cased; repeated values comma-joined. */
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly requestContext: { readonly domainName?: string; readonly http: { readonly method: string } };
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

export function lowerCaseHeaders(headers: FunctionUrlEvent["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (value !== undefined) out[name.toLowerCase()] = value;
  return out;
}

export function toRequest(event: FunctionUrlEvent): Request {
  const headers = lowerCaseHeaders(event.headers);
  const method = event.requestContext.http.method.toUpperCase();
  const host = headers["host"] ?? event.requestContext.domainName ?? "localhost";
  const url = `https://${host}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ""}`;
  const hasBody = method !== "GET" && method !== "HEAD" && event.body !== undefined;
  return new Request(url, {
    method,
    headers,
    ...(hasBody ? { body: event.isBase64Encoded ? Buffer.from(event.body!, "base64") : event.body } : {}),
  });
}

export async function toResult(response: Response): Promise<FunctionUrlResult> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const type = headers["content-type"] ?? "";
  const textual = type === "" || /^(text\/|application\/(json|javascript|xml))|event-stream/.test(type);
  return {
    statusCode: response.status,
    headers,
    body: textual ? bytes.toString("utf8") : bytes.toString("base64"),
    isBase64Encoded: !textual,
  };
}
