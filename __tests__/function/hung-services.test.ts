import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { FairUse } from "../../lambda/src/access/fair-use";
import { InProcessLauncher, SelfInvokeLauncher, type JobLauncher } from "../../lambda/src/jobs/launcher";
import { DeckJobs } from "../../lambda/src/jobs/lifecycle";
import { S3JobStore } from "../../lambda/src/jobs/store";
import { InFlightCalls } from "../../lambda/src/mcp/cancellation";
import { createServer } from "../../lambda/src/mcp/server";
import { DynamoUsageStore } from "../../lambda/src/storage/usage-table";
import type { Synthesizer } from "../../lambda/src/tts/index";
import { FakeDynamoDb } from "../../testing/fake-dynamodb";
import { FakeLambda } from "../../testing/fake-lambda";
import { FakeS3 } from "../../testing/fake-s3";
import { BUCKET, environment, rawClient, s3Client, TASKS } from "../../testing/function/jobs";
import { warmUp } from "../../testing/function/warm-up";

/**
 * Every AWS call a request makes is bounded by its deadline (lambda/src/deadline.ts): DynamoDB for
 * fair use, S3 for deck jobs, Lambda for starting a job's worker. Each stand-in here holds requests
 * without answering, as a hung service would; the request must end with the deadline's words naming
 * the stage, and the stand-in must see the call given up (its connection closed by the SDK). The
 * deadlines are a few seconds; the 20 s waits are only hang guards, never timings.
 */
const DEADLINE_MS = 3_000;
const HANG_GUARD_MS = 20_000;
const credentials = { accessKeyId: "AKIDTEST", secretAccessKey: "test" };

type ToolAnswer = { isError?: boolean; content: Array<{ text: string }>; structuredContent?: Record<string, unknown> };

/** A synthesizer that answers at once, and runs `onSpeak` as it speaks. */
function speech(onSpeak: () => void = () => {}): Synthesizer & { spoken: string[] } {
  const spoken: string[] = [];
  return {
    spoken, extension: "mp3", bytesPerCharacter: 100, concurrency: 1, typicalRequestSeconds: 1,
    synthesize: async (text) => (onSpeak(), spoken.push(text), new Uint8Array(8)),
  };
}

/** Calls a tool on the MCP server of one request with `deps`, giving up (and failing) after the hang guard. */
async function callTool(deps: Partial<Parameters<typeof createServer>[0]> & { synthesizer: Synthesizer }, name: string, args: Record<string, unknown>): Promise<ToolAnswer> {
  const saved: string[] = [];
  const server = createServer({
    store: { save: async (key) => (saved.push(key), { url: "https://decks.example/d.apkg", expiresAt: new Date() }) },
    deckPrefix: "decks/", deadline: Date.now() + DEADLINE_MS, maxSpeechCharacters: 60_000, requestId: "req-hung",
    streaming: false, keepAliveMs: 5_000, inFlight: new InFlightCalls(), client: "alice", ...deps,
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const mcp = new Client({ name: "t", version: "1" });
  await mcp.connect(clientSide);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("still waiting after the hang guard")), HANG_GUARD_MS)));
    return (await Promise.race([mcp.callTool({ name, arguments: args }), hang])) as ToolAnswer;
  } finally {
    clearTimeout(timer);
    await mcp.close();
  }
}

/** Resolves once `seen()` holds: the stand-in learns of a closed connection a moment after the client closed it. */
async function until(seen: () => boolean): Promise<void> {
  const giveUp = Date.now() + HANG_GUARD_MS;
  while (!seen() && Date.now() < giveUp) await new Promise((resolve) => setTimeout(resolve, 10));
}

const deck = { deck_name: "Hung", cards: [{ front: "uno", back: "one" }, { front: "dos", back: "two" }] };
const timedOut = (stage: string) => new RegExp(`^The deck could not be finished in time: ${stage} did not finish within the time budget\\. Nothing was uploaded\\. .*\\(request req-hung\\)$`);

describe("fair use on a hung DynamoDB", () => {
  let db: FakeDynamoDb;
  let client: DynamoDBClient;
  beforeEach(async () => {
    db = new FakeDynamoDb();
    db.createTable("usage", "pk", "sk");
    client = new DynamoDBClient({ endpoint: await db.start(), region: "eu-west-1", credentials });
    await warmUp((abortSignal) => client.send(new GetItemCommand({ TableName: "usage", Key: { pk: { S: "warm-up" }, sk: { S: "warm-up" } } }), { abortSignal }));
  });
  afterEach(async () => {
    client.destroy();
    await db.stop();
  });
  const fairUse = (limits: { dailyCharacters: number; concurrency: number }) => new FairUse(new DynamoUsageStore(client, "usage"), limits);

  it("taking a build slot: the deck ends at its deadline in the deadline's words, nothing spoken, the call given up", async () => {
    db.hang = true;
    const synthesizer = speech();
    const answer = await callTool({ synthesizer, fairUse: fairUse({ dailyCharacters: 100_000, concurrency: 2 }) }, "create_deck", deck);
    expect(answer.isError).toBe(true);
    expect(answer.content[0]!.text).toMatch(timedOut("taking a build slot"));
    await until(() => db.abandoned.length > 0);
    expect(db.abandoned).toEqual(["GetItem"]);
    expect(synthesizer.spoken).toEqual([]);
  }, 30_000);

  it("checking the daily allowance: the same, and no character is counted", async () => {
    db.hang = ["UpdateItem"];
    const synthesizer = speech();
    const answer = await callTool({ synthesizer, fairUse: fairUse({ dailyCharacters: 100_000, concurrency: 0 }) }, "create_deck", deck);
    expect(answer.content[0]!.text).toMatch(timedOut("checking your daily speech allowance"));
    await until(() => db.abandoned.length > 0);
    expect(db.abandoned).toEqual(["UpdateItem"]);
    expect(synthesizer.spoken).toEqual([]);
    expect(db.tables.get("usage")!.items.size).toBe(0);
  }, 30_000);

  it("settling after the deck is built: the deck is answered anyway, once the settlement gives up", async () => {
    // DynamoDB hangs from the first clip spoken on: the reservation went through, the settlement cannot.
    // Time enough for speech (the last 8 s of a budget are kept for packaging and uploading).
    const synthesizer = speech(() => (db.hang = true));
    const answer = await callTool({ synthesizer, deadline: Date.now() + 15_000, fairUse: fairUse({ dailyCharacters: 100_000, concurrency: 0 }) }, "create_deck", deck);
    expect(answer.content[0]!.text).not.toMatch(/could not/);
    expect(answer.structuredContent).toEqual(expect.objectContaining({ url: "https://decks.example/d.apkg" }));
    await until(() => db.abandoned.length > 0);
    expect(db.abandoned).toEqual(["UpdateItem"]);
  }, 30_000);
});

