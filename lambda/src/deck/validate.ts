/**
 * The rules a create_deck request must keep beyond each field's own shape: which card fields a note
 * type uses, what HTML leaves once sanitized, cloze syntax, and repeated cards. Each problem carries
 * the path of the field it is about (`cards.3.back`), and its message follows that path.
 */
import { parseCloze } from "./cloze";
import { NOTE_TYPE_NAMES, type NoteTypeName } from "./note-types";
import { repeatedCards, type CardInput } from "./notes";
import { slicer } from "./slices";
import { characterProblem, fieldHtml, isVisible, plainText, type TextFormat } from "./text";

/**
 * cards: notes per request. 1,000 notes with audio on both sides are 2,000 clips, which a deck job
 * (jobs/) builds however long Polly takes; the speech characters and the Anki cards (limits.ts) are
 * bounded on their own.
 */
export const LIMITS = { deckName: 100, cards: 1000, text: 1000 } as const;

export interface Problem {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

const TEXT_FIELDS = ["front", "back", "text", "extra"] as const;
type TextField = (typeof TEXT_FIELDS)[number];

const FIELDS: Readonly<Record<NoteTypeName, { readonly required: readonly TextField[]; readonly optional: readonly TextField[]; readonly usage: string }>> = {
  basic: { required: ["front", "back"], optional: [], usage: "basic cards have front and back" },
  "basic-and-reversed": { required: ["front", "back"], optional: [], usage: "basic-and-reversed cards have front and back" },
  cloze: { required: ["text"], optional: ["extra"], usage: "cloze cards have text and, optionally, extra" },
};

/** The first rule a card text (trimmed, line breaks as \n) breaks as written, or undefined. */
export function cardTextProblem(value: string): string | undefined {
  if (value === "") return "must not be empty";
  if (value.length > LIMITS.text) return `must be at most ${LIMITS.text} characters`;
  return characterProblem(value, { lineBreaks: true }) ?? (isVisible(value) ? undefined : "must contain a visible character");
}

/** What a card text's field HTML breaks: HTML that sanitizes to nothing, or entities that decode to forbidden characters. */
function fieldProblem(html: string): string | undefined {
  if (plainText(html) === "") return "has no text left once markup that is not allowed is removed";
  // The sanitizer decodes entities: &#31; arrives here as U+001F itself.
  return characterProblem(html, { lineBreaks: true }) ?? (isVisible(plainText(html)) ? undefined : "must contain a visible character");
}

export interface CheckedRequest {
  readonly note_type: NoteTypeName;
  readonly format: TextFormat;
  readonly cards: readonly CardInput[];
}

/**
 * Every problem in a request whose fields have passed their own schemas (others are skipped, not
 * repeated). Asynchronous only to give the event loop a turn between slices of cards.
 */
export async function requestProblems(request: CheckedRequest): Promise<Problem[]> {
  if (!NOTE_TYPE_NAMES.includes(request.note_type) || !Array.isArray(request.cards)) return [];
  const { required, optional, usage } = FIELDS[request.note_type];
  const problems: Problem[] = [];
  // Repeats are only looked for once every card reads cleanly.
  let clean = true;
  const pause = slicer();
  for (const [i, card] of request.cards.entries()) {
    await pause();
    if (typeof card !== "object" || card === null) {
      clean = false;
      continue;
    }
    if (card.image_side !== undefined && card.image === undefined) {
      problems.push({ path: ["cards", i, "image_side"], message: "needs an image (it says which side shows it)" });
    }
    for (const field of TEXT_FIELDS) {
      const value = card[field];
      const path = ["cards", i, field];
      if (value === undefined) {
        if (required.includes(field)) problems.push({ path, message: `is required for note_type ${request.note_type}` });
        continue;
      }
      if (!required.includes(field) && !optional.includes(field)) {
        problems.push({ path, message: `is not used by note_type ${request.note_type} (${usage})` });
        continue;
      }
      if (typeof value !== "string" || cardTextProblem(value) !== undefined) {
        clean = false;
        continue;
      }
      const html = fieldHtml(value, request.format);
      const problem = (request.format === "html" ? fieldProblem(html) : undefined) ?? (field === "text" ? clozeProblem(html) : undefined);
      if (problem) problems.push({ path, message: problem });
    }
  }
  await pause();
  if (problems.length > 0 || !clean) return problems;
  const same = request.note_type === "cloze" ? "same text and extra" : "same front and back";
  return (await repeatedCards(request.cards, request.note_type, request.format)).map(([later, earlier]) => ({
    path: ["cards", later],
    message: `repeats cards.${earlier} (${same}); remove one`,
  }));
}

function clozeProblem(html: string): string | undefined {
  const cloze = parseCloze(html);
  return cloze.ok ? undefined : cloze.problem;
}
