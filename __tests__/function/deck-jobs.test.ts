import { newApiKey } from "../../lambda/src/access/api-keys";
import { FakeS3 } from "../../testing/fake-s3";
import { until } from "../../testing/function/clock";
import { BUCKET, CachedGatedSynthesizer, cards, environment, rawClient, REVISION, TASKS, type Environment } from "../../testing/function/jobs";

/**
 * Deck jobs (docs/jobs.md) through the request handler, with raw JSON-RPC on 2026-07-28: every
 * client gets a handle and get_deck; a client that declares the Tasks extension gets a task and
 * tasks/get|update|cancel; a job belongs to its client only; cancellation reaches a job from any
 * execution environment. Speech is gated (testing/function/gated-speech.ts): what a test sees
 * depends on the order of events, never on the machine's speed.
 */
const alice = newApiKey();
const bob = newApiKey();
const keys = { alice, bob };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const s3 = new FakeS3();
let url: string;
beforeAll(async () => (url = await s3.start()));
afterAll(() => s3.stop());

/** Waits (on the real clock, for events) until `check` resolves to something truthy; returns it. */
async function eventually<T>(check: () => Promise<T>, what: string): Promise<NonNullable<T>> {
  let value: T | undefined;
  let pending = false;
  await until(() => {
    if (value) return true;
    if (!pending) {
      pending = true;
      void check().then((v) => ((value = v), (pending = false)), () => (pending = false));
    }
    return false;
  }, what);
  return value!;
}
const decksStored = () => [...s3.objects.keys()].filter((key) => key.startsWith(`${BUCKET}/decks/`) && key.endsWith(".apkg"));
const deckCall = (deck: string, n = 3) => ({ name: "create_deck", arguments: { deck_name: deck, cards: cards(n, deck), audio: "both" } });

describe("every client gets a handle (get_deck)", () => {
  let speech: CachedGatedSynthesizer;
  let env: Environment;
  beforeEach(() => {
    speech = new CachedGatedSynthesizer();
    env = environment({ s3: url, synthesizer: speech, keys });
  });
  afterEach(async () => {
    speech.open();
    await env.launcher.idle();
  });

  it("answers a long deck with a handle at once; get_deck reports progress, then create_deck's result with status done and job_id", async () => {
    const rpc = rawClient(env, { key: alice });
    const started = (await rpc("tools/call", deckCall("Poll"))).result;
    const id = started.structuredContent.job_id as string;
    expect(id).toMatch(UUID);
    expect(started.resultType).toBe("complete");
    expect(started.structuredContent).toEqual({ status: "running", job_id: id, progress: { done: 0, total: 8 }, poll_after_seconds: expect.any(Number), message: "waiting to start" });
    expect(started.content[0].text).toContain(`Call get_deck with job_id "${id}"`);
    await until(() => speech.inFlight === 1, "the job's first clip");
    speech.release();
    const moving = await eventually(async () => {
      const answer = (await rpc("tools/call", { name: "get_deck", arguments: { job_id: id } })).result;
      return answer.structuredContent.progress.done >= 1 ? answer : undefined;
    }, "get_deck to report the first clip");
    expect(moving.structuredContent).toEqual(expect.objectContaining({ status: "running", job_id: id, message: "speaking 1/6" }));
    expect(moving.structuredContent.poll_after_seconds).toBeGreaterThanOrEqual(5);
    speech.open();
    await env.launcher.idle();
    const done = (await rpc("tools/call", { name: "get_deck", arguments: { job_id: id } })).result;
    expect(done.isError).toBeUndefined();
    expect(done.structuredContent).toEqual({
      status: "done", job_id: id, url: expect.stringContaining("/decks/decks/"), expires_at: expect.any(String), deck_name: "Poll", requested_deck_name: "Poll",
      card_count: 3, note_count: 3, note_type: "basic", audio_clips: 6, images: 0, size_bytes: expect.any(Number), clips_spoken: 6, clips_cached: 0, characters_spoken: expect.any(Number),
    });
    expect(done.content[0].text).toMatch(/^Deck "Poll" with 3 cards and 6 audio clips/);
    expect(s3.objects.get(`${BUCKET}/${new URL(done.structuredContent.url).pathname.split("/").slice(2).join("/")}`)!.body.subarray(0, 2).toString("latin1")).toBe("PK");
  });

  it("keeps building after the request that started it is gone", async () => {
    const rpc = rawClient(env, { key: alice });
    const connection = new AbortController();
    const id = (await rpc("tools/call", deckCall("Survivor"), connection.signal)).result.structuredContent.job_id as string;
    // The client goes away: the request's signal aborts, as the Lambda adapters abort it on a disconnect.
    connection.abort(new Error("the client disconnected"));
    await until(() => speech.inFlight === 1, "the job's first clip after the disconnect");
    speech.open();
    await env.launcher.idle();
    const done = (await rawClient(env, { key: alice })("tools/call", { name: "get_deck", arguments: { job_id: id } })).result;
    expect(done.structuredContent).toEqual(expect.objectContaining({ status: "done", audio_clips: 6 }));
    expect(speech.aborted).toEqual([]);
  });

  it("finds only the caller's own jobs: another client's id reads as no such job, and cannot cancel it", async () => {
    const id = (await rawClient(env, { key: alice })("tools/call", deckCall("Mine"))).result.structuredContent.job_id as string;
    const asBob = rawClient(env, { key: bob });
    const foreign = (await asBob("tools/call", { name: "get_deck", arguments: { job_id: id } })).result;
    const missing = (await asBob("tools/call", { name: "get_deck", arguments: { job_id: "6b0d5b1e-4f5e-4b7a-9b0a-3c2d1e0f9a8b" } })).result;
    const notAnId = (await asBob("tools/call", { name: "get_deck", arguments: { job_id: "../jobs/x" } })).result;
    expect(foreign.isError).toBe(true);
    // The same words whether the job is another's, gone, or never was: nothing says it exists.
    expect(foreign.content[0].text.replace(id, "ID")).toBe(missing.content[0].text.replace("6b0d5b1e-4f5e-4b7a-9b0a-3c2d1e0f9a8b", "ID"));
    expect(notAnId.content[0].text.replace('"../jobs/x"', '"ID"')).toBe(missing.content[0].text.replace('"6b0d5b1e-4f5e-4b7a-9b0a-3c2d1e0f9a8b"', '"ID"'));
    expect((await asBob("tools/call", { name: "get_deck", arguments: { job_id: id, cancel: true } })).result.isError).toBe(true);
    speech.open();
    await env.launcher.idle();
    expect((await rawClient(env, { key: alice })("tools/call", { name: "get_deck", arguments: { job_id: id } })).result.structuredContent.status).toBe("done");
  });
});

