import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";

/** What the stand-in hands a function it runs: Lambda's context, as far as the function reads it. */
export interface FakeContext {
  readonly awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

/** One invocation Lambda accepted. */
export interface Invocation {
  readonly functionName: string;
  readonly invocationType: string;
  readonly payload: unknown;
}

/**
 * A loopback stand-in for the Lambda Invoke API (lambda/latest/api/API_Invoke.html), as far as a
 * function invoking itself asynchronously uses it: `POST /2015-03-31/functions/{FunctionName}/invocations`
 * with `X-Amz-Invocation-Type: Event` answers 202 with no body once the event is queued, then runs
 * the registered function with the payload, as Lambda would, a moment later and on its own (the
 * caller never learns how it went). A name no function is registered under answers 404
 * ResourceNotFoundException; a payload that is not JSON, 400 InvalidRequestContentException; other
 * invocation types, 400 (this stand-in queues events only). It does not check signatures.
 */
export class FakeLambda {
  readonly invocations: Invocation[] = [];
  /** Invocations run so far that have ended (successfully or not). */
  readonly ended: Array<{ readonly invocation: Invocation; readonly error?: unknown }> = [];
  /**
   * A hung Lambda API: when true, Invoke requests are read and never answered, and nothing is queued
   * or run; the connection stays open until the caller gives up (recorded in `abandoned`) or stop().
   */
  hang = false;
  /** Functions whose held Invoke the caller gave up on (closed the connection): the SDK call was aborted. */
  readonly abandoned: string[] = [];
  private stopping = false;
  private readonly functions = new Map<string, (event: unknown, context: FakeContext) => Promise<unknown>>();
  private readonly running = new Set<Promise<void>>();
  private server?: Server;

  /** Runs `handler` for events sent to `name`, with `timeoutMs` as the function's timeout. */
  register(name: string, handler: (event: unknown, context: FakeContext) => Promise<unknown>, timeoutMs = 900_000): void {
    this.functions.set(name, (event, _context) => {
      const deadline = Date.now() + timeoutMs;
      return handler(event, { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) });
    });
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves when every invocation started has ended. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  async stop(): Promise<void> {
    await this.idle();
    this.stopping = true;
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(new URL(req.url ?? "/", "http://lambda.local").pathname);
    if (req.method !== "POST" || !match) return error(res, 404, "UnknownOperationException", "Unknown operation");
    const functionName = decodeURIComponent(match[1]!);
    if (this.hang) return void res.once("close", () => this.stopping || this.abandoned.push(functionName));
    const run = this.functions.get(functionName);
    if (!run) return error(res, 404, "ResourceNotFoundException", `Function not found: ${functionName}`);
    const invocationType = String(req.headers["x-amz-invocation-type"] ?? "RequestResponse");
    if (invocationType !== "Event") return error(res, 400, "InvalidParameterValueException", `This stand-in queues Event invocations only, not ${invocationType}`);
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    } catch {
      return error(res, 400, "InvalidRequestContentException", "Could not parse request body into json");
    }
    const invocation = { functionName, invocationType, payload };
    this.invocations.push(invocation);
    res.writeHead(202, { "x-amzn-requestid": randomUUID() });
    res.end();
    const work: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => run(payload, undefined as never))
      .then(() => void this.ended.push({ invocation }), (failure: unknown) => void this.ended.push({ invocation, error: failure }))
      .finally(() => this.running.delete(work));
    this.running.add(work);
  }
}

/** Lambda's error answer: the type in x-amzn-ErrorType and a JSON body. */
function error(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": type });
  res.end(JSON.stringify({ Type: "User", message }));
}
