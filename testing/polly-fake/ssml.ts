/**
 * SSML as Amazon Polly reads it (developer guide: "Supported SSML tags", "Reserved characters in
 * SSML", the tag pages): a well-formed XML document whose root is <speak>, made of the tags Polly
 * knows, each available for the engine asked for. What it says comes out as a list of sentences
 * (each with its speaking rate) and pauses, and the characters Polly bills: the text, not the tags.
 */
import { DOMParser, type Element, type Node } from "@xmldom/xmldom";

export type Segment = { readonly text: string; readonly rate: number } | { readonly pauseMs: number };

export class InvalidSsml extends Error {}

type Engine = "standard" | "neural" | "generative" | "long-form";

const KNOWN = new Set([
  "speak", "break", "emphasis", "lang", "mark", "p", "phoneme", "prosody", "s", "say-as", "sub", "w",
  "amazon:auto-breaths", "amazon:breath", "amazon:domain", "amazon:effect",
]);
// "Supported SSML tags": all for standard voices (but the newscaster style); not available elsewhere.
const NOT_AVAILABLE: Readonly<Record<Exclude<Engine, "standard">, ReadonlySet<string>>> = {
  neural: new Set(["emphasis", "amazon:auto-breaths", "amazon:breath"]),
  "long-form": new Set(["emphasis", "amazon:auto-breaths", "amazon:breath", "amazon:domain"]),
  generative: new Set(["emphasis", "amazon:auto-breaths", "amazon:breath", "amazon:domain", "amazon:effect"]),
};
// <break strength>: Polly's documented pauses (none, x-weak … x-strong).
const STRENGTH_MS: Readonly<Record<string, number>> = { none: 0, "x-weak": 0, weak: 250, medium: 400, strong: 700, "x-strong": 1000 };
// <prosody rate>: "approximate, depending on the voice"; these are the fake's voice's.
const RATE_WORDS: Readonly<Record<string, number>> = { "x-slow": 0.6, slow: 0.8, medium: 1, fast: 1.25, "x-fast": 1.5 };

/** Milliseconds of a `time` attribute ("1s", "250ms"), at most Polly's 10 seconds. */
function pauseOf(time: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|ms)$/.exec(time.trim());
  if (!match) throw new InvalidSsml(`break time "${time}" is not a duration`);
  const ms = Number(match[1]) * (match[2] === "s" ? 1000 : 1);
  if (ms > 10_000) throw new InvalidSsml("a break may last at most 10s");
  return ms;
}

function rateOf(value: string): number {
  if (value in RATE_WORDS) return RATE_WORDS[value]!;
  const match = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  if (!match || Number(match[1]) < 20 || Number(match[1]) > 200) throw new InvalidSsml(`prosody rate "${value}" is not x-slow…x-fast or 20%–200%`);
  return Number(match[1]) / 100;
}

/** Parses and checks `ssml` for `engine`: its sentences and pauses in order, and the characters billed. */
export function readSsml(ssml: string, engine: Engine): { segments: Segment[]; billed: number } {
  // XML allows "&" only as the start of an entity (xmldom lets a bare one through, Polly does not).
  if (/&(?![A-Za-z_][\w.-]*;|#\d+;|#x[0-9A-Fa-f]+;)/.test(ssml)) throw new InvalidSsml("a bare & (escape it as &amp;)");
  // Polly takes amazon: tags without a namespace declaration; an XML parser needs one.
  const declared = /^\s*(<\?xml[^>]*\?>\s*)?<speak\b/.test(ssml) && !/xmlns:amazon=/.test(ssml)
    ? ssml.replace(/<speak\b/, '<speak xmlns:amazon="urn:polly-fake:amazon"')
    : ssml;
  let root: Element;
  try {
    const doc = new DOMParser({ onError: (level, message) => { throw new InvalidSsml(`${level}: ${message}`); } }).parseFromString(declared, "application/xml");
    root = doc.documentElement!;
  } catch (error) {
    throw error instanceof InvalidSsml ? error : new InvalidSsml((error as Error).message);
  }
  if (root.nodeName !== "speak") throw new InvalidSsml("the document's root must be <speak>");

  const segments: Segment[] = [];
  let billed = 0;
  let sentence: { text: string; rate: number } | undefined;
  const close = () => {
    if (sentence && sentence.text.trim() !== "") segments.push(sentence);
    sentence = undefined;
  };
  const say = (text: string, rate: number) => {
    billed += [...text].length;
    if (sentence && sentence.rate !== rate) close();
    sentence ??= { text: "", rate };
    sentence.text += text;
  };
  const walk = (node: Node, rate: number, inSentence: boolean): void => {
    if (node.nodeType === node.TEXT_NODE || node.nodeType === node.CDATA_SECTION_NODE) return say(node.nodeValue ?? "", rate);
    if (node.nodeType !== node.ELEMENT_NODE) return;
    const element = node as Element;
    const name = element.nodeName;
    if (!KNOWN.has(name)) throw new InvalidSsml(`unsupported tag <${name}>`);
    if (engine !== "standard" && NOT_AVAILABLE[engine].has(name) && !(name === "amazon:effect" && element.getAttribute("name") === "drc" && engine !== "generative")) {
      throw new InvalidSsml(`<${name}> is not available for ${engine} voices`);
    }
    if (name === "speak" && node !== root) throw new InvalidSsml("<speak> inside <speak>");
    if (name === "break") {
      close();
      const time = element.getAttribute("time");
      segments.push({ pauseMs: time ? pauseOf(time) : STRENGTH_MS[element.getAttribute("strength") ?? "medium"] ?? 400 });
      return;
    }
    if (name === "mark") return;
    if (name === "sub") return say(element.getAttribute("alias") ?? "", rate);
    let childRate = rate;
    if (name === "prosody" && element.getAttribute("rate")) {
      // "For Generative voices, the prosody tag can be used only around full sentences."
      if (engine === "generative" && inSentence) throw new InvalidSsml("generative voices take <prosody> only around full sentences");
      childRate = rateOf(element.getAttribute("rate")!);
    }
    const sentenceTag = name === "s" || name === "p";
    if (sentenceTag) close();
    for (let child = element.firstChild; child; child = child.nextSibling) walk(child, childRate, inSentence || sentenceTag);
    if (sentenceTag) close();
  };
  walk(root, 1, false);
  close();
  return { segments, billed };
}
