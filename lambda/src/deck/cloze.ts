/**
 * Cloze deletions, `{{c1::answer}}` or `{{c1::answer::hint}}`, read the way Anki reads them (the `c`
 * in either case, the answer up to the first `::`, the hint up to `}}`). Stricter than Anki where Anki
 * would build a deck that is not what was meant: nesting (older Anki shows it as text), unclosed or
 * misspelt deletions, empty answers, and numbers that skip (c1 and c3 make no card 2).
 */
import { plainText } from "./text";

export interface ClozeDeletion {
  /** The card it makes: c1 → 1. */
  readonly number: number;
  /** The answer, as field HTML. */
  readonly answer: string;
  readonly hint?: string;
  /** Where `{{` starts and after `}}` ends, in the field HTML. */
  readonly start: number;
  readonly end: number;
}

export type ClozeParse =
  | { readonly ok: true; readonly deletions: readonly ClozeDeletion[]; readonly numbers: readonly number[] }
  | { readonly ok: false; readonly problem: string };

const OPENING = /\{\{c(\d+)::/iy;
const ANY_OPENING = /\{\{c\d+::/i;
// Near misses Anki would show as literal text: "{{c1:Paris}}", "{{ c1::Paris}}", "{{c::Paris}}".
const LOOKS_LIKE_OPENING = /^\{\{\s*c\s*[\d:]/i;

const excerpt = (html: string) => {
  const text = plainText(html);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
};

/** The deletions in a field's HTML, or the first thing wrong with them (a message following the field's path). */
export function parseCloze(html: string): ClozeParse {
  const deletions: ClozeDeletion[] = [];
  for (let at = html.indexOf("{{"); at >= 0; at = html.indexOf("{{", at)) {
    OPENING.lastIndex = at;
    const opening = OPENING.exec(html);
    if (!opening) {
      if (LOOKS_LIKE_OPENING.test(html.slice(at))) {
        return { ok: false, problem: `has a malformed cloze deletion at ${excerpt(html.slice(at))}: write {{c1::answer}} or {{c1::answer::hint}}` };
      }
      at += 2;
      continue;
    }
    const number = Number(opening[1]);
    const label = `c${opening[1]}`;
    const close = html.indexOf("}}", OPENING.lastIndex);
    if (close < 0) return { ok: false, problem: `has a cloze deletion that is never closed: ${label} needs }}` };
    const inner = html.slice(OPENING.lastIndex, close);
    if (ANY_OPENING.test(inner)) return { ok: false, problem: `must not nest cloze deletions (one starts inside ${label})` };
    if (number < 1) return { ok: false, problem: `must number cloze deletions from c1 (found ${label})` };
    const split = inner.indexOf("::");
    const answer = split < 0 ? inner : inner.slice(0, split);
    const hint = split < 0 ? undefined : inner.slice(split + 2);
    if (plainText(answer) === "") return { ok: false, problem: `has an empty answer in ${label}` };
    if (hint !== undefined && plainText(hint) === "") return { ok: false, problem: `has an empty hint in ${label} (leave out the second :: for none)` };
    deletions.push({ number, answer, ...(hint === undefined ? {} : { hint }), start: at, end: close + 2 });
    at = close + 2;
  }
  if (deletions.length === 0) return { ok: false, problem: "must contain at least one cloze deletion, like {{c1::answer}}" };
  const numbers = [...new Set(deletions.map((d) => d.number))].sort((a, b) => a - b);
  const missing = numbers.findIndex((n, i) => n !== i + 1);
  if (missing >= 0) return { ok: false, problem: `must number cloze deletions from c1 without gaps (c${missing + 1} is missing)` };
  return { ok: true, deletions, numbers };
}

function replaceDeletions(html: string, deletions: readonly ClozeDeletion[], by: (d: ClozeDeletion) => string): string {
  let out = "";
  let from = 0;
  for (const deletion of deletions) {
    out += html.slice(from, deletion.start) + by(deletion);
    from = deletion.end;
  }
  return out + html.slice(from);
}

/** The text with every deletion filled in: what the back of every card of the note reveals. */
export function clozeAnswerHtml(html: string, deletions: readonly ClozeDeletion[]): string {
  return replaceDeletions(html, deletions, (d) => d.answer);
}

/**
 * The text with every deletion read as its hint, or as a pause ("…") where it has none: one clip
 * that fits the front of every card of the note and gives no answer away.
 */
export function clozeQuestionHtml(html: string, deletions: readonly ClozeDeletion[]): string {
  return replaceDeletions(html, deletions, (d) => d.hint ?? "…");
}
