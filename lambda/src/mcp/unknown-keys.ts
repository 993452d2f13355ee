/**
 * Refusals of keys a schema does not know, naming the one the client most likely meant: a misspelt
 * argument ("languge") would otherwise be dropped and its default used without a word.
 */
import { boundEcho } from "../http/echo";

// Case and separators are how the same name is most often spelt differently (deckName, deck-name).
const fold = (key: string) => key.toLowerCase().replace(/[_\-\s]/g, "");

/** Edit distance (insertions, deletions, substitutions, adjacent transpositions). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The known key `key` is closest to, if it is close enough to be a misspelling of it. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  // Long keys are nobody's misspelling, and comparing them costs time: only short ones are tried.
  if (key.length > 64) return undefined;
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const d = distance(fold(key), fold(candidate));
    if (!best || d < best.distance) best = { key: candidate, distance: d };
  }
  return best && best.distance <= Math.max(1, Math.floor(best.key.length / 4)) ? best.key : undefined;
}

/**
 * One sentence refusing `keys` (what zod reports as unrecognized), e.g.
 * `unknown argument "languge": did you mean "language"?`; with no close match it lists the known keys.
 */
export function unknownKeysMessage(keys: readonly string[], known: readonly string[], noun: string, listing: string): string {
  const [first, ...others] = keys;
  const more = others.length > 0 ? ` (and ${others.length} more)` : "";
  const guess = closestKey(first ?? "", known);
  const name = JSON.stringify(boundEcho(first ?? ""));
  return guess ? `unknown ${noun} ${name}${more}: did you mean "${guess}"?` : `unknown ${noun} ${name}${more}; ${listing} ${known.join(", ")}`;
}
