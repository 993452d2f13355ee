/**
 * The create_deck work: turn cards into notes, fetch their pictures, speak the chosen sides, stamp
 * each note with when its content last changed, write the package, store it, return its link.
 * Nothing half-built is stored: speech that misses its deadline throws before anything is written.
 */
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApkg, type DeckNote } from "./apkg";
import { gatherImages, guardedImageFetcher, withPicture, type ImageFetcher } from "./images";
import { openNoteTimes } from "./mod-times";
import { normaliseDeckName } from "./names";
import type { NoteTypeName } from "./note-types";
import { prepareNotes, type CardInput } from "./notes";
import type { TextFormat } from "./text";
import { synthesizeAll, VOICES, type Clip, type Engine, type Synthesizer } from "../tts/index";
import type { ClipCache } from "../storage/clip-cache";
import type { DeckStore } from "../storage/s3";
import type { NoteTimesStore } from "../storage/note-times";
import { findCachedClips, storeClips, type CacheContext } from "../tts/cached";
import { FINISHING_RESERVE_SECONDS, LimitError, MAX_PACKAGE_BYTES, OutOfTimeError } from "../limits";

export { FINISHING_RESERVE_SECONDS };

export type AudioSide = "front" | "back" | "both" | "none";

/** A request the tool's schema has validated (create-deck-tool.ts). */
export interface DeckRequest {
  readonly deck_name: string;
  /** @default "basic" */
  readonly note_type?: NoteTypeName;
  /** @default "text" */
  readonly format?: TextFormat;
  readonly cards: readonly CardInput[];
  /** Tags for every note. */
  readonly tags?: readonly string[];
  /** A key of VOICES. */
  readonly language: string;
  readonly audio: AudioSide;
  /** Polly's engine. @default "neural" */
  readonly engine?: Engine;
}

/** The client went away or cancelled: the work stopped and nothing was stored. */
export class CancelledError extends Error {
  constructor() {
    super("the request was cancelled");
    this.name = "CancelledError";
  }
}

export interface DeckDeps {
  readonly synthesizer: Synthesizer;
  readonly store: DeckStore;
  /** Key prefix decks are stored under, e.g. `decks/`. */
  readonly deckPrefix: string;
  /** Epoch ms by which the response must be on its way (CloudFront stops waiting soon after). */
  readonly deadline: number;
  /** Characters one request may send to speech. */
  readonly maxSpeechCharacters: number;
  /** Aborts when the client disconnects or cancels: speech stops, nothing is stored. */
  readonly cancel?: AbortSignal;
  /** Spoken clips reused across requests; absent: every clip is spoken. */
  readonly clipCache?: ClipCache;
  /** Where the work is: `progress` of `total` steps (each clip, packaging, uploading). */
  readonly onProgress?: (progress: number, total: number, message: string) => void;
  /** When each note's content last changed, per client and deck; absent: notes get the safe fallback stamp (mod-times.ts). */
  readonly noteTimes?: NoteTimesStore;
  /** Whose decks these are: what is remembered of a deck is kept per client. @default "anonymous" */
  readonly clientId?: string;
  /** Fetches pictures given by URL. @default public addresses only (images.ts guardedImageFetcher) */
  readonly fetchImage?: ImageFetcher;
  /**
   * Called once the clip cache has said what it holds and before any speech, with the characters
   * about to be sent to speech (the client's daily allowance, access/fair-use.ts); throws to refuse.
   */
  readonly beforeSpeech?: (characters: number) => Promise<void>;
}

export interface DeckResult {
  url: string;
  expires_at: string;
  /** The name Anki shows, which may differ from the one requested (names.ts). */
  deck_name: string;
  /** Anki cards: two per reversed note, one per cloze number. */
  card_count: number;
  audio_clips: number;
  /** Distinct pictures in the deck. */
  images: number;
  size_bytes: number;
  note_count: number;
  note_type: NoteTypeName;
  requested_deck_name: string;
  /** Clips spoken for this request (and billed). */
  clips_spoken: number;
  /** Clips reused from the cache. */
  clips_cached: number;
  /** Characters sent to speech: what the speech bill counts. */
  characters_spoken: number;
}

