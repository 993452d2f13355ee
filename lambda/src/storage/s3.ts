import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { AbortMultipartUploadCommand, CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { CLEANUP_TIMEOUT_MS } from "../deadline";
import { log } from "../log";

export interface StoredDeck {
  /** Presigned GET link; its path ends in `.apkg`. */
  readonly url: string;
  readonly expiresAt: Date;
}

/** A package on disk, ready to store. */
export interface PackageFile {
  readonly path: string;
  readonly bytes: number;
}

export interface DeckStore {
  /** Stores the package under `key`, whole or not at all; `signal` abandons the upload. */
  save(key: string, file: PackageFile, downloadName: string, signal: AbortSignal): Promise<StoredDeck>;
}

export interface S3DeckStoreOptions {
  /**
   * Upload under this prefix first and copy to the deck's key once whole, then delete the copy
   * uploaded: for S3-compatible stores that keep what they received of an interrupted upload
   * (s3rver, the dev server's). S3 itself stores an object only once received whole. @default none
   */
  readonly stagingPrefix?: string;
}

/**
 * Decks in S3 (AWS, or an S3-compatible server locally), downloaded through presigned links so the
 * bucket stays private. A link dies at `expiresIn` or when the signing credentials do, whichever
 * comes first: with a Lambda role that can be sooner, so keep the TTL to hours.
 *
 * Uploads go through lib-storage's Upload, part by part from the file (5 MB parts, a few at a time,
 * so memory stays bounded whatever the package's size): each part, or the single PUT of a small
 * package, is a buffer the SDK's retry strategy can send again — throttling (503 SlowDown) and 5xx
 * are retried, within the deadline the signal carries. A multipart upload that fails or is abandoned
 * is aborted, so no parts are left behind to be stored (and billed).
 */
export class S3DeckStore implements DeckStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly linkTtlSeconds: number,
    private readonly options: S3DeckStoreOptions = {},
  ) {}

  async save(key: string, file: PackageFile, downloadName: string, signal: AbortSignal): Promise<StoredDeck> {
    const headers = {
      ContentType: "application/octet-stream",
      ContentDisposition: `attachment; filename="${downloadName.replace(/["\\\r\n]/g, "_")}"`,
    };
    const staging = this.options.stagingPrefix === undefined ? undefined : `${this.options.stagingPrefix}${randomUUID()}`;
    try {
      await this.upload(staging ?? key, file, headers, signal);
      if (staging) {
        await this.client.send(new CopyObjectCommand({
          Bucket: this.bucket, Key: key, CopySource: `${this.bucket}/${staging}`, MetadataDirective: "REPLACE", ...headers,
        }), { abortSignal: signal });
      }
    } finally {
      if (staging) {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: staging }), { abortSignal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS) })
          .catch((error: Error) => log("warn", "deck_store.staging_left", { key: staging, message: error.message }));
      }
    }
    const expiresAt = new Date(Date.now() + this.linkTtlSeconds * 1000);
    const url = await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: this.linkTtlSeconds });
    return { url, expiresAt };
  }

  private async upload(key: string, file: PackageFile, headers: { ContentType: string; ContentDisposition: string }, signal: AbortSignal): Promise<void> {
    const upload = new Upload({
      client: abortableClient(this.client, signal),
      params: { Bucket: this.bucket, Key: key, Body: createReadStream(file.path), ContentLength: file.bytes, ...headers },
      leavePartsOnError: false,
    });
    await upload.done();
  }
}

/**
 * The client as Upload should use it. Upload sends its requests without any signal, and on its own
 * abort() settles at once while parts go on uploading in the background. Here every send carries the
 * request's signal, and the first request that fails for good stops the others: the parts in flight
 * fail, Upload aborts the multipart upload, and only then does done() settle — nothing outlives the
 * request. AbortMultipartUpload itself gets a short bound of its own, since the signal has fired.
 */
function abortableClient(client: S3Client, signal: AbortSignal): S3Client {
  const failed = new AbortController();
  const stop = AbortSignal.any([signal, failed.signal]);
  const wrapped = Object.create(client) as S3Client;
  wrapped.send = ((command: Parameters<S3Client["send"]>[0]) => {
    const abortSignal = command instanceof AbortMultipartUploadCommand ? AbortSignal.timeout(CLEANUP_TIMEOUT_MS) : stop;
    return client.send(command as never, { abortSignal }).catch((error: unknown) => {
      failed.abort(error);
      throw error;
    });
  }) as S3Client["send"];
  return wrapped;
}
