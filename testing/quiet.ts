/**
 * A machine-wide turn for test suites that must not run at the same time as each other, across jest's
 * worker processes: suites that measure the time between events (streaming's keep-alive gaps, a
 * client's 500 ms timeout) and suites that load every core for seconds (headless Chromium starting,
 * esbuild bundling the deck preview).
 * On two cores the second kind stalls the first's event loop past its bounds.
 *
 * The turn is a lock file created exclusively. One left by a process that died is taken over, and so
 * is one left by this process (a jest worker runs one file at a time: an earlier file's turn).
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "./paths";

const LOCK = join(tmpdir(), `ankify-quiet-${Buffer.from(PROJECT_ROOT).toString("base64url").slice(-24)}.lock`);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Waits for the turn (checking every 200 ms), takes it, and returns what gives it back. */
export async function takeQuietTurn(): Promise<() => void> {
  for (;;) {
    try {
      const fd = openSync(LOCK, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(LOCK, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(readFileSync(LOCK, { encoding: "utf8", flag: "r" }) || "0");
      if (owner === process.pid || (owner && !alive(owner))) rmSync(LOCK, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Holds the turn for the whole test file: before its first test, until after its last. */
export function quietTurnForThisFile(): void {
  let release: (() => void) | undefined;
  // Waiting for the other suite is not this suite's time: a generous bound of its own.
  beforeAll(async () => {
    release = await takeQuietTurn();
  }, 600_000);
  afterAll(() => release?.());
}
