// Jest's globalSetup: runs once in `npm test`'s own process before the workers start, and they inherit
// its environment.
const { execFileSync } = require("node:child_process");

module.exports = () => {
  // (Not an ANKIFY_* name: the dev server and synth refuse ANKIFY_* variables that are not settings.)
  // python3 as the PATH resolves it, named by its real path. A version manager's shim (pyenv's is a
  // bash script that works the version out on every call) costs ~110 ms of CPU a run, and the suites
  // read decks back with Python ~60 times (testing/function/harness.ts: readApkg).
  if (!process.env.PYTHON_FOR_TESTS) {
    try {
      process.env.PYTHON_FOR_TESTS = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim();
    } catch {
      // No python3: the preflight has said so, and each reading test fails naming it.
    }
  }
};
