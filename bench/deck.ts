/**
 * `npm run bench:deck`:
 *   1. how long create_deck takes to build a deck of 10, 100 and 500 cards, without speech and with
 *      speech replaced by a fixed-latency stand-in (so the scheduler's concurrency shows: ideal =
 *      clips ÷ concurrency × latency); upload left out (an in-memory store), the .apkg built for real;
 *   2. streaming, in real time, through the Lambda handler (streamifyResponse stand-in): 500 cards with
 *      audio on both sides per engine, with Polly's rates and a 200 ms stand-in latency: time to first
 *      byte, the largest gap between bytes, and the total against the floor (clips ÷ rate); then a
 *      neural deck on a slow day (3.2 s a clip, 20 in flight: 160 s, past CloudFront's 120 s read timeout).
 *      BENCH_STREAM=0 skips this part (about 7 minutes);
 *   3. the clip cache: 500 cards with audio on both sides (neural stand-in, 200 ms), then the same deck
 *      with one card changed, the cache in a local S3 store (s3rver, as the dev server's): clips spoken
 *      and time, first build and rebuild (target: 1 clip, ≤ 5 % of the first build's time).
 *      BENCH_CACHE=0 skips this part (about 2 minutes);
 *   4. speech through the Polly path against the Polly fake (bench/polly-batching.ts): a 500-card deck
 *      with audio on both sides, and four dev servers at once. BENCH_POLLY=0 skips this part;
 *      BENCH_SPEED=0 skips part 1;
 *   5. deck jobs (bench/deck-jobs.ts): the largest deck with audio on both sides at Polly's neural pace,
 *      answered with a handle and built as a job, against the same deck built inline. BENCH_JOBS=0 skips
 *      this part (about 5 minutes);
 *   6. the size of the image's bundle.
 * Parts 1-3 speak through stand-ins without batching (one request per clip): what the scheduler does.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClientGate } from "../lambda/src/access/client-auth";
import { loadConfig } from "../lambda/src/config";
import { S3Client } from "@aws-sdk/client-s3";
import { createDeck } from "../lambda/src/deck/create-deck";
import { S3ClipCache } from "../lambda/src/storage/clip-cache";
import { createRequestHandler } from "../lambda/src/handler";
import { writeStreamingResponse } from "../lambda/src/http/lambda-stream";
import { POLLY_RATES, type Engine } from "../lambda/src/tts/index";
import { PollySynthesizer } from "../lambda/src/tts/polly";
import { RecordingResponseStream } from "../testing/function/lambda-stream";
import { pollyBatching } from "./polly-batching";
import { deckJobs } from "./deck-jobs";
import type { DeckStore } from "../lambda/src/storage/s3";
import type { Synthesizer } from "../lambda/src/tts/index";

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const CONCURRENCY = 8; // Polly neural's rate
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const fakeSpeech: Synthesizer = {
  extension: "mp3",
  bytesPerCharacter: 800,
  concurrency: CONCURRENCY,
  synthesize: () => new Promise((resolve) => setTimeout(() => resolve(new Uint8Array(6_000)), LATENCY_MS)),
};
const memoryStore: DeckStore = { save: async () => ({ url: "memory://deck.apkg", expiresAt: new Date() }) };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(cards: number, audio: "front" | "none"): Promise<{ ms: number; size: number }> {
  const input = {
    deck_name: `Bench ${cards}`,
    cards: Array.from({ length: cards }, (_, i) => ({ front: `front number ${i}`, back: `back number ${i}` })),
    language: "en-US",
    audio,
  };
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const result = await createDeck(input, { synthesizer: fakeSpeech, store: memoryStore, deckPrefix: "decks/", deadline: Date.now() + 600_000, maxSpeechCharacters: 1_000_000 });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    size = result.size_bytes;
  }
  return { ms: median(times), size };
}

/** A Polly stand-in: Polly's rates per engine and PollySynthesizer's concurrency, `latencyMs` a clip, MP3-sized output. */
function pollyStandIn(latencyMs: number): Synthesizer {
  return {
    extension: "mp3", bytesPerCharacter: 800, concurrency: new PollySynthesizer().concurrency, rates: POLLY_RATES,
    audioIdentity: ({ voice, engine }) => `stand-in/mp3/${engine}/${voice.language}`,
    synthesize: (text, _style, signal) => new Promise((resolve, reject) => {
      const onAbort = () => (clearTimeout(timer), reject(signal.reason));
      const timer = setTimeout(() => (signal.removeEventListener("abort", onAbort), resolve(new Uint8Array(text.length * 400))), latencyMs);
      signal.addEventListener("abort", onAbort, { once: true });
    }),
  };
}

