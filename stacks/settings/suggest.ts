/**
 * The known name closest to a misspelt one, for "did you mean …?". Distance is optimal string
 * alignment (Levenshtein plus swapping two neighbours: ORGIN → ORIGIN is one edit), compared in a
 * normal form so that case and separators do not count: `image_uri`, `imageURI` and `ANKIFY_IMAGE_URI`
 * are all `imageuri` to a cdktf.json key.
 */

/** Edits between two strings: insertions, deletions, substitutions and swaps of neighbours. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The candidate nearest `name` (the first of equals, so list the likelier ones first). A name that a
 * candidate starts with counts as one edit away: people shorten (ANKIFY_ENV for ANKIFY_ENVIRONMENT).
 */
export function closest(name: string, candidates: readonly string[], normal: (text: string) => string = (text) => text): string {
  const target = normal(name);
  let best = candidates[0]!;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const other = normal(candidate);
    const distance = other.startsWith(target) ? Math.min(1, editDistance(target, other)) : editDistance(target, other);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Environment variables: case does not count (ankify_domain is a typo of ANKIFY_DOMAIN). */
export const envNormal = (name: string): string => name.toUpperCase();

/** cdktf.json keys: neither case, separators nor an ANKIFY_ prefix count. */
export const keyNormal = (key: string): string => key.toLowerCase().replace(/^ankify[-_]?/, "").replace(/[-_. ]/g, "");
