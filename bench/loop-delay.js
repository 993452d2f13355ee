// Preloaded into the dev server by bench/load.ts: measures how long the event loop is held up
// (perf_hooks.monitorEventLoopDelay, 10 ms resolution). Over the IPC channel, "loop-delay" answers the
// largest and 99th-percentile delay since the last ask (ms) and starts counting afresh.
const { monitorEventLoopDelay } = require("node:perf_hooks");

const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
process.on("message", (message) => {
  if (message !== "loop-delay") return;
  process.send({ maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6 });
  histogram.reset();
});
// The channel must not keep the server alive on its own.
process.channel?.unref();