export async function createDeck(args: DeckRequest, deps: DeckDeps): Promise<DeckResult> {
  const voice = VOICES[args.language]!;
  const noteType = args.note_type ?? "basic";
  const deckName = normaliseDeckName(args.deck_name);
  const prepared = prepareNotes({ deckName, noteType, format: args.format ?? "text", cards: args.cards, ...(args.tags ? { tags: args.tags } : {}) });

  const speakFront = args.audio === "front" || args.audio === "both";
  const speakBack = args.audio === "back" || args.audio === "both";
  const frontText = (i: number) => (speakFront ? prepared[i]!.speech.front : undefined);
  const backText = (i: number) => (speakBack ? prepared[i]!.speech.back : undefined);
  const spoken = prepared.flatMap((_, i) => [frontText(i), backText(i)].filter((text): text is string => text !== undefined));
  checkPackageEstimate(spoken, deps.synthesizer.bytesPerCharacter);

  const engine = args.engine ?? "neural";
  const distinct = new Set(spoken).size;
  // Steps: one per clip, then packaging, then uploading.
  const total = distinct + 2;

  // Clips and the package live in a directory of this request's, removed whatever happens.
  const workspace = await mkdtemp(join(tmpdir(), "ankify-deck-"));
  // Packaging and uploading must finish by the deadline too, and stop when the client goes away;
  // either way nothing is stored.
  const timeUp = AbortSignal.timeout(Math.max(0, deps.deadline - Date.now()));
  const finish = deps.cancel ? AbortSignal.any([timeUp, deps.cancel]) : timeUp;
  // Every cache read and write in flight listens to it: many listeners, none leaked.
  setMaxListeners(64, finish);
  const cancelled = () => deps.cancel?.aborted === true;
  const { synthesizer } = deps;
  const cache = deps.clipCache && synthesizer.audioIdentity && spoken.length > 0
    ? { cache: deps.clipCache, synthesizer: synthesizer as CacheContext["synthesizer"], voice, engine, directory: workspace }
    : undefined;
  let writeBack: Promise<void> = Promise.resolve();
  // Read while the pictures and speech are made; written once the deck is stored.
  const noteTimes = openNoteTimes(deps.noteTimes, deps.clientId ?? "anonymous", deckName, finish);
  // Progress from the first moment: a client that resets its timeout on progress hears at once.
  deps.onProgress?.(0, total, cache ? "checking the clip cache" : `speaking 0/${distinct}`);
  try {
    // Pictures before speech: a picture that cannot be had fails the deck before anything is billed.
    const pictures = await gatherImages(args.cards.map((card) => card.image), deps.fetchImage ?? guardedImageFetcher(), workspace, finish)
      .catch((error: unknown) => {
        throw cancelled() ? new CancelledError() : timeUp.aborted ? new OutOfTimeError("fetching the pictures did not finish within the time budget") : error;
      });
    // Clips already spoken for the same audio are reused; only the rest is spoken (and billed).
    const { hits, misses } = cache
      ? await findCachedClips(spoken, cache, finish).catch((error: unknown) => {
          throw cancelled() ? new CancelledError() : error;
        })
      : { hits: new Map<string, Clip>(), misses: [...new Set(spoken)] };
    const charactersSpoken = checkSpeechCharacters(misses, deps.maxSpeechCharacters);
    await deps.beforeSpeech?.(charactersSpoken);
    deps.onProgress?.(hits.size, total, `speaking ${hits.size}/${distinct}`);
    const fresh: Map<string, Clip> = misses.length === 0
      ? new Map()
      : await synthesizeAll(misses, voice, synthesizer, {
          engine,
          deadline: deps.deadline - FINISHING_RESERVE_SECONDS * 1000,
          directory: workspace,
          ...(deps.cancel ? { signal: deps.cancel } : {}),
          onClip: (done) => deps.onProgress?.(hits.size + done, total, `speaking ${hits.size + done}/${distinct}`),
        }).catch((error: unknown) => {
          throw cancelled() ? new CancelledError() : error;
        });
    // New clips go to the cache while the deck is packaged and uploaded; done (or given up) by the
    // deadline, before the answer: no work outlives the request.
    if (cache) writeBack = storeClips(fresh.values(), cache, finish);
    const clips = new Map([...hits, ...fresh]);
    deps.onProgress?.(distinct, total, "packaging");

    // A side's clip plays with the field it reads: field 0 (Front, or the cloze Text, shown on both
    // sides) and field 1 (Back, or Back Extra, shown with the answer).
    const sound = (text: string | undefined) => (text === undefined ? "" : `[sound:${clips.get(text)!.fileName}]`);
    const picture = (i: number, side: "front" | "back") => ((args.cards[i]!.image_side ?? "front") === side ? pictures.byCard[i] : undefined);
    const notes: DeckNote[] = await noteTimes.stamp(prepared.map((note, i) => ({
      guid: note.guid,
      ords: note.ords,
      tags: note.tags,
      fields: [withPicture(note.fields[0]!, picture(i, "front")) + sound(frontText(i)), withPicture(note.fields[1]!, picture(i, "back")) + sound(backText(i))],
    })), Date.now());
    const media = [...clips.values()].map((clip) => ({ name: clip.fileName, path: clip.path }))
      .concat(pictures.files.map((file) => ({ name: file.name, path: file.path })));
    const packagePath = join(workspace, "deck.apkg");
    const bytes = await buildApkg({ deckName, noteType, notes, media }, { path: packagePath, maxBytes: MAX_PACKAGE_BYTES, signal: finish })
      .catch((error: unknown) => {
        throw cancelled() ? new CancelledError() : error;
      });
    deps.onProgress?.(distinct + 1, total, "uploading");

    const fileName = `${slug(deckName)}.apkg`;
    const key = `${deps.deckPrefix}${new Date().toISOString().slice(0, 10)}/${randomUUID()}/${fileName}`;
    let stored;
    try {
      stored = await deps.store.save(key, { path: packagePath, bytes }, fileName, finish);
    } catch (error) {
      if (cancelled()) throw new CancelledError();
      if (timeUp.aborted) throw new OutOfTimeError("uploading the deck did not finish within the time budget");
      throw error;
    }
    await Promise.all([writeBack, noteTimes.commit(finish)]);
    return {
      url: stored.url,
      expires_at: stored.expiresAt.toISOString(),
      deck_name: deckName,
      card_count: notes.reduce((sum, note) => sum + note.ords.length, 0),
      audio_clips: clips.size,
      images: pictures.files.length,
      size_bytes: bytes,
      note_count: notes.length,
      note_type: noteType,
      requested_deck_name: args.deck_name,
      clips_spoken: fresh.size,
      clips_cached: hits.size,
      characters_spoken: charactersSpoken,
    };
  } finally {
    await writeBack;
    await rm(workspace, { recursive: true, force: true });
  }
}
/**
 * Refuses, before any speech, a request that would send more characters to speech than allowed;
 * returns the characters it will send (the figure Polly bills).
 */
export function checkSpeechCharacters(toSpeak: readonly string[], maxCharacters: number): number {
  let characters = 0;
  for (const text of new Set(toSpeak)) characters += [...text].length;
  if (characters > maxCharacters) {
    throw new LimitError(
      `This deck would send ${characters} characters to speech; one request may send at most ${maxCharacters}. ` +
        'Split the cards into several decks, or use audio: "front" (or "none").',
    );
  }
  return characters;
}

/** Refuses, before any speech or lookup, a deck whose audio alone would make a package over the cap. */
export function checkPackageEstimate(spoken: readonly string[], bytesPerCharacter: number): void {
  let characters = 0;
  for (const text of new Set(spoken)) characters += [...text].length;
  const estimate = characters * bytesPerCharacter;
  if (estimate > MAX_PACKAGE_BYTES) {
    const mb = (n: number) => Math.round(n / 1024 / 1024);
    throw new LimitError(
      `This deck's audio would be about ${mb(estimate)} MB; one package may be at most ${mb(MAX_PACKAGE_BYTES)} MB. ` +
        'Split the cards into several decks, or use audio: "front" (or "none").',
    );
  }
}

/** A file-name-safe version of the deck name. */
export function slug(name: string): string {
  return name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).toLowerCase() || "deck";
}
