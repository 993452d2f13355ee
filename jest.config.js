/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  // Sucrase strips types without type-checking (tsc --noEmit does that in `npm test`):
  // pure JS, so no native transform to build, and ~10x faster than ts-jest.
  transform: { "^.+\\.ts$": "@sucrase/jest-plugin" },
  testMatch: ["<rootDir>/__tests__/**/*.test.ts"],
  setupFilesAfterEnv: ["<rootDir>/setup.js"],
  modulePathIgnorePatterns: ["<rootDir>/cdktf.out", "<rootDir>/lambda/dist", "<rootDir>/lambda/edge/dist"],
};
