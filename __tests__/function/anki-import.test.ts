import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findAnki, startAnki, type Anki, type AnkiCollection, type AnkiStep } from "../../testing/function/anki";
import { UPGRADE_FIXTURES } from "../../testing/function/build-upgrade-fixtures";
import { runDevServer, type McpPeer, type Running } from "../../testing/function/harness";
import { aloneSecondsOf, clipsOf, expectOwnTexts, fakePollyClient, SPANISH } from "../../testing/function/own-texts";
import { dataUri, GIF, pictureServer, PNG, serve, type PictureServer } from "../../testing/function/pictures";
import { ROOMY_QUOTAS } from "../../testing/polly-fake/limits";
import { startPollyFake, type PollyFake } from "../../testing/polly-fake/server";
import { PROJECT_ROOT } from "../../testing/paths";

// Each test builds decks and runs Anki (a Python process per step): seconds on a busy machine. A generous bound, not a measure.
jest.setTimeout(60_000);

// Real Anki (2.1.15's importer, headless, the version the issue was measured with) importing what
// the dev server builds, into fresh collections. Without it installed, this suite is skipped and
// says how to install it.
const anki = findAnki();
const describeWithAnki = "path" in anki ? describe : describe.skip;
const title = "path" in anki ? "a real Anki importer (2.1.15)" : `a real Anki importer: SKIPPED, ${anki.missing}`;
if (!("path" in anki)) console.warn(`anki-import.test.ts: the real-Anki import tests are skipped: ${anki.missing}.`);

