/**
 * Deck names and tags as Anki stores them. A package that says one name and imports as another makes
 * the tool report a deck the learner cannot find, so names are normalised here the way Anki's importer
 * does (rslib decks/name.rs and tags/register.rs, Anki 2.1.50+) before anything is built.
 */
import { characterProblem, isVisible } from "./text";

const EDGE_SPACE = /^\p{White_Space}+|\p{White_Space}+$/gu;
// What Anki removes from each part of a deck name: ASCII controls and double quotes.
const DROPPED_FROM_DECK_NAMES = /[\x00-\x1f\x7f"]/g;

/**
 * The name Anki shows for `name`: each `::` part NFC-normalised, without `"` and control characters,
 * trimmed; a part left empty becomes `blank`.
 */
export function normaliseDeckName(name: string): string {
  return name.split("::").map((part) => part.normalize("NFC").replace(DROPPED_FROM_DECK_NAMES, "").replace(EDGE_SPACE, "") || "blank").join("::");
}

/** The first rule a deck name (trimmed) breaks, as a message following the field's path, or undefined. */
export function deckNameProblem(name: string): string | undefined {
  const characters = characterProblem(name, { lineBreaks: false });
  if (characters) return characters;
  if (!isVisible(name)) return "must contain a visible character";
  // Anki turns an empty part into "blank" (reported back), but keeps a zero-width one: a deck nobody can read.
  const parts = name.split("::");
  const invisible = parts.findIndex((part) => part.replace(EDGE_SPACE, "") !== "" && !isVisible(part));
  if (invisible >= 0) return `has a part made only of invisible characters (part ${invisible + 1} of ${parts.length})`;
  return undefined;
}

export const TAG_LIMITS = { length: 100, perList: 20 } as const;

/**
 * The first rule a tag (trimmed) breaks, or undefined. Anki splits tags at spaces and drops `"`, so a
 * tag with either would import as something else; `::` makes a hierarchy and must not leave a part empty.
 */
export function tagProblem(tag: string): string | undefined {
  const characters = characterProblem(tag, { lineBreaks: false });
  if (characters) return characters;
  if (/\p{White_Space}/u.test(tag)) return "must not contain spaces (Anki separates tags with spaces; join words with _ or -)";
  if (tag.includes('"')) return 'must not contain " (Anki removes it)';
  if (!isVisible(tag)) return "must contain a visible character";
  if (tag.split("::").some((part) => part === "")) return "must not have an empty part around ::";
  return undefined;
}

/**
 * One note's tags, as Anki would keep them: NFC, the first spelling of tags that differ only in case,
 * sorted without regard to case.
 */
export function mergeTags(...lists: ReadonlyArray<readonly string[] | undefined>): string[] {
  const byFolded = new Map<string, string>();
  for (const tag of lists.flatMap((list) => list ?? [])) {
    const normal = tag.normalize("NFC");
    const folded = normal.toLowerCase();
    if (!byFolded.has(folded)) byFolded.set(folded, normal);
  }
  return [...byFolded.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, tag]) => tag);
}
