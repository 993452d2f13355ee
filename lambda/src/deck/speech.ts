/**
 * A deck's speech: each side's texts in that side's voice (`language` for the front, `back_language`
 * for the back), clips reused from the cache where they exist, the rest spoken (and billed), new
 * clips written back to the cache. Texts are spoken once per voice: the same words on both sides in
 * one language are one clip; in two languages, two.
 */
import type { ClipCache } from "../storage/clip-cache";
import { findCachedClips, storeClips, type CacheContext } from "../tts/cached";
import { synthesizeAll, type Clip, type Engine, type SpeechRate, type SpeechStyle, type Synthesizer, type Voice } from "../tts/index";
import { LimitError, MAX_PACKAGE_BYTES } from "../limits";

export type Side = "front" | "back";

export interface DeckSpeechRequest {
  /** For each note, the text each side speaks (absent: that side is silent). */
  readonly notes: ReadonlyArray<Readonly<Partial<Record<Side, string>>>>;
  readonly voices: Readonly<Record<Side, Voice>>;
  readonly engine: Engine;
  readonly rate: SpeechRate;
}

export interface DeckSpeechDeps {
  readonly synthesizer: Synthesizer;
  readonly clipCache?: ClipCache;
  /** Where clips are written (the request's own directory). */
  readonly directory: string;
  /** Epoch ms by which every clip must be spoken. */
  readonly deadline: number;
  /** Characters one request may send to speech. */
  readonly maxSpeechCharacters: number;
  /** Aborts speaking (the client went away or cancelled). */
  readonly cancel?: AbortSignal;
  /** Aborts cache reads and writes: the request's whole time, or its cancellation. */
  readonly finish: AbortSignal;
  /** Clips done (cached or spoken) of all the distinct clips. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Says what a stage's failure means (ran out of time, cancelled) in the caller's words. @default rethrow as is */
  readonly failed?: (stage: string) => (error: unknown) => never;
  /**
   * Called once the clip cache has said what it holds and before any speech, with the characters
   * about to be sent to speech (the client's daily allowance, access/fair-use.ts), and `finish` to
   * bound its calls; throws to refuse.
   */
  readonly beforeSpeech?: (characters: number, signal: AbortSignal) => Promise<void>;
}

export interface DeckSpeech {
  /** The clip note `index`'s `side` plays, if that side speaks. */
  clip(side: Side, index: number): Clip | undefined;
  /** Every distinct clip: the deck's media. */
  readonly clips: readonly Clip[];
  readonly spoken: number;
  readonly cached: number;
  /** Characters billed for the clips spoken. */
  readonly characters: number;
  /** New clips being written to the cache; settles by the request's end, never rejects. */
  readonly writeBack: Promise<void>;
}

interface VoiceGroup {
  readonly style: SpeechStyle;
  readonly texts: Set<string>;
  clips: Map<string, Clip>;
}

/** The distinct texts each voice speaks, by language. */
function groupByVoice(request: DeckSpeechRequest): Map<string, VoiceGroup> {
  const groups = new Map<string, VoiceGroup>();
  for (const note of request.notes) {
    for (const side of ["front", "back"] as const) {
      const text = note[side];
      if (text === undefined) continue;
      const voice = request.voices[side];
      let group = groups.get(voice.language);
      if (!group) groups.set(voice.language, (group = { style: { voice, engine: request.engine, rate: request.rate }, texts: new Set(), clips: new Map() }));
      group.texts.add(text);
    }
  }
  return groups;
}

/** Each voice's style and the distinct texts it speaks: what speech will be asked to do. */
export function voiceTexts(request: DeckSpeechRequest): Array<{ readonly style: SpeechStyle; readonly texts: readonly string[] }> {
  return [...groupByVoice(request).values()].map((group) => ({ style: group.style, texts: [...group.texts] }));
}

/** How many distinct clips the deck has: a text once per voice. */
export function countClips(request: DeckSpeechRequest): number {
  return [...groupByVoice(request).values()].reduce((sum, group) => sum + group.texts.size, 0);
}

/** Refuses, before any lookup or speech, a deck whose audio alone would make a package over the cap. */
export function checkPackageEstimate(request: DeckSpeechRequest, bytesPerCharacter: number): void {
  let characters = 0;
  for (const group of groupByVoice(request).values()) for (const text of group.texts) characters += [...text].length;
  const estimate = characters * bytesPerCharacter * (request.rate === "slow" ? 1.6 : 1);
  if (estimate > MAX_PACKAGE_BYTES) {
    const mb = (n: number) => Math.round(n / 1024 / 1024);
    throw new LimitError(
      `This deck's audio would be about ${mb(estimate)} MB; one package may be at most ${mb(MAX_PACKAGE_BYTES)} MB. ` +
        'Split the cards into several decks, or use audio: "front" (or "none").',
    );
  }
}

