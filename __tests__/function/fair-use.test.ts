import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BusyError, FairUse, QuotaError, busyMessage, inHoursAndMinutes, nextUtcMidnight, quotaMessage } from "../../lambda/src/access/fair-use";
import { createClientGate } from "../../lambda/src/access/client-auth";
import { loadConfig } from "../../lambda/src/config";
import { createRequestHandler, REQUEST_ID_HEADER } from "../../lambda/src/handler";
import { runDeck } from "../../lambda/src/deck/run-deck";
import { FINISHING_RESERVE_SECONDS } from "../../lambda/src/limits";
import { MemoryUsageStore, type UsageStore } from "../../lambda/src/storage/usage-table";
import type { Synthesizer } from "../../lambda/src/tts/index";
import { farDeadline, until, useFakeClock } from "../../testing/function/clock";
import { GatedSynthesizer } from "../../testing/function/gated-speech";
import { newSecret, runDevServer } from "../../testing/function/harness";
import { MemoryClipCache, recordingDeckStore, startUsageTable, type UsageTable } from "../../testing/function/usage";

const dir = mkdtempSync(join(tmpdir(), "ankify-fair-use-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let table: UsageTable;
beforeAll(async () => (table = await startUsageTable()));
afterAll(() => table.stop());
afterEach(() => jest.useRealTimers());

const DAY = "2026-11-30";
const characters = (item: ReturnType<UsageTable["item"]>) => Number(item?.["characters"]?.N ?? 0);
/** A synthesizer that answers at once, with what it was asked recorded. */
const instant = (): Synthesizer & { spoken: string[] } => {
  const spoken: string[] = [];
  return { spoken, extension: "mp3", bytesPerCharacter: 100, concurrency: 4, audioIdentity: () => "instant", synthesize: async (text) => (spoken.push(text), new Uint8Array(32)) };
};

describe.each([
  ["in memory (the dev server)", () => new MemoryUsageStore() as UsageStore],
  ["in DynamoDB", () => table.store() as UsageStore],
])("the usage store %s", (_label, make) => {
  let client = 0;
  const fresh = () => `client-${++client}-${Math.random().toString(36).slice(2)}`;

  it("grants characters up to the limit exactly, and refuses the rest with what is used", async () => {
    const store = make();
    const who = fresh();
    expect(await store.reserve(who, DAY, 600, 1000)).toEqual({ granted: true, used: 600 });
    expect(await store.reserve(who, DAY, 401, 1000)).toEqual({ granted: false, used: 600 });
    expect(await store.reserve(who, DAY, 400, 1000)).toEqual({ granted: true, used: 1000 });
    expect(await store.reserve(who, DAY, 1, 1000)).toEqual({ granted: false, used: 1000 });
    expect(await store.used(who, "2026-12-01")).toBe(0);
  });

  it("refuses more than the whole limit even on an empty day, and counts nothing for it", async () => {
    const store = make();
    const who = fresh();
    expect(await store.reserve(who, DAY, 1001, 1000)).toEqual({ granted: false, used: 0 });
    expect(await store.used(who, DAY)).toBe(0);
  });

  it("takes back what a settlement refunds and counts decks and clips", async () => {
    const store = make();
    const who = fresh();
    await store.reserve(who, DAY, 900, 1000);
    expect(await store.settle(who, DAY, { refund: 300, decks: 1, clipsSpoken: 4, clipsCached: 2 })).toBe(600);
    expect(await store.reserve(who, DAY, 400, 1000)).toEqual({ granted: true, used: 1000 });
  });

  it("holds at most `max` slots, names the soonest expiry, and frees expired and released ones", async () => {
    const store = make();
    const who = fresh();
    const now = Date.parse(`${DAY}T12:00:00Z`);
    expect(await store.acquireSlot(who, "a", now + 60_000, 2, now)).toEqual({ granted: true });
    expect(await store.acquireSlot(who, "b", now + 30_000, 2, now)).toEqual({ granted: true });
    expect(await store.acquireSlot(who, "c", now + 90_000, 2, now)).toEqual({ granted: false, soonestExpiry: now + 30_000 });
    // b's deadline passed without a release (its environment crashed): its slot is free again.
    expect(await store.acquireSlot(who, "c", now + 90_000, 2, now + 30_001)).toEqual({ granted: true });
    await store.releaseSlot(who, "a");
    await store.releaseSlot(who, "never-held");
    expect(await store.acquireSlot(who, "d", now + 90_000, 2, now + 30_001)).toEqual({ granted: true });
    expect(await store.acquireSlot(who, "e", now + 90_000, 2, now + 30_001)).toEqual({ granted: false, soonestExpiry: now + 90_000 });
  });
});

describe("two execution environments sharing one table", () => {
  it("never spend past the limit together, and lose no count (60 requests at once)", async () => {
    const limit = 100_000;
    const environments = [new FairUse(table.store(), { dailyCharacters: limit, concurrency: 0 }), new FairUse(table.store(), { dailyCharacters: limit, concurrency: 0 })];
    const attempts = Array.from({ length: 60 }, (_, i) => environments[i % 2]!.resume("shared-quota", undefined));
    const granted = await Promise.all(attempts.map((allowance) => allowance.reserve(3_000).then(() => true, (error: unknown) => {
      if (error instanceof QuotaError) return false;
      throw error;
    })));
    // 33 × 3,000 fit in 100,000: every one of them was granted (no lost count), not one more (no double spend).
    expect(granted.filter(Boolean)).toHaveLength(33);
    expect(characters(table.item("shared-quota", `day#${new Date().toISOString().slice(0, 10)}`))).toBe(99_000);
    // Every build ends at once: the counts add up exactly.
    await Promise.all(attempts.filter((_, i) => granted[i]).map((allowance) => allowance.finish({ built: true, clipsCached: 1 })));
    const item = table.item("shared-quota", `day#${new Date().toISOString().slice(0, 10)}`)!;
    expect({ characters: item["characters"]!.N, decks: item["decks"]!.N, cached: item["clips_cached"]!.N }).toEqual({ characters: "99000", decks: "33", cached: "33" });
  });

  it("grant exactly the client's slots, however many builds start at once", async () => {
    const environments = [new FairUse(table.store(), { dailyCharacters: 0, concurrency: 2 }), new FairUse(table.store(), { dailyCharacters: 0, concurrency: 2 })];
    const deadline = Date.now() + 120_000;
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => environments[i % 2]!.acquire("two-slots", deadline)));
    const held = results.filter((r) => r.status === "fulfilled");
    expect(held).toHaveLength(2);
    for (const refused of results.filter((r): r is PromiseRejectedResult => r.status === "rejected")) {
      expect(refused.reason).toBeInstanceOf(BusyError);
      expect((refused.reason as BusyError).retryAfterSeconds).toBeGreaterThan(100);
      expect((refused.reason as BusyError).retryAfterSeconds).toBeLessThanOrEqual(120);
    }
    await (held[0] as PromiseFulfilledResult<Awaited<ReturnType<FairUse["acquire"]>>>).value.finish({ built: false });
    await expect(environments[1]!.acquire("two-slots", deadline)).resolves.toBeDefined();
  }, 30_000);
});

