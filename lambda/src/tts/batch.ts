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

function fits(batch: readonly Sized[], limits: BatchLimits, audioSeconds: number): boolean {
  const sum = (key: "billed" | "total" | "seconds") => batch.reduce((n, item) => n + item[key], 0);
  return sum("billed") <= limits.billedCharacters && DOCUMENT_OVERHEAD + sum("total") <= limits.totalCharacters && sum("seconds") <= audioSeconds;
}

/** As many texts to a batch as fit, in order. */
function greedy(items: readonly Sized[], limits: BatchLimits, audioSeconds: number): Sized[][] {
  const batches: Sized[][] = [];
  for (const item of items) {
    const last = batches.at(-1);
    if (last && fits([...last, item], limits, audioSeconds)) last.push(item);
    else batches.push([item]);
  }
  return batches;
}

/** The texts in `count` runs of about equal speaking time, in order. */
function even(items: readonly Sized[], count: number): Sized[][] {
  const share = items.reduce((n, item) => n + item.seconds, 0) / count;
  const batches: Sized[][] = Array.from({ length: count }, () => []);
  let before = 0;
  for (const item of items) {
    batches[Math.min(count - 1, Math.floor((before + item.seconds / 2) / share))]!.push(item);
    before += item.seconds;
  }
  return batches.filter((batch) => batch.length > 0);
}

/**
 * Distinct texts grouped into requests, in order: as few as the limits and TARGET_AUDIO_SECONDS
 * allow, of about equal length (the deck waits for the longest). A text too long for any batch goes
 * alone (a one-text batch is an ordinary request).
 */
export function planBatches(texts: readonly string[], rate: SpeechRate, limits: BatchLimits): string[][] {
  const items: Sized[] = [...new Set(texts)].map((text) => ({
    text,
    billed: text.length,
    total: escapeSsml(text).length + overheadPerText(rate),
    seconds: estimatedSeconds(text, rate),
  }));
  const target = Math.min(TARGET_AUDIO_SECONDS, limits.audioSeconds);
  const fewest = greedy(items, limits, target);
  // Even runs may overflow a limit by a text; one more run usually makes room.
  for (const count of [fewest.length, fewest.length + 1]) {
    const balanced = even(items, count);
    if (balanced.every((batch) => batch.length === 1 || fits(batch, limits, target))) return balanced.map((batch) => batch.map((item) => item.text));
  }
  return fewest.map((batch) => batch.map((item) => item.text));
}
