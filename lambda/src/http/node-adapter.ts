/**
 * Node's http server ↔ Web-standard Request/Response, for the dev server. The request body stays a
 * stream until something reads it, so the origin guard and client authentication answer before a
 * single body byte is buffered; a body that grows past the limit ends there for its reader (which
 * answers 413) while the rest is read and dropped, so the client still gets that answer instead of a
 * reset connection.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { log } from "../log";
import { malformedRequest, type MalformedRequest } from "./malformed";
import { REQUEST_ID_HEADER } from "./responses";
import { writable } from "./lambda-stream";

/** A Function URL refuses request payloads over 6 MB. */
export const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The Web Request for a Node request, or what makes it one no Request can carry (a malformed Host or
 * target, a refused method). Its signal aborts when the client goes away before the response is
 * finished.
 */
export function toWebRequest(req: IncomingMessage, res: ServerResponse, maxBytes = MAX_REQUEST_BYTES): Request | MalformedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  const method = req.method ?? "GET";
  const host = req.headers.host ?? "";
  const path = req.url ?? "/";
  const bad = (problem: string): MalformedRequest => ({ malformed: true, method, path, headers: { get: (name) => headers[name.toLowerCase()] ?? null }, problem });
  if (!HOST.test(host)) return bad("Bad Request: missing or malformed Host header");
  // Origin-form only ("/mcp"); "//mcp" stays a path, never an authority.
  if (!path.startsWith("/")) return bad("Bad Request: the request target must be a path");
  const malformed = malformedRequest(method, path, headers);
  if (malformed) return malformed;

  const client = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) client.abort(new Error("the client disconnected"));
  });
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(`http://${host}${path}`, {
    method,
    headers,
    signal: client.signal,
    ...(hasBody ? { body: limitedBody(req, res, maxBytes), duplex: "half" } : {}),
  } as RequestInit);
}

/**
 * The body as a Web stream that ends once it has carried more than `maxBytes` (its reader sees too
 * many bytes and answers 413). Whatever the client still sends is read and dropped until the answer
 * has gone out, up to another `maxBytes`; only a client that keeps sending past that is cut off.
 */
function limitedBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): ReadableStream<Uint8Array> {
  let seen = 0;
  let dropping = false;
  let dropped = 0;
  const drop = () => {
    if (dropping) return;
    dropping = true;
    req.removeAllListeners("data");
    req.on("data", (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > maxBytes) req.destroy();
    });
    req.resume();
  };
  // A body nobody read to its end (a 401, a 413) is dropped the same way once the answer is sent.
  res.once("finish", () => {
    if (!req.complete) drop();
  });
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on("data", (chunk: Buffer) => {
        seen += chunk.length;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
        if (seen > maxBytes) {
          controller.close();
          drop();
        } else if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.once("end", () => {
        if (!dropping) controller.close();
      });
      req.once("error", (error) => {
        if (!dropping) controller.error(error);
      });
      req.pause();
    },
    pull() {
      if (!dropping) req.resume();
    },
    cancel() {
      drop();
    },
  });
}

/** Writes a Web Response to Node's response, streaming its body as it is produced (SSE included). */
export async function writeWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  // A client that hangs up cancels the body, which reaches whoever produces it (e.g. the SDK's stream).
  res.on("close", () => void reader.cancel().catch(() => {}));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // A client that hangs up never drains: waiting for "drain" alone would never end (the body is
      // cancelled, so the next read is done).
      if (!res.write(value)) await writable(res);
    }
  } finally {
    res.end();
  }
}

export type NodeServedHandler = (incoming: () => Request | MalformedRequest, context: { readonly requestId: string }) => Promise<Response>;

/**
 * A Node request listener around the handler: it names each request (the id the handler puts on its
 * answer, and this listener's own 500 if writing the answer fails before it started).
 */
export function serveNode(handle: NodeServedHandler): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const requestId = randomUUID();
    void (async () => {
      try {
        await writeWebResponse(res, await handle(() => toWebRequest(req, res), { requestId }));
      } catch (error) {
        log("error", "dev_server.failed", { requestId, message: (error as Error).message });
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json", [REQUEST_ID_HEADER]: requestId });
        res.end(JSON.stringify({ error: "Internal Server Error", requestId }));
      }
    })();
  };
}

/**
 * Node's parser refuses some requests before any listener sees them (a header name with a space, a
 * bad chunk size, headers past its 16 KB): without a `clientError` listener Node answers a bare
 * `400 Bad Request`, with no request id and no JSON. This answers them as the handler answers its
 * own 400s: the same JSON shape and the id, also in the log line. The status is the one Node would
 * give (431 headers too large, 413 chunk extensions too large, 408 timed out, else 400). The
 * connection is closed: after a parse error the rest of its bytes cannot be trusted to frame anything.
 * No part of the refused request is echoed: its bytes are whatever the client sent.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // Nobody is left to read an answer.
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const requestId = randomUUID();
  const [status, reason, why] = CLIENT_ERRORS[error.code ?? ""] ?? [400, "Bad Request", "the request is not valid HTTP/1.1"];
  log("info", "dev_server.client_error", { requestId, code: error.code, status });
  const body = JSON.stringify({ error: `${reason}: ${why}`, requestId });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
    `${REQUEST_ID_HEADER}: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** Node's own choice of status per parser error (lib/_http_server.js, socketOnError), with what to tell the client. */
const CLIENT_ERRORS: Readonly<Record<string, readonly [number, string, string]>> = {
  HPE_HEADER_OVERFLOW: [431, "Request Header Fields Too Large", "the request's headers are larger than the server accepts"],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, "Payload Too Large", "the request's chunk extensions are larger than the server accepts"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Request Timeout", "the request did not arrive whole in time"],
};
