/**
 * Spoken clips kept by what they are, so a rebuilt deck speaks only what changed: an object per clip
 * in the deck bucket under its own prefix (expired by its own lifecycle rule), named by a hash of
 * everything that shapes the audio — the synthesizer's identity (service, engine, voice, language,
 * format) and the exact text spoken.
 *
 * A hit must be the audio the synthesizer would make, whole: each object carries the SHA-256 of its
 * bytes, checked on the way in, and anything that does not match (truncated, corrupted, written by
 * something else) is a miss, re-spoken and written again. A write is one PUT of the final key, so an
 * object is there whole or not at all, and two builds writing the same clip write the same bytes.
 * The cache never fails a deck: an error reading or writing it is a miss, logged.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { stat, unlink } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { log } from "../log";

export interface ClipCache {
  /** Copies the cached clip to `path` when a whole one exists; its size, or undefined for a miss. */
  fetch(key: string, path: string, signal: AbortSignal): Promise<number | undefined>;
  /** Stores the clip at `path` under `key`. */
  store(key: string, path: string, signal: AbortSignal): Promise<void>;
}

/** The object name of a clip: everything that shapes its audio, hashed with the text. */
export function clipCacheKey(audioIdentity: string, text: string, extension: string): string {
  return `${createHash("sha256").update(`${audioIdentity}\x1f${text}`).digest("hex")}.${extension}`;
}

const SHA256_METADATA = "sha256";

export class S3ClipCache implements ClipCache {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** e.g. `clips/`: the role may read and write only here. */
    private readonly prefix: string,
  ) {}

  async fetch(key: string, path: string, signal: AbortSignal): Promise<number | undefined> {
    let response;
    try {
      response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }), { abortSignal: signal });
    } catch (error) {
      // A missing key answers 404, or 403 to a role that may not list the bucket (this one may not).
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status !== 404 && status !== 403) log("warn", "clip_cache.read_failed", { key, message: (error as Error).message });
      return undefined;
    }
    const expected = response.Metadata?.[SHA256_METADATA];
    try {
      if (!response.Body || !expected) throw new Error("no body or no checksum");
      const hash = createHash("sha256");
      let bytes = 0;
      const measure = async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          bytes += chunk.length;
          yield chunk;
        }
      };
      await pipeline(response.Body as Readable, measure, createWriteStream(path), { signal });
      if (hash.digest("hex") !== expected) throw new Error("checksum mismatch");
      return bytes;
    } catch (error) {
      if (signal.aborted) throw error;
      log("warn", "clip_cache.corrupt", { key, message: (error as Error).message });
      await unlink(path).catch(() => {});
      return undefined;
    }
  }

  async store(key: string, path: string, signal: AbortSignal): Promise<void> {
    try {
      const sha256 = createHash("sha256");
      for await (const chunk of createReadStream(path)) sha256.update(chunk as Buffer);
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
          Body: createReadStream(path),
          ContentLength: (await stat(path)).size,
          ContentType: "application/octet-stream",
          Metadata: { [SHA256_METADATA]: sha256.digest("hex") },
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      if (!signal.aborted) log("warn", "clip_cache.write_failed", { key, message: (error as Error).message });
    }
  }
}
