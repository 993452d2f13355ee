import { newApiKey } from "../../lambda/src/access/api-keys";
import { planDeck } from "../../lambda/src/deck/create-deck";
import { decide } from "../../lambda/src/jobs/decide";
import { estimateDeck, PER_CLIP_SECONDS } from "../../lambda/src/jobs/estimate";
import { InProcessLauncher } from "../../lambda/src/jobs/launcher";
import { DeckJobs } from "../../lambda/src/jobs/lifecycle";
import { JOB_TIMINGS } from "../../lambda/src/jobs/record";
import { S3JobStore } from "../../lambda/src/jobs/store";
import { MAX_JOB_ATTEMPTS, runDeckJob } from "../../lambda/src/jobs/worker";
import { jobResult, taskOf } from "../../lambda/src/mcp/deck-answers";
import { S3ClipCache } from "../../lambda/src/storage/clip-cache";
import { S3DeckStore } from "../../lambda/src/storage/s3";
import { POLLY_RATES } from "../../lambda/src/tts/index";
import { PollySynthesizer } from "../../lambda/src/tts/polly";
import { FakeS3 } from "../../testing/fake-s3";
import { until } from "../../testing/function/clock";
import { BUCKET, CachedGatedSynthesizer, cards, environment, rawClient, s3Client } from "../../testing/function/jobs";

/**
 * The worker's side of a job, and the decision that makes one: a duplicate delivery of the worker's
 * event does nothing; a worker that runs out of time hands over to a new invocation that speaks only
 * what is left; an inline deck that runs out of time becomes a job the same way; a job whose worker
 * died says so; and how long a deck is expected to take, from its clips, batching and pace.
 */
const alice = newApiKey();
const keys = { alice };
const s3 = new FakeS3();
let url: string;
beforeAll(async () => (url = await s3.start()));
afterAll(() => s3.stop());
const statusAt = (record: Parameters<typeof jobResult>[0], now: number) => (jobResult(record, now, false).structuredContent as { status: string }).status;
const request = (deck: string, n = 3) => ({ deck_name: deck, cards: cards(n, deck), language: "en-US", audio: "both" as const });

/** A job's parts with a worker started by hand, so a test decides when, how often and with what deadline. */
function manualJobs(speech: CachedGatedSynthesizer, now?: () => number) {
  const client = s3Client(url);
  const deck = { synthesizer: speech, store: new S3DeckStore(client, BUCKET, 3600), deckPrefix: "decks/", maxSpeechCharacters: 60_000, clipCache: new S3ClipCache(client, BUCKET, "clips/") };
  const launched: string[] = [];
  const jobs = new DeckJobs({ store: new S3JobStore(client, BUCKET, "jobs/"), launcher: { launch: async (id) => void launched.push(id) }, ...(now ? { now } : {}) });
  const run = (id: string, deadline = Date.now() + 600_000) => runDeckJob(id, { ...deck, jobs, deadline, progressEveryMs: 10, heartbeatMs: 50 });
  return { jobs, launched, run };
}

