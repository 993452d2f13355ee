/**
 * A card's picture: a `data:` URI carried in the request, or an https:// URL the function fetches
 * (http/image-fetch.ts guards where it may connect). Either way the bytes must be a PNG, JPEG, GIF or
 * WebP picture by their own first bytes (whatever a header or the URI claims: an SVG can carry script,
 * and Anki would show an HTML page as an image's "text"), and the file is named by a hash of its bytes,
 * like the clips: the same picture is one file however many cards show it, and a rebuilt deck names it
 * the same, so Anki's importer never renames it.
 *
 * The picture goes inside the side's existing field (above its text), so the note types keep their
 * fields and decks built before pictures existed still update in place (note-types.ts).
 */
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LimitError } from "../limits";
import { fetchImageBytes, ImageFetchError, type ImageFetchOptions } from "../http/image-fetch";

export type ImageSide = "front" | "back";
export const IMAGE_SIDES = ["front", "back"] as const satisfies readonly ImageSide[];

export const IMAGE_LIMITS = {
  /** A data: URI's picture, decoded. */
  dataBytes: 1024 * 1024,
  /** A fetched picture. */
  fetchedBytes: 2 * 1024 * 1024,
  /** One fetch, redirects included. */
  fetchSeconds: 5,
  /** All of one deck's pictures: they are stored in the package, which has its own cap. */
  deckBytes: 100 * 1024 * 1024,
  /** Fetches at once for one deck. */
  inFlight: 4,
  urlLength: 2048,
} as const;

/** Characters a data: URI may have: base64 of the largest picture, and its header. */
export const MAX_IMAGE_SOURCE_LENGTH = Math.ceil(IMAGE_LIMITS.dataBytes / 3) * 4 + 64;

