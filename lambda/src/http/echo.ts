/**
 * Client input repeated in an answer is cut to a short excerpt: a name the client made up (an unknown
 * tool, a header, an argument) can be megabytes long, and echoing it whole would let any caller make
 * the function send (and wait to send) as much as it received.
 */

/** The longest piece of client input an answer repeats, in characters. */
export const MAX_ECHO = 100;

/** `text` as an answer may repeat it: whole when short, else its first MAX_ECHO characters and "…". */
export function boundEcho(text: string, max = MAX_ECHO): string {
  if (text.length <= max) return text;
  // Never split a surrogate pair: the cut would leave half a character.
  const cut = /[\ud800-\udbff]/.test(text[max - 1]!) ? max - 1 : max;
  return `${text.slice(0, cut)}…`;
}
