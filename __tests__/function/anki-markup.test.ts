import { protectClozeHtml, protectFieldHtml, spokenText } from "../../lambda/src/deck/anki-markup";
import { parseCloze } from "../../lambda/src/deck/cloze";
import { prepareNotes } from "../../lambda/src/deck/notes";
import { fieldHtml, plainText } from "../../lambda/src/deck/text";

/**
 * What Anki matches in a field's raw HTML, as its sources write it: a protected field must match
 * none of them. (Anki 2.1.15: sound.py, latex.py, template/template.py, aqt/reviewer.py; today's
 * rslib: card_rendering/parser.rs, latex.rs, text.rs, cloze.rs.)
 */
const ANKI_PATTERNS: ReadonlyArray<[string, RegExp]> = [
  ["sound tag (2.1.15 sound.py, rslib text.rs)", /\[sound:[^\]]+\]/i],
  ["anki tag (rslib parser.rs)", /\[anki:[^\] \t\r\n]+/],
  ["latex (rslib latex.rs, 2.1.15 latex.py)", /\[latex\][\s\S]+?\[\/latex\]|\[\$\][\s\S]+?\[\/\$\]|\[\$\$\][\s\S]+?\[\/\$\$\]/i],
  ["type-answer tag (aqt reviewer.py)", /\[\[type:.+?\]\]/],
  ["template tag (2.1.15 template.py, rslib template.rs)", /\{\{[\s\S]*?\}\}/],
];

