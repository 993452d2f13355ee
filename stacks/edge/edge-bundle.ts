import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export interface EdgeBundleInput {
  /** Repository root. */
  readonly projectRoot: string;
  /** The function's entry, relative to the root, e.g. `lambda/edge/content-sha256.ts`; it exports `handler`. */
  readonly entry: string;
}

export interface EdgeBundle {
  /** Absolute path of the zip: `index.js` (CommonJS, handler `index.handler`) at its root. */
  readonly zipPath: string;
  /** Base64 SHA-256 of the zip, what Lambda's `source_code_hash` compares. */
  readonly sha256Base64: string;
  /** Size of the zip in bytes. */
  readonly bytes: number;
}

const bundled = new Map<string, EdgeBundle>();

/**
 * Bundles a Lambda@Edge entry with esbuild and zips it, at synth time and without Docker. The zip
 * goes to `lambda/edge/dist/<entry name>.zip` (gitignored), written only when its bytes change and
 * by rename, so parallel synths (jest workers) never see half a file. Within one process each
 * entry is bundled once: benchmarks and tests synthesize many stacks.
 */
export function bundleEdgeFunction(input: EdgeBundleInput): EdgeBundle {
  const entryPath = join(input.projectRoot, input.entry);
  const source = readFileSync(entryPath);
  const key = `${entryPath}\0${createHash("sha256").update(source).digest("hex")}`;
  const cached = bundled.get(key);
  if (cached) return cached;

  // Loaded here, not at the top: only oac mode bundles, and the other synths need not pay for it.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { buildSync } = require("esbuild") as typeof import("esbuild");
  const { zipSync } = require("fflate") as typeof import("fflate");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const result = buildSync({
    entryPoints: [entryPath],
    // Paths in the output's comments are relative to this: the same bytes from any working directory.
    absWorkingDir: input.projectRoot,
    bundle: true,
    platform: "node",
    // The function's runtime (nodejs22.x); node: built-ins stay external.
    target: "node22",
    format: "cjs",
    write: false,
    legalComments: "none",
    // Fixed here rather than read from the repository's tsconfig.json, so editing that file cannot
    // change the deployed bytes.
    tsconfigRaw: { compilerOptions: { alwaysStrict: true } },
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.contents;
  // Zip stores local date and time, so the fixed timestamp is built from local-time fields (when the
  // zip is made): every machine and time zone then writes the same bytes, and `terraform plan` shows a
  // code change only when the code changed.
  const mtime = new Date(1980, 0, 1);
  const zip = zipSync({ "index.js": [code, { mtime, os: 3, attrs: 0o100644 << 16 }] }, { level: 9 });

  const zipPath = join(input.projectRoot, "lambda", "edge", "dist", `${basename(input.entry).replace(/\.ts$/, "")}.zip`);
  if (!existsSync(zipPath) || !readFileSync(zipPath).equals(zip)) {
    mkdirSync(dirname(zipPath), { recursive: true });
    const temporary = `${zipPath}.${process.pid}.tmp`;
    writeFileSync(temporary, zip);
    renameSync(temporary, zipPath);
  }
  const bundle = { zipPath, sha256Base64: createHash("sha256").update(zip).digest("base64"), bytes: zip.length };
  bundled.set(key, bundle);
  return bundle;
}
