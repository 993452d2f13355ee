/**
 * The Accept header as RFC 9110 §12.5.1 defines it: media ranges with weights, the most specific
 * range that matches a type deciding its weight, and q=0 meaning "not acceptable". The MCP SDK only
 * looks for substrings (it would take `text/event-stream;q=0` as accepting a stream), so what the
 * answer may be is decided here.
 */

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

function parse(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  // Commas inside quoted parameter values do not separate ranges.
  for (const part of header.match(/(?:[^,"]|"(?:[^"\\]|\\.)*")+/g) ?? []) {
    const [range = "", ...params] = part.split(";").map((piece) => piece.trim());
    const match = /^([!#$%&'*+.^_`|~0-9a-z-]+)\/([!#$%&'*+.^_`|~0-9a-z-]+)$/i.exec(range);
    if (!match) continue;
    let q = 1;
    for (const param of params) {
      const weight = /^q\s*=\s*([01](?:\.\d{0,3})?)$/i.exec(param);
      if (weight) q = Math.min(1, Number(weight[1]));
    }
    ranges.push({ type: match[1]!.toLowerCase(), subtype: match[2]!.toLowerCase(), q });
  }
  return ranges;
}

/** Whether `header` accepts `mediaType` (e.g. `text/event-stream`) with a weight above zero. */
export function accepts(header: string | null | undefined, mediaType: string): boolean {
  const [type, subtype] = mediaType.toLowerCase().split("/");
  let best: { specificity: number; q: number } | undefined;
  for (const range of parse(header ?? "")) {
    const specificity = range.type === type && range.subtype === subtype ? 2 : range.type === type && range.subtype === "*" ? 1 : range.type === "*" && range.subtype === "*" ? 0 : -1;
    // Among equally specific ranges, the most favourable one counts.
    if (specificity >= 0 && (!best || specificity > best.specificity || (specificity === best.specificity && range.q > best.q))) best = { specificity, q: range.q };
  }
  return best !== undefined && best.q > 0;
}