describe("what a refused client reads", () => {
  it("names the limit, what is left, and when it resets (ISO 8601 and in hours and minutes)", () => {
    const now = Date.parse("2026-11-30T18:48:00Z");
    expect(quotaMessage(12_345, 198_000, 200_000, now)).toBe(
      "This deck would send 12,345 characters to speech, but only 2,000 of your 200,000 characters for today are left. " +
        "The daily allowance resets at 2026-12-01T00:00:00.000Z (in 5 h 12 min). " +
        'Clips already spoken for earlier decks cost nothing, and audio: "none" needs no speech at all.',
    );
  });

  it.each([
    ["2026-11-30T23:59:59.500Z", "2026-12-01T00:00:00.000Z", "in 1 min"],
    ["2026-11-30T00:00:00.000Z", "2026-12-01T00:00:00.000Z", "in 24 h 0 min"],
    ["2026-12-31T22:00:30.000Z", "2027-01-01T00:00:00.000Z", "in 2 h 0 min"],
    ["2028-02-28T23:30:00.000Z", "2028-02-29T00:00:00.000Z", "in 30 min"],
  ])("at %s the day resets at %s, %s", (now, reset, inWords) => {
    const at = Date.parse(now);
    expect(nextUtcMidnight(at).toISOString()).toBe(reset);
    expect(inHoursAndMinutes(nextUtcMidnight(at).getTime() - at)).toBe(inWords);
  });

  it("says busy and when to retry", () => {
    expect(busyMessage(2, 45)).toBe("Busy: you already have 2 decks being built, the most one client may build at once. Retry in 45 s, or as soon as one of them has finished.");
    expect(busyMessage(1, 3)).toBe("Busy: you already have a deck being built, the most one client may build at once. Retry in 3 s, or as soon as it has finished.");
  });
});

