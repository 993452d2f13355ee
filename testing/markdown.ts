import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { PROJECT_ROOT } from "./paths";

/** The documentation a reader follows: the README and every page in docs/, as repository-relative paths. */
export function documentationPages(root = PROJECT_ROOT): string[] {
  const docs = existsSync(join(root, "docs")) ? readdirSync(join(root, "docs")).filter((name) => name.endsWith(".md")).sort() : [];
  return ["README.md", ...docs.map((name) => `docs/${name}`)];
}

/** The text outside fenced code blocks, line by line (a link or heading inside a code block is not one). */
export function proseLines(markdown: string): Array<{ line: number; text: string }> {
  const lines: Array<{ line: number; text: string }> = [];
  let fence: string | undefined;
  markdown.split("\n").forEach((text, i) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(text)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      return;
    }
    if (fence === undefined) lines.push({ line: i + 1, text });
  });
  return lines;
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped (not `-` or `_`), spaces to `-`. */
export function githubSlug(heading: string): string {
  return heading
    .replace(/<[^>]+>/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a page offers: its headings' slugs (repeats get -1, -2, … as on GitHub) and explicit ids. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text)?.[1];
    if (heading !== undefined) {
      const slug = githubSlug(heading);
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const id of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id[1]!);
  }
  return anchors;
}

export interface Link {
  readonly page: string;
  readonly line: number;
  readonly target: string;
}

/** The relative links of a page (inline `[text](target)`, outside code), web and mail links left out. */
export function relativeLinks(page: string, markdown: string): Link[] {
  const links: Link[] = [];
  for (const { line, text } of proseLines(markdown)) {
    // Inline code is not a link either.
    const prose = text.replace(/`[^`]*`/g, (code) => " ".repeat(code.length));
    for (const match of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1]!;
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push({ page, line, target });
    }
  }
  return links;
}

/** Why a link does not resolve from its page, or undefined when it does. */
export function brokenLink(link: Link, read: (path: string) => string | undefined = readPage): string | undefined {
  const [pathPart, anchor] = link.target.split("#", 2) as [string, string | undefined];
  const base = link.page.includes("/") ? link.page.slice(0, link.page.lastIndexOf("/")) : "";
  const path = pathPart === "" ? link.page : relative(PROJECT_ROOT, join(PROJECT_ROOT, base, decodeURIComponent(pathPart)));
  if (path.startsWith("..")) return `${link.target} leaves the repository`;
  if (!existsSync(join(PROJECT_ROOT, path))) return `${path} does not exist`;
  if (anchor === undefined || !path.endsWith(".md")) return undefined;
  const anchors = anchorsOf(read(path) ?? "");
  return anchors.has(anchor) ? undefined : `${path} has no heading with the anchor #${anchor}`;
}

function readPage(path: string): string | undefined {
  const file = join(PROJECT_ROOT, path);
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}

/** The `##` headings of a page, the ones a table of contents should list. */
export function sectionHeadings(markdown: string): string[] {
  return proseLines(markdown).map(({ text }) => /^##\s+(.*?)\s*$/.exec(text)?.[1]).filter((h): h is string => h !== undefined);
}
