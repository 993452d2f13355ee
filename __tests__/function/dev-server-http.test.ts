import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { serveNode } from "../../lambda/src/http/node-adapter";
import { runDevServer, type Running } from "../../testing/function/harness";

/** A raw HTTP/1.1 exchange, so the test controls what fetch would normalise (Host, chunking). */
function raw(url: string, options: { method?: string; path?: string; headers: Record<string, string>; body?: (write: (chunk: Buffer) => boolean) => Promise<void> }) {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method: options.method ?? "POST", path: options.path ?? "/mcp", headers: options.headers, setHost: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    if (!options.body) return void req.end();
    void options.body((chunk) => req.write(chunk)).then(() => req.end(), reject);
  });
}

/** Sends `bytes` as they are and reads until the server closes the connection (a hang guard ends the wait). */
function rawBytes(url: string, bytes: string) {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: number; headers: Record<string, string>; body: string }>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(bytes));
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("error", reject);
    // Resolves only once the server has closed its side: an answer on a connection left open would hang here.
    socket.on("close", () => {
      const [head = "", body = ""] = text.split("\r\n\r\n");
      const [statusLine = "", ...lines] = head.split("\r\n");
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body });
    });
  });
}

describe("the dev server's own answers", () => {
  let run: Running;
  beforeAll(async () => (run = await runDevServer()));
  afterAll(() => run.stop());
  const host = () => new URL(run.dev.url).host;

  it("answers a malformed Host with 400 and the request id, after the origin guard", async () => {
    const withSecret = await raw(run.dev.url, { method: "GET", path: "/", headers: { host: "bad host!", "x-origin-verify": run.secrets[0]! } });
    expect(withSecret.status).toBe(400);
    expect(withSecret.headers["x-ankify-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(withSecret.body)).toEqual({ error: "Bad Request: missing or malformed Host header", requestId: withSecret.headers["x-ankify-request-id"] });
    const withoutSecret = await raw(run.dev.url, { method: "GET", path: "/", headers: { host: "bad host!" } });
    expect(withoutSecret.status).toBe(403);
    expect(withoutSecret.headers["x-ankify-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers what Node's parser refuses (a header name with a space) as its other 400s: JSON, the request id, the connection closed", async () => {
    const response = await rawBytes(run.dev.url, `POST /mcp HTTP/1.1\r\nHost: ${host()}\r\nx-origin-verify: ${run.secrets[0]!}\r\nbad name: 1\r\ncontent-length: 0\r\n\r\n`);
    expect(response.status).toBe(400);
    expect(response.headers["x-ankify-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers["content-type"]).toBe("application/json");
    expect(response.headers["connection"]).toBe("close");
    expect(JSON.parse(response.body)).toEqual({ error: "Bad Request: the request is not valid HTTP/1.1", requestId: response.headers["x-ankify-request-id"] });
  }, 30_000);

  it("answers headers past Node's limit with 431, as Node would, with the request id", async () => {
    const response = await rawBytes(run.dev.url, `GET / HTTP/1.1\r\nHost: ${host()}\r\nx-filler: ${"a".repeat(20_000)}\r\n\r\n`);
    expect(response.status).toBe(431);
    expect(JSON.parse(response.body)).toEqual({ error: "Request Header Fields Too Large: the request's headers are larger than the server accepts", requestId: response.headers["x-ankify-request-id"] });
    expect(response.headers["x-ankify-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  }, 30_000);

  it("answers TRACE (which Node passes on and fetch's Request refuses) with 405 and the request id", async () => {
    const response = await raw(run.dev.url, { method: "TRACE", path: "/mcp", headers: { host: host(), "x-origin-verify": run.secrets[0]! } });
    expect(response.status).toBe(405);
    expect(response.headers["allow"]).toBe("POST");
    expect(response.headers["x-ankify-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers a chunked body over 6 MB with 413 (not a reset), and the request id", async () => {
    const megabyte = Buffer.alloc(1024 * 1024, 0x20);
    const response = await raw(run.dev.url, {
      headers: {
        host: host(), "x-origin-verify": run.secrets[0]!, authorization: `Bearer ${run.apiKey}`,
        "content-type": "application/json", accept: "application/json, text/event-stream", "transfer-encoding": "chunked",
      },
      body: async (write) => {
        for (let i = 0; i < 7; i++) {
          if (!write(megabyte)) await new Promise((resolve) => setTimeout(resolve, 1));
        }
      },
    });
    expect(response.status).toBe(413);
    expect(response.headers["x-ankify-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(response.body).error.message).toMatch(/Request body too large: at most 6291456 bytes/);
  }, 30_000);
});

describe("the dev server's request listener", () => {
  it("answers a failure outside the handler with 500 JSON naming the request, as its log line does", async () => {
    const server = createServer(serveNode(async () => { throw new Error("the store is not up"); }));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    process.env["ANKIFY_LOG_LEVEL"] = "error";
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(response.status).toBe(500);
      const id = response.headers.get("x-ankify-request-id");
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(await response.json()).toEqual({ error: "Internal Server Error", requestId: id });
      expect(JSON.parse(written.find((line) => line.includes("dev_server.failed"))!)).toEqual(expect.objectContaining({ requestId: id, message: "the store is not up" }));
    } finally {
      process.env["ANKIFY_LOG_LEVEL"] = "silent";
      spy.mockRestore();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
