/**
 * Lambda response streaming (Function URL invoke mode RESPONSE_STREAM): the runtime's
 * `awslambda.streamifyResponse` and `awslambda.HttpResponseStream.from`, and the writer that sends a
 * Web Response through them as its body is produced.
 *
 * The Node.js runtime provides `awslambda` as a global. Elsewhere (tests, `node`), a stand-in
 * follows the runtime's documented contract: the handler is called as (event, responseStream,
 * context); `HttpResponseStream.from` sets the stream's content type to
 * `application/vnd.awslambda.http-integration-response` and, before the first body byte, writes the
 * JSON prelude `{statusCode, headers}` and 8 NUL bytes.
 */
import type { Writable } from "node:stream";

export const METADATA_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";
const DELIMITER = new Uint8Array(8);

/** The stream the runtime hands a streaming handler. */
export interface LambdaResponseStream extends Writable {
  setContentType(contentType: string): void;
}

export interface ResponsePrelude {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
}

export type StreamingHandler<E, C> = (event: E, responseStream: LambdaResponseStream, context: C) => Promise<void>;

interface AwsLambdaRuntime {
  streamifyResponse<E, C>(handler: StreamingHandler<E, C>): StreamingHandler<E, C>;
  HttpResponseStream: { from(stream: LambdaResponseStream, prelude: ResponsePrelude): Writable };
}

/**
 * The runtime's `awslambda`, when this runs in Lambda. The AWS SDK creates an empty `awslambda` global
 * everywhere (@aws/lambda-invoke-store), so its presence alone proves nothing.
 */
const runtime = (): AwsLambdaRuntime | undefined => {
  const candidate = (globalThis as { awslambda?: Partial<AwsLambdaRuntime> }).awslambda;
  return typeof candidate?.streamifyResponse === "function" && candidate.HttpResponseStream ? (candidate as AwsLambdaRuntime) : undefined;
};

export function streamifyResponse<E, C>(handler: StreamingHandler<E, C>): StreamingHandler<E, C> {
  return runtime()?.streamifyResponse(handler) ?? handler;
}

export function httpResponseStream(stream: LambdaResponseStream, prelude: ResponsePrelude): Writable {
  const lambda = runtime();
  if (lambda) return lambda.HttpResponseStream.from(stream, prelude);
  stream.setContentType(METADATA_CONTENT_TYPE);
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    originalWrite(Buffer.from(JSON.stringify(prelude)));
    originalWrite(DELIMITER);
  };
  const originalWrite = stream.write.bind(stream) as (chunk: Uint8Array) => boolean;
  const originalEnd = stream.end.bind(stream) as (chunk?: Uint8Array) => Writable;
  stream.write = ((chunk: Uint8Array, ...rest: unknown[]) => {
    start();
    return (originalWrite as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as LambdaResponseStream["write"];
  stream.end = ((chunk?: Uint8Array, ...rest: unknown[]) => {
    start();
    return (originalEnd as (...args: unknown[]) => Writable)(chunk, ...rest);
  }) as LambdaResponseStream["end"];
  return stream;
}

export interface StreamingOptions {
  /**
   * Epoch ms after which a client that takes no more bytes is given up on: the stream is destroyed
   * and the invocation ends before Lambda's timeout would end it. @default none
   */
  readonly deadline?: number;
}

/**
 * Sends `response` down the Lambda stream: status and headers first, then each body chunk as the
 * body produces it (an SSE stream's comment lines and events as they happen). `onClientGone` runs
 * if the stream closes or fails before the body ended, or the deadline passes while the client
 * takes nothing: the work behind it should stop.
 */
export async function writeStreamingResponse(response: Response, responseStream: LambdaResponseStream, onClientGone: () => void, options: StreamingOptions = {}): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  const out = httpResponseStream(responseStream, { statusCode: response.status, headers });
  let finished = false;
  let notified = false;
  const gone = () => {
    if (finished || notified) return;
    notified = true;
    onClientGone();
  };
  out.once("close", gone);
  out.once("error", gone);
  // A client that stops reading leaves write() full until it drains, closes or fails; none of these
  // may ever come, so the deadline ends the wait too.
  const timer = options.deadline === undefined ? undefined : setTimeout(() => out.destroy(), Math.max(0, options.deadline - Date.now()));
  const reader = response.body?.getReader();
  try {
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      if (out.destroyed) break;
      if (!out.write(value)) await writable(out);
    }
  } finally {
    if (out.destroyed) {
      gone();
      await reader?.cancel().catch(() => {});
    } else {
      finished = true;
      // The last bytes wait for the client like any others, and so are bounded the same way.
      const flushed = settles(out, "finish");
      out.end();
      await flushed;
    }
    clearTimeout(timer);
  }
}

/** Resolves when `out` takes bytes again, or can never take them (closed, failed, destroyed). */
export function writable(out: Writable): Promise<void> {
  return settles(out, "drain");
}

function settles(out: Writable, event: "drain" | "finish"): Promise<void> {
  if (out.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      for (const name of [event, "close", "error"]) out.off(name, done);
      resolve();
    };
    for (const name of [event, "close", "error"]) out.on(name, done);
  });
}
