import { newApiKey, StaticApiKeyStore } from "../../lambda/src/access/api-keys";
import { createClientGate } from "../../lambda/src/access/client-auth";
import { loadConfig } from "../../lambda/src/config";
import { createRequestHandler } from "../../lambda/src/handler";
import type { Synthesizer } from "../../lambda/src/tts/index";
import { runDevServer, type Running } from "../../testing/function/harness";
import { startOAuthServer, type OAuthServer } from "../../testing/function/oauth";

/**
 * notifications/cancelled reaches only the caller's own calls: calls are matched by who made them
 * (the API key's name, the token's subject), never by an id any other caller can guess.
 */
const REVISION = "2026-07-28";
const META = { "io.modelcontextprotocol/protocolVersion": REVISION, "io.modelcontextprotocol/clientCapabilities": {} };
const deckCall = (id: number, tag: string) => JSON.stringify({
  jsonrpc: "2.0", id, method: "tools/call",
  params: { name: "create_deck", arguments: { deck_name: `Cancel ${tag}`, cards: Array.from({ length: 30 }, (_, i) => ({ front: `${tag} ${i}`, back: `b ${i}` })) }, _meta: { ...META, progressToken: `p-${tag}` } },
});
const cancelCall = (requestId: number) => JSON.stringify({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId, _meta: META } });
const headers = (method: string, name?: string) => ({
  "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": REVISION, "mcp-method": method, ...(name ? { "mcp-name": name } : {}),
});

/**
 * Starts a deck over SSE and resolves once its first spoken clip is reported (the call is surely
 * registered and running); `result` is its final message.
 */
async function startDeck(response: Promise<Response>): Promise<{ result: Promise<any> }> {
  const reader = (await response).body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the deck ended before it spoke: ${text}`);
    text += value;
    if (/"message":"speaking [1-9]/.test(text)) break;
  }
  const rest = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
    const events = text.split("\n").filter((line) => line.startsWith("data: ")).map((line) => JSON.parse(line.slice(6)));
    return events.at(-1);
  })();
  return { result: rest };
}

const cancelled = (message: any) => message.result.isError === true && /^The deck was cancelled/.test(message.result.content[0].text);

function handlerWith(auth: "none" | "api-key", keys: Record<string, string> = {}) {
  const slow: Synthesizer = {
    extension: "mp3", bytesPerCharacter: 100, concurrency: 1,
    synthesize: (_text, _style, signal) => new Promise((resolve, reject) => {
      const onAbort = () => (clearTimeout(timer), reject(signal.reason));
      const timer = setTimeout(() => (signal.removeEventListener("abort", onAbort), resolve(new Uint8Array(16))), 40);
      signal.addEventListener("abort", onAbort, { once: true });
    }),
  };
  const config = loadConfig({ ANKIFY_ORIGIN_PROTECTION: "oac", ANKIFY_DECK_BUCKET: "b", ANKIFY_CLIENT_AUTH: auth, ANKIFY_API_KEY_PATH: "/ankify/test/client-keys" });
  return createRequestHandler({
    config, synthesizer: slow, keepAliveMs: 100,
    clients: createClientGate(config.clientAuth, config.originProtection, auth === "api-key" ? new StaticApiKeyStore(keys) : undefined),
    store: { save: async () => ({ url: "https://decks.example/d.apkg", expiresAt: new Date() }) },
  });
}
const post = (handle: ReturnType<typeof handlerWith>, body: string, h: Record<string, string>) =>
  handle(new Request("https://ankify.test/mcp", { method: "POST", headers: h, body }));

describe("api-key mode: calls are matched by the key's name", () => {
  const alice = newApiKey();
  const bob = newApiKey();
  const handle = handlerWith("api-key", { alice, bob });
  const as = (key: string, method: string, name?: string) => ({ ...headers(method, name), "x-api-key": key });

  it("ignores another key's cancellation, and honours the caller's own", async () => {
    const first = await startDeck(post(handle, deckCall(7, "alice-1"), as(alice, "tools/call", "create_deck")));
    expect((await post(handle, cancelCall(7), as(bob, "notifications/cancelled"))).status).toBe(202);
    expect(cancelled(await first.result)).toBe(false);

    const second = await startDeck(post(handle, deckCall(7, "alice-2"), as(alice, "tools/call", "create_deck")));
    expect((await post(handle, cancelCall(7), as(alice, "notifications/cancelled"))).status).toBe(202);
    expect(cancelled(await second.result)).toBe(true);
  }, 30_000);
});

describe("none mode: nobody is known, so no request cancels a call it did not start", () => {
  it("lets a call run to its end whoever sends notifications/cancelled for its id", async () => {
    const handle = handlerWith("none");
    const call = await startDeck(post(handle, deckCall(7, "anonymous"), headers("tools/call", "create_deck")));
    expect((await post(handle, cancelCall(7), headers("notifications/cancelled"))).status).toBe(202);
    const result = await call.result;
    expect(cancelled(result)).toBe(false);
    expect(result.result.structuredContent.card_count).toBe(30);
  }, 30_000);
});

describe("oauth mode: calls are matched by the token's subject, not the (shared) client id", () => {
  let oauth: OAuthServer;
  let run: Running;
  beforeAll(async () => {
    oauth = await startOAuthServer();
    // The stand-in speaks 8 clips at a time: 150 ms a clip keeps the 30 clips speaking for 600 ms, so
    // progress reports a spoken clip (steps are folded for up to 250 ms) and the cancel arrives in time
    // even on a loaded machine (at 40 ms, speech once ended unreported, under two test runs at once).
    run = await runDevServer({ clientAuth: { mode: "oauth", issuer: oauth.issuer, audience: "https://ankify.test/mcp", scope: "decks" }, speech: "silent", speechLatencyMs: 150, keepAliveMs: 100 });
  });
  afterAll(async () => {
    await run.stop();
    await oauth.stop();
  });
  // Two people signed in through one public app: the same client_id, each their own subject.
  const tokenFor = (sub: string) => {
    const now = Math.floor(Date.now() / 1000);
    return oauth.sign({ iss: oauth.issuer, aud: "https://ankify.test/mcp", scope: "decks", client_id: "public-app", sub, iat: now, exp: now + 600 });
  };
  const as = (sub: string, method: string, name?: string) => ({ ...headers(method, name), "x-origin-verify": run.secrets[0]!, authorization: `Bearer ${tokenFor(sub)}` });
  const send = (body: string, h: Record<string, string>) => fetch(`${run.dev.url}/mcp`, { method: "POST", headers: h, body });

  it("ignores a cancellation from another user of the same app, and honours the user's own", async () => {
    const first = await startDeck(send(deckCall(7, "oauth-alice-1"), as("alice", "tools/call", "create_deck")));
    expect((await send(cancelCall(7), as("bob", "notifications/cancelled"))).status).toBe(202);
    expect(cancelled(await first.result)).toBe(false);

    const second = await startDeck(send(deckCall(7, "oauth-alice-2"), as("alice", "tools/call", "create_deck")));
    expect((await send(cancelCall(7), as("alice", "notifications/cancelled"))).status).toBe(202);
    expect(cancelled(await second.result)).toBe(true);
  }, 30_000);
});
