/**
 * Where deck jobs live: two objects per job under their own prefix of the deck bucket (its lifecycle
 * rule forgets them after a day) — the request, written once, and the record, rewritten as the job
 * moves. Several writers touch a record (the worker's progress, a cancellation from any execution
 * environment, a duplicate delivery of the worker's event), so every write is conditional: S3's
 * `If-None-Match: *` creates, `If-Match: <ETag>` replaces only what was read (PutObject; S3 has
 * supported both since 2024). A write that loses a race is read again and redone (`updateJob`).
 *
 * s3rver, the dev server's local S3, ignores both headers on PUT (3.7.1, lib/controllers/object.js),
 * and a read there can meet a write half done (where S3 shows an object whole or not at all), so
 * there the store makes the same checks itself and takes a lock per key for every read and write:
 * the dev server is the only writer of its store, so each is atomic within its process.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DeckRequest } from "../deck/create-deck";
import { parseRecord, type JobRecord, type Versioned } from "./record";

export interface JobStore {
  /** Stores a new job, its request first; throws JobConflictError if the id is taken. */
  create(record: JobRecord, request: DeckRequest, signal?: AbortSignal): Promise<Versioned>;
  /** The record as it is now, or undefined when there is none (or the id cannot be one). */
  get(id: string, signal?: AbortSignal): Promise<Versioned | undefined>;
  /** The job's request, or undefined when there is none. */
  request(id: string, signal?: AbortSignal): Promise<DeckRequest | undefined>;
  /** Replaces the record if it is still at `version`; throws JobConflictError if it is not. */
  replace(record: JobRecord, version: string, signal?: AbortSignal): Promise<Versioned>;
}

/** Someone else wrote first: read the record again and decide again. */
export class JobConflictError extends Error {
  constructor(id: string) {
    super(`job ${id} changed since it was read`);
    this.name = "JobConflictError";
  }
}

/** What a job id looks like (crypto.randomUUID): anything else names no job, and never reaches a key. */
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isJobId = (id: string): boolean => JOB_ID.test(id);

/**
 * Rounds of read, decide, write before giving up on a record many writers are racing for. A job has
 * a few writers at most (its worker, a cancellation, a duplicate delivery); after a lost race each
 * waits a little, at random, so they stop colliding.
 */
const MAX_ROUNDS = 10;
const BACKOFF_MS = 20;

/**
 * Reads the record, lets `change` decide what it becomes (undefined: leave it), and writes that only
 * if nobody wrote in between; on a lost race, again. Returns what the record is afterwards, or
 * undefined when there is no such job.
 */
export async function updateJob(store: JobStore, id: string, change: (record: JobRecord) => JobRecord | undefined, signal?: AbortSignal): Promise<Versioned | undefined> {
  for (let round = 1; ; round++) {
    const current = await store.get(id, signal);
    if (!current) return undefined;
    const next = change(current.record);
    if (!next) return current;
    try {
      return await store.replace(next, current.version, signal);
    } catch (error) {
      if (!(error instanceof JobConflictError) || round >= MAX_ROUNDS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * BACKOFF_MS * round));
    }
  }
}

export interface S3JobStoreOptions {
  /**
   * Check the write conditions here instead of asking the store to (for stores that ignore them,
   * like s3rver): correct only while this process is the store's only writer. @default false
   */
  readonly checkConditionsLocally?: boolean;
}

const status = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

export class S3JobStore implements JobStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** e.g. `jobs/`: the role may read and write only here. */
    private readonly prefix: string,
    private readonly options: S3JobStoreOptions = {},
  ) {}

  async create(record: JobRecord, request: DeckRequest, signal?: AbortSignal): Promise<Versioned> {
    await this.put(this.key(record.id, "request"), JSON.stringify(request), { IfNoneMatch: "*" }, record.id, signal);
    const version = await this.put(this.key(record.id, "record"), JSON.stringify(record), { IfNoneMatch: "*" }, record.id, signal);
    return { record, version };
  }

  async get(id: string, signal?: AbortSignal): Promise<Versioned | undefined> {
    const read = await this.read(id, "record", signal);
    return read && { record: parseRecord(read.text), version: read.etag };
  }

  async request(id: string, signal?: AbortSignal): Promise<DeckRequest | undefined> {
    const read = await this.read(id, "request", signal);
    return read && (JSON.parse(read.text) as DeckRequest);
  }

  async replace(record: JobRecord, version: string, signal?: AbortSignal): Promise<Versioned> {
    return { record, version: await this.put(this.key(record.id, "record"), JSON.stringify(record), { IfMatch: version }, record.id, signal) };
  }

  private key(id: string, part: "record" | "request"): string {
    return `${this.prefix}${id}/${part}.json`;
  }

  private async read(id: string, part: "record" | "request", signal?: AbortSignal): Promise<{ text: string; etag: string } | undefined> {
    if (!isJobId(id)) return undefined;
    if (this.options.checkConditionsLocally) return withKeyLock(`${this.bucket}/${this.key(id, part)}`, () => this.readNow(id, part, signal));
    return this.readNow(id, part, signal);
  }

  private async readNow(id: string, part: "record" | "request", signal?: AbortSignal): Promise<{ text: string; etag: string } | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(id, part) }), signal ? { abortSignal: signal } : {});
      return { text: await response.Body!.transformToString("utf8"), etag: response.ETag! };
    } catch (error) {
      // 403: a role that may not list the bucket is told "forbidden" for a key that is not there.
      if (status(error) === 404 || status(error) === 403) return undefined;
      throw error;
    }
  }

  /** One PUT under a condition; the new ETag. */
  private async put(key: string, body: string, condition: { IfNoneMatch: "*" } | { IfMatch: string }, id: string, signal?: AbortSignal): Promise<string> {
    const send = async (conditional: boolean) => {
      const response = await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: "application/json", ...(conditional ? condition : {}) }),
        signal ? { abortSignal: signal } : {},
      );
      return response.ETag!;
    };
    if (this.options.checkConditionsLocally) return withKeyLock(`${this.bucket}/${key}`, async () => {
      const current = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), signal ? { abortSignal: signal } : {})
        .then(async (response) => (await response.Body!.transformToString(), response.ETag), (error: unknown) => {
          if (status(error) === 404) return undefined;
          throw error;
        });
      if ("IfNoneMatch" in condition ? current !== undefined : current !== condition.IfMatch) throw new JobConflictError(id);
      return send(false);
    });
    try {
      return await send(true);
    } catch (error) {
      // 412: the condition failed; 409: another conditional write to the key was in flight; 404: an
      // If-Match on a key that is gone. Each means "read it again".
      if ([409, 412, 404].includes(status(error) ?? 0)) throw new JobConflictError(id);
      throw error;
    }
  }
}

/** Per-key locks of this process: each key's writes run one after another. */
const locks = new Map<string, Promise<unknown>>();

async function withKeyLock<T>(key: string, work: () => Promise<T>): Promise<T> {
  const before = locks.get(key) ?? Promise.resolve();
  const mine = before.catch(() => {}).then(work);
  const settled = mine.catch(() => {});
  locks.set(key, settled);
  try {
    return await mine;
  } finally {
    if (locks.get(key) === settled) locks.delete(key);
  }
}
