import { once } from "node:events";
import { bufferedHandler, streamingHandler } from "../../lambda/src/index";
import type { FunctionUrlEvent } from "../../lambda/src/http/function-url";
import { apiKeyDigest, newApiKey } from "../../lambda/src/access/api-keys";
import { deckJobEvent } from "../../lambda/src/jobs/event";
import { FakeDynamoDb } from "../../testing/fake-dynamodb";
import { FakeLambda, type FakeContext } from "../../testing/fake-lambda";
import { FakeS3 } from "../../testing/fake-s3";
import { FakeSsm } from "../../testing/fake-ssm";
import { newSecret } from "../../testing/function/harness";
import { invokeStreaming, RecordingResponseStream } from "../../testing/function/lambda-stream";
import { until } from "../../testing/function/clock";

/**
 * Deck jobs as Lambda runs them: the exported handlers of lambda/src/index.ts, a Function URL event in,
 * S3 (FakeS3: conditional writes as S3 documents them) for decks and job records, and the Lambda
 * Invoke API (FakeLambda) for the function's asynchronous invocation of itself, which runs the
 * handler again with the job event — as the streaming export and as the buffered one.
 */
const FUNCTION = "ankify-jobs-test";
const BUCKET = "decks-test";
const secret = newSecret();
const apiKey = newApiKey();
const KEY_PATH = "/ankify/jobs-test/client-keys";
const ssm = new FakeSsm();
const s3 = new FakeS3();
const lambda = new FakeLambda();
// Per-client slots and characters, counted as the stack deploys them (a job holds its client's slot).
const dynamodb = new FakeDynamoDb();
dynamodb.createTable("ankify-jobs-test-usage", "pk", "sk");

const event = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): FunctionUrlEvent => ({
  rawPath: path,
  rawQueryString: "",
  headers: { host: "abc.lambda-url.eu-west-1.on.aws", "x-origin-verify": secret, "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${apiKey}`, ...headers },
  ...(body !== undefined ? { body: Buffer.from(JSON.stringify(body)).toString("base64"), isBase64Encoded: true } : {}),
  requestContext: { domainName: "abc.lambda-url.eu-west-1.on.aws", http: { method } },
});
const context: FakeContext = { awsRequestId: "req-test", getRemainingTimeInMillis: () => 300_000 };
const call = (name: string, args: Record<string, unknown>, id = 1) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });
/** A tool call through the Function URL, answered by the streaming export; the JSON-RPC result. */
async function tool(name: string, args: Record<string, unknown>): Promise<any> {
  const answer = await invokeStreaming(streamingHandler, event("POST", "/mcp", call(name, args)), context);
  const data = answer.body.split("\n").filter((line) => line.startsWith("data: ")).map((line) => JSON.parse(line.slice(6)));
  return (data.length > 0 ? data.at(-1) : JSON.parse(answer.body)).result;
}
const record = (id: string) => JSON.parse(s3.objects.get(`${BUCKET}/jobs/${id}/record.json`)!.body.toString("utf8"));
const cards = (n: number) => Array.from({ length: n }, (_, i) => ({ front: `word ${i}`, back: `meaning ${i}` }));

beforeAll(async () => {
  Object.assign(process.env, {
    ANKIFY_ORIGIN_PROTECTION: "secret-header",
    ANKIFY_ORIGIN_SECRET_PARAMETER: "/ankify/jobs-test/origin-secret/current",
    ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER: "/ankify/jobs-test/origin-secret/previous",
    ANKIFY_DECK_BUCKET: BUCKET,
    ANKIFY_JOBS_PREFIX: "jobs/",
    ANKIFY_CLIP_CACHE_PREFIX: "clips/",
    // Every deck with audio becomes a job: what is under test is the job, not the estimate.
    ANKIFY_INLINE_SECONDS: "0",
    ANKIFY_TTS_ENGINE: "espeak",
    ANKIFY_CLIENT_AUTH: "api-key",
    ANKIFY_API_KEY_PATH: KEY_PATH,
    AWS_LAMBDA_FUNCTION_NAME: FUNCTION,
    AWS_ENDPOINT_URL_SSM: await ssm.start(),
    AWS_ENDPOINT_URL_S3: await s3.start(),
    AWS_ENDPOINT_URL_LAMBDA: await lambda.start(),
    ANKIFY_USAGE_TABLE: "ankify-jobs-test-usage",
    AWS_ENDPOINT_URL_DYNAMODB: await dynamodb.start(),
    // FakeS3 stores what it is sent: no aws-chunked checksum trailers.
    AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_REQUIRED",
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "AKIDTEST",
    AWS_SECRET_ACCESS_KEY: "test-secret",
  });
  ssm.put("/ankify/jobs-test/origin-secret/current", secret);
  ssm.put("/ankify/jobs-test/origin-secret/previous", newSecret());
  ssm.parameters.set(`${KEY_PATH}/test-client`, { Name: `${KEY_PATH}/test-client`, Type: "SecureString", Value: apiKeyDigest(apiKey), LastModifiedDate: 0 });
});
afterAll(async () => {
  await lambda.stop();
  await Promise.all([ssm.stop(), s3.stop(), dynamodb.stop()]);
});

/** Lambda's runtime runs a streaming handler for every invocation, Invoke's included, with a stream it discards for an asynchronous one. */
const runStreaming = async (payload: unknown, ctx: FakeContext) => {
  const stream = new RecordingResponseStream();
  await streamingHandler(payload as FunctionUrlEvent, stream, ctx);
  // The runtime waits for the stream to end, and fails an invocation whose stream was left open.
  if (!stream.writableEnded) throw new Error("Response stream is not finished.");
  if (!stream.writableFinished) await once(stream, "finish");
  return stream;
};

