import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { dependencyClosure, imageContentHash, imageInputs } from "../stacks/edge/image-hash";
import { PROJECT_ROOT } from "../testing/paths";

/** A tiny workspace project: lambda/ with sources and a lockfile holding its deps and a root devDep. */
function project(): { root: string; write: (path: string, text: string) => void; lock: Record<string, any>; saveLock: () => void } {
  const root = mkdtempSync(join(tmpdir(), "ankify-hash-"));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const lock = {
    lockfileVersion: 3,
    packages: {
      "": { devDependencies: { jest: "30.0.0" }, workspaces: ["lambda"] },
      lambda: { dependencies: { zod: "4.0.0", sdk: "1.0.0" }, devDependencies: { esbuild: "0.1.0" } },
      "node_modules/ankify-function": { resolved: "lambda", link: true },
      "node_modules/zod": { version: "4.0.0", integrity: "sha512-zod" },
      "node_modules/sdk": { version: "1.0.0", integrity: "sha512-sdk", dependencies: { zod: "^3", tiny: "1" } },
      "node_modules/sdk/node_modules/zod": { version: "3.25.0", integrity: "sha512-zod3" },
      "node_modules/tiny": { version: "1.0.0", integrity: "sha512-tiny" },
      "node_modules/esbuild": { version: "0.1.0", integrity: "sha512-esbuild", dev: true },
      "node_modules/jest": { version: "30.0.0", integrity: "sha512-jest", dev: true },
    } as Record<string, any>,
  };
  const saveLock = () => write("package-lock.json", JSON.stringify(lock));
  write("lambda/package.json", '{"name":"ankify-function"}');
  write("lambda/src/index.ts", "export const handler = 1;");
  write("lambda/Dockerfile", "FROM public.ecr.aws/lambda/nodejs:22");
  // The real build's rules: what the image hash may read is what the build context sends.
  write("lambda/Dockerfile.dockerignore", readFileSync(join(PROJECT_ROOT, "lambda", "Dockerfile.dockerignore"), "utf8"));
  write("lambda/build.js", "// bundles src/");
  saveLock();
  return { root, write, lock, saveLock };
}

