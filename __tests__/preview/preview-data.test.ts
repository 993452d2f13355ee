/**
 * The preview through the dev server with real MCP clients: the tool links the ui:// resource, the
 * resource is the page with its CSP, and a deck's preview links clips that the local store serves as
 * audio, the same bytes as in the package. A client that knows nothing of MCP Apps reads exactly
 * what it read before.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resultText } from "../../lambda/src/mcp/create-deck-tool";
import { DECK_PREVIEW_URI } from "../../lambda/src/preview/resource";
import { buildViewHtml } from "../../lambda/ui/build";
import { ERAS, readApkg, runDevServer, type Running, type ToolResult } from "../../testing/function/harness";
import { quietTurnForThisFile } from "../../testing/quiet";

jest.setTimeout(120_000);
// esbuild bundles the page on every core for a second or two: not while streaming's timing tests run.
quietTurnForThisFile();

interface AppsClient {
  listTools(): Promise<{ tools: Array<{ name: string; _meta?: Record<string, unknown> }> }>;
  listResources(): Promise<{ resources: Array<{ uri: string; name: string; mimeType?: string }> }>;
  readResource(params: { uri: string }): Promise<{ contents: Array<{ uri: string; mimeType?: string; text?: string; _meta?: { ui?: { csp?: unknown; prefersBorder?: boolean } } }> }>;
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<ToolResult>;
}

let run: Running;
beforeAll(async () => {
  run = await runDevServer();
});
afterAll(() => run.stop());

const TODAYS_FIELDS = ["url", "expires_at", "deck_name", "card_count", "audio_clips", "images", "size_bytes", "note_count", "note_type", "requested_deck_name", "clips_spoken", "clips_cached", "characters_spoken", "characters_left_today"];

describe.each(ERAS)("the deck preview as an MCP App, %s client", (era) => {
  let client: AppsClient;
  beforeAll(async () => {
    client = (await run.client({ era })) as unknown as AppsClient;
  });

  it("links create_deck to the ui:// resource, which is the built page with a CSP declaring only the local store", async () => {
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === "create_deck")!._meta).toEqual({ ui: { resourceUri: DECK_PREVIEW_URI } });
    const { resources } = await client.listResources();
    expect(resources).toEqual([expect.objectContaining({ uri: DECK_PREVIEW_URI, mimeType: "text/html;profile=mcp-app" })]);
    const { contents } = await client.readResource({ uri: DECK_PREVIEW_URI });
    expect(contents).toHaveLength(1);
    expect(contents[0]!.mimeType).toBe("text/html;profile=mcp-app");
    expect(contents[0]!.text).toBe((await buildViewHtml()).html);
    expect(contents[0]!._meta).toEqual({ ui: { csp: { resourceDomains: [run.dev.s3Endpoint], connectDomains: [] }, prefersBorder: true } });
  });

  it("gives a client that declares MCP Apps the preview data beside today's fields", async () => {
    const apps = (await run.client({ era, apps: true })) as unknown as AppsClient;
    const result = await apps.callTool({ name: "create_deck", arguments: { deck_name: "Plain", cards: [{ front: "uno", back: "one" }], audio: "none" } });
    const { preview, ...today } = result.structuredContent!;
    expect(result.content).toEqual([{ type: "text", text: resultText(today as unknown as Parameters<typeof resultText>[0]) }]);
    expect(Object.keys(today)).toEqual(TODAYS_FIELDS);
    expect(preview).toEqual({ cards: [expect.objectContaining({ template: "Card 1", question: { html: "uno", media: [] } })], files: {} });
  });

  it(era === "2025"
    ? "answers a client that shows no apps with today's result, the preview one extra field (a 2025 request cannot say what its client shows)"
    : "answers a client that shows no apps exactly as before: the same sentence and today's fields, no preview", async () => {
    const result = await client.callTool({ name: "create_deck", arguments: { deck_name: "Plain", cards: [{ front: "uno", back: "one" }], audio: "none" } });
    expect(result.content[0]!.text).toMatch(/^Deck "Plain"/);
    const { preview, ...today } = result.structuredContent!;
    expect(result.content).toEqual([{ type: "text", text: resultText(today as unknown as Parameters<typeof resultText>[0]) }]);
    expect(Object.keys(today)).toEqual(TODAYS_FIELDS);
    if (era === "2025") expect(preview).toEqual(expect.objectContaining({ cards: [expect.objectContaining({ template: "Card 1" })] }));
    else expect(preview).toBeUndefined();
  });
});

describe("a deck's preview data", () => {
  it("links each side's clips next to the package; the store serves them as audio, the same bytes as in the deck, until the deck's link expires", async () => {
    const client = (await run.client({ apps: true })) as unknown as AppsClient;
    const cards = [{ front: "gato", back: "cat" }, { front: "perro", back: "dog" }, { front: "casa", back: "house" }];
    const result = await client.callTool({ name: "create_deck", arguments: { deck_name: "Clips", note_type: "basic-and-reversed", cards, language: "es-ES", audio: "both" } });
    const out = result.structuredContent!;
    const preview = out["preview"] as { cards: Array<{ template: string; question: { html: string; media: Array<{ file: string }> }; answer: { media: Array<{ file: string }> } }>; files: Record<string, string> };
    expect(preview.cards.map((c) => `${c.template}: ${c.question.html}`)).toEqual(["Card 1: gato", "Card 2: cat", "Card 1: perro", "Card 2: dog", "Card 1: casa", "Card 2: house"]);
    expect(preview.cards[0]!.answer.media.map((m) => m.file)).toEqual([preview.cards[0]!.question.media[0]!.file, preview.cards[1]!.question.media[0]!.file]);

    const deck = readApkg(new Uint8Array(await (await fetch(out["url"] as string)).arrayBuffer()), run.dir);
    expect(Object.keys(preview.files).sort()).toEqual(Object.values(deck.media_map).sort());
    const deckFolder = new URL(out["url"] as string).pathname.replace(/[^/]+$/, "");
    for (const [file, link] of Object.entries(preview.files)) {
      const url = new URL(link);
      expect(url.origin).toBe(run.dev.s3Endpoint);
      expect(url.pathname).toBe(`${deckFolder}preview/${file}`);
      expect(url.searchParams.get("X-Amz-Expires")).toBe(new URL(out["url"] as string).searchParams.get("X-Amz-Expires"));
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("audio/wav");
      const bytes = Buffer.from(await response.arrayBuffer());
      const packaged = readFileSync(join(run.dir, file));
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(createHash("sha256").update(packaged).digest("hex"));
    }
  });
});
