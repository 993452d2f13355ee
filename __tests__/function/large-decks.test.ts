import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClientGate } from "../../lambda/src/access/client-auth";
import { loadConfig } from "../../lambda/src/config";
import { buildApkgOffThread } from "../../lambda/src/deck/build-off-thread";
import { createRequestHandler } from "../../lambda/src/handler";
import { MAX_DECK_CARDS, OutOfTimeError } from "../../lambda/src/limits";
import { readApkg } from "../../testing/function/harness";

/**
 * A deck's size is bounded in Anki cards, not only notes (one cloze note makes a card per deletion
 * number), and building a large one leaves the function free to serve everything else meanwhile:
 * keep-alive bytes, cancellations, deadlines and the next S3 call on a live connection.
 */
const dir = mkdtempSync(join(tmpdir(), "ankify-large-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A cloze note with `deletions` numbered deletions (c1…cN), about 10 characters each. */
const clozeText = (i: number, deletions: number) => Array.from({ length: deletions }, (_, n) => `{{c${n + 1}::${String.fromCharCode(97 + (n % 26))}}}`).join(" ") + ` ${i}`;
const clozeDeck = (notes: number, deletions: number) => ({ deck_name: "Large", note_type: "cloze", audio: "none", cards: Array.from({ length: notes }, (_, i) => ({ text: clozeText(i, deletions) })) });

function harness() {
  const saved: string[] = [];
  const config = loadConfig({ ANKIFY_ORIGIN_PROTECTION: "oac", ANKIFY_DECK_BUCKET: "b", ANKIFY_CLIENT_AUTH: "none", ANKIFY_TIME_BUDGET_SECONDS: "600" });
  const handle = createRequestHandler({
    config, clients: createClientGate(config.clientAuth, config.originProtection),
    synthesizer: { extension: "mp3", bytesPerCharacter: 1, concurrency: 1, synthesize: async () => new Uint8Array(1) },
    store: { save: async (key) => (saved.push(key), { url: "https://decks.example/d.apkg", expiresAt: new Date() }) },
  });
  const call = async (args: Record<string, unknown>) => {
    const response = await handle(new Request("https://ankify.test/mcp", {
      method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "create_deck", arguments: args } }),
    }));
    const text = await response.text();
    return (JSON.parse(text.startsWith("{") ? text : text.split("\n").find((line) => line.startsWith("data: "))!.slice(6)) as { result: { isError?: boolean; content: Array<{ text: string }>; structuredContent?: { card_count: number } } }).result;
  };
  return { call, saved };
}

/** Runs `work` while the main thread counts its turns; the longest pause between two, in ms, and the whole time. */
async function pausesDuring(work: () => Promise<unknown>): Promise<{ longest: number; total: number }> {
  let running = true;
  let last = performance.now();
  let longest = 0;
  const turn = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) setImmediate(turn);
  };
  const started = performance.now();
  setImmediate(turn);
  try {
    await work();
  } finally {
    running = false;
  }
  return { longest, total: performance.now() - started };
}

describe("the bound on Anki cards", () => {
  it("refuses 500 cloze notes of 89 deletions (44,500 cards) before anything is spoken or stored, saying how to fix it", async () => {
    const { call, saved } = harness();
    const result = await call(clozeDeck(500, 89));
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toMatch(
      new RegExp(`^This deck would have 44500 Anki cards \\(a cloze note makes one per deletion number\\); one deck may have at most ${MAX_DECK_CARDS}\\. Split the notes into several decks\\. \\(request [0-9a-f-]{36}\\)$`),
    );
    expect(saved).toEqual([]);
  }, 60_000);

  it(`builds the largest deck it allows: ${MAX_DECK_CARDS} cards`, async () => {
    const { call, saved } = harness();
    const result = await call(clozeDeck(500, MAX_DECK_CARDS / 500));
    expect(result.isError).toBeUndefined();
    expect(result.structuredContent!.card_count).toBe(MAX_DECK_CARDS);
    expect(saved).toHaveLength(1);
  }, 60_000);
});

describe("building a large deck leaves the main thread free", () => {
  it("never pauses the main thread for more than a small part of a large request's time", async () => {
    const { call } = harness();
    let cards = 0;
    const { longest, total } = await pausesDuring(async () => {
      cards = (await call(clozeDeck(500, MAX_DECK_CARDS / 500))).structuredContent!.card_count;
    });
    expect(cards).toBe(MAX_DECK_CARDS);
    // Measured against the request's own duration, so a slow machine slows both alike: validation
    // yields as it goes and the package is written on a worker thread, so no single stretch of the
    // main thread's work is more than a fraction of the whole (before: one stretch of 89 %).
    expect(longest / total).toBeLessThan(0.5);
  }, 60_000);

  it("writes a package on the worker that the independent reader opens", async () => {
    const notes = Array.from({ length: 3 }, (_, i) => ({ guid: `g${i}`, fields: [`front ${i}`, `back ${i}`], ords: [0] }));
    const path = join(dir, "worker.apkg");
    const bytes = await buildApkgOffThread({ deckName: "Worker", noteType: "basic", notes, media: [] }, { path, maxBytes: 1e8, signal: new AbortController().signal });
    expect(statSync(path).size).toBe(bytes);
    const deck = readApkg(readFileSync(path), dir);
    expect(deck.integrity).toBe("ok");
    expect(deck.notes.map((n) => n.flds)).toEqual([["front 0", "back 0"], ["front 1", "back 1"], ["front 2", "back 2"]]);
  }, 30_000);

  it("stops a build when its signal aborts (the worker is ended), and builds the next one on a fresh worker", async () => {
    const notes = Array.from({ length: 500 }, (_, i) => ({ guid: `g${i}`, fields: [clozeText(i, 80), ""], ords: Array.from({ length: 80 }, (_, n) => n) }));
    const stop = new AbortController();
    const building = buildApkgOffThread({ deckName: "Stopped", noteType: "cloze", notes, media: [] }, { path: join(dir, "stopped.apkg"), maxBytes: 1e9, signal: stop.signal });
    stop.abort();
    await expect(building).rejects.toBeInstanceOf(OutOfTimeError);
    const bytes = await buildApkgOffThread({ deckName: "Next", noteType: "basic", notes: [{ guid: "n", fields: ["a", "b"], ords: [0] }], media: [] }, { path: join(dir, "next.apkg"), maxBytes: 1e8, signal: new AbortController().signal });
    expect(bytes).toBeGreaterThan(0);
  }, 30_000);
});
