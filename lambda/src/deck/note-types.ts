/**
 * The note types a deck can use, as Anki (schema 11) stores them. Ids come from the names, so every
 * build of every deck uses the same three note types and Anki keeps one copy of each. Basic keeps the
 * name, fields and template names of the first release: decks built then update in place.
 *
 * Anki matches an imported note type to the collection's by id, then compares its schema: Anki 2.1.15
 * by the field and template names (models.py scmhash), today's Anki field by field and template by
 * template, by their `id` where both sides have one and by name otherwise (rslib notetype/merge.rs
 * is_match). A mismatch makes a second note type, and the package's notes that already exist are
 * skipped as conflicting. So names never change; the ids below are fixed literals (not derived from
 * the names), so a field a learner renames in today's Anki still matches; a note type built before
 * they existed has none, and matches by name. New content a card needs (pictures) goes inside the
 * existing fields, never into new ones.
 */
export type NoteTypeName = "basic" | "basic-and-reversed" | "cloze";
export const NOTE_TYPE_NAMES = ["basic", "basic-and-reversed", "cloze"] as const satisfies readonly NoteTypeName[];

/**
 * The version of the definitions below (fields, templates, CSS) and when it was released. Anki copies
 * a note type's templates and styling on import only when the package's `mod` is newer than the
 * collection's copy, so the note types carry this release time, never the build time: rebuilding a
 * deck leaves a learner's own styling alone, and a new definition reaches a collection once (unless
 * the learner edited the note type after it was released). Changing any definition means a new
 * version with a later time; a test pins the definitions to the version.
 */
export const NOTE_TYPES_VERSION = 1;
/** 2026-11-30T00:00:00Z, in seconds: version 1 (issue #23). */
export const NOTE_TYPES_MOD = 1_795_996_800;

export interface NoteTypeSpec {
  /** The name Anki shows. */
  readonly name: string;
  /** Anki's model type: 0 standard, 1 cloze. */
  readonly kind: 0 | 1;
  /** In field order; `id` is the field's for good, whatever it is called. */
  readonly fields: ReadonlyArray<{ readonly name: string; readonly id: number }>;
  /** `shows`: the field whose text makes the card's question (Anki leaves out a card whose question is empty). */
  readonly templates: ReadonlyArray<{ readonly name: string; readonly id: number; readonly qfmt: string; readonly afmt: string; readonly shows: number }>;
}

const ANSWER_RULE = "\n\n<hr id=answer>\n\n";

export const NOTE_TYPES: Readonly<Record<NoteTypeName, NoteTypeSpec>> = {
  basic: {
    name: "Ankify Basic (front/back)",
    kind: 0,
    fields: [{ name: "Front", id: 6_215_075_363_600 }, { name: "Back", id: 4_272_118_591_505 }],
    templates: [{ name: "Card 1", id: 8_409_435_189_928, qfmt: "{{Front}}", afmt: `{{FrontSide}}${ANSWER_RULE}{{Back}}`, shows: 0 }],
  },
  "basic-and-reversed": {
    name: "Ankify Basic (and reversed card)",
    kind: 0,
    fields: [{ name: "Front", id: 1_350_137_048_778 }, { name: "Back", id: 4_816_577_381_050 }],
    templates: [
      { name: "Card 1", id: 1_651_390_775_416, qfmt: "{{Front}}", afmt: `{{FrontSide}}${ANSWER_RULE}{{Back}}`, shows: 0 },
      { name: "Card 2", id: 2_529_262_116_149, qfmt: "{{Back}}", afmt: `{{FrontSide}}${ANSWER_RULE}{{Front}}`, shows: 1 },
    ],
  },
  cloze: {
    name: "Ankify Cloze",
    kind: 1,
    fields: [{ name: "Text", id: 6_124_090_720_778 }, { name: "Back Extra", id: 2_302_230_432_028 }],
    templates: [{ name: "Cloze", id: 6_688_811_793_396, qfmt: "{{cloze:Text}}", afmt: "{{cloze:Text}}<br>\n{{Back Extra}}", shows: 0 }],
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
