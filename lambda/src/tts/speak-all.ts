/**
 * Speaks every distinct text once, in as few requests as the synthesizer allows: batches where it
 * can speak many texts per request (batch.ts), one request per text otherwise and for any batch
 * whose audio cannot be cut with certainty. A bounded number of requests run at once; each starts at
 * its turn of the synthesizer's shared pace (pace.ts). Throttling is retried for as long as the
 * deadline allows (the limit is shared, so it passes); other transient failures a few times, with
 * jittered backoff. At the deadline, or when the caller aborts, everything stops.
 */
import { setMaxListeners } from "node:events";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { log } from "../log";
import { planBatches } from "./batch";
import { DeadlineError, ThrottledError, TransientSpeechError, clipFileName, type Clip, type Engine, type SpeechRate, type SpeechStyle, type Synthesizer, type Voice } from "./index";
import { paceFor, sleep, type AdaptivePace, type Turn } from "./pace";
import { splitAtSilences } from "./split";
import { ssmlDocument } from "./ssml";

export interface SynthesizeOptions {
  /** @default "neural" */
  readonly engine?: Engine;
  /** @default "normal" */
  readonly rate?: SpeechRate;
  /** Epoch ms by which every clip must be done. */
  readonly deadline: number;
  /** Aborts the work from outside (the client went away or cancelled); the abort reason is thrown. */
  readonly signal?: AbortSignal;
  /** Called after each clip: how many of the distinct texts are done. */
  readonly onClip?: (done: number, total: number) => void;
  /** Called with each clip as soon as it is written, before the call settles: what a failed call had spoken. */
  readonly onSpoken?: (clip: Clip) => void;
  /** A directory this request owns: each clip is written there as it arrives, under its file name. */
  readonly directory: string;
  /** Retries of a request after a transient failure other than throttling. @default 5 */
  readonly retries?: number;
  /** First backoff in ms, doubled each retry, with jitter. @default 200 */
  readonly backoffMs?: number;
}

export interface SpokenClips {
  /** By text. */
  readonly clips: Map<string, Clip>;
  /** Requests that returned audio (throttled ones are not billed). */
  readonly requests: number;
  /** Characters billed for them: what the service reported, or the texts' lengths where it reports nothing. */
  readonly billedCharacters: number;
}

/** Polly's plain-text requests bill each character of the text (code points). */
const characters = (text: string) => [...text].length;

