import { createClientGate } from "../../lambda/src/access/client-auth";
import { loadConfig } from "../../lambda/src/config";
import { prepareNotes } from "../../lambda/src/deck/notes";
import { fieldHtml, plainText } from "../../lambda/src/deck/text";
import { createRequestHandler } from "../../lambda/src/handler";
import { accepts } from "../../lambda/src/http/accept";

/** What a client sends is what is built: nothing it wrote is silently ignored or misread. */
const config = loadConfig({ ANKIFY_ORIGIN_PROTECTION: "oac", ANKIFY_DECK_BUCKET: "b", ANKIFY_CLIENT_AUTH: "none" });
const saved: string[] = [];
const handle = createRequestHandler({
  config, clients: createClientGate(config.clientAuth, config.originProtection),
  synthesizer: { extension: "mp3", bytesPerCharacter: 1, concurrency: 1, synthesize: async () => new Uint8Array(1) },
  store: { save: async (key) => (saved.push(key), { url: "https://decks.example/d.apkg", expiresAt: new Date() }) },
});
const META = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} };
const post = (body: unknown, accept: string, headers: Record<string, string> = {}) =>
  handle(new Request("https://ankify.test/mcp", { method: "POST", headers: { "content-type": "application/json", accept, ...headers }, body: JSON.stringify(body) }));
const deckCall = (args: Record<string, unknown>) => ({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "create_deck", arguments: args, _meta: META } });
const modern = { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "create_deck" };
const toolText = async (args: Record<string, unknown>) => {
  const text = await (await post(deckCall(args), "application/json, text/event-stream", modern)).text();
  const message = JSON.parse(text.startsWith("{") ? text : text.split("\n").find((l) => l.startsWith("data: "))!.slice(6));
  return message.result as { isError?: boolean; content: Array<{ text: string }> };
};
const card = { front: "hola", back: "hello" };

describe("unknown create_deck arguments", () => {
  it.each([
    [{ languge: "es-ES" }, 'unknown argument "languge": did you mean "language"?'],
    [{ deckName: "x" }, 'unknown argument "deckName": did you mean "deck_name"?'],
    [{ Audio: "none" }, 'unknown argument "Audio": did you mean "audio"?'],
    [{ voice: "Lucia" }, 'unknown argument "voice"; create_deck takes deck_name, note_type, cards, tags, format, language, back_language, audio, engine, speech_rate'],
  ])("refuses %j, naming the closest known one", async (extra, message) => {
    const before = saved.length;
    const result = await toolText({ deck_name: "d", cards: [card], ...extra });
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toBe(`Input validation error: Invalid arguments for tool create_deck: ${message}`);
    expect(saved.length).toBe(before);
  });

  it.each([
    [{ fornt: "x" }, 'cards.0: unknown field "fornt": did you mean "front"?'],
    [{ hint: "x" }, 'cards.0: unknown field "hint"; cards have front, back, text, extra, tags, image, image_side'],
  ])("refuses an unknown card field %j the same way", async (extra, message) => {
    const result = await toolText({ deck_name: "d", cards: [{ ...card, ...extra }] });
    expect(result.content[0]!.text).toBe(`Input validation error: Invalid arguments for tool create_deck: ${message}`);
  });

  it("still builds a deck whose arguments are all known", async () => {
    const result = await toolText({ deck_name: "d", cards: [card], language: "es-ES", audio: "none" });
    expect(result.isError).toBeUndefined();
  });
});

describe("the Accept header, parsed as HTTP defines it", () => {
  it.each([
    ["application/json, text/event-stream", true],
    ["application/json, text/event-stream;q=0", false],
    ["application/json, text/event-stream; q=0.0", false],
    ["application/json, text/event-stream;q=0.5", true],
    ["application/json, TEXT/Event-Stream", true],
    ["application/json, text/*;q=0, text/event-stream", true],
    ["application/json, text/event-stream;q=0, text/*", false],
    ["application/json, text/*", true],
    ["application/json, */*;q=0", false],
    ["application/json", false],
    ["application/json, text/event-stream-x", false],
    ["", false],
  ])("%j accepts a stream: %s", (header, expected) => {
    expect(accepts(header, "text/event-stream")).toBe(expected);
  });

  it.each([["2026-07-28", modern, deckCall({ deck_name: "d", cards: [card], audio: "none" })], ["2025", {}, { jsonrpc: "2.0", id: 1, method: "tools/list" }]])(
    "answers a %s-era client that refuses streams (q=0) in JSON",
    async (_era, headers, body) => {
      const response = await post(body, "application/json, text/event-stream;q=0", headers);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect((await response.json() as { id: number }).id).toBe(1);
    },
  );

  it("still streams a deck to a client that accepts streams with a lower preference", async () => {
    const response = await post(deckCall({ deck_name: "d", cards: [card], audio: "none" }), "application/json, text/event-stream;q=0.5", modern);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    await response.text();
  });
});

describe("html cards: a removed element that separates words leaves a space", () => {
  it.each([
    ["a rule between words", "good<hr>night", "good night"],
    ["a heading", "<h1>Title</h1>text", "Title text"],
    ["table cells", "a<table><tr><td>b</td><td>c</td></tr></table>d", "a b c d"],
    ["a quotation", "said<blockquote>hi</blockquote>then", "said hi then"],
    ["a block inside kept formatting", "<b>x<h2>y</h2></b>z", "<b>x y </b>z"],
  ])("%s", (_label, html, stored) => {
    expect(fieldHtml(html, "html")).toBe(stored);
  });

  it.each([
    ["a span", "good<span>night</span>", "goodnight"],
    ["a link", "good<a href=\"x\">night</a>", "goodnight"],
    ["kept inline formatting", "good<b>night</b>", "good<b>night</b>"],
  ])("while a removed inline element (%s) joins its words, as a browser shows them", (_label, html, stored) => {
    expect(fieldHtml(html, "html")).toBe(stored);
  });

  it("speaks two words where two are shown", async () => {
    const [note] = await prepareNotes({ deckName: "d", noteType: "basic", format: "html", cards: [{ front: "good<hr>night", back: "buenas<div>noches</div>" }] });
    expect(note!.fields[0]).toBe("good night");
    expect(note!.speech).toEqual({ front: "good night", back: "buenas noches" });
    expect(plainText(note!.fields[0]!)).toBe("good night");
  });
});
