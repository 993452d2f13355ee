// ANKIFY_* names and cdktf.json keys: a typo stops synth and the dev server with the closest known
// name; names other commands read pass; the lists of names match what the code reads.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { loadTargets } from "../stacks/environments";
import { KNOWN_ANKIFY_NAMES, cdktfJsonContext, checkContextKeys, checkEnvNames } from "../stacks/settings";
import { closest, editDistance, keyNormal } from "../stacks/settings/suggest";
import { PROJECT_ROOT } from "../testing/paths";
import { problemsOf } from "../testing/problems";

const context = cdktfJsonContext();
const problems = (env: Record<string, string>, ctx: Record<string, unknown> = context) => problemsOf(() => loadTargets({ context: ctx, env }));

describe("an ANKIFY_* variable that is not a setting", () => {
  it.each([
    ["ANKIFY_IMAGE_URL", "ANKIFY_IMAGE_URL is not a setting; did you mean ANKIFY_IMAGE_URI?"],
    ["ANKIFY_ORIGN_PROTECTION", "ANKIFY_ORIGN_PROTECTION is not a setting; did you mean ANKIFY_ORIGIN_PROTECTION?"],
    ["ANKIFY_RATELIMIT", "ANKIFY_RATELIMIT is not a setting; did you mean ANKIFY_RATE_LIMIT?"],
    ["ANKIFY_MAX_CONCURENCY", "ANKIFY_MAX_CONCURENCY is not a setting; did you mean ANKIFY_MAX_CONCURRENCY?"],
    ["ANKIFY_ALLOWED_COUNTRY", "ANKIFY_ALLOWED_COUNTRY is not a setting; did you mean ANKIFY_ALLOWED_COUNTRIES?"],
    ["ANKIFY_STATE_BUCKTE", "ANKIFY_STATE_BUCKTE is not a setting; did you mean ANKIFY_STATE_BUCKET?"],
    ["ANKIFY_ENV", "ANKIFY_ENV is not a setting; did you mean ANKIFY_ENVIRONMENT?"],
    ["ankify_domain", "ankify_domain is not a setting; did you mean ANKIFY_DOMAIN?"],
    ["ANKIFY_DEV_API_KEYS", "ANKIFY_DEV_API_KEYS is not a setting; did you mean ANKIFY_DEV_API_KEY?"],
  ])("%s stops synth in one line with the closest name", (name, message) => {
    expect(problems({ [name]: "x" })).toEqual([message]);
  });

  it("is reported before the settings' own problems, each name once", () => {
    expect(problems({ ANKIFY_IMAGE_URL: "x", ANKIFY_REGION: "mars-1", ANKIFY_ZONEE: "example.com" })).toEqual([
      "ANKIFY_IMAGE_URL is not a setting; did you mean ANKIFY_IMAGE_URI?",
      "ANKIFY_ZONEE is not a setting; did you mean ANKIFY_ZONE?",
      'ANKIFY_REGION = "mars-1" is not an AWS region code; use one like eu-west-1.',
    ]);
  });

  it("is checked whichever environment is selected, once", () => {
    const teams = { ...context, environments: { dev: { domain: "ankify-dev.example.com" }, prod: { domain: "ankify.example.com" } } };
    expect(problems({ ANKIFY_ENVIRONMENT: "dev", ANKIFY_DOMIAN: "x.example.com" }, teams)).toEqual(["ANKIFY_DOMIAN is not a setting; did you mean ANKIFY_DOMAIN?"]);
  });

  it("is ignored when empty: it configures nothing", () => {
    expect(problems({ ANKIFY_IMAGE_URL: "" })).toEqual([]);
  });
});

describe("variables other commands read", () => {
  it.each([["ANKIFY_DEV_API_KEY"], ["ANKIFY_ORIGIN_SECRET"], ["ANKIFY_LOG_LEVEL"], ["ANKIFY_DEV_SPEECH"], ["ANKIFY_LINK_TTL_SECONDS"], ["ANKIFY_BUILD_OUTDIR"], ["ANKIFY_ALLOW_PROD"]])(
    "%s (the dev server's, the build's, the scripts') passes synth silently",
    (name) => {
      expect(checkEnvNames({ [name]: "x" })).toEqual({ problems: [], warnings: [] });
    },
  );

  it.each([["ANKIFY_DECK_BUCKET"], ["ANKIFY_TTS_ENGINE"], ["ANKIFY_API_KEY_PATH"], ["ANKIFY_PUBLIC_URL"]])("%s, only the function's, is a warning: the stack sets it", (name) => {
    expect(checkEnvNames({ [name]: "x" })).toEqual({
      problems: [],
      warnings: [`${name} is the function's own variable, set by the stack (and by the dev server for its copy); the value in this shell is ignored.`],
    });
  });

  it("a stack setting passes the dev server's check, and a dev server variable synth's", () => {
    expect(checkEnvNames({ ANKIFY_DOMAIN: "x.example.com", ANKIFY_DEV_STORAGE_DIR: "/tmp/s3", PATH: "/bin" })).toEqual({ problems: [], warnings: [] });
  });
});

