/**
 * `npm run bench:deck`, part 6 (BENCH_JOBS=0 skips it; about 9 minutes): a deck too long for the
 * inline limit, built as a job. The largest deck one create_deck may ask for — 1,000 cards with audio on
 * both sides, 2,000 neural clips — with speech through a stand-in at Polly's neural pace (8 requests a
 * second, 20 in flight, 200 ms each, one clip per request: no batching, so speech alone takes 250 s),
 * records and decks in a local S3 stand-in (FakeS3, conditional writes), the worker in this process.
 *
 *   job:    the handle's latency (target < 2 s), the job's own time (record created → done), and the
 *           time a client polling get_deck every second sees it done;
 *   inline: the same deck built inside one streamed request (the inline limit raised past it);
 *   overhead of the job path against inline (target ≤ 5 %), and the job's record traffic.
 */
import { createClientGate } from "../lambda/src/access/client-auth";
import { loadConfig } from "../lambda/src/config";
import { createRequestHandler } from "../lambda/src/handler";
import { writeStreamingResponse } from "../lambda/src/http/lambda-stream";
import { InProcessLauncher } from "../lambda/src/jobs/launcher";
import { DeckJobs } from "../lambda/src/jobs/lifecycle";
import { S3JobStore } from "../lambda/src/jobs/store";
import { runDeckJob } from "../lambda/src/jobs/worker";
import { S3DeckStore } from "../lambda/src/storage/s3";
import { POLLY_RATES, type Synthesizer } from "../lambda/src/tts/index";
import { FakeS3 } from "../testing/fake-s3";
import { RecordingResponseStream } from "../testing/function/lambda-stream";
import { s3Client } from "../testing/function/jobs";

const CARDS = Number(process.env.BENCH_JOB_CARDS ?? 1000);
const LATENCY_MS = 200;
const POLL_MS = 1_000;
/** The inline limit the job run starts with (ANKIFY_INLINE_SECONDS' default). */
const INLINE_SECONDS = Number(process.env.BENCH_JOB_INLINE_SECONDS ?? 60);

/** Polly's neural pace and PollySynthesizer's concurrency, one clip per request, MP3-sized output. */
function pollyPaced(): Synthesizer {
  return {
    extension: "mp3", bytesPerCharacter: 800, concurrency: 20, rates: POLLY_RATES, typicalRequestSeconds: LATENCY_MS / 1000,
    synthesize: (text, _style, signal) => new Promise((resolve, reject) => {
      const onAbort = () => (clearTimeout(timer), reject(signal.reason));
      const timer = setTimeout(() => (signal.removeEventListener("abort", onAbort), resolve(new Uint8Array(text.length * 400))), LATENCY_MS);
      signal.addEventListener("abort", onAbort, { once: true });
    }),
  };
}

function handlerWith(endpoint: string, inlineSeconds: number) {
  const client = s3Client(endpoint);
  const config = loadConfig({
    ANKIFY_ORIGIN_PROTECTION: "oac", ANKIFY_DECK_BUCKET: "decks", ANKIFY_CLIENT_AUTH: "none", ANKIFY_TIME_BUDGET_SECONDS: "120", ANKIFY_STREAM_BUDGET_SECONDS: "895",
    ANKIFY_JOBS_PREFIX: "jobs/", ANKIFY_INLINE_SECONDS: String(inlineSeconds),
  });
  const deck = { synthesizer: pollyPaced(), store: new S3DeckStore(client, "decks", 3600), deckPrefix: "decks/", maxSpeechCharacters: 1_000_000 };
  const launcher = new InProcessLauncher((jobId) => runDeckJob(jobId, { ...deck, jobs, deadline: Date.now() + 895_000 }));
  const jobs: DeckJobs = new DeckJobs({ store: new S3JobStore(client, "decks", "jobs/"), launcher });
  return { jobs, launcher, handle: createRequestHandler({ config, ...deck, jobs, clients: createClientGate(config.clientAuth, config.originProtection) }) };
}