describe("imageContentHash", () => {
  const roots: string[] = [];
  const fresh = () => {
    const p = project();
    roots.push(p.root);
    return p;
  };
  afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

  it("is stable for the same sources and a 16-hex-digit tag", () => {
    const a = fresh();
    const b = fresh();
    expect(imageContentHash({ projectRoot: a.root })).toMatch(/^[0-9a-f]{16}$/);
    expect(imageContentHash({ projectRoot: a.root })).toBe(imageContentHash({ projectRoot: b.root }));
  });

  it.each([
    ["a source file changes", (p: ReturnType<typeof project>) => p.write("lambda/src/index.ts", "export const handler = 2;")],
    ["a source file is added", (p: ReturnType<typeof project>) => p.write("lambda/src/tts.ts", "export {};")],
    ["a nested folder named edge changes", (p: ReturnType<typeof project>) => p.write("lambda/src/edge/route.ts", "export {};")],
    ["the Dockerfile changes", (p: ReturnType<typeof project>) => p.write("lambda/Dockerfile", "FROM public.ecr.aws/lambda/nodejs:24")],
    ["a dependency is upgraded", (p: ReturnType<typeof project>) => { p.lock["packages"]["node_modules/zod"].version = "4.0.1"; p.saveLock(); }],
    ["a transitive dependency changes", (p: ReturnType<typeof project>) => { p.lock["packages"]["node_modules/tiny"].integrity = "sha512-other"; p.saveLock(); }],
    ["a nested copy changes", (p: ReturnType<typeof project>) => { p.lock["packages"]["node_modules/sdk/node_modules/zod"].version = "3.25.1"; p.saveLock(); }],
  ])("changes when %s", (_what, change) => {
    const p = fresh();
    const before = imageContentHash({ projectRoot: p.root });
    change(p);
    expect(imageContentHash({ projectRoot: p.root })).not.toBe(before);
  });

  it.each([
    ["a root devDependency is upgraded", (p: ReturnType<typeof project>) => { p.lock["packages"]["node_modules/jest"].version = "30.1.0"; p.saveLock(); }],
    ["node_modules/ is filled", (p: ReturnType<typeof project>) => p.write("lambda/node_modules/x/index.js", "x")],
    ["a local bundle is built into dist/", (p: ReturnType<typeof project>) => p.write("lambda/dist/index.js", "bundle")],
    ["a file outside lambda/ changes", (p: ReturnType<typeof project>) => p.write("README.md", "docs")],
    ["the Lambda@Edge source in lambda/edge/ changes (it is not in the image)", (p: ReturnType<typeof project>) => p.write("lambda/edge/content-sha256.ts", "export {};")],
    ["a file the build context leaves out appears in lambda/", (p: ReturnType<typeof project>) => p.write("lambda/NOTES.md", "todo")],
    ["macOS leaves a .DS_Store in src/", (p: ReturnType<typeof project>) => p.write("lambda/src/.DS_Store", "Bud1")],
    ["Windows leaves Thumbs.db and desktop.ini", (p: ReturnType<typeof project>) => { p.write("lambda/src/Thumbs.db", "x"); p.write("lambda/src/desktop.ini", "x"); }],
    ["vim leaves a swap file", (p: ReturnType<typeof project>) => p.write("lambda/src/.index.ts.swp", "b0VIM")],
    ["an editor leaves a backup~ and an emacs lock", (p: ReturnType<typeof project>) => { p.write("lambda/src/index.ts~", "old"); p.write("lambda/src/.#index.ts", "lock"); }],
    ["an IDE leaves its folder", (p: ReturnType<typeof project>) => { p.write("lambda/src/.idea/workspace.xml", "<x/>"); p.write("lambda/.vscode/settings.json", "{}"); }],
  ])("stays the same when %s", (_what, change) => {
    const p = fresh();
    const before = imageContentHash({ projectRoot: p.root });
    change(p);
    expect(imageContentHash({ projectRoot: p.root })).toBe(before);
  });
});

describe("imageInputs (the repository's own build)", () => {
  const inputs = imageInputs({ projectRoot: PROJECT_ROOT });

  it("reads exactly the files Dockerfile.dockerignore sends to the build, plus the Dockerfile", () => {
    expect(inputs).toContain("lambda/Dockerfile");
    expect(inputs).toContain("lambda/package.json");
    expect(inputs).toContain("lambda/build.js");
    expect(inputs).toContain("lambda/src/index.ts");
    // lambda/ui/: the deck preview's page, built into the bundle at image build time.
    expect(inputs).toContain("lambda/ui/main.ts");
    expect(inputs.filter((path) => !path.startsWith("lambda/src/") && !path.startsWith("lambda/ui/"))).toEqual(["lambda/Dockerfile", "lambda/build.js", "lambda/package.json"]);
  });

  it("never reads the Lambda@Edge source, installs, bundles or the ignore file itself", () => {
    for (const path of inputs) expect(path).not.toMatch(/^lambda\/(edge|node_modules|dist)\/|Dockerfile\.dockerignore$/);
  });
});

describe("dependencyClosure", () => {
  it("resolves like Node: nested copies first, then the root, including the workspace's devDependencies", () => {
    const p = project();
    try {
      const paths = dependencyClosure(p.lock as any, "lambda").map(([path]) => path);
      expect(paths).toEqual(["node_modules/esbuild", "node_modules/sdk", "node_modules/sdk/node_modules/zod", "node_modules/tiny", "node_modules/zod"]);
    } finally {
      rmSync(p.root, { recursive: true, force: true });
    }
  });

  it("says what to do when the workspace is missing from the lockfile", () => {
    expect(() => dependencyClosure({ packages: {} }, "lambda")).toThrow(
      'package-lock.json has no entry for workspace "lambda"; run npm install at the repository root.',
    );
  });
});
