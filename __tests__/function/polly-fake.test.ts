import { PollyClient, SynthesizeSpeechCommand, type SynthesizeSpeechCommandInput } from "@aws-sdk/client-polly";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { parseMp3 } from "../../lambda/src/tts/mp3";
import { ROOMY_QUOTAS } from "../../testing/polly-fake/limits";
import { startPollyFake, type PollyFake } from "../../testing/polly-fake/server";

/**
 * The Polly fake against the AWS SDK's own Polly client: what it accepts, what it bills and how it
 * refuses, in the shapes the SDK parses. Tests and benches rely on it behaving as Polly documents.
 */
const credentials = { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" };
/** The client as the function makes it (HTTP/2 by default: h2c to an http:// endpoint), or over HTTP/1.1. */
const clientOf = (fake: PollyFake, http1 = false) =>
  new PollyClient({ endpoint: fake.url, region: "eu-west-1", credentials, maxAttempts: 1, ...(http1 ? { requestHandler: new NodeHttpHandler() } : {}) });
const speak = (client: PollyClient, input: Partial<SynthesizeSpeechCommandInput>) =>
  client.send(new SynthesizeSpeechCommand({ VoiceId: "Joanna", Engine: "neural", OutputFormat: "mp3", Text: "hello", ...input } as SynthesizeSpeechCommandInput));
/** The error the SDK throws, as name and HTTP status. */
const refusal = (promise: Promise<unknown>) =>
  promise.then(() => "no error", (e: { name: string; $metadata?: { httpStatusCode?: number } }) => `${e.name} ${e.$metadata?.httpStatusCode}`);

describe("the Polly fake", () => {
  let fake: PollyFake;
  beforeAll(async () => {
    // Quotas no test here reaches: the one about quotas has its own fake.
    // nice: its espeak-ng and sox yield the CPU to the timing-sensitive suites running beside it.
    fake = await startPollyFake({ nice: 10, quotas: ROOMY_QUOTAS });
  });
  afterAll(() => fake.close());

  it.each([["HTTP/2 (the SDK's default)", false], ["HTTP/1.1", true]])("speaks real MP3 over %s, with the characters it bills", async (_label, http1) => {
    const result = await speak(clientOf(fake, http1), { Text: "Hello, world." });
    expect(result.ContentType).toBe("audio/mpeg");
    expect(result.RequestCharacters).toBe(13);
    const stream = parseMp3(await result.AudioStream!.transformToByteArray());
    // Neural voices answer 24 kHz; a second of speech at least.
    expect(stream.sampleRate).toBe(24000);
    expect((stream.frames.length * 576) / 24000).toBeGreaterThan(0.8);
  }, 30_000);

  it("bills SSML's text, not its tags: an escaped character is one character", async () => {
    const result = await speak(clientOf(fake), { TextType: "ssml", Text: '<speak><s>Peabody &amp; Chambers</s><break time="1s"/><prosody rate="slow"><s>it&apos;s</s></prosody></speak>' });
    expect(result.RequestCharacters).toBe("Peabody & Chambers".length + "it's".length);
    expect(fake.log.at(-1)!.sentences).toEqual(["Peabody & Chambers", "it's"]);
  }, 30_000);

  it.each([
    ["a bare ampersand", "<speak>salt & pepper</speak>"],
    ["a stray <", "<speak>1 < 2</speak>"],
    ["a tag left open", "<speak><s>hello</speak>"],
    ["a root other than speak", "<s>hello</s>"],
    ["plain text", "hello"],
    ["an unknown tag", "<speak><shout>hello</shout></speak>"],
    ["an entity XML does not define", "<speak>caf&eacute;</speak>"],
    ["a break over 10 s", '<speak>a<break time="11s"/>b</speak>'],
    ["a tag neural voices lack", '<speak><emphasis level="strong">hello</emphasis></speak>'],
  ])("refuses %s as InvalidSsmlException (HTTP 400)", async (_label, ssml) => {
    expect(await refusal(speak(clientOf(fake), { TextType: "ssml", Text: ssml }))).toBe("InvalidSsmlException 400");
  });

  it("takes <prosody> only around whole sentences from generative voices", async () => {
    const inside = '<speak><s><prosody rate="slow">hello</prosody></s></speak>';
    const around = '<speak><prosody rate="slow"><s>hello</s></prosody></speak>';
    expect(await refusal(speak(clientOf(fake), { VoiceId: "Ruth", Engine: "generative", TextType: "ssml", Text: inside }))).toBe("InvalidSsmlException 400");
    expect(await refusal(speak(clientOf(fake), { VoiceId: "Ruth", Engine: "generative", TextType: "ssml", Text: around }))).toBe("no error");
  }, 30_000);

  it("refuses more than 3,000 billed or 6,000 total characters as TextLengthExceededException", async () => {
    const client = clientOf(fake);
    // Spaces are billed characters that say nothing: the limits are checked without long audio to make.
    expect(await refusal(speak(client, { Text: ` ${" ".repeat(3000)}` }))).toBe("TextLengthExceededException 400");
    expect(await refusal(speak(client, { Text: " ".repeat(3000) }))).toBe("no error");
    // 749 billed characters in 6,007 in all, then 748 in 5,999: the tags count towards the total only.
    expect(await refusal(speak(client, { TextType: "ssml", Text: `<speak>${"<s> </s>".repeat(749)}</speak>` }))).toBe("TextLengthExceededException 400");
    expect(await refusal(speak(client, { TextType: "ssml", Text: `<speak>${"<s> </s>".repeat(748)}</speak>` }))).toBe("no error");
    expect(fake.log.at(-1)!.billedCharacters).toBe(748);
  }, 30_000);

  it("refuses a voice the engine does not have, and a voice that does not exist", async () => {
    expect(await refusal(speak(clientOf(fake), { VoiceId: "Lotte", Engine: "neural" }))).toBe("EngineNotSupportedException 400");
    expect(await refusal(speak(clientOf(fake), { VoiceId: "Nobody" as never }))).toBe("ValidationException 400");
  });

  it("answers errors as AWS does: x-amzn-ErrorType and a JSON body with __type and message", async () => {
    const response = await fetch(`${fake.url}/v1/speech`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "AWS4-HMAC-SHA256 Credential=AKIDFAKE/20260101/eu-west-1/polly/aws4_request, SignedHeaders=host, Signature=0" },
      body: JSON.stringify({ Text: "<speak>a & b</speak>", TextType: "ssml", VoiceId: "Joanna", Engine: "neural", OutputFormat: "mp3" }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amzn-errortype")).toMatch(/^InvalidSsmlException:/);
    expect(await response.json()).toEqual({ __type: "InvalidSsmlException", message: expect.stringMatching(/^Invalid SSML request/) });
    const unsigned = await fetch(`${fake.url}/v1/speech`, { method: "POST", body: "{}" });
    expect([unsigned.status, unsigned.headers.get("x-amzn-errortype")?.split(":")[0]]).toEqual([403, "MissingAuthenticationTokenException"]);
  });
});

describe("the Polly fake's rate limits", () => {
  it("are shared by every caller: over the engine's quota, ThrottlingException (HTTP 400), and tokens come back", async () => {
    // The quotas' clock stands still until the test moves it: what is throttled does not depend on how fast the machine is.
    const clock = { now: 1_000_000 };
    const fake = await startPollyFake({ nice: 10, quotas: { neural: { perSecond: 2, burst: 3 } }, now: () => clock.now });
    try {
      // Two callers (two execution environments), one account: five requests at once against a burst of three.
      const [a, b] = [clientOf(fake), clientOf(fake, true)];
      const results = await Promise.all([a, b, a, b, a].map((client) => refusal(speak(client, { Text: "hi" }))));
      expect(results.filter((r) => r === "no error")).toHaveLength(3);
      expect(results.filter((r) => r === "ThrottlingException 400")).toHaveLength(2);
      expect(fake.stats()).toEqual(expect.objectContaining({ requests: 5, synthesized: 3, throttled: 2, billedCharacters: 6 }));
      // Standard voices have their own, larger quota.
      expect(await refusal(speak(a, { Engine: "standard", Text: "hi" }))).toBe("no error");
      expect(await refusal(speak(b, { Text: "hi" }))).toBe("ThrottlingException 400");
      // Half a second later, one token is back (2 a second).
      clock.now += 500;
      expect(await refusal(speak(b, { Text: "hi" }))).toBe("no error");
      expect(await refusal(speak(a, { Text: "hi" }))).toBe("ThrottlingException 400");
    } finally {
      await fake.close();
    }
  }, 30_000);
});
