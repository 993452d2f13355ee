import { join } from "node:path";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { EspeakSynthesizer } from "../../lambda/src/tts/espeak";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PollyClient } from "@aws-sdk/client-polly";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { clipFileName, DeadlineError, engineProblem, ENGINES, POLLY_RATES, synthesizeAll, ThrottledError, TransientSpeechError, VOICES, type Engine, type SpeechStyle, type Synthesizer, type Voice } from "../../lambda/src/tts/index";
import { PollySynthesizer } from "../../lambda/src/tts/polly";
import { farDeadline } from "../../testing/function/clock";
import { audioSeconds } from "../../testing/function/harness";

const english = VOICES["en-US"]!;
const style = (voice: Voice, engine: Engine = "neural"): SpeechStyle => ({ voice, engine, rate: "normal" });
/** Where synthesizeAll writes the clips of these tests. */
const clipDir = mkdtempSync(join(tmpdir(), "ankify-clips-test-"));
afterAll(() => rmSync(clipDir, { recursive: true, force: true }));

/**
 * A synthesizer with scripted behaviour (latency, throttling) that records what it was asked and
 * how many calls overlapped: the scheduler's behaviour is what is under test.
 */
class ScriptedSynthesizer implements Synthesizer {
  readonly extension = "mp3";
  readonly bytesPerCharacter = 100;
  calls: string[] = [];
  running = 0;
  maxRunning = 0;
  constructor(
    readonly concurrency: number,
    private readonly latencyMs: number,
    private readonly throttleFirst = new Map<string, number>(),
    private readonly failWith: (text: string) => Error = () => new ThrottledError(),
  ) {}
  async synthesize(text: string, _style: SpeechStyle, signal: AbortSignal): Promise<Uint8Array> {
    this.calls.push(text);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      await new Promise<void>((resolve, reject) => {
        // One signal serves every clip of a request: leave no listener behind.
        const onAbort = () => { clearTimeout(timer); reject(new Error("aborted")); };
        const timer = setTimeout(() => { signal.removeEventListener("abort", onAbort); resolve(); }, this.latencyMs);
        signal.addEventListener("abort", onAbort, { once: true });
      });
      const left = this.throttleFirst.get(text) ?? 0;
      if (left > 0) {
        this.throttleFirst.set(text, left - 1);
        throw this.failWith(text);
      }
      return new TextEncoder().encode(`audio:${text}`);
    } finally {
      this.running--;
    }
  }
}