describe("cancellation, from any execution environment", () => {
  it.each([
    ["get_deck with cancel: true", async (other: Environment, id: string) => {
      const answer = (await rawClient(other, { key: alice })("tools/call", { name: "get_deck", arguments: { job_id: id, cancel: true } })).result;
      expect(answer.structuredContent).toEqual(expect.objectContaining({ status: "running", message: expect.stringMatching(/^cancelling/) }));
    }],
    ["tasks/cancel", async (other: Environment, id: string) => {
      const answer = await rawClient(other, { key: alice, capabilities: { extensions: { [TASKS]: {} } } })("tasks/cancel", { taskId: id });
      expect(answer.result).toEqual(expect.objectContaining({ resultType: "complete" }));
    }],
  ])("%s in another environment stops the job where it runs, and it uploads nothing", async (_how, cancel) => {
    const speech = new CachedGatedSynthesizer();
    const running = environment({ s3: url, synthesizer: speech, keys });
    const other = environment({ s3: url, synthesizer: new CachedGatedSynthesizer(), keys });
    const before = decksStored().length;
    const id = (await rawClient(running, { key: alice })("tools/call", deckCall(`Cancel ${_how}`))).result.structuredContent.job_id as string;
    await until(() => speech.inFlight === 1, "the job's first clip");
    speech.release();
    await cancel(other, id);
    // The worker reads the record at its next heartbeat and aborts the clip it waits on.
    await running.launcher.idle();
    expect(speech.aborted).toHaveLength(1);
    expect(decksStored().length).toBe(before);
    const after = (await rawClient(other, { key: alice })("tools/call", { name: "get_deck", arguments: { job_id: id } })).result;
    expect(after.isError).toBeUndefined();
    expect(after.structuredContent).toEqual({ status: "cancelled", job_id: id, message: "The deck was cancelled; nothing was uploaded." });
  });
});

