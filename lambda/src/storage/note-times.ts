/**
 * What a deck's notes were last stamped with (deck/mod-times.ts), kept between builds: one small JSON
 * object per client and deck, in the deck bucket under its own prefix, expired by its own lifecycle
 * rule some time after the deck was last built.
 *
 * One object per deck, not one per note beside the clip cache: a build reads it once and writes it
 * once, where records per note would cost a request each (500 GETs for a full deck) for a few bytes
 * apiece. Keyed by client as well as deck name: two clients building decks of the same name study in
 * different collections, and one's changes must not make the other's unchanged notes look new.
 * A missing object (404, or 403 to a role that may not list the bucket) is a deck built for the first
 * time; any other failure throws, and the caller decides what is safe.
 */
import { createHash } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";

/** Per note GUID: the hash of its content and the `mod` (seconds) it was stamped with. */
export type RememberedNotes = Readonly<Record<string, readonly [hash: string, mod: number]>>;

export interface NoteTimesStore {
  /** The deck's remembered notes, or undefined when none are stored; throws when they cannot be read. */
  load(key: string, signal: AbortSignal): Promise<RememberedNotes | undefined>;
  /** Replaces them (one PUT: the object is whole or not there). */
  save(key: string, notes: RememberedNotes, signal: AbortSignal): Promise<void>;
}

/** The object name for a client's deck (as Anki shows its name). */
export function noteTimesKey(clientId: string, deckName: string): string {
  return `${createHash("sha256").update(`${clientId}\x1f${deckName}`).digest("hex")}.json`;
}

const STORED = z.object({
  version: z.literal(1),
  notes: z.record(z.string(), z.tuple([z.string(), z.number().int().positive()])),
});

/** Far above what a deck's state weighs (about 60 bytes a note); a bigger object is not ours. */
const MAX_STATE_BYTES = 4 * 1024 * 1024;

/** Thrown for an object that is there but is not a state this version wrote. */
export class UnreadableNoteTimesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnreadableNoteTimesError";
  }
}

export class S3NoteTimesStore implements NoteTimesStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** e.g. `note-times/`: the role may read and write only here. */
    private readonly prefix: string,
  ) {}

  async load(key: string, signal: AbortSignal): Promise<RememberedNotes | undefined> {
    let response;
    try {
      response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }), { abortSignal: signal });
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || status === 403) return undefined;
      throw error;
    }
    if ((response.ContentLength ?? 0) > MAX_STATE_BYTES) throw new UnreadableNoteTimesError(`state object is ${response.ContentLength} bytes`);
    const text = await response.Body!.transformToString("utf8");
    let parsed;
    try {
      parsed = STORED.safeParse(JSON.parse(text));
    } catch {
      throw new UnreadableNoteTimesError("state object is not JSON");
    }
    if (!parsed.success) throw new UnreadableNoteTimesError(`state object has another shape: ${parsed.error.issues[0]?.message ?? ""}`);
    return parsed.data.notes;
  }

  async save(key: string, notes: RememberedNotes, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify({ version: 1, notes });
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Body: body, ContentType: "application/json" }),
      { abortSignal: signal },
    );
  }
}