describe("synthesizeAll", () => {
  it("speaks each distinct text once and names clips by text and voice", async () => {
    const synth = new ScriptedSynthesizer(3, 5);
    const { clips, requests, billedCharacters } = await synthesizeAll(["a", "b", "a", "c", "b"], english, synth, { directory: clipDir, deadline: farDeadline() });
    expect(synth.calls.sort()).toEqual(["a", "b", "c"]);
    expect([...clips.keys()].sort()).toEqual(["a", "b", "c"]);
    expect([requests, billedCharacters]).toEqual([3, 3]);
    expect(clips.get("a")!.fileName).toBe(clipFileName("a", style(english), "mp3"));
    expect(clipFileName("a", style(english), "mp3")).not.toBe(clipFileName("a", style(VOICES["es-ES"]!), "mp3"));
    expect(readFileSync(clips.get("c")!.path, "utf8")).toBe("audio:c");
    expect(clips.get("c")!.path).toBe(join(clipDir, clips.get("c")!.fileName));
    expect(clips.get("c")!.bytes).toBe(7);
  });

  it("never runs more calls at once than the synthesizer allows", async () => {
    const synth = new ScriptedSynthesizer(4, 10);
    await synthesizeAll(Array.from({ length: 30 }, (_, i) => `t${i}`), english, synth, { directory: clipDir, deadline: farDeadline() });
    expect(synth.calls).toHaveLength(30);
    expect(synth.maxRunning).toBe(4);
  });

  it("paces starts to the synthesizer's rate limit, whatever its concurrency", async () => {
    // Jest's fake clock: the pacing is checked on virtual time, not measured.
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const starts: number[] = [];
      const paced: Synthesizer = {
        extension: "mp3",
        bytesPerCharacter: 100,
        // As many calls in flight as texts: every start is scheduled at once, whatever the clip writes take.
        concurrency: 9,
        rates: { neural: 4 },
        synthesize: async () => { starts.push(Date.now()); return new Uint8Array(1); },
      };
      const done = synthesizeAll(Array.from({ length: 9 }, (_, i) => `t${i}`), english, paced, { directory: clipDir, deadline: Date.now() + 60_000 });
      await jest.advanceTimersByTimeAsync(5_000);
      expect((await done).clips.size).toBe(9);
      expect(starts.map((t) => t - 1_000_000)).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
    } finally {
      jest.useRealTimers();
    }
  });

  it("retries throttled texts with backoff until they succeed", async () => {
    const synth = new ScriptedSynthesizer(2, 1, new Map([["x", 2], ["y", 1]]));
    const { clips, requests } = await synthesizeAll(["x", "y", "z"], english, synth, { directory: clipDir, deadline: farDeadline(), backoffMs: 5 });
    expect(clips.size).toBe(3);
    // Throttled requests are not billed: three that returned audio.
    expect(requests).toBe(3);
    expect(synth.calls.filter((t) => t === "x")).toHaveLength(3);
    expect(synth.calls.filter((t) => t === "y")).toHaveLength(2);
  });

  it("keeps retrying throttling past the retry limit: the limit is shared and passes", async () => {
    const synth = new ScriptedSynthesizer(1, 1, new Map([["x", 10]]));
    const { clips } = await synthesizeAll(["x"], english, synth, { directory: clipDir, deadline: farDeadline(), backoffMs: 1, retries: 2 });
    expect(clips.size).toBe(1);
    expect(synth.calls).toHaveLength(11);
  });

  it("gives up on other transient failures after the retry limit", async () => {
    const synth = new ScriptedSynthesizer(1, 1, new Map([["x", 10]]), () => new TransientSpeechError("503"));
    await expect(synthesizeAll(["x"], english, synth, { directory: clipDir, deadline: farDeadline(), backoffMs: 1, retries: 2 })).rejects.toThrow("503");
    expect(synth.calls).toHaveLength(3);
  });

  it("says the service was busy when throttling used up the time", async () => {
    const synth = new ScriptedSynthesizer(1, 1, new Map([["x", 1_000]]), () => new ThrottledError("throttled", "Amazon Polly"));
    const error = await synthesizeAll(["x", "y"], english, synth, { directory: clipDir, deadline: Date.now() + 300, backoffMs: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineError);
    expect((error as Error).message).toMatch(/^speech for 0 of 2 distinct texts finished before the time budget ran out: Amazon Polly was busy \(it turned away \d+ requests? for going over its rate limit\)$/);
  });

  it("stops at the deadline with a DeadlineError saying how far it got", async () => {
    const synth = new ScriptedSynthesizer(2, 40);
    const texts = Array.from({ length: 20 }, (_, i) => `t${i}`);
    const error = await synthesizeAll(texts, english, synth, { directory: clipDir, deadline: Date.now() + 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineError);
    expect((error as DeadlineError).total).toBe(20);
    expect((error as DeadlineError).done).toBeLessThan(20);
    expect((error as DeadlineError).message).toMatch(/^speech for \d+ of 20 distinct texts finished before the time budget ran out$/);
  });
});

describe("EspeakSynthesizer", () => {
  const dir = mkdtempSync(join(tmpdir(), "ankify-espeak-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(Object.keys(VOICES))("speaks %s into a WAV file sox can measure", async (language) => {
    const audio = await new EspeakSynthesizer().synthesize("one two three", style(VOICES[language]!), new AbortController().signal);
    const file = join(dir, `${language}.wav`);
    writeFileSync(file, audio);
    expect(Buffer.from(audio.slice(0, 4)).toString()).toBe("RIFF");
    expect(audioSeconds(file)).toBeGreaterThan(0.3);
  });

  it("speaks slowly at 140 words a minute, under another identity", async () => {
    const espeak = new EspeakSynthesizer();
    const text = "A sentence long enough for its rate to show.";
    const seconds = async (rate: "normal" | "slow") => {
      const file = join(dir, `rate-${rate}.wav`);
      writeFileSync(file, await espeak.synthesize(text, { voice: english, engine: "neural", rate }, new AbortController().signal));
      return audioSeconds(file);
    };
    expect(await seconds("slow")).toBeGreaterThan((await seconds("normal")) * 1.15);
    expect(espeak.audioIdentity({ voice: english, engine: "neural", rate: "slow" })).not.toBe(espeak.audioIdentity(style(english)));
  });

  it("treats card text as text, never as options", async () => {
    const audio = await new EspeakSynthesizer().synthesize("--version -w /tmp/evil.wav", style(english), new AbortController().signal);
    const file = join(dir, "options.wav");
    writeFileSync(file, audio);
    expect(audioSeconds(file)).toBeGreaterThan(0.5);
  });

  it("says how to install espeak-ng when it is missing", async () => {
    await expect(new EspeakSynthesizer("espeak-ng-missing").synthesize("x", style(english), new AbortController().signal)).rejects.toThrow(
      "espeak-ng-missing is not installed (Debian: apt-get install espeak-ng)",
    );
  });
});

describe("engines", () => {
  it("paces each engine at its own rate: standard ten times faster than neural", async () => {
    jest.useFakeTimers({ now: 3_000_000 });
    try {
      const starts: Record<string, number[]> = { standard: [], neural: [] };
      const polly: Synthesizer = {
        extension: "mp3", bytesPerCharacter: 100, concurrency: 8, rates: POLLY_RATES,
        synthesize: async (_t, { engine }) => (starts[engine]!.push(Date.now() - 3_000_000), new Uint8Array(1)),
      };
      // No more texts than calls in flight: every start is scheduled at once, whatever the clip writes take.
      const texts = Array.from({ length: 8 }, (_, i) => `t${i}`);
      const both = Promise.all([
        synthesizeAll(texts, english, polly, { engine: "standard", directory: clipDir, deadline: Date.now() + 60_000 }),
        synthesizeAll(texts, english, polly, { engine: "neural", directory: clipDir, deadline: Date.now() + 60_000 }),
      ]);
      await jest.advanceTimersByTimeAsync(5_000);
      await both;
      const standard = starts["standard"]!;
      // 1/80 s apart: 12.5 ms, which the clock rounds to 12 or 13.
      for (let i = 1; i < standard.length; i++) expect(standard[i]! - standard[i - 1]!).toBeGreaterThanOrEqual(12);
      expect(standard.at(-1)).toBeLessThanOrEqual(88);
      expect(starts["neural"]).toEqual([0, 125, 250, 375, 500, 625, 750, 875]);
    } finally {
      jest.useRealTimers();
    }
  });

  it("names clips by engine (neural keeps the old names) and refuses a language an engine has no voice for", () => {
    // The names decks built before engines and rates existed gave their clips (sha256 of language \x1f text).
    expect(clipFileName("hola", style(VOICES["es-ES"]!), "mp3")).toBe("ankify-e859ef12c9480e9f88ed.mp3");
    expect(new Set(ENGINES.map((engine) => clipFileName("hola", style(VOICES["es-ES"]!, engine), "mp3"))).size).toBe(3);
    expect(engineProblem(VOICES["ja-JP"]!, "generative")).toBe("Amazon Polly has no generative voice for ja-JP; use neural or standard");
    expect(engineProblem(VOICES["nl-NL"]!, "standard")).toBeUndefined();
    for (const voice of Object.values(VOICES)) expect(voice.polly.neural).toBeDefined();
  });

  it("asks Polly for the engine and that engine's voice", async () => {
    const bodies: Array<Record<string, string>> = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        bodies.push(JSON.parse(body));
        res.writeHead(200, { "content-type": "audio/mpeg" });
        res.end(Buffer.from("ID3"));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const client = new PollyClient({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region: "eu-west-1", credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" }, requestHandler: new NodeHttpHandler() });
      const polly = new PollySynthesizer(client);
      for (const engine of ENGINES) await polly.synthesize("hoi", style(VOICES["nl-NL"]!, engine), new AbortController().signal);
      expect(bodies.map((b) => [b["Engine"], b["VoiceId"], b["LanguageCode"]])).toEqual([["neural", "Laura", "nl-NL"], ["standard", "Lotte", "nl-NL"], ["generative", "Laura", "nl-NL"]]);
      await expect(polly.synthesize("x", style(VOICES["cmn-CN"]!, "generative"), new AbortController().signal)).rejects.toThrow("Amazon Polly has no generative voice for cmn-CN; use neural or standard.");
    } finally {
      server.close();
    }
  });
});