describe("the Tasks extension on 2026-07-28 (raw JSON-RPC)", () => {
  const tasks = { extensions: { [TASKS]: {} } };
  let speech: CachedGatedSynthesizer;
  let env: Environment;
  beforeEach(() => {
    speech = new CachedGatedSynthesizer();
    env = environment({ s3: url, synthesizer: speech, keys });
  });
  afterEach(async () => {
    speech.open();
    await env.launcher.idle();
  });

  it("server/discover advertises the extension", async () => {
    const discover = await rawClient(env, { key: alice })("server/discover");
    expect(discover.result.supportedVersions).toEqual([REVISION]);
    expect(discover.result.capabilities.extensions).toEqual(expect.objectContaining({ [TASKS]: {} }));
  });

  it("answers a long create_deck with a durable task, polled with tasks/get to completion with the tool's result inline", async () => {
    const rpc = rawClient(env, { key: alice, capabilities: tasks });
    const created = (await rpc("tools/call", deckCall("Task"))).result;
    expect(created).toEqual(expect.objectContaining({
      resultType: "task", taskId: expect.stringMatching(UUID), status: "working", ttlMs: 86_400_000, pollIntervalMs: expect.any(Number),
      createdAt: expect.any(String), lastUpdatedAt: expect.any(String),
    }));
    expect(Date.parse(created.createdAt)).not.toBeNaN();
    // Durable before the answer: the very next tasks/get finds it.
    const working = (await rpc("tasks/get", { taskId: created.taskId })).result;
    expect(working).toEqual(expect.objectContaining({ resultType: "complete", taskId: created.taskId, status: "working", ttlMs: 86_400_000 }));
    expect(working.result).toBeUndefined();
    expect(working.pollIntervalMs).toBeGreaterThanOrEqual(5_000);
    speech.open();
    await env.launcher.idle();
    const completed = (await rpc("tasks/get", { taskId: created.taskId })).result;
    expect(completed).toEqual(expect.objectContaining({ resultType: "complete", status: "completed", taskId: created.taskId }));
    expect(completed.result.content[0].text).toMatch(/^Deck "Task" with 3 cards/);
    expect(completed.result.structuredContent).toEqual(expect.objectContaining({ status: "done", job_id: created.taskId, url: expect.any(String), audio_clips: 6 }));
    expect(await rpc("tasks/update", { taskId: created.taskId, inputResponses: {} })).toEqual(expect.objectContaining({ result: expect.objectContaining({ resultType: "complete" }) }));
  });

  it("cancels with tasks/cancel: acknowledged at once, cancelled when the worker stops, nothing uploaded", async () => {
    const rpc = rawClient(env, { key: alice, capabilities: tasks });
    const before = decksStored().length;
    const { taskId } = (await rpc("tools/call", deckCall("Task cancel"))).result;
    await until(() => speech.inFlight === 1, "the job's first clip");
    expect((await rpc("tasks/cancel", { taskId })).result).toEqual(expect.objectContaining({ resultType: "complete" }));
    await env.launcher.idle();
    const cancelled = (await rpc("tasks/get", { taskId })).result;
    expect(cancelled).toEqual(expect.objectContaining({ status: "cancelled", statusMessage: "The deck was cancelled; nothing was uploaded." }));
    expect(cancelled.result).toBeUndefined();
    expect(decksStored().length).toBe(before);
  });

  it("refuses an unknown or another client's task id with -32602, alike, for every method", async () => {
    const { taskId } = (await rawClient(env, { key: alice, capabilities: tasks })("tools/call", deckCall("Foreign task"))).result;
    const asBob = rawClient(env, { key: bob, capabilities: tasks });
    for (const [method, extra] of [["tasks/get", {}], ["tasks/cancel", {}], ["tasks/update", { inputResponses: {} }]] as const) {
      for (const id of [taskId, "6b0d5b1e-4f5e-4b7a-9b0a-3c2d1e0f9a8b", "not-a-task"]) {
        const answer = await asBob(method, { taskId: id, ...extra });
        expect(answer.error).toEqual(expect.objectContaining({ code: -32602, message: "Failed to retrieve task: Task not found" }));
      }
    }
  });

  it("refuses tasks/* with -32021 to a request that does not declare the extension, and gives that client a handle instead of a task", async () => {
    const plain = rawClient(env, { key: alice });
    const handle = (await plain("tools/call", deckCall("No tasks"))).result;
    expect(handle.resultType).toBe("complete");
    expect(handle.structuredContent.status).toBe("running");
    for (const method of ["tasks/get", "tasks/cancel"]) {
      const refused = await plain(method, { taskId: handle.structuredContent.job_id });
      expect(refused.error).toEqual(expect.objectContaining({ code: -32021, data: { requiredCapabilities: { extensions: { [TASKS]: {} } } } }));
    }
  });

  it("builds a short deck inline even for a client that speaks Tasks: the server decides", async () => {
    const quick = environment({ s3: url, synthesizer: speech, keys, inlineSeconds: 120 });
    speech.open();
    const result = (await rawClient(quick, { key: alice, capabilities: tasks })("tools/call", deckCall("Quick", 1))).result;
    expect(result.resultType).toBe("complete");
    expect(result.structuredContent).toEqual(expect.objectContaining({ deck_name: "Quick", audio_clips: 2 }));
    expect(result.structuredContent.status).toBeUndefined();
  });
});
