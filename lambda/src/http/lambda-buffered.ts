/**
 * Lambda Function URLs in invoke mode BUFFERED: the handler returns one response object (payload
 * format 2.0: `statusCode`, `headers`, `cookies`, `body`, `isBase64Encoded`), which the Function URL
 * sends when the function returns. Lambda takes a response payload of at most 6 MB; over that the
 * runtime fails the invocation ("Response payload size exceeded maximum allowed payload size") and
 * the client gets a bare 502. This module answers a clear 500 instead, reading no more of the body
 * than fits.
 */
import { REQUEST_ID_HEADER } from "../handler";
import { log } from "../log";
import { jsonRpcErrorResponse } from "./responses";

/** The documented 6 MB (the runtime's own cap is 6,291,556 bytes of serialized payload). */
export const MAX_BUFFERED_RESPONSE_BYTES = 6 * 1024 * 1024;

/** What a buffered Function URL expects from a Node.js handler (payload format 2.0). */
export interface FunctionUrlResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  /** Each a `Set-Cookie` value: Lambda adds one header per cookie, which a headers map cannot hold. */
  readonly cookies?: string[];
  readonly body: string;
  readonly isBase64Encoded: boolean;
}

// UTF-8 is sent as text; anything else as base64 (Lambda decodes it). ignoreBOM: a body's BOM is kept.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * `response` as a buffered Function URL's result: the whole body read, then sent as text when it is
 * UTF-8, as base64 otherwise. An answer over MAX_BUFFERED_RESPONSE_BYTES once serialized (base64 and
 * JSON escaping count) becomes a 500 JSON-RPC error that keeps the original's request id header.
 */
export async function toFunctionUrlResult(response: Response): Promise<FunctionUrlResult> {
  const body = await readAtMost(response, MAX_BUFFERED_RESPONSE_BYTES);
  if (body === undefined) return tooLarge(response, `more than ${MAX_BUFFERED_RESPONSE_BYTES} bytes`);
  const result = resultOf(response, body);
  const bytes = payloadBytes(result);
  return bytes <= MAX_BUFFERED_RESPONSE_BYTES ? result : tooLarge(response, `${bytes} bytes`);
}

/** The size Lambda counts: the result as the runtime serializes it. */
export function payloadBytes(result: FunctionUrlResult): number {
  return Buffer.byteLength(JSON.stringify(result));
}

function resultOf(response: Response, body: Uint8Array): FunctionUrlResult {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  let text: string | undefined;
  try {
    text = utf8.decode(body);
  } catch {
    text = undefined;
  }
  return {
    statusCode: response.status,
    headers,
    ...(cookies.length > 0 ? { cookies } : {}),
    body: text ?? Buffer.from(body).toString("base64"),
    isBase64Encoded: text === undefined,
  };
}

/** The body, or undefined once it passes `limit` bytes: the rest is cancelled, never held. */
async function readAtMost(response: Response, limit: number): Promise<Uint8Array | undefined> {
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, total);
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel(new Error("the answer is larger than a buffered Function URL can return"));
      return undefined;
    }
    chunks.push(value);
  }
}

/** The refusal: small, JSON-RPC shaped (MCP clients read it), and naming the request like every answer. */
async function tooLarge(original: Response, size: string): Promise<FunctionUrlResult> {
  const requestId = original.headers.get(REQUEST_ID_HEADER);
  log("error", "response.too_large", { requestId, status: original.status, size, limit: MAX_BUFFERED_RESPONSE_BYTES });
  const answer = jsonRpcErrorResponse(500, -32603,
    `Internal error: the answer (${size}) is larger than the ${MAX_BUFFERED_RESPONSE_BYTES / (1024 * 1024)} MB a buffered Function URL can return.`,
    requestId !== null ? { [REQUEST_ID_HEADER]: requestId } : {});
  return resultOf(answer, new Uint8Array(await answer.arrayBuffer()));
}
