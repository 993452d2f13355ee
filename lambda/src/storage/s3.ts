import { createReadStream } from "node:fs";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

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
  /** Stores the package under `key` (one PUT: whole or not at all); `signal` abandons the upload. */
  save(key: string, file: PackageFile, downloadName: string, signal: AbortSignal): Promise<StoredDeck>;
}

/**
 * Decks in S3 (AWS, or an S3-compatible server locally), downloaded through presigned links so the
 * bucket stays private. A link dies at `expiresIn` or when the signing credentials do, whichever
 * comes first: with a Lambda role that can be sooner, so keep the TTL to hours.
 */
export class S3DeckStore implements DeckStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly linkTtlSeconds: number,
  ) {}

  async save(key: string, file: PackageFile, downloadName: string, signal: AbortSignal): Promise<StoredDeck> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        // Streamed from disk: the package is never in memory whole.
        Body: createReadStream(file.path),
        ContentLength: file.bytes,
        ContentType: "application/octet-stream",
        ContentDisposition: `attachment; filename="${downloadName.replace(/["\\\r\n]/g, "_")}"`,
      }),
      { abortSignal: signal },
    );
    const expiresAt = new Date(Date.now() + this.linkTtlSeconds * 1000);
    const url = await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: this.linkTtlSeconds });
    return { url, expiresAt };
  }
}
