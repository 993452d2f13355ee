/**
 * The note types a deck can use, as Anki (schema 11) stores them. Ids come from the names, so every
 * build of every deck uses the same three note types and Anki keeps one copy of each. Basic keeps the
 * name, fields and template names of the first release: decks built then update in place.
 */
export type NoteTypeName = "basic" | "basic-and-reversed" | "cloze";
export const NOTE_TYPE_NAMES = ["basic", "basic-and-reversed", "cloze"] as const satisfies readonly NoteTypeName[];

export interface NoteTypeSpec {
  /** The name Anki shows. */
  readonly name: string;
  /** Anki's model type: 0 standard, 1 cloze. */
  readonly kind: 0 | 1;
  readonly fields: readonly string[];
  /** `shows`: the field whose text makes the card's question (Anki leaves out a card whose question is empty). */
  readonly templates: ReadonlyArray<{ readonly name: string; readonly qfmt: string; readonly afmt: string; readonly shows: number }>;
}

const ANSWER_RULE = "\n\n<hr id=answer>\n\n";

export const NOTE_TYPES: Readonly<Record<NoteTypeName, NoteTypeSpec>> = {
  basic: {
    name: "Ankify Basic (front/back)",
    kind: 0,
    fields: ["Front", "Back"],
    templates: [{ name: "Card 1", qfmt: "{{Front}}", afmt: `{{FrontSide}}${ANSWER_RULE}{{Back}}`, shows: 0 }],
  },
  "basic-and-reversed": {
    name: "Ankify Basic (and reversed card)",
    kind: 0,
    fields: ["Front", "Back"],
    templates: [
      { name: "Card 1", qfmt: "{{Front}}", afmt: `{{FrontSide}}${ANSWER_RULE}{{Back}}`, shows: 0 },
      { name: "Card 2", qfmt: "{{Back}}", afmt: `{{FrontSide}}${ANSWER_RULE}{{Front}}`, shows: 1 },
    ],
  },
  cloze: {
    name: "Ankify Cloze",
    kind: 1,
    fields: ["Text", "Back Extra"],
    templates: [{ name: "Cloze", qfmt: "{{cloze:Text}}", afmt: "{{cloze:Text}}<br>\n{{Back Extra}}", shows: 0 }],
  },
};

/**
 * Readable on a phone and in night mode: Anki adds `nightMode` (desktop, AnkiMobile) or `night_mode`
 * (AnkiDroid) to the card's page, so colours switch on both.
 */
export const CARD_CSS = `.card {
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK JP", sans-serif;
  font-size: 24px;
  line-height: 1.45;
  text-align: center;
  color: #1a1a1a;
  background-color: #ffffff;
  padding: 0 12px;
  overflow-wrap: anywhere;
}
.card.nightMode, .card.night_mode, .nightMode .card, .night_mode .card { color: #e8e8e8; background-color: #1e1e1e; }
ul, ol { display: inline-block; margin: 0.4em 0; text-align: left; }
ruby rt { font-size: 0.55em; }
hr#answer { border: 0; border-top: 1px solid #999; margin: 0.8em 0; }
.cloze { font-weight: bold; color: #1a5fb4; }
.nightMode .cloze, .night_mode .cloze { color: #8cc4ff; }
@media (max-width: 480px) { .card { font-size: 21px; } }
`;
