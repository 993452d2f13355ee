/**
 * Writes an Anki package (.apkg, collection schema 11) that Anki 2.1+ imports: a zip of
 * `collection.anki2` (SQLite, built with sql.js: WebAssembly, no native addon), `media` (JSON map of
 * numbered entries to file names) and the media files named `0`, `1`, ...
 *
 * Note GUIDs and the deck and note-type ids are derived from names, so importing a new build of the
 * same deck updates its notes instead of duplicating them.
 *
 * The zip is streamed to a file: media come from files a chunk at a time, so memory stays flat
 * whatever the deck's size, and the write stops (and throws) at a size cap or when time runs out.
 */
import { createHash } from "node:crypto";
import { closeSync, createReadStream, existsSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { strToU8, Zip, ZipDeflate, ZipPassThrough } from "fflate";
import { LimitError, OutOfTimeError } from "../limits";
import initSqlJs, { type SqlJsStatic } from "sql.js";
import { CARD_CSS, NOTE_TYPES, NOTE_TYPES_MOD, type NoteTypeName } from "./note-types";
import { plainText } from "./text";

export interface DeckNote {
  /** From noteGuid: the same note on every build, so re-importing updates it. */
  readonly guid: string;
  /** Field HTML in the note type's field order, `[sound:…]` tags included. */
  readonly fields: readonly string[];
  /** Template ordinals of the note's cards: `[0]` for basic, `[0, 1]` reversed, cloze number − 1. */
  readonly ords: readonly number[];
  /** Anki's rules: no spaces; see names.ts. */
  readonly tags?: readonly string[];
  /**
   * Seconds: when the note's content last changed (mod-times.ts). Anki updates a note it has only
   * from a package whose `mod` is newer. @default NOTE_TYPES_MOD: older than any build, so an
   * existing note is left alone
   */
  readonly mod?: number;
}

export interface MediaFile {
  /** Bare, unique file name, e.g. `ankify-1f3a….mp3`. */
  readonly name: string;
  /** Where its bytes are. */
  readonly path: string;
}

export interface PackageOutput {
  /** The .apkg file to write. */
  readonly path: string;
  /** Stop, throwing LimitError, once the package would be larger. */
  readonly maxBytes: number;
  /** Stop, throwing OutOfTimeError, when this aborts. */
  readonly signal: AbortSignal;
}

export interface DeckInput {
  /** As Anki will show it (names.ts normaliseDeckName). */
  readonly deckName: string;
  readonly noteType: NoteTypeName;
  readonly notes: readonly DeckNote[];
  readonly media: readonly MediaFile[];
  /** Creation time; defaults to now. */
  readonly now?: Date;
}

const FIELD_SEPARATOR = "\x1f";
const SOUND_TAG = /\[sound:[^\]]*\]/g;

let sqlJs: Promise<SqlJsStatic> | undefined;

/** sql.js's wasm sits next to the bundle in the image, and in node_modules when run from source. */
function wasmPath(file: string): string {
  const bundled = join(__dirname, file);
  return existsSync(bundled) ? bundled : require.resolve(`sql.js/dist/${file}`);
}

/** sql.js, loaded once per thread (the packaging worker loads it as it starts, before its first job). */
export function sql(): Promise<SqlJsStatic> {
  sqlJs ??= initSqlJs({ locateFile: wasmPath });
  return sqlJs;
}

/** A positive id that fits Anki's 64-bit integer columns and JavaScript's safe integers. */
export function stableId(...parts: string[]): number {
  const hex = createHash("sha256").update(parts.join(FIELD_SEPARATOR)).digest("hex").slice(0, 13);
  return 1_000_000_000_000 + (parseInt(hex, 16) % 8_000_000_000_000);
}

/**
 * Note GUID: the same deck, note type and identity text (notes.ts) give the same GUID on every build.
 * Basic notes keep the first release's formula (deck + identity), so decks built then still update;
 * the other types add their name, since Anki never moves a note to another note type on import.
 */
export function noteGuid(deckName: string, identity: string, noteType: NoteTypeName = "basic"): string {
  const parts = noteType === "basic" ? ["ankify", deckName, identity] : ["ankify", noteType, deckName, identity];
  return createHash("sha256").update(parts.join(FIELD_SEPARATOR)).digest("base64url").slice(0, 16);
}

/** Anki's first-field checksum: the first 8 hex digits of the SHA-1 of the field's text, as an integer. */
export function fieldChecksum(html: string): number {
  return parseInt(createHash("sha1").update(plainText(html)).digest("hex").slice(0, 8), 16);
}