/** Speaks every distinct text once; returns the clips by text, and what the speaking cost. */
export async function synthesizeAll(texts: readonly string[], voice: Voice, synthesizer: Synthesizer, options: SynthesizeOptions): Promise<SpokenClips> {
  const distinct = [...new Set(texts)];
  const style: SpeechStyle = { voice, engine: options.engine ?? "neural", rate: options.rate ?? "normal" };
  const clips = new Map<string, Clip>();
  let requests = 0;
  let billedCharacters = 0;
  const controller = new AbortController();
  // Each call in flight listens to it (up to the synthesizer's concurrency): many listeners, none leaked.
  setMaxListeners(Math.max(10, synthesizer.concurrency * 2), controller.signal);
  const remaining = () => options.deadline - Date.now();
  const rate = synthesizer.rates?.[style.engine];
  const pace: AdaptivePace | undefined = rate ? paceFor(synthesizer, style.engine, rate) : undefined;
  // Throttled requests of this call: if time runs out, the service's being busy is why.
  let throttled: { service: string; throttled: number } | undefined;
  const deadlineError = () => new DeadlineError(clips.size, distinct.length, throttled);
  const timer = setTimeout(() => controller.abort(), Math.max(0, remaining()));
  const cancel = () => controller.abort(options.signal!.reason);
  options.signal?.addEventListener("abort", cancel, { once: true });
  if (options.signal?.aborted) cancel();

  /** One request, at its turn, retried as long as it is worth it. */
  const attempt = async <T>(request: () => Promise<T>): Promise<T> => {
    const retries = options.retries ?? 5;
    for (let failures = 0; ;) {
      let turn: Turn | undefined;
      try {
        turn = await pace?.wait(controller.signal);
        const result = await request();
        pace?.succeeded();
        return result;
      } catch (error) {
        if (controller.signal.aborted) throw options.signal?.aborted ? options.signal.reason : deadlineError();
        if (error instanceof ThrottledError) {
          throttled = { service: error.service, throttled: (throttled?.throttled ?? 0) + 1 };
          if (pace && turn) pace.throttled(turn);
        } else if (!(error instanceof TransientSpeechError) || ++failures > retries) throw error;
        const wait = (options.backoffMs ?? 200) * 2 ** Math.min(failures, 6) * (0.5 + Math.random());
        if (wait >= remaining()) throw deadlineError();
        await sleep(wait, controller.signal).catch(() => {
          throw options.signal?.aborted ? options.signal.reason : deadlineError();
        });
      }
    }
  };

  const keep = async (text: string, audio: Uint8Array) => {
    const fileName = clipFileName(text, style, synthesizer.extension);
    const path = join(options.directory, fileName);
    await writeFile(path, audio);
    const clip = { text, fileName, path, bytes: audio.length };
    clips.set(text, clip);
    options.onSpoken?.(clip);
    options.onClip?.(clips.size, distinct.length);
  };

  const speakOne = async (text: string) => {
    const audio = await attempt(() => synthesizer.synthesize(text, style, controller.signal));
    requests++;
    billedCharacters += characters(text);
    await keep(text, audio);
  };

  /** Speaks `batch` in one request; the texts to speak one by one if its audio cannot be cut. */
  const speakBatch = async (batch: readonly string[]): Promise<readonly string[]> => {
    let spoken;
    try {
      spoken = await attempt(() => synthesizer.batch!.synthesizeSsml(ssmlDocument(batch, style.rate), style, controller.signal));
    } catch (error) {
      if (controller.signal.aborted || error instanceof TransientSpeechError || error instanceof DeadlineError) throw error;
      // Refused as a batch (SSML, length): each text alone may still be fine, and says so if not.
      log("warn", "tts.batch_refused", { texts: batch.length, error: (error as Error).name, message: (error as Error).message });
      return batch;
    }
    requests++;
    billedCharacters += spoken.billedCharacters ?? batch.reduce((sum, text) => sum + characters(text), 0);
    const split = await splitAtSilences(spoken.audio, batch);
    if (!split.ok) {
      log("warn", "tts.batch_uncut", { texts: batch.length, reason: split.reason });
      return batch;
    }
    for (const [i, text] of batch.entries()) await keep(text, split.clips[i]!);
    return [];
  };

  // Batches first; a batch that has to be spoken text by text puts its texts at the front.
  const queue: Array<readonly string[]> = synthesizer.batch && synthesizer.extension === "mp3"
    ? planBatches(distinct, style.rate, synthesizer.batch.limits)
    : distinct.map((text) => [text]);
  let failure: unknown;
  // Workers finding the queue empty wait while a unit is in flight: a batch may come back as texts.
  let active = 0;
  let wake = () => {};
  let woken = new Promise<void>((resolve) => (wake = resolve));
  const notify = () => {
    const wakeAll = wake;
    woken = new Promise<void>((resolve) => (wake = resolve));
    wakeAll();
  };
  const worker = async () => {
    while (failure === undefined) {
      if (controller.signal.aborted) {
        failure = deadlineError();
        return;
      }
      const unit = queue.shift();
      if (!unit) {
        if (active === 0) return;
        await woken;
        continue;
      }
      active++;
      try {
        if (unit.length === 1) await speakOne(unit[0]!);
        else queue.unshift(...(await speakBatch(unit)).map((text) => [text]));
      } catch (error) {
        failure ??= error;
        controller.abort();
      } finally {
        active--;
        notify();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(synthesizer.concurrency, distinct.length) }, worker));
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", cancel);
  }
  if (failure !== undefined) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (controller.signal.aborted && remaining() <= 0 && !(failure instanceof DeadlineError)) throw deadlineError();
    throw failure;
  }
  return { clips, requests, billedCharacters };
}
