import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { bundleEdgeFunction } from "../../stacks/edge/edge-bundle";
import { CONTENT_SHA256_ENTRY } from "../../stacks/edge/content-hash-edge-function";
import { PROJECT_ROOT } from "../../testing/paths";
import {
  CONTENT_SHA256_HEADER,
  EMPTY_BODY_SHA256,
  handler,
  type CloudFrontRequest,
  type CloudFrontRequestEvent,
  type CloudFrontResponse,
} from "../../lambda/edge/content-sha256";

const sha256 = (bytes: string | Buffer) => createHash("sha256").update(bytes).digest("hex");

/** A CloudFront origin-request event for a Lambda Function URL origin, as Lambda@Edge receives it with include_body. */
function originRequest(method: string, body?: CloudFrontRequest["body"], headers: CloudFrontRequest["headers"] = {}): CloudFrontRequestEvent {
  return {
    Records: [
      {
        cf: {
          config: { distributionDomainName: "d111111abcdef8.cloudfront.net", distributionId: "EDFDVBD6EXAMPLE", eventType: "origin-request", requestId: "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==" },
          request: {
            clientIp: "203.0.113.178",
            method,
            uri: "/mcp",
            querystring: "",
            headers: {
              host: [{ key: "Host", value: "abcdefghijklmnop.lambda-url.eu-west-1.on.aws" }],
              "content-type": [{ key: "Content-Type", value: "application/json" }],
              accept: [{ key: "Accept", value: "application/json, text/event-stream" }],
              ...headers,
            },
            origin: { custom: { domainName: "abcdefghijklmnop.lambda-url.eu-west-1.on.aws", port: 443, protocol: "https", path: "", sslProtocols: ["TLSv1.2"], readTimeout: 120, keepaliveTimeout: 5, customHeaders: {} } },
            ...(body ? { body } : {}),
          },
        },
      },
    ],
  };
}

const base64Body = (data: string | Buffer, inputTruncated = false): CloudFrontRequest["body"] => ({
  inputTruncated,
  action: "read-only",
  encoding: "base64",
  data: Buffer.from(data).toString("base64"),
});

async function forwarded(event: CloudFrontRequestEvent): Promise<CloudFrontRequest> {
  const result = await handler(event);
  expect(result).not.toHaveProperty("status");
  return result as CloudFrontRequest;
}

describe("content-sha256 (Lambda@Edge, origin request)", () => {
  const toolsCall = JSON.stringify({
    jsonrpc: "2.0", id: 1, method: "tools/call",
    params: { name: "create_deck", arguments: { deck_name: "Deutsch::Grundlagen", language: "de-DE", cards: [{ front: "über", back: "over" }, { front: "日本", back: "Japan" }] } },
  });

  it("sets x-amz-content-sha256 to the hex SHA-256 of the exact body bytes (base64 from CloudFront)", async () => {
    const request = await forwarded(originRequest("POST", base64Body(toolsCall)));
    expect(request.headers[CONTENT_SHA256_HEADER]).toEqual([{ key: "x-amz-content-sha256", value: sha256(Buffer.from(toolsCall, "utf8")) }]);
  });

  it("hashes bytes, not text: a body that is not valid UTF-8 keeps its hash", async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28]);
    const request = await forwarded(originRequest("PUT", base64Body(bytes)));
    expect(request.headers[CONTENT_SHA256_HEADER]![0]!.value).toBe(sha256(bytes));
    expect(request.headers[CONTENT_SHA256_HEADER]![0]!.value).not.toBe(sha256(bytes.toString("utf8")));
  });

  it("hashes a text-encoded body as its UTF-8 bytes", async () => {
    const request = await forwarded(originRequest("POST", { inputTruncated: false, action: "read-only", encoding: "text", data: toolsCall }));
    expect(request.headers[CONTENT_SHA256_HEADER]![0]!.value).toBe(sha256(toolsCall));
  });

  it.each([
    ["an empty body", base64Body("")],
    ["no body at all", undefined],
  ])("declares the empty payload's hash for a POST with %s", async (_what, body) => {
    const request = await forwarded(originRequest("POST", body));
    expect(request.headers[CONTENT_SHA256_HEADER]![0]!.value).toBe(EMPTY_BODY_SHA256);
    expect(EMPTY_BODY_SHA256).toBe(sha256(""));
  });

  it("hashes DELETE and OPTIONS too: every method that may carry a payload is signed with its hash", async () => {
    for (const method of ["DELETE", "OPTIONS", "PATCH"]) {
      const request = await forwarded(originRequest(method, base64Body("")));
      expect(request.headers[CONTENT_SHA256_HEADER]![0]!.value).toBe(EMPTY_BODY_SHA256);
    }
  });

  it("replaces a hash the viewer sent, so a client cannot make CloudFront sign a payload it did not send", async () => {
    const request = await forwarded(originRequest("POST", base64Body(toolsCall), { "x-amz-content-sha256": [{ key: "X-Amz-Content-Sha256", value: "0".repeat(64) }] }));
    expect(request.headers[CONTENT_SHA256_HEADER]).toEqual([{ key: "x-amz-content-sha256", value: sha256(toolsCall) }]);
  });

  it("changes nothing else: the body stays read-only and the other headers and the origin pass through", async () => {
    const event = originRequest("POST", base64Body(toolsCall));
    const before = structuredClone(event.Records[0]!.cf.request);
    const request = await forwarded(event);
    const { [CONTENT_SHA256_HEADER]: _added, ...otherHeaders } = request.headers;
    expect({ ...request, headers: otherHeaders }).toEqual(before);
    expect(request.body).toEqual({ inputTruncated: false, action: "read-only", encoding: "base64", data: Buffer.from(toolsCall).toString("base64") });
  });

  it.each(["GET", "HEAD"])("passes a %s through unchanged", async (method) => {
    const event = originRequest(method);
    const before = structuredClone(event.Records[0]!.cf.request);
    const request = await forwarded(event);
    expect(request).toEqual(before);
    expect(request.headers[CONTENT_SHA256_HEADER]).toBeUndefined();
  });

  it("answers 413 with a small JSON body when CloudFront truncated the body (over 1 MB), never a wrong hash", async () => {
    const firstMegabyte = "x".repeat(1024 * 1024);
    const result = (await handler(originRequest("POST", base64Body(firstMegabyte, true)))) as CloudFrontResponse;
    expect(result.status).toBe("413");
    expect(result.statusDescription).toBe("Payload Too Large");
    expect(result.headers["content-type"]).toEqual([{ key: "Content-Type", value: "application/json" }]);
    expect(JSON.parse(result.body)).toEqual({ error: "Payload Too Large", message: expect.stringContaining("over 1 MB") });
    expect(result).not.toHaveProperty("headers.x-amz-content-sha256");
    expect(result.body.length).toBeLessThan(300);
  });
});

