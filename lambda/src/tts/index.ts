/**
 * Text to speech behind one small interface: Amazon Polly in AWS, espeak-ng locally and in tests.
 * `synthesizeAll` speaks each distinct text once, a bounded number at a time, starting calls no
 * faster than the service's rate (one pace per synthesizer, shared by every request the execution
 * environment serves), retrying throttling and transient failures with jittered backoff, and gives
 * up cleanly when the request's deadline is near.
 */
import { createHash } from "node:crypto";
import { setMaxListeners } from "node:events";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OutOfTimeError } from "../limits";

/**
 * Amazon Polly's engines. Each has its own rate limit and price per million characters: standard
 * 80 requests a second ($4), neural 8 ($16), generative 8 ($30).
 */
export type Engine = "neural" | "standard" | "generative";
export const ENGINES: readonly Engine[] = ["neural", "standard", "generative"];

/** Polly's request rate per engine (per account and region; burst 100, 10, 10). */
export const POLLY_RATES: Readonly<Record<Engine, number>> = { standard: 80, neural: 8, generative: 8 };

export interface Voice {
  /** BCP-47 code, e.g. `en-US`. */
  readonly language: string;
  /** Polly voice id per engine; an engine missing here has no voice for this language. */
  readonly polly: Readonly<Partial<Record<Engine, string>>>;
  /** espeak-ng voice, e.g. `en-us`. */
  readonly espeak: string;
}

/**
 * The languages create_deck offers: a Polly voice for each engine that has one (AWS's voice list,
 * 2026: Mandarin, Japanese and Korean have no generative voice here; Dutch's neural and generative
 * Laura has no standard form, so standard uses Lotte) and an espeak-ng voice for local runs.
 */
export const VOICES: Readonly<Record<string, Voice>> = Object.fromEntries(
  ([
    ["en-US", { neural: "Joanna", standard: "Joanna", generative: "Ruth" }, "en-us"],
    ["en-GB", { neural: "Amy", standard: "Amy", generative: "Amy" }, "en-gb"],
    ["es-ES", { neural: "Lucia", standard: "Lucia", generative: "Lucia" }, "es"],
    ["es-US", { neural: "Lupe", standard: "Lupe", generative: "Lupe" }, "es-419"],
    ["fr-FR", { neural: "Lea", standard: "Lea", generative: "Lea" }, "fr"],
    ["de-DE", { neural: "Vicki", standard: "Vicki", generative: "Vicki" }, "de"],
    ["it-IT", { neural: "Bianca", standard: "Bianca", generative: "Bianca" }, "it"],
    ["pt-BR", { neural: "Camila", standard: "Camila", generative: "Camila" }, "pt-br"],
    ["ja-JP", { neural: "Takumi", standard: "Takumi" }, "ja"],
    ["ko-KR", { neural: "Seoyeon", standard: "Seoyeon" }, "ko"],
    ["cmn-CN", { neural: "Zhiyu", standard: "Zhiyu" }, "cmn"],
    ["nl-NL", { neural: "Laura", standard: "Lotte", generative: "Laura" }, "nl"],
  ] as const).map(([language, polly, espeak]) => [language, { language, polly, espeak }]),
);

export interface Synthesizer {
  /** File extension of what `synthesize` returns (`mp3` or `wav`). */
  readonly extension: string;
  /** How many requests may run at once. */
  readonly concurrency: number;
  /** How many requests may start per second per engine, when the service limits its rate (Polly: POLLY_RATES). */
  readonly rates?: Readonly<Partial<Record<Engine, number>>>;
  /** A generous estimate of audio bytes per spoken character, to refuse a too-large deck before speaking it. */
  readonly bytesPerCharacter: number;
  synthesize(text: string, voice: Voice, engine: Engine, signal: AbortSignal): Promise<Uint8Array>;
  /**
   * Everything besides the text that shapes the audio (service, engine, voice, language, format), or
   * absent when the synthesizer cannot say: clips of one without it are never cached.
   */
  audioIdentity?(voice: Voice, engine: Engine): string;
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
const paces = new WeakMap<Synthesizer, Map<Engine, Pace>>();
function paceOf(synthesizer: Synthesizer, engine: Engine): Pace | undefined {
  const rate = synthesizer.rates?.[engine];
  if (!rate) return undefined;
  let byEngine = paces.get(synthesizer);
  if (!byEngine) paces.set(synthesizer, (byEngine = new Map()));
  let pace = byEngine.get(engine);
  if (!pace) byEngine.set(engine, (pace = new Pace(1000 / rate)));
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
  /** @default "neural" */
  readonly engine?: Engine;
  /** Epoch ms by which every clip must be done. */
  readonly deadline: number;
  /** Aborts the work from outside (the client went away or cancelled); the abort reason is thrown. */
  readonly signal?: AbortSignal;
  /** Called after each clip: how many of the distinct texts are done. */
  readonly onClip?: (done: number, total: number) => void;
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

/** The same text, language and engine always give the same name; anything else a different one. */
export function clipFileName(text: string, voice: Voice, extension: string, engine: Engine = "neural"): string {
  // Neural clips keep the names of decks built before engines existed.
  const key = engine === "neural" ? `${voice.language}\x1f${text}` : `${voice.language}\x1f${engine}\x1f${text}`;
  return `ankify-${createHash("sha256").update(key).digest("hex").slice(0, 20)}.${extension}`;
}

/** Why `engine` cannot speak `voice`'s language, or undefined when it can. */
export function engineProblem(voice: Voice, engine: Engine): string | undefined {
  if (voice.polly[engine]) return undefined;
  const others = ENGINES.filter((e) => voice.polly[e]);
  return `Amazon Polly has no ${engine} voice for ${voice.language}; use ${others.join(" or ")}`;
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
  const engine = options.engine ?? "neural";
  const controller = new AbortController();
  // Each call in flight listens to it (up to the synthesizer's concurrency): many listeners, none leaked.
  setMaxListeners(Math.max(10, synthesizer.concurrency * 2), controller.signal);
  const remaining = () => options.deadline - Date.now();
  // Throttling avoided rather than retried: starts wait for the synthesizer's shared pace.
  const pace = paceOf(synthesizer, engine);
  const timer = setTimeout(() => controller.abort(), Math.max(0, remaining()));
  const cancel = () => controller.abort(options.signal!.reason);
  options.signal?.addEventListener("abort", cancel, { once: true });
  if (options.signal?.aborted) cancel();
  let next = 0;
  let failure: unknown;

  const speak = async (text: string): Promise<Uint8Array> => {
    const retries = options.retries ?? 5;
    for (let attempt = 0; ; attempt++) {
      try {
        await pace?.wait(controller.signal);
        return await synthesizer.synthesize(text, voice, engine, controller.signal);
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
      const fileName = clipFileName(text, voice, synthesizer.extension, engine);
      const path = join(options.directory, fileName);
      await writeFile(path, data);
      clips.set(text, { text, fileName, path, bytes: data.length });
      options.onClip?.(clips.size, distinct.length);
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
    options.signal?.removeEventListener("abort", cancel);
  }
  if (failure !== undefined) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (controller.signal.aborted && remaining() <= 0 && !(failure instanceof DeadlineError)) throw new DeadlineError(clips.size, distinct.length);
    throw failure;
  }
  return clips;
}
