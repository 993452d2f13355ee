/**
 * Anki reads more than HTML in a field. Before showing a card it runs patterns over the field's raw
 * HTML (Anki 2.1.15's Python and today's rslib alike), so card text that happens to contain them
 * stops being text:
 *   [sound:x.mp3]                 a play button (rslib card_rendering/parser.rs, 2.1.15 sound.py)
 *   [anki:tts …]…[/anki:tts]      speech, [anki:play:q:0] replays (parser.rs tag_node)
 *   [latex]…[/latex] [$]…[/$] [$$]…[/$$]   LaTeX images, case-insensitive (rslib latex.rs, 2.1.15 latex.py)
 *   [[type:Back]]                 a type-the-answer box (aqt/reviewer.py typeAnsPat)
 *   {{Back}} {{#…}} {{c1::…}}     2.1.15 renders templates by replacing a tag and searching the result
 *                                 again, so a field holding {{Back}} shows the Back field
 *                                 (template/template.py render_tags); cloze deletions anywhere a
 *                                 cloze filter reads
 *   \( … \)  \[ … \]              MathJax, in the reviewer's page
 *
 * Escaping that survives: the patterns match raw HTML, and the reviewer's page decodes entities, so
 * `&#91;sound:x]` shows `[sound:x]` and plays nothing; `&#123;&#123;` shows `{{`. MathJax reads the
 * page's text, where entities are already decoded; it finds delimiters only within one run of text
 * and an element ends a run ("MathJax will not process math that includes HTML tags", MathJax docs),
 * so an empty `<span></span>` after the backslash keeps `\(` as text. Nothing here adds a visible
 * character. (A learner who edits such a field in Anki's editor saves it as typed: the editor writes
 * `[` back as `[`, and Anki reads it again, as it would anything they type.)
 */
import type { ClozeDeletion } from "./cloze";

const PATTERN_TAILS = String.raw`sound:|anki:|\/anki:|latex\]|\/latex\]|\$\]|\$\$\]|\/\$\]|\/\$\$\]|\[type:`;
const ACTIVE = new RegExp(String.raw`\\(?=[([])|\[(?=${PATTERN_TAILS})|\{\{+|\}\}+`, "gi");
// A cloze hint shows on the question between Anki's own brackets, `[hint]`.
const HINT_COMPLETES_PATTERN = new RegExp(`^(?:${PATTERN_TAILS})`, "i");
// Today's Anki draws image occlusions from a deletion whose text starts so (rslib cloze.rs).
const IMAGE_OCCLUSION = /^image-occlusion:/i;

const entity = (character: string) => `&#${character.codePointAt(0)};`;

function escapeText(text: string): string {
  return text.replace(ACTIVE, (match) => (match === "\\" ? "\\<span></span>" : [...match].map(entity).join("")));
}

/**
 * Field HTML with every Anki pattern in its text shown as text. Tags are left alone: the field's HTML
 * comes from text.ts (escaped text, or sanitized markup without attributes), so `<` opens a tag and
 * `>` ends it, and a pattern split by a tag is no pattern to Anki either.
 */
export function protectFieldHtml(html: string): string {
  return html.split(/(<[^>]*>)/).map((part, i) => (i % 2 === 1 ? part : escapeText(part))).join("");
}

/** The first character of `html` as an entity, when `pattern` matches its start (outside a tag). */
function breakStart(html: string, pattern: RegExp): string {
  return pattern.test(html) ? entity(html[0]!) + html.slice(1) : html;
}

/**
 * A cloze field: its deletions stay deletions (numbered `{{cN::`, the form both Anki generations
 * read), everything else — text around them, answers, hints — is protected as text.
 */
export function protectClozeHtml(html: string, deletions: readonly ClozeDeletion[]): string {
  let out = "";
  let from = 0;
  for (const deletion of deletions) {
    out += protectFieldHtml(html.slice(from, deletion.start));
    const answer = breakStart(protectFieldHtml(deletion.answer), IMAGE_OCCLUSION);
    const hint = deletion.hint === undefined ? "" : `::${breakStart(protectFieldHtml(deletion.hint).replace(/\[/g, "&#91;"), HINT_COMPLETES_PATTERN)}`;
    out += `{{c${deletion.number}::${answer}${hint}}}`;
    from = deletion.end;
  }
  return out + protectFieldHtml(html.slice(from));
}

const SPOKEN_TAGS = /\[sound:[^\]]*\]|\[\/?anki:[^\]]*\]|\[\/?(?:latex|\$\$?)\]|\[\[type:[^\]]*\]\]/gi;

/**
 * The text to speak for text a learner sees. Anki's tags show as text on the card, but a voice
 * reading "sound colon evil dot m p 3" reads the markup, not the card: the tags themselves are left
 * out: a sound or type-answer tag whole (a file or field name is no part of the card's words), the
 * brackets of tts and LaTeX tags with what they enclose still read. Braces and backslashes are
 * punctuation speech engines do not pronounce.
 */
export function spokenText(text: string): string {
  return text.replace(SPOKEN_TAGS, " ").replace(/\s+/g, " ").trim();
}