/** Writes the package to `output.path`; returns its size in bytes. */
export async function buildApkg(input: DeckInput, output: PackageOutput): Promise<number> {
  const SQL = await sql();
  const db = new SQL.Database();
  let collection: Uint8Array;
  try {
    const nowMs = (input.now ?? new Date()).getTime();
    const deckId = stableId("deck", input.deckName);
    // Anki takes nothing from the collection's or a known deck's `mod` on import.
    const mod = Math.floor(nowMs / 1000);
    const spec = NOTE_TYPES[input.noteType];
    const modelId = stableId("model", spec.name);
    const tags = [...new Set(input.notes.flatMap((note) => note.tags ?? []))];

    db.exec(SCHEMA);
    // One transaction for every row: sql.js commits each statement on its own otherwise, and
    // 44,500 cloze cards took 5.5 s instead of 0.8 s.
    db.exec("BEGIN");
    db.run("INSERT INTO col VALUES (1, ?, ?, ?, 11, 0, 0, 0, ?, ?, ?, ?, ?)", [
      mod, nowMs, nowMs,
      JSON.stringify(collectionConf(deckId, modelId)),
      JSON.stringify({ [modelId]: noteType(input.noteType, modelId, deckId) }),
      JSON.stringify({ 1: deck(1, "Default", mod), [deckId]: deck(deckId, input.deckName, mod) }),
      JSON.stringify({ 1: DECK_OPTIONS }),
      JSON.stringify(Object.fromEntries(tags.map((tag) => [tag, 0]))),
    ]);

    const insertNote = db.prepare("INSERT INTO notes VALUES (?, ?, ?, ?, -1, ?, ?, ?, ?, 0, '')");
    const insertCard = db.prepare("INSERT INTO cards VALUES (?, ?, ?, ?, ?, -1, 0, 0, ?, 0, 0, 0, 0, 0, 0, 0, 0, '')");
    let cardId = nowMs;
    input.notes.forEach((note, i) => {
      if (note.fields.length !== spec.fields.length) throw new Error(`note ${i} has ${note.fields.length} fields; ${spec.name} has ${spec.fields.length}`);
      // Validation keeps U+001F out of card text; this keeps it out of notes whatever the caller did.
      if (note.fields.some((field) => field.includes(FIELD_SEPARATOR))) throw new Error(`note ${i} contains U+001F, Anki's field separator`);
      const firstField = note.fields[0]!.replace(SOUND_TAG, "");
      // Ids only need to be unique within the package: Anki matches notes on import by GUID.
      const noteId = nowMs + i;
      // Anki stores tags space-separated with a space at each end.
      const noteTags = note.tags?.length ? ` ${note.tags.join(" ")} ` : "";
      const noteMod = note.mod ?? NOTE_TYPES_MOD;
      insertNote.run([noteId, note.guid, modelId, noteMod, noteTags, note.fields.join(FIELD_SEPARATOR), plainText(firstField), fieldChecksum(firstField)]);
      for (const ord of note.ords) insertCard.run([cardId++, noteId, deckId, ord, noteMod, i + 1]);
    });
    insertNote.free();
    insertCard.free();
    db.exec("COMMIT");

    collection = db.export();
  } finally {
    db.close();
  }
  return writeZip(collection, input.media, output);
}

/** The zip: collection (deflated), each media file (stored: audio is compressed already), the media map. */
async function writeZip(collection: Uint8Array, media: readonly MediaFile[], output: PackageOutput): Promise<number> {
  const fd = openSync(output.path, "w");
  let written = 0;
  let failure: unknown;
  const zip = new Zip((error, chunk) => {
    if (error) failure ??= error;
    else if (failure === undefined) {
      written += chunk.length;
      if (written > output.maxBytes) failure = new LimitError(`This deck's package would be larger than ${Math.floor(output.maxBytes / 1024 / 1024)} MB, the most one request may build. Split the cards into several decks, or use less audio.`);
      else writeSync(fd, chunk);
    }
  });
  const check = () => {
    if (output.signal.aborted) failure ??= new OutOfTimeError("packaging and uploading the deck did not finish within the time budget");
    if (failure !== undefined) throw failure;
  };
  const add = (file: ZipDeflate, data: Uint8Array) => {
    zip.add(file);
    file.push(data, true);
    check();
  };
  try {
    add(new ZipDeflate("collection.anki2", { level: 6 }), collection);
    const mediaMap: Record<string, string> = {};
    for (const [i, file] of media.entries()) {
      mediaMap[String(i)] = file.name;
      const entry = new ZipPassThrough(String(i));
      zip.add(entry);
      for await (const chunk of createReadStream(file.path, { highWaterMark: 1024 * 1024 })) {
        entry.push(chunk as Buffer);
        check();
      }
      entry.push(new Uint8Array(0), true);
      check();
    }
    add(new ZipDeflate("media", { level: 6 }), strToU8(JSON.stringify(mediaMap)));
    zip.end();
    check();
    return written;
  } finally {
    closeSync(fd);
  }
}

