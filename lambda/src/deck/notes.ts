/**
 * From the request's cards to notes: field HTML, what each side speaks, tags, cards, and identity.
 *
 * Identity (what a note's GUID is made from, with the deck and note type): a note is known by its
 * *key* — the front's text (basic, basic-and-reversed) or the cloze text with every deletion filled in
 * (cloze). When two cards in one request share a key (homographs: `banco → bank`, `banco → bench`),
 * each of them is known by its key plus its *detail* — the back's text (basic), or the cloze text as
 * marked up plus the extra (cloze). Two cards with the same key and detail are the same card twice,
 * and validation refuses them. Texts are compared as shown: markup removed, entities decoded,
 * whitespace collapsed, NFC.
 *
 * So a rebuilt deck updates a note whose back (or extra, or choice of deletions) was edited, and never
 * merges two meanings. A front that becomes repeated gets new GUIDs: its old note stays as it was.
 *
 * Fields hold the text with Anki's own markup escaped (anki-markup.ts): what the card shows is what
 * was written. Identity and speech read the text as shown, with speech leaving Anki's tags out.
 */
import { noteGuid, type DeckNote } from "./apkg";
import { clozeAnswerHtml, clozeQuestionHtml, parseCloze } from "./cloze";
import { mergeTags } from "./names";
import { NOTE_TYPES, type NoteTypeName } from "./note-types";
import { protectClozeHtml, protectFieldHtml, spokenText } from "./anki-markup";
import type { ImageSide } from "./images";
import { slicer } from "./slices";
import { fieldHtml, isSpeakable, plainText, type TextFormat } from "./text";

export interface CardInput {
  /** basic, basic-and-reversed */
  readonly front?: string;
  readonly back?: string;
  /** cloze */
  readonly text?: string;
  readonly extra?: string;
  readonly tags?: readonly string[];
  /** A data: URI or an https:// URL (images.ts). */
  readonly image?: string;
  /** @default "front" */
  readonly image_side?: ImageSide;
}

export interface NotesRequest {
  /** As Anki will show it. */
  readonly deckName: string;
  readonly noteType: NoteTypeName;
  readonly format: TextFormat;
  readonly cards: readonly CardInput[];
  /** Tags every note gets. */
  readonly tags?: readonly string[];
}

/** A note before audio: DeckNote's parts, and the plain text each side would speak. */
export interface PreparedNote extends DeckNote {
  /** Plain text to speak with the front (field 0) and back (field 1) side; absent when nothing is sayable. */
  readonly speech: { readonly front?: string; readonly back?: string };
}

interface ReadCard {
  readonly fields: readonly [string, string];
  readonly key: string;
  readonly detail: string;
  readonly ords: readonly number[];
  readonly speech: { readonly front: string; readonly back: string };
}

function readCard(card: CardInput, noteType: NoteTypeName, format: TextFormat): ReadCard {
  if (noteType === "cloze") {
    const text = fieldHtml(card.text ?? "", format);
    const extra = fieldHtml(card.extra ?? "", format);
    const cloze = parseCloze(text);
    if (!cloze.ok) throw new Error(`cloze text ${cloze.problem}`);
    const answer = plainText(clozeAnswerHtml(text, cloze.deletions));
    return {
      fields: [protectClozeHtml(text, cloze.deletions), protectFieldHtml(extra)],
      key: answer,
      detail: `${plainText(text)}\x1f${plainText(extra)}`,
      ords: cloze.numbers.map((n) => n - 1),
      speech: { front: spokenText(plainText(clozeQuestionHtml(text, cloze.deletions))), back: spokenText(answer) },
    };
  }
  const front = fieldHtml(card.front ?? "", format);
  const back = fieldHtml(card.back ?? "", format);
  return {
    fields: [protectFieldHtml(front), protectFieldHtml(back)],
    key: plainText(front),
    detail: plainText(back),
    ords: NOTE_TYPES[noteType].templates.map((_, ord) => ord),
    speech: { front: spokenText(plainText(front)), back: spokenText(plainText(back)) },
  };
}

/**
 * Every card read, in slices: 500 cloze notes of a hundred deletions each are a few hundred
 * milliseconds of work, which must not hold the event loop in one piece (deck/slices.ts).
 */
async function readCards(cards: readonly CardInput[], noteType: NoteTypeName, format: TextFormat): Promise<ReadCard[]> {
  const pause = slicer();
  const read: ReadCard[] = [];
  for (const card of cards) {
    await pause();
    read.push(readCard(card, noteType, format));
  }
  return read;
}

/** Pairs `[later, earlier]` of card indexes that are the same card twice (same key and detail). */
export async function repeatedCards(cards: readonly CardInput[], noteType: NoteTypeName, format: TextFormat): Promise<Array<[number, number]>> {
  const firstByIdentity = new Map<string, number>();
  const repeats: Array<[number, number]> = [];
  (await readCards(cards, noteType, format)).forEach((read, i) => {
    const identity = `${read.key}\x1f${read.detail}`;
    const first = firstByIdentity.get(identity);
    if (first === undefined) firstByIdentity.set(identity, i);
    else repeats.push([i, first]);
  });
  return repeats;
}

/** The notes for a validated request, in card order. */
export async function prepareNotes(request: NotesRequest): Promise<PreparedNote[]> {
  const read = await readCards(request.cards, request.noteType, request.format);
  const keyCounts = new Map<string, number>();
  for (const card of read) keyCounts.set(card.key, (keyCounts.get(card.key) ?? 0) + 1);
  return read.map((card, i) => {
    // U+001F cannot occur in validated text, so a joined identity never equals a lone key.
    const identity = keyCounts.get(card.key)! > 1 ? `${card.key}\x1f${card.detail}` : card.key;
    return {
      guid: noteGuid(request.deckName, identity, request.noteType),
      fields: card.fields,
      ords: card.ords,
      tags: mergeTags(request.tags, request.cards[i]!.tags),
      speech: {
        ...(isSpeakable(card.speech.front) ? { front: card.speech.front } : {}),
        ...(isSpeakable(card.speech.back) ? { back: card.speech.back } : {}),
      },
    };
  });
}
