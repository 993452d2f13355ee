import { randomUUID, createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One object as S3 keeps it. */
export interface FakeObject {
  readonly body: Buffer;
  readonly contentType?: string;
  readonly contentDisposition?: string;
  /** User metadata (`x-amz-meta-*` headers), by lower-case name without the prefix. */
  readonly metadata?: Readonly<Record<string, string>>;
}

export type S3Operation = "PutObject" | "CreateMultipartUpload" | "UploadPart" | "CompleteMultipartUpload" | "AbortMultipartUpload" | "DeleteObject" | "GetObject";

/** A scripted misbehaviour: the next matching request answers an S3 error, or is read and never answered. */
export interface Fault {
  readonly operation: S3Operation;
  /** UploadPart only: the part it applies to. */
  readonly partNumber?: number;
  /** S3's error (status, Code, Message), e.g. 503 SlowDown. */
  readonly error?: { readonly status: number; readonly code: string; readonly message: string };
  /** Read the request and never answer (a stalled connection). */
  readonly stall?: boolean;
  /** How many matching requests it applies to. @default 1 */
  times?: number;
}

/** S3's documented errors the stand-in can answer with. */
export const S3_ERRORS = {
  SlowDown: { status: 503, code: "SlowDown", message: "Please reduce your request rate." },
  AccessDenied: { status: 403, code: "AccessDenied", message: "Access Denied" },
} as const;

/**
 * A loopback stand-in for the S3 REST API (path-style) as the deck store uses it: PutObject,
 * multipart uploads (create, upload part, complete, abort), DeleteObject and GetObject. It follows
 * S3's rules where they matter to an upload: an object exists only once its PUT (or the multipart
 * completion) has been received whole — a body shorter than its Content-Length is refused with
 * IncompleteBody and stores nothing — parts of a multipart upload stay (and are billed) until it is
 * completed or aborted, and errors are S3's XML <Error> documents. Conditional writes follow the
 * PutObject reference: `If-None-Match: *` stores only when no object has the key, `If-Match: <ETag>`
 * only when the object's ETag is that one (both: 412 PreconditionFailed otherwise; `If-Match` on a
 * missing key: 404 NoSuchKey; any other `If-None-Match` value: 501 NotImplemented). Faults can be
 * scripted. It does not check signatures or checksums (use requestChecksumCalculation: "WHEN_REQUIRED").
 */
export class FakeS3 {
  readonly objects = new Map<string, FakeObject>();
  /** Multipart uploads in progress: upload id → key and parts received. */
  readonly uploads = new Map<string, { key: string; parts: Map<number, Buffer> }>();
  /** Every request, as `Operation key` (UploadPart with its number). */
  readonly requests: string[] = [];
  readonly faults: Fault[] = [];
  /** Stalled requests (`Operation key`) whose client closed the connection while waiting: the SDK call was aborted. */
  readonly abandoned: string[] = [];
  private server?: Server;
  private stopping = false;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.stopping = true;
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://s3.local");
    const [, bucket = "", ...rest] = url.pathname.split("/");
    const key = decodeURIComponent(rest.join("/"));
    const objectKey = `${bucket}/${key}`;
    const q = url.searchParams;
    const operation: S3Operation | undefined =
      req.method === "PUT" && q.has("uploadId") ? "UploadPart"
        : req.method === "PUT" ? "PutObject"
          : req.method === "POST" && q.has("uploads") ? "CreateMultipartUpload"
            : req.method === "POST" && q.has("uploadId") ? "CompleteMultipartUpload"
              : req.method === "DELETE" && q.has("uploadId") ? "AbortMultipartUpload"
                : req.method === "DELETE" ? "DeleteObject"
                  : req.method === "GET" ? "GetObject" : undefined;
    const partNumber = Number(q.get("partNumber") ?? 0);
    this.requests.push(`${operation} ${key}${operation === "UploadPart" ? ` #${partNumber}` : ""}`);

    const body = await readWhole(req);
    const fault = this.faults.find((f) => f.operation === operation && (f.partNumber === undefined || f.partNumber === partNumber) && (f.times ?? 1) > 0);
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.stall) return void res.once("close", () => this.stopping || this.abandoned.push(`${operation} ${key}`));
      if (fault.error) return sendError(res, fault.error.status, fault.error.code, fault.error.message, key);
    }
    // A client that gave up mid-body: S3 never stores what it did not receive whole.
    if (body === undefined) return;
    const declared = req.headers["content-length"];
    if ((operation === "PutObject" || operation === "UploadPart") && declared !== undefined && Number(declared) !== body.length) {
      return sendError(res, 400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.", key);
    }
    switch (operation) {
      case "PutObject": {
        const refused = preconditionFailure(this.objects.get(objectKey), req.headers["if-none-match"], req.headers["if-match"]);
        if (refused) return sendError(res, refused.status, refused.code, refused.message, key);
        const contentType = req.headers["content-type"];
        const contentDisposition = req.headers["content-disposition"];
        const metadata = Object.fromEntries(Object.entries(req.headers)
          .filter(([name]) => name.startsWith("x-amz-meta-")).map(([name, value]) => [name.slice("x-amz-meta-".length), String(value)]));
        this.objects.set(objectKey, {
          body, ...(contentType ? { contentType } : {}), ...(contentDisposition ? { contentDisposition } : {}), ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
        });
        res.writeHead(200, { etag: etag(body) });
        return void res.end();
      }
      case "CreateMultipartUpload": {
        const uploadId = randomUUID();
        this.uploads.set(uploadId, { key: objectKey, parts: new Map() });
        return sendXml(res, 200, `<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`);
      }
      case "UploadPart": {
        const upload = this.uploads.get(q.get("uploadId") ?? "");
        if (!upload) return sendError(res, 404, "NoSuchUpload", "The specified upload does not exist.", key);
        upload.parts.set(partNumber, body);
        res.writeHead(200, { etag: etag(body) });
        return void res.end();
      }
      case "CompleteMultipartUpload": {
        const uploadId = q.get("uploadId") ?? "";
        const upload = this.uploads.get(uploadId);
        if (!upload) return sendError(res, 404, "NoSuchUpload", "The specified upload does not exist.", key);
        const listed = [...body.toString("utf8").matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1]));
        if (listed.some((n, i) => !upload.parts.has(n) || (i > 0 && n <= listed[i - 1]!))) {
          return sendError(res, 400, "InvalidPart", "One or more of the specified parts could not be found.", key);
        }
        const whole = Buffer.concat(listed.map((n) => upload.parts.get(n)!));
        this.objects.set(upload.key, { body: whole });
        this.uploads.delete(uploadId);
        return sendXml(res, 200, `<CompleteMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${escapeXml(key)}</Key><ETag>${etag(whole)}</ETag></CompleteMultipartUploadResult>`);
      }
      case "AbortMultipartUpload": {
        if (!this.uploads.delete(q.get("uploadId") ?? "")) return sendError(res, 404, "NoSuchUpload", "The specified upload does not exist.", key);
        res.writeHead(204);
        return void res.end();
      }
      case "DeleteObject": {
        this.objects.delete(objectKey);
        res.writeHead(204);
        return void res.end();
      }
      case "GetObject": {
        const object = this.objects.get(objectKey);
        if (!object) return sendError(res, 404, "NoSuchKey", "The specified key does not exist.", key);
        const metadata = Object.fromEntries(Object.entries(object.metadata ?? {}).map(([name, value]) => [`x-amz-meta-${name}`, value]));
        res.writeHead(200, { "content-length": object.body.length, etag: etag(object.body), ...metadata });
        return void res.end(object.body);
      }
      default:
        return sendError(res, 501, "NotImplemented", "A header you provided implies functionality that is not implemented.", key);
    }
  }
}

