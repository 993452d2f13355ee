/**
 * Bounds on a deck's size that do not depend on speech: checked before anything is fetched, spoken
 * or billed. (Speech's own bounds — characters, the package's audio — are deck/speech.ts's.)
 */
import type { DeckNote } from "./apkg";
import { LimitError, MAX_DECK_CARDS } from "../limits";

/** Refuses, before any speech, a deck with more Anki cards than one deck may have. */
export function checkCardCount(notes: readonly Pick<DeckNote, "ords">[]): void {
  const cards = notes.reduce((sum, note) => sum + note.ords.length, 0);
  if (cards > MAX_DECK_CARDS) {
    throw new LimitError(
      `This deck would have ${cards} Anki cards (a cloze note makes one per deletion number); one deck may have at most ${MAX_DECK_CARDS}. ` +
        "Split the notes into several decks.",
    );
  }
}
