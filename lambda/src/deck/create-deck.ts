/**
 * The create_deck work: turn cards into notes, fetch their pictures, speak the chosen sides, stamp
 * each note with when its content last changed, write the package, store it, return its link.
 * Nothing half-built is stored: speech that misses its deadline throws before anything is written.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeckNote } from "./apkg";
import { buildApkgOffThread } from "./build-off-thread";
import { gatherImages, guardedImageFetcher, withPicture, type ImageFetcher } from "./images";
import { openNoteTimes } from "./mod-times";
import { normaliseDeckName } from "./names";
import type { NoteTypeName } from "./note-types";
import { prepareNotes, type CardInput, type PreparedNote } from "./notes";
import type { TextFormat } from "./text";
import { VOICES, type Engine, type SpeechRate, type Synthesizer } from "../tts/index";
import type { ClipCache } from "../storage/clip-cache";
import type { DeckStore } from "../storage/s3";
import type { NoteTimesStore } from "../storage/note-times";
import { CancelledError, timeBudget } from "../deadline";
import { FINISHING_RESERVE_SECONDS, MAX_PACKAGE_BYTES } from "../limits";
import { publishPreview, type DeckPreview, type PreviewDeps } from "../preview/publish";
import { checkCardCount } from "./bounds";
import { checkPackageEstimate, countClips, speakDeck, type DeckSpeech, type DeckSpeechRequest } from "./speech";

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
  /** A key of VOICES: the front side's voice. */
  readonly language: string;
  /** A key of VOICES: the back side's voice. @default language */
  readonly back_language?: string;
  readonly audio: AudioSide;
  /** Polly's engine. @default "neural" */
  readonly engine?: Engine;
  /** @default "normal" */
  readonly speech_rate?: SpeechRate;
}

export { CancelledError };

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
  /**
   * Who the request acts for (access/subject.ts): what is remembered of a deck is kept per subject,
   * and cancellations are matched by it. @default none: one shared "anonymous" record, no cancelling
   */
  readonly subject?: string;
  /** Fetches pictures given by URL. @default public addresses only (images.ts guardedImageFetcher) */
  readonly fetchImage?: ImageFetcher;
  /** Where the deck preview's media go; absent: the result has no preview. */
  readonly preview?: PreviewDeps;
  /**
   * Called once the clip cache has said what it holds and before any speech, with the characters
   * about to be sent to speech (the client's daily allowance, access/fair-use.ts), with the signal that
   * bounds its calls (the deadline's, deadline.ts); throws to refuse.
   */
  readonly beforeSpeech?: (characters: number, signal: AbortSignal) => Promise<void>;
  /**
   * Called before packaging and before uploading; a rejection stops the deck there (a deck job looks
   * at its record: a cancellation ends it before anything is stored). @default none
   */
  readonly checkpoint?: (stage: "packaging" | "uploading") => Promise<void>;
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
  /** The first cards and links to their media, for the deck preview (preview/publish.ts). */
  preview?: DeckPreview;
  /** Characters of speech the client may still use today (set by deck/run-deck.ts, with a daily limit). */
  characters_left_today?: number;
}

/** What a request becomes before anything is fetched, spoken or billed: its notes and its speech. */
export interface DeckPlan {
  /** As Anki will show it. */
  readonly deckName: string;
  readonly noteType: NoteTypeName;
  readonly prepared: readonly PreparedNote[];
  readonly speech: DeckSpeechRequest;
  /** Distinct clips to speak (or find in the cache). */
  readonly clips: number;
}

/**
 * Notes and speech for `args`, with every bound that needs no speech checked (cards, the package's
 * audio): a request refused here is refused at once, before any job is made for it.
 */
export async function planDeck(args: DeckRequest, bytesPerCharacter: number): Promise<DeckPlan> {
  const noteType = args.note_type ?? "basic";
  const deckName = normaliseDeckName(args.deck_name);
  const prepared = await prepareNotes({ deckName, noteType, format: args.format ?? "text", cards: args.cards, ...(args.tags ? { tags: args.tags } : {}) });
  checkCardCount(prepared);

  const speakFront = args.audio === "front" || args.audio === "both";
  const speakBack = args.audio === "back" || args.audio === "both";
  const speech: DeckSpeechRequest = {
    notes: prepared.map((note) => ({
      ...(speakFront && note.speech.front !== undefined ? { front: note.speech.front } : {}),
      ...(speakBack && note.speech.back !== undefined ? { back: note.speech.back } : {}),
    })),
    voices: { front: VOICES[args.language]!, back: VOICES[args.back_language ?? args.language]! },
    engine: args.engine ?? "neural",
    rate: args.speech_rate ?? "normal",
  };
  checkPackageEstimate(speech, bytesPerCharacter);
  return { deckName, noteType, prepared, speech, clips: countClips(speech) };
}

