/**
 * Text to speech behind one small interface: Amazon Polly in AWS, espeak-ng locally and in tests,
 * and stand-ins. `synthesizeAll` (speak-all.ts) speaks each distinct text once: many texts per request
 * where the synthesizer can (batch.ts), at a pace that adapts to the service (pace.ts), within the
 * request's deadline.
 */
import { createHash } from "node:crypto";
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

/** How fast a voice speaks: Polly's SSML prosody rate "slow", espeak-ng's words a minute. */
export type SpeechRate = "normal" | "slow";
export const SPEECH_RATES: readonly SpeechRate[] = ["normal", "slow"];

/** Everything besides the text that shapes a clip. */
export interface SpeechStyle {
  readonly voice: Voice;
  readonly engine: Engine;
  readonly rate: SpeechRate;
}

/** What one request of a batching synthesizer may hold. */
export interface BatchLimits {
  /** Characters billed (Polly: 3,000; SSML tags are not billed). */
  readonly billedCharacters: number;
  /** Characters in all, tags included (Polly: 6,000). */
  readonly totalCharacters: number;
  /** Seconds of audio (Polly: 10 minutes). */
  readonly audioSeconds: number;
}

/** A synthesizer's way of speaking several texts in one request: an SSML document (ssml.ts) in, MP3 out. */
export interface BatchSpeech {
  readonly limits: BatchLimits;
  /** The document's audio, and the characters the service billed for it when it says (Polly: RequestCharacters). */
  synthesizeSsml(ssml: string, style: SpeechStyle, signal: AbortSignal): Promise<{ readonly audio: Uint8Array; readonly billedCharacters?: number }>;
}

export interface Synthesizer {
  /** File extension of what `synthesize` returns (`mp3` or `wav`). */
  readonly extension: string;
  /** How many requests may run at once. */
  readonly concurrency: number;
  /** How many requests may start per second per engine, when the service limits its rate (Polly: POLLY_RATES). */
  readonly rates?: Readonly<Partial<Record<Engine, number>>>;
  /** A generous estimate of audio bytes per spoken character, to refuse a too-large deck before speaking it. */
  readonly bytesPerCharacter: number;
  /**
   * How long one request usually takes, in seconds (a whole batch, where the synthesizer batches):
   * how long a deck will take is estimated from it (jobs/estimate.ts). @default 1
   */
  readonly typicalRequestSeconds?: number;
  /** One text, one request. */
  synthesize(text: string, style: SpeechStyle, signal: AbortSignal): Promise<Uint8Array>;
  /**
   * Everything besides the text that shapes the audio (service, engine, voice, language, rate, format),
   * or absent when the synthesizer cannot say: clips of one without it are never cached.
   */
  audioIdentity?(style: SpeechStyle): string;
  /** Present when the synthesizer can speak many texts in one request (MP3 only: the audio is cut at frame boundaries). */
  readonly batch?: BatchSpeech;
}

/** Thrown by a synthesizer for a failure worth another try (5xx, a dropped connection); retried with backoff. */
export class TransientSpeechError extends Error {
  constructor(message = "speech service failed transiently") {
    super(message);
    this.name = "TransientSpeechError";
  }
}

/** Thrown by a synthesizer when the service asks to slow down; retried at a slower pace while time remains. */
export class ThrottledError extends TransientSpeechError {
  constructor(
    message = "speech service throttled the request",
    /** The service, as a user knows it, e.g. "Amazon Polly". */
    readonly service = "the speech service",
  ) {
    super(message);
    this.name = "ThrottledError";
  }
}

/** The deadline came before every clip was spoken. */
export class DeadlineError extends OutOfTimeError {
  constructor(
    readonly done: number,
    readonly total: number,
    /** The service that throttled requests meanwhile, if one did: it, not the deck, took the time. */
    readonly busy?: { readonly service: string; readonly throttled: number },
  ) {
    super(
      `speech for ${done} of ${total} distinct texts finished before the time budget ran out` +
        (busy ? `: ${busy.service} was busy (it turned away ${busy.throttled} ${busy.throttled === 1 ? "request" : "requests"} for going over its rate limit)` : ""),
    );
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

/** The same text, language, engine and rate always give the same name; anything else a different one. */
export function clipFileName(text: string, style: SpeechStyle, extension: string): string {
  const { voice, engine, rate } = style;
  // Neural clips at the normal rate keep the names of decks built before engines and rates existed.
  const parts = [voice.language, ...(engine === "neural" ? [] : [engine]), ...(rate === "normal" ? [] : [`rate=${rate}`]), text];
  return `ankify-${createHash("sha256").update(parts.join("\x1f")).digest("hex").slice(0, 20)}.${extension}`;
}

/** Why `engine` cannot speak `voice`'s language, or undefined when it can. */
export function engineProblem(voice: Voice, engine: Engine): string | undefined {
  if (voice.polly[engine]) return undefined;
  const others = ENGINES.filter((e) => voice.polly[e]);
  return `Amazon Polly has no ${engine} voice for ${voice.language}; use ${others.join(" or ")}`;
}

export { synthesizeAll, type SynthesizeOptions, type SpokenClips } from "./speak-all";
