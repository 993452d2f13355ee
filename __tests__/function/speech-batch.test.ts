import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PollyClient } from "@aws-sdk/client-polly";
import { estimatedSeconds, planBatches, TARGET_AUDIO_SECONDS } from "../../lambda/src/tts/batch";
import { clipFileName, DeadlineError, synthesizeAll, VOICES, type Engine, type SpeechRate, type SpeechStyle } from "../../lambda/src/tts/index";
import { parseMp3 } from "../../lambda/src/tts/mp3";
import { POLLY_LIMITS, PollySynthesizer } from "../../lambda/src/tts/polly";
import { ssmlDocument } from "../../lambda/src/tts/ssml";
import { audioSeconds } from "../../testing/function/harness";
import { ROOMY_QUOTAS, type Rate } from "../../testing/polly-fake/limits";
import { startPollyFake, type PollyFake } from "../../testing/polly-fake/server";

/**
 * Batched speech against the Polly fake: real MP3 from espeak-ng and LAME, real silences, cut by
 * the function's own code. A clip is right when it lasts as long as its text spoken alone.
 */
const english = VOICES["en-US"]!;
const dir = mkdtempSync(join(tmpdir(), "ankify-batch-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pollyAt = (fake: PollyFake) =>
  new PollySynthesizer(new PollyClient({ endpoint: fake.url, region: "eu-west-1", credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" }, maxAttempts: 1 }));
const style = (voice = english, engine: Engine = "neural", rate: SpeechRate = "normal"): SpeechStyle => ({ voice, engine, rate });
let soloCount = 0;
/** Seconds of `text` spoken alone, in one request of its own. */
const soloSeconds = async (polly: PollySynthesizer, text: string, s = style()) => {
  const file = join(dir, `solo-${soloCount++}.mp3`);
  writeFileSync(file, await polly.synthesize(text, s, new AbortController().signal));
  return audioSeconds(file);
};
const speak = (polly: PollySynthesizer, texts: readonly string[], s = style(), deadline = Date.now() + 60_000) =>
  synthesizeAll(texts, s.voice, polly, { engine: s.engine, rate: s.rate, directory: mkdtempSync(join(dir, "clips-")), deadline });

describe("batched speech against the Polly fake", () => {
  let fake: PollyFake;
  let polly: PollySynthesizer;
  beforeAll(async () => {
    // nice: its espeak-ng and sox yield the CPU to the timing-sensitive suites running beside it.
    fake = await startPollyFake({ nice: 10, quotas: ROOMY_QUOTAS });
    polly = pollyAt(fake);
  });
  afterAll(() => fake.close());
  const since = (start: number) => fake.log.slice(start);

  it("speaks many texts in one request and cuts one clip per text, each as long as the text spoken alone", async () => {
    const texts = [
      "Hello.",
      "The quick brown fox jumps over the lazy dog.",
      "one",
      "What time is it, please?",
      "I would like a cup of coffee with milk and two sugars, thank you very much.",
      "Yes!",
      "Twenty-three thousand and four",
      "She sells sea shells by the sea shore, and the shells she sells are sea shells, I'm sure.",
    ];
    const start = fake.log.length;
    const { clips, requests, billedCharacters } = await speak(polly, texts);
    expect(requests).toBe(1);
    expect(since(start)).toEqual([expect.objectContaining({ textType: "ssml", status: 200, sentences: texts })]);
    expect(billedCharacters).toBe(texts.join("").length);

    const cut = texts.map((text) => audioSeconds(clips.get(text)!.path));
    const alone: number[] = [];
    for (const text of texts) alone.push(await soloSeconds(polly, text));
    expect(texts.filter((_, i) => Math.abs(cut[i]! - alone[i]!) > 0.2)).toEqual([]);
    for (const [i, text] of texts.entries()) {
      // The clip of each text is nearer its own text's length than that of any text of a clearly
      // different length: the right words, roughly.
      const nearer = texts.filter((_, j) => Math.abs(alone[j]! - alone[i]!) > 0.4 && Math.abs(alone[j]! - cut[i]!) <= Math.abs(alone[i]! - cut[i]!));
      expect({ text, nearer }).toEqual({ text, nearer: [] });
      // Whole MP3 frames, as the service sent them.
      expect(parseMp3(new Uint8Array(readFileSync(clips.get(text)!.path))).frames.length).toBeGreaterThan(10);
    }
  }, 60_000);

  it("keeps card text as text: escaped, spoken as written, billed as written", async () => {
    const texts = ["Peabody & Chambers", "1 < 2 > 0", 'She said "hi"', "it's l'eau", '<break time="10s"/>', "</s></speak><speak>", "&amp; stays &amp;"];
    const start = fake.log.length;
    const { clips, requests, billedCharacters } = await speak(polly, texts);
    expect(requests).toBe(1);
    expect(since(start)).toEqual([expect.objectContaining({ status: 200, sentences: texts, billedCharacters: texts.join("").length })]);
    expect(billedCharacters).toBe(texts.join("").length);
    const off: string[] = [];
    for (const text of texts) if (Math.abs(audioSeconds(clips.get(text)!.path) - (await soloSeconds(polly, text))) > 0.2) off.push(text);
    expect(off).toEqual([]);
  }, 60_000);

  it("speaks a batch text by text when its silences do not match its texts, and bills both", async () => {
    // "..." says nothing: two breaks run together and the request has two stretches of speech for three texts.
    const texts = ["the first text of three", "...", "and the third one"];
    const start = fake.log.length;
    const { clips, requests, billedCharacters } = await speak(polly, texts);
    expect(since(start).map((r) => [r.textType, r.sentences.length])).toEqual([["ssml", 3], ["text", 1], ["text", 1], ["text", 1]]);
    expect(requests).toBe(4);
    expect(billedCharacters).toBe(2 * texts.join("").length);
    expect([...clips.keys()].sort()).toEqual([...texts].sort());
    for (const text of [texts[0]!, texts[2]!]) {
      expect(Math.abs(audioSeconds(clips.get(text)!.path) - (await soloSeconds(polly, text)))).toBeLessThanOrEqual(0.2);
    }
  }, 60_000);

  it("speaks a deck in several requests side by side, none refused", async () => {
    // Requests of at most 20 s of speech (instead of two minutes), so a small deck needs several.
    const small = Object.assign(Object.create(polly) as PollySynthesizer, { batch: { ...polly.batch, limits: { ...POLLY_LIMITS, audioSeconds: 20 } } });
    const texts = Array.from({ length: 9 }, (_, i) => `Card ${i}: "it's" & <that> ${"la ".repeat(i)}`);
    const start = fake.log.length;
    const { clips, requests, billedCharacters } = await speak(small, texts);
    expect(clips.size).toBe(9);
    expect(billedCharacters).toBe(texts.join("").length);
    const made = since(start);
    expect(made.map((r) => r.status)).toEqual(made.map(() => 200));
    // The requests run side by side: in any order, one per planned batch.
    const planned = planBatches(texts, "normal", small.batch.limits);
    expect(made.map((r) => r.sentences)).toHaveLength(planned.length);
    expect(made.map((r) => r.sentences)).toEqual(expect.arrayContaining(planned));
    expect(requests).toBe(made.length);
    expect(requests).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it("speaks slowly when asked: longer clips, under another name, in SSML generative voices accept", async () => {
    const text = "Speaking slowly helps a learner hear every word.";
    const normal = await soloSeconds(polly, text);
    const slow = await soloSeconds(polly, text, style(english, "neural", "slow"));
    expect(slow).toBeGreaterThan(normal * 1.15);
    expect(clipFileName(text, style(english, "neural", "slow"), "mp3")).not.toBe(clipFileName(text, style(), "mp3"));
    expect(polly.audioIdentity(style(english, "neural", "slow"))).not.toBe(polly.audioIdentity(style()));

    // Generative voices take <prosody> only around whole sentences: a batch of them, slowly.
    const texts = [text, "Another sentence, also slow."];
    const { clips, requests } = await speak(polly, texts, style(english, "generative", "slow"));
    expect(requests).toBe(1);
    expect(fake.log.at(-1)).toEqual(expect.objectContaining({ voiceId: "Ruth", engine: "generative", status: 200 }));
    const slowAlone = await soloSeconds(polly, text, style(english, "generative", "slow"));
    expect(Math.abs(audioSeconds(clips.get(text)!.path) - slowAlone)).toBeLessThanOrEqual(0.2);
  }, 60_000);
});

describe("packing texts into requests", () => {
  const ssmlLength = (batch: readonly string[], rate: SpeechRate = "normal") => ssmlDocument(batch, rate).length;

  it("never exceeds 3,000 billed or 6,000 total characters, escapes included, and keeps every text once, in order", () => {
    // Escaping turns each ' into &apos;: the total, not the billed count, is what binds here.
    const quoted = Array.from({ length: 400 }, (_, i) => `'${i}' & "${i}" <${i}>`);
    const plain = Array.from({ length: 400 }, (_, i) => `plain text number ${i} with some more words in it`);
    for (const [texts, rate] of [[quoted, "normal"], [plain, "slow"]] as const) {
      const batches = planBatches(texts, rate, POLLY_LIMITS);
      expect(batches.flat()).toEqual(texts);
      for (const batch of batches) {
        expect(ssmlLength(batch, rate)).toBeLessThanOrEqual(6000);
        expect(batch.join("").length).toBeLessThanOrEqual(3000);
        expect(batch.reduce((sum, text) => sum + estimatedSeconds(text, rate), 0)).toBeLessThanOrEqual(TARGET_AUDIO_SECONDS);
      }
    }
  });

  it("packs a 500-card deck's 1,000 texts into at most one request per 20 texts, evenly", () => {
    const texts = Array.from({ length: 500 }, (_, i) => [`front number ${i}`, `back number ${i}`]).flat();
    const batches = planBatches(texts, "normal", POLLY_LIMITS);
    expect(batches.length).toBeLessThanOrEqual(1000 / 20);
    const sizes = batches.map((b) => b.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(Math.max(...sizes) * 0.25);
  });

  it("estimates CJK text slower than Latin text, and a slow rate slower still", () => {
    expect(estimatedSeconds("日本語の文です", "normal")).toBeGreaterThan(estimatedSeconds("abcdefg", "normal"));
    expect(estimatedSeconds("abcdefg", "slow")).toBeGreaterThan(estimatedSeconds("abcdefg", "normal"));
  });
});

describe("throttling from a limit shared with other environments", () => {
  /**
   * A fake whose quota clock stands still until `held` requests have arrived, then runs: what is
   * throttled at first does not depend on how fast the machine sends them.
   */
  const withFake = async (neural: Rate, run: (fake: PollyFake) => Promise<void>, held = 0) => {
    const clock = { now: 0 };
    const fake = await startPollyFake({ nice: 10, quotas: { ...ROOMY_QUOTAS, neural }, now: () => clock.now });
    let last = Date.now();
    const ticking = setInterval(() => {
      if (fake.log.length >= held) clock.now += Date.now() - last;
      last = Date.now();
    }, 10);
    try {
      await run(fake);
    } finally {
      clearInterval(ticking);
      await fake.close();
    }
  };
  const texts = (prefix: string) => [`${prefix} one`, `${prefix} two`, `${prefix} three`];

  it("costs three environments time, never a deck: all finish, throttled requests unbilled", async () => {
    await withFake({ perSecond: 2, burst: 1 }, async (fake) => {
      // Three synthesizers: three execution environments, each with its own pace, one account.
      const results = await Promise.all(["first", "second", "third"].map((prefix) => speak(pollyAt(fake), texts(prefix))));
      expect(results.map((r) => r.clips.size)).toEqual([3, 3, 3]);
      const stats = fake.stats();
      expect(stats.throttled).toBeGreaterThanOrEqual(2);
      expect(stats.synthesized).toBe(3);
      const billed = ["first", "second", "third"].flatMap(texts).join("").length;
      expect(stats.billedCharacters).toBe(billed);
      expect(results.reduce((sum, r) => sum + r.billedCharacters, 0)).toBe(billed);
    }, 3);
  }, 60_000);

  it("says Amazon Polly was busy when throttling takes all the time there was", async () => {
    await withFake({ perSecond: 0.01, burst: 1 }, async (fake) => {
      await speak(pollyAt(fake), ["the only token"]);
      const error = await speak(pollyAt(fake), ["no token left", "for this one"], style(), Date.now() + 1500).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeadlineError);
      expect((error as Error).message).toMatch(/^speech for 0 of 2 distinct texts finished before the time budget ran out: Amazon Polly was busy \(it turned away \d+ requests? for going over its rate limit\)$/);
      expect(fake.stats().synthesized).toBe(1);
    });
  }, 30_000);
});
