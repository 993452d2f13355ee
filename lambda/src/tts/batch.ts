/**
 * Many texts per request: Polly bills characters, not requests, but limits requests (8 a second for
 * neural and generative voices, per account), so a deck's texts are packed into a few SSML requests
 * (ssml.ts) whose audio is cut back into one clip per text (split.ts). A batch whose audio cannot be
 * cut with certainty is spoken again one text per request (speak-all.ts): never a clip with the
 * wrong words.
 *
 * Packing respects the service's limits per request (billed and total characters, minutes of audio)
 * and keeps each request to about two minutes of audio, so a deck's requests run side by side and a
 * batch spoken again costs little.
 */
import { DOCUMENT_OVERHEAD, escapeSsml, overheadPerText, BREAK_MS } from "./ssml";
import type { BatchLimits, SpeechRate } from "./index";

/** Audio one request should hold at most (estimated): a fifth of Polly's ten minutes. */
export const TARGET_AUDIO_SECONDS = 120;

// Deliberately slow estimates of speaking time (Polly's voices say 12–16 Latin characters a second;
// a CJK character is a syllable or more), so a batch never nears the service's audio limit.
const SECONDS_PER_CHARACTER = 0.1;
const SECONDS_PER_CJK_CHARACTER = 0.3;
const SENTENCE_PAUSE_SECONDS = 0.5;
const SLOW_FACTOR = 1.6;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/** A generous estimate of the seconds `text` takes in a batch: its speech, its sentence's pause, the break after it. */
export function estimatedSeconds(text: string, rate: SpeechRate): number {
  let speech = 0;
  for (const c of text) speech += CJK.test(c) ? SECONDS_PER_CJK_CHARACTER : SECONDS_PER_CHARACTER;
  return speech * (rate === "slow" ? SLOW_FACTOR : 1) + SENTENCE_PAUSE_SECONDS + BREAK_MS / 1000;
}

interface Sized {
  readonly text: string;
  /** UTF-16 code units: never fewer than the characters Polly counts. */
  readonly billed: number;
  readonly total: number;
  readonly seconds: number;
}

function pack(items: readonly Sized[], limits: BatchLimits, audioSeconds: number): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let billed = 0;
  let total = DOCUMENT_OVERHEAD;
  let seconds = 0;
  for (const item of items) {
    const fits = billed + item.billed <= limits.billedCharacters && total + item.total <= limits.totalCharacters && seconds + item.seconds <= audioSeconds;
    if (current.length > 0 && !fits) {
      batches.push(current);
      [current, billed, total, seconds] = [[], 0, DOCUMENT_OVERHEAD, 0];
    }
    current.push(item.text);
    billed += item.billed;
    total += item.total;
    seconds += item.seconds;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Distinct texts grouped into requests, in order: as few as the limits and TARGET_AUDIO_SECONDS
 * allow, then evened out so no request is much longer than the others (the deck waits for the
 * longest). A text too long for any batch goes alone (a one-text batch is an ordinary request).
 */
export function planBatches(texts: readonly string[], rate: SpeechRate, limits: BatchLimits): string[][] {
  const items = [...new Set(texts)].map((text) => ({
    text,
    billed: text.length,
    total: escapeSsml(text).length + overheadPerText(rate),
    seconds: estimatedSeconds(text, rate),
  }));
  const target = Math.min(TARGET_AUDIO_SECONDS, limits.audioSeconds);
  const fewest = pack(items, limits, target);
  if (fewest.length <= 1) return fewest;
  const even = items.reduce((sum, item) => sum + item.seconds, 0) / fewest.length;
  const balanced = pack(items, limits, Math.min(target, even * 1.1));
  return balanced.length <= fewest.length ? balanced : fewest;
}
