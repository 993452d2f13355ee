import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { newApiKey, SsmApiKeyStore } from "../../lambda/src/access/api-keys";
import { createClientGate } from "../../lambda/src/access/client-auth";
import { InFlightCalls } from "../../lambda/src/mcp/cancellation";
import { createServer } from "../../lambda/src/mcp/server";
import { S3ClipCache } from "../../lambda/src/storage/clip-cache";
import type { Synthesizer } from "../../lambda/src/tts/index";
import { FakeSsm } from "../../testing/fake-ssm";
import { warmUp } from "../../testing/function/warm-up";

/**
 * Time running out reads as time running out, wherever it happens, and no AWS call waits without a
 * bound. The stand-ins here accept connections and never answer: a hung service, as the function
 * would meet it.
 */
async function hungService(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server: Server = createHttpServer((req) => {
    requests++;
    req.resume(); // read the request, answer nothing
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
/** The promise's value, or "still waiting" if it has not settled after `ms` (the timer is cleared either way). */
async function settled(promise: Promise<unknown>, ms: number): Promise<{ value: unknown } | "still waiting"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise.then((value) => ({ value })), new Promise<"still waiting">((resolve) => (timer = setTimeout(() => resolve("still waiting"), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

describe("the deadline during clip-cache lookups", () => {
  it("ends the deck with 'could not be finished in time', not an internal error", async () => {
    const s3 = await hungService();
    try {
      const client = new S3Client({ endpoint: s3.url, region: "eu-west-1", forcePathStyle: true, credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" } });
      // Before the deck's 3 s start, so they are spent on the lookups (testing/function/warm-up.ts).
      await warmUp((abortSignal) => client.send(new HeadObjectCommand({ Bucket: "decks", Key: "warm-up" }), { abortSignal }), () => s3.requests() > 0);
      const before = s3.requests();
      const spoken: string[] = [];
      const synthesizer: Synthesizer = {
        extension: "mp3", bytesPerCharacter: 100, concurrency: 1, audioIdentity: () => "test/voice",
        synthesize: async (text) => (spoken.push(text), new Uint8Array(8)),
      };
      const saved: string[] = [];
      const server = createServer({
        synthesizer, clipCache: new S3ClipCache(client, "decks", "clips/"),
        store: { save: async (key) => (saved.push(key), { url: "https://decks.example/d.apkg", expiresAt: new Date() }) },
        deckPrefix: "decks/", deadline: Date.now() + 3_000, maxSpeechCharacters: 60_000, requestId: "req-lookups",
        streaming: false, keepAliveMs: 5_000, inFlight: new InFlightCalls(),
      });
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      const mcp = new Client({ name: "t", version: "1" });
      await mcp.connect(clientSide);
      const cards = Array.from({ length: 40 }, (_, i) => ({ front: `front ${i}`, back: "b" }));
      const result = (await mcp.callTool({ name: "create_deck", arguments: { deck_name: "Lookups", cards } })) as { isError?: boolean; content: Array<{ text: string }> };
      await mcp.close();
      expect(s3.requests()).toBeGreaterThan(before);
      expect(result.isError).toBe(true);
      expect(result.content[0]!.text).toMatch(/^The deck could not be finished in time: looking up cached clips did not finish within the time budget\. Nothing was uploaded\. .*\(request req-lookups\)$/);
      expect(spoken).toEqual([]);
      expect(saved).toEqual([]);
    } finally {
      await s3.close();
    }
  }, 30_000);
});

describe("reading API keys from a hung SSM", () => {
  it("answers the documented 503 with Retry-After within the read's timeout", async () => {
    const ssm = new FakeSsm();
    ssm.hang = true;
    const endpoint = await ssm.start();
    try {
      const client = new SSMClient({ endpoint, region: "eu-west-1", credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" } });
      // Before the 300 ms read starts, so it is spent on the read (testing/function/warm-up.ts).
      await warmUp((abortSignal) => client.send(new GetParameterCommand({ Name: "/warm-up" }), { abortSignal }), () => ssm.calls.length > 0);
      const before = ssm.calls.length;
      const store = new SsmApiKeyStore(client, "/ankify/test/client-keys", Date.now, { timeoutMs: 300 });
      const gate = createClientGate({ mode: "api-key", keyPath: "/ankify/test/client-keys" }, "secret-header", store);
      const answer = gate.authenticate(new Request("https://ankify.test/mcp", { method: "POST", headers: { "x-api-key": newApiKey() } }));
      // The read gives up after 300 ms; ten seconds is only how long this test waits before calling it a hang.
      const outcome = await settled(answer, 10_000);
      expect(outcome).not.toBe("still waiting");
      const refused = (outcome as { value: Response }).value;
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("5");
      expect(ssm.calls.slice(before)).toContain("GetParametersByPath");
    } finally {
      await ssm.stop();
    }
  }, 30_000);
});