const SIGNATURES: ReadonlyArray<{ readonly extension: string; readonly matches: (b: Uint8Array) => boolean }> = [
  { extension: "png", matches: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { extension: "jpg", matches: (b) => startsWith(b, [0xff, 0xd8, 0xff]) },
  { extension: "gif", matches: (b) => ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a" },
  { extension: "webp", matches: (b) => ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP" },
];
const startsWith = (bytes: Uint8Array, prefix: readonly number[]) => prefix.every((byte, i) => bytes[i] === byte);
const ascii = (bytes: Uint8Array, from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString("latin1");

/** The file extension for a picture's bytes, or undefined when they are none of the four types. */
export function imageExtension(bytes: Uint8Array): string | undefined {
  return SIGNATURES.find((signature) => signature.matches(bytes))?.extension;
}

const DATA_URI = /^data:image\/[a-z0-9.+-]+(?:;[a-z0-9-]+=[^;,]*)*;base64,([a-z0-9+/_-]*={0,2})$/i;
const NOT_A_PICTURE = "must be a PNG, JPEG, GIF or WebP picture";

/** A data: URI's picture, or what is wrong with it (a message that follows the field's path). */
export function decodeDataUri(value: string): { readonly bytes: Buffer } | { readonly problem: string } {
  const match = DATA_URI.exec(value);
  if (!match) return { problem: "must be a data:image/…;base64, URI or an https:// URL" };
  const base64 = match[1]!;
  if (base64.length > MAX_IMAGE_SOURCE_LENGTH) return { problem: `must be at most ${IMAGE_LIMITS.dataBytes / 1024 / 1024} MB` };
  const bytes = Buffer.from(base64, "base64");
  if (bytes.length > IMAGE_LIMITS.dataBytes) return { problem: `must be at most ${IMAGE_LIMITS.dataBytes / 1024 / 1024} MB` };
  if (!imageExtension(bytes)) return { problem: `${NOT_A_PICTURE} (its bytes are not one)` };
  return { bytes };
}

/** What is wrong with a card's `image` as given, checked before any work (a fetched picture is checked again when it arrives). */
export function imageSourceProblem(value: string): string | undefined {
  if (value.startsWith("data:")) {
    const decoded = decodeDataUri(value);
    return "problem" in decoded ? decoded.problem : undefined;
  }
  if (value.length > IMAGE_LIMITS.urlLength) return `must be a URL of at most ${IMAGE_LIMITS.urlLength} characters, or a data: URI`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be a data:image/…;base64, URI or an https:// URL";
  }
  // http:// passes here only to loopback hosts, for the dev server's tests; the fetch decides.
  const loopbackName = url.hostname === "127.0.0.1" || url.hostname === "[::1]" || url.hostname === "localhost";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopbackName)) return "must be a data:image/…;base64, URI or an https:// URL";
  if (url.username || url.password) return "must not carry a user name or password";
  return undefined;
}

/** Fetches a picture's bytes from a URL. */
export type ImageFetcher = (url: URL, signal: AbortSignal) => Promise<Buffer>;

/** The function's fetcher: public addresses only (the dev server may allow loopback, for tests). */
export function guardedImageFetcher(options: Pick<ImageFetchOptions, "allowLoopback" | "resolve" | "runtimeApi"> = {}): ImageFetcher {
  return (url, signal) => fetchImageBytes(url, { maxBytes: IMAGE_LIMITS.fetchedBytes, timeoutMs: IMAGE_LIMITS.fetchSeconds * 1000, ...options }, signal);
}

/** A picture in the deck. */
export interface ImageFile {
  /** Bare, unique, from its bytes: `ankify-<sha256…>.png`. */
  readonly name: string;
  readonly path: string;
  readonly bytes: number;
}

/** A card's picture that cannot be used: the client's to fix, so its message is shown as is. */
export class ImageError extends LimitError {
  constructor(card: number, source: string, problem: string) {
    const shown = source.startsWith("data:") ? "the data: URI" : source.length > 100 ? `${source.slice(0, 100)}…` : source;
    super(`cards.${card}.image (${shown}) ${problem}. Give another picture, or leave it out; nothing was built.`);
    this.name = "ImageError";
  }
}

/**
 * Every card's picture, written to `directory` under its hash name: by card (undefined for none), and
 * the distinct files. Sources repeated across cards are fetched once; at most IMAGE_LIMITS.inFlight
 * fetches run at once, and the deck's pictures may weigh `maxDeckBytes` in all.
 */
export async function gatherImages(
  sources: ReadonlyArray<string | undefined>,
  fetcher: ImageFetcher,
  directory: string,
  signal: AbortSignal,
  maxDeckBytes: number = IMAGE_LIMITS.deckBytes,
): Promise<{ readonly byCard: ReadonlyArray<ImageFile | undefined>; readonly files: readonly ImageFile[] }> {
  const firstCard = new Map<string, number>();
  sources.forEach((source, i) => {
    if (source !== undefined && !firstCard.has(source)) firstCard.set(source, i);
  });
  const distinct = [...firstCard.keys()];
  const bySource = new Map<string, ImageFile>();
  const byName = new Map<string, ImageFile>();
  let total = 0;
  const obtain = async (source: string, signal: AbortSignal): Promise<void> => {
    const card = firstCard.get(source)!;
    let bytes: Buffer;
    if (source.startsWith("data:")) {
      const decoded = decodeDataUri(source);
      if ("problem" in decoded) throw new ImageError(card, source, decoded.problem);
      bytes = decoded.bytes;
    } else {
      try {
        bytes = await fetcher(new URL(source), signal);
      } catch (error) {
        if (error instanceof ImageFetchError) throw new ImageError(card, source, error.message);
        throw error;
      }
    }
    const extension = imageExtension(bytes);
    if (!extension) throw new ImageError(card, source, `is not a PNG, JPEG, GIF or WebP picture`);
    const name = `ankify-${createHash("sha256").update(bytes).digest("hex").slice(0, 20)}.${extension}`;
    let file = byName.get(name);
    if (!file) {
      total += bytes.length;
      if (total > maxDeckBytes) {
        throw new LimitError(`This deck's pictures add up to more than ${Math.floor(maxDeckBytes / 1024 / 1024)} MB, the most one deck may carry. Use smaller pictures, or split the cards into several decks.`);
      }
      file = { name, path: join(directory, name), bytes: bytes.length };
      byName.set(name, file);
      await writeFile(file.path, bytes, { signal });
    }
    bySource.set(source, file);
  };
  // The first failure is the one reported: it stops the other workers and aborts their fetches.
  const stop = new AbortController();
  const working = AbortSignal.any([signal, stop.signal]);
  let failure: unknown;
  let next = 0;
  const worker = async () => {
    while (failure === undefined && next < distinct.length) {
      signal.throwIfAborted();
      try {
        await obtain(distinct[next++]!, working);
      } catch (error) {
        failure ??= error;
        stop.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IMAGE_LIMITS.inFlight, distinct.length) }, worker));
  if (failure !== undefined) throw signal.aborted ? signal.reason : failure;
  return { byCard: sources.map((source) => (source === undefined ? undefined : bySource.get(source))), files: [...byName.values()] };
}

/** A side's field HTML with its picture above the text. */
export function withPicture(fieldHtml: string, picture: ImageFile | undefined): string {
  return picture ? `<div><img src="${picture.name}"></div>${fieldHtml}` : fieldHtml;
}
