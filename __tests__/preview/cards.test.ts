/**
 * The preview's data, server side: cards rendered as Anki renders them from the note types' own
 * templates, media found by name, and a preview bounded whatever the deck.
 */
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { DeckNote } from "../../lambda/src/deck/apkg";
import type { NoteTypeName } from "../../lambda/src/deck/note-types";
import { prepareNotes, type CardInput } from "../../lambda/src/deck/notes";
import { LIMITS } from "../../lambda/src/deck/validate";
import { renderCards, renderCloze, side } from "../../lambda/src/preview/cards";
import { PREVIEW_LIMITS, publishPreview, type PreviewMediaStore } from "../../lambda/src/preview/publish";
import { deckPreviewSchema } from "../../lambda/src/preview/schema";
import { S3PreviewMedia, s3LinkOrigin } from "../../lambda/src/storage/preview-media";

const notesOf = (noteType: NoteTypeName, cards: CardInput[], format: "text" | "html" = "text") =>
  prepareNotes({ deckName: "Test", noteType, format, cards });
/** Notes as create_deck builds them: a clip named after each side's text, appended as a sound tag. */
const withSound = (notes: readonly DeckNote[]): DeckNote[] =>
  notes.map((note, i) => ({ ...note, fields: note.fields.map((field, f) => `${field}[sound:clip-${i}-${f}.mp3]`) }));

describe("cards as Anki shows them", () => {
  it("basic: the front, then the front, a rule and the back; each side's clips as play buttons, not text", async () => {
    const [card, ...rest] = [...renderCards("basic", withSound(await notesOf("basic", [{ front: "hola", back: "hello" }])))];
    expect(rest).toEqual([]);
    expect(card).toEqual({
      note: 0,
      template: "Card 1",
      question: { html: "hola", media: [{ kind: "audio", file: "clip-0-0.mp3" }] },
      answer: { html: "hola\n\n<hr id=answer>\n\nhello", media: [{ kind: "audio", file: "clip-0-0.mp3" }, { kind: "audio", file: "clip-0-1.mp3" }] },
    });
  });

  it("basic-and-reversed: two cards per note, in Anki's order (note by note, then template by template)", async () => {
    const cards = [...renderCards("basic-and-reversed", await notesOf("basic-and-reversed", [{ front: "uno", back: "one" }, { front: "dos", back: "two" }]))];
    expect(cards.map((c) => [c.note, c.template, c.question.html])).toEqual([[0, "Card 1", "uno"], [0, "Card 2", "one"], [1, "Card 1", "dos"], [1, "Card 2", "two"]]);
    expect(cards[1]!.answer.html).toBe("one\n\n<hr id=answer>\n\nuno");
  });

  it("keeps the stored (sanitized) HTML: formatting as written, text escaped", async () => {
    const [html] = [...renderCards("basic", await notesOf("basic", [{ front: "<b>gato</b> <script>x</script>", back: "cat" }], "html"))];
    const [text] = [...renderCards("basic", await notesOf("basic", [{ front: "<b>gato</b> & co", back: "cat" }]))];
    expect(html!.question.html).toBe("<b>gato</b>");
    expect(text!.question.html).toBe("&lt;b&gt;gato&lt;/b&gt; &amp; co");
  });

  it("cloze: one card per number, its deletions hidden as [...] or [hint] and marked on the answer, the others shown, the extra below", async () => {
    const notes = await notesOf("cloze", [{ text: "{{c1::Paris}} is the capital of {{c2::France::a country}}; {{c1::Paris}} again", extra: "Geography" }]);
    const cards = [...renderCards("cloze", notes)];
    expect(cards.map((c) => c.template)).toEqual(["Cloze 1", "Cloze 2"]);
    expect(cards[0]!.question.html).toBe('<span class="cloze">[...]</span> is the capital of France; <span class="cloze">[...]</span> again');
    expect(cards[1]!.question.html).toBe('Paris is the capital of <span class="cloze">[a country]</span>; Paris again');
    expect(cards[1]!.answer.html).toBe('Paris is the capital of <span class="cloze">France</span>; Paris again<br>\nGeography');
    expect(renderCloze("no deletions", 1, false)).toBe("no deletions");
  });

  it("finds pictures by name where a field shows them, and lists each file once, pictures first", async () => {
    expect(side('<img src="cat.jpg"> el gato [sound:a.mp3]<img alt="" src=\'dog &amp; co.png\'>[sound:a.mp3]')).toEqual({
      html: '<img src="cat.jpg"> el gato <img alt="" src=\'dog &amp; co.png\'>',
      media: [{ kind: "image", file: "cat.jpg" }, { kind: "image", file: "dog & co.png" }, { kind: "audio", file: "a.mp3" }],
    });
  });
});