describe.each([
  ["streaming", runStreaming],
  ["buffered", (payload: unknown, ctx: FakeContext) => bufferedHandler(payload as FunctionUrlEvent, ctx)],
])("a deck job through the %s export", (_mode, run) => {
  beforeAll(() => lambda.register(FUNCTION, run, 300_000));

  it("answers a handle at once, runs in the function's own asynchronous invocation, and completes through get_deck", async () => {
    const before = lambda.invocations.length;
    const started = await tool("create_deck", { deck_name: `Lambda ${_mode}`, cards: cards(3).map((card) => ({ front: `${_mode} ${card.front}`, back: `${_mode} ${card.back}` })), audio: "both" });
    expect(started.isError).toBeUndefined();
    expect(started.structuredContent).toEqual(expect.objectContaining({ status: "running", progress: { done: 0, total: 8 } }));
    const id = started.structuredContent.job_id as string;
    // The record was durable before the answer: it is in the bucket, owned by the key's name.
    expect(record(id)).toEqual(expect.objectContaining({ id, owner: "api-key:test-client" }));
    // Exactly one asynchronous invocation of this very function, carrying the job's id and nothing else.
    expect(lambda.invocations.slice(before)).toEqual([{ functionName: FUNCTION, invocationType: "Event", payload: deckJobEvent(id) }]);
    await until(() => lambda.ended.length === before + 1, "the worker's invocation to end");
    expect(lambda.ended.at(-1)!.error).toBeUndefined();
    const done = await tool("get_deck", { job_id: id });
    expect(done.structuredContent).toEqual(expect.objectContaining({ status: "done", job_id: id, deck_name: `Lambda ${_mode}`, card_count: 3, audio_clips: 6, clips_spoken: 6 }));
    const key = new URL(done.structuredContent.url).pathname.slice(1);
    expect(s3.objects.get(key)!.body.subarray(0, 2).toString("latin1")).toBe("PK");
  }, 60_000);
});

describe("a deck job through MCP Tasks (2026-07-28), as Lambda runs it", () => {
  beforeAll(() => lambda.register(FUNCTION, runStreaming, 300_000));
  const META = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } } };
  const modern = async (method: string, params: Record<string, unknown>, name: string) => {
    const answer = await invokeStreaming(streamingHandler, event("POST", "/mcp", { jsonrpc: "2.0", id: 1, method, params: { ...params, _meta: META } },
      { "mcp-protocol-version": "2026-07-28", "mcp-method": method, "mcp-name": name }), context);
    const data = answer.body.split("\n").filter((line) => line.startsWith("data: ")).map((line) => JSON.parse(line.slice(6)));
    return (data.length > 0 ? data.at(-1) : JSON.parse(answer.body)).result;
  };

  it("answers a task, and tasks/get returns the deck once the function's own invocation has built it", async () => {
    const before = lambda.ended.length;
    const task = await modern("tools/call", { name: "create_deck", arguments: { deck_name: "Lambda task", cards: cards(2).map((c) => ({ front: `task ${c.front}`, back: `task ${c.back}` })) } }, "create_deck");
    expect(task).toEqual(expect.objectContaining({ resultType: "task", status: "working", taskId: expect.any(String) }));
    await until(() => lambda.ended.length === before + 1, "the worker's invocation to end");
    const completed = await modern("tasks/get", { taskId: task.taskId }, task.taskId);
    expect(completed).toEqual(expect.objectContaining({ resultType: "complete", status: "completed", taskId: task.taskId }));
    expect(completed.result.structuredContent).toEqual(expect.objectContaining({ status: "done", deck_name: "Lambda task", card_count: 2 }));
  }, 60_000);
});

describe("what may start a job", () => {

  it("a Function URL request whose body is a job event stays an HTTP request, whatever the path, and starts nothing", async () => {
    // A job that exists and waits (its own invocation not run yet): the forged event names it.
    lambda.register(FUNCTION, async () => undefined);
    const queued = await tool("create_deck", { deck_name: "Queued", cards: cards(2) });
    const id = queued.structuredContent.job_id as string;
    await lambda.idle();
    expect(record(id).state).toBe("queued");
    const invocations = lambda.invocations.length;
    for (const path of ["/", "/mcp", "/jobs"]) {
      const answer = await invokeStreaming(streamingHandler, event("POST", path, deckJobEvent(id)), context);
      expect(answer.statusCode).toBeGreaterThanOrEqual(400);
      const buffered = await bufferedHandler(event("POST", path, deckJobEvent(id)), context);
      expect(buffered!.statusCode).toBeGreaterThanOrEqual(400);
    }
    // At /mcp it is read as what it is, a JSON body that is no JSON-RPC message.
    const rpc = JSON.parse((await invokeStreaming(streamingHandler, event("POST", "/mcp", deckJobEvent(id)), context)).body);
    expect(rpc.error.code).toBe(-32600);
    expect(lambda.invocations.length).toBe(invocations);
    expect(record(id).state).toBe("queued");
    expect(record(id).attempts).toBe(0);
  }, 60_000);

  it("a job event for a job that is not queued, or for none, does nothing; an unknown event is ignored", async () => {
    const unknown = await runStreaming(deckJobEvent("00000000-0000-4000-8000-000000000000"), context);
    expect(unknown.bytes().length).toBe(0);
    expect((await runStreaming({ ankify: "something-else" }, context)).bytes().length).toBe(0);
    expect(await bufferedHandler({ ankify: "something-else" } as never, context)).toBeUndefined();
    expect(await bufferedHandler({ Records: [] } as never, context)).toBeUndefined();
  });
});
