/**
 * Writes an Anki package (.apkg, collection schema 11) that Anki 2.1+ imports: a zip of
 * `collection.anki2` (SQLite, built with sql.js: WebAssembly, no native addon), `media` (JSON map of
 * numbered entries to file names) and the media files named `0`, `1`, ...
 *
 * Note GUIDs and the deck and note-type ids are derived from names, so importing a new build of the
 * same deck updates its notes instead of duplicating them.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { strToU8, zipSync, type Zippable } from "fflate";
import initSqlJs, { type SqlJsStatic } from "sql.js";

export interface DeckNote {
  /** Front text (plain text; escaped into HTML here). */
  readonly front: string;
  readonly back: string;
  /** Media file names of audio for each side, played with `[sound:…]`. */
  readonly frontAudio?: string;
  readonly backAudio?: string;
}

export interface MediaFile {
  /** Bare, unique file name, e.g. `ankify-1f3a….mp3`. */
  readonly name: string;
  readonly data: Uint8Array;
}

export interface DeckInput {
  readonly deckName: string;
  readonly notes: readonly DeckNote[];
  readonly media: readonly MediaFile[];
  /** Creation time; defaults to now. */
  readonly now?: Date;
}

const MODEL_NAME = "Ankify Basic (front/back)";
const FIELD_SEPARATOR = "\x1f";

let sqlJs: Promise<SqlJsStatic> | undefined;

/** sql.js's wasm sits next to the bundle in the image, and in node_modules when run from source. */
function wasmPath(file: string): string {
  const bundled = join(__dirname, file);
  return existsSync(bundled) ? bundled : require.resolve(`sql.js/dist/${file}`);
}

function sql(): Promise<SqlJsStatic> {
  sqlJs ??= initSqlJs({ locateFile: wasmPath });
  return sqlJs;
}

/** A positive id that fits Anki's 64-bit integer columns and JavaScript's safe integers. */
export function stableId(...parts: string[]): number {
  const hex = createHash("sha256").update(parts.join(FIELD_SEPARATOR)).digest("hex").slice(0, 13);
  return 1_000_000_000_000 + (parseInt(hex, 16) % 8_000_000_000_000);
}

/** Note GUID: the same deck and front give the same GUID on every build. */
export function noteGuid(deckName: string, front: string): string {
  return createHash("sha256").update(`ankify${FIELD_SEPARATOR}${deckName}${FIELD_SEPARATOR}${front}`).digest("base64url").slice(0, 16);
}

/** Anki's first-field checksum: the first 8 hex digits of the SHA-1 of the stripped field, as an integer. */
export function fieldChecksum(text: string): number {
  return parseInt(createHash("sha1").update(stripHtml(text)).digest("hex").slice(0, 8), 16);
}

export function stripHtml(html: string): string {
  return html.replace(/<[^>]*>/g, "").replace(/&nbsp;/g, " ").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&").trim();
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/\r?\n/g, "<br>");
}

export async function buildApkg(input: DeckInput): Promise<Uint8Array> {
  const SQL = await sql();
  const db = new SQL.Database();
  try {
    const nowMs = (input.now ?? new Date()).getTime();
    const now = Math.floor(nowMs / 1000);
    const deckId = stableId("deck", input.deckName);
    const modelId = stableId("model", MODEL_NAME);

    db.exec(SCHEMA);
    db.run("INSERT INTO col VALUES (1, ?, ?, ?, 11, 0, 0, 0, ?, ?, ?, ?, '{}')", [
      now, nowMs, nowMs,
      JSON.stringify(collectionConf(deckId, modelId)),
      JSON.stringify({ [modelId]: noteType(modelId, deckId, now) }),
      JSON.stringify({ 1: deck(1, "Default", now), [deckId]: deck(deckId, input.deckName, now) }),
      JSON.stringify({ 1: DECK_OPTIONS }),
    ]);

    const insertNote = db.prepare("INSERT INTO notes VALUES (?, ?, ?, ?, -1, '', ?, ?, ?, 0, '')");
    const insertCard = db.prepare("INSERT INTO cards VALUES (?, ?, ?, 0, ?, -1, 0, 0, ?, 0, 0, 0, 0, 0, 0, 0, 0, '')");
    input.notes.forEach((note, i) => {
      const front = escapeHtml(note.front) + (note.frontAudio ? `[sound:${note.frontAudio}]` : "");
      const back = escapeHtml(note.back) + (note.backAudio ? `[sound:${note.backAudio}]` : "");
      const sortField = stripHtml(escapeHtml(note.front));
      // Ids only need to be unique within the package: Anki matches notes on import by GUID.
      insertNote.run([nowMs + i, noteGuid(input.deckName, note.front), modelId, now, front + FIELD_SEPARATOR + back, sortField, fieldChecksum(sortField)]);
      insertCard.run([nowMs + i, nowMs + i, deckId, now, i + 1]);
    });
    insertNote.free();
    insertCard.free();

    const files: Zippable = { "collection.anki2": db.export() };
    const mediaMap: Record<string, string> = {};
    input.media.forEach((file, i) => {
      mediaMap[String(i)] = file.name;
      // Audio is already compressed; deflating it again costs time for nothing.
      files[String(i)] = [file.data, { level: 0 }];
    });
    files["media"] = strToU8(JSON.stringify(mediaMap));
    return zipSync(files, { level: 6 });
  } finally {
    db.close();
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

function noteType(id: number, deckId: number, now: number) {
  const field = (name: string, ord: number) => ({ name, ord, sticky: false, rtl: false, font: "Arial", size: 20, media: [] });
  return {
    id, name: MODEL_NAME, type: 0, mod: now, usn: -1, sortf: 0, did: deckId, tags: [], vers: [],
    flds: [field("Front", 0), field("Back", 1)],
    tmpls: [{
      name: "Card 1", ord: 0, qfmt: "{{Front}}", afmt: "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}}",
      bqfmt: "", bafmt: "", did: null, bfont: "", bsize: 0,
    }],
    css: ".card { font-family: arial; font-size: 24px; text-align: center; color: black; background-color: white; }",
    latexPre: "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n\\usepackage[utf8]{inputenc}\n\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n\\setlength{\\parindent}{0in}\n\\begin{document}\n",
    latexPost: "\\end{document}",
    req: [[0, "any", [0]]],
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
