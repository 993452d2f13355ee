/** The view's words and numbers: English, with dates and numbers in the host's locale and time zone. */

export interface Locale {
  /** BCP 47, e.g. "en-GB"; the browser's when absent. */
  readonly locale?: string;
  /** IANA, e.g. "Europe/Madrid"; the browser's when absent. */
  readonly timeZone?: string;
}

export const plural = (n: number, one: string, many = `${one}s`, locale?: string) =>
  `${new Intl.NumberFormat(locale).format(n)} ${n === 1 ? one : many}`;

/** "2.4 MB", "812 KB", "900 bytes". */
export function sizeText(bytes: number, locale?: string): string {
  const number = (n: number, digits: number) => new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(n);
  if (bytes < 1000) return plural(bytes, "byte", "bytes", locale);
  if (bytes < 1_000_000) return `${number(bytes / 1000, 0)} KB`;
  return `${number(bytes / 1_000_000, 1)} MB`;
}

/** "12 cards · 6 notes · 12 audio clips · 48 KB" */
export function countsText(deck: { card_count: number; note_count: number; audio_clips: number; size_bytes: number }, { locale }: Locale = {}): string {
  const parts = [plural(deck.card_count, "card", "cards", locale)];
  if (deck.note_count !== deck.card_count) parts.push(plural(deck.note_count, "note", "notes", locale));
  parts.push(plural(deck.audio_clips, "audio clip", "audio clips", locale), sizeText(deck.size_bytes, locale));
  return parts.join(" · ");
}

const relative = (ms: number) => {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 1) return "less than a minute";
  if (minutes < 90) return plural(minutes, "minute");
  return plural(Math.round(minutes / 60), "hour");
};

/** "The download link expires at 14:05 (in 59 minutes)." or "… expired at 14:05." */
export function expiryText(expiresAt: string, now: number, { locale, timeZone }: Locale = {}): string {
  const at = Date.parse(expiresAt);
  if (Number.isNaN(at)) return "";
  const sameDay = Math.abs(at - now) < 12 * 3_600_000;
  const when = new Intl.DateTimeFormat(locale, {
    ...(sameDay ? { timeStyle: "short" } : { dateStyle: "medium", timeStyle: "short" }),
    ...(timeZone ? { timeZone } : {}),
  }).format(at);
  return at > now ? `The download link expires at ${when} (in ${relative(at - now)}).` : `The download link expired at ${when}. Ask for the deck again to get a new one.`;
}

/** Said under the cards when the preview holds fewer than the deck. */
export function moreText(shown: number, total: number, locale?: string): string | undefined {
  if (shown >= total) return undefined;
  return `Showing the first ${plural(shown, "card", "cards", locale)} of ${new Intl.NumberFormat(locale).format(total)}; the deck has them all.`;
}
