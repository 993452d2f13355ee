const ESM_ONLY = ["htmlparser2", "entities", "domhandler", "domutils", "dom-serializer", "domelementtype", "@modelcontextprotocol/ext-apps", "mpg123-decoder", "@wasm-audio-decoders/common", "simple-yenc"];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  // Sucrase strips types without type-checking (tsc --noEmit does that in `npm test`):
  // pure JS, so no native transform to build, and ~10x faster than ts-jest.
  transform: {
    "^.+\\.ts$": "@sucrase/jest-plugin",
    // htmlparser2 (under sanitize-html) and its family, ext-apps, and mpg123-decoder and its helpers
    // ship ES modules only, and Jest's module system cannot require ES modules on Node 20 (plain Node
    // and the esbuild bundle can).
    [`/node_modules/(${ESM_ONLY.join("|")})/.+\\.js$`]: ["@sucrase/jest-plugin", { transforms: ["imports"] }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join("|")})/)`],
  testMatch: ["<rootDir>/__tests__/**/*.test.ts"],
  // Jest uses one worker on two cores by default. Many suites spend much of their time waiting on
  // timers, servers and child processes, so three workers keep two cores busy (`npm test` on 2 cores,
  // type-check included, 701 tests on 2026-11-25: 1 worker 33.8 s, 2 workers 20.3 s, 3 workers 18.7 s,
  // 4 workers 18.8 s; 1,542 tests on 2026-11-30: 3 workers 71.6 s, 4 workers 70.1 s).
  maxWorkers: 3,
  // A test's timeout catches a hang, never slowness: on a loaded machine a suite that takes 1.5 s
  // alone can take 6 (jest's 5 s default failed streaming.test.ts twice). Tests wait for events,
  // not durations; speed is measured by the benches (npm run bench*).
  testTimeout: 60_000,
  globalSetup: "<rootDir>/testing/global-setup.js",
  setupFilesAfterEnv: ["<rootDir>/setup.js"],
  // The packaging worker started from source (lambda/src/deck/build-off-thread.ts) loads
  // require.resolve("sucrase/register") on its thread; under jest that resolves to the same hooks with
  // their output cached on disk (testing/sucrase-register-cached.js), so each test file's worker
  // does not load sucrase and transpile the worker's modules again.
  moduleNameMapper: { "^sucrase/register$": "<rootDir>/testing/sucrase-register-cached.js" },
  // jest-runtime with V8's code cache kept across a worker's test files (testing/jest-runtime.js).
  runtime: "<rootDir>/testing/jest-runtime.js",
  modulePathIgnorePatterns: ["<rootDir>/cdktf.out", "<rootDir>/lambda/dist", "<rootDir>/lambda/edge/dist"],
};
