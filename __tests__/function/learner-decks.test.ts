import { readFileSync } from "node:fs";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { join } from "node:path";
import { devOptionsFromEnv } from "../../lambda/src/dev-server";
import { NOTE_TYPES, NOTE_TYPES_MOD } from "../../lambda/src/deck/note-types";
import { noteTimesKey } from "../../lambda/src/storage/note-times";
import { clipFileName, VOICES } from "../../lambda/src/tts/index";
import { readApkg, runDevServer, type McpPeer, type ReadDeck, type Running, type ToolResult } from "../../testing/function/harness";
import { dataUri, GIF, PNG, pictureServer, serve, WEBP, type PictureServer } from "../../testing/function/pictures";
import { UPGRADE_FIXTURES } from "../../testing/function/build-upgrade-fixtures";
import { PROJECT_ROOT } from "../../testing/paths";

// Each test builds decks through the dev server and reads them with Python: seconds on a busy machine. A generous bound, not a measure.
jest.setTimeout(30_000);

const FIXTURES = join(PROJECT_ROOT, "__tests__", "fixtures", "decks", "before-issue-23");
const sound = (text: string, language = "en-US") => `[sound:${clipFileName(text, { voice: VOICES[language]!, engine: "neural", rate: "normal" }, "wav")}]`;

