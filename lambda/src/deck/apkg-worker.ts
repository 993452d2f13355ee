/**
 * The worker thread that writes packages (build-off-thread.ts runs it; lambda/build.js bundles it as
 * apkg-worker.js next to index.js). Writing a large deck is seconds of CPU in sql.js and the zip: on
 * the main thread it would stall every other request, the keep-alive bytes of streams, the deadline's
 * timers and the connections the next S3 call needs. Jobs arrive one at a time; a job that must stop
 * is stopped by ending the worker.
 */
import { parentPort } from "node:worker_threads";
import { LimitError } from "../limits";
import { buildApkg, sql, type DeckInput } from "./apkg";

export interface PackageJob {
  readonly input: DeckInput;
  readonly path: string;
  readonly maxBytes: number;
}

export type PackageJobResult = { readonly bytes: number } | { readonly error: { readonly message: string; readonly limit: boolean } };

// Compiling sql.js's WebAssembly takes a while: done as the worker starts, not in the first job.
void sql();

// The main thread ends this worker to stop a job, so the job itself is never asked to stop.
const never = new AbortController().signal;

// Where the process exposes gc (npm run bench:load runs with --expose-gc, a process-wide flag), the
// worker collects after each job: the bench measures RSS after collecting the main thread's heap,
// and this thread's garbage (the media read through it) would otherwise read as growth.
const collect = (globalThis as { gc?: () => void }).gc;

parentPort?.on("message", (job: PackageJob) => {
  buildApkg(job.input, { path: job.path, maxBytes: job.maxBytes, signal: never }).then(
    (bytes) => parentPort!.postMessage({ bytes } satisfies PackageJobResult),
    (error: unknown) => parentPort!.postMessage({ error: { message: error instanceof Error ? error.message : String(error), limit: error instanceof LimitError } } satisfies PackageJobResult),
  ).finally(() => collect?.());
});
