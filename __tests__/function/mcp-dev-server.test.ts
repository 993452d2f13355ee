import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { audioSeconds, ERAS, readApkg, runDevServer, type McpPeer, type Running } from "../../testing/function/harness";

// Each test builds decks through the dev server (speech, packaging, the preview's clips): seconds on
// a busy machine, so an explicit bound instead of jest's 5 s.
jest.setTimeout(60_000);

describe.each(ERAS)("create_deck through the dev server with the official %s client", (era) => {
  let run: Running;
  let client: McpPeer;
  beforeAll(async () => {
    run = await runDevServer();
    client = await run.client({ era });
  });
  afterAll(() => run.stop());
  const call = (args: Record<string, unknown>) => client.callTool({ name: "create_deck", arguments: args });

  it("lists create_deck with its input and output schemas, and get_deck", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(["create_deck", "get_deck"]);
    expect(Object.keys(tools[0]!.inputSchema.properties ?? {})).toEqual(["deck_name", "note_type", "cards", "tags", "format", "language", "back_language", "audio", "engine", "speech_rate"]);
    expect(tools[0]!.inputSchema.required).toEqual(["deck_name", "cards"]);
    const fields = ["url", "expires_at", "deck_name", "card_count", "audio_clips", "images", "size_bytes", "note_count", "note_type", "requested_deck_name", "clips_spoken", "clips_cached", "characters_spoken"];
    // A deck's fields, the preview's data (docs/preview.md), and a deck job's handle (docs/jobs.md):
    // one object whose fields are all optional, since a running job's answer has none of the deck's.
    const job = ["status", "job_id", "progress", "poll_after_seconds", "message"];
    expect(Object.keys(tools[0]!.outputSchema?.properties ?? {})).toEqual([...job, ...fields, "preview", "characters_left_today"]);
    expect((tools[0]!.outputSchema as { required?: string[] }).required ?? []).toEqual([]);
    // get_deck answers in the same shape.
    expect(tools[1]!.outputSchema).toEqual(tools[0]!.outputSchema);
    expect(tools[1]!.inputSchema.required).toEqual(["job_id"]);
  });

  it("returns a link that downloads an .apkg an independent reader opens, with notes, cards, deck, media and real audio", async () => {
    const cards = [
      { front: "hola", back: "hello" },
      { front: "adiós", back: "goodbye" },
      { front: "hola", back: "hi" },
      { front: "<b>gato</b> & perro", back: "cat\nand dog" },
    ];
    const result = await call({ deck_name: "Spanish::Basics", cards, language: "es-ES" });
    expect(result.isError).toBeUndefined();
    const out = result.structuredContent!;
    expect(out).toEqual(expect.objectContaining({ deck_name: "Spanish::Basics", card_count: 4, audio_clips: 3 }));
    const url = new URL(out["url"] as string);
    expect(url.hostname).toBe("127.0.0.1");
    expect(url.pathname).toMatch(/\/spanish-basics\.apkg$/);
    expect(Date.parse(out["expires_at"] as string) - Date.now()).toBeGreaterThan(3_500_000);
    expect(result.content[0]!.text).toContain(out["url"] as string);

    const response = await fetch(url);
    expect(response.status).toBe(200);
    const apkg = new Uint8Array(await response.arrayBuffer());
    expect(apkg.length).toBe(out["size_bytes"]);

    const deck = readApkg(apkg, run.dir);
    expect(deck.ver).toBe(11);
    expect(deck.integrity).toBe("ok");
    expect(deck.files.sort()).toEqual(["0", "1", "2", "collection.anki2", "media"]);
    const ours = Object.values(deck.decks).find((d) => d.name === "Spanish::Basics")!;
    expect(ours).toBeDefined();
    const model = Object.values(deck.models)[0]!;
    expect(model.flds.map((f) => f.name)).toEqual(["Front", "Back"]);
    expect(model.tmpls).toHaveLength(1);

    // One note and one card per input card, in the deck, with the spoken front's sound tag.
    expect(deck.notes).toHaveLength(4);
    expect(deck.cards.map((c) => [c.nid, c.did, c.ord])).toEqual(deck.notes.map((n) => [n.id, ours.id, 0]));
    const files = Object.values(deck.media_map);
    expect(new Set(files).size).toBe(3);
    const [hola, adios, holaAgain, gato] = deck.notes;
    expect(hola!.flds[0]).toMatch(/^hola\[sound:(ankify-[0-9a-f]{20}\.wav)\]$/);
    expect(holaAgain!.flds[0]).toBe(hola!.flds[0]); // same text, one clip
    expect(adios!.flds).toEqual([expect.stringMatching(/^adiós\[sound:ankify-[0-9a-f]{20}\.wav\]$/), "goodbye"]);
    expect(gato!.flds[0]).toMatch(/^&lt;b&gt;gato&lt;\/b&gt; &amp; perro\[sound:/);
    expect(gato!.flds[1]).toBe("cat<br>and dog");
    expect(hola!.sfld).toBe("hola");
    for (const note of deck.notes) {
      const sound = /\[sound:([^\]]+)\]/.exec(note.flds[0]!)![1]!;
      expect(files).toContain(sound);
    }
    // Each media file is real audio: a WAV header, and sox measures a duration.
    for (const name of files) {
      expect(deck.media[name]!.head.slice(0, 8)).toBe("52494646"); // "RIFF"
      expect(audioSeconds(join(run.dir, name))).toBeGreaterThan(0.1);
    }
  });

  it("gives the same note GUIDs for the same deck and fronts, so re-importing updates", async () => {
    const build = async (backs: string[]) => {
      const r = await call({ deck_name: "Stable", cards: [{ front: "uno", back: backs[0] }, { front: "dos", back: backs[1] }], audio: "none" });
      return readApkg(new Uint8Array(await (await fetch(r.structuredContent!["url"] as string)).arrayBuffer()), run.dir);
    };
    const first = await build(["one", "two"]);
    const second = await build(["ONE", "TWO"]);
    expect(second.notes.map((n) => n.guid)).toEqual(first.notes.map((n) => n.guid));
    expect(Object.values(second.decks).find((d) => d.name === "Stable")!.id).toBe(Object.values(first.decks).find((d) => d.name === "Stable")!.id);
    expect(first.media_map).toEqual({});
    const other = await call({ deck_name: "Other", cards: [{ front: "uno", back: "one" }], audio: "none" });
    const otherDeck = readApkg(new Uint8Array(await (await fetch(other.structuredContent!["url"] as string)).arrayBuffer()), run.dir);
    expect(otherDeck.notes[0]!.guid).not.toBe(first.notes[0]!.guid);
  });

  it.each([
    ["back", 2, [false, true]],
    ["both", 4, [true, true]],
  ] as const)("puts audio on the %s side", async (audio, clips, [front, back]) => {
    const r = await call({ deck_name: `Audio ${audio}`, cards: [{ front: "one", back: "uno" }, { front: "two", back: "dos" }], audio });
    expect(r.structuredContent!["audio_clips"]).toBe(clips);
    const deck = readApkg(new Uint8Array(await (await fetch(r.structuredContent!["url"] as string)).arrayBuffer()), run.dir);
    for (const note of deck.notes) {
      expect(note.flds[0]!.includes("[sound:")).toBe(front);
      expect(note.flds[1]!.includes("[sound:")).toBe(back);
    }
  });

  const card = { front: "f", back: "b" };
  it.each([
    ["no deck_name", { cards: [card] }, "deck_name: Invalid input: expected string, received undefined"],
    ["an empty deck_name", { deck_name: "", cards: [card] }, "deck_name: must not be empty"],
    ["a blank deck_name", { deck_name: "   ", cards: [card] }, "deck_name: must not be empty"],
    ["a 101-character deck_name", { deck_name: "x".repeat(101), cards: [card] }, "deck_name: must be at most 100 characters"],
    ["a control character in deck_name", { deck_name: "a\u0007b", cards: [card] }, "deck_name: must not contain control characters"],
    ["no cards", { deck_name: "d" }, "cards: Invalid input: expected array, received undefined"],
    ["an empty card list", { deck_name: "d", cards: [] }, "cards: needs at least one card"],
    ["1001 cards", { deck_name: "d", cards: Array.from({ length: 1001 }, () => card) }, "cards: must have at most 1000 cards"],
    ["an empty front", { deck_name: "d", cards: [{ front: "", back: "b" }] }, "cards.0.front: must not be empty"],
    ["a 1001-character back", { deck_name: "d", cards: [card, { front: "f", back: "x".repeat(1001) }] }, "cards.1.back: must be at most 1000 characters"],
    ["a card without back", { deck_name: "d", cards: [{ front: "f" }] }, "cards.0.back: is required for note_type basic"],
    ["an unknown card field", { deck_name: "d", cards: [{ ...card, hint: "h" }] }, 'cards.0: unknown field "hint"; cards have front, back, text, extra, tags'],
    ["an unknown language", { deck_name: "d", cards: [card], language: "xx-XX" }, "language: Invalid option: expected one of"],
    ["an unknown audio side", { deck_name: "d", cards: [card], audio: "left" }, 'audio: Invalid option: expected one of "front"|"back"|"both"|"none"'],
  ])("rejects %s with a tool error naming the field", async (_label, args, message) => {
    const r = await call(args);
    expect(r.isError).toBe(true);
    expect(r.content[0]!.text).toContain("Input validation error: Invalid arguments for tool create_deck: ");
    expect(r.content[0]!.text).toContain(message);
    expect(r.content[0]!.text).not.toMatch(/\n\s+at .*\.(ts|js):\d+/); // no stack trace
  });
});

describe("version negotiation", () => {
  it("gives an official v2 client in auto mode the 2026-07-28 era, and by default the 2025 handshake", async () => {
    const run = await runDevServer();
    try {
      const headers = { "x-origin-verify": run.secrets[0]!, "x-api-key": run.apiKey! };
      const eraOf = async (negotiation: Record<string, unknown>) => {
        const client = new Client({ name: "negotiation-test", version: "1" }, negotiation);
        await client.connect(new StreamableHTTPClientTransport(new URL(`${run.dev.url}/mcp`), { requestInit: { headers } }));
        const era = client.getProtocolEra();
        expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["create_deck", "get_deck"]);
        await client.close();
        return era;
      };
      expect(await eraOf({ versionNegotiation: { mode: "auto" } })).toBe("modern");
      expect(await eraOf({})).toBe("legacy");
    } finally {
      await run.stop();
    }
  });
});
