import { join } from "node:path";

/** The repository's root. A module of its own: importing it loads nothing else (testing/synth loads cdktf). */
export const PROJECT_ROOT = join(__dirname, "..");
