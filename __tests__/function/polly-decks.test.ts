import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PollyClient, SynthesizeSpeechCommand } from "@aws-sdk/client-polly";
import { audioSeconds, newSecret, readApkg, runDevServer, type McpPeer, type ReadDeck, type Running, type ToolResult } from "../../testing/function/harness";
import { devOptionsFromEnv } from "../../lambda/src/dev-server";
import { ROOMY_QUOTAS } from "../../testing/polly-fake/limits";
import { startPollyFake, type PollyFake } from "../../testing/polly-fake/server";

/**
 * Decks built through Amazon Polly's code path (ANKIFY_DEV_SPEECH=polly) against the Polly fake,
 * read back with the independent Python reader: every clip says its own text — it lasts as long as
 * that text spoken alone, in that side's voice — and sits on its own card.
 */
const credentials = { AWS_ACCESS_KEY_ID: "AKIDFAKE", AWS_SECRET_ACCESS_KEY: "fake", AWS_REGION: "eu-west-1" };
const dir = mkdtempSync(join(tmpdir(), "ankify-polly-decks-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A Spanish → English vocabulary deck: texts of clearly different lengths, so each clip's length names its text. */
const SPANISH = [
  { front: "sí", back: "yes" },
  { front: "comer", back: "to eat" },
  { front: "el desayuno de los domingos", back: "Sunday breakfast" },
  { front: "¿Dónde está la estación de tren más cercana?", back: "Where is the nearest train station?" },
  { front: "Me gustaría reservar una mesa para cuatro personas esta noche, por favor.", back: "I would like to book a table for four people tonight, please." },
];

/** Seconds of `text` spoken alone by `voiceId`, in a request of its own. */
async function aloneSeconds(fake: PollyFake, voiceId: string, text: string, ssmlRate?: "slow"): Promise<number> {
  const client = new PollyClient({ endpoint: fake.url, region: "eu-west-1", credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" }, maxAttempts: 1 });
  const escaped = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const input = ssmlRate
    ? { Text: `<speak><prosody rate="${ssmlRate}"><s>${escaped}</s></prosody></speak>`, TextType: "ssml" as const }
    : { Text: text };
  const result = await client.send(new SynthesizeSpeechCommand({ ...input, VoiceId: voiceId as never, Engine: "neural", OutputFormat: "mp3" }));
  const file = join(dir, `alone-${Math.random().toString(36).slice(2)}.mp3`);
  writeFileSync(file, await result.AudioStream!.transformToByteArray());
  return audioSeconds(file);
}

/** Each card's front and back clip, as the deck stores them: the seconds each lasts. */
function clipsOf(deck: ReadDeck, mediaDir: string): Array<{ front: string; back: string; frontSeconds: number; backSeconds: number; names: [string, string] }> {
  const sound = (field: string) => /\[sound:([^\]]+)\]/.exec(field)![1]!;
  return deck.notes.map((note) => {
    const names: [string, string] = [sound(note.flds[0]!), sound(note.flds[1]!)];
    return {
      front: note.flds[0]!.replace(/\[sound:[^\]]+\]/, ""),
      back: note.flds[1]!.replace(/\[sound:[^\]]+\]/, ""),
      frontSeconds: audioSeconds(join(mediaDir, names[0])),
      backSeconds: audioSeconds(join(mediaDir, names[1])),
      names,
    };
  });
}

/**
 * Each clip is its own text's: within 0.2 s of it spoken alone, and nearer that than any text of a
 * clearly different length on the same side (the clip on the right card, roughly).
 */
function expectOwnTexts(side: "front" | "back", clips: ReturnType<typeof clipsOf>, alone: ReadonlyMap<string, number>) {
  for (const clip of clips) {
    const own = alone.get(clip[side])!;
    const seconds = side === "front" ? clip.frontSeconds : clip.backSeconds;
    expect({ text: clip[side], difference: Math.abs(seconds - own) <= 0.2 }).toEqual({ text: clip[side], difference: true });
    const nearer = [...alone].filter(([text, other]) => text !== clip[side] && Math.abs(other - own) > 0.4 && Math.abs(other - seconds) <= Math.abs(own - seconds));
    expect({ text: clip[side], nearer }).toEqual({ text: clip[side], nearer: [] });
  }
}

describe("decks through ANKIFY_DEV_SPEECH=polly (Polly's client configured by the SDK's AWS_ENDPOINT_URL_POLLY)", () => {
  let fake: PollyFake;
  let run: Running;
  let client: McpPeer;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    // nice: its espeak-ng and sox yield the CPU to the timing-sensitive suites running beside it.
    fake = await startPollyFake({ nice: 10, quotas: ROOMY_QUOTAS });
    // The dev server's settings as a user gives them; the client is made from the environment, as in Lambda.
    const env = { ...credentials, AWS_ENDPOINT_URL_POLLY: fake.url, ANKIFY_DEV_SPEECH: "polly", ANKIFY_ORIGIN_SECRET: newSecret(), ANKIFY_CLIENT_AUTH: "none" };
    for (const [name, value] of Object.entries(env)) [saved[name], process.env[name]] = [process.env[name], value];
    const parsed = devOptionsFromEnv(process.env);
    if ("problems" in parsed) throw new Error(parsed.problems.join("\n"));
    run = await runDevServer({ ...parsed.options, port: 0 });
    client = await run.client();
  });
  afterAll(async () => {
    await run?.stop();
    await fake?.close();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  it("speaks a Spanish → English deck in two voices, every clip its own text's, in one request per voice", async () => {
    const start = fake.log.length;
    const result = await client.callTool({ name: "create_deck", arguments: { deck_name: "Spanish", cards: SPANISH, language: "es-ES", back_language: "en-US", audio: "both" } }) as ToolResult;
    expect(result.isError).toBeUndefined();
    const out = result.structuredContent!;
    expect(out).toEqual(expect.objectContaining({ audio_clips: 10, clips_spoken: 10, clips_cached: 0 }));
    expect(out["characters_spoken"]).toBe(SPANISH.map((c) => c.front + c.back).join("").length);

    // One SSML request per voice: Lucia reads the fronts, Joanna the backs.
    const requests = fake.log.slice(start);
    expect(requests.map((r) => [r.voiceId, r.textType, r.status])).toEqual(expect.arrayContaining([["Lucia", "ssml", 200], ["Joanna", "ssml", 200]]));
    expect(requests).toHaveLength(2);
    expect(requests.find((r) => r.voiceId === "Lucia")!.sentences).toEqual(SPANISH.map((c) => c.front));
    expect(requests.find((r) => r.voiceId === "Joanna")!.sentences).toEqual(SPANISH.map((c) => c.back));

    const mediaDir = mkdtempSync(join(dir, "deck-"));
    const deck = readApkg(new Uint8Array(await (await fetch(out["url"] as string)).arrayBuffer()), mediaDir);
    const clips = clipsOf(deck, mediaDir);
    expect(clips.map((c) => c.front).sort()).toEqual(SPANISH.map((c) => c.front).sort());
    // The same words in two voices are two clips.
    for (const clip of clips) expect(clip.names[0]).not.toBe(clip.names[1]);
    const alone = async (voiceId: string, texts: string[]) => new Map(await Promise.all(texts.map(async (t) => [t, await aloneSeconds(fake, voiceId, t)] as const)));
    expectOwnTexts("front", clips, await alone("Lucia", SPANISH.map((c) => c.front)));
    expectOwnTexts("back", clips, await alone("Joanna", SPANISH.map((c) => c.back)));
  }, 120_000);
});

describe("speech_rate and back_language through the dev server (in-process, Polly through the fake)", () => {
  let fake: PollyFake;
  let run: Running;
  let client: McpPeer;
  beforeAll(async () => {
    fake = await startPollyFake({ nice: 10, quotas: ROOMY_QUOTAS });
    run = await runDevServer({
      speech: "polly",
      pollyClient: new PollyClient({ endpoint: fake.url, region: "eu-west-1", credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" }, maxAttempts: 1 }),
    });
    client = await run.client();
  });
  afterAll(async () => {
    await run.stop();
    await fake.close();
  });
  const build = async (args: Record<string, unknown>) => {
    const result = await client.callTool({ name: "create_deck", arguments: { deck_name: "Rates", ...args } });
    if (result.isError) throw new Error(result.content[0]!.text);
    return result.structuredContent as { url: string; clips_spoken: number; clips_cached: number };
  };

  it("speaks slowly on request: other clips (not the normal ones from the cache), each longer, then cached in turn", async () => {
    const cards = SPANISH.slice(2).map((c) => ({ front: c.back, back: c.front }));
    const normal = await build({ cards, audio: "front" });
    const slow = await build({ cards, audio: "front", speech_rate: "slow" });
    expect([normal.clips_spoken, slow.clips_spoken, slow.clips_cached]).toEqual([3, 3, 0]);
    expect(await build({ cards, audio: "front", speech_rate: "slow" })).toEqual(expect.objectContaining({ clips_spoken: 0, clips_cached: 3 }));
    const fronts = async (url: string) => {
      const mediaDir = mkdtempSync(join(dir, "rate-"));
      const deck = readApkg(new Uint8Array(await (await fetch(url)).arrayBuffer()), mediaDir);
      return new Map(deck.notes.map((n) => [n.flds[0]!.replace(/\[sound:[^\]]+\]/, ""), audioSeconds(join(mediaDir, /\[sound:([^\]]+)\]/.exec(n.flds[0]!)![1]!))]));
    };
    const [before, after] = [await fronts(normal.url), await fronts(slow.url)];
    for (const card of cards) {
      expect(after.get(card.front)!).toBeGreaterThan(before.get(card.front)! * 1.1);
      expect(Math.abs(after.get(card.front)! - (await aloneSeconds(fake, "Joanna", card.front, "slow")))).toBeLessThanOrEqual(0.2);
    }
  }, 120_000);

  it("checks each spoken side's language against the engine", async () => {
    const call = (args: Record<string, unknown>) => client.callTool({ name: "create_deck", arguments: { deck_name: "Check", cards: [{ front: "hola", back: "hello" }], engine: "generative", ...args } });
    // Japanese has no generative voice: refused when the back speaks Japanese, fine when only the front speaks.
    const refused = await call({ language: "es-ES", back_language: "ja-JP", audio: "both" });
    expect(refused.isError).toBe(true);
    expect(refused.content[0]!.text).toContain("Amazon Polly has no generative voice for ja-JP; use neural or standard");
    expect((await call({ language: "es-ES", back_language: "ja-JP", audio: "front" })).isError).toBeUndefined();
    const unknown = await call({ back_language: "xx-XX", audio: "back" });
    expect(unknown.isError).toBe(true);
    expect(unknown.content[0]!.text).toContain("back_language");
  }, 60_000);
});

describe("ANKIFY_DEV_SPEECH", () => {
  const base = { ANKIFY_ORIGIN_SECRET: "s".repeat(32), ANKIFY_CLIENT_AUTH: "none" };
  it("takes polly with a region (the SDK's AWS_REGION), and says what is missing without one", () => {
    expect(devOptionsFromEnv({ ...base, ANKIFY_DEV_SPEECH: "polly", AWS_REGION: "eu-west-1" })).toEqual({ options: expect.objectContaining({ speech: "polly" }) });
    expect(devOptionsFromEnv({ ...base, ANKIFY_DEV_SPEECH: "polly" })).toEqual({ problems: [expect.stringMatching(/^AWS_REGION is not set: ANKIFY_DEV_SPEECH=polly speaks through the AWS SDK/)] });
    expect(devOptionsFromEnv({ ...base, ANKIFY_DEV_SPEECH: "festival" })).toEqual({ problems: ['ANKIFY_DEV_SPEECH = "festival" must be espeak, silent or polly.'] });
  });
});
