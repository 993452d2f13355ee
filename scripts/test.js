// `npm test`: the preflight (scripts/preflight.js), then the type-check and jest side by side (tsc
// takes about a second; jest's workers spend much of theirs waiting on servers, child processes and
// timers, so running them together finishes sooner than one after the other). Arguments go to jest
// (e.g. `npm test -- --json --outputFile=report.json`, or a path). Exit status: the first failure's.
const { spawn, spawnSync } = require("node:child_process");
const { join } = require("node:path");

const root = join(__dirname, "..");
const preflight = spawnSync(process.execPath, [join(__dirname, "preflight.js")], { stdio: "inherit" });
if (preflight.status !== 0) process.exit(preflight.status ?? 1);

/** A package's command, as its package.json "bin" names it (TypeScript's exports map hides bin/). */
const bin = (pkg, name) => {
  const manifest = require.resolve(`${pkg}/package.json`, { paths: [root] });
  const bins = require(manifest).bin;
  return join(manifest, "..", typeof bins === "string" ? bins : bins[name]);
};

const run = (script, args, stdio) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: root, stdio });
    let output = "";
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });

(async () => {
  const [types, tests] = await Promise.all([
    run(bin("typescript", "tsc"), ["--noEmit"], ["ignore", "pipe", "pipe"]),
    run(bin("jest", "jest"), process.argv.slice(2), "inherit"),
  ]);
  if (types.code !== 0) process.stderr.write(`\ntsc --noEmit found type errors:\n${types.output}`);
  else process.stdout.write("tsc --noEmit: no type errors\n");
  process.exit(types.code !== 0 ? types.code : tests.code);
})();
