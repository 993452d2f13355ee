/**
 * The SSML Ankify sends to Amazon Polly: card text as text, never as markup. Each text is escaped
 * (Polly's "reserved characters": & < > " ' — a card that reads `<break time="10s"/>` is spoken as
 * written) and spoken as its own sentence; several texts are separated by a break long enough to
 * find in the audio. No whitespace between tags: tags are not billed, and spaces between them would be.
 */
import type { SpeechRate } from "./index";

/** The pause between two texts of one request: far longer than any pause inside a text. */
export const BREAK_MS = 1000;

const ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/** `text` as SSML character data. */
export function escapeSsml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * One text as a sentence. A slow rate wraps the whole sentence: generative voices accept <prosody>
 * only around full sentences (Polly's prosody-tag page).
 */
export function sentence(text: string, rate: SpeechRate): string {
  const s = `<s>${escapeSsml(text)}</s>`;
  return rate === "slow" ? `<prosody rate="slow">${s}</prosody>` : s;
}

const SEPARATOR = `<break time="${BREAK_MS}ms"/>`;

/** Characters a text adds to a document besides its escaped self: its sentence's tags and a break. */
export const overheadPerText = (rate: SpeechRate) => sentence("", rate).length + SEPARATOR.length;
/** Characters the document's own tags take. */
export const DOCUMENT_OVERHEAD = "<speak></speak>".length;

/** The SSML document that speaks `texts` in order, one sentence each, BREAK_MS apart. */
export function ssmlDocument(texts: readonly string[], rate: SpeechRate): string {
  return `<speak>${texts.map((text) => sentence(text, rate)).join(SEPARATOR)}</speak>`;
}

