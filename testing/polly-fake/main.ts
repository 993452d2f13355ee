/**
 * The Polly fake as a process, for benches and for the dev server (`ANKIFY_DEV_SPEECH=polly`):
 *   node -r sucrase/register testing/polly-fake/main.ts [--port 4566] [--latency-ms 0] [--quota neural=8/10 ...]
 * prints `Polly fake: http://127.0.0.1:<port>` once it listens; SIGINT or SIGTERM stops it.
 * `GET /_fake/stats` answers what it has done (requests, throttled, billed characters, errors).
 */
import { startPollyFake, type PollyFakeOptions } from "./server";
import type { Rate } from "./limits";

function parse(argv: readonly string[]): PollyFakeOptions {
  const quotas: Record<string, Rate> = {};
  let port = 0;
  let latencyMs = 0;
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ""];
    if (flag === "--port") port = Number(value);
    else if (flag === "--latency-ms") latencyMs = Number(value);
    else if (flag === "--quota") {
      // e.g. neural=8/10: 8 a second, burst 10.
      const match = /^(standard|neural|generative|long-form|all)=(\d+(?:\.\d+)?)\/(\d+)$/.exec(value);
      if (!match) throw new Error(`--quota ${value}: expected ENGINE=PER_SECOND/BURST, e.g. neural=8/10`);
      quotas[match[1]!] = { perSecond: Number(match[2]), burst: Number(match[3]) };
    } else throw new Error(`unknown argument ${flag}`);
    i++;
  }
  if (!Number.isInteger(port) || !Number.isFinite(latencyMs)) throw new Error("--port and --latency-ms take numbers");
  return { port, latencyMs, quotas };
}

startPollyFake(parse(process.argv.slice(2))).then(
  (fake) => {
    console.log(`Polly fake: ${fake.url}`);
    const stop = () => void fake.close().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  },
  (error: Error) => {
    console.error(`Polly fake failed to start: ${error.message}`);
    process.exit(1);
  },
);
