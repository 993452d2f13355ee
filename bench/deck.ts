/**
 * `npm run bench:deck`: how long create_deck takes to build a deck of 10, 100 and 500 cards,
 * without speech and with speech replaced by a fixed-latency stand-in (so the scheduler's
 * concurrency shows: ideal = clips ÷ concurrency × latency), plus the size of the image's bundle.
 * Upload is left out (an in-memory store); the .apkg is built for real.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDeck } from "../lambda/src/deck/create-deck";
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