describe("decks learners keep, through the dev server", () => {
  let run: Running;
  let client: McpPeer;
  let pictures: PictureServer;
  beforeAll(async () => {
    pictures = await pictureServer({ "/cat.png": serve(PNG), "/dog.gif": serve(GIF), "/page.html": serve(Buffer.from("<html>hi</html>"), "text/html") });
    run = await runDevServer({ allowLoopbackImages: true });
    client = await run.client();
  });
  afterAll(async () => {
    await run.stop();
    await pictures.close();
  });
  const call = (args: Record<string, unknown>) => client.callTool({ name: "create_deck", arguments: args });
  const build = async (args: Record<string, unknown>): Promise<{ result: ToolResult; deck: ReadDeck }> => {
    const result = await call(args);
    if (result.isError) throw new Error(result.content[0]!.text);
    const response = await fetch(result.structuredContent!["url"] as string);
    return { result, deck: readApkg(new Uint8Array(await response.arrayBuffer()), run.dir) };
  };
  const modsByFront = (deck: ReadDeck) => Object.fromEntries(deck.notes.map((n) => [n.flds[0], n.mod]));

  it("tells the model what re-importing does, and offers pictures", async () => {
    const tool = (await client.listTools()).tools.find((t) => t.name === "create_deck")!;
    expect(tool.description).toContain("a note is the same note when the deck name and its identity text are the same");
    expect(tool.description).toContain("Renaming the deck makes new notes beside the old ones");
    expect(tool.description).toContain("cards left out of a rebuild stay in the learner's collection");
    const card = (tool.inputSchema.properties!["cards"] as { items: { properties: Record<string, { description?: string; enum?: string[] }> } }).items.properties;
    expect(card["image"]!.description).toMatch(/data:image\/…;base64, URI .* or an https:\/\/ URL/);
    expect(card["image_side"]!.enum).toEqual(["front", "back"]);
    expect(Object.keys((tool.outputSchema!.properties!))).toContain("images");
  });

  it("stamps a note with when its content changed: an unchanged rebuild changes no stamp, an edited card alone is stamped anew", async () => {
    const cards = [{ front: "hola", back: "hello" }, { front: "gato", back: "cat" }, { front: "perro", back: "dog" }];
    const first = await build({ deck_name: "Stamps", cards, audio: "none" });
    const again = await build({ deck_name: "Stamps", cards: [...cards].reverse(), audio: "none" });
    expect(modsByFront(again.deck)).toEqual(modsByFront(first.deck));
    const edited = await build({ deck_name: "Stamps", cards: [cards[0], { front: "gato", back: "a cat" }, cards[2]], audio: "none" });
    const before = modsByFront(first.deck);
    const after = modsByFront(edited.deck);
    expect(after["hola"]).toBe(before["hola"]);
    expect(after["perro"]).toBe(before["perro"]);
    expect(after["gato"]).toBeGreaterThan(before["gato"]!);
    // Cards carry their note's stamp; the note type carries its release, never the build time.
    for (const { deck } of [first, again, edited]) {
      const model = Object.values(deck.models)[0]!;
      expect(model.mod).toBe(NOTE_TYPES_MOD);
      for (const card of deck.cards) expect(card.mod).toBe(deck.notes.find((n) => n.id === card.nid)!.mod);
    }
  });

  it("keeps what it remembers as one object per client and deck under note-times/, and replaces one it cannot read", async () => {
    const s3 = new S3Client({ endpoint: run.dev.s3Endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }, requestChecksumCalculation: "WHEN_REQUIRED" });
    const Key = `note-times/${noteTimesKey("api-key:test-client", "Records")}`;
    const first = await build({ deck_name: "Records", cards: [{ front: "uno", back: "one" }], audio: "none" });
    const stored = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: run.dev.bucket, Key }))).Body!.transformToString()) as { version: number; notes: Record<string, [string, number]> };
    expect(stored).toEqual({ version: 1, notes: { [first.deck.notes[0]!.guid]: [expect.any(String), first.deck.notes[0]!.mod] } });
    await s3.send(new PutObjectCommand({ Bucket: run.dev.bucket, Key, Body: "not json" }));
    // Read as a first build: stamped with the build time (not the fallback), the record written anew.
    const after = await build({ deck_name: "Records", cards: [{ front: "uno", back: "one" }], audio: "none" });
    expect(after.deck.notes[0]!.mod).toBeGreaterThanOrEqual(first.deck.notes[0]!.mod);
    const replaced = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: run.dev.bucket, Key }))).Body!.transformToString()) as { version: number };
    expect(replaced.version).toBe(1);
    s3.destroy();
  });

  it("gives fields and templates their fixed ids, keeping their names", async () => {
    const { deck } = await build({ deck_name: "Ids", note_type: "basic-and-reversed", cards: [{ front: "a", back: "b" }], audio: "none" });
    const model = Object.values(deck.models)[0]! as unknown as { flds: Array<{ name: string; id: number }>; tmpls: Array<{ name: string; id: number }> };
    expect(model.flds.map((f) => [f.name, f.id])).toEqual(NOTE_TYPES["basic-and-reversed"].fields.map((f) => [f.name, f.id]));
    expect(model.tmpls.map((t) => [t.name, t.id])).toEqual(NOTE_TYPES["basic-and-reversed"].templates.map((t) => [t.name, t.id]));
  });

  it("puts pictures from data: URIs and URLs inside the side's field, one file per picture, counted", async () => {
    const { result, deck } = await build({
      deck_name: "Pictures",
      cards: [
        { front: "gato", back: "cat", image: `${pictures.origin}/cat.png` },
        { front: "perro", back: "dog", image: `${pictures.origin}/dog.gif`, image_side: "back" },
        { front: "pájaro", back: "bird", image: dataUri(WEBP, "image/webp") },
        { front: "gatito", back: "kitten", image: dataUri(PNG) },
      ],
      audio: "front",
      language: "es-ES",
    });
    expect(result.structuredContent).toEqual(expect.objectContaining({ images: 3, audio_clips: 4, note_count: 4 }));
    expect(result.content[0]!.text).toMatch(/with 4 cards, 3 pictures and 4 audio clips/);
    const img = (field: string) => /<img src="(ankify-[0-9a-f]{20}\.(?:png|gif|webp))">/.exec(field)?.[1];
    const [cat, dog, bird, kitten] = deck.notes;
    expect(cat!.flds[0]).toBe(`<div><img src="${img(cat!.flds[0]!)}"></div>gato${sound("gato", "es-ES")}`);
    expect(dog!.flds[0]).toBe(`perro${sound("perro", "es-ES")}`);
    expect(img(dog!.flds[1]!)).toMatch(/\.gif$/);
    expect(img(bird!.flds[0]!)).toMatch(/\.webp$/);
    // The same picture, from a URL or a data: URI, is one file.
    expect(img(kitten!.flds[0]!)).toBe(img(cat!.flds[0]!));
    const images = Object.values(deck.media_map).filter((name) => !name.endsWith(".wav")).sort();
    expect(images).toEqual([img(cat!.flds[0]!), img(dog!.flds[1]!), img(bird!.flds[0]!)].sort());
    expect(readFileSync(join(run.dir, img(cat!.flds[0]!)!))).toEqual(PNG);
    expect(deck.media[img(dog!.flds[1]!)!]!.head).toBe(GIF.subarray(0, 12).toString("hex"));
  });

  it.each([
    ["a URL that answers 404", { image: "PATH/missing.png" }, "cards.0.image (PATH/missing.png) answered HTTP 404. Give another picture, or leave it out; nothing was built."],
    ["a page that is not a picture", { image: "PATH/page.html" }, "cards.0.image (PATH/page.html) is not a PNG, JPEG, GIF or WebP picture."],
  ])("refuses %s, naming the card, and builds nothing", async (_label, card, message) => {
    const result = await call({ deck_name: "Bad picture", cards: [{ front: "a", back: "b", image: card.image.replace("PATH", pictures.origin) }], audio: "none" });
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toContain(message.replace(/PATH/g, pictures.origin));
  });

  it.each([
    ["image_side without an image", { front: "a", back: "b", image_side: "back" }, "cards.0.image_side: needs an image (it says which side shows it)"],
    ["an http URL elsewhere than loopback", { front: "a", back: "b", image: "http://example.org/cat.png" }, "cards.0.image: must be a data:image/…;base64, URI or an https:// URL"],
    ["a data: URI that is not a picture", { front: "a", back: "b", image: "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" }, "cards.0.image: must be a PNG, JPEG, GIF or WebP picture (its bytes are not one)"],
    ["an unknown side", { front: "a", back: "b", image: dataUri(PNG), image_side: "left" }, 'cards.0.image_side: Invalid option: expected one of "front"|"back"'],
  ])("refuses %s before any work", async (_label, card, message) => {
    const result = await call({ deck_name: "d", cards: [card], audio: "none" });
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toContain(message);
  });

  it("shows Anki markup in card text as written, and speaks only the words", async () => {
    const { deck } = await build({ deck_name: "Markup", cards: [{ front: "hello [sound:evil.mp3]", back: "{{Front}} [$]x^2[/$]" }], audio: "both" });
    expect(deck.notes[0]!.flds).toEqual([`hello &#91;sound:evil.mp3]${sound("hello")}`, `&#123;&#123;Front&#125;&#125; &#91;$]x^2&#91;/$]${sound("{{Front}} x^2")}`]);
    expect(Object.values(deck.media_map)).not.toContain("evil.mp3");
  });

  it.each(Object.entries(UPGRADE_FIXTURES))("rebuilds %s, a deck built before this release, as updates of the same notes and note type", async (file, request) => {
    const old = readApkg(readFileSync(join(FIXTURES, file)), run.dir);
    const { deck } = await build({ ...request });
    expect(Object.keys(deck.models)).toEqual(Object.keys(old.models));
    const [before, after] = [Object.values(old.models)[0]!, Object.values(deck.models)[0]!];
    expect(after.flds.map((f) => f.name)).toEqual(before.flds.map((f) => f.name));
    expect(after.tmpls.map((t) => t.name)).toEqual(before.tmpls.map((t) => t.name));
    expect(deck.notes.map((n) => n.guid)).toEqual(old.notes.map((n) => n.guid));
    expect(deck.notes.map((n) => n.flds)).toEqual(old.notes.map((n) => n.flds));
    // Anki updates a note only from a newer package: the first build that remembers stamps them now.
    for (const [i, note] of deck.notes.entries()) expect(note.mod).toBeGreaterThan(old.notes[i]!.mod);
    expect(Object.keys(deck.decks)).toEqual(Object.keys(old.decks));
  });
});