/**
 * Why a conditional PutObject may not store (AmazonS3/latest/API/API_PutObject.html, If-Match and
 * If-None-Match; user guide "conditional-writes"), or undefined when it may. Requests are handled one
 * at a time here, so S3's 409 ConditionalRequestConflict (two conditional writes racing) never arises.
 */
function preconditionFailure(existing: FakeObject | undefined, ifNoneMatch: string | undefined, ifMatch: string | undefined): { status: number; code: string; message: string } | undefined {
  const failed = { status: 412, code: "PreconditionFailed", message: "At least one of the pre-conditions you specified did not hold" };
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch !== "*") return { status: 501, code: "NotImplemented", message: "A header you provided implies functionality that is not implemented" };
    if (existing) return failed;
  }
  if (ifMatch !== undefined) {
    if (!existing) return { status: 404, code: "NoSuchKey", message: "The specified key does not exist." };
    if (ifMatch !== "*" && ifMatch !== etag(existing.body)) return failed;
  }
  return undefined;
}

/** The whole body, or undefined if the client went away before sending it. */
function readWhole(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("close", () => {
      if (!req.complete) resolve(undefined);
    });
  });
}

const etag = (body: Buffer) => `"${createHash("md5").update(body).digest("hex")}"`;
const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function sendXml(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { "content-type": "application/xml" });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
}

/** S3's error document (AmazonS3/latest/API/ErrorResponses.html). */
function sendError(res: ServerResponse, status: number, code: string, message: string, resource: string): void {
  sendXml(res, status, `<Error><Code>${code}</Code><Message>${message}</Message><Resource>${escapeXml(resource)}</Resource><RequestId>${randomUUID()}</RequestId><HostId>fake-s3</HostId></Error>`);
}
