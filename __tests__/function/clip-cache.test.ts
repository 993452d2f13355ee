import { createHash } from "node:crypto";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { pruneOlderThan } from "../../lambda/src/dev-server";
import { clipCacheKey } from "../../lambda/src/storage/clip-cache";
import { VOICES, type Engine } from "../../lambda/src/tts/index";
import { PollySynthesizer } from "../../lambda/src/tts/polly";
import { readApkg, runDevServer, type McpPeer, type Running } from "../../testing/function/harness";

/**
 * The clip cache through the dev server, whose local S3 store (s3rver) holds it under clips/ as the
 * function's bucket does. Speech is the silent stand-in (a WAV as long as espeak-ng's would be): the
 * cache, not the voice, is under test, and reused clips are compared byte for byte.
 */
type Stats = { clips_spoken: number; clips_cached: number; characters_spoken: number; audio_clips: number; url: string };
const words = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ front: `${prefix} ${i}`, back: `${prefix} meaning ${i}` }));

// Each test builds decks through the dev server (speech, packaging, the preview's clips): seconds on
// a busy machine, so an explicit bound instead of jest's 5 s.
jest.setTimeout(60_000);

describe("the clip cache", () => {
  let run: Running;
  let client: McpPeer;
  let s3: S3Client;
  beforeAll(async () => {
    run = await runDevServer({ speech: "silent" });
    client = await run.client();
    s3 = new S3Client({ endpoint: run.dev.s3Endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }, requestChecksumCalculation: "WHEN_REQUIRED" });
  });
  afterAll(() => run.stop());
  const build = async (args: Record<string, unknown>): Promise<Stats> => {
    const result = await client.callTool({ name: "create_deck", arguments: args });
    if (result.isError) throw new Error(result.content[0]!.text);
    return result.structuredContent as unknown as Stats;
  };
  const cachedKeys = async () => ((await s3.send(new ListObjectsV2Command({ Bucket: run.dev.bucket, Prefix: "clips/" }))).Contents ?? []).map((o) => o.Key!);
  const deckAudio = async (url: string) => {
    const deck = readApkg(new Uint8Array(await (await fetch(url)).arrayBuffer()), run.dir);
    return Object.fromEntries(Object.entries(deck.media).map(([name, file]) => [name, file.size]));
  };

  it("speaks a deck once: a rebuild reuses every clip, and the deck has the same audio", async () => {
    const cards = words("cache", 6);
    const first = await build({ deck_name: "Cache", cards, audio: "both" });
    expect(first).toEqual(expect.objectContaining({ clips_spoken: 12, clips_cached: 0, audio_clips: 12 }));
    expect(first.characters_spoken).toBe(cards.reduce((n, c) => n + c.front.length + c.back.length, 0));
    const second = await build({ deck_name: "Cache", cards, audio: "both" });
    expect(second).toEqual(expect.objectContaining({ clips_spoken: 0, clips_cached: 12, characters_spoken: 0, audio_clips: 12 }));
    expect(await deckAudio(second.url)).toEqual(await deckAudio(first.url));
  });

  it("speaks exactly the card that changed", async () => {
    const cards = words("change", 5);
    await build({ deck_name: "Change", cards, audio: "front" });
    const edited = cards.map((c, i) => (i === 2 ? { ...c, front: "a changed front" } : c));
    expect(await build({ deck_name: "Change", cards: edited, audio: "front" })).toEqual(expect.objectContaining({
      clips_spoken: 1, clips_cached: 4, characters_spoken: "a changed front".length,
    }));
  });

  it.each([
    ["another engine", { engine: "standard" }],
    ["another language", { language: "en-GB" }],
  ])("misses with %s: the audio would differ", async (_label, change) => {
    const cards = words(`variant ${JSON.stringify(change)}`, 3);
    await build({ deck_name: "Variant", cards, audio: "front" });
    expect(await build({ deck_name: "Variant", cards, audio: "front", ...change })).toEqual(expect.objectContaining({ clips_spoken: 3, clips_cached: 0 }));
    expect(await build({ deck_name: "Variant", cards, audio: "front", ...change })).toEqual(expect.objectContaining({ clips_spoken: 0, clips_cached: 3 }));
  });

  it("re-speaks a corrupt or truncated cached clip instead of putting it in a deck, and mends it", async () => {
    const cards = words("corrupt", 2);
    await build({ deck_name: "Corrupt", cards, audio: "front" });
    const key = clipCacheKey("silent/wav/neural/en-US", "corrupt 0", "wav");
    const good = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: run.dev.bucket, Key: `clips/${key}` }))).Body!.transformToByteArray());
    const sha = createHash("sha256").update(good).digest("hex");
    // Truncated, with the whole clip's checksum: what an interrupted copy would leave.
    await s3.send(new PutObjectCommand({ Bucket: run.dev.bucket, Key: `clips/${key}`, Body: good.subarray(0, 100), Metadata: { sha256: sha } }));
    const rebuilt = await build({ deck_name: "Corrupt", cards, audio: "front" });
    expect(rebuilt).toEqual(expect.objectContaining({ clips_spoken: 1, clips_cached: 1 }));
    const audio = await deckAudio(rebuilt.url);
    expect(Object.values(audio).every((size) => size > 1000)).toBe(true);
    const mended = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: run.dev.bucket, Key: `clips/${key}` }))).Body!.transformToByteArray());
    expect(createHash("sha256").update(mended).digest("hex")).toBe(sha);
  });

  it("leaves whole objects when two builds speak the same texts at once", async () => {
    const cards = words("concurrent", 6);
    const [a, b] = await Promise.all([build({ deck_name: "Twin A", cards, audio: "front" }), build({ deck_name: "Twin B", cards, audio: "front" })]);
    expect(a.clips_spoken + a.clips_cached).toBe(6);
    expect(b.clips_spoken + b.clips_cached).toBe(6);
    for (const card of cards) {
      const object = await s3.send(new GetObjectCommand({ Bucket: run.dev.bucket, Key: `clips/${clipCacheKey("silent/wav/neural/en-US", card.front, "wav")}` }));
      const bytes = Buffer.from(await object.Body!.transformToByteArray());
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(object.Metadata!["sha256"]);
      expect(bytes.subarray(0, 4).toString()).toBe("RIFF");
    }
    expect(await build({ deck_name: "Twin C", cards, audio: "front" })).toEqual(expect.objectContaining({ clips_spoken: 0, clips_cached: 6 }));
  });

  it("lets the dev server prune its local store: decks past their links' lifetime, clips past the cache's days", async () => {
    const deck = await build({ deck_name: "Prune me", cards: words("prune", 1), audio: "front" });
    expect((await fetch(deck.url)).status).toBe(200);
    const hour = 3_600_000;
    expect(await pruneOlderThan(s3, run.dev.bucket, "decks/", hour)).toBe(0);
    const clipsBefore = (await cachedKeys()).length;
    expect(await pruneOlderThan(s3, run.dev.bucket, "decks/", hour, Date.now() + 2 * hour)).toBeGreaterThan(0);
    expect((await fetch(deck.url)).status).toBe(404);
    expect((await cachedKeys()).length).toBe(clipsBefore);
  });

  it("keeps its clips apart from the decks, under clips/", async () => {
    const keys = await cachedKeys();
    expect(keys.length).toBeGreaterThan(10);
    for (const key of keys) expect(key).toMatch(/^clips\/[0-9a-f]{64}\.wav$/);
  });
});

