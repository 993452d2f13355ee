// Bundles the function into one CommonJS file plus sql.js's WebAssembly, for the Lambda image
// (Dockerfile) and for tests: `npm run build -w lambda`. ANKIFY_BUILD_OUTDIR overrides dist/.
const { build } = require("esbuild");
const { copyFileSync, mkdirSync, statSync } = require("node:fs");
const { join } = require("node:path");

const outdir = process.env.ANKIFY_BUILD_OUTDIR || join(__dirname, "dist");

async function main() {
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: [join(__dirname, "src", "index.ts")],
    outfile: join(outdir, "index.js"),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    keepNames: true,
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
  });
  copyFileSync(require.resolve("sql.js/dist/sql-wasm.wasm"), join(outdir, "sql-wasm.wasm"));
  const bytes = (file) => statSync(join(outdir, file)).size;
  console.log(`bundle: ${join(outdir, "index.js")} ${bytes("index.js")} bytes + sql-wasm.wasm ${bytes("sql-wasm.wasm")} bytes`);
  return result;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
