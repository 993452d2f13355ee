/**
 * One `<audio>` element plays every clip: a side's clips one after another, as Anki plays them, and
 * a new request stops whatever was playing.
 */
export class Player {
  private queue: string[] = [];
  /** Called when playing starts or stops, with the links being played (empty when stopped). */
  onchange?: (playing: readonly string[]) => void;
  private current: readonly string[] = [];

  constructor(private readonly audio: HTMLAudioElement) {
    audio.addEventListener("ended", () => this.next());
    audio.addEventListener("error", () => this.next());
  }

  /** Plays `links` in order. Resolves once the first has started, or failed to (autoplay refused). */
  async play(links: readonly string[]): Promise<void> {
    this.stop();
    if (links.length === 0) return;
    this.current = links;
    this.queue = [...links];
    this.onchange?.(this.current);
    await this.next();
  }

  stop(): void {
    this.queue = [];
    this.audio.pause();
    if (this.current.length > 0) {
      this.current = [];
      this.onchange?.(this.current);
    }
  }

  private async next(): Promise<void> {
    const link = this.queue.shift();
    if (link === undefined) {
      this.stop();
      return;
    }
    this.audio.src = link;
    // A browser may refuse to start audio the user did not ask for (study mode's autoplay): then the
    // play buttons are still there.
    await this.audio.play().catch(() => this.stop());
  }
}
