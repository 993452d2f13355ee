/**
 * Speech for the dev server's experiments, not for decks anyone studies: a silent WAV sized like
 * espeak-ng's output for the same text (so packages weigh what real ones do), and a wrapper adding a
 * fixed latency per clip to any synthesizer (so a long deck can be simulated on one machine).
 */
import type { SpeechStyle, Synthesizer } from "./index";
import { sleep } from "./pace";

const SAMPLE_RATE = 22_050;
/** espeak-ng speaks about 9 characters a second of English at its default rate (measured). */
const SAMPLES_PER_CHARACTER = Math.round(SAMPLE_RATE / 9);

/** A mono 16-bit PCM WAV of silence, about as long as espeak-ng would take to say `text`. */
export function silentWav(text: string, slowness = 1): Uint8Array {
  const samples = Math.round(Math.max(1, [...text].length) * SAMPLES_PER_CHARACTER * slowness);
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write("RIFF", 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write("WAVEfmt ", 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(SAMPLE_RATE, 24);
  wav.writeUInt32LE(SAMPLE_RATE * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write("data", 36);
  wav.writeUInt32LE(samples * 2, 40);
  return new Uint8Array(wav.buffer, wav.byteOffset, wav.length);
}

export class SilentSynthesizer implements Synthesizer {
  readonly extension = "wav";
  readonly concurrency = 8;
  readonly bytesPerCharacter = SAMPLES_PER_CHARACTER * 2 + 64;
  // Silence depends only on the text's length; engine and language are in the key all the same, so
  // the stand-in caches as the service it stands in for does.
  audioIdentity({ voice, engine, rate }: SpeechStyle): string {
    return `silent/wav/${engine}/${voice.language}${rate === "normal" ? "" : `/${rate}`}`;
  }

  async synthesize(text: string, { rate }: SpeechStyle, signal: AbortSignal): Promise<Uint8Array> {
    signal.throwIfAborted();
    // As long as espeak-ng would be at its slow rate (words a minute: 175 → 140).
    return silentWav(text, rate === "slow" ? 175 / 140 : 1);
  }
}

/** `inner`, with every request taking `latencyMs` longer (abortable). */
export function withLatency(inner: Synthesizer, latencyMs: number): Synthesizer {
  // The request's signal is shared by all its clips: sleep leaves no listener behind.
  const batch = inner.batch;
  return {
    extension: inner.extension,
    concurrency: inner.concurrency,
    bytesPerCharacter: inner.bytesPerCharacter,
    // The added latency is what makes a deck slow on purpose: estimates must see it.
    typicalRequestSeconds: (inner.typicalRequestSeconds ?? 1) + latencyMs / 1000,
    ...(inner.rates !== undefined ? { rates: inner.rates } : {}),
    ...(inner.audioIdentity ? { audioIdentity: inner.audioIdentity.bind(inner) } : {}),
    ...(batch ? { batch: { limits: batch.limits, synthesizeSsml: async (ssml, style, signal) => (await sleep(latencyMs, signal), batch.synthesizeSsml(ssml, style, signal)) } } : {}),
    async synthesize(text, style, signal) {
      await sleep(latencyMs, signal);
      return inner.synthesize(text, style, signal);
    },
  };
}
