/**
 * `npm run bench`: how fast the app synthesizes and how much memory it takes.
 *
 *   in-process: import the app's modules, then synthesize the stack N times in one process
 *               (first = cold, the rest warm); peak RSS of this process.
 *   app command: cdktf.json's "app" command as a whole child process, N times; its peak RSS.
 *
 * Figures vary with the machine; compare medians, not single runs.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const root = join(__dirname, "..");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const mib = (kib: number) => (kib / 1024).toFixed(0);

function inProcess(): void {
  const outdir = mkdtempSync(join(tmpdir(), "ankify-bench-"));
  try {
    const t0 = process.hrtime.bigint();
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { App } = require("cdktf") as typeof import("cdktf");
    const { buildApp } = require("../main") as typeof import("../main");
    const { cdktfJsonContext } = require("../stacks/settings") as typeof import("../stacks/settings");
    const importMs = ms(t0);
    const times: number[] = [];
    let firstRss = 0;
    for (let i = 0; i < RUNS; i++) {
      const start = process.hrtime.bigint();
      buildApp(new App({ context: cdktfJsonContext(), outdir }), {}).synth();
      times.push(ms(start));
      if (i === 0) firstRss = process.resourceUsage().maxRSS;
    }
    console.log(`in-process   import ${importMs.toFixed(0)} ms · first synth ${times[0]!.toFixed(0)} ms · ` +
      `warm synth median ${median(times.slice(1)).toFixed(0)} ms (${RUNS - 1} runs) · peak RSS ${mib(firstRss)} MiB after the first synth, ${mib(process.resourceUsage().maxRSS)} MiB after all`);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function appCommand(): void {
  const app = (JSON.parse(readFileSync(join(root, "cdktf.json"), "utf8")) as { app: string }).app;
  const [command, ...args] = app.split(" ");
  const outdir = mkdtempSync(join(tmpdir(), "ankify-bench-"));
  const walls: number[] = [];
  const rss: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const start = process.hrtime.bigint();
      // The child reports its own peak RSS on exit (bench/report-rss.js).
      const run = spawnSync(command === "node" ? process.execPath : command!, ["-r", "./bench/report-rss.js", ...args], {
        cwd: root, env: { ...process.env, CDKTF_OUTDIR: outdir }, encoding: "utf8",
      });
      walls.push(ms(start));
      if (run.status !== 0) throw new Error(`app command failed:\n${run.stderr}`);
      rss.push(Number(/maxRSS=(\d+)/.exec(run.stderr)?.[1] ?? NaN));
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  console.log(`app command  \`${app}\` · wall median ${median(walls).toFixed(0)} ms (min ${Math.min(...walls).toFixed(0)}, max ${Math.max(...walls).toFixed(0)}, ${RUNS} runs) · peak RSS median ${mib(median(rss))} MiB`);
}

console.log(`node ${process.version}, ${require("node:os").cpus().length} cores`);
inProcess();
appCommand();
