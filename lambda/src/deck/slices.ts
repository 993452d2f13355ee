/**
 * Long synchronous loops on the main thread (checking 500 cards of HTML and cloze deletions) cut
 * into slices, so timers, keep-alive bytes and other requests get their turn between them.
 */
import { setImmediate as nextTurn } from "node:timers/promises";

/** How long one slice of work may hold the event loop. */
export const SLICE_MS = 20;

/** Call once per step of a loop: resolves at once, or after the event loop has had a turn when the slice is used up. */
export function slicer(sliceMs = SLICE_MS): () => Promise<void> {
  let started = performance.now();
  return async () => {
    if (performance.now() - started < sliceMs) return;
    await nextTurn();
    started = performance.now();
  };
}