/** Presigned links as long as a Lambda role's (a session token of about a thousand characters), signed offline. */
const realisticLinks = () => {
  const client = new S3Client({ region: "eu-west-1", credentials: { accessKeyId: "ASIAEXAMPLEEXAMPLE00", secretAccessKey: "x".repeat(40), sessionToken: "t".repeat(1100) } });
  return new S3PreviewMedia(client, "ankify-decks-20261130093000000000000001", 43_200);
};

/** A store that signs real links and records what it is asked to store. */
function recordingStore(fail: (key: string) => boolean = () => false) {
  const real = realisticLinks();
  const stored: Array<{ key: string; path: string; contentType: string }> = [];
  const store: PreviewMediaStore = {
    put: async (key, path, contentType) => {
      if (fail(key)) throw new Error("SlowDown");
      stored.push({ key, path, contentType });
    },
    link: (key) => real.link(key),
  };
  return { store, stored };
}

const first = <T>(items: Iterable<T>, n: number): T[] => {
  const out: T[] = [];
  for (const item of items) {
    if (out.length === n) break;
    out.push(item);
  }
  return out;
};

const DECK_KEY = "decks/2026-11-30/0d6f1d1e-5a0a-4a61-9d7e-2f9f0c1f7e11/spanish.apkg";
const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** A cloze text of at most LIMITS.text characters that is nothing but deletions: the most cards a note can make. */
function allDeletions(seed: number): string {
  let text = "";
  for (let n = 1; ; n++) {
    const deletion = `{{c${n}::${String.fromCharCode(97 + ((seed + n) % 26))}}}`;
    if (text.length + deletion.length > LIMITS.text) return text;
    text += deletion;
  }
}