/** Refuses, before any speech, a request that would send more characters to speech than allowed. */
function checkSpeechCharacters(toSpeak: Iterable<string>, maxCharacters: number): void {
  let characters = 0;
  for (const text of toSpeak) characters += [...text].length;
  if (characters > maxCharacters) {
    throw new LimitError(
      `This deck would send ${characters} characters to speech; one request may send at most ${maxCharacters}. ` +
        'Split the cards into several decks, or use audio: "front" (or "none").',
    );
  }
}

export async function speakDeck(request: DeckSpeechRequest, deps: DeckSpeechDeps): Promise<DeckSpeech> {
  const groups = [...groupByVoice(request).values()];
  const total = countClips(request);
  const { synthesizer } = deps;
  const context = (group: VoiceGroup): CacheContext | undefined =>
    deps.clipCache && synthesizer.audioIdentity
      ? { cache: deps.clipCache, synthesizer: synthesizer as CacheContext["synthesizer"], style: group.style, directory: deps.directory }
      : undefined;

  // Clips already spoken for the same audio are reused; only the rest is spoken (and billed).
  const lookups = await Promise.all(groups.map(async (group) => {
    const cache = context(group);
    return cache ? findCachedClips([...group.texts], cache, deps.finish) : { hits: new Map<string, Clip>(), misses: [...group.texts] };
  })).catch(deps.failed?.("looking up cached clips") ?? ((error: unknown) => Promise.reject(error)));
  const toSpeak = lookups.flatMap((lookup) => lookup.misses);
  checkSpeechCharacters(toSpeak, deps.maxSpeechCharacters);
  await deps.beforeSpeech?.(toSpeak.reduce((sum, text) => sum + [...text].length, 0), deps.finish)
    .catch(deps.failed?.("checking your daily speech allowance") ?? ((error: unknown) => Promise.reject(error)));
  const cached = lookups.reduce((sum, lookup) => sum + lookup.hits.size, 0);
  const done = lookups.map((lookup) => lookup.hits.size);
  deps.onProgress?.(cached, total);

  // Both voices at once: they share the service's pace, and neither waits for the other to finish.
  // One failing stops the other: nothing more is spoken (and billed) for a deck that will not be built.
  const stop = new AbortController();
  const signal = deps.cancel ? AbortSignal.any([deps.cancel, stop.signal]) : stop.signal;
  // What each voice spoke, kept as it is spoken: a deck that stops (its time ran out) still leaves
  // its clips in the cache, so the job that finishes it speaks only the rest.
  const spokenSoFar: Clip[][] = groups.map(() => []);
  const spoken = await Promise.all(groups.map(async (group, g) => {
    const { hits, misses } = lookups[g]!;
    const fresh = misses.length === 0
      ? { clips: new Map<string, Clip>(), billedCharacters: 0 }
      : await synthesizeAll(misses, group.style.voice, synthesizer, {
          engine: group.style.engine,
          rate: group.style.rate,
          deadline: deps.deadline,
          directory: deps.directory,
          signal,
          onSpoken: (clip) => spokenSoFar[g]!.push(clip),
          onClip: (n) => {
            done[g] = hits.size + n;
            deps.onProgress?.(done.reduce((a, b) => a + b, 0), total);
          },
        }).catch((error: unknown) => {
          stop.abort(error);
          throw error;
        });
    group.clips = new Map([...hits, ...fresh.clips]);
    return fresh;
  })).catch(async (error: unknown) => {
    // Within the finishing reserve: the deadline for speech comes before the request's own.
    await Promise.all(groups.map((group, g) => {
      const cache = context(group);
      return cache ? storeClips(spokenSoFar[g]!, cache, deps.finish) : undefined;
    }));
    throw error;
  });

  // New clips go to the cache while the deck is packaged and uploaded; done (or given up) by the
  // request's end, before the answer: no work outlives the request.
  const writeBack = Promise.all(groups.map((group, g) => {
    const cache = context(group);
    return cache ? storeClips(spoken[g]!.clips.values(), cache, deps.finish) : undefined;
  })).then(() => undefined);
  const byLanguage = new Map(groups.map((group) => [group.style.voice.language, group]));
  return {
    clip: (side, index) => {
      const text = request.notes[index]?.[side];
      return text === undefined ? undefined : byLanguage.get(request.voices[side].language)!.clips.get(text);
    },
    clips: groups.flatMap((group) => [...group.clips.values()]),
    spoken: spoken.reduce((sum, fresh) => sum + fresh.clips.size, 0),
    cached,
    characters: spoken.reduce((sum, fresh) => sum + fresh.billedCharacters, 0),
    writeBack,
  };
}
