/**
 * A note's `mod` is when its content last changed, not when the deck was built. Anki (2.1.15 and
 * today's importer alike) updates a note it already has only from a package whose `mod` for it is
 * newer, and an update replaces the whole note: stamped with the build time, every rebuild of an
 * unchanged deck would overwrite what the learner changed in their cards.
 *
 * So each build remembers, per note GUID, the hash of the note's content and the stamp it got
 * (storage/note-times.ts). A note whose content is unchanged keeps its stamp: the learner's copy is as
 * new or newer, and Anki leaves it alone. A changed or new note is stamped with the build time, and
 * later than it was ever stamped before, so it updates even when rebuilt within the same second.
 *
 * Without what was remembered (no store, or it could not be read), every note is stamped
 * NOTE_TYPES_MOD, older than anything a build has stamped: Anki adds the notes it lacks and leaves the
 * ones it has as they are, so nothing a learner did is lost; a changed card reaches them with the
 * next build that can read the store (its content differs from what is remembered, so it is stamped
 * then). What was remembered is then left as it was.
 */
import { createHash } from "node:crypto";
import type { DeckNote } from "./apkg";
import { NOTE_TYPES_MOD } from "./note-types";
import { log } from "../log";
import { noteTimesKey, UnreadableNoteTimesError, type NoteTimesStore, type RememberedNotes } from "../storage/note-times";

/** Notes remembered per deck at most: those in the latest build, then the most recently changed others. */
export const MAX_REMEMBERED_NOTES = 5000;

/** Everything of a note that Anki would replace on update: its fields (media references included), tags and cards. */
export function noteContentHash(note: Pick<DeckNote, "fields" | "tags" | "ords">): string {
  const content = JSON.stringify([note.fields, note.tags ?? [], note.ords]);
  return createHash("sha256").update(content).digest("base64url").slice(0, 22);
}

export interface Stamped {
  /** The notes, in order, each with its `mod`. */
  readonly notes: DeckNote[];
  /** What to remember for the next build. */
  readonly remembered: RememberedNotes;
  /** Notes stamped with this build's time: new, or changed since they were last built. */
  readonly changed: number;
}

/** Stamps `notes` given what was remembered about the deck (nothing, for a first build). */
export function stampNotes(notes: readonly DeckNote[], previous: RememberedNotes, nowSeconds: number): Stamped {
  const next: Record<string, readonly [string, number]> = {};
  let changed = 0;
  const stamped = notes.map((note) => {
    const hash = noteContentHash(note);
    const before = previous[note.guid];
    let mod: number;
    if (before && before[0] === hash) mod = before[1];
    else {
      mod = Math.max(nowSeconds, before ? before[1] + 1 : 0);
      changed++;
    }
    next[note.guid] = [hash, mod];
    return { ...note, mod };
  });
  // Notes left out of this build are still in learners' collections: remembered, they keep their
  // stamp if the card comes back unchanged. The oldest are forgotten first.
  const others = Object.entries(previous)
    .filter(([guid]) => !(guid in next))
    .sort(([, a], [, b]) => b[1] - a[1])
    .slice(0, Math.max(0, MAX_REMEMBERED_NOTES - stamped.length));
  for (const [guid, entry] of others) next[guid] = entry;
  return { notes: stamped, remembered: next, changed };
}

export interface NoteTimes {
  /** The notes with their `mod`. */
  stamp(notes: readonly DeckNote[], nowMs: number): Promise<DeckNote[]>;
  /** Remembers the stamps of the last `stamp` (call once the deck is stored); never throws. */
  commit(signal: AbortSignal): Promise<void>;
  /** Resolves once the read has finished, however it ended. */
  settled(): Promise<void>;
}

/**
 * Starts reading what `store` remembers about a client's deck (the read runs while the deck is
 * built). Without a store, notes get the fallback stamp.
 */
export function openNoteTimes(store: NoteTimesStore | undefined, clientId: string, deckName: string, signal: AbortSignal): NoteTimes {
  const key = noteTimesKey(clientId, deckName);
  const loading: Promise<RememberedNotes | undefined> = store
    ? store.load(key, signal).then(
        (notes) => notes ?? {},
        (error: unknown) => {
          if (error instanceof UnreadableNoteTimesError) {
            // Not ours to read, and it would never become readable: replaced by this build's.
            log("warn", "note_times.unreadable", { key, message: error.message });
            return {};
          }
          if (!signal.aborted) log("warn", "note_times.read_failed", { key, message: (error as Error).message });
          return undefined;
        },
      )
    : Promise.resolve(undefined);
  let toRemember: RememberedNotes | undefined;
  return {
    async stamp(notes, nowMs) {
      const previous = await loading;
      if (previous === undefined) return notes.map((note) => ({ ...note, mod: NOTE_TYPES_MOD }));
      const stamped = stampNotes(notes, previous, Math.floor(nowMs / 1000));
      toRemember = stamped.remembered;
      return stamped.notes;
    },
    async commit(signal) {
      if (!store || !toRemember) return;
      try {
        await store.save(key, toRemember, signal);
      } catch (error) {
        // The deck is stored already. Next time its changed notes differ from what is remembered and
        // are stamped again, later: an update the learner already has, nothing lost.
        log("warn", "note_times.write_failed", { key, message: (error as Error).message });
      }
    },
    // Never rejects (loading handles its own failures): awaited when a deck ends early.
    settled: () => loading.then(() => undefined),
  };
}
