import { Writable } from "node:stream";
import type { LambdaResponseStream, StreamingHandler } from "../../lambda/src/http/lambda-stream";

/**
 * What Lambda's runtime would hand a streaming handler: a writable that records every chunk with the
 * time it arrived, and the content type the handler set. The tests read the metadata prelude back
 * from the bytes, as a Function URL does.
 */
export class RecordingResponseStream extends Writable implements LambdaResponseStream {
  contentType?: string;
  readonly chunks: Array<{ readonly at: number; readonly bytes: Buffer }> = [];

  setContentType(contentType: string): void {
    this.contentType = contentType;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push({ at: Date.now(), bytes: Buffer.from(chunk) });
    callback();
  }

  /** Everything written, in order. */
  bytes(): Buffer {
    return Buffer.concat(this.chunks.map((c) => c.bytes));
  }
}

export interface StreamedResult {
  statusCode: number;
  headers: Record<string, string>;
  /** The body after the prelude, as text. */
  body: string;
  /** The content type the handler gave the stream itself (the runtime's prelude marker). */
  streamContentType?: string;
  /** Body chunks with arrival times (ms since the epoch), the prelude left out. */
  chunks: Array<{ at: number; text: string }>;
}

/** Invokes a streaming handler as the runtime would, and splits what it wrote at the prelude's 8 NULs. */
export async function invokeStreaming<E, C>(handler: StreamingHandler<E, C>, event: E, context: C, stream = new RecordingResponseStream()): Promise<StreamedResult> {
  await handler(event, stream, context);
  return readStream(stream);
}

/** What a handler wrote to `stream`: the prelude, the body and the body's chunks, as a Function URL reads them. */
export function readStream(stream: RecordingResponseStream): StreamedResult {
  const all = stream.bytes();
  const cut = all.indexOf(Buffer.alloc(8));
  if (cut < 0) throw new Error("no metadata prelude in the response stream");
  const prelude = JSON.parse(all.subarray(0, cut).toString("utf8")) as { statusCode: number; headers: Record<string, string> };
  // The prelude is the first writes: skip chunks until its bytes (and the delimiter) are consumed.
  let skip = cut + 8;
  const chunks: Array<{ at: number; text: string }> = [];
  for (const chunk of stream.chunks) {
    if (skip >= chunk.bytes.length) {
      skip -= chunk.bytes.length;
      continue;
    }
    chunks.push({ at: chunk.at, text: chunk.bytes.subarray(skip).toString("utf8") });
    skip = 0;
  }
  return { ...prelude, body: all.subarray(cut + 8).toString("utf8"), ...(stream.contentType ? { streamContentType: stream.contentType } : {}), chunks };
}
