import { PollyClient, SynthesizeSpeechCommand } from "@aws-sdk/client-polly";
import { engineProblem, POLLY_RATES, ThrottledError, TransientSpeechError, type BatchLimits, type SpeechStyle, type Synthesizer } from "./index";
import { ssmlDocument } from "./ssml";
import { LimitError } from "../limits";

/**
 * One SynthesizeSpeech request (Polly's limits page): at most 3,000 billed characters (SSML tags are
 * not billed) and 6,000 in all, and at most 10 minutes of audio.
 */
export const POLLY_LIMITS: BatchLimits = { billedCharacters: 3000, totalCharacters: 6000, audioSeconds: 600 };

/**
 * Amazon Polly, MP3, in the engine a request asks for; many texts per request (batch.ts) at a pace
 * that adapts to what Polly answers (pace.ts). Throttling (other users of the account), 5xx answers
 * and dropped connections are retried by synthesizeAll; the SDK's own retries are off
 * (`maxAttempts: 1`) so that one retry policy, which knows the deadline, decides.
 */
export class PollySynthesizer implements Synthesizer {
  readonly extension = "mp3";
  // Enough in flight for standard's 80 a second at ~200 ms a call; the pace keeps neural and
  // generative at 8. Well below Polly's 90 concurrent connections per account.
  readonly concurrency = 20;
  readonly rates = POLLY_RATES;
  // 24 kHz MP3 at about 48 kbit/s and 12-15 characters a second of speech: ~400 B, with headroom.
  readonly bytesPerCharacter = 800;
  // A batch holds up to about two minutes of speech; Polly makes it in a few seconds at most.
  readonly typicalRequestSeconds = 3;
  readonly batch = {
    limits: POLLY_LIMITS,
    synthesizeSsml: async (ssml: string, style: SpeechStyle, signal: AbortSignal) => this.speak(ssml, "ssml", style, signal),
  };

  constructor(private readonly client: PollyClient = new PollyClient({ maxAttempts: 1 })) {}

  /** MP3 at each engine's default sample rate: the engine, voice, language and rate make the rest. */
  audioIdentity({ voice, engine, rate }: SpeechStyle): string {
    // The normal rate keeps the identity of clips cached before rates existed.
    return `polly/mp3/${engine}/${voice.polly[engine] ?? "-"}/${voice.language}${rate === "normal" ? "" : `/${rate}`}`;
  }

  async synthesize(text: string, style: SpeechStyle, signal: AbortSignal): Promise<Uint8Array> {
    // Plain text needs no escaping; a slower rate needs SSML's prosody.
    const spoken = style.rate === "normal" ? await this.speak(text, "text", style, signal) : await this.speak(ssmlDocument([text], style.rate), "ssml", style, signal);
    return spoken.audio;
  }

  private async speak(text: string, textType: "text" | "ssml", { voice, engine }: SpeechStyle, signal: AbortSignal) {
    const voiceId = voice.polly[engine];
    if (!voiceId) throw new LimitError(`${engineProblem(voice, engine)}.`);
    try {
      const result = await this.client.send(
        new SynthesizeSpeechCommand({ Text: text, TextType: textType, VoiceId: voiceId as never, Engine: engine, OutputFormat: "mp3", LanguageCode: voice.language as never }),
        { abortSignal: signal },
      );
      if (!result.AudioStream) throw new TransientSpeechError("Polly returned no audio");
      const audio = await result.AudioStream.transformToByteArray();
      return { audio, ...(result.RequestCharacters !== undefined ? { billedCharacters: result.RequestCharacters } : {}) };
    } catch (error) {
      throw classify(error);
    }
  }
}

/** Polly's error as one synthesizeAll knows how to treat: retry (throttled, transient) or give up. */
export function classify(error: unknown): unknown {
  if (error instanceof TransientSpeechError) return error;
  const e = error as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  // Our own deadline or the client's cancellation: never retried.
  if (e.name === "AbortError") return error;
  if (e.name === "ThrottlingException" || status === 429) return new ThrottledError(`Polly throttled: ${e.message}`, "Amazon Polly");
  if (e.name === "ServiceFailureException" || (status !== undefined && status >= 500)) return new TransientSpeechError(`Polly failed (${status ?? e.name}): ${e.message}`);
  // No HTTP answer at all (reset, refused, timed out, DNS): the request may never have reached Polly.
  // Everything Polly itself refuses (bad text, voice, access) comes with a status and is final.
  if (status === undefined) return new TransientSpeechError(`Polly unreachable: ${e.code ?? e.name}: ${e.message}`);
  // A voice that lost an engine since the table in index.ts was written: the client can pick another.
  if (e.name === "EngineNotSupportedException") return new LimitError(`Amazon Polly refused this voice for the engine asked for (${e.message}); try engine "neural".`);
  return error;
}
