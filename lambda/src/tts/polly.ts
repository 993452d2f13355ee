import { PollyClient, SynthesizeSpeechCommand } from "@aws-sdk/client-polly";
import { ThrottledError, type Synthesizer, type Voice } from "./index";

/**
 * Amazon Polly, neural voices, MP3. Neural allows 8 requests per second per account (burst 10), so
 * synthesizeAll starts at most 8 a second; throttling (other users of the account) is retried.
 */
export class PollySynthesizer implements Synthesizer {
  readonly extension = "mp3";
  readonly concurrency = 8;
  readonly ratePerSecond = 8;

  constructor(private readonly client: PollyClient = new PollyClient({ maxAttempts: 1 })) {}

  async synthesize(text: string, voice: Voice, signal: AbortSignal): Promise<Uint8Array> {
    try {
      const result = await this.client.send(
        new SynthesizeSpeechCommand({ Text: text, VoiceId: voice.polly as never, Engine: "neural", OutputFormat: "mp3", LanguageCode: voice.language as never }),
        { abortSignal: signal },
      );
      if (!result.AudioStream) throw new Error("Polly returned no audio");
      return await result.AudioStream.transformToByteArray();
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === "ThrottlingException" || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 429) {
        throw new ThrottledError(`Polly throttled: ${(error as Error).message}`);
      }
      throw error;
    }
  }
}