/** One streamed create_deck through the Lambda handler: first byte, largest gap, total (ms). */
async function streamDeck(engine: Engine, latencyMs: number): Promise<{ ttfb: number; gap: number; total: number; ok: boolean }> {
  const config = loadConfig({ ANKIFY_ORIGIN_PROTECTION: "oac", ANKIFY_DECK_BUCKET: "b", ANKIFY_CLIENT_AUTH: "none", ANKIFY_TIME_BUDGET_SECONDS: "120", ANKIFY_STREAM_BUDGET_SECONDS: "895" });
  const handle = createRequestHandler({ config, synthesizer: pollyStandIn(latencyMs), store: memoryStore, clients: createClientGate(config.clientAuth, config.originProtection) });
  const cards = Array.from({ length: 500 }, (_, i) => ({ front: `front number ${i}`, back: `back number ${i}` }));
  const body = JSON.stringify({
    jsonrpc: "2.0", id: 1, method: "tools/call",
    params: { name: "create_deck", arguments: { deck_name: `Stream ${engine}`, cards, audio: "both", engine }, _meta: { progressToken: 1, "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} } },
  });
  const stream = new RecordingResponseStream();
  const started = Date.now();
  const response = await handle(new Request("https://ankify.test/mcp", {
    method: "POST", body,
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "create_deck" },
  }));
  await writeStreamingResponse(response, stream, () => {});
  const times = [started, ...stream.chunks.map((c) => c.at)];
  const gap = Math.max(...times.slice(1).map((t, i) => t - times[i]!));
  const ok = stream.bytes().toString().includes('"card_count":500');
  // The first chunk is the prelude (status and headers); the first body byte comes with it or just after.
  return { ttfb: (stream.chunks[1]?.at ?? Date.now()) - started, gap, total: Date.now() - started, ok };
}

async function streaming(): Promise<void> {
  console.log("\nstreaming, 500 cards, audio both (1000 clips), through the Lambda handler; keep-alive 5 s");
  console.log("engine     | latency | first byte | largest gap | total    | floor (clips ÷ rate)  | ratio | deck");
  const rows: Array<[Engine, number]> = [["standard", 200], ["neural", 200], ["generative", 200], ["neural", 3200]];
  for (const [engine, latency] of rows) {
    const r = await streamDeck(engine, latency);
    // The floor: the engine's rate, or what the calls in flight allow at this latency, whichever is slower.
    const floor = Math.max(1000 / POLLY_RATES[engine], (1000 / new PollySynthesizer().concurrency) * (latency / 1000)) * 1000;
    console.log(
      `${engine.padEnd(10)} | ${String(latency).padStart(4)} ms | ${r.ttfb.toFixed(0).padStart(7)} ms | ${(r.gap / 1000).toFixed(1).padStart(8)} s | ` +
        `${(r.total / 1000).toFixed(1).padStart(6)} s | ${(floor / 1000).toFixed(1).padStart(18)} s | ${(r.total / floor).toFixed(2)} | ${r.ok ? "ok" : "MISSING"}`,
    );
  }
}

async function cacheRebuild(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require("s3rver") as new (options: Record<string, unknown>) => { run(): Promise<{ port: number }>; close(): Promise<void> };
  const dir = mkdtempSync(join(tmpdir(), "ankify-cache-bench-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir, configureBuckets: [{ name: "bench" }] });
  const { port } = await server.run();
  try {
    const s3 = new S3Client({ endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }, requestChecksumCalculation: "WHEN_REQUIRED" });
    const deps = { synthesizer: pollyStandIn(200), store: memoryStore, deckPrefix: "decks/", deadline: Date.now() + 3_600_000, maxSpeechCharacters: 1_000_000, clipCache: new S3ClipCache(s3, "bench", "clips/") };
    const cards = Array.from({ length: 500 }, (_, i) => ({ front: `front number ${i}`, back: `back number ${i}` }));
    const timed = async (deckCards: typeof cards) => {
      const start = Date.now();
      const result = await createDeck({ deck_name: "Cache bench", cards: deckCards, language: "en-US", audio: "both" }, { ...deps, deadline: Date.now() + 3_600_000 });
      return { ms: Date.now() - start, spoken: result.clips_spoken, cached: result.clips_cached, characters: result.characters_spoken };
    };
    console.log("\nclip cache, 500 cards, audio both (1000 clips), neural stand-in 200 ms, cache in a local S3 store");
    const first = await timed(cards);
    const edited = cards.map((c, i) => (i === 250 ? { ...c, front: "a front that changed" } : c));
    const rebuild = await timed(edited);
    console.log(`first build | ${String(first.spoken).padStart(4)} spoken ${String(first.cached).padStart(4)} cached | ${String(first.characters).padStart(6)} characters | ${(first.ms / 1000).toFixed(1).padStart(6)} s`);
    console.log(`rebuild     | ${String(rebuild.spoken).padStart(4)} spoken ${String(rebuild.cached).padStart(4)} cached | ${String(rebuild.characters).padStart(6)} characters | ${(rebuild.ms / 1000).toFixed(1).padStart(6)} s = ${((rebuild.ms / first.ms) * 100).toFixed(1)} % of the first (target ≤ 5 %, 1 clip)`);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  await time(5, "none"); // warm-up: sql.js compiles its WebAssembly once per process
  if (process.env.BENCH_SPEED !== "0") await speed();
  if (process.env.BENCH_STREAM !== "0") await streaming();
  if (process.env.BENCH_CACHE !== "0") await cacheRebuild();
  if (process.env.BENCH_POLLY !== "0") await pollyBatching();
  if (process.env.BENCH_JOBS !== "0") await deckJobs();
  bundle();
}

async function speed(): Promise<void> {
  console.log(`node ${process.version}; median of ${RUNS} runs; speech stand-in: ${LATENCY_MS} ms a clip, ${CONCURRENCY} at a time`);
  console.log("cards | no speech        | with speech      | ideal (clips÷conc×lat) | ratio");
  for (const cards of [10, 100, 500]) {
    const plain = await time(cards, "none");
    const spoken = await time(cards, "front");
    const ideal = (cards / CONCURRENCY) * LATENCY_MS;
    console.log(
      `${String(cards).padStart(5)} | ${plain.ms.toFixed(0).padStart(5)} ms ${String(plain.size).padStart(7)} B | ` +
        `${spoken.ms.toFixed(0).padStart(5)} ms ${String(spoken.size).padStart(7)} B | ${ideal.toFixed(0).padStart(19)} ms | ${(spoken.ms / ideal).toFixed(2)}`,
    );
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

function bundle(): void {
  const outdir = mkdtempSync(join(tmpdir(), "ankify-bundle-"));
  try {
    const build = spawnSync(process.execPath, [join(__dirname, "..", "lambda", "build.js")], { env: { ...process.env, ANKIFY_BUILD_OUTDIR: outdir }, encoding: "utf8" });
    if (build.status !== 0) throw new Error(build.stderr);
    const kib = (file: string) => (statSync(join(outdir, file)).size / 1024).toFixed(0);
    console.log(`bundle: index.js ${kib("index.js")} KiB + sql-wasm.wasm ${kib("sql-wasm.wasm")} KiB`);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

void main();