/** MathJax reads each run of text (entities decoded) between tags. */
const mathJaxOpenings = (html: string) => html.split(/<[^>]*>/).filter((run) => /\\[([]/.test(plainText(run.replace(/</g, "&lt;"))));

describe("Anki markup in card text stays text", () => {
  it.each([
    ["a sound tag", "hello [sound:evil.mp3]", "hello &#91;sound:evil.mp3]"],
    ["a sound tag in capitals (2.1.15 matches it so for media)", "[SOUND:x.mp3]", "&#91;SOUND:x.mp3]"],
    ["a tts tag", "[anki:tts lang=en_US]hi[/anki:tts]", "&#91;anki:tts lang=en_US]hi&#91;/anki:tts]"],
    ["a replay tag", "[anki:play:q:0]", "&#91;anki:play:q:0]"],
    ["inline LaTeX", "[$]x^2[/$]", "&#91;$]x^2&#91;/$]"],
    ["display LaTeX", "[$$]x^2[/$$]", "&#91;$$]x^2&#91;/$$]"],
    ["a LaTeX block", "[latex]\\LaTeX[/latex]", "&#91;latex]\\LaTeX&#91;/latex]"],
    ["a type-answer tag", "[[type:Back]]", "&#91;[type:Back]]"],
    ["a field reference", "see {{Back}}", "see &#123;&#123;Back&#125;&#125;"],
    ["a section and triple braces", "{{#Back}}{{{Front}}}{{/Back}}", "&#123;&#123;#Back&#125;&#125;&#123;&#123;&#123;Front&#125;&#125;&#125;&#123;&#123;/Back&#125;&#125;"],
    ["a cloze deletion on a basic card", "{{c1::Paris}}", "&#123;&#123;c1::Paris&#125;&#125;"],
    ["MathJax", "\\(x\\) and \\[y\\]", "\\<span></span>(x\\) and \\<span></span>[y\\]"],
  ])("escapes %s, and shows it as written", (_label, text, html) => {
    const field = protectFieldHtml(fieldHtml(text, "text"));
    expect(field).toBe(html);
    expect(plainText(field)).toBe(text);
  });

  it("leaves text Anki does not read alone: single braces, brackets, dollars", () => {
    const text = "f(x) = {x} [noun] costs $5 [sic] a:b";
    expect(protectFieldHtml(fieldHtml(text, "text"))).toBe(text);
  });

  it("matches none of Anki's patterns and shows every character, whatever the text", () => {
    const pieces = ["[", "]", "{", "}", "{{", "}}", "\\", "(", "$", "/", "sound:", "anki:", "latex", "type:", "tts", "c1::", "::", "x", " ", "<b>", "&", "\n"];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let run = 0; run < 500; run++) {
      const text = Array.from({ length: 1 + Math.floor(random() * 14) }, () => pieces[Math.floor(random() * pieces.length)]).join("");
      for (const format of ["text", "html"] as const) {
        const field = protectFieldHtml(fieldHtml(text, format));
        for (const [name, pattern] of ANKI_PATTERNS) expect([text, format, name, pattern.test(field)]).toEqual([text, format, name, false]);
        expect([text, format, mathJaxOpenings(field)]).toEqual([text, format, []]);
        if (format === "text") expect(plainText(field)).toBe(plainText(fieldHtml(text, "text")));
      }
    }
  });

  it("escapes in html format too, in the text between tags, whatever entities spelt it", () => {
    expect(protectFieldHtml(fieldHtml("<b>[sound:x.mp3]</b> &#91;anki:tts]hi &#123;&#123;Back}}", "html"))).toBe("<b>&#91;sound:x.mp3]</b> &#91;anki:tts]hi &#123;&#123;Back&#125;&#125;");
    expect(protectFieldHtml(fieldHtml("a<br>{{b}}", "html"))).toBe("a<br />&#123;&#123;b&#125;&#125;");
  });

  it("keeps cloze deletions working and protects what is around and inside them", () => {
    const html = fieldHtml("{{C1::[sound:x.mp3]}} and {{Back}} {{c2::image-occlusion:rect::sound:y}} {{c3::a::[$}}", "text");
    const cloze = parseCloze(html);
    if (!cloze.ok) throw new Error(cloze.problem);
    const field = protectClozeHtml(html, cloze.deletions);
    expect(field).toBe("{{c1::&#91;sound:x.mp3]}} and &#123;&#123;Back&#125;&#125; {{c2::&#105;mage-occlusion:rect::&#115;ound:y}} {{c3::a::&#91;$}}");
    // Anki still finds the three deletions, numbered as written.
    expect([...field.matchAll(/\{\{c(\d+)::/g)].map((m) => m[1])).toEqual(["1", "2", "3"]);
    // A hint shows as "[hint]": "sound:y" must not become a sound tag there, nor "[$" the start of LaTeX.
    for (const hint of ["&#115;ound:y", "&#91;$"]) for (const [, pattern] of ANKI_PATTERNS) expect(pattern.test(`[${hint}]`)).toBe(false);
  });

  it("builds notes whose fields are protected while identity and speech read the text as shown", async () => {
    const [note] = await prepareNotes({ deckName: "d", noteType: "basic", format: "text", cards: [{ front: "hello [sound:evil.mp3]", back: "[$]x^2[/$]" }] });
    expect(note!.fields).toEqual(["hello &#91;sound:evil.mp3]", "&#91;$]x^2&#91;/$]"]);
    expect(note!.speech).toEqual({ front: "hello", back: "x^2" });
    const [plain] = await prepareNotes({ deckName: "d", noteType: "basic", format: "text", cards: [{ front: "hello [sound:evil.mp3]", back: "other" }] });
    expect(plain!.guid).toBe(note!.guid);
  });
});

describe("the spoken text", () => {
  it.each([
    ["a sound tag, file name and all", "hello [sound:evil.mp3]", "hello"],
    ["tts tags, reading what they enclose", "[anki:tts lang=en_US]good morning[/anki:tts]", "good morning"],
    ["LaTeX delimiters", "[$]x^2[/$] and [latex]y[/latex]", "x^2 and y"],
    ["a type-answer tag", "type [[type:Back]] here", "type here"],
  ])("leaves out %s", (_label, text, spoken) => {
    expect(spokenText(text)).toBe(spoken);
  });

  it("is nothing for a side that is only a tag, so no clip is made for it", async () => {
    const [note] = await prepareNotes({ deckName: "d", noteType: "basic", format: "text", cards: [{ front: "[sound:a.mp3]", back: "b" }] });
    expect(note!.speech).toEqual({ back: "b" });
  });
});
