import type { Synthesizer } from "../../lambda/src/tts/index";

/**
 * Speech that takes exactly as long as the test says: each clip waits until `release()` (or
 * `open()`), so what a test sees between clips depends on the order of events, never on how fast the
 * machine is. It records what it was asked, what it finished and what was aborted.
 */
export class GatedSynthesizer implements Synthesizer {
  readonly extension = "mp3";
  readonly bytesPerCharacter = 100;
  readonly started: string[] = [];
  readonly spoken: string[] = [];
  readonly aborted: string[] = [];
  private readonly waiting: Array<() => void> = [];
  private opened = false;

  constructor(readonly concurrency = 1) {}

  /** Clips started and not yet finished or aborted. */
  get inFlight(): number {
    return this.waiting.length;
  }

  synthesize(text: string, _style: unknown, signal: AbortSignal): Promise<Uint8Array> {
    this.started.push(text);
    return new Promise((resolve, reject) => {
      const finish = () => {
        signal.removeEventListener("abort", onAbort);
        this.spoken.push(text);
        resolve(new Uint8Array(64));
      };
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(finish), 1);
        this.aborted.push(text);
        reject(signal.reason);
      };
      if (this.opened) return finish();
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(finish);
    });
  }

  /** Finishes the clip that has waited longest. */
  release(): void {
    const next = this.waiting.shift();
    if (!next) throw new Error("no clip is waiting to be released");
    next();
  }

  /** Finishes every waiting clip, and every later one as soon as it starts. */
  open(): void {
    this.opened = true;
    while (this.waiting.length > 0) this.release();
  }
}
