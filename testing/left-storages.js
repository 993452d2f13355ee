// Jest runs many test files one after another in each worker process, each in a fresh module registry
// but on one Node runtime. An AsyncLocalStorage that a file's modules enabled (FairUse has one per
// instance, jest-circus one per file, koa one per app) stays enabled when the file is done: its
// modules are dropped, the storage is not. On Node 20 every enabled storage runs a hook on every
// promise the worker creates, so the files at the end of a worker's run paid for the storages of all
// the files before them (5 s of CPU in a whole run, measured with --cpu-prof; docs/testing.md).
//
// Each file therefore starts by disabling the storages that earlier files in this worker used. Their
// code has finished (jest tears a file's environment down before the next one starts), so nothing
// reads them again; the current file's storages are untouched until the next file starts.
const { AsyncLocalStorage } = require("node:async_hooks");

const USED = Symbol.for("ankify.test.usedAsyncLocalStorages");

/** Disables the storages earlier test files in this process used, and records the ones this file uses. */
function disableEarlierFilesStorages() {
  // The class is Node's own, shared by every file in the worker: patched once, on first use.
  let used = AsyncLocalStorage[USED];
  if (!used) {
    used = AsyncLocalStorage[USED] = new Set();
    for (const method of ["run", "enterWith"]) {
      const original = AsyncLocalStorage.prototype[method];
      AsyncLocalStorage.prototype[method] = function recordUse(...args) {
        used.add(this);
        return original.apply(this, args);
      };
    }
  }
  for (const storage of used) storage.disable();
  used.clear();
}

module.exports = { disableEarlierFilesStorages };
