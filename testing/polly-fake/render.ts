/**
 * Real audio for the fake: espeak-ng speaks, sox (with libsox-fmt-mp3, i.e. LAME) encodes, so the
 * MP3 frames, silences and lengths that Ankify cuts are real ones. Plain text is spoken as given;
 * SSML as the sentences and pauses it was read into (ssml.ts): each sentence at its rate, each
 * break as that much silence. The edges of the output are a fixed short silence.
 */
import { spawn } from "node:child_process";
import { setPriority } from "node:os";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Segment } from "./ssml";

/** Polly's longest output: "10 minutes of speech" per request (its limits page). The fake cuts there. */
export const MAX_OUTPUT_SECONDS = 600;

export interface RenderRequest {
  readonly espeakVoice: string;
  /** Plain text (spoken as is), or SSML's sentences and pauses. */
  readonly speech: string | readonly Segment[];
  readonly format: "mp3" | "pcm";
  readonly sampleRate: number;
  /** Scheduling priority of espeak-ng and sox (nice, 0–19). @default 0 */
  readonly nice?: number;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function run(command: string, args: readonly string[], input: string | undefined, nice: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "ignore", "pipe"] });
    if (nice > 0 && child.pid !== undefined) {
      try {
        setPriority(child.pid, nice);
      } catch {
        // Gone already, or not ours to renice: it runs at the normal priority.
      }
    }
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.on("error", () => {});
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${command} failed (${code}): ${stderr.trim().slice(0, 300)}`))));
    child.stdin.end(input ?? "");
  });
}

/** The audio, as Polly would send it: MP3 (mono, 48 kbit/s) or 16-bit little-endian mono PCM. */
export async function render(request: RenderRequest): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), "polly-fake-"));
  try {
    const wav = join(dir, "speech.wav");
    // espeak-ng's own SSML reader speaks the sentences and keeps the pauses. Plain text is one
    // sentence, read the same way (as Polly reads text and the same text as SSML alike); text goes
    // in escaped, so nothing a card says becomes markup here either.
    const segments = typeof request.speech === "string" ? [{ text: request.speech, rate: 1 }] : request.speech;
    const body = segments
      .map((s) => ("pauseMs" in s ? `<break time="${s.pauseMs}ms"/>` : `<s><prosody rate="${Math.round(s.rate * 100)}%">${escape(s.text)}</prosody></s>`))
      .join("");
    const nice = request.nice ?? 0;
    await run("espeak-ng", ["-m", "-v", request.espeakVoice, "--stdin", "-w", wav], `<speak>${body}</speak>`, nice);
    const out = join(dir, request.format === "mp3" ? "speech.mp3" : "speech.raw");
    const encoding = request.format === "mp3" ? ["-C", "48.7"] : ["-e", "signed-integer", "-b", "16", "-L"];
    // A service's output starts and ends close to its speech; espeak-ng ends with the last sentence's
    // pause, which depends on its punctuation. The fake keeps 50 ms before the speech and 200 ms after.
    const edges = ["silence", "1", "0.01", "-50d", "reverse", "silence", "1", "0.01", "-50d", "reverse", "pad", "0.05", "0.2"];
    await run("sox", ["-V1", "-D", wav, ...encoding, out, ...edges, "rate", "-q", String(request.sampleRate), "trim", "0", String(MAX_OUTPUT_SECONDS)], undefined, nice);
    return new Uint8Array(await readFile(out));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
