import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MPEGDecoder } from "mpg123-decoder";
import { Mp3Error, parseMp3, reservoirStart, sliceFrames } from "../../lambda/src/tts/mp3";
import { AdaptivePace, paceFor } from "../../lambda/src/tts/pace";
import { frameLevels, splitAtSilences } from "../../lambda/src/tts/split";

describe("the adaptive pace", () => {
  /** A pace on a clock the test moves. */
  const onClock = (maxRate: number, minRate?: number) => {
    const clock = { now: 0 };
    const pace = new AdaptivePace(maxRate, { now: () => clock.now, ...(minRate !== undefined ? { minRate } : {}) });
    return { clock, pace };
  };
  const never = new AbortController().signal;

  it("halves its rate when throttled, once for the requests of one round, and never below its floor", async () => {
    const { clock, pace } = onClock(8, 1);
    // Three requests started in the same round, all throttled: one halving, not three.
    const turns = [{ startedAt: 0 }, { startedAt: 0 }, { startedAt: 0 }];
    clock.now = 100;
    for (const turn of turns) pace.throttled(turn);
    expect(pace.rate).toBe(4);
    expect(pace.throttles).toBe(3);
    // A request started after that halving, throttled too: the limit is still too close.
    clock.now = 400;
    pace.throttled({ startedAt: 300 });
    expect(pace.rate).toBe(2);
    for (let t = 500; t < 2000; t += 100) {
      clock.now = t;
      pace.throttled({ startedAt: t });
    }
    expect(pace.rate).toBe(1);
  });

  it("creeps back up by a sixteenth of its documented rate per success, no higher than it", () => {
    const { clock, pace } = onClock(8);
    clock.now = 10;
    pace.throttled({ startedAt: 0 });
    expect(pace.rate).toBe(4);
    for (let i = 0; i < 4; i++) pace.succeeded();
    expect(pace.rate).toBe(6);
    for (let i = 0; i < 10; i++) pace.succeeded();
    expect(pace.rate).toBe(8);
  });

  it("hands out turns 1/rate apart, and after a throttle the next waits a full interval at the new rate", async () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const pace = new AdaptivePace(4);
      const turns = [pace.wait(never), pace.wait(never), pace.wait(never)];
      await jest.advanceTimersByTimeAsync(600);
      expect((await Promise.all(turns)).map((turn) => turn.startedAt)).toEqual([0, 250, 500]);
      // Throttled at 600 ms: 2 a second from now on, so the next turn is at 600 + 500.
      pace.throttled({ startedAt: 500 });
      const next = pace.wait(never);
      await jest.advanceTimersByTimeAsync(1_000);
      expect((await next).startedAt).toBe(1_100);
    } finally {
      jest.useRealTimers();
    }
  });

  it("is shared per owner and key: one per synthesizer and engine in an execution environment", () => {
    const [one, other] = [{}, {}];
    expect(paceFor(one, "neural", 8)).toBe(paceFor(one, "neural", 8));
    expect(paceFor(one, "standard", 80)).not.toBe(paceFor(one, "neural", 8));
    expect(paceFor(other, "neural", 8)).not.toBe(paceFor(one, "neural", 8));
  });
});

