import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * cdktf.json's "context": the defaults. `cdktf synth` passes it to the app itself; `node main.ts`, the
 * npm commands and the tests read it here (a light module: no cdktf, no provider).
 */
export function cdktfJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(__dirname, "..", "..", "cdktf.json"), "utf8")) as { context?: Record<string, unknown> }).context ?? {};
}