describe("a build's slot is given back on every way out", () => {
  const cards = [{ front: "alpha", back: "one" }, { front: "beta", back: "two" }];
  const args = { deck_name: "Exit", cards, language: "en-US", audio: "front" as const };
  const deps = (fairUse: FairUse, synthesizer: Synthesizer, extra: Record<string, unknown> = {}) => ({
    synthesizer, store: recordingDeckStore(dir), deckPrefix: "decks/", deadline: farDeadline(), maxSpeechCharacters: 60_000,
    fairUse, client: `exit-${Math.random().toString(36).slice(2)}`, requestId: "req-1", ...extra,
  });
  /** With one slot, a leaked one makes the next build busy. */
  const slotIsFree = async (fairUse: FairUse, subject: string) => (await fairUse.acquire(subject, farDeadline())).finish({ built: false });
  const today = () => new Date().toISOString().slice(0, 10);

  it("after a deck that was built: charged exactly what it spoke", async () => {
    const fairUse = new FairUse(table.store(), { dailyCharacters: 10_000, concurrency: 1 });
    const d = deps(fairUse, instant());
    const { result, charactersLeftToday } = await runDeck(args, d);
    expect(result.characters_spoken).toBe("alphabeta".length);
    expect(charactersLeftToday).toBe(10_000 - 9);
    expect(characters(table.item(d.client!, `day#${today()}`))).toBe(9);
    await slotIsFree(fairUse, d.client!);
  });

  it("after a tool error: nothing kept back beyond what was spoken", async () => {
    const fairUse = new FairUse(table.store(), { dailyCharacters: 10_000, concurrency: 1 });
    const d = { ...deps(fairUse, instant()), store: recordingDeckStore(dir, () => new Error("S3 is down")) };
    await expect(runDeck(args, d)).rejects.toThrow("S3 is down");
    // Both clips were spoken (and billed) before the upload failed: charged.
    expect(characters(table.item(d.client!, `day#${today()}`))).toBe(9);
    await slotIsFree(fairUse, d.client!);
  });

  it("after an exception in speech: the unspoken characters go back", async () => {
    const fairUse = new FairUse(table.store(), { dailyCharacters: 10_000, concurrency: 1 });
    const broken: Synthesizer = { ...instant(), concurrency: 1, synthesize: async (text) => {
      if (text === "beta") throw new TypeError("the voice broke");
      return new Uint8Array(8);
    } };
    const d = deps(fairUse, broken);
    await expect(runDeck(args, d)).rejects.toThrow("the voice broke");
    expect(characters(table.item(d.client!, `day#${today()}`))).toBe("alpha".length);
    await slotIsFree(fairUse, d.client!);
  });

  it("after a refusal for the daily limit: nothing spoken, nothing charged", async () => {
    const fairUse = new FairUse(table.store(), { dailyCharacters: 1_000, concurrency: 1 });
    const synthesizer = instant();
    const d = deps(fairUse, synthesizer);
    await table.store().reserve(d.client!, today(), 995, 1_000);
    await expect(runDeck(args, d)).rejects.toThrow(QuotaError);
    expect(synthesizer.spoken).toEqual([]);
    expect(characters(table.item(d.client!, `day#${today()}`))).toBe(995);
    await slotIsFree(fairUse, d.client!);
  });

  it("after a cancellation mid-speech: charged for the clip that was spoken, not the one that was not", async () => {
    const fairUse = new FairUse(table.store(), { dailyCharacters: 10_000, concurrency: 1 });
    const gated = new GatedSynthesizer(1);
    const cancel = new AbortController();
    const d = deps(fairUse, Object.assign(gated, { audioIdentity: undefined }), { cancel: cancel.signal });
    const running = runDeck(args, d);
    await until(() => gated.inFlight === 1, "the first clip to start");
    gated.release();
    await until(() => gated.inFlight === 1 && gated.started.length === 2, "the second clip to start");
    cancel.abort(new Error("cancelled by the client"));
    await expect(running).rejects.toThrow("cancelled");
    expect(characters(table.item(d.client!, `day#${today()}`))).toBe("alpha".length);
    await slotIsFree(fairUse, d.client!);
  }, 30_000);

  it("after the time budget ran out mid-speech: the same", async () => {
    useFakeClock();
    const fairUse = new FairUse(table.store(), { dailyCharacters: 10_000, concurrency: 1 });
    const gated = new GatedSynthesizer(1);
    const d = deps(fairUse, gated, { deadline: Date.now() + FINISHING_RESERVE_SECONDS * 1000 + 2_000 });
    const running = runDeck(args, d);
    running.catch(() => undefined);
    await until(() => gated.inFlight === 1, "the first clip to start");
    gated.release();
    await until(() => gated.started.length === 2, "the second clip to start");
    jest.advanceTimersByTime(2_001);
    await expect(running).rejects.toThrow("time budget");
    jest.useRealTimers();
    expect(characters(table.item(d.client!, `day#${today()}`))).toBe("alpha".length);
    await slotIsFree(fairUse, d.client!);
  }, 30_000);
});

