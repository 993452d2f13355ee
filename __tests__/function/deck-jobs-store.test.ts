import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import type { DeckRequest } from "../../lambda/src/deck/create-deck";
import type { JobRecord } from "../../lambda/src/jobs/record";
import { JobConflictError, S3JobStore, updateJob } from "../../lambda/src/jobs/store";
import { FakeS3 } from "../../testing/fake-s3";
import { s3Client } from "../../testing/function/jobs";

/**
 * The job store's writes are conditional, so that concurrent writers (a worker's progress, a
 * cancellation from another execution environment, a duplicate worker) never lose one another's
 * changes: against S3's own conditions (FakeS3 follows the PutObject reference), and against
 * s3rver, which ignores them, through the store's own checks in one process.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver") as new (options: Record<string, unknown>) => { run(): Promise<{ port: number }>; close(): Promise<void> };

const request: DeckRequest = { deck_name: "Store", cards: [{ front: "a", back: "b" }], language: "en-US", audio: "front" };
const record = (id: string): JobRecord => ({
  version: 1, id, owner: "api-key:alice", state: "queued", progress: { done: 0, total: 100 }, createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 3_600_000).toISOString(), estimateSeconds: 10, requestId: "req", attempts: 0,
});
const ID = "7d9c1d3e-2f4a-4b5c-8d6e-0f1a2b3c4d5e";
const increment = (r: JobRecord): JobRecord => ({ ...r, progress: { ...r.progress, done: r.progress.done + 1 } });

describe("against S3's conditional writes (FakeS3)", () => {
  const s3 = new FakeS3();
  let store: S3JobStore;
  let other: S3JobStore;
  beforeAll(async () => {
    const url = await s3.start();
    store = new S3JobStore(s3Client(url), "decks", "jobs/");
    other = new S3JobStore(s3Client(url), "decks", "jobs/");
  });
  afterAll(() => s3.stop());

  it("creates a job once: a second create with the same id is a conflict, and the first stays", async () => {
    const id = "11111111-2222-4333-8444-555555555555";
    await store.create(record(id), request);
    await expect(other.create({ ...record(id), owner: "api-key:mallory" }, request)).rejects.toBeInstanceOf(JobConflictError);
    expect((await store.get(id))!.record.owner).toBe("api-key:alice");
    expect(await store.request(id)).toEqual(request);
    expect(s3.requests.filter((r) => r.endsWith(`${id}/record.json`) && r.startsWith("PutObject"))).toHaveLength(1);
  });

  it("replaces only the version that was read", async () => {
    const id = "21111111-2222-4333-8444-555555555555";
    const created = await store.create(record(id), request);
    const first = await store.replace(increment(created.record), created.version);
    await expect(other.replace({ ...created.record, cancelRequestedAt: new Date().toISOString() }, created.version)).rejects.toBeInstanceOf(JobConflictError);
    expect((await store.get(id))!).toEqual(first);
  });

  it("loses no write among many at once, from several stores (read, decide, write again on a lost race)", async () => {
    const id = "31111111-2222-4333-8444-555555555555";
    await store.create(record(id), request);
    await Promise.all(Array.from({ length: 8 }, (_, i) => updateJob(i % 2 ? store : other, id, increment)));
    expect((await store.get(id))!.record.progress.done).toBe(8);
  });

  it("reads S3's 409 ConditionalRequestConflict (two conditional writes in flight) as a lost race, and tries again", async () => {
    const id = "41111111-2222-4333-8444-555555555555";
    await store.create(record(id), request);
    s3.faults.push({ operation: "PutObject", error: { status: 409, code: "ConditionalRequestConflict", message: "A conflicting conditional operation is currently in progress against this resource." } });
    await updateJob(store, id, increment);
    expect((await store.get(id))!.record.progress.done).toBe(1);
  });

  it("finds no job for an id that is not one, without asking S3", async () => {
    const before = s3.requests.length;
    for (const id of ["", "../x", "jobs/7d9c1d3e", `${ID}/../${ID}`, ID.toUpperCase()]) expect(await store.get(id)).toBeUndefined();
    expect(s3.requests.length).toBe(before);
  });
});

describe("against s3rver (the dev server's store), which ignores the conditions", () => {
  let dir: string;
  let server: { close(): Promise<void> };
  let client: S3Client;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ankify-jobs-s3rver-"));
    const s3rver = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir, configureBuckets: [{ name: "local" }] });
    const { port } = await s3rver.run();
    server = s3rver;
    client = new S3Client({ endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }, requestChecksumCalculation: "WHEN_REQUIRED" });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("s3rver itself stores a PUT whose If-Match names another version (why the store checks)", async () => {
    const naive = new S3JobStore(client, "local", "naive/");
    const created = await naive.create(record(ID), request);
    await expect(naive.replace(increment(created.record), '"not-the-etag"')).resolves.toBeDefined();
  });

  it("with the store's own checks: the same guarantees as S3's, for every store in the process", async () => {
    const one = new S3JobStore(client, "local", "jobs/", { checkConditionsLocally: true });
    const two = new S3JobStore(client, "local", "jobs/", { checkConditionsLocally: true });
    const created = await one.create(record(ID), request);
    await expect(two.create(record(ID), request)).rejects.toBeInstanceOf(JobConflictError);
    await expect(two.replace(increment(created.record), '"not-the-etag"')).rejects.toBeInstanceOf(JobConflictError);
    await Promise.all(Array.from({ length: 8 }, (_, i) => updateJob(i % 2 ? one : two, ID, increment)));
    expect((await one.get(ID))!.record.progress.done).toBe(8);
  });

  it("reads a record whole while it is rewritten (s3rver can serve a write half done; the store reads under its lock)", async () => {
    const writer = new S3JobStore(client, "local", "whole/", { checkConditionsLocally: true });
    const reader = new S3JobStore(client, "local", "whole/", { checkConditionsLocally: true });
    await writer.create(record(ID), request);
    const WRITES = 15;
    let writing = true;
    const writes = (async () => {
      try {
        for (let i = 0; i < WRITES; i++) await updateJob(writer, ID, increment);
      } finally {
        writing = false;
      }
    })();
    // Reads back to back for as long as the writes go on: each must parse as a whole record.
    const seen: number[] = [];
    const reads = Array.from({ length: 2 }, async () => {
      while (writing) seen.push((await reader.get(ID))!.record.progress.done);
    });
    await Promise.all([writes, ...reads]);
    expect(seen.length).toBeGreaterThan(0);
    expect((await reader.get(ID))!.record.progress.done).toBe(WRITES);
  });
});
