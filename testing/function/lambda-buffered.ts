/**
 * What a Function URL in invoke mode BUFFERED does with a handler's result (Lambda developer guide,
 * "Invoking Lambda function URLs", response payload format): a result with a `statusCode` is taken
 * as `{statusCode, headers, cookies, body, isBase64Encoded}`; anything else would be sent as a JSON
 * body with status 200, which no handler of ours may return. The runtime refuses a serialized result
 * over 6,291,556 bytes and the invocation fails; the client sees a 502.
 */

/** The runtime's limit on a buffered response payload, as its error names it. */
export const RUNTIME_PAYLOAD_LIMIT = 6_291_556;

export interface BufferedResponse {
  statusCode: number;
  /** Lower-cased names, as a client reads them. */
  headers: Record<string, string>;
  cookies: string[];
  /** The body as the client receives it, decoded from base64 where the result says so. */
  bytes: Buffer;
  /** The same, as UTF-8 text. */
  body: string;
  /** The result as the runtime serializes it. */
  payloadBytes: number;
}

/** Invokes a buffered handler as the runtime and the Function URL would, checking the result's shape on the way. */
export async function invokeBuffered<E, C>(handler: (event: E, context: C) => Promise<unknown>, event: E, context: C): Promise<BufferedResponse> {
  return readResult(await handler(event, context));
}

export function readResult(result: unknown): BufferedResponse {
  const payloadBytes = Buffer.byteLength(JSON.stringify(result));
  if (payloadBytes > RUNTIME_PAYLOAD_LIMIT) throw new Error(`Response payload size exceeded maximum allowed payload size (${RUNTIME_PAYLOAD_LIMIT} bytes).`);
  const r = result as Record<string, unknown>;
  if (typeof r !== "object" || r === null || !Number.isInteger(r["statusCode"])) {
    throw new Error("not a Function URL response: without a statusCode, Lambda would send the whole result as a JSON body with status 200");
  }
  const headers = (r["headers"] ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(headers)) if (typeof value !== "string") throw new Error(`header ${name} is not a string`);
  const cookies = (r["cookies"] ?? []) as unknown[];
  if (!Array.isArray(cookies) || cookies.some((c) => typeof c !== "string")) throw new Error("cookies is not a list of strings");
  if (typeof r["body"] !== "string") throw new Error("body is not a string");
  if (typeof r["isBase64Encoded"] !== "boolean") throw new Error("isBase64Encoded is not a boolean");
  const bytes = r["isBase64Encoded"] ? Buffer.from(r["body"], "base64") : Buffer.from(r["body"], "utf8");
  return {
    statusCode: r["statusCode"] as number,
    headers: Object.fromEntries(Object.entries(headers as Record<string, string>).map(([name, value]) => [name.toLowerCase(), value])),
    cookies: cookies as string[],
    bytes,
    body: bytes.toString("utf8"),
    payloadBytes,
  };
}