describe("through the MCP endpoint", () => {
  const secret = newSecret();
  function endpoint(fairUse: FairUse, synthesizer: Synthesizer) {
    const config = loadConfig({ ANKIFY_ORIGIN_PROTECTION: "secret-header", ANKIFY_ORIGIN_SECRET: secret, ANKIFY_DECK_BUCKET: "b", ANKIFY_CLIENT_AUTH: "none" });
    const handle = createRequestHandler({
      config, synthesizer, fairUse, clipCache: new MemoryClipCache(), store: recordingDeckStore(dir), clients: createClientGate(config.clientAuth, config.originProtection),
    });
    let id = 0;
    return async (args: Record<string, unknown>) => {
      const response = await handle(new Request("https://ankify.test/mcp", {
        method: "POST",
        headers: { "x-origin-verify": secret, "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method: "tools/call", params: { name: "create_deck", arguments: args } }),
      }));
      // A deck call streams (SSE) to a client that reads streams: the result is the data line.
      const text = await response.text();
      const json = text.startsWith("{") ? text : text.split("\n").find((line) => line.startsWith("data: "))!.slice(6);
      const body = JSON.parse(json) as { result: { isError?: boolean; content: Array<{ text: string }>; structuredContent?: Record<string, number> } };
      return { ...body.result, requestId: response.headers.get(REQUEST_ID_HEADER)! };
    };
  }

  it("reports characters_left_today; cached clips cost nothing; a deck over what is left is refused before speech", async () => {
    const synthesizer = instant();
    const call = endpoint(new FairUse(new MemoryUsageStore(), { dailyCharacters: 1_000, concurrency: 2 }), synthesizer);
    const cards = Array.from({ length: 10 }, (_, i) => ({ front: `word number ${i}`.padEnd(40, "."), back: "b" }));
    const first = await call({ deck_name: "Quota", cards });
    expect(first.structuredContent).toEqual(expect.objectContaining({ characters_spoken: 400, characters_left_today: 600 }));
    expect(first.content[0]!.text).toContain("600 characters of speech left today (UTC).");
    const again = await call({ deck_name: "Quota", cards });
    expect(again.structuredContent).toEqual(expect.objectContaining({ clips_spoken: 0, clips_cached: 10, characters_spoken: 0, characters_left_today: 600 }));
    const spokenBefore = synthesizer.spoken.length;
    const more = Array.from({ length: 20 }, (_, i) => ({ front: `another word ${i}`.padEnd(40, "."), back: "b" }));
    const refused = await call({ deck_name: "Too much", cards: more });
    expect(refused.isError).toBe(true);
    expect(refused.content[0]!.text).toMatch(
      /^This deck would send 800 characters to speech, but only 600 of your 1,000 characters for today are left\. The daily allowance resets at \d{4}-\d\d-\d\dT00:00:00\.000Z \(in (\d+ h )?\d+ min\)\. .* \(request [0-9a-f-]{36}\)$/,
    );
    expect(refused.content[0]!.text).toContain(`(request ${refused.requestId})`);
    expect(synthesizer.spoken.length).toBe(spokenBefore);
  });

  it("answers a third build at once with busy and when to retry, and takes the next once one has finished", async () => {
    const gated = new GatedSynthesizer(1);
    const call = endpoint(new FairUse(new MemoryUsageStore(), { dailyCharacters: 0, concurrency: 2 }), Object.assign(gated, { audioIdentity: undefined }));
    const building = [call({ deck_name: "One", cards: [{ front: "one", back: "x" }] }), call({ deck_name: "Two", cards: [{ front: "two", back: "x" }] })];
    await until(() => gated.started.length === 2, "two builds to be speaking");
    const third = await call({ deck_name: "Three", cards: [{ front: "three", back: "x" }] });
    expect(third.isError).toBe(true);
    expect(third.content[0]!.text).toMatch(/^Busy: you already have 2 decks being built, the most one client may build at once\. Retry in \d+ s, or as soon as one of them has finished\. \(request [0-9a-f-]{36}\)$/);
    // The two builds race to speech; a release finishes the clip of whichever asked first.
    const first = gated.started[0] === "one" ? 0 : 1;
    gated.release();
    expect((await building[first]!).isError).toBeUndefined();
    const fourth = call({ deck_name: "Four", cards: [{ front: "four", back: "x" }] });
    await until(() => gated.started.length === 3, "the fourth build to be speaking");
    gated.open();
    expect((await fourth).isError).toBeUndefined();
    expect((await building[1 - first]!).isError).toBeUndefined();
  }, 30_000);
});

describe("the dev server", () => {
  it("keeps the same counts in its own memory: a client over its day is refused", async () => {
    const run = await runDevServer({ speech: "silent", clientDailyCharacters: 1_000 });
    try {
      const client = await run.client();
      const cards = Array.from({ length: 30 }, (_, i) => ({ front: `card ${i}`.padEnd(30, "."), back: "b" }));
      const first = await client.callTool({ name: "create_deck", arguments: { deck_name: "Dev one", cards } });
      expect(first.structuredContent).toEqual(expect.objectContaining({ characters_spoken: 900, characters_left_today: 100 }));
      const second = await client.callTool({ name: "create_deck", arguments: { deck_name: "Dev two", cards: cards.map((c) => ({ ...c, front: `${c.front}!` })) } });
      expect(second.isError).toBe(true);
      expect(second.content[0]!.text).toContain("but only 100 of your 1,000 characters for today are left");
    } finally {
      await run.stop();
    }
  }, 60_000);
});