describe("the dev server's picture setting", () => {
  let pictures: PictureServer;
  beforeAll(async () => {
    pictures = await pictureServer({ "/cat.png": serve(PNG) });
  });
  afterAll(() => pictures.close());

  it("is off unless ANKIFY_DEV_ALLOW_LOOPBACK_IMAGES=1: loopback pictures are then refused like any non-public address", async () => {
    const run = await runDevServer();
    try {
      const client = await run.client();
      const result = await client.callTool({ name: "create_deck", arguments: { deck_name: "d", cards: [{ front: "a", back: "b", image: `${pictures.origin}/cat.png` }], audio: "none" } });
      expect(result.isError).toBe(true);
      expect(result.content[0]!.text).toContain(`cards.0.image (${pictures.origin}/cat.png) must be an https:// URL (http:// is not fetched).`);
      expect(pictures.requests).toEqual([]);
    } finally {
      await run.stop();
    }
  });

  it("is read from the environment, 1 or 0", () => {
    const base = { ANKIFY_ORIGIN_SECRET: "s".repeat(32), ANKIFY_CLIENT_AUTH: "none" };
    expect(devOptionsFromEnv({ ...base, ANKIFY_DEV_ALLOW_LOOPBACK_IMAGES: "1" })).toEqual({ options: expect.objectContaining({ allowLoopbackImages: true }) });
    expect(devOptionsFromEnv(base)).toEqual({ options: expect.not.objectContaining({ allowLoopbackImages: true }) });
    expect(devOptionsFromEnv({ ...base, ANKIFY_DEV_ALLOW_LOOPBACK_IMAGES: "yes" })).toEqual({
      problems: ['ANKIFY_DEV_ALLOW_LOOPBACK_IMAGES = "yes" must be 1 (card pictures may come from loopback addresses, over http too) or 0.'],
    });
  });
});
