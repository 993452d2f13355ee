/**
 * How long a deck will take, before any of it is done: what decides whether it is built inside the
 * request or as a job (decide.ts). Deliberately on the slow side: a deck that comes in under its
 * estimate just answers sooner, and one that runs over becomes a job when its time is up.
 *
 *   seconds = FIXED + clips × per-clip cost + requests ÷ throughput
 *
 * where requests are what speech will send (one per batch where the synthesizer batches, batch.ts;
 * one per clip otherwise), and throughput is the smaller of the service's pace (POLLY_RATES: 8 a
 * second for neural voices) and what the synthesizer's concurrency gets through at its typical
 * request time. Clips found in the clip cache are not known yet, so every clip counts as spoken.
 */
import type { DeckPlan } from "../deck/create-deck";
import { voiceTexts } from "../deck/speech";
import { planBatches } from "../tts/batch";
import type { Synthesizer } from "../tts/index";

/** Packaging and uploading a small deck, and the round trips around speech (cache lookups). */
const FIXED_SECONDS = 3;

/**
 * Work per clip besides speaking it. Cutting a batch's MP3 into clips (decoding to find the breaks)
 * cost 6.7–9.0 CPU seconds per 1,000 clips with packaging on the 2-core development machine
 * (docs/speech.md, "Measured"); the function's default 1,024 MB is about 0.6 of a vCPU, so 15 ms a
 * clip. A clip spoken alone is only written and packaged: 3 ms (npm run bench:deck).
 */
export const PER_CLIP_SECONDS = { cut: 0.015, whole: 0.003 } as const;

export interface DeckEstimate {
  /** Distinct clips. */
  readonly clips: number;
  /** Requests speech will send, if no clip is cached. */
  readonly requests: number;
  readonly seconds: number;
}

export function estimateDeck(plan: Pick<DeckPlan, "speech">, synthesizer: Synthesizer): DeckEstimate {
  const batches = synthesizer.batch !== undefined && synthesizer.extension === "mp3" ? synthesizer.batch : undefined;
  let clips = 0;
  let requests = 0;
  let paced = 0;
  for (const { style, texts } of voiceTexts(plan.speech)) {
    const sent = batches ? planBatches(texts, style.rate, batches.limits).length : texts.length;
    clips += texts.length;
    requests += sent;
    const rate = synthesizer.rates?.[style.engine];
    const perSecond = Math.min(rate ?? Number.POSITIVE_INFINITY, synthesizer.concurrency / (synthesizer.typicalRequestSeconds ?? 1));
    paced += sent / perSecond;
  }
  if (clips === 0) return { clips, requests, seconds: FIXED_SECONDS };
  const seconds = FIXED_SECONDS + clips * (batches ? PER_CLIP_SECONDS.cut : PER_CLIP_SECONDS.whole) + paced;
  return { clips, requests, seconds: Math.round(seconds * 10) / 10 };
}
