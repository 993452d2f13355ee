/**
 * Text to speech behind one small interface: Amazon Polly in AWS, espeak-ng locally and in tests.
 * `synthesizeAll` speaks each distinct text once, a bounded number at a time, starting calls no
 * faster than the service's rate (one pace per synthesizer, shared by every request the execution
 * environment serves), retrying throttling and transient failures with jittered backoff, and gives
 * up cleanly when the request's deadline is near.
 */
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OutOfTimeError } from "../limits";

export interface Voice {
  /** BCP-47 code, e.g. `en-US`. */
  readonly language: string;
  /** Polly voice id, e.g. `Joanna`. */
  readonly polly: string;
  /** espeak-ng voice, e.g. `en-us`. */
  readonly espeak: string;
}

/** The languages create_deck offers, each with a neural Polly voice and an espeak-ng voice. */
export const VOICES: Readonly<Record<string, Voice>> = Object.fromEntries(
  ([
    ["en-US", "Joanna", "en-us"], ["en-GB", "Amy", "en-gb"], ["es-ES", "Lucia", "es"], ["es-US", "Lupe", "es-419"],
    ["fr-FR", "Lea", "fr"], ["de-DE", "Vicki", "de"], ["it-IT", "Bianca", "it"], ["pt-BR", "Camila", "pt-br"],
    ["ja-JP", "Takumi", "ja"], ["ko-KR", "Seoyeon", "ko"], ["cmn-CN", "Zhiyu", "cmn"], ["nl-NL", "Laura", "nl"],
  ] as const).map(([language, polly, espeak]) => [language, { language, polly, espeak }]),
);

export interface Synthesizer {
  /** File extension of what `synthesize` returns (`mp3` or `wav`). */
  readonly extension: string;
  /** How many requests may run at once. */
  readonly concurrency: number;
  /** How many requests may start per second, when the service limits its rate (Polly neural: 8). */
  readonly ratePerSecond?: number;
  /** A generous estimate of audio bytes per spoken character, to refuse a too-large deck before speaking it. */
  readonly bytesPerCharacter: number;
  synthesize(text: string, voice: Voice, signal: AbortSignal): Promise<Uint8Array>;
}

/** Thrown by a synthesizer for a failure worth another try (5xx, a dropped connection); retried with backoff. */
export class TransientSpeechError extends Error {
  constructor(message = "speech service failed transiently") {
    super(message);
    this.name = "TransientSpeechError";
  }
}

/** Thrown by a synthesizer when the service asks to slow down; retried with backoff. */
export class ThrottledError extends TransientSpeechError {
  constructor(message = "speech service throttled the request") {
    super(message);
    this.name = "ThrottledError";
  }
}

/**
 * Start slots `1/rate` apart. One per synthesizer, so concurrent requests in one execution
 * environment share the service's rate instead of each taking all of it.
 */
class Pace {
  private next = 0;
  constructor(private readonly intervalMs: number) {}
  /** Resolves at this caller's slot; rejects if `signal` aborts first. */
  async wait(signal: AbortSignal): Promise<void> {
    const slot = Math.max(Date.now(), this.next);
    this.next = slot + this.intervalMs;
    const delay = slot - Date.now();
    if (delay > 0) await sleep(delay, signal);
  }
}
const paces = new WeakMap<Synthesizer, Pace>();
function paceOf(synthesizer: Synthesizer): Pace | undefined {
  if (!synthesizer.ratePerSecond) return undefined;
  let pace = paces.get(synthesizer);
  if (!pace) paces.set(synthesizer, (pace = new Pace(1000 / synthesizer.ratePerSecond)));
  return pace;
}

/** The deadline came before every clip was spoken. */
export class DeadlineError extends OutOfTimeError {
  constructor(readonly done: number, readonly total: number) {
    super(`speech for ${done} of ${total} distinct texts finished before the time budget ran out`);
    this.name = "DeadlineError";
  }
}

export interface Clip {
  readonly text: string;
  /** Bare unique media file name: the same text and voice always give the same name. */
  readonly fileName: string;
  /** Where the audio was written: clips never stay in memory, whatever the deck's size. */
  readonly path: string;
  readonly bytes: number;
}

export interface SynthesizeOptions {
  /** Epoch ms by which every clip must be done. */
  readonly deadline: number;
  /** A directory this request owns: each clip is written there as it arrives, under its file name. */
  readonly directory: string;
  /** Retries of a text after throttling or a transient failure. @default 5 */
  readonly retries?: number;
  /** First backoff in ms, doubled each retry, with jitter. @default 200 */
  readonly backoffMs?: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

export function clipFileName(text: string, voice: Voice, extension: string): string {
  return `ankify-${createHash("sha256").update(`${voice.language}\x1f${text}`).digest("hex").slice(0, 20)}.${extension}`;
}

/** Speaks every distinct text once; returns the clips by text. */
export async function synthesizeAll(
  texts: readonly string[],
  voice: Voice,
  synthesizer: Synthesizer,
  options: SynthesizeOptions,
): Promise<Map<string, Clip>> {
  const distinct = [...new Set(texts)];
  const clips = new Map<string, Clip>();
  const controller = new AbortController();
  const remaining = () => options.deadline - Date.now();
  // Throttling avoided rather than retried: starts wait for the synthesizer's shared pace.
  const pace = paceOf(synthesizer);
  const timer = setTimeout(() => controller.abort(), Math.max(0, remaining()));
  let next = 0;
  let failure: unknown;

  const speak = async (text: string): Promise<Uint8Array> => {
    const retries = options.retries ?? 5;
    for (let attempt = 0; ; attempt++) {
      try {
        await pace?.wait(controller.signal);
        return await synthesizer.synthesize(text, voice, controller.signal);
      } catch (error) {
        if (!(error instanceof TransientSpeechError) || attempt >= retries) throw error;
        const wait = (options.backoffMs ?? 200) * 2 ** attempt * (0.5 + Math.random());
        if (wait >= remaining()) throw new DeadlineError(clips.size, distinct.length);
        await sleep(wait, controller.signal);
      }
    }
  };
  const worker = async () => {
    while (failure === undefined && next < distinct.length) {
      const text = distinct[next++]!;
      if (controller.signal.aborted) throw new DeadlineError(clips.size, distinct.length);
      const data = await speak(text);
      const fileName = clipFileName(text, voice, synthesizer.extension);
      const path = join(options.directory, fileName);
      await writeFile(path, data);
      clips.set(text, { text, fileName, path, bytes: data.length });
    }
  };
  try {
    const workers = Array.from({ length: Math.min(synthesizer.concurrency, distinct.length) }, () =>
      worker().catch((error: unknown) => {
        failure ??= error;
        controller.abort();
      }),
    );
    await Promise.all(workers);
  } finally {
    clearTimeout(timer);
  }
  if (failure !== undefined) {
    if (controller.signal.aborted && remaining() <= 0 && !(failure instanceof DeadlineError)) throw new DeadlineError(clips.size, distinct.length);
    throw failure;
  }
  return clips;
}