describe("the worker", () => {
  it("does nothing when its event comes twice: the job is built once", async () => {
    const speech = new CachedGatedSynthesizer(2);
    const { jobs, run } = manualJobs(speech);
    const job = await jobs.create({ owner: "api-key:alice", request: request("Twice"), estimateSeconds: 10, total: 8, requestId: "req-twice" });
    const first = run(job.id);
    const second = run(job.id);
    speech.open();
    await Promise.all([first, second]);
    const done = (await jobs.find("api-key:alice", job.id))!;
    expect(done.state).toBe("done");
    expect(done.attempts).toBe(1);
    expect(speech.spoken).toHaveLength(6);
    expect(new Set(speech.spoken).size).toBe(6);
  });

  it("out of time with clips left, hands over to a new invocation, which speaks only what the first did not", async () => {
    const speech = new CachedGatedSynthesizer();
    const { jobs, launched, run } = manualJobs(speech);
    const job = await jobs.create({ owner: "api-key:alice", request: request("Continued"), estimateSeconds: 10, total: 8, requestId: "req-continued" });
    // Speech gets 4 s (the 8 s finishing reserve comes off the deadline): two clips are spoken, the
    // third waits past it, however fast the machine is.
    const first = run(job.id, Date.now() + 12_000);
    for (let clip = 0; clip < 2; clip++) {
      await until(() => speech.inFlight === 1, `clip ${clip + 1}`);
      speech.release();
    }
    await first;
    expect(speech.aborted).toHaveLength(1);
    const handedOver = (await jobs.find("api-key:alice", job.id))!;
    expect(handedOver).toEqual(expect.objectContaining({ state: "queued", attempts: 1, message: `continuing after 1 of at most ${MAX_JOB_ATTEMPTS} invocations` }));
    expect(launched).toEqual([job.id, job.id]);
    speech.open();
    await run(job.id);
    const done = (await jobs.find("api-key:alice", job.id))!;
    expect(done.state).toBe("done");
    expect(done.attempts).toBe(2);
    expect(done.result).toEqual(expect.objectContaining({ clips_cached: 2, clips_spoken: 4, audio_clips: 6 }));
    expect(speech.spoken).toHaveLength(6);
    expect(new Set(speech.spoken).size).toBe(6);
  }, 30_000);

  it("reports a job whose worker stopped writing as failed (its invocation ended without saying so), in words a model can pass on", async () => {
    let clock = Date.parse("2026-11-30T12:00:00Z");
    const speech = new CachedGatedSynthesizer();
    const { jobs } = manualJobs(speech, () => clock);
    const queued = await jobs.create({ owner: "api-key:alice", request: request("Abandoned"), estimateSeconds: 10, total: 8, requestId: "req-abandoned" });
    expect(statusAt(queued, clock)).toBe("running");
    // Never started: running for as long as Lambda may still deliver the event, then failed.
    clock += (JOB_TIMINGS.maxEventAgeSeconds + 59) * 1000;
    expect(statusAt(queued, clock)).toBe("running");
    clock += 2_000;
    const failed = jobResult(queued, clock, false);
    expect(failed.isError).toBe(true);
    expect(failed.structuredContent).toEqual({ status: "failed", job_id: queued.id, message: expect.stringMatching(/^The deck job stopped without finishing .* nothing was uploaded\. Start the deck again: clips already spoken are reused\. \(request req-abandoned\)$/) });
    expect(taskOf(queued, clock, false)).toEqual(expect.objectContaining({ status: "completed", result: failed }));
    // Started, then silent for six heartbeats: the same.
    const started = (await jobs.start(queued.id))!.record;
    expect(statusAt(started, clock + 6 * JOB_TIMINGS.heartbeatMs)).toBe("running");
    expect(statusAt(started, clock + 6 * JOB_TIMINGS.heartbeatMs + 1)).toBe("failed");
  });
});

describe("an inline deck that runs out of time", () => {
  it("becomes a job instead of failing, and the job speaks only the clips the request did not", async () => {
    // Estimated at 3 s (cheap requests), so it starts inline; given 12 s inline, speech gets 4 s, and
    // the third clip waits past them, however fast the machine is.
    const speech = new CachedGatedSynthesizer(1, 0.01);
    const env = environment({ s3: url, synthesizer: speech, keys, inlineSeconds: 12 });
    const answer = rawClient(env, { key: alice })("tools/call", { name: "create_deck", arguments: { deck_name: "Overran", cards: cards(3, "Overran"), audio: "both" } });
    for (let clip = 0; clip < 2; clip++) {
      await until(() => speech.inFlight === 1, `inline clip ${clip + 1}`);
      speech.release();
    }
    const handle = (await answer).result;
    expect(handle.structuredContent).toEqual(expect.objectContaining({ status: "running", job_id: expect.any(String) }));
    expect(speech.aborted).toHaveLength(1);
    speech.open();
    await env.launcher.idle();
    const done = (await rawClient(env, { key: alice })("tools/call", { name: "get_deck", arguments: { job_id: handle.structuredContent.job_id } })).result;
    expect(done.structuredContent).toEqual(expect.objectContaining({ status: "done", audio_clips: 6, clips_cached: 2, clips_spoken: 4 }));
    expect(new Set(speech.spoken).size).toBe(speech.spoken.length);
  }, 30_000);
});