describe("MP3 frames", () => {
  const dir = mkdtempSync(join(tmpdir(), "ankify-mp3-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** Real MP3 from espeak-ng and LAME (through sox), as the Polly fake makes it. */
  const mp3 = (ssml: string, rate = 24000) => {
    const wav = join(dir, "in.wav");
    const out = join(dir, `out-${rate}.mp3`);
    execFileSync("espeak-ng", ["-m", "-v", "en-us", "-w", wav, ssml]);
    execFileSync("sox", [wav, "-C", "48", out, "rate", String(rate)]);
    return { bytes: new Uint8Array(readFileSync(out)) };
  };
  /** Samples mpg123 decodes from the whole stream, gapless trimming off. */
  const decodedSamples = async (bytes: Uint8Array) => {
    const decoder = new MPEGDecoder({ enableGapless: false });
    await decoder.ready;
    try {
      return decoder.decode(bytes).samplesDecoded;
    } finally {
      decoder.free();
    }
  };

  it.each([24000, 22050, 16000, 44100])("reads every frame of a %i Hz stream: as many samples as mpg123 decodes", async (rate) => {
    const { bytes } = mp3("<speak>Counting frames, one by one.</speak>", rate);
    const samples = await decodedSamples(bytes);
    const stream = parseMp3(bytes);
    expect(stream.sampleRate).toBe(rate);
    expect(stream.channels).toBe(1);
    expect(stream.frames.length * stream.frames[0]!.samples).toBe(samples);
    expect(stream.maxReservoir).toBe(rate === 44100 ? 511 : 255);
    expect(stream.frames.at(-1)!.offset + stream.frames.at(-1)!.length).toBe(bytes.length);
  });

  it("skips an ID3v2 tag and an information frame, and refuses what is not MP3", () => {
    const { bytes } = mp3("<speak>Tagged.</speak>");
    const plain = parseMp3(bytes);
    // An ID3v2 tag of 20 bytes, then an "Info" frame (LAME writes one to seekable files), then the audio.
    const first = bytes.slice(0, plain.frames[0]!.length);
    first.set(new TextEncoder().encode("Info"), first.length - plain.frames[0]!.mainDataBytes);
    const id3 = new Uint8Array([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 20, ...new Array(20).fill(0)]);
    const tagged = new Uint8Array([...id3, ...first, ...bytes]);
    const stream = parseMp3(tagged);
    expect(stream.frames.length).toBe(plain.frames.length);
    expect(stream.frames[0]!.offset).toBe(id3.length + first.length);
    expect(() => parseMp3(new Uint8Array([...bytes.slice(0, 1000), 1, 2, 3, ...bytes.slice(1000)]))).toThrow(Mp3Error);
    expect(() => parseMp3(new TextEncoder().encode("<html>not audio</html>"))).toThrow(Mp3Error);
  });

  it("starts a clip early enough for its first frame's reservoir, and cuts whole original frames", () => {
    const { bytes } = mp3("<speak>Reservoir bytes come from earlier frames.</speak>");
    const stream = parseMp3(bytes);
    const from = 20;
    const start = reservoirStart(stream, from);
    const held = stream.frames.slice(start, from).reduce((n, f) => n + f.mainDataBytes, 0);
    expect(held).toBeGreaterThanOrEqual(stream.maxReservoir);
    expect(held - stream.frames[start]!.mainDataBytes).toBeLessThan(stream.maxReservoir);
    const clip = sliceFrames(bytes, stream, start, from + 10);
    expect(clip).toEqual(bytes.slice(stream.frames[start]!.offset, stream.frames[from + 10]!.offset));
    expect(parseMp3(clip).frames.length).toBe(from + 10 - start);
  });

  it.each([24000, 44100])("finds the same levels at %i Hz without decoding the runs of empty frames an encoder writes for silence", async (rate) => {
    const { bytes } = mp3('<speak><s>one</s><break time="2s"/><s>two words</s><break time="1500ms"/><s>and three words here</s></speak>', rate);
    const stream = parseMp3(bytes);
    // Three and a half seconds of breaks: most of their frames are empty.
    expect(stream.frames.filter((f) => f.empty).length * stream.frames[0]!.samples / rate).toBeGreaterThan(2.5);
    const decoder = new MPEGDecoder({ enableGapless: false });
    await decoder.ready;
    const full = stream.frames.map((f) => {
      const { channelData, samplesDecoded } = decoder.decodeFrame(bytes.subarray(f.offset, f.offset + f.length));
      return Math.max(0, ...Array.from(channelData[0]!.subarray(0, samplesDecoded), Math.abs));
    });
    decoder.free();
    const levels = await frameLevels(bytes, stream);
    for (const [i, level] of full.entries()) expect({ i, level: levels[i]! }).toEqual({ i, level: expect.closeTo(level, 4) });
  });

  it("refuses to cut what it cannot be sure of: fewer stretches of speech than texts, or not MP3", async () => {
    const { bytes } = mp3('<speak><s>one text</s><break time="1s"/><s>another text</s></speak>');
    expect(await splitAtSilences(bytes, ["one text", "another text"])).toEqual({ ok: true, clips: [expect.any(Uint8Array), expect.any(Uint8Array)] });
    expect(await splitAtSilences(bytes, ["one", "two", "three"])).toEqual({ ok: false, reason: "2 stretches of speech for 3 texts" });
    expect(await splitAtSilences(new TextEncoder().encode("not audio"), ["a", "b"])).toEqual({ ok: false, reason: expect.stringMatching(/^no MP3 frame/) });
  });

  it("refuses a cut whose stretches are far from their texts' lengths", async () => {
    // Two stretches of speech that fit "a" and a long sentence the other way round.
    const { bytes } = mp3('<speak><s>a</s><break time="1s"/><s>this stretch of speech is very much longer than the other one</s></speak>');
    const long = "this stretch of speech is very much longer than the other one";
    expect((await splitAtSilences(bytes, ["a", long])).ok).toBe(true);
    expect(await splitAtSilences(bytes, [long, "a"])).toEqual({ ok: false, reason: expect.stringMatching(/took .* times the median time per character$/) });
  });
});