const call = (id: number, name: string, args: Record<string, unknown>) => JSON.stringify({
  jsonrpc: "2.0", id, method: "tools/call",
  params: { name, arguments: args, _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} } },
});
const post = (handle: ReturnType<typeof handlerWith>["handle"], body: string, name: string, accept: string) => handle(new Request("https://ankify.test/mcp", {
  method: "POST", body,
  headers: { "content-type": "application/json", accept, "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": name },
}));
const deckArgs = (tag: string) => ({ deck_name: `Job bench ${tag}`, audio: "both", cards: Array.from({ length: CARDS, }, (_, i) => ({ front: `${tag} front number ${i}`, back: `${tag} back number ${i}` })) });

async function inline(endpoint: string): Promise<{ ms: number; ok: boolean }> {
  const { handle } = handlerWith(endpoint, 900);
  const started = Date.now();
  const stream = new RecordingResponseStream();
  await writeStreamingResponse(await post(handle, call(1, "create_deck", deckArgs("inline")), "create_deck", "application/json, text/event-stream"), stream, () => {});
  return { ms: Date.now() - started, ok: stream.bytes().toString().includes(`"card_count":${CARDS}`) && !stream.bytes().toString().includes('"status":"running"') };
}

async function job(endpoint: string, s3: FakeS3): Promise<{ handleMs: number; jobMs: number; polledMs: number; polls: number; ok: boolean; writes: number; reads: number }> {
  const { handle, jobs } = handlerWith(endpoint, INLINE_SECONDS);
  const before = s3.requests.length;
  const started = Date.now();
  const answer = JSON.parse(await (await post(handle, call(1, "create_deck", deckArgs("job")), "create_deck", "application/json")).text());
  const handleMs = Date.now() - started;
  const id = answer.result.structuredContent.job_id as string | undefined;
  if (id === undefined) throw new Error(`expected a handle, got ${JSON.stringify(answer).slice(0, 300)}`);
  let polls = 0;
  let done: any;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    polls++;
    done = JSON.parse(await (await post(handle, call(2, "get_deck", { job_id: id }), "get_deck", "application/json")).text()).result;
    if (done.structuredContent.status !== "running") break;
  }
  const polledMs = Date.now() - started;
  const record = (await jobs.find(undefined, id))!;
  const traffic = s3.requests.slice(before).filter((r) => r.includes("jobs/"));
  return {
    handleMs, polledMs, polls,
    jobMs: Date.parse(record.updatedAt) - Date.parse(record.createdAt),
    ok: done.structuredContent.status === "done" && done.structuredContent.card_count === CARDS,
    writes: traffic.filter((r) => r.startsWith("PutObject")).length,
    reads: traffic.filter((r) => r.startsWith("GetObject")).length,
  };
}

export async function deckJobs(): Promise<void> {
  // The jobs' own lines (created, started, done) would drown the table.
  process.env["ANKIFY_LOG_LEVEL"] ??= "warn";
  const s3 = new FakeS3();
  const endpoint = await s3.start();
  try {
    console.log(`\ndeck jobs: ${CARDS} cards, audio both (${CARDS * 2} clips), neural stand-in at Polly's pace (8/s, 20 in flight, ${LATENCY_MS} ms), no batching; floor ${(CARDS * 2 / POLLY_RATES.neural).toFixed(0)} s`);
    const direct = await inline(endpoint);
    const queued = await job(endpoint, s3);
    const overhead = (ms: number) => `${(((ms - direct.ms) / direct.ms) * 100).toFixed(1)} %`;
    console.log(`inline (one streamed request)   | ${(direct.ms / 1000).toFixed(1).padStart(6)} s | ${direct.ok ? "ok" : "FAILED"}`);
    console.log(`job: handle answered in         | ${queued.handleMs.toFixed(0).padStart(6)} ms (target < 2000 ms)`);
    console.log(`job: built (record → done)      | ${(queued.jobMs / 1000).toFixed(1).padStart(6)} s | overhead ${overhead(queued.jobMs)} (target ≤ 5 %)`);
    console.log(`job: seen done, polling 1/s     | ${(queued.polledMs / 1000).toFixed(1).padStart(6)} s | overhead ${overhead(queued.polledMs)} | ${queued.polls} polls | ${queued.ok ? "ok" : "FAILED"}`);
    console.log(`job record traffic              | ${queued.writes} PUTs, ${queued.reads} GETs (create, progress every 3 s, heartbeats, polls)`);
    console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  } finally {
    await s3.stop();
  }
}

if (require.main === module) void deckJobs();
