import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { localDeckStore } from "../../lambda/src/dev-server";
import { S3DeckStore } from "../../lambda/src/storage/s3";
import { FakeS3, S3_ERRORS } from "../../testing/fake-s3";
import { startStallProxy } from "../../testing/function/stall-proxy";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver") as new (options: Record<string, unknown>) => { run(): Promise<{ port: number }>; close(): Promise<void> };

/**
 * A deck is stored whole or not at all, and one bad moment at S3 does not throw away a deck whose
 * speech was already paid for.
 */
const dir = mkdtempSync(join(tmpdir(), "ankify-upload-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MB = 1024 * 1024;
/** A package-sized file of random bytes. */
function packageOf(bytes: number): { path: string; bytes: number; data: Buffer } {
  const data = randomBytes(bytes);
  const path = join(dir, `${bytes}-${Date.now()}.apkg`);
  writeFileSync(path, data);
  return { path, bytes, data };
}
const client = (endpoint: string, credentials = { accessKeyId: "AKIDTEST", secretAccessKey: "test" }) => new S3Client({
  endpoint, region: "eu-west-1", forcePathStyle: true, credentials, requestChecksumCalculation: "WHEN_REQUIRED",
});
const waitFor = async (check: () => boolean | Promise<boolean>, what: string) => {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
};

describe("uploads to S3 (a stand-in following S3's API and errors)", () => {
  let s3: FakeS3;
  let store: S3DeckStore;
  beforeEach(async () => {
    s3 = new FakeS3();
    store = new S3DeckStore(client(await s3.start()), "decks", 3600);
  });
  afterEach(() => s3.stop());
  const never = new AbortController().signal;

  it("retries the deck's PUT after one 503 SlowDown and stores it whole", async () => {
    const file = packageOf(256 * 1024);
    s3.faults.push({ operation: "PutObject", error: S3_ERRORS.SlowDown });
    const stored = await store.save("decks/d/deck.apkg", file, "deck.apkg", never);
    expect(stored.url).toContain("deck.apkg");
    expect(s3.requests.filter((r) => r.startsWith("PutObject"))).toHaveLength(2);
    expect(s3.objects.get("decks/decks/d/deck.apkg")!.body.equals(file.data)).toBe(true);
    expect(s3.objects.get("decks/decks/d/deck.apkg")!.contentDisposition).toBe('attachment; filename="deck.apkg"');
  }, 30_000);

  it("uploads a large package part by part, retrying a part S3 asks to slow down for", async () => {
    const file = packageOf(12 * MB);
    s3.faults.push({ operation: "UploadPart", partNumber: 2, error: S3_ERRORS.SlowDown });
    await store.save("decks/d/big.apkg", file, "big.apkg", never);
    expect(s3.requests.filter((r) => r === "UploadPart decks/d/big.apkg #2")).toHaveLength(2);
    expect(s3.objects.get("decks/decks/d/big.apkg")!.body.equals(file.data)).toBe(true);
    expect(s3.uploads.size).toBe(0);
  }, 30_000);

  it("aborts the multipart upload when a part fails for good: no parts are left behind", async () => {
    const file = packageOf(12 * MB);
    s3.faults.push({ operation: "UploadPart", partNumber: 2, error: S3_ERRORS.AccessDenied, times: 10 });
    await expect(store.save("decks/d/denied.apkg", file, "denied.apkg", never)).rejects.toThrow(/Access Denied/);
    expect(s3.requests).toContain("AbortMultipartUpload decks/d/denied.apkg");
    expect(s3.uploads.size).toBe(0);
    expect(s3.objects.has("decks/decks/d/denied.apkg")).toBe(false);
  }, 30_000);

  it("abandons an upload when its signal aborts (deadline or disconnect), aborting the multipart upload first", async () => {
    const file = packageOf(12 * MB);
    s3.faults.push({ operation: "UploadPart", partNumber: 2, stall: true });
    const stop = new AbortController();
    const saving = store.save("decks/d/stalled.apkg", file, "stalled.apkg", stop.signal);
    await waitFor(() => s3.requests.includes("UploadPart decks/d/stalled.apkg #2"), "part 2 to start");
    stop.abort(new Error("time is up"));
    await expect(saving).rejects.toThrow();
    // Settled only once the upload was aborted at S3: nothing is left for the bucket to keep.
    expect(s3.requests).toContain("AbortMultipartUpload decks/d/stalled.apkg");
    expect(s3.uploads.size).toBe(0);
    expect(s3.objects.has("decks/decks/d/stalled.apkg")).toBe(false);
  }, 30_000);
});

describe("the dev server's local store (s3rver)", () => {
  const BUCKET = "ankify-local";
  let server: { run(): Promise<{ port: number }>; close(): Promise<void> };
  let direct: S3Client;
  let endpoint: URL;
  beforeAll(async () => {
    server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: join(dir, "s3rver"), configureBuckets: [{ name: BUCKET }] });
    endpoint = new URL(`http://127.0.0.1:${(await server.run()).port}`);
    direct = client(endpoint.href, { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
  });
  afterAll(() => server.close());
  const keys = async (prefix = "") => ((await direct.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!);

  it("stores a deck under its key only, downloadable under its name", async () => {
    const store = localDeckStore(direct, BUCKET, 3600);
    const file = packageOf(300 * 1024);
    await store.save("decks/whole/deck.apkg", file, "Whole deck.apkg", new AbortController().signal);
    expect(await keys("decks/whole/")).toEqual(["decks/whole/deck.apkg"]);
    const object = await direct.send(new GetObjectCommand({ Bucket: BUCKET, Key: "decks/whole/deck.apkg" }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(file.data)).toBe(true);
    expect(object.ContentDisposition).toBe('attachment; filename="Whole deck.apkg"');
    expect((await keys()).filter((key) => !key.startsWith("decks/"))).toEqual([]);
  }, 30_000);

  it("leaves no truncated .apkg listed when the client disconnects during the upload", async () => {
    const proxy = await startStallProxy(endpoint, 512 * 1024);
    try {
      const store = localDeckStore(client(proxy.url, { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }), BUCKET, 3600);
      const file = packageOf(2 * MB);
      const client_ = new AbortController();
      const saving = store.save("decks/cut/deck.apkg", file, "deck.apkg", client_.signal);
      await proxy.stalled;
      // s3rver has started writing what it received.
      await waitFor(async () => (await keys()).some((key) => key !== "decks/whole/deck.apkg"), "the partial upload to appear in s3rver");
      client_.abort(new Error("the client disconnected"));
      await expect(saving).rejects.toThrow();
      await proxy.upstreamClosed;
      expect(await keys("decks/cut/")).toEqual([]);
    } finally {
      await proxy.close();
    }
  }, 30_000);
});
