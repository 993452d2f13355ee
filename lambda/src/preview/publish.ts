/**
 * What the deck preview (the MCP App, lambda/ui/) needs, made once per deck after the package is
 * stored: the first cards as Anki shows them, and a link to every clip or picture they play or show.
 *
 * Those files are copied next to the package (`<deck folder>/preview/<name>`): they expire with it
 * (the bucket's rule for the deck prefix) and the role may already write and sign there. Links last
 * as long as the deck's. The preview is bounded whatever the deck — cards, files and bytes — so a
 * 500-card deck answers with a result of the same size as a 50-card one.
 *
 * A preview never fails a deck: a file that cannot be stored is left out (its card shows without
 * it), and anything else leaves the result without a preview.
 */
import { extname } from "node:path";
import type { DeckInput } from "../deck/apkg";
import { log } from "../log";
import { renderCards, type PreviewCard } from "./cards";

export const PREVIEW_LIMITS = {
  /** Cards in the preview at most: enough to study a while, few enough to render at once on a phone. */
  cards: 50,
  /** Files linked at most (a clip per side of 50 cards). */
  files: 100,
  /**
   * The preview's size as JSON, links included: a tool result travels whole, and some clients keep
   * structured content around. 50 cards of the longest text fit; presigned links are ~1.5 KB each.
   */
  bytes: 256 * 1024,
} as const;

/** Files stored at once: enough to hide S3's latency, few enough to leave the deck's own clip cache writes room. */
const UPLOADS_IN_FLIGHT = 8;

/** The media types a preview links, by extension: what an `<audio>` or `<img>` plays or shows. */
export const PREVIEW_CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".mp3": "audio/mpeg",
  ".wav": "audio/wav",
  ".ogg": "audio/ogg",
  ".m4a": "audio/mp4",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".gif": "image/gif",
  ".webp": "image/webp",
};

export interface DeckPreview {
  /** The deck's first cards, in Anki's order; `card_count` says how many the deck has. */
  readonly cards: readonly PreviewCard[];
  /** Links to the files the cards name, by name; a file missing here could not be stored. */
  readonly files: Readonly<Record<string, string>>;
}

/** Where preview files go: the deck store's bucket, signed like the deck. */
export interface PreviewMediaStore {
  /** Stores the file at `path` under `key`, served as `contentType`. */
  put(key: string, path: string, contentType: string, signal: AbortSignal): Promise<void>;
  /** A presigned GET link to `key`, as long-lived as a deck's. Made locally: the object need not exist yet. */
  link(key: string): Promise<string>;
}

export interface PreviewDeps {
  readonly store: PreviewMediaStore;
  /**
   * The origin every link points at (the bucket's, or the local store's): the view's CSP allows
   * media and pictures from it and nothing else.
   */
  readonly mediaOrigin: string;
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/**
 * Picks the cards and files of the preview within PREVIEW_LIMITS, signs the links, and stores the
 * files next to the deck stored at `deckKey`. Resolves without a preview rather than rejecting.
 */
export async function publishPreview(
  deck: Pick<DeckInput, "noteType" | "notes" | "media">,
  deckKey: string,
  deps: PreviewDeps,
  signal: AbortSignal,
): Promise<DeckPreview | undefined> {
  try {
    const folder = `${deckKey.slice(0, deckKey.lastIndexOf("/") + 1)}preview/`;
    const paths = new Map(deck.media.map((file) => [file.name, file.path]));
    const cards: PreviewCard[] = [];
    const links = new Map<string, string>();
    // {"cards":[],"files":{}} and a comma between entries.
    let size = bytes({ cards: [], files: {} });
    for (const card of renderCards(deck.noteType, deck.notes)) {
      if (cards.length === PREVIEW_LIMITS.cards) break;
      const wanted = [...card.question.media, ...card.answer.media]
        .map((media) => media.file)
        .filter((file, i, all) => all.indexOf(file) === i && !links.has(file) && paths.has(file) && PREVIEW_CONTENT_TYPES[extname(file).toLowerCase()]);
      if (links.size + wanted.length > PREVIEW_LIMITS.files) break;
      const signed = await Promise.all(wanted.map(async (file) => [file, await deps.store.link(folder + file)] as const));
      const added = bytes(card) + 1 + signed.reduce((sum, [file, url]) => sum + bytes(file) + bytes(url) + 2, 0);
      if (size + added > PREVIEW_LIMITS.bytes) break;
      size += added;
      cards.push(card);
      for (const [file, url] of signed) links.set(file, url);
    }
    const stored = await storeFiles([...links.keys()], folder, paths, deps.store, signal);
    return { cards, files: Object.fromEntries([...links].filter(([file]) => stored.has(file))) };
  } catch (error) {
    log("warn", "preview.failed", { message: (error as Error).message });
    return undefined;
  }
}

/** Stores each file under `folder`; the names of those stored (a failure is logged and left out). */
async function storeFiles(files: readonly string[], folder: string, paths: ReadonlyMap<string, string>, store: PreviewMediaStore, signal: AbortSignal): Promise<Set<string>> {
  const stored = new Set<string>();
  const queue = [...files];
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined && !signal.aborted; file = queue.shift()) {
      try {
        await store.put(folder + file, paths.get(file)!, PREVIEW_CONTENT_TYPES[extname(file).toLowerCase()]!, signal);
        stored.add(file);
      } catch (error) {
        if (!signal.aborted) log("warn", "preview.file_failed", { file, message: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(UPLOADS_IN_FLIGHT, files.length) }, worker));
  return stored;
}
