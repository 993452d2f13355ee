import { spawn } from "node:child_process";
import type { Synthesizer, Voice } from "./index";

/** espeak-ng (Debian package `espeak-ng`), WAV on stdout; for local runs and tests. */
export class EspeakSynthesizer implements Synthesizer {
  readonly extension = "wav";
  readonly concurrency = 4;

  constructor(private readonly binary = "espeak-ng") {}

  synthesize(text: string, voice: Voice, signal: AbortSignal): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      // Text goes through stdin, never the command line: no option injection from card text.
      const child = spawn(this.binary, ["-v", voice.espeak, "--stdin", "--stdout"], { signal, stdio: ["pipe", "pipe", "pipe"] });
      const out: Buffer[] = [];
      let err = "";
      child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
      child.on("error", (error: NodeJS.ErrnoException) =>
        reject(error.code === "ENOENT" ? new Error(`${this.binary} is not installed (Debian: apt-get install espeak-ng)`) : error),
      );
      child.on("close", (code) => {
        const audio = Buffer.concat(out);
        if (code === 0 && audio.length > 44) resolve(new Uint8Array(audio));
        else reject(new Error(`${this.binary} failed (exit ${code}): ${err.trim().slice(0, 200)}`));
      });
      child.stdin.end(text);
    });
  }
}