const SCHEMA = `
CREATE TABLE col (id integer primary key, crt integer not null, mod integer not null, scm integer not null, ver integer not null,
  dty integer not null, usn integer not null, ls integer not null, conf text not null, models text not null, decks text not null,
  dconf text not null, tags text not null);
CREATE TABLE notes (id integer primary key, guid text not null, mid integer not null, mod integer not null, usn integer not null,
  tags text not null, flds text not null, sfld integer not null, csum integer not null, flags integer not null, data text not null);
CREATE TABLE cards (id integer primary key, nid integer not null, did integer not null, ord integer not null, mod integer not null,
  usn integer not null, type integer not null, queue integer not null, due integer not null, ivl integer not null, factor integer not null,
  reps integer not null, lapses integer not null, left integer not null, odue integer not null, odid integer not null,
  flags integer not null, data text not null);
CREATE TABLE revlog (id integer primary key, cid integer not null, usn integer not null, ease integer not null, ivl integer not null,
  lastIvl integer not null, factor integer not null, time integer not null, type integer not null);
CREATE TABLE graves (usn integer not null, oid integer not null, type integer not null);
CREATE INDEX ix_notes_usn on notes (usn);
CREATE INDEX ix_cards_usn on cards (usn);
CREATE INDEX ix_revlog_usn on revlog (usn);
CREATE INDEX ix_cards_nid on cards (nid);
CREATE INDEX ix_cards_sched on cards (did, queue, due);
CREATE INDEX ix_revlog_cid on revlog (cid);
CREATE INDEX ix_notes_csum on notes (csum);
`;

function collectionConf(deckId: number, modelId: number) {
  return {
    activeDecks: [deckId], curDeck: deckId, newSpread: 0, collapseTime: 1200, timeLim: 0, estTimes: true,
    dueCounts: true, curModel: modelId, nextPos: 1, sortType: "noteFld", sortBackwards: false, addToCur: true,
  };
}

function noteType(type: NoteTypeName, id: number, deckId: number) {
  const spec = NOTE_TYPES[type];
  const field = ({ name, id }: { name: string; id: number }, ord: number) => ({ name, id, ord, sticky: false, rtl: false, font: "Arial", size: 20, media: [] });
  return {
    // The definition's release time, not the build's (note-types.ts NOTE_TYPES_MOD).
    id, name: spec.name, type: spec.kind, mod: NOTE_TYPES_MOD, usn: -1, sortf: 0, did: deckId, tags: [], vers: [],
    flds: spec.fields.map(field),
    tmpls: spec.templates.map((t, ord) => ({ name: t.name, id: t.id, ord, qfmt: t.qfmt, afmt: t.afmt, bqfmt: "", bafmt: "", did: null, bfont: "", bsize: 0 })),
    css: CARD_CSS,
    latexPre: "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n\\usepackage[utf8]{inputenc}\n\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n\\setlength{\\parindent}{0in}\n\\begin{document}\n",
    latexPost: "\\end{document}",
    // Anki 2.1 (schema 11) reads which field each standard template needs from here; cloze ignores it.
    req: spec.templates.map((t, ord) => [ord, "any", [t.shows]]),
  };
}

function deck(id: number, name: string, now: number) {
  return {
    id, name, mod: now, usn: -1, desc: "", dyn: 0, conf: 1, collapsed: false, extendNew: 10, extendRev: 50,
    newToday: [0, 0], revToday: [0, 0], lrnToday: [0, 0], timeToday: [0, 0],
  };
}

/** Anki's default deck options, as genanki writes them. */
const DECK_OPTIONS = {
  id: 1, name: "Default", mod: 0, usn: 0, maxTaken: 60, autoplay: true, timer: 0, replayq: true, dyn: false,
  new: { bury: true, delays: [1, 10], initialFactor: 2500, ints: [1, 4, 7], order: 1, perDay: 20, separate: true },
  lapse: { delays: [10], leechAction: 0, leechFails: 8, minInt: 1, mult: 0 },
  rev: { bury: true, ease4: 1.3, fuzz: 0.05, ivlFct: 1, maxIvl: 36500, minSpace: 1, perDay: 100 },
};
