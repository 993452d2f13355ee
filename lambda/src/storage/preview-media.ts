/**
 * The deck preview's clips and pictures in the deck bucket (preview/publish.ts puts them next to the
 * package), and the origin their presigned links point at, which the preview's CSP declares.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { PreviewMediaStore } from "../preview/publish";

export class S3PreviewMedia implements PreviewMediaStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** The deck links' lifetime: a preview's links die with its deck's. */
    private readonly linkTtlSeconds: number,
  ) {}

  async put(key: string, path: string, contentType: string, signal: AbortSignal): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: createReadStream(path),
        ContentLength: (await stat(path)).size,
        // An <audio> or <img> reads the type; a presigned link to an object S3 calls
        // application/octet-stream would leave it to the browser's sniffing.
        ContentType: contentType,
      }),
      { abortSignal: signal },
    );
  }

  link(key: string): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: this.linkTtlSeconds });
  }
}

/**
 * The origin of the SDK's presigned links to `bucket` in `region`: virtual-hosted style
 * (`https://<bucket>.s3.<region>.amazonaws.com`, us-east-1 included) for names that are valid host
 * labels, path style (`https://s3.<region>.amazonaws.com`) for names with dots, which a wildcard TLS
 * certificate does not cover. China's regions are under amazonaws.com.cn.
 * (The unit tests hold this to what @aws-sdk/s3-request-presigner actually signs.)
 */
export function s3LinkOrigin(bucket: string, region: string): string {
  const domain = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  const virtualHosted = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket);
  return virtualHosted ? `https://${bucket}.s3.${region}.${domain}` : `https://s3.${region}.${domain}`;
}
