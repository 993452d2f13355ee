import { createHash } from "node:crypto";
import { noteGuid } from "../../lambda/src/deck/apkg";
import { clozeAnswerHtml, clozeQuestionHtml, parseCloze } from "../../lambda/src/deck/cloze";
import { deckNameProblem, mergeTags, normaliseDeckName, tagProblem } from "../../lambda/src/deck/names";
import { prepareNotes, repeatedCards, type NotesRequest } from "../../lambda/src/deck/notes";
import { characterProblem, fieldHtml, isVisible, plainText } from "../../lambda/src/deck/text";

describe("card text in html format", () => {
  it.each([
    ["a script tag, with its content", "hi<script>alert(1)</script>", "hi"],
    ["a script split around another", "<scr<script>ipt>alert(1)</script>", "ipt&gt;alert(1)"],
    ["a script spelt across allowed tags", "<<b>script>alert(1)<</b>/script>", "&lt;<b>script&gt;alert(1)&lt;</b>/script&gt;"],
    ["an event handler on an allowed tag", "<b onclick=\"alert(1)\" onmouseover=alert(2)>hi</b>", "<b>hi</b>"],
    ["an event handler on a disallowed tag", "<img src=x onerror=alert(1)>cat", "cat"],
    ["a javascript: link", "<a href=\"javascript:alert(1)\">tap</a>", "tap"],
    ["an entity-encoded javascript: link", "<a href=\"&#106;avascript:alert(1)\">tap</a>", "tap"],
    ["a style attribute and a style sheet", "<u style=\"background:url(//e.com/x)\">u</u><style>.card{display:none}</style>", "<u>u</u>"],
    ["a script inside svg", "<svg><script>alert(1)</script><text>t</text></svg>ok", "ok"],
    ["a script inside math", "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>ok", "ok"],
    ["an attribute that closes noscript", "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">", ""],
    ["an iframe and an object", "<iframe src=\"//e.com\"></iframe><object data=\"x.swf\"></object>ok", "ok"],
    ["media from outside", "<audio src=\"//e.com/a.mp3\"></audio><video src=x></video><embed src=x>ok", "ok"],
    ["a comment hiding markup", "<!-- <script>alert(1)</script> -->ok", "ok"],
    ["a table (not allowed): text kept, tags dropped", "<table><tr><td>cell</td></tr></table>", "cell"],
    ["allowed formatting, kept without attributes", "<b>b</b><strong>s</strong><i>i</i><em>e</em><u class=x>u</u>H<sub>2</sub>O x<sup>2</sup>",
      "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u>H<sub>2</sub>O x<sup>2</sup>"],
    ["lists and line breaks", "<ul><li>one</li><li>two</li></ul>a<br>b<p id=p>c</p><div>d</div>", "<ul><li>one</li><li>two</li></ul>a<br />b<p>c</p><div>d</div>"],
    ["ruby readings", "<ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby>", "<ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby>"],
    ["an unclosed tag, closed", "<b>bold", "<b>bold</b>"],
    ["entities, not escaped twice", "fish &amp; chips &lt;3", "fish &amp; chips &lt;3"],
    ["a named entity, decoded", "caf&eacute;", "café"],
  ])("removes or keeps %s", (_label, html, expected) => {
    expect(fieldHtml(html, "html")).toBe(expected);
  });

  it("leaves nothing that runs or loads, whatever the nesting", () => {
    const tricks = [
      "<scr<script>ipt>alert(1)</scr</script>ipt>", "<<script>script>alert(1)<</script>/script>", "<b><i><script>alert(1)</script></i></b>",
      "<svg/onload=alert(1)>", "<img src=`x`onerror=alert(1)>", "<div style=\"x:expression(alert(1))\">d</div>", "<a href=\"jav&#x09;ascript:alert(1)\">a</a>",
      "<form action=\"javascript:alert(1)\"><button>b</button></form>", "<base href=\"//e.com/\"><link rel=stylesheet href=//e.com/s.css>",
      "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">", "<object data=\"data:text/html,<script>alert(1)</script>\"></object>",
    ];
    for (const trick of tricks) {
      const html = fieldHtml(trick, "html");
      expect(html).not.toMatch(/<(script|svg|img|a|form|base|link|meta|object|iframe|style)\b/i);
      expect(html).not.toMatch(/\s(on\w+|style|href|src|action|data)\s*=/i);
    }
  });

  it("in text format, shows the text exactly as written", () => {
    expect(fieldHtml("<b>bold</b> & &amp;\nnext", "text")).toBe("&lt;b&gt;bold&lt;/b&gt; &amp; &amp;amp;<br>next");
  });
});

describe("the text that is spoken", () => {
  it.each([
    ["markup removed", "<b>bold</b> and <i>italic</i>", "bold and italic"],
    ["entities decoded once", "fish &amp; chips &lt;3 caf&eacute;", "fish & chips <3 café"],
    ["line breaks and list items read as spaces", "cat<br />dog<ul><li>one</li><li>two</li></ul>", "cat dog one two"],
    ["ruby readings left out", "<ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby>です", "漢字です"],
    ["whitespace collapsed", "  a \n\t b&nbsp;c ", "a b c"],
    ["text format: what is shown", fieldHtml("<b>x</b> &amp;", "text"), "<b>x</b> &amp;"],
  ])("has %s", (_label, html, expected) => {
    expect(plainText(html)).toBe(expected);
  });
});

describe("character rules", () => {
  it.each([
    ["a C0 control", "a\u0007b", "must not contain control characters (found U+0007)"],
    ["U+001F, Anki's field separator", "a\u001fb", "must not contain control characters (found U+001F)"],
    ["DEL", "a\u007fb", "must not contain control characters (found U+007F)"],
    ["a C1 control", "a\u0085b", "must not contain control characters (found U+0085)"],
    ["a carriage return", "a\rb", "must not contain control characters (found U+000D)"],
    ["a lone high surrogate", "a\ud83db", "must not contain unpaired UTF-16 surrogates (found U+D83D)"],
    ["a lone low surrogate", "a\ude00", "must not contain unpaired UTF-16 surrogates (found U+DE00)"],
    ["a right-to-left override", "abc\u202edef", "must not contain bidirectional embedding, override or isolate characters (found U+202E)"],
    ["a left-to-right embedding", "\u202aabc", "must not contain bidirectional embedding, override or isolate characters (found U+202A)"],
    ["a first-strong isolate", "a\u2068b\u2069", "must not contain bidirectional embedding, override or isolate characters (found U+2068)"],
  ])("refuses %s in card text", (_label, value, message) => {
    expect(characterProblem(value, { lineBreaks: true })).toBe(message);
  });

  it("allows newline, tab, emoji, marks and right-to-left text in card text; names allow no line breaks", () => {
    expect(characterProblem("one\ntwo\tthree 😀 שלום\u200f", { lineBreaks: true })).toBeUndefined();
    expect(characterProblem("one\ntwo", { lineBreaks: false })).toBe("must not contain control characters (found U+000A)");
    expect(characterProblem("one\ttwo", { lineBreaks: false })).toBe("must not contain control characters (found U+0009)");
  });

  it("tells visible text from zero-width characters and spaces", () => {
    expect(isVisible("\u200b\u200c\u200d\u2060\ufeff \u00a0\u3000")).toBe(false);
    expect(isVisible("\u200ba")).toBe(true);
  });
});

describe("deck names", () => {
  it.each([
    ['My "best" deck', "My best deck"],
    ["Spanish :: Basics ", "Spanish::Basics"],
    ["Spanish::::Basics", "Spanish::blank::Basics"],
    ["::Spanish", "blank::Spanish"],
    ["Spanish::", "Spanish::blank"],
    ['Spanish::""', "Spanish::blank"],
    ["Spanish:: \u3000 ::Basics", "Spanish::blank::Basics"],
    ["Cafe\u0301", "Café"],
    ["Spanish: Basics", "Spanish: Basics"],
    ["日本語::漢字", "日本語::漢字"],
  ])("Anki shows %j as %j", (given, shown) => {
    expect(normaliseDeckName(given)).toBe(shown);
  });

  it.each([
    ["\u200b\u200b", "must contain a visible character"],
    ["Spanish::\u200b", "has a part made only of invisible characters (part 2 of 2)"],
    ["a\u202eb", "must not contain bidirectional embedding, override or isolate characters (found U+202E)"],
    ["a\nb", "must not contain control characters (found U+000A)"],
  ])("refuses %j", (name, message) => {
    expect(deckNameProblem(name)).toBe(message);
  });
});

describe("tags", () => {
  it.each([
    ["past tense", "must not contain spaces (Anki separates tags with spaces; join words with _ or -)"],
    ["past\u3000tense", "must not contain spaces (Anki separates tags with spaces; join words with _ or -)"],
    ['"quoted"', 'must not contain " (Anki removes it)'],
    ["verbs::", "must not have an empty part around ::"],
    ["::verbs", "must not have an empty part around ::"],
    ["a::::b", "must not have an empty part around ::"],
    ["\u200b", "must contain a visible character"],
    ["a\u0000", "must not contain control characters (found U+0000)"],
  ])("refuses %j", (tag, message) => {
    expect(tagProblem(tag)).toBe(message);
  });

  it("accepts hierarchical and non-Latin tags", () => {
    for (const tag of ["spanish::verbs::ar", "past_tense", "日本語", "#lesson-3"]) expect(tagProblem(tag)).toBeUndefined();
  });

  it("merges deck and card tags the way Anki keeps them: first spelling of a case-insensitive duplicate, sorted, NFC", () => {
    expect(mergeTags(["Spanish", "food"], ["FOOD", "verbs", "cafe\u0301"], undefined)).toEqual(["café", "food", "Spanish", "verbs"]);
    expect(mergeTags(undefined, [])).toEqual([]);
  });
});

describe("cloze deletions", () => {
  it("reads deletions, hints and the card numbers they make", () => {
    const parsed = parseCloze("{{c2::Paris::city}} is in {{c1::France}}; {{C1::Europe}}");
    expect(parsed).toEqual({
      ok: true,
      numbers: [1, 2],
      deletions: [
        { number: 2, answer: "Paris", hint: "city", start: 0, end: 19 },
        { number: 1, answer: "France", start: 26, end: 40 },
        { number: 1, answer: "Europe", start: 42, end: 56 },
      ],
    });
  });

  it.each([
    ["no deletion", "Paris is the capital", "must contain at least one cloze deletion, like {{c1::answer}}"],
    ["a deletion never closed", "{{c1::Paris is the capital", "has a cloze deletion that is never closed: c1 needs }}"],
    ["a nested deletion", "{{c1::Paris {{c2::is}} }}", "must not nest cloze deletions (one starts inside c1)"],
    ["c0", "{{c0::Paris}}", "must number cloze deletions from c1 (found c0)"],
    ["numbers from 2", "{{c2::Paris}}", "must number cloze deletions from c1 without gaps (c1 is missing)"],
    ["a gap", "{{c1::Paris}} {{c3::France}}", "must number cloze deletions from c1 without gaps (c2 is missing)"],
    ["an empty answer", "{{c1::}} is the capital", "has an empty answer in c1"],
    ["an answer of markup only", "{{c1::<b></b>}} is the capital", "has an empty answer in c1"],
    ["an empty hint", "{{c1::Paris::}}", "has an empty hint in c1 (leave out the second :: for none)"],
    ["one colon", "{{c1:Paris}}", 'has a malformed cloze deletion at "{{c1:Paris}}": write {{c1::answer}} or {{c1::answer::hint}}'],
    ["a space", "The capital is {{ c1::Paris}}", 'has a malformed cloze deletion at "{{ c1::Paris}}": write {{c1::answer}} or {{c1::answer::hint}}'],
    ["no number", "{{c::Paris}}", 'has a malformed cloze deletion at "{{c::Paris}}": write {{c1::answer}} or {{c1::answer::hint}}'],
  ])("refuses %s", (_label, text, problem) => {
    expect(parseCloze(text)).toEqual({ ok: false, problem });
  });

  it("leaves other double braces alone", () => {
    expect(parseCloze("{{Front}} and {{c1::x}}")).toMatchObject({ ok: true, numbers: [1] });
  });

  it("fills every deletion in for the back, and reads each as its hint or a pause for the front", () => {
    const html = "{{c1::Paris}} is the capital of {{c2::France::a country}}.";
    const parsed = parseCloze(html);
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(plainText(clozeAnswerHtml(html, parsed.deletions))).toBe("Paris is the capital of France.");
    expect(plainText(clozeQuestionHtml(html, parsed.deletions))).toBe("… is the capital of a country.");
  });
});

describe("note identity", () => {
  const request = (cards: NotesRequest["cards"], more: Partial<NotesRequest> = {}): NotesRequest =>
    ({ deckName: "Spanish", noteType: "basic", format: "text", cards, ...more });
  const guids = async (req: NotesRequest) => (await prepareNotes(req)).map((n) => n.guid);

  it("gives homographs different GUIDs, and a unique front the first release's GUID (deck + front)", async () => {
    const [bank, bench, candle] = await guids(request([{ front: "banco", back: "bank" }, { front: "banco", back: "bench" }, { front: "vela", back: "candle" }]));
    expect(new Set([bank, bench, candle]).size).toBe(3);
    const firstRelease = createHash("sha256").update("ankify\x1fSpanish\x1fvela").digest("base64url").slice(0, 16);
    expect(candle).toBe(firstRelease);
    expect(noteGuid("Spanish", "vela")).toBe(firstRelease);
  });

  it("keeps GUIDs when backs are edited, cards reordered, or markup and spacing change", async () => {
    const before = await guids(request([{ front: "uno", back: "one" }, { front: "banco", back: "bank" }, { front: "banco", back: "bench" }]));
    const after = await guids(request([{ front: "banco", back: "<b>bench</b>" }, { front: "  uno ", back: "ONE" }, { front: "<i>banco</i>", back: "bank" }], { format: "html" }));
    expect(after).toEqual([before[2], before[0], before[1]]);
  });

  it("never shares a GUID across note types or decks", async () => {
    const card = [{ front: "hola", back: "hello" }];
    const all = (await Promise.all([guids(request(card)), guids(request(card, { noteType: "basic-and-reversed" })), guids(request(card, { deckName: "Other" }))])).flat();
    expect(new Set(all).size).toBe(3);
  });

  it("knows a cloze note by its filled-in text, so moving a deletion updates it", async () => {
    const cloze = async (text: string) => (await guids(request([{ text }], { noteType: "cloze" })))[0];
    expect(await cloze("{{c1::Paris}} is the capital")).toBe(await cloze("Paris is the {{c1::capital}}"));
    expect(await cloze("{{c1::Paris}} is the capital")).not.toBe(await cloze("{{c1::Rome}} is the capital"));
  });

  it("finds the same card given twice, as shown (markup and entities aside)", async () => {
    expect(await repeatedCards([{ front: "a", back: "b" }, { front: "c", back: "d" }, { front: "<b>a</b>", back: "b" }], "basic", "html")).toEqual([[2, 0]]);
    expect(await repeatedCards([{ front: "a", back: "b" }, { front: "a", back: "c" }], "basic", "text")).toEqual([]);
  });

  it("makes one card per template: two for reversed notes, one per cloze number", async () => {
    expect((await prepareNotes(request([{ front: "a", back: "b" }], { noteType: "basic-and-reversed" })))[0]!.ords).toEqual([0, 1]);
    expect((await prepareNotes(request([{ text: "{{c2::a}} {{c1::b}} {{c2::c}}" }], { noteType: "cloze" })))[0]!.ords).toEqual([0, 1]);
  });
});
