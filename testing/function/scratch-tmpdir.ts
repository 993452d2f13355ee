// A temporary directory of one test's own, seen by the function's code as os.tmpdir().
//
// Tests that check "no temp files left" count entries in the temporary directory, and the other jest
// worker makes entries there too. Jest gives each test file a copy of process.env, so setting TMPDIR
// cannot steer node:os; replacing os.tmpdir while the test runs can (the function's modules read
// it through the same module object).
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";

export interface ScratchTmpdir {
  readonly path: string;
  /** Entries directly in it whose names start with `prefix`. */
  count(prefix: string): number;
  /** Puts os.tmpdir back and removes the directory. */
  restore(): void;
}

export function scratchTmpdir(): ScratchTmpdir {
  const path = mkdtempSync(join(os.tmpdir(), "ankify-test-tmp-"));
  const spy = jest.spyOn(os, "tmpdir").mockReturnValue(path);
  return {
    path,
    count: (prefix) => readdirSync(path).filter((name) => name.startsWith(prefix)).length,
    restore: () => {
      spy.mockRestore();
      rmSync(path, { recursive: true, force: true });
    },
  };
}
