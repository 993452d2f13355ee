import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

/** Folders under the function's source that are build output or installs, never image inputs. */
const IGNORED_DIRS = new Set(["node_modules", "dist", ".turbo", "coverage"]);
/**
 * Folders of the workspace (relative to it) that the image does not contain: `edge/` is the
 * Lambda@Edge source, bundled into its own zip (see Dockerfile.dockerignore), so changing it must not
 * rebuild the image.
 */
const NOT_IN_IMAGE = new Set(["edge"]);

export interface ImageHashInput {
  /** The repository root (holds `package-lock.json`). */
  readonly projectRoot: string;
  /** The function's folder relative to the root, which is also its npm workspace path. @default "lambda" */
  readonly workspace?: string;
}

/**
 * A content hash of everything the function's image is built from: every file in the workspace
 * folder, plus the lockfile entries of the workspace's own dependency closure.
 *
 * Hashing only that closure, not the whole lockfile, keeps `terraform plan` quiet when a root
 * devDependency (jest, cdktf-cli, ...) changes: the image changes exactly when the function's code
 * or its resolved dependencies do.
 */
export function imageContentHash(input: ImageHashInput): string {
  const workspace = input.workspace ?? "lambda";
  const sourceDir = join(input.projectRoot, workspace);
  const hash = createHash("sha256");
  for (const file of listFiles(sourceDir, sourceDir)) {
    const path = relative(sourceDir, file).split(sep).join("/");
    hash.update(`file:${path}\0`);
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  const lock = JSON.parse(readFileSync(join(input.projectRoot, "package-lock.json"), "utf8")) as Lockfile;
  for (const [path, entry] of dependencyClosure(lock, workspace)) {
    hash.update(`lock:${path}@${entry.version ?? ""}#${entry.integrity ?? entry.resolved ?? ""}\0`);
  }
  return hash.digest("hex").slice(0, 16);
}

function listFiles(dir: string, root: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.isDirectory()) {
      const path = join(dir, entry.name);
      if (!IGNORED_DIRS.has(entry.name) && !NOT_IN_IMAGE.has(relative(root, path).split(sep).join("/"))) files.push(...listFiles(path, root));
    } else if (entry.isFile()) {
      files.push(join(dir, entry.name));
    }
  }
  return files;
}

interface LockEntry {
  readonly version?: string;
  readonly resolved?: string;
  readonly integrity?: string;
  readonly link?: boolean;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

interface Lockfile {
  readonly packages: Record<string, LockEntry>;
}

/**
 * The lockfile entries (`node_modules/...` paths) that `npm ci --workspace <workspace>` installs,
 * found by Node's resolution: look in the requiring package's own node_modules, then each parent's.
 */
export function dependencyClosure(lock: Lockfile, workspace: string): Array<[string, LockEntry]> {
  const root = lock.packages[workspace];
  if (!root) throw new Error(`package-lock.json has no entry for workspace "${workspace}"; run npm install at the repository root.`);
  const seen = new Map<string, LockEntry>();
  const queue: Array<[string, LockEntry, boolean]> = [[workspace, root, true]];
  while (queue.length > 0) {
    const [fromPath, entry, isWorkspace] = queue.shift()!;
    const names = {
      ...entry.dependencies,
      ...entry.optionalDependencies,
      ...entry.peerDependencies,
      ...(isWorkspace ? entry.devDependencies : {}),
    };
    for (const name of Object.keys(names).sort()) {
      const found = resolve(lock, fromPath, name);
      if (!found || seen.has(found[0])) continue;
      seen.set(found[0], found[1]);
      queue.push([found[0], found[1], false]);
    }
  }
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function resolve(lock: Lockfile, fromPath: string, name: string): [string, LockEntry] | undefined {
  let base = fromPath;
  for (;;) {
    const candidate = base === "" ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    const entry = lock.packages[candidate];
    if (entry) return [candidate, entry];
    if (base === "") return undefined;
    // "lambda/node_modules/a/node_modules/b" -> "lambda/node_modules/a" -> "lambda" -> "" (the root).
    const cut = base.lastIndexOf("node_modules/");
    base = cut > 0 ? base.slice(0, cut - 1) : "";
  }
}
