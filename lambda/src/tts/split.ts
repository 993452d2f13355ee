/**
 * One MP3 that speaks several texts, each followed by a long break (ssml.ts), cut into one clip per
 * text: decode every frame (mpg123, WebAssembly) to find where there is sound, find the long
 * silences, check that they part the audio into exactly as many stretches of speech as there are
 * texts (and that each stretch is about as long as its text), then cut the original frames: no
 * re-encoding. Any doubt is a refusal, never a guess: the caller speaks those texts one by one.
 */
import { MPEGDecoder } from "mpg123-decoder";
import { BREAK_MS } from "./ssml";
import { framesToSeconds, Mp3Error, parseMp3, reservoirStart, sliceFrames, type Mp3Stream } from "./mp3";

/** A frame is silent when no sample of it reaches -45 dBFS (speech peaks far above; encoded digital silence far below). */
const SILENCE_PEAK = 10 ** (-45 / 20);
/** A silence this long can only be a break between texts: pauses inside a text are much shorter. */
export const MIN_GAP_SECONDS = (0.8 * BREAK_MS) / 1000;
/** The least and the most a clip keeps of the silence before and after its speech (some players clip a sound's first moments). */
const MIN_PAD_SECONDS = 0.05;
const MAX_PAD_SECONDS = 0.5;
/**
 * How far a stretch of speech may be from its share of the request's speech (seconds per character,
 * against the median) before the cut is refused: a text spoken as nothing, or two texts run together,
 * shows here even when the silences happen to add up.
 */
const MAX_PACE_RATIO = 6;
/** Characters added to each text when comparing paces: very short texts take a syllable's time whatever their length. */
const PACE_SMOOTHING = 3;

export type SplitResult =
  | { readonly ok: true; readonly clips: readonly Uint8Array[] }
  | { readonly ok: false; readonly reason: string };

interface Run {
  /** First frame (inclusive) and last frame (exclusive). */
  readonly from: number;
  readonly to: number;
}

/**
 * Peak level of each frame, decoded in order (a frame needs its predecessors: the bit reservoir and
 * the filterbank's memory). A frame with no audio data after two others without any decodes to
 * digital silence (the filterbank remembers about one frame), so such runs (the breaks, when the
 * encoder writes silence as empty frames) are not decoded, but for the few frames before the next
 * sound that hold its reservoir: the decoder's memory is silence either way.
 */
export async function frameLevels(bytes: Uint8Array, stream: Mp3Stream): Promise<Float32Array> {
  const { frames } = stream;
  const silentForSure = (i: number) => i >= 2 && frames[i]!.empty && frames[i - 1]!.empty && frames[i - 2]!.empty;
  const needed = new Uint8Array(frames.length);
  for (let i = 0; i < frames.length; i++) {
    if (silentForSure(i)) continue;
    for (let j = needed[i - 1] ? i : reservoirStart(stream, i); j <= i; j++) needed[j] = 1;
  }
  const levels = new Float32Array(frames.length);
  const decoder = new MPEGDecoder({ enableGapless: false });
  await decoder.ready;
  try {
    for (let i = 0; i < frames.length; i++) {
      if (!needed[i]) continue;
      const frame = frames[i]!;
      const { channelData, samplesDecoded } = decoder.decodeFrame(bytes.subarray(frame.offset, frame.offset + frame.length));
      // Compared, not Math.max(peak, Math.abs(…)): a global lookup per sample costs 10x more in the
      // vm contexts jest runs each test file in (a seconds-long share of the test run).
      let peak = 0;
      for (const channel of channelData.slice(0, stream.channels)) {
        for (let s = 0; s < samplesDecoded; s++) {
          const sample = channel[s]!;
          if (sample > peak) peak = sample;
          else if (-sample > peak) peak = -sample;
        }
      }
      levels[i] = peak;
    }
    return levels;
  } finally {
    decoder.free();
  }
}

/** The stretches of sound, merged across silences shorter than `minGapFrames`. */
function speechRuns(levels: Float32Array, minGapFrames: number): Run[] {
  const runs: Run[] = [];
  let start = -1;
  let lastSound = -1;
  levels.forEach((level, i) => {
    if (level < SILENCE_PEAK) return;
    if (start >= 0 && i - lastSound - 1 >= minGapFrames) {
      runs.push({ from: start, to: lastSound + 1 });
      start = i;
    }
    if (start < 0) start = i;
    lastSound = i;
  });
  if (start >= 0) runs.push({ from: start, to: lastSound + 1 });
  return runs;
}

/** Why these stretches of speech cannot be these texts, or undefined when they can. */
function mismatch(runs: readonly Run[], texts: readonly string[]): string | undefined {
  if (runs.length !== texts.length) return `${runs.length} stretches of speech for ${texts.length} texts`;
  const paces = runs.map((run, i) => (run.to - run.from) / ([...texts[i]!].length + PACE_SMOOTHING));
  const median = [...paces].sort((a, b) => a - b)[Math.floor(paces.length / 2)]!;
  const odd = paces.findIndex((pace) => pace > median * MAX_PACE_RATIO || pace < median / MAX_PACE_RATIO);
  return odd < 0 ? undefined : `text ${odd + 1} of ${texts.length} took ${(paces[odd]! / median).toFixed(1)} times the median time per character`;
}

/**
 * Cuts `bytes` (one request's MP3, speaking `texts` in order) into one clip per text, or says why
 * not. Each clip keeps as much silence before and after its speech as the whole request has before
 * its first and after its last (what the service puts around one text spoken alone), within
 * MIN_PAD_SECONDS and MAX_PAD_SECONDS and never past the middle of the break.
 */
export async function splitAtSilences(bytes: Uint8Array, texts: readonly string[]): Promise<SplitResult> {
  let stream: Mp3Stream;
  try {
    stream = parseMp3(bytes);
  } catch (error) {
    if (error instanceof Mp3Error) return { ok: false, reason: error.message };
    throw error;
  }
  const frameSeconds = framesToSeconds(stream, 1);
  const levels = await frameLevels(bytes, stream);
  const runs = speechRuns(levels, Math.ceil(MIN_GAP_SECONDS / frameSeconds));
  const problem = mismatch(runs, texts);
  if (problem) return { ok: false, reason: problem };

  const total = stream.frames.length;
  // Measured as the runs are (the decoder's lag shifts both alike), so the edges come out as the service made them.
  const pad = (frames: number) => Math.min(Math.floor(MAX_PAD_SECONDS / frameSeconds), Math.max(Math.ceil(MIN_PAD_SECONDS / frameSeconds), frames));
  const lead = pad(runs[0]!.from);
  const trail = pad(total - runs.at(-1)!.to);
  const clips = runs.map((run, i) => {
    const previousEnd = i === 0 ? 0 : runs[i - 1]!.to;
    // Never into a neighbour's half of the silence, so no clip carries another's sound.
    const earliest = i === 0 ? 0 : Math.ceil((previousEnd + run.from) / 2);
    const latest = i === runs.length - 1 ? total : Math.floor((run.to + runs[i + 1]!.from) / 2);
    const from = Math.max(run.from - lead, earliest);
    const to = Math.min(run.to + trail, latest);
    // The reservoir frames come from the silence before: at most a few frames, well inside it.
    const start = Math.max(reservoirStart(stream, run.from), previousEnd);
    return sliceFrames(bytes, stream, Math.min(from, start), to);
  });
  return { ok: true, clips };
}
