import { PollyClient, SynthesizeSpeechCommand } from "@aws-sdk/client-polly";
import { engineProblem, POLLY_RATES, ThrottledError, TransientSpeechError, type Engine, type Synthesizer, type Voice } from "./index";
import { LimitError } from "../limits";

/**
 * Amazon Polly, MP3, in the engine a request asks for. synthesizeAll starts calls no faster than the
 * engine's rate (POLLY_RATES: standard 80 a second, neural and generative 8); throttling (other users
 * of the account), 5xx answers and dropped connections are retried there. The SDK's own retries are off (`maxAttempts: 1`) so that
 * one retry policy, which knows the deadline, decides.
 */
export class PollySynthesizer implements Synthesizer {
  readonly extension = "mp3";
  // Enough in flight for standard's 80 a second at ~200 ms a call; the pace keeps neural and
  // generative at 8. Well below Polly's 90 concurrent connections per account.
  readonly concurrency = 20;
  readonly rates = POLLY_RATES;
  // 24 kHz MP3 at about 48 kbit/s and 12-15 characters a second of speech: ~400 B, with headroom.
  readonly bytesPerCharacter = 800;

  constructor(private readonly client: PollyClient = new PollyClient({ maxAttempts: 1 })) {}

  /** MP3 at each engine's default sample rate: the engine, voice and language make the rest. */
  audioIdentity(voice: Voice, engine: Engine): string {
    return `polly/mp3/${engine}/${voice.polly[engine] ?? "-"}/${voice.language}`;
  }

  async synthesize(text: string, voice: Voice, engine: Engine, signal: AbortSignal): Promise<Uint8Array> {
    const voiceId = voice.polly[engine];
    if (!voiceId) throw new LimitError(`${engineProblem(voice, engine)}.`);
    try {
      const result = await this.client.send(
        new SynthesizeSpeechCommand({ Text: text, VoiceId: voiceId as never, Engine: engine, OutputFormat: "mp3", LanguageCode: voice.language as never }),
        { abortSignal: signal },
      );
      if (!result.AudioStream) throw new TransientSpeechError("Polly returned no audio");
      return await result.AudioStream.transformToByteArray();
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
  if (e.name === "ThrottlingException" || status === 429) return new ThrottledError(`Polly throttled: ${e.message}`);
  if (e.name === "ServiceFailureException" || (status !== undefined && status >= 500)) return new TransientSpeechError(`Polly failed (${status ?? e.name}): ${e.message}`);
  // No HTTP answer at all (reset, refused, timed out, DNS): the request may never have reached Polly.
  // Everything Polly itself refuses (bad text, voice, access) comes with a status and is final.
  if (status === undefined) return new TransientSpeechError(`Polly unreachable: ${e.code ?? e.name}: ${e.message}`);
  // A voice that lost an engine since the table in index.ts was written: the client can pick another.
  if (e.name === "EngineNotSupportedException") return new LimitError(`Amazon Polly refused this voice for the engine asked for (${e.message}); try engine "neural".`);
  return error;
}