describe("the preview's bounds, whatever the deck", () => {
  const longest = (c: string) => c.repeat(LIMITS.text);
  const cases: Array<[string, NoteTypeName, CardInput[]]> = [
    // Every character escaped to its longest entity, every side spoken, as many notes as allowed.
    ["as many reversed notes as a deck may have, of 1000 escaped characters a side", "basic-and-reversed", Array.from({ length: LIMITS.cards }, (_, i) => ({ front: `${i}${longest('"').slice(String(i).length)}`, back: longest("&") }))],
    // A cloze note makes a card per number, each showing the whole text.
    ["as many cloze notes as a deck may have, of 1000 characters, all deletions", "cloze", Array.from({ length: LIMITS.cards }, (_, i) => ({ text: allDeletions(i), extra: longest("<") }))],
  ];

  it.each(cases)("%s: at most 50 cards, 100 files and 256 KiB of JSON, links included", async (_, noteType, cards) => {
    const notes = withSound(await notesOf(noteType, cards));
    const media = notes.flatMap((_, i) => [0, 1].map((f) => ({ name: `clip-${i}-${f}.mp3`, path: `/tmp/clip-${i}-${f}.mp3` })));
    const { store, stored } = recordingStore();
    const preview = (await publishPreview({ noteType, notes, media }, DECK_KEY, { store, mediaOrigin: "https://x" }, new AbortController().signal))!;
    expect(deckPreviewSchema.parse(preview)).toEqual(preview);
    expect(preview.cards.length).toBeGreaterThan(0);
    expect(preview.cards.length).toBeLessThanOrEqual(PREVIEW_LIMITS.cards);
    expect(Object.keys(preview.files).length).toBeLessThanOrEqual(PREVIEW_LIMITS.files);
    expect(jsonBytes(preview)).toBeLessThanOrEqual(PREVIEW_LIMITS.bytes);
    // The first cards, in order, each with every file it names linked and stored.
    expect(preview.cards).toEqual(first(renderCards(noteType, notes), preview.cards.length));
    const named = new Set(preview.cards.flatMap((c) => [...c.question.media, ...c.answer.media].map((m) => m.file)));
    expect(Object.keys(preview.files).sort()).toEqual([...named].sort());
    expect(stored.map((s) => s.key).sort()).toEqual([...named].map((file) => `decks/2026-11-30/0d6f1d1e-5a0a-4a61-9d7e-2f9f0c1f7e11/preview/${file}`).sort());
  });

  it("a small deck is previewed whole, its clips stored next to the package as audio, linked for as long as the deck", async () => {
    const notes = withSound(await notesOf("basic", [{ front: "uno", back: "one" }, { front: "dos", back: "two" }]));
    const media = notes.flatMap((_, i) => [0, 1].map((f) => ({ name: `clip-${i}-${f}.mp3`, path: `/work/clip-${i}-${f}.mp3` })));
    const { store, stored } = recordingStore();
    const preview = (await publishPreview({ noteType: "basic", notes, media }, DECK_KEY, { store, mediaOrigin: "https://x" }, new AbortController().signal))!;
    expect(preview.cards).toHaveLength(2);
    expect(stored).toHaveLength(4);
    expect(stored[0]).toEqual({ key: expect.stringMatching(/\/preview\/clip-\d-\d\.mp3$/), path: expect.stringMatching(/^\/work\/clip/), contentType: "audio/mpeg" });
    const link = new URL(preview.files["clip-0-0.mp3"]!);
    expect(link.origin).toBe(s3LinkOrigin("ankify-decks-20261130093000000000000001", "eu-west-1"));
    expect(link.pathname).toBe("/decks/2026-11-30/0d6f1d1e-5a0a-4a61-9d7e-2f9f0c1f7e11/preview/clip-0-0.mp3");
    expect(link.searchParams.get("X-Amz-Expires")).toBe("43200");
  });

  it("never fails the deck: a file that cannot be stored is left out, a preview that cannot be made is absent", async () => {
    const notes = withSound(await notesOf("basic", [{ front: "uno", back: "one" }]));
    const media = [{ name: "clip-0-0.mp3", path: "/a" }, { name: "clip-0-1.mp3", path: "/b" }];
    const { store } = recordingStore((key) => key.endsWith("clip-0-1.mp3"));
    const preview = (await publishPreview({ noteType: "basic", notes, media }, DECK_KEY, { store, mediaOrigin: "https://x" }, new AbortController().signal))!;
    expect(Object.keys(preview.files)).toEqual(["clip-0-0.mp3"]);
    expect(preview.cards).toHaveLength(1);
    // Out of time before storing: the cards, without links.
    const late = await publishPreview({ noteType: "basic", notes, media }, DECK_KEY, { store, mediaOrigin: "https://x" }, AbortSignal.abort());
    expect(late).toEqual({ cards: [expect.objectContaining({ template: "Card 1" })], files: {} });
    const broken: PreviewMediaStore = { put: async () => {}, link: async () => { throw new Error("no credentials"); } };
    await expect(publishPreview({ noteType: "basic", notes, media }, DECK_KEY, { store: broken, mediaOrigin: "https://x" }, new AbortController().signal)).resolves.toBeUndefined();
  });

  it("links only what a browser plays or shows, and only files the package has", async () => {
    const notes: DeckNote[] = [{ guid: "g", ords: [0], fields: ['<img src="map.svg"><img src="cat.webp">[sound:a.mp3][sound:gone.mp3]', "b"] }];
    const media = [{ name: "map.svg", path: "/m" }, { name: "cat.webp", path: "/c" }, { name: "a.mp3", path: "/a" }];
    const { store } = recordingStore();
    const preview = (await publishPreview({ noteType: "basic", notes, media }, DECK_KEY, { store, mediaOrigin: "https://x" }, new AbortController().signal))!;
    expect(Object.keys(preview.files).sort()).toEqual(["a.mp3", "cat.webp"]);
  });
});

describe("the origin the preview's CSP declares for S3 links", () => {
  it.each([
    ["ankify-decks-20251130", "eu-west-1"],
    ["ankify-decks-20251130", "us-east-1"],
    ["my.dotted.bucket", "us-west-2"],
    ["abc", "cn-north-1"],
  ])("is the origin of the SDK's own presigned link for %s in %s", async (bucket, region) => {
    const client = new S3Client({ region, credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" } });
    const link = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: "decks/x/preview/a.mp3" }), { expiresIn: 60 });
    expect(s3LinkOrigin(bucket, region)).toBe(new URL(link).origin);
  });
});
