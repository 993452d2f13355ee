/**
 * buildApkg on a worker thread (apkg-worker.ts), so the main thread stays free while a package is
 * written. One worker per process, started on first use and kept (its sql.js is then warm): jobs wait
 * their turn, since writing is CPU-bound and a Lambda instance serves one request at a time anyway.
 * A job whose signal aborts (deadline, disconnect) ends the worker, and sql.js with it, at once.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { LimitError, OutOfTimeError } from "../limits";
import type { DeckInput, PackageOutput } from "./apkg";
import type { PackageJob, PackageJobResult } from "./apkg-worker";

let worker: Worker | undefined;
let queue: Promise<unknown> = Promise.resolve();

/** The bundled worker in the image; from source (dev server, tests), the TypeScript entry through sucrase. */
function startWorker(): Worker {
  const bundled = join(__dirname, "apkg-worker.js");
  if (existsSync(bundled)) return new Worker(bundled);
  const source = join(__dirname, "apkg-worker.ts");
  return new Worker(`require(${JSON.stringify(require.resolve("sucrase/register"))}); require(${JSON.stringify(source)});`, { eval: true });
}

/**
 * Starts the worker ahead of the first package (the dev server at start, the function when it first
 * initialises): starting it and compiling sql.js would otherwise be paid by the first deck.
 */
export function startPackagingWorker(): void {
  worker ??= startWorker();
  worker.unref();
}

/** Writes the package to `output.path` on the worker; its size in bytes. */
export function buildApkgOffThread(input: DeckInput, output: PackageOutput): Promise<number> {
  // Each note carries its own stamp (deck/mod-times.ts): nothing the worker would have to remember.
  const job = queue.then(() => run({ input, path: output.path, maxBytes: output.maxBytes }, output.signal));
  queue = job.catch(() => {});
  return job;
}

const outOfTime = () => new OutOfTimeError("packaging and uploading the deck did not finish within the time budget");

function run(job: PackageJob, signal: AbortSignal): Promise<number> {
  if (signal.aborted) return Promise.reject(outOfTime());
  const current = (worker ??= startWorker());
  current.ref();
  return new Promise<number>((resolve, reject) => {
    const settle = (outcome: () => void) => {
      current.off("message", onMessage).off("error", onError).off("exit", onExit);
      signal.removeEventListener("abort", onAbort);
      if (worker === current) current.unref();
      outcome();
    };
    const onMessage = (result: PackageJobResult) =>
      settle(() => ("bytes" in result ? resolve(result.bytes) : reject(result.error.limit ? new LimitError(result.error.message) : new Error(result.error.message))));
    const onError = (error: Error) => {
      if (worker === current) worker = undefined;
      settle(() => reject(error));
    };
    const onExit = (code: number) => {
      if (worker === current) worker = undefined;
      settle(() => reject(new Error(`the packaging worker exited (${code})`)));
    };
    const onAbort = () => {
      if (worker === current) worker = undefined;
      settle(() => reject(outOfTime()));
      void current.terminate();
    };
    current.on("message", onMessage).on("error", onError).on("exit", onExit);
    signal.addEventListener("abort", onAbort, { once: true });
    current.postMessage(job);
  });
}
