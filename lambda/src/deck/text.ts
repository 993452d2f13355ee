/**
 * What a card's text becomes: the HTML stored in a note field, and the plain text that is spoken and
 * that identifies the note. Plain text is read from the field's HTML, never from the input, so what is
 * spoken is always what is shown.
 */
import { Parser } from "htmlparser2";
import sanitizeHtml from "sanitize-html";

/** `text`: shown exactly as written (`<b>` shows as `<b>`); `html`: markup from ALLOWED_TAGS is kept. */
export type TextFormat = "text" | "html";
export const TEXT_FORMATS = ["text", "html"] as const satisfies readonly TextFormat[];

/**
 * Formatting a card may keep. No attributes at all: that rules out styles, links, event handlers and
 * media in one stroke, whatever the tag.
 */
export const ALLOWED_TAGS = ["b", "strong", "i", "em", "u", "sub", "sup", "br", "p", "div", "ul", "ol", "li", "ruby", "rt", "rp"] as const;

// Dropped with their content: their text is code, or was never meant to be read.
const NON_TEXT_TAGS = ["script", "style", "textarea", "option", "noscript", "template", "title", "xmp", "iframe", "noembed", "noframes", "svg", "math"];

// Elements a browser lays out as blocks, list items, rows or cells (HTML Living Standard §15.3):
// removing one must not join the words on either side — "good<hr>night" shows as two words, so it
// is stored and spoken as two. Removed inline elements (span, a, font…) join, as a browser shows them.
const SEPARATING_TAGS = [
  "address", "article", "aside", "blockquote", "body", "caption", "center", "col", "colgroup", "dd", "details", "dialog", "dir", "dl", "dt",
  "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend",
  "listing", "main", "menu", "nav", "optgroup", "plaintext", "pre", "search", "section", "summary", "table", "tbody", "td", "tfoot", "th",
  "thead", "tr",
].filter((tag) => !(ALLOWED_TAGS as readonly string[]).includes(tag) && !NON_TEXT_TAGS.includes(tag));
// sanitize-html can only drop a tag, so a separating one becomes this tag (which no HTML has, and
// which carries nothing), and each one left becomes a space once sanitizing is done.
const SEPARATOR = "ankify-separator";
const SEPARATORS = new RegExp(`\\s*(?:</?${SEPARATOR}>\\s*)+`, "g");

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [...ALLOWED_TAGS, SEPARATOR],
  allowedAttributes: {},
  disallowedTagsMode: "discard",
  nonTextTags: NON_TEXT_TAGS,
  transformTags: Object.fromEntries(SEPARATING_TAGS.map((tag) => [tag, () => ({ tagName: SEPARATOR, attribs: {} })])),
};

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/\n/g, "<br>");
}

/** The HTML a note field holds for `text` given in `format`. */
export function fieldHtml(text: string, format: TextFormat): string {
  return format === "html" ? sanitizeHtml(text, SANITIZE).replace(SEPARATORS, " ").trim() : escapeHtml(text);
}

// Tags that separate words when read aloud: without a space, "cat<br>dog" would be spoken "catdog".
const WORD_BREAKS = new Set(["br", "p", "div", "li", "ul", "ol"]);
// Ruby readings are a reading aid for the base text: speaking both would say every word twice.
const NOT_READ = new Set(["rt", "rp"]);

/**
 * The text a reader sees in `html`: markup removed, entities decoded, ruby readings left out,
 * whitespace collapsed, NFC. This is what is spoken and what identifies a note.
 */
export function plainText(html: string): string {
  // Without markup or entities there is nothing to parse: a cloze note reads every deletion's answer,
  // tens of thousands of short texts in a large deck, and a parser for each is most of the cost.
  if (!/[<&]/.test(html)) return html.replace(/\s+/g, " ").trim().normalize("NFC");
  let out = "";
  let hidden = 0;
  const parser = new Parser({
    onopentag(name) {
      if (NOT_READ.has(name)) hidden++;
      else if (WORD_BREAKS.has(name)) out += " ";
    },
    onclosetag(name) {
      if (NOT_READ.has(name)) hidden = Math.max(0, hidden - 1);
      else if (WORD_BREAKS.has(name)) out += " ";
    },
    ontext(text) {
      if (hidden === 0) out += text;
    },
  }, { decodeEntities: true });
  parser.end(html);
  return out.replace(/\s+/g, " ").trim().normalize("NFC");
}

/** Something a speech engine can say: a clip of "…" or "?" alone would be silence or noise. */
export function isSpeakable(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;

// C0 and C1 controls and DEL. Anki joins fields with U+001F, so one in a field would split it.
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/;
const CONTROLS_BUT_LINES = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
const LONE_SURROGATE = /\p{Cs}/u;
// Embeddings, overrides and isolates reorder text as it is shown, so what a learner sees differs from
// what was written (and what is spoken).
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;

/**
 * The first character rule `value` breaks, as a message that follows the field's path, or undefined.
 * `lineBreaks` allows newline and tab (card text); names allow neither.
 */
export function characterProblem(value: string, { lineBreaks }: { lineBreaks: boolean }): string | undefined {
  const control = (lineBreaks ? CONTROLS_BUT_LINES : CONTROLS).exec(value);
  if (control) return `must not contain control characters (found ${codePoint(control[0])})`;
  const surrogate = LONE_SURROGATE.exec(value);
  if (surrogate) return `must not contain unpaired UTF-16 surrogates (found ${codePoint(surrogate[0])})`;
  const bidi = BIDI_CONTROLS.exec(value);
  if (bidi) return `must not contain bidirectional embedding, override or isolate characters (found ${codePoint(bidi[0])})`;
  return undefined;
}

/** Whether `value` shows anything: not only spaces and zero-width (default-ignorable) characters. */
export function isVisible(value: string): boolean {
  return /[^\p{White_Space}\p{Default_Ignorable_Code_Point}]/u.test(value);
}
