import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SpeechStyle, Synthesizer } from "./index";

/** espeak-ng's words a minute: its default, and "slow" at 80 % of it (about what Polly's SSML rate "slow" does). */
export const ESPEAK_WORDS_PER_MINUTE = { normal: 175, slow: 140 } as const;

/** espeak-ng (Debian package `espeak-ng`), WAV; for local runs and tests. */
export class EspeakSynthesizer implements Synthesizer {
  readonly extension = "wav";
  readonly concurrency = 4;
  // 22.05 kHz 16-bit mono WAV: about 2.5 KB per character of English (measured), with headroom.
  readonly bytesPerCharacter = 3_500;
  // A process per clip: about 30 ms on a 2-core machine (measured), generously more under load.
  readonly typicalRequestSeconds = 0.1;

  constructor(private readonly binary = "espeak-ng") {}

  // espeak-ng sounds the same whatever the engine; the engine is in the key all the same, so the
  // dev server's cache behaves as Polly's does (another engine, another clip).
  audioIdentity({ voice, engine, rate }: SpeechStyle): string {
    return `espeak-ng/wav/${engine}/${voice.espeak}${rate === "normal" ? "" : `/${rate}`}`;
  }

  /** espeak-ng has one voice per language: the engine changes nothing but the clip's name. */
  async synthesize(text: string, { voice, rate }: SpeechStyle, signal: AbortSignal): Promise<Uint8Array> {
    // A file, not --stdout: on a pipe espeak-ng cannot seek back to write the WAV header's sizes,
    // and players (and sox) then see zero-length audio.
    const dir = await mkdtemp(join(tmpdir(), "ankify-espeak-"));
    const out = join(dir, "speech.wav");
    try {
      await new Promise<void>((resolve, reject) => {
        // Text goes through stdin, never the command line: no option injection from card text.
        const child = spawn(this.binary, ["-v", voice.espeak, "-s", String(ESPEAK_WORDS_PER_MINUTE[rate]), "--stdin", "-w", out], { signal, stdio: ["pipe", "ignore", "pipe"] });
        let err = "";
        child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
        // A child that exits before reading its input breaks the pipe: an ordinary failure of this
        // clip (reported by "close" below), never an unhandled EPIPE that takes the process down.
        child.stdin.on("error", () => {});
        child.on("error", (error: NodeJS.ErrnoException) =>
          reject(error.code === "ENOENT" ? new Error(`${this.binary} is not installed (Debian: apt-get install espeak-ng)`) : error),
        );
        child.on("close", (code, signalName) =>
          code === 0 ? resolve() : reject(new Error(`${this.binary} failed (${signalName ?? `exit ${code}`}): ${err.trim().slice(0, 200)}`)),
        );
        child.stdin.end(text);
      });
      return new Uint8Array(await readFile(out));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
