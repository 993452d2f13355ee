import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { audioSeconds, newSecret, readApkg, runDevServer, type McpPeer, type Running, type ToolResult } from "../../testing/function/harness";
import { aloneSeconds, aloneSecondsOf, clipsOf, expectOwnTexts, fakePollyClient, SPANISH } from "../../testing/function/own-texts";
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
    const clips = clipsOf(deck.notes, mediaDir);
    expect(clips.map((c) => c.front).sort()).toEqual(SPANISH.map((c) => c.front).sort());
    // The same words in two voices are two clips.
    for (const clip of clips) expect(clip.names[0]).not.toBe(clip.names[1]);
    expectOwnTexts("front", clips, await aloneSecondsOf(fake, dir, "Lucia", SPANISH.map((c) => c.front)));
    expectOwnTexts("back", clips, await aloneSecondsOf(fake, dir, "Joanna", SPANISH.map((c) => c.back)));
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
      pollyClient: fakePollyClient(fake),
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
      expect(Math.abs(after.get(card.front)! - (await aloneSeconds(fake, dir, "Joanna", card.front, "slow")))).toBeLessThanOrEqual(0.2);
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
