/**
 * Node's http server ↔ Web-standard Request/Response, for the dev server. The request body stays a
 * stream until something reads it, so the origin guard and client authentication answer before a
 * single body byte is buffered (a declared length over the limit is refused by whatever reads the
 * body first, after those checks), and a body that grows past the limit is cut off.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { jsonResponse } from "./responses";

/** A Function URL refuses request payloads over 6 MB. */
export const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The Web Request for a Node request, or the 400 that refuses it before any body is read. Its signal
 * aborts when the client goes away before the response is finished.
 */
export function toWebRequest(req: IncomingMessage, res: ServerResponse, maxBytes = MAX_REQUEST_BYTES): Request | Response {
  const host = req.headers.host ?? "";
  if (!HOST.test(host)) return jsonResponse(400, { error: "Bad Request: missing or malformed Host header" });
  // Origin-form only ("/mcp"); "//mcp" stays a path, never an authority.
  if (!req.url?.startsWith("/")) return jsonResponse(400, { error: "Bad Request: the request target must be a path" });

  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  let seen = 0;
  const limited = Readable.from(
    (async function* () {
      for await (const chunk of req) {
        seen += (chunk as Buffer).length;
        if (seen > maxBytes) {
          req.destroy();
          throw new Error(`request body over ${maxBytes} bytes`);
        }
        yield chunk as Buffer;
      }
    })(),
  );
  const client = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) client.abort(new Error("the client disconnected"));
  });
  return new Request(`http://${host}${req.url}`, {
    method,
    headers,
    signal: client.signal,
    ...(hasBody ? { body: Readable.toWeb(limited) as ReadableStream<Uint8Array>, duplex: "half" } : {}),
  } as RequestInit);
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
      if (!res.write(value)) await new Promise((resolve) => res.once("drain", resolve));
    }
  } finally {
    res.end();
  }
}
