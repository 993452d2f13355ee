// `npm test` runs this first: every tool the tests need, present, or one line per missing tool with the
// command that installs it on this platform, and exit 1 before any test can fail for a reason it
// would not name. Plain JavaScript, no dependencies: it must run before anything else works.
const { spawnSync } = require("node:child_process");
// The tools answer in the npm scripts' quiet environment (no checkpoint call from `terraform version`).
require("./quiet-env.js");

const mac = process.platform === "darwin";
const TOOLS = [
  {
    name: "terraform",
    why: "cdktf asks it for its version while synthesizing",
    check: () => /Terraform v(\d+)\.(\d+)/.exec(run("terraform", ["version"])),
    ok: (m) => Number(m[1]) > 1 || Number(m[2]) >= 10,
    install: mac ? "brew install hashicorp/tap/terraform" : "see https://developer.hashicorp.com/terraform/install#linux (HashiCorp's apt repository), version 1.10 or later",
  },
  {
    name: "espeak-ng",
    why: "the function's local speech",
    check: () => /eSpeak NG/i.exec(run("espeak-ng", ["--version"])),
    install: mac ? "brew install espeak-ng" : "sudo apt-get install espeak-ng",
  },
  {
    name: "sox (soxi)",
    why: "the tests measure the audio",
    check: () => /\d/.exec(run("soxi", ["-V1", "--version"]) || run("sox", ["--version"])),
    install: mac ? "brew install sox" : "sudo apt-get install sox",
  },
  {
    name: "chromium",
    why: "the deck preview's browser test (headless, driven by playwright-core, which downloads no browser)",
    // Google Chrome does as well (GitHub's Ubuntu runners have it; their apt chromium is a snap stub).
    check: () => /(Chromium|Chrome) \d+/.exec(process.env.ANKIFY_CHROMIUM ? run(process.env.ANKIFY_CHROMIUM, ["--version"]) : ["chromium", "chromium-browser", "google-chrome"].map((c) => run(c, ["--version"])).join("")),
    install: mac ? "brew install --cask chromium, then export ANKIFY_CHROMIUM=/Applications/Chromium.app/Contents/MacOS/Chromium" : "sudo apt-get install chromium",
  },
  {
    name: "sox's MP3 format (libsox-fmt-mp3)",
    why: "the Polly fake encodes its speech as MP3, as Polly does",
    // Only asked when sox itself is there: a missing sox is one line, above.
    check: () => !/\d/.test(run("sox", ["--version"])) || /FILE FORMATS:.*\bmp3\b/.exec(run("sox", ["-h"])),
    install: mac ? "brew reinstall sox (Homebrew's sox includes LAME)" : "sudo apt-get install libsox-fmt-mp3",
  },
  {
    name: "python3 (with sqlite3 and zipfile)",
    why: "the tests read decks back independently of the code that wrote them",
    check: () => /ok/.exec(run("python3", ["-c", "import sqlite3, zipfile; print('ok')"])),
    install: mac ? "brew install python" : "sudo apt-get install python3",
  },
];

function run(command, args) {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 10_000 });
  return result.error ? "" : `${result.stdout}${result.stderr}`;
}

const problems = [];
// 20.19 is the first Node 20 that loads ES modules with require(): the card sanitizer's parser is one.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) problems.push(`Node.js ${process.versions.node} is too old: install Node.js 20.19 or later (22 recommended; ${mac ? "brew install node@22" : "https://nodejs.org/en/download"}).`);
for (const tool of TOOLS) {
  const found = tool.check();
  if (!found) problems.push(`${tool.name} is missing (${tool.why}): ${tool.install}`);
  else if (tool.ok && !tool.ok(found)) problems.push(`${tool.name} ${found[0]} is too old (${tool.why}): ${tool.install}`);
}
if (problems.length > 0) {
  for (const problem of problems) console.error(`preflight: ${problem}`);
  process.exit(1);
}