describeWithAnki(title, () => {
  const ankiPath = "path" in anki ? anki.path : "";
  let run: Running;
  let client: McpPeer;
  let pictures: PictureServer;
  let ankiProcess: Anki;
  let dir: string;
  let builds = 0;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ankify-anki-"));
    ankiProcess = startAnki(ankiPath);
    pictures = await pictureServer({ "/cat.png": serve(PNG) });
    run = await runDevServer({ allowLoopbackImages: true });
    client = await run.client();
  });
  afterAll(async () => {
    await run.stop();
    await pictures.close();
    await ankiProcess.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Builds a deck through the dev server; the path of its package. */
  const build = async (args: Record<string, unknown>): Promise<string> => {
    const result = await client.callTool({ name: "create_deck", arguments: args });
    if (result.isError) throw new Error(result.content[0]!.text);
    const file = join(dir, `build-${++builds}.apkg`);
    writeFileSync(file, new Uint8Array(await (await fetch(result.structuredContent!["url"] as string)).arrayBuffer()));
    return file;
  };
  const collection = (name: string) => join(dir, `${name}.anki2`);
  const steps = (name: string, ...list: AnkiStep[]): Promise<AnkiCollection> => ankiProcess.run(collection(name), list);
  const noteWith = (col: AnkiCollection, front: string) => col.notes.find((n) => n.flds[0]!.startsWith(front))!;

  it("leaves a learner's edits to a card and to the styling alone when an unchanged deck is re-imported, and updates only a changed card", async () => {
    const cards = [{ front: "hola", back: "hello" }, { front: "gato", back: "cat" }, { front: "perro", back: "dog" }];
    const deck = { deck_name: "Learner::Spanish", cards, language: "es-ES", audio: "none" };
    const first = await steps("edits", { import: await build(deck) });
    expect(first.reports[0]).toEqual(expect.objectContaining({ added: 3, updated: 0 }));
    const hola = noteWith(first, "hola").guid;
    await steps("edits", { edit_note: hola, field: 1, value: "hello (said all day long)" }, { edit_css: "Ankify Basic (front/back)", append: "\n/* my own */" });

    const unchanged = await steps("edits", { import: await build(deck) });
    expect(unchanged.reports[0]).toEqual(expect.objectContaining({ added: 0, updated: 0, identical: 3 }));
    expect(noteWith(unchanged, "hola").flds[1]).toBe("hello (said all day long)");
    expect(unchanged.models).toHaveLength(1);
    expect(unchanged.models[0]!.css).toContain("/* my own */");

    const oneChanged = await steps("edits", { import: await build({ ...deck, cards: [cards[0], { front: "gato", back: "a cat" }, cards[2]] }) });
    expect(oneChanged.reports[0]).toEqual(expect.objectContaining({ added: 0, updated: 1, identical: 2 }));
    expect(oneChanged.reports[0]!.log).toContain("[Updated] gato, a cat");
    expect(noteWith(oneChanged, "gato").flds[1]).toBe("a cat");
    expect(noteWith(oneChanged, "hola").flds[1]).toBe("hello (said all day long)");
    expect(oneChanged.models[0]!.css).toContain("/* my own */");
  });

  it.each(Object.entries(UPGRADE_FIXTURES))("updates %s built before this release in place: same note type, notes updated, none skipped", async (file, request) => {
    const name = `upgrade-${file}`;
    const fixture = join(dir, file);
    copyFileSync(join(PROJECT_ROOT, "__tests__", "fixtures", "decks", "before-issue-23", file), fixture);
    const old = await steps(name, { import: fixture });
    const rebuilt = await steps(name, { import: await build({ ...request }) });
    const report = rebuilt.reports[0]!;
    expect(report).toEqual(expect.objectContaining({ added: 0, updated: old.notes.length }));
    expect(report.log!.join("\n")).not.toMatch(/could not be imported|Skipped/);
    expect(rebuilt.models.map((m) => m.id)).toEqual(old.models.map((m) => m.id));
    expect(rebuilt.notes.map((n) => [n.guid, n.mid, n.cards])).toEqual(old.notes.map((n) => [n.guid, n.mid, n.cards]));
    // And from then on, rebuilding it unchanged touches nothing.
    const again = await steps(name, { import: await build({ ...request }) });
    expect(again.reports[0]).toEqual(expect.objectContaining({ added: 0, updated: 0, identical: old.notes.length }));
  });

  it("brings pictures from both sources (an https URL and a data: URI) into the collection's media, and shows Anki markup as text", async () => {
    const col = await steps("pictures", {
      import: await build({
        deck_name: "Pictures", audio: "none",
        cards: [{ front: "gato [sound:evil.mp3]", back: "cat", image: `${pictures.origin}/cat.png` }, { front: "perro", back: "dog", image: dataUri(GIF, "image/gif") }],
      }),
    });
    // A note's front starts with its picture; the picture's file is in the collection's media folder.
    const pictureOf = (front: string) => /^<div><img src="([^"]+)"><\/div>/.exec(col.notes.find((n) => n.flds[0]!.includes(front))!.flds[0]!)![1]!;
    const [cat, dog] = [pictureOf("gato"), pictureOf("perro")];
    expect(col.media).toEqual([cat, dog].sort());
    expect(readFileSync(join(dir, "pictures.media", cat))).toEqual(PNG);
    expect(readFileSync(join(dir, "pictures.media", dog))).toEqual(GIF);
    expect(col.notes.find((n) => n.flds[0]!.includes("gato"))!.flds[0]).toBe(`<div><img src="${cat}"></div>gato &#91;sound:evil.mp3]`);
  });

  describe("a deck spoken through Polly's code path (ANKIFY_DEV_SPEECH=polly, against the Polly fake)", () => {
    let fake: PollyFake;
    let pollyRun: Running;
    let pollyClient: McpPeer;
    beforeAll(async () => {
      fake = await startPollyFake({ nice: 10, quotas: ROOMY_QUOTAS });
      pollyRun = await runDevServer({ speech: "polly", pollyClient: fakePollyClient(fake) });
      pollyClient = await pollyRun.client();
    });
    afterAll(async () => {
      await pollyRun?.stop();
      await fake?.close();
    });

    it("imports with every clip in Anki's media, each saying its own text in its side's voice", async () => {
      const result = await pollyClient.callTool({ name: "create_deck", arguments: { deck_name: "Polly::Spanish", cards: SPANISH, language: "es-ES", back_language: "en-US", audio: "both" } });
      if (result.isError) throw new Error(result.content[0]!.text);
      const file = join(dir, "polly.apkg");
      writeFileSync(file, new Uint8Array(await (await fetch(result.structuredContent!["url"] as string)).arrayBuffer()));
      const col = await steps("polly", { import: file });
      expect(col.reports[0]).toEqual(expect.objectContaining({ added: SPANISH.length }));
      expect(col.decks).toContain("Polly::Spanish");

      const clips = clipsOf(col.notes, join(dir, "polly.media"));
      expect(clips.map((c) => c.front).sort()).toEqual(SPANISH.map((c) => c.front).sort());
      expect(col.media).toEqual(clips.flatMap((c) => c.names).sort());
      expectOwnTexts("front", clips, await aloneSecondsOf(fake, dir, "Lucia", SPANISH.map((c) => c.front)));
      expectOwnTexts("back", clips, await aloneSecondsOf(fake, dir, "Joanna", SPANISH.map((c) => c.back)));
    }, 120_000);
  });
});
