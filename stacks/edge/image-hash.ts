import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

/** Never descended into: installs and build output (the ignore file drops them too; this saves the walk). */
const SKIPPED_DIRS = new Set(["node_modules", "dist", ".git"]);

export interface ImageHashInput {
  /** The repository root (holds `package-lock.json`): the build context. */
  readonly projectRoot: string;
  /** The function's folder relative to the root, which is also its npm workspace path. @default "lambda" */
  readonly workspace?: string;
}

/**
 * A content hash of everything the function's image is built from: the Dockerfile, every file of the
 * workspace that `<workspace>/Dockerfile.dockerignore` lets into the build context, and the lockfile
 * entries of the workspace's own dependency closure.
 *
 * Reading the build's own ignore file keeps the tag a function of what the build sees: a note, an
 * editor's swap file or a `.DS_Store` (which the ignore file drops) cannot make two machines disagree
 * on the tag. The root `package.json` and `package-lock.json` are in the context too, but only their
 * effect on the workspace's install matters, and the lockfile closure captures exactly that: a root
 * devDependency bump (jest, cdktf-cli, ...) leaves the tag alone.
 */
export function imageContentHash(input: ImageHashInput): string {
  const workspace = input.workspace ?? "lambda";
  const hash = createHash("sha256");
  for (const path of imageInputs(input)) {
    hash.update(`file:${path.slice(workspace.length + 1)}\0`);
    hash.update(readFileSync(join(input.projectRoot, path)));
    hash.update("\0");
  }
  const lock = JSON.parse(readFileSync(join(input.projectRoot, "package-lock.json"), "utf8")) as Lockfile;
  for (const [path, entry] of dependencyClosure(lock, workspace)) {
    hash.update(`lock:${path}@${entry.version ?? ""}#${entry.integrity ?? entry.resolved ?? ""}\0`);
  }
  return hash.digest("hex").slice(0, 16);
}

/**
 * The workspace's files the image is built from, as sorted paths relative to the root: the Dockerfile
 * (BuildKit reads it beside the context) and what the ignore file lets into the context.
 */
export function imageInputs(input: ImageHashInput): string[] {
  const workspace = input.workspace ?? "lambda";
  const ignoreFile = join(input.projectRoot, workspace, "Dockerfile.dockerignore");
  if (!existsSync(ignoreFile)) throw new Error(`${workspace}/Dockerfile.dockerignore is missing: the image hash reads the build context's rules from it.`);
  const rules = parseDockerignore(readFileSync(ignoreFile, "utf8"));
  const root = input.projectRoot;
  const files = listFiles(join(root, workspace)).map((file) => relative(root, file).split(sep).join("/"));
  return [`${workspace}/Dockerfile`, ...files.filter((path) => !isIgnored(path, rules))]
    .filter((path, i, all) => all.indexOf(path) === i)
    .sort();
}

function listFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) files.push(...listFiles(path));
    } else if (entry.isFile()) {
      files.push(path);
    }
  }
  return files;
}

interface IgnoreRule {
  readonly pattern: RegExp;
  readonly exception: boolean;
}

/**
 * `.dockerignore` rules (Docker's documented syntax): one pattern per line, `#` comments, `!` for an
 * exception, Go filepath.Match wildcards (`*`, `?`, `[...]`) plus `**` for any number of directories.
 */
export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const exception = line.startsWith("!");
    const pattern = (exception ? line.slice(1) : line).trim().replace(/^\/+/, "").replace(/\/+$/, "");
    if (pattern === "") continue;
    rules.push({ pattern: globToRegExp(pattern), exception });
  }
  return rules;
}

/** Whether Docker leaves `path` out of the context: the last rule that matches it, or one of its folders, decides. */
export function isIgnored(path: string, rules: readonly IgnoreRule[]): boolean {
  const parts = path.split("/");
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
  let ignored = false;
  for (const rule of rules) {
    // A pattern that names a folder takes everything in it; an exception must name the file itself
    // (or a folder the file is in), as Docker's matcher does.
    if (candidates.some((candidate) => rule.pattern.test(candidate))) ignored = !rule.exception;
  }
  return ignored;
}

function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === "*" && glob[i + 1] === "*") {
      // "**/" matches zero or more folders; a trailing "**" everything below.
      if (glob[i + 2] === "/") {
        source += "(?:.*/)?";
        i += 2;
      } else {
        source += ".*";
        i += 1;
      }
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else if (char === "[") {
      const end = glob.indexOf("]", i);
      if (end < 0) source += "\\[";
      else {
        source += `[${glob.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else source += char.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
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
