// Bundles the function for the Lambda image (Dockerfile) and for tests: `npm run build -w lambda`.
// Two CommonJS entries — index.js (the handler) and apkg-worker.js (the worker thread that writes
// packages, which deck/build-off-thread.ts starts from the same directory) — plus sql.js's
// WebAssembly. ANKIFY_BUILD_OUTDIR overrides dist/.
const { build } = require("esbuild");
const { copyFileSync, mkdirSync, statSync } = require("node:fs");
const { join } = require("node:path");

const outdir = process.env.ANKIFY_BUILD_OUTDIR || join(__dirname, "dist");

async function main() {
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: { index: join(__dirname, "src", "index.ts"), "apkg-worker": join(__dirname, "src", "deck", "apkg-worker.ts") },
    outdir,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    keepNames: true,
    legalComments: "none",
    metafile: true,
    // Only a run from source loads the worker through sucrase; the image runs the bundled one.
    external: ["sucrase/register"],
    logLevel: "warning",
  });
  copyFileSync(require.resolve("sql.js/dist/sql-wasm.wasm"), join(outdir, "sql-wasm.wasm"));
  const bytes = (file) => statSync(join(outdir, file)).size;
  console.log(`bundle: ${join(outdir, "index.js")} ${bytes("index.js")} bytes + apkg-worker.js ${bytes("apkg-worker.js")} bytes + sql-wasm.wasm ${bytes("sql-wasm.wasm")} bytes`);
  return result;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
