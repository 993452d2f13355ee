// Preloaded into the dev server by bench/load.ts (with --expose-gc): SIGUSR2 runs a full garbage
// collection, so RSS is compared between two collected heaps, not between two moments of V8's
// lazy growth. Answers with a line on stderr once done.
process.on("SIGUSR2", () => {
  global.gc();
  process.stderr.write("gc-done\n");
});
