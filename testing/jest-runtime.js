// jest's runtime (jest-runtime), with V8's code cache kept across the test files of one worker.
//
// jest evaluates every module afresh for each test file, compiling its source with
// vm.compileFunction, and on Node 20 that compile has no cache: the MCP SDK, zod and the AWS SDK
// are parsed again in every file that loads them. Here the first compile of a source produces
// V8's code cache and later compiles of the very same source (same file, same text) in this
// process hand it back. V8 checks the data and recompiles if it does not fit; the module still
// runs afresh, in its test file's own context, as before.
const vm = require("node:vm");

const compileFunction = vm.compileFunction;
/** filename -> the source compiled and its code cache */
const cache = new Map();

vm.compileFunction = function compileFunctionCached(code, params, options) {
  if (!options || typeof options.filename !== "string" || options.cachedData || options.produceCachedData) {
    return compileFunction.apply(this, arguments);
  }
  const entry = cache.get(options.filename);
  if (entry && entry.code === code) {
    const fn = compileFunction.call(this, code, params, { ...options, cachedData: entry.data });
    if (!fn.cachedDataRejected) return fn;
  }
  const fn = compileFunction.call(this, code, params, { ...options, produceCachedData: true });
  if (fn.cachedData) cache.set(options.filename, { code, data: fn.cachedData });
  return fn;
};

module.exports = require("jest-runtime");