export async function createDeck(args: DeckRequest, deps: DeckDeps, plan?: DeckPlan): Promise<DeckResult> {
  const { deckName, noteType, prepared, speech, clips: distinct } = plan ?? (await planDeck(args, deps.synthesizer.bytesPerCharacter));

  // Clips and the package live in a directory of this request's, removed whatever happens.
  const workspace = await mkdtemp(join(tmpdir(), "ankify-deck-"));
  // Every stage must finish by the deadline, and stop when the client goes away; either way nothing
  // is stored, and what a stage throws then is reported as that (deadline.ts).
  const { signal: finish, failed } = timeBudget(deps.deadline, deps.cancel);
  let spoken: DeckSpeech | undefined;
  // Read while the pictures and speech are made; written once the deck is stored.
  const noteTimes = openNoteTimes(deps.noteTimes, deps.subject ?? "anonymous", deckName, finish);
  // Progress from the first moment: a client that resets its timeout on progress hears at once.
  // Steps: one per clip, then packaging, then uploading.
  const total = distinct + 2;
  const cacheFirst = deps.clipCache && deps.synthesizer.audioIdentity && distinct > 0;
  deps.onProgress?.(0, total, cacheFirst ? "checking the clip cache" : `speaking 0/${distinct}`);
  try {
    // Pictures before speech: a picture that cannot be had fails the deck before anything is billed.
    const pictures = await gatherImages(args.cards.map((card) => card.image), deps.fetchImage ?? guardedImageFetcher(), workspace, finish)
      .catch(failed("fetching the pictures"));
    spoken = await speakDeck(speech, {
      synthesizer: deps.synthesizer,
      ...(deps.clipCache ? { clipCache: deps.clipCache } : {}),
      directory: workspace,
      deadline: deps.deadline - FINISHING_RESERVE_SECONDS * 1000,
      maxSpeechCharacters: deps.maxSpeechCharacters,
      ...(deps.cancel ? { cancel: deps.cancel } : {}),
      finish,
      failed,
      ...(deps.beforeSpeech ? { beforeSpeech: deps.beforeSpeech } : {}),
      onProgress: (done) => deps.onProgress?.(done, total, `speaking ${done}/${distinct}`),
    }).catch(failed("speech"));
    const clips = spoken;
    await deps.checkpoint?.("packaging").catch(failed("packaging the deck"));
    deps.onProgress?.(distinct, total, "packaging");

    // A side's clip plays with the field it reads: field 0 (Front, or the cloze Text, shown on both
    // sides) and field 1 (Back, or Back Extra, shown with the answer). A picture goes above its side's text.
    const sound = (side: "front" | "back", i: number) => {
      const clip = clips.clip(side, i);
      return clip === undefined ? "" : `[sound:${clip.fileName}]`;
    };
    const picture = (i: number, side: "front" | "back") => ((args.cards[i]!.image_side ?? "front") === side ? pictures.byCard[i] : undefined);
    const notes: DeckNote[] = await noteTimes.stamp(prepared.map((note, i) => ({
      guid: note.guid,
      ords: note.ords,
      tags: note.tags,
      fields: [withPicture(note.fields[0]!, picture(i, "front")) + sound("front", i), withPicture(note.fields[1]!, picture(i, "back")) + sound("back", i)],
    })), Date.now());
    const media = clips.clips.map((clip) => ({ name: clip.fileName, path: clip.path }))
      .concat(pictures.files.map((file) => ({ name: file.name, path: file.path })));
    const packagePath = join(workspace, "deck.apkg");
    const bytes = await buildApkgOffThread({ deckName, noteType, notes, media }, { path: packagePath, maxBytes: MAX_PACKAGE_BYTES, signal: finish })
      .catch(failed("packaging the deck"));
    await deps.checkpoint?.("uploading").catch(failed("uploading the deck"));
    deps.onProgress?.(distinct + 1, total, "uploading");

    const fileName = `${slug(deckName)}.apkg`;
    const key = `${deps.deckPrefix}${new Date().toISOString().slice(0, 10)}/${randomUUID()}/${fileName}`;
    const stored = await deps.store.save(key, { path: packagePath, bytes }, fileName, finish).catch(failed("uploading the deck"));
    const preview = deps.preview && (await publishPreview({ noteType, notes, media }, key, deps.preview, finish));
    await Promise.all([clips.writeBack, noteTimes.commit(finish)]);
    return {
      url: stored.url,
      expires_at: stored.expiresAt.toISOString(),
      deck_name: deckName,
      card_count: notes.reduce((sum, note) => sum + note.ords.length, 0),
      audio_clips: clips.clips.length,
      images: pictures.files.length,
      size_bytes: bytes,
      note_count: notes.length,
      note_type: noteType,
      requested_deck_name: args.deck_name,
      clips_spoken: clips.spoken,
      clips_cached: clips.cached,
      characters_spoken: clips.characters,
      ...(preview ? { preview } : {}),
    };
  } finally {
    // No work outlives the request: a deck that failed early still waits for its note-times read.
    await Promise.all([spoken?.writeBack, noteTimes.settled()]);
    await rm(workspace, { recursive: true, force: true });
  }
}

/** A file-name-safe version of the deck name. */
export function slug(name: string): string {
  return name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).toLowerCase() || "deck";
}
