/**
 * Time in tests that must not depend on the machine's speed. The fake clock moves only when a test
 * advances it, while promises, I/O, process.nextTick and setImmediate stay real, so servers, streams
 * and sockets keep working and every timer (keep-alives, progress heartbeats, client timeouts) fires
 * at its exact fake time.
 */

// Taken before any test installs the fake clock: waiting below needs the real one.
const realSetTimeout = globalThis.setTimeout;

/** Jest's fake timers and Date, nothing else. */
export function useFakeClock(): void {
  jest.useFakeTimers({ doNotFake: ["nextTick", "queueMicrotask", "setImmediate", "clearImmediate", "hrtime", "performance"] });
}

/** Only a guard against a hang, so a broken test names what it waited for: far above any real wait. */
const GIVE_UP_MS = 30_000;

/**
 * Waits, on the real clock, until `condition` holds: the work it waits for (I/O, another process,
 * a socket) takes what it takes. Never an assertion about speed.
 */
export async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited++) {
    if (waited >= GIVE_UP_MS) throw new Error(`gave up waiting ${GIVE_UP_MS / 1000} s for ${what}`);
    await new Promise((resolve) => realSetTimeout(resolve, 1));
  }
}

/** A deadline for work whose time is not under test: an hour away, so load can never be what fails it. */
export const farDeadline = (): number => Date.now() + 3_600_000;