describe("the zip the stack deploys", () => {
  const bundle = bundleEdgeFunction({ projectRoot: PROJECT_ROOT, entry: CONTENT_SHA256_ENTRY });
  const dir = mkdtempSync(join(tmpdir(), "ankify-edge-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("holds one small CommonJS index.js whose handler hashes like the source", async () => {
    const files = unzipSync(readFileSync(bundle.zipPath));
    expect(Object.keys(files)).toEqual(["index.js"]);
    expect(bundle.bytes).toBeLessThan(10_000);
    writeFileSync(join(dir, "index.js"), files["index.js"]!);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const deployed = require(join(dir, "index.js")) as { handler: typeof handler };
    const body = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/list" });
    const request = (await deployed.handler(originRequest("POST", base64Body(body)))) as CloudFrontRequest;
    expect(request.headers[CONTENT_SHA256_HEADER]![0]!.value).toBe(sha256(body));
    const tooLarge = (await deployed.handler(originRequest("POST", base64Body("x", true)))) as CloudFrontResponse;
    expect(tooLarge.status).toBe("413");
  });

  it("is byte-for-byte the same on every build and in every time zone, so plans show a change only when the code changed", () => {
    expect(createHash("sha256").update(readFileSync(bundle.zipPath)).digest("base64")).toBe(bundle.sha256Base64);
    // A fresh build (another root, so nothing is reused) on a machine with another clock.
    const otherRoot = mkdtempSync(join(tmpdir(), "ankify-edge-root-"));
    const zone = process.env["TZ"];
    try {
      mkdirSync(join(otherRoot, "lambda", "edge"), { recursive: true });
      copyFileSync(join(PROJECT_ROOT, CONTENT_SHA256_ENTRY), join(otherRoot, CONTENT_SHA256_ENTRY));
      process.env["TZ"] = "Pacific/Chatham";
      const rebuilt = bundleEdgeFunction({ projectRoot: otherRoot, entry: CONTENT_SHA256_ENTRY });
      expect(rebuilt.sha256Base64).toBe(bundle.sha256Base64);
      expect(readFileSync(rebuilt.zipPath).equals(readFileSync(bundle.zipPath))).toBe(true);
    } finally {
      if (zone === undefined) delete process.env["TZ"];
      else process.env["TZ"] = zone;
      rmSync(otherRoot, { recursive: true, force: true });
    }
  });
});
