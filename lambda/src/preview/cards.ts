/**
 * A deck's cards as Anki shows them, from the notes the package is built from: each note's cards in
 * template order, its question and answer rendered from the note type's own templates (NOTE_TYPES:
 * `{{Field}}`, `{{FrontSide}}`, `{{cloze:Text}}`), and the media each side plays or shows taken out of
 * the HTML the way Anki does — a `[sound:…]` tag becomes a play button, an `<img src>` a picture.
 *
 * Media are found by name, as Anki finds them, so whatever puts a file in the package and names it in
 * a field (speech today, pictures tomorrow) is previewed without this module knowing where it came from.
 */
import type { DeckNote } from "../deck/apkg";
import { parseCloze } from "../deck/cloze";
import { NOTE_TYPES, type NoteTypeName } from "../deck/note-types";

export type MediaKind = "audio" | "image";

/** A file a side plays or shows, by its name in the package. */
export interface SideMedia {
  readonly kind: MediaKind;
  readonly file: string;
}

export interface CardSide {
  /** The side's HTML as the package stores it (sanitized), without its sound tags. */
  readonly html: string;
  /** In the order the side names them. */
  readonly media: readonly SideMedia[];
}

export interface PreviewCard {
  /** The note's position in the request, from 0. */
  readonly note: number;
  /** The template's name, e.g. "Card 2" for a reversed card, "Cloze 3" for a cloze card's c3. */
  readonly template: string;
  readonly question: CardSide;
  readonly answer: CardSide;
}

const SOUND_TAG = /\[sound:([^\]]+)\]/g;
const IMAGE_SOURCE = /<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;
const REPLACEMENT = /\{\{([^{}]+)\}\}/g;

const decodeAttribute = (value: string) =>
  value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** A rendered side: sound tags out of the HTML and into the media list, pictures listed where they are. */
export function side(rendered: string): CardSide {
  const media: SideMedia[] = [];
  const seen = new Set<string>();
  const add = (kind: MediaKind, file: string) => {
    if (file === "" || seen.has(`${kind}:${file}`)) return;
    seen.add(`${kind}:${file}`);
    media.push({ kind, file });
  };
  for (const match of rendered.matchAll(IMAGE_SOURCE)) add("image", decodeAttribute(match[1] ?? match[2] ?? match[3] ?? ""));
  for (const match of rendered.matchAll(SOUND_TAG)) add("audio", match[1]!);
  // Pictures first in the HTML, then sounds: keep the order each kind appears in.
  media.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "image" ? -1 : 1));
  return { html: rendered.replace(SOUND_TAG, "").trim(), media };
}

/** `{{cloze:Text}}` for card `number`: its deletions hidden (question) or marked (answer), the others shown. */
export function renderCloze(html: string, number: number, answer: boolean): string {
  const cloze = parseCloze(html);
  if (!cloze.ok) return html;
  let out = "";
  let from = 0;
  for (const deletion of cloze.deletions) {
    out += html.slice(from, deletion.start);
    if (deletion.number !== number) out += deletion.answer;
    else out += `<span class="cloze">${answer ? deletion.answer : `[${deletion.hint ?? "..."}]`}</span>`;
    from = deletion.end;
  }
  return out + html.slice(from);
}

function render(format: string, fields: ReadonlyMap<string, string>, options: { frontSide?: string; cloze?: { number: number; answer: boolean } }): string {
  return format.replace(REPLACEMENT, (_, inner: string) => {
    const name = inner.trim();
    if (name === "FrontSide") return options.frontSide ?? "";
    const [filter, field] = name.includes(":") ? [name.slice(0, name.indexOf(":")), name.slice(name.indexOf(":") + 1)] : [undefined, name];
    const value = fields.get(field) ?? "";
    if (filter === "cloze") return options.cloze ? renderCloze(value, options.cloze.number, options.cloze.answer) : value;
    return value;
  });
}

/** Every card of the deck, in the order Anki creates them: note by note, then template by template. */
export function* renderCards(noteType: NoteTypeName, notes: readonly DeckNote[]): Generator<PreviewCard> {
  const spec = NOTE_TYPES[noteType];
  for (const [index, note] of notes.entries()) {
    const fields = new Map(spec.fields.map((field, i) => [field.name, note.fields[i] ?? ""] as const));
    for (const ord of note.ords) {
      // A cloze note type has one template that makes a card per deletion number; the others one card per template.
      const template = spec.kind === 1 ? spec.templates[0]! : spec.templates[ord];
      if (!template) continue;
      const cloze = spec.kind === 1 ? ord + 1 : undefined;
      const question = render(template.qfmt, fields, cloze === undefined ? {} : { cloze: { number: cloze, answer: false } });
      const answer = render(template.afmt, fields, { frontSide: question, ...(cloze === undefined ? {} : { cloze: { number: cloze, answer: true } }) });
      yield {
        note: index,
        template: cloze === undefined ? template.name : `${template.name} ${cloze}`,
        question: side(question),
        answer: side(answer),
      };
    }
  }
}
