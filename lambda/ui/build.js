// Builds the deck preview (the MCP App the function serves as ui://ankify/deck-preview.html) into one
// self-contained HTML page: the script and the style sheet inline, nothing loaded from anywhere.
// lambda/build.js inlines the page into the function's bundle; run from source, the function calls
// this itself (lambda/src/preview/view-html.ts). `node lambda/ui/build.js [out.html]` writes it.
const { build } = require("esbuild");
const { writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { gzipSync } = require("node:zlib");

/** The page's budget, gzipped: what a host downloads before it can show anything. */
const MAX_GZIP_BYTES = 150 * 1024;

/**
 * zod, which the ext-apps App validates every message with, imports its error messages in some
 * fifty languages through a namespace the App keeps alive, so no bundler can drop them: ~40 KB
 * gzipped of a page that shows none of them. English stays (zod configures it at load).
 */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/]/.test(args.importer) ? { path: "zod-locales", namespace: "zod-english-only" } : undefined);
    b.onLoad({ filter: /.*/, namespace: "zod-english-only" }, () => ({
      contents: 'export { default as en } from "zod/v4/locales/en.js";',
      resolveDir: __dirname,
    }));
  },
};

/** The page, and its size raw and gzipped (bytes). */
async function buildViewHtml() {
  const common = { bundle: true, minify: true, write: false, legalComments: "none", logLevel: "warning" };
  const [script, style] = await Promise.all([
    build({
      ...common,
      entryPoints: [join(__dirname, "main.ts")],
      format: "esm",
      platform: "browser",
      // What hosts render MCP Apps in: current Chromium (Claude, VS Code, Electron), Safari and Firefox.
      target: ["chrome120", "safari17", "firefox121"],
      plugins: [zodEnglishOnly],
    }),
    build({ ...common, entryPoints: [join(__dirname, "styles.css")], target: ["chrome120", "safari17", "firefox121"] }),
  ]);
  // esbuild escapes "</script" and "</style" in its output, so neither can end its element early.
  const html = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Deck preview</title>\n" +
    `<style>${style.outputFiles[0].text}</style>\n</head>\n<body>\n<main id="app" aria-busy="true"><p class="status">Waiting for the deck…</p></main>\n` +
    `<script type="module">${script.outputFiles[0].text}</script>\n</body>\n</html>\n`;
  const bytes = Buffer.byteLength(html);
  const gzipBytes = gzipSync(html, { level: 9 }).length;
  if (gzipBytes > MAX_GZIP_BYTES) throw new Error(`the deck preview is ${gzipBytes} bytes gzipped; its budget is ${MAX_GZIP_BYTES}`);
  return { html, bytes, gzipBytes };
}

module.exports = { buildViewHtml, MAX_GZIP_BYTES };

if (require.main === module) {
  buildViewHtml().then(({ html, bytes, gzipBytes }) => {
    const out = process.argv[2];
    if (out) writeFileSync(out, html);
    console.log(`deck preview: ${bytes} bytes, ${gzipBytes} gzipped${out ? ` → ${out}` : ""}`);
  }, (error) => {
    console.error(error.message ?? error);
    process.exit(1);
  });
}