describe("cache keys", () => {
  it("change with everything that shapes Polly's audio, and only with that", () => {
    const polly = new PollySynthesizer();
    const key = (engine: Engine, language: string, text: string) => clipCacheKey(polly.audioIdentity({ voice: VOICES[language]!, engine, rate: "normal" }), text, "mp3");
    const base = key("neural", "en-US", "hello");
    expect(key("neural", "en-US", "hello")).toBe(base);
    expect(new Set([base, key("standard", "en-US", "hello"), key("generative", "en-US", "hello"), key("neural", "en-GB", "hello"), key("neural", "en-US", "hello!")]).size).toBe(5);
    // Dutch standard is Lotte, neural Laura: the voice is in the key, not just the language.
    expect(polly.audioIdentity({ voice: VOICES["nl-NL"]!, engine: "standard", rate: "normal" })).toContain("Lotte");
  });
});

describe("with the cache off", () => {
  it("speaks every clip every time", async () => {
    const run = await runDevServer({ clipCache: false, speech: "silent" });
    try {
      const client = await run.client();
      const args = { deck_name: "No cache", cards: words("off", 3), audio: "front" };
      for (let i = 0; i < 2; i++) {
        const result = await client.callTool({ name: "create_deck", arguments: args });
        expect(result.structuredContent).toEqual(expect.objectContaining({ clips_spoken: 3, clips_cached: 0 }));
      }
    } finally {
      await run.stop();
    }
  });
});
