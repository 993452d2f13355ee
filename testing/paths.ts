import { join } from "node:path";

/** The repository's root. A module of its own: importing it loads nothing else (testing/synth loads cdktf). */
export const PROJECT_ROOT = join(__dirname, "..");

/**
 * What tests give `node -r` where a user runs `node -r sucrase/register`: the same hooks and
 * transforms, with the output cached on disk (testing/sucrase-register-cached.js).
 */
export const TS_REGISTER = join(PROJECT_ROOT, "testing", "sucrase-register-cached.js");
