import { readFileSync } from "node:fs";
import { join } from "node:path";
import { anchorsOf, brokenLink, documentationPages, githubSlug, relativeLinks, sectionHeadings } from "../testing/markdown";
import { PROJECT_ROOT } from "../testing/paths";

const pages = documentationPages();
const read = (page: string) => readFileSync(join(PROJECT_ROOT, page), "utf8");

describe("links in README.md and docs/", () => {
  it.each(pages)("%s: every relative link and #anchor resolves", (page) => {
    const broken = relativeLinks(page, read(page)).flatMap((link) => {
      const why = brokenLink(link);
      return why === undefined ? [] : [`${page}:${link.line} (${link.target}): ${why}`];
    });
    expect(broken).toEqual([]);
  });

  it("finds what a reader would find broken: a missing file, a missing anchor, a link out of the repository", () => {
    const on = (target: string) => brokenLink({ page: "docs/deploy.md", line: 1, target });
    expect(on("nope.md")).toBe("docs/nope.md does not exist");
    expect(on("function.md#no-such-heading")).toBe("docs/function.md has no heading with the anchor #no-such-heading");
    expect(on("#no-such-heading")).toBe("docs/deploy.md has no heading with the anchor #no-such-heading");
    expect(on("../../etc/passwd")).toBe("../../etc/passwd leaves the repository");
    expect(on("../README.md#settings")).toBeUndefined();
    expect(on("../examples/typescript-client.ts")).toBeUndefined();
  });

  it("ignores links and headings inside code", () => {
    const page = "# Title\n\n```md\n## Not a heading\n[x](missing.md)\n```\n\n`[y](missing.md)` [z](#title)\n";
    expect([...anchorsOf(page)]).toEqual(["title"]);
    expect(relativeLinks("docs/x.md", page).map((l) => l.target)).toEqual(["#title"]);
  });

  // The anchors GitHub gives these headings (read off the rendered pages).
  it.each([
    ["Long decks: streaming, progress, engines", "long-decks-streaming-progress-engines"],
    ["The `create_deck` tool", "the-create_deck-tool"],
    ["The function (`lambda/`)", "the-function-lambda"],
    ["`npm run bench:deck`", "npm-run-benchdeck"],
    ["No test depends on the machine's speed", "no-test-depends-on-the-machines-speed"],
    ["Web ACL: rate limit, managed rules, countries", "web-acl-rate-limit-managed-rules-countries"],
    ["Deploy, update, destroy", "deploy-update-destroy"],
  ])("slugs %j as GitHub does: #%s", (heading, slug) => {
    expect(githubSlug(heading)).toBe(slug);
  });

  it("numbers repeated headings as GitHub does", () => {
    expect([...anchorsOf("## Outputs\n## Outputs\n## Outputs\n")]).toEqual(["outputs", "outputs-1", "outputs-2"]);
  });
});

describe("pages a person reads", () => {
  it("keeps the README a front door: at most 300 lines", () => {
    expect(read("README.md").split("\n").length).toBeLessThanOrEqual(300);
  });

  it.each(pages)("%s: over 150 lines, it opens with a table of contents listing every section", (page) => {
    const text = read(page);
    if (text.split("\n").length <= 150) return;
    const beforeFirstSection = text.slice(0, text.search(/^## /m));
    const missing = sectionHeadings(text).filter((heading) => !beforeFirstSection.includes(`(#${githubSlug(heading)})`));
    expect(missing).toEqual([]);
  });

  it("lists every page of docs/ in the README's map of the documentation", () => {
    const readme = read("README.md");
    const map = readme.slice(readme.indexOf("\n## Documentation"));
    const unlisted = pages.filter((page) => page.startsWith("docs/") && !map.includes(`(${page})`));
    expect(unlisted).toEqual([]);
  });
});
