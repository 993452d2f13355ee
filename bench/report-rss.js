// Preloaded into the app command by bench/synth.ts: prints this process's peak RSS (KiB) on exit.
process.on("exit", () => process.stderr.write(`maxRSS=${process.resourceUsage().maxRSS}\n`));