describe("a cdktf.json key that is not a setting", () => {
  const dev = "cdktf.json context environments.dev";
  it.each([
    [{ imageUrl: "x" }, 'cdktf.json context "imageUrl" is not a setting; did you mean "imageUri"?'],
    [{ image_uri: "x" }, 'cdktf.json context "image_uri" is not a setting; did you mean "imageUri"?'],
    [{ ANKIFY_DOMAIN: "x" }, 'cdktf.json context "ANKIFY_DOMAIN" is not a setting; did you mean "domain"?'],
    [{ orignProtection: "oac" }, 'cdktf.json context "orignProtection" is not a setting; did you mean "originProtection"?'],
    [{ protected: true }, 'cdktf.json context "protected" belongs in an environment\'s block: cdktf.json context environments.<name> "protected".'],
    [{ environment: "dev" }, 'cdktf.json context "environment" is not a setting; did you mean "environments"?'],
  ])("%j stops synth in one line", (extra, message) => {
    expect(problems({}, { ...context, ...extra })).toEqual([message]);
  });

  it.each([
    [{ domian: "x.example.com" }, `environment "dev": ${dev} "domian" is not a setting; did you mean "domain"?`],
    [{ stateBucket: "acme-state" }, `environment "dev": ${dev} "stateBucket" applies to every environment; move it to the top level of cdktf.json context.`],
  ])("in an environment's block: %j", (block, message) => {
    expect(problems({}, { ...context, environments: { dev: { domain: "ankify-dev.example.com", ...block } } })).toEqual([message]);
  });

  it("leaves cdktf's own context keys alone", () => {
    expect(checkContextKeys({ cdktfVersion: "0.21.0", cdktfRelativeModules: ["./"], "@cdktf/disable_stack_trace_in_metadata": true }, "cdktf.json context", false)).toEqual([]);
  });
});

describe("closest names", () => {
  it.each([
    ["kitten", "sitting", 3], ["ORGIN", "ORIGIN", 1], ["ab", "ba", 1], ["", "abc", 3], ["same", "same", 0],
  ])("editDistance(%s, %s) = %d", (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });

  it("takes the first of equally close names", () => {
    expect(closest("ab", ["ax", "ay"])).toBe("ax");
    expect(closest("ClipCacheDays", ["clipCacheDays", "clipCacheDay"], keyNormal)).toBe("clipCacheDays");
  });
});

// The function and the dev server read exactly the names listed as theirs: function-units.test.ts and
// client-auth.test.ts (where they are loaded anyway) check it.
describe("the lists of names match the code", () => {
  it("every ANKIFY_* name the code, scripts and workflows mention is a known one (outside the lists themselves)", () => {
    const files = (dir: string): string[] => readdirSync(join(PROJECT_ROOT, dir)).flatMap((name) => {
      const path = join(dir, name);
      return statSync(join(PROJECT_ROOT, path)).isDirectory() ? (name === "node_modules" || name === "dist" ? [] : files(path)) : [path];
    });
    const sources = [...files("stacks"), ...files("lambda"), ...files("scripts"), ...files("bench"), ...files(".github"), "main.ts", ".ci/run"]
      .filter((path) => /\.(ts|js|sh|ya?ml)$|run$/.test(path) && !path.startsWith(join("stacks", "settings")) && path !== join("lambda", "src", "env-names.ts"));
    const mentioned = new Set(sources.flatMap((path) => [...readFileSync(join(PROJECT_ROOT, path), "utf8").matchAll(/\bANKIFY_[A-Z0-9_]*[A-Z0-9]\b/g)].map((m) => m[0])));
    expect(mentioned.size).toBeGreaterThan(30); // the scan found the code
    expect([...mentioned].filter((name) => !KNOWN_ANKIFY_NAMES.has(name))).toEqual([]);
  });
});
