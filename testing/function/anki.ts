// A real Anki importer for tests (Anki 2.1.15's Python package, headless; testing/function/install-anki.sh
// installs it): where it is, and a way to run import and edit steps on a collection.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { PROJECT_ROOT } from "../paths";

/** The system python: Anki 2.1.15's package and its Debian dependencies are installed for it, not for a pyenv shim. */
const PYTHON = "/usr/bin/python3";

/** The directory holding Anki's `anki` package, when this machine has one that imports; else why not. */
export function findAnki(): { readonly path: string } | { readonly missing: string } {
  const candidates = [process.env["ANKI_PYTHONPATH"], join(PROJECT_ROOT, ".ankify-local", "anki-2.1.15", "usr", "share", "anki"), "/usr/share/anki"]
    .filter((path): path is string => path !== undefined && existsSync(join(path, "anki", "__init__.py")));
  if (!existsSync(PYTHON)) return { missing: `${PYTHON} is not installed` };
  for (const path of candidates) {
    const probe = spawnSync(PYTHON, ["-c", "import os, sys; sys.path.insert(0, os.environ['ANKI_PYTHONPATH']); from anki.importing import AnkiPackageImporter"], {
      env: { ...process.env, ANKI_PYTHONPATH: path },
      encoding: "utf8",
    });
    if (probe.status === 0) return { path };
  }
  return { missing: "Anki's Python package is not installed (bash testing/function/install-anki.sh installs Anki 2.1.15, or set ANKI_PYTHONPATH)" };
}

export type AnkiStep =
  | { readonly import: string }
  | { readonly edit_note: string; readonly field: number; readonly value: string }
  | { readonly edit_css: string; readonly append: string };

export interface AnkiCollection {
  reports: Array<{ added?: number; updated?: number; identical?: number; log?: string[]; mod?: number }>;
  models: Array<{ id: number; name: string; mod: number; css: string; flds: string[]; tmpls: string[] }>;
  notes: Array<{ guid: string; mid: number; flds: string[]; mod: number; tags: string[]; cards: number }>;
  decks: string[];
  media: string[];
}

export interface Anki {
  /** Runs `steps` on the collection at `collection` (created if missing) with Anki's own code: opened, changed, saved, closed. */
  run(collection: string, steps: readonly AnkiStep[]): Promise<AnkiCollection>;
  close(): Promise<void>;
}

/**
 * One Python process that has imported Anki, for all of a test file's steps (anki_import.py --serve):
 * importing Anki costs ~0.4 s of CPU, once instead of at every step. Requests run one at a time, in
 * the order they are made.
 */
export function startAnki(ankiPath: string): Anki {
  const child = spawn(PYTHON, [join(__dirname, "anki_import.py"), "--serve"], {
    env: { ...process.env, ANKI_PYTHONPATH: ankiPath },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const waiting: Array<{ resolve: (answer: AnkiCollection) => void; reject: (error: Error) => void }> = [];
  let exited: Error | undefined;
  const exit = new Promise<void>((resolve) => child.once("close", () => resolve()));
  child.once("close", (code) => {
    exited = new Error(`anki_import.py --serve exited (${code}): ${stderr.trim()}`);
    for (const request of waiting.splice(0)) request.reject(exited);
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    const answer = JSON.parse(line) as AnkiCollection | { error: string };
    const request = waiting.shift()!;
    if ("error" in answer) request.reject(new Error(`Anki: ${answer.error}\n${stderr.trim()}`));
    else request.resolve(answer);
  });
  return {
    run: (collection, steps) =>
      new Promise((resolve, reject) => {
        if (exited) return reject(exited);
        waiting.push({ resolve, reject });
        child.stdin.write(`${JSON.stringify({ collection, steps })}\n`);
      }),
    close: async () => {
      child.stdin.end();
      await exit;
    },
  };
}
