/**
 * Headless Chromium for the browser tests: the system's own (Debian's `chromium` package, which
 * .ci/run installs; Google Chrome where that is what the machine has, as on GitHub's Ubuntu
 * runners, whose apt `chromium` is only a snap stub), driven by playwright-core, which never
 * downloads a browser. ANKIFY_CHROMIUM names another executable.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** The commands tried, in order: the same list as scripts/preflight.js and .ci/run. */
export const BROWSERS = ["chromium", "chromium-browser", "google-chrome"] as const;

export function chromiumPath(): string | undefined {
  const named = process.env["ANKIFY_CHROMIUM"];
  if (named) return named;
  for (const command of BROWSERS) {
    try {
      return execFileSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).trim() || undefined;
    } catch {
      // not on PATH
    }
  }
  return existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined;
}

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile each time: no cache, no cookies, nothing from an earlier run. */
export async function launchChromium(viewport = { width: 1000, height: 900 }): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("Chromium is not installed: sudo apt-get install chromium (or set ANKIFY_CHROMIUM to a Chromium executable).");
  const profile = mkdtempSync(join(tmpdir(), "ankify-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport,
    timeout: 120_000,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
