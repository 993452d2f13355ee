import { createHash } from "node:crypto";
import type { DeckNote } from "../../lambda/src/deck/apkg";
import { MAX_REMEMBERED_NOTES, noteContentHash, openNoteTimes, stampNotes } from "../../lambda/src/deck/mod-times";
import { CARD_CSS, NOTE_TYPES, NOTE_TYPES_MOD, NOTE_TYPES_VERSION } from "../../lambda/src/deck/note-types";
import { noteTimesKey, UnreadableNoteTimesError, type NoteTimesStore, type RememberedNotes } from "../../lambda/src/storage/note-times";

const note = (guid: string, front: string, back = "b"): DeckNote => ({ guid, fields: [front, back], ords: [0], tags: ["t"] });
const T0 = 2_000_000_000;
const signal = new AbortController().signal;

/** The store interface kept in memory, recording what was asked of it. */
class MemoryStore implements NoteTimesStore {
  readonly objects = new Map<string, RememberedNotes>();
  saves = 0;
  constructor(private readonly failure?: Error) {}
  async load(key: string) {
    if (this.failure) throw this.failure;
    return this.objects.get(key);
  }
  async save(key: string, notes: RememberedNotes) {
    this.saves++;
    this.objects.set(key, notes);
  }
}

describe("note modification times", () => {
  it("stamp a first build with its time, then keep each unchanged note's stamp however often it is rebuilt", () => {
    const first = stampNotes([note("a", "hola"), note("b", "gato")], {}, T0);
    expect(first.notes.map((n) => n.mod)).toEqual([T0, T0]);
    expect(first.changed).toBe(2);
    const again = stampNotes([note("b", "gato"), note("a", "hola")], first.remembered, T0 + 86_400);
    expect(again.notes.map((n) => [n.guid, n.mod])).toEqual([["b", T0], ["a", T0]]);
    expect(again.changed).toBe(0);
  });

  it("stamp only the note whose content changed, later than it was ever stamped, even within the same second", () => {
    const first = stampNotes([note("a", "hola"), note("b", "gato")], {}, T0);
    const edited = stampNotes([note("a", "hola", "hi"), note("b", "gato")], first.remembered, T0);
    expect(edited.notes.map((n) => n.mod)).toEqual([T0 + 1, T0]);
    const later = stampNotes([note("a", "hola", "hello"), note("b", "gato")], edited.remembered, T0 + 100);
    expect(later.notes.map((n) => n.mod)).toEqual([T0 + 100, T0]);
  });

  it("count tags and cards as content, since Anki replaces them on update", () => {
    const base = note("a", "x");
    expect(noteContentHash({ ...base, tags: ["other"] })).not.toBe(noteContentHash(base));
    expect(noteContentHash({ ...base, ords: [0, 1] })).not.toBe(noteContentHash(base));
    expect(noteContentHash({ ...base, fields: ["x[sound:a.mp3]", "b"] })).not.toBe(noteContentHash(base));
    expect(noteContentHash({ ...base })).toBe(noteContentHash(base));
  });

  it("remember notes left out of a build, so a card that comes back unchanged keeps its stamp, forgetting the oldest beyond the cap", () => {
    const first = stampNotes([note("a", "x"), note("b", "y")], {}, T0);
    const without = stampNotes([note("a", "x")], first.remembered, T0 + 10);
    const back = stampNotes([note("a", "x"), note("b", "y")], without.remembered, T0 + 20);
    expect(back.notes.map((n) => n.mod)).toEqual([T0, T0]);

    const many: Record<string, readonly [string, number]> = {};
    for (let i = 0; i < MAX_REMEMBERED_NOTES; i++) many[`old${i}`] = ["h", T0 + i];
    const capped = stampNotes([note("new", "z")], many, T0 + 10 * MAX_REMEMBERED_NOTES);
    expect(Object.keys(capped.remembered)).toHaveLength(MAX_REMEMBERED_NOTES);
    expect(capped.remembered["new"]).toBeDefined();
    expect(capped.remembered["old0"]).toBeUndefined();
    expect(capped.remembered[`old${MAX_REMEMBERED_NOTES - 1}`]).toBeDefined();
  });

  it("read and remember through the store, once each per build, per client and deck", async () => {
    const store = new MemoryStore();
    const build = async (clientId: string, notes: DeckNote[], nowMs: number) => {
      const times = openNoteTimes(store, clientId, "Spanish", signal);
      const stamped = await times.stamp(notes, nowMs);
      await times.commit(signal);
      return stamped.map((n) => n.mod);
    };
    expect(await build("alice", [note("a", "hola")], T0 * 1000)).toEqual([T0]);
    expect(await build("alice", [note("a", "hola")], (T0 + 60) * 1000)).toEqual([T0]);
    // Another client's deck of the same name is another deck.
    expect(await build("bob", [note("a", "hola", "hi")], (T0 + 120) * 1000)).toEqual([T0 + 120]);
    expect(await build("alice", [note("a", "hola")], (T0 + 180) * 1000)).toEqual([T0]);
    expect(store.saves).toBe(4);
    expect([...store.objects.keys()].sort()).toEqual([noteTimesKey("alice", "Spanish"), noteTimesKey("bob", "Spanish")].sort());
  });

  it("fall back, when what was remembered cannot be read, to a stamp older than any build, and leave the store as it was", async () => {
    const store = new MemoryStore(new Error("S3 is down"));
    const times = openNoteTimes(store, "alice", "Spanish", signal);
    expect((await times.stamp([note("a", "hola")], T0 * 1000)).map((n) => n.mod)).toEqual([NOTE_TYPES_MOD]);
    await times.commit(signal);
    expect(store.saves).toBe(0);
  });

  it("fall back the same way without a store", async () => {
    const times = openNoteTimes(undefined, "alice", "Spanish", signal);
    expect((await times.stamp([note("a", "hola"), note("b", "y")], T0 * 1000)).map((n) => n.mod)).toEqual([NOTE_TYPES_MOD, NOTE_TYPES_MOD]);
    await expect(times.commit(signal)).resolves.toBeUndefined();
  });

  it("replace a stored object this version cannot read, rather than fall back for ever", async () => {
    const store = new MemoryStore(new UnreadableNoteTimesError("state object is not JSON"));
    const times = openNoteTimes(store, "alice", "Spanish", signal);
    expect((await times.stamp([note("a", "hola")], T0 * 1000)).map((n) => n.mod)).toEqual([T0]);
    await times.commit(signal);
    expect(store.saves).toBe(1);
  });
});

describe("the note types' version", () => {
  // Anki takes a note type's new templates or styling only from a package whose note type is newer
  // than its copy: a changed definition under the old stamp would never reach anyone. Changing one
  // means NOTE_TYPES_VERSION + 1 and NOTE_TYPES_MOD set to the release, then this pin.
  it("pins the definitions it stamps", () => {
    const definition = createHash("sha256").update(JSON.stringify({ NOTE_TYPES, CARD_CSS })).digest("hex").slice(0, 16);
    expect({ version: NOTE_TYPES_VERSION, mod: NOTE_TYPES_MOD, definition }).toEqual({ version: 1, mod: 1_795_996_800, definition: "ad95a15d81ec4dd5" });
  });
});
