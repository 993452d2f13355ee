/**
 * Lambda@Edge, origin request, oac mode only: puts the body's SHA-256 in `x-amz-content-sha256`
 * before CloudFront signs the request for the Function URL.
 *
 * With Origin Access Control, CloudFront signs every origin request with SigV4 but does not hash the
 * body; Lambda's IAM auth accepts no unsigned payload, so a POST without this header is refused with
 * 403 — and no MCP client sends it. CloudFront runs origin-request functions before it signs, so the
 * header set here is the one it signs.
 *
 * Plain Node, no dependencies: Lambda@Edge has no environment variables or layers, and a small zip
 * starts fast at every edge.
 */
import { createHash } from "node:crypto";

export const CONTENT_SHA256_HEADER = "x-amz-content-sha256";
/** SHA-256 of zero bytes: what a request without a body declares. */
export const EMPTY_BODY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** CloudFront's headers: lower-case name → every value, each with the name as the viewer spelled it. */
export type CloudFrontHeaders = Record<string, Array<{ key?: string; value: string }>>;

/** The origin-request event's request, as far as this function reads it. */
export interface CloudFrontRequest {
  method: string;
  uri: string;
  querystring: string;
  headers: CloudFrontHeaders;
  /** Present with the association's `include_body`; CloudFront base64-encodes what it exposes. */
  body?: {
    /** True when the body was over 1 MB and `data` holds only its first 1 MB. */
    inputTruncated: boolean;
    action: "read-only" | "replace";
    encoding: "base64" | "text";
    data: string;
  };
  [other: string]: unknown;
}

export interface CloudFrontRequestEvent {
  Records: Array<{ cf: { config?: Record<string, unknown>; request: CloudFrontRequest } }>;
}

/** A response CloudFront returns to the viewer instead of forwarding the request. */
export interface CloudFrontResponse {
  status: string;
  statusDescription: string;
  headers: CloudFrontHeaders;
  body: string;
}

/**
 * CloudFront forwards no body with these, and Lambda's IAM auth signs them without the header (AWS
 * asks for it on requests with a payload: "If you use PUT or POST methods…"), so they pass unchanged.
 */
const METHODS_WITHOUT_BODY = new Set(["GET", "HEAD"]);

export async function handler(event: CloudFrontRequestEvent): Promise<CloudFrontRequest | CloudFrontResponse> {
  const request = event.Records[0]!.cf.request;
  if (METHODS_WITHOUT_BODY.has(request.method)) return request;
  // Lambda@Edge sees at most 1 MB of an origin request's body; hashing a prefix would sign the wrong
  // payload and Lambda would answer a confusing 403. Say what is wrong instead.
  if (request.body?.inputTruncated) return payloadTooLarge();
  const data = request.body?.data ?? "";
  const bytes = Buffer.from(data, request.body?.encoding === "text" ? "utf8" : "base64");
  request.headers[CONTENT_SHA256_HEADER] = [{ key: CONTENT_SHA256_HEADER, value: sha256Hex(bytes) }];
  return request;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function payloadTooLarge(): CloudFrontResponse {
  return {
    status: "413",
    statusDescription: "Payload Too Large",
    headers: {
      "content-type": [{ key: "Content-Type", value: "application/json" }],
      "cache-control": [{ key: "Cache-Control", value: "no-store" }],
    },
    body: JSON.stringify({
      error: "Payload Too Large",
      message: "The request body is over 1 MB, the most this endpoint accepts; send fewer or shorter cards per create_deck call.",
    }),
  };
}