describe("how long a deck is expected to take", () => {
  const polly = new PollySynthesizer();

  it("counts one request per batch for Polly: a 500-card neural deck with audio on both sides is about 32 requests", async () => {
    const plan = await planDeck({ deck_name: "Big", cards: cards(500, "w"), language: "en-US", audio: "both" }, polly.bytesPerCharacter);
    const estimate = estimateDeck(plan, polly);
    expect(estimate.clips).toBe(1000);
    expect(estimate.requests).toBeGreaterThanOrEqual(20);
    expect(estimate.requests).toBeLessThanOrEqual(40);
    // Pace (requests ÷ 8 a second) or concurrency (20 at 3 s), the slower; plus the cutting and packaging.
    const paced = Math.max(estimate.requests / POLLY_RATES.neural, (estimate.requests * polly.typicalRequestSeconds) / polly.concurrency);
    expect(estimate.seconds).toBeCloseTo(3 + 1000 * PER_CLIP_SECONDS.cut + paced, 0);
  });

  it("counts one request per clip for a synthesizer that cannot batch, at its pace", async () => {
    const standIn = { extension: "mp3", concurrency: 20, bytesPerCharacter: 800, rates: POLLY_RATES, synthesize: async () => new Uint8Array(1) };
    const plan = await planDeck({ deck_name: "Stand-in", cards: cards(500, "w"), language: "en-US", audio: "both" }, 800);
    const estimate = estimateDeck(plan, standIn);
    expect(estimate).toEqual({ clips: 1000, requests: 1000, seconds: expect.any(Number) });
    expect(estimate.seconds).toBeGreaterThan(1000 / POLLY_RATES.neural);
    expect(decide(estimate, { inlineSeconds: 60, budgetSeconds: 120, resumable: true })).toEqual({ kind: "job" });
  });

  it.each([
    [{ clips: 0, requests: 0, seconds: 3 }, { inlineSeconds: 0, budgetSeconds: 120, resumable: true }, { kind: "inline", seconds: 120, becomesJob: false }],
    [{ clips: 10, requests: 1, seconds: 20 }, { inlineSeconds: 60, budgetSeconds: 120, resumable: true }, { kind: "inline", seconds: 60, becomesJob: true }],
    [{ clips: 10, requests: 1, seconds: 20 }, { inlineSeconds: 60, budgetSeconds: 120, resumable: false }, { kind: "inline", seconds: 120, becomesJob: false }],
    [{ clips: 10, requests: 1, seconds: 61 }, { inlineSeconds: 60, budgetSeconds: 120, resumable: true }, { kind: "job" }],
    [{ clips: 10, requests: 1, seconds: 40 }, { inlineSeconds: 60, budgetSeconds: 30, resumable: true }, { kind: "job" }],
    [{ clips: 1, requests: 1, seconds: 3.1 }, { inlineSeconds: 0, budgetSeconds: 120, resumable: true }, { kind: "job" }],
  ] as const)("decides %j with %j: %j", (estimate, limits, decision) => {
    expect(decide(estimate, limits)).toEqual(decision);
  });
});

describe("the in-process launcher", () => {
  it("starts the worker after the caller's turn and tells when every job has ended", async () => {
    const order: string[] = [];
    const launcher = new InProcessLauncher(async (id) => void order.push(`run ${id}`));
    await launcher.launch("a");
    order.push("launched");
    await launcher.idle();
    expect(order).toEqual(["launched", "run a"]);
  });
});
