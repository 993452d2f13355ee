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
 *   3. the size of the image's bundle.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClientGate } from "../lambda/src/access/client-auth";
import { loadConfig } from "../lambda/src/config";
import { createDeck } from "../lambda/src/deck/create-deck";
import { createRequestHandler } from "../lambda/src/handler";
import { writeStreamingResponse } from "../lambda/src/http/lambda-stream";
import { POLLY_RATES, type Engine } from "../lambda/src/tts/index";
import { PollySynthesizer } from "../lambda/src/tts/polly";
import { RecordingResponseStream } from "../testing/function/lambda-stream";
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
    synthesize: (text, _voice, _engine, signal) => new Promise((resolve, reject) => {
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

async function main(): Promise<void> {
  await time(5, "none"); // warm-up: sql.js compiles its WebAssembly once per process
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
  if (process.env.BENCH_STREAM !== "0") await streaming();

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