describe("deck jobs on a hung S3 or Lambda", () => {
  let s3: FakeS3;
  let endpoint: string;
  beforeEach(async () => {
    s3 = new FakeS3();
    endpoint = await s3.start();
    await warmUp((abortSignal) => s3Client(endpoint).send(new HeadObjectCommand({ Bucket: BUCKET, Key: "warm-up" }), { abortSignal }));
  });
  afterEach(() => s3.stop());
  const jobs = (launcher: JobLauncher = new InProcessLauncher(async () => {})) => new DeckJobs({ store: new S3JobStore(s3Client(endpoint), BUCKET, "jobs/"), launcher });
  /** inlineSeconds 0: every deck with speech is a job. */
  const asJob = (service: DeckJobs) => ({ synthesizer: speech(), jobs: { service, inlineSeconds: 0 } });

  it("storing the job's record: the deck ends at its deadline in the deadline's words, the PUT given up", async () => {
    s3.faults.push({ operation: "PutObject", stall: true, times: 10 });
    const answer = await callTool(asJob(jobs()), "create_deck", deck);
    expect(answer.content[0]!.text).toMatch(timedOut("starting the deck job"));
    await until(() => s3.abandoned.length > 0);
    expect(s3.abandoned).toEqual([expect.stringMatching(/^PutObject jobs\/.+/)]);
  }, 30_000);

  it("invoking the job's worker: the same, the invocation given up, and the job left failed rather than queued", async () => {
    const lambda = new FakeLambda();
    const lambdaClient = new LambdaClient({ endpoint: await lambda.start(), region: "eu-west-1", credentials });
    try {
      await warmUp((abortSignal) => lambdaClient.send(new GetFunctionCommand({ FunctionName: "warm-up" }), { abortSignal }));
      lambda.hang = true;
      const answer = await callTool(asJob(jobs(new SelfInvokeLauncher(lambdaClient, "ankify"))), "create_deck", deck);
      expect(answer.content[0]!.text).toMatch(timedOut("starting the deck job"));
      await until(() => lambda.abandoned.length > 0);
      expect(lambda.abandoned).toEqual(["ankify"]);
      expect(lambda.invocations).toEqual([]);
      const records = [...s3.objects].filter(([key]) => key.endsWith("/record.json")).map(([, object]) => JSON.parse(object.body.toString("utf8")) as { state: string });
      expect(records.map((record) => record.state)).toEqual(["failed"]);
    } finally {
      lambdaClient.destroy();
      await lambda.stop();
    }
  }, 30_000);

  it("get_deck reading a job: answered in the deadline's words, the read given up", async () => {
    s3.faults.push({ operation: "GetObject", stall: true, times: 10 });
    const answer = await callTool(asJob(jobs()), "get_deck", { job_id: "0b8c4a52-2f4d-4d0e-9a51-3f7a1f0c2d11" });
    expect(answer.isError).toBe(true);
    expect(answer.content[0]!.text).toBe("get_deck could not be finished in time: reading the job did not finish within the time budget. Call get_deck again with the same job_id. (request req-hung)");
    await until(() => s3.abandoned.length > 0);
    expect(s3.abandoned).toEqual([expect.stringMatching(/^GetObject jobs\/0b8c4a52-2f4d-4d0e-9a51-3f7a1f0c2d11\//)]);
  }, 30_000);
  it("tasks/get reading a task: a JSON-RPC error naming the stage, the read given up", async () => {
    s3.faults.push({ operation: "GetObject", stall: true, times: 10 });
    const key = "ank_test_key";
    const env = environment({ s3: endpoint, synthesizer: speech(), keys: { alice: key } });
    // The request's budget is what its invocation has left: a few seconds here.
    const rpc = rawClient({ handle: (request) => env.handle(request, { remainingMs: DEADLINE_MS }) }, { key, capabilities: { extensions: { [TASKS]: {} } } });
    const answer = await rpc("tasks/get", { taskId: "0b8c4a52-2f4d-4d0e-9a51-3f7a1f0c2d11" });
    expect(answer.error).toEqual({ code: -32603, message: "reading the task did not finish within the time budget" });
    await until(() => s3.abandoned.length > 0);
    expect(s3.abandoned).toEqual([expect.stringMatching(/^GetObject jobs\/0b8c4a52-2f4d-4d0e-9a51-3f7a1f0c2d11\//)]);
  }, 30_000);
});
