/**
 * The dev server's local store (s3rver) made to behave as the function's S3 does: decks stored whole
 * or not at all, and old objects pruned as the bucket's lifecycle rules would.
 */
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { S3DeckStore } from "./storage/s3";

/** Where decks are uploaded before they are copied to their key (localDeckStore). */
export const STAGING_PREFIX = "uploads/";

/**
 * The dev server's deck store. s3rver writes an upload straight to its key and keeps what it got
 * when the client goes away, where S3 would store nothing: decks are staged and copied once whole,
 * so a disconnect never leaves a truncated .apkg listed.
 */
export function localDeckStore(client: S3Client, bucket: string, linkTtlSeconds: number): S3DeckStore {
  return new S3DeckStore(client, bucket, linkTtlSeconds, { stagingPrefix: STAGING_PREFIX });
}

/** Deletes the objects under `prefix` last written more than `maxAgeMs` ago; returns how many. */
export async function pruneOlderThan(client: S3Client, bucket: string, prefix: string, maxAgeMs: number, now = Date.now()): Promise<number> {
  let deleted = 0;
  let ContinuationToken: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    const old = (page.Contents ?? []).filter((object) => object.LastModified && now - object.LastModified.getTime() > maxAgeMs);
    if (old.length > 0) {
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: old.map((object) => ({ Key: object.Key! })), Quiet: true } }));
      deleted += old.length;
    }
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return deleted;
}

