/**
 * The clip cache around speech: look every distinct text up before speaking (a bounded number of
 * reads at a time), speak only the misses, and write new clips back while the deck is packaged.
 */
import { join } from "node:path";
import type { ClipCache } from "../storage/clip-cache";
import { clipCacheKey } from "../storage/clip-cache";
import { clipFileName, type Clip, type SpeechStyle, type Synthesizer } from "./index";

/** Cache reads in flight at once: enough to hide their latency, few enough to be polite to S3. */
const LOOKUPS_IN_FLIGHT = 16;

export interface CacheContext {
  readonly cache: ClipCache;
  readonly synthesizer: Synthesizer & { audioIdentity(style: SpeechStyle): string };
  readonly style: SpeechStyle;
  /** This request's directory: hits are copied here, as spoken clips are written here. */
  readonly directory: string;
}

const keyOf = (context: CacheContext, text: string) =>
  clipCacheKey(context.synthesizer.audioIdentity(context.style), text, context.synthesizer.extension);

/** Finds the cached clips of `texts`: the hits, by text, and the texts still to speak, in order. */
export async function findCachedClips(texts: readonly string[], context: CacheContext, signal: AbortSignal): Promise<{ hits: Map<string, Clip>; misses: string[] }> {
  const distinct = [...new Set(texts)];
  const hits = new Map<string, Clip>();
  let next = 0;
  const worker = async () => {
    while (next < distinct.length) {
      signal.throwIfAborted();
      const text = distinct[next++]!;
      const fileName = clipFileName(text, context.style, context.synthesizer.extension);
      const path = join(context.directory, fileName);
      const bytes = await context.cache.fetch(keyOf(context, text), path, signal);
      if (bytes !== undefined) hits.set(text, { text, fileName, path, bytes });
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUPS_IN_FLIGHT, distinct.length) }, worker));
  return { hits, misses: distinct.filter((text) => !hits.has(text)) };
}

/** Writes freshly spoken clips to the cache; resolves when all are written (or given up at `signal`). */
export async function storeClips(clips: Iterable<Clip>, context: CacheContext, signal: AbortSignal): Promise<void> {
  const queue = [...clips];
  const worker = async () => {
    for (let clip = queue.shift(); clip && !signal.aborted; clip = queue.shift()) {
      await context.cache.store(keyOf(context, clip.text), clip.path, signal);
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUPS_IN_FLIGHT, queue.length) }, worker));
}
