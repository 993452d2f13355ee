/**
 * The create_deck work: speak the chosen sides, write the package, store it, return its link.
 * Nothing half-built is stored: speech that misses its deadline throws before anything is written.
 */
import { randomUUID } from "node:crypto";
import { buildApkg, type DeckNote } from "./apkg";
import { synthesizeAll, VOICES, type Clip, type Synthesizer } from "../tts/index";
import type { DeckStore } from "../storage/s3";
import { FINISHING_RESERVE_SECONDS, LimitError } from "../limits";

export { FINISHING_RESERVE_SECONDS };

export type AudioSide = "front" | "back" | "both" | "none";

export interface DeckRequest {
  readonly deck_name: string;
  readonly cards: ReadonlyArray<{ readonly front: string; readonly back: string }>;
  /** A key of VOICES. */
  readonly language: string;
  readonly audio: AudioSide;
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
}

export interface DeckResult {
  url: string;
  expires_at: string;
  deck_name: string;
  card_count: number;
  audio_clips: number;
  size_bytes: number;
}

export async function createDeck(args: DeckRequest, deps: DeckDeps): Promise<DeckResult> {
  const voice = VOICES[args.language]!;
  const speakFront = args.audio === "front" || args.audio === "both";
  const speakBack = args.audio === "back" || args.audio === "both";
  const spoken = args.cards.flatMap((card) => [...(speakFront ? [card.front] : []), ...(speakBack ? [card.back] : [])]);
  checkSpeechBudget(spoken, deps.maxSpeechCharacters);
  const clips: Map<string, Clip> = spoken.length === 0
    ? new Map()
    : await synthesizeAll(spoken, voice, deps.synthesizer, { deadline: deps.deadline - FINISHING_RESERVE_SECONDS * 1000 });

  const notes: DeckNote[] = args.cards.map((card) => ({
    front: card.front,
    back: card.back,
    ...(speakFront ? { frontAudio: clips.get(card.front)!.fileName } : {}),
    ...(speakBack ? { backAudio: clips.get(card.back)!.fileName } : {}),
  }));
  const media = [...clips.values()].map((clip) => ({ name: clip.fileName, data: clip.data }));
  const apkg = await buildApkg({ deckName: args.deck_name, notes, media });

  const fileName = `${slug(args.deck_name)}.apkg`;
  const key = `${deps.deckPrefix}${new Date().toISOString().slice(0, 10)}/${randomUUID()}/${fileName}`;
  const stored = await deps.store.save(key, apkg, fileName);
  return {
    url: stored.url,
    expires_at: stored.expiresAt.toISOString(),
    deck_name: args.deck_name,
    card_count: notes.length,
    audio_clips: media.length,
    size_bytes: apkg.length,
  };
}

/** Refuses, before any speech, a request that would send more characters to speech than allowed. */
export function checkSpeechBudget(spoken: readonly string[], maxCharacters: number): void {
  let characters = 0;
  for (const text of new Set(spoken)) characters += [...text].length;
  if (characters > maxCharacters) {
    throw new LimitError(
      `This deck would send ${characters} characters to speech; one request may send at most ${maxCharacters}. ` +
        'Split the cards into several decks, or use audio: "front" (or "none").',
    );
  }
}

/** A file-name-safe version of the deck name (the name itself stays as given inside the deck). */
export function slug(name: string): string {
  return name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).toLowerCase() || "deck";
}
