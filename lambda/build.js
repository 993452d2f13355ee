// Bundles the function for the Lambda image (Dockerfile) and for tests: `npm run build -w lambda`.
// Two CommonJS entries — index.js (the handler) and apkg-worker.js (the worker thread that writes
// packages, which deck/build-off-thread.ts starts from the same directory) — plus sql.js's
// WebAssembly. The deck preview's page (lambda/ui/) is built first and goes into index.js as a
// string. ANKIFY_BUILD_OUTDIR overrides dist/.
const { build } = require("esbuild");
const { copyFileSync, mkdirSync, statSync } = require("node:fs");
const { join } = require("node:path");
const { buildViewHtml } = require("./ui/build.js");

/**
 * src/preview/view-html.ts builds the page when run from source; in the bundle it is replaced by
 * the page itself, so the function serves it from memory and esbuild never ships in the image.
 */
const inlineViewHtml = (html) => ({
  name: "inline-view-html",
  setup(b) {
    b.onResolve({ filter: /^\.\/view-html$/ }, (args) =>
      args.importer.endsWith(join("src", "preview", "resource.ts")) ? { path: "view-html", namespace: "inline-view-html" } : undefined);
    b.onLoad({ filter: /.*/, namespace: "inline-view-html" }, () => ({
      contents: `const html = Promise.resolve(${JSON.stringify(html)});\nexport function viewHtml() { return html; }\n`,
      loader: "js",
    }));
  },
});

const outdir = process.env.ANKIFY_BUILD_OUTDIR || join(__dirname, "dist");

async function main() {
  mkdirSync(outdir, { recursive: true });
  const view = await buildViewHtml();
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
    plugins: [inlineViewHtml(view.html)],
  });
  copyFileSync(require.resolve("sql.js/dist/sql-wasm.wasm"), join(outdir, "sql-wasm.wasm"));
  const bytes = (file) => statSync(join(outdir, file)).size;
  console.log(`bundle: ${join(outdir, "index.js")} ${bytes("index.js")} bytes + apkg-worker.js ${bytes("apkg-worker.js")} bytes + sql-wasm.wasm ${bytes("sql-wasm.wasm")} bytes; ` +
    `deck preview inside: ${view.bytes} bytes, ${view.gzipBytes} gzipped`);
  return result;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
