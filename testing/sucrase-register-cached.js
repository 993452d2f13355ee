// `node -r sucrase/register`, for the processes tests start, with its output kept on disk.
//
// The hooks, extensions, transforms and source-map suffix are sucrase/register's own
// (node_modules/sucrase/dist/register.js: registerAll); only the transform result is cached, under
// node_modules/.cache/sucrase-register/, keyed by sucrase's version, the options, the file's path
// and its content. A child process that finds every file there never loads sucrase at all: in a
// `node -r sucrase/register main.ts` that is about a quarter of its CPU, and the suite starts
// such processes a few dozen times.
const { createHash } = require("node:crypto");
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const pirates = require("pirates");

const CACHE = join(__dirname, "..", "node_modules", ".cache", "sucrase-register");
const VERSION = require("sucrase/package.json").version;
const JS = { transforms: ["imports", "flow", "jsx"] };
const TS = { transforms: ["imports", "typescript"] };
const TSX = { transforms: ["imports", "typescript", "jsx"] };
const fromEnv = process.env.SUCRASE_OPTIONS ? JSON.parse(process.env.SUCRASE_OPTIONS) : {};

let sucrase;
for (const [extension, options] of [[".js", JS], [".jsx", JS], [".ts", TS], [".tsx", TSX]]) {
  const merged = { ...options, ...fromEnv };
  pirates.addHook((code, filePath) => {
    const key = createHash("sha256").update(JSON.stringify([VERSION, merged, filePath])).update("\0").update(code).digest("hex");
    const file = join(CACHE, `${key}.js`);
    try {
      return readFileSync(file, "utf8");
    } catch {
      // Not cached yet: transform as sucrase/register does.
    }
    sucrase ??= require("sucrase");
    const { code: transformed, sourceMap } = sucrase.transform(code, { ...merged, sourceMapOptions: { compiledFilename: filePath }, filePath });
    const output = `${transformed}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(JSON.stringify(sourceMap)).toString("base64")}`;
    try {
      // Written whole, then renamed: processes running side by side never read half a file.
      mkdirSync(CACHE, { recursive: true });
      const partial = `${file}.${process.pid}.tmp`;
      writeFileSync(partial, output);
      renameSync(partial, file);
    } catch {
      // A cache that cannot be written only costs speed.
    }
    return output;
  }, { exts: [extension] });
}
