import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createDeckInput } from "../../lambda/src/mcp/create-deck-tool";
import { clipFileName, VOICES } from "../../lambda/src/tts/index";
import { PROJECT_ROOT } from "../../testing/paths";
import { ERAS, readApkg, runDevServer, type McpPeer, type ReadDeck, type Running, type ToolResult } from "../../testing/function/harness";

const sound = (text: string, language = "en-US") => `[sound:${clipFileName(text, { voice: VOICES[language]!, engine: "neural", rate: "normal" }, "wav")}]`;

// Each test builds decks through the dev server (speech, packaging, the preview's clips): seconds on
// a busy machine, so an explicit bound instead of jest's 5 s.
jest.setTimeout(60_000);

// What a deck holds does not depend on the protocol era; mcp-dev-server.test.ts builds and reads decks
// through both eras' clients. One era here keeps the suite quick.
describe.each([ERAS[0]!])("note types, tags, formatting and names through the dev server with the official %s client", (era) => {
  let run: Running;
  let client: McpPeer;
  beforeAll(async () => {
    run = await runDevServer();
    client = await run.client({ era });
  });
  afterAll(() => run.stop());
  const call = (args: Record<string, unknown>) => client.callTool({ name: "create_deck", arguments: args });
  const download = async (result: ToolResult): Promise<ReadDeck> => {
    expect(result.content[0]!.text).not.toMatch(/error/i);
    expect(result.isError).toBeUndefined();
    const response = await fetch(result.structuredContent!["url"] as string);
    return readApkg(new Uint8Array(await response.arrayBuffer()), run.dir);
  };
  const build = async (args: Record<string, unknown>) => {
    const result = await call(args);
    return { result, out: result.structuredContent!, deck: await download(result) };
  };
  const cardsOf = (deck: ReadDeck, noteId: number) => deck.cards.filter((c) => c.nid === noteId).map((c) => c.ord);

  it("keeps every card when fronts repeat, with GUIDs that are stable across builds, and stamps only the edited note anew", async () => {
    const cards = [{ front: "banco", back: "bank" }, { front: "banco", back: "bench" }, { front: "vela", back: "candle" }];
    const first = await build({ deck_name: "Homographs", cards, audio: "none" });
    expect(first.out).toEqual(expect.objectContaining({ card_count: 3, note_count: 3 }));
    expect(first.deck.notes.map((n) => n.flds)).toEqual([["banco", "bank"], ["banco", "bench"], ["vela", "candle"]]);
    expect(new Set(first.deck.notes.map((n) => n.guid)).size).toBe(3);

    // Rebuilt at once, reordered, one back edited: the same notes; the edited one stamped later, within the same second too.
    const again = await build({ deck_name: "Homographs", cards: [cards[2], cards[0], { front: "banco", back: "bench" }].map((c, i) => (i === 0 ? { ...c, back: "a candle" } : c)), audio: "none" });
    const noteOf = (deck: ReadDeck, back: RegExp) => deck.notes.find((n) => back.test(n.flds[1]!))!;
    for (const back of [/candle/, /bank/, /bench/]) expect(noteOf(again.deck, back).guid).toBe(noteOf(first.deck, back).guid);
    expect(Object.keys(again.deck.models)).toEqual(Object.keys(first.deck.models)); // one note type id on every build
    expect(new Set(first.deck.notes.map((n) => n.mod)).size).toBe(1);
    expect(noteOf(again.deck, /candle/).mod).toBeGreaterThan(noteOf(first.deck, /candle/).mod);
    expect(noteOf(again.deck, /bank/).mod).toBe(noteOf(first.deck, /bank/).mod);
    expect(noteOf(again.deck, /bench/).mod).toBe(noteOf(first.deck, /bench/).mod);
  });

  it("builds basic-and-reversed notes: two cards each, each side playing the clip of the text it shows", async () => {
    const { out, deck, result } = await build({ deck_name: "Reversed", note_type: "basic-and-reversed", cards: [{ front: "hola", back: "hello" }, { front: "gato", back: "cat" }], language: "es-ES", audio: "both" });
    expect(out).toEqual(expect.objectContaining({ card_count: 4, note_count: 2, note_type: "basic-and-reversed", audio_clips: 4 }));
    expect(result.content[0]!.text).toContain("with 4 cards from 2 notes and 4 audio clips");
    const model = Object.values(deck.models)[0]!;
    expect(Object.keys(deck.models)).toHaveLength(1);
    expect(model).toEqual(expect.objectContaining({ name: "Ankify Basic (and reversed card)", type: 0, req: [[0, "any", [0]], [1, "any", [1]]] }));
    expect(model.flds.map((f) => f.name)).toEqual(["Front", "Back"]);
    expect(model.tmpls.map((t) => [t.name, t.ord, t.qfmt])).toEqual([["Card 1", 0, "{{Front}}"], ["Card 2", 1, "{{Back}}"]]);
    expect(model.tmpls[1]!.afmt).toContain("{{Front}}");
    for (const note of deck.notes) {
      expect(note.mid).toBe(model.id);
      expect(cardsOf(deck, note.id)).toEqual([0, 1]);
    }
    expect(deck.notes[0]!.flds).toEqual([`hola${sound("hola", "es-ES")}`, `hello${sound("hello", "es-ES")}`]);
  });

  it("builds cloze notes: a card per deletion number, the answer spoken on the back, hints or pauses on the front", async () => {
    const { out, deck } = await build({
      deck_name: "Geography",
      note_type: "cloze",
      cards: [
        { text: "{{c1::Paris}} is the capital of {{c2::France::a country}}.", extra: "Since 508" },
        { text: "Water boils at {{c1::100}} degrees and freezes at {{c1::0}}." },
      ],
      audio: "both",
    });
    expect(out).toEqual(expect.objectContaining({ card_count: 3, note_count: 2, note_type: "cloze", audio_clips: 4 }));
    const model = Object.values(deck.models)[0]!;
    expect(model).toEqual(expect.objectContaining({ name: "Ankify Cloze", type: 1 }));
    expect(model.flds.map((f) => f.name)).toEqual(["Text", "Back Extra"]);
    expect(model.tmpls.map((t) => [t.qfmt, t.afmt])).toEqual([["{{cloze:Text}}", "{{cloze:Text}}<br>\n{{Back Extra}}"]]);
    expect(model.css).toMatch(/\.cloze/);
    const [paris, water] = deck.notes;
    expect(cardsOf(deck, paris!.id)).toEqual([0, 1]);
    expect(cardsOf(deck, water!.id)).toEqual([0]);
    expect(paris!.flds).toEqual([
      `{{c1::Paris}} is the capital of {{c2::France::a country}}.${sound("… is the capital of a country.")}`,
      `Since 508${sound("Paris is the capital of France.")}`,
    ]);
    expect(water!.flds[1]).toBe(sound("Water boils at 100 degrees and freezes at 0."));
  });

  it("tags notes with the deck's and each card's tags, as Anki keeps them", async () => {
    const { deck } = await build({
      deck_name: "Tagged",
      tags: ["Spanish", "food"],
      cards: [{ front: "pan", back: "bread", tags: ["FOOD", "nouns::bakery"] }, { front: "comer", back: "to eat", tags: ["verbs::er"] }],
      audio: "none",
    });
    expect(deck.notes.map((n) => n.tags)).toEqual([["food", "nouns::bakery", "Spanish"], ["food", "Spanish", "verbs::er"]]);
    expect(deck.notes[0]!.raw_tags).toBe(" food nouns::bakery Spanish ");
    expect(Object.keys(deck.col_tags).sort()).toEqual(["food", "nouns::bakery", "Spanish", "verbs::er"].sort());
  });

  it("keeps allowed HTML, drops the rest, and speaks the text without markup", async () => {
    const { deck } = await build({
      deck_name: "Formatted",
      format: "html",
      cards: [{ front: "<b onclick=\"alert(1)\">fish</b> &amp; <i>chips</i><script>alert(1)</script><img src=x onerror=alert(1)>", back: "<ruby>魚<rt>さかな</rt></ruby>" }],
    });
    expect(deck.notes[0]!.flds).toEqual([`<b>fish</b> &amp; <i>chips</i>${sound("fish & chips")}`, "<ruby>魚<rt>さかな</rt></ruby>"]);
  });

  it("reports the deck name Anki will show, and builds the deck under it", async () => {
    const { out, deck, result } = await build({ deck_name: 'My "best" deck :: Verbs', cards: [{ front: "ir", back: "to go" }], audio: "none" });
    expect(out).toEqual(expect.objectContaining({ deck_name: "My best deck::Verbs", requested_deck_name: 'My "best" deck :: Verbs' }));
    expect(Object.values(deck.decks).map((d) => d.name).sort()).toEqual(["Default", "My best deck::Verbs"]);
    expect(result.content[0]!.text).toMatch(/^Deck "My best deck::Verbs" \(Anki's name for "My \\"best\\" deck :: Verbs"\) with 1 card and 0 audio clips \(/);
    const same = await build({ deck_name: "My best deck::Verbs", cards: [{ front: "ir", back: "to go" }], audio: "none" });
    expect(same.deck.notes[0]!.guid).toBe(deck.notes[0]!.guid);
  });

  it("says 1 card and 1 audio clip in the singular", async () => {
    const result = await call({ deck_name: "One", cards: [{ front: "one", back: "uno" }] });
    expect(result.content[0]!.text).toMatch(/^Deck "One" with 1 card and 1 audio clip \(\d+ bytes\): http/);
  });

  it("accepts line breaks (any convention) and tabs in card text", async () => {
    const { deck } = await build({ deck_name: "Lines", cards: [{ front: "one\r\ntwo\rthree\nfour", back: "a\tb" }], audio: "none" });
    expect(deck.notes[0]!.flds).toEqual(["one<br>two<br>three<br>four", "a\tb"]);
  });

  const basic = { front: "f", back: "b" };
  it.each([
    ["a C0 control in a front", { cards: [basic, { front: "a\u0007b", back: "b" }] }, "cards.1.front: must not contain control characters (found U+0007)"],
    ["a C1 control in a back", { cards: [{ front: "f", back: "a\u0085b" }] }, "cards.0.back: must not contain control characters (found U+0085)"],
    ["U+001F in a cloze text", { note_type: "cloze", cards: [{ text: "{{c1::a}}\u001f" }] }, "cards.0.text: must not contain control characters (found U+001F)"],
    ["U+001F written as an entity in HTML", { format: "html", cards: [{ front: "a&#31;b", back: "b" }] }, "cards.0.front: must not contain control characters (found U+001F)"],
    ["a control character in deck_name", { deck_name: "a\u0085b" }, "deck_name: must not contain control characters (found U+0085)"],
    ["a newline in deck_name", { deck_name: "a\nb" }, "deck_name: must not contain control characters (found U+000A)"],
    ["a lone surrogate in a back", { cards: [{ front: "f", back: "a\ud800" }] }, "cards.0.back: must not contain unpaired UTF-16 surrogates (found U+D800)"],
    ["a lone surrogate in deck_name", { deck_name: "\udc00deck" }, "deck_name: must not contain unpaired UTF-16 surrogates (found U+DC00)"],
    ["a bidi override in a front", { cards: [basic, basic, { front: "abc\u202edef", back: "b" }] }, "cards.2.front: must not contain bidirectional embedding, override or isolate characters (found U+202E)"],
    ["a bidi isolate in deck_name", { deck_name: "\u2066deck\u2069" }, "deck_name: must not contain bidirectional embedding, override or isolate characters (found U+2066)"],
    ["a zero-width-only deck_name", { deck_name: "\u200b\u200d" }, "deck_name: must contain a visible character"],
    ["a zero-width-only part of deck_name", { deck_name: "Spanish::\u200b" }, "deck_name: has a part made only of invisible characters (part 2 of 2)"],
    ["a zero-width-only back", { cards: [{ front: "f", back: "\u200b" }] }, "cards.0.back: must contain a visible character"],
    ["HTML that sanitizes to nothing", { format: "html", cards: [{ front: "<script>alert(1)</script>", back: "b" }] }, "cards.0.front: has no text left once markup that is not allowed is removed"],
    ["a tag with a space", { tags: ["past tense"] }, "tags.0: must not contain spaces"],
    ["a card tag with a quote", { cards: [{ ...basic, tags: ["ok", 'a"b'] }] }, 'cards.0.tags.1: must not contain " (Anki removes it)'],
    ["21 tags", { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, "tags: must have at most 20 tags"],
    ["a cloze text without a deletion", { note_type: "cloze", cards: [{ text: "Paris" }] }, "cards.0.text: must contain at least one cloze deletion"],
    ["cloze numbers with a gap", { note_type: "cloze", cards: [{ text: "{{c1::a}} {{c2::b}}" }, { text: "{{c1::a}} {{c3::b}}" }] }, "cards.1.text: must number cloze deletions from c1 without gaps (c2 is missing)"],
    ["a nested cloze", { note_type: "cloze", cards: [{ text: "{{c1::a {{c2::b}}}}" }] }, "cards.0.text: must not nest cloze deletions"],
    ["a front on a cloze card", { note_type: "cloze", cards: [{ text: "{{c1::a}}", front: "f" }] }, "cards.0.front: is not used by note_type cloze"],
    ["a cloze text on a basic card", { cards: [{ ...basic, text: "{{c1::a}}" }] }, "cards.0.text: is not used by note_type basic"],
    ["a reversed card without front", { note_type: "basic-and-reversed", cards: [{ back: "b" }] }, "cards.0.front: is required for note_type basic-and-reversed"],
    ["the same card twice", { cards: [basic, { front: "x", back: "y" }, { front: " f ", back: "b" }] }, "cards.2: repeats cards.0 (same front and back); remove one"],
    ["an unknown note_type", { note_type: "image-occlusion" }, 'note_type: Invalid option: expected one of "basic"|"basic-and-reversed"|"cloze"'],
    ["an unknown format", { format: "markdown" }, 'format: Invalid option: expected one of "text"|"html"'],
  ])("rejects %s, naming the field and the card", async (_label, args, message) => {
    const r = await call({ deck_name: "d", cards: [basic], ...args });
    expect(r.isError).toBe(true);
    expect(r.content[0]!.text).toContain(`Input validation error: Invalid arguments for tool create_deck: `);
    expect(r.content[0]!.text).toContain(message);
  });
});

describe("the create_deck examples in docs/create-deck.md", () => {
  it("are valid input, one per note type", async () => {
    const page = readFileSync(join(PROJECT_ROOT, "docs", "create-deck.md"), "utf8");
    const block = /One example per note type:\n\n```json\n([\s\S]*?)\n```/.exec(page)![1]!;
    // Parsed as the SDK parses them: the schema's request checks are asynchronous.
    const examples = await Promise.all(block.split(/\n\n/).map((json) => createDeckInput.safeParseAsync(JSON.parse(json))));
    for (const example of examples) expect(example.error?.issues).toBeUndefined();
    expect(examples.map((e) => e.data!.note_type)).toEqual(["basic", "basic-and-reversed", "cloze"]);
  });
});
