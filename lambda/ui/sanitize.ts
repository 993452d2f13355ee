/**
 * Card HTML into the page. The server stores only sanitized markup, but the page trusts nothing it
 * is handed: the HTML is parsed inert (DOMParser runs no script and loads nothing), and rebuilt from
 * an allowlist — the formatting tags a card may keep, the cloze mark and the answer rule Anki's
 * templates add, and pictures whose file the result links. Nothing else, and no other attribute.
 */

/** lambda/src/deck/text.ts ALLOWED_TAGS, plus what the note types' templates add. */
const KEPT = new Set(["b", "strong", "i", "em", "u", "sub", "sup", "br", "p", "div", "ul", "ol", "li", "ruby", "rt", "rp", "span", "hr", "img"]);
/** Dropped with their content: code, or text never meant to be read. */
const DROPPED = new Set(["script", "style", "template", "noscript", "textarea", "title", "iframe", "object", "embed", "svg", "math", "audio", "video"]);

/** `html` as nodes of `doc`, pictures pointing at their links in `files`; the files it shows. */
export function cardFragment(html: string, files: Readonly<Record<string, string>>, doc: Document = document): { fragment: DocumentFragment; pictures: Set<string> } {
  const parsed = new DOMParser().parseFromString(`<!doctype html><body>${html}`, "text/html");
  const fragment = doc.createDocumentFragment();
  const pictures = new Set<string>();
  const copy = (from: Node, to: Node) => {
    for (const child of Array.from(from.childNodes)) {
      if (child.nodeType === Node.TEXT_NODE) {
        to.appendChild(doc.createTextNode(child.textContent ?? ""));
        continue;
      }
      if (child.nodeType !== Node.ELEMENT_NODE) continue;
      const tag = (child as Element).localName;
      if (DROPPED.has(tag)) continue;
      if (!KEPT.has(tag)) {
        copy(child, to);
        continue;
      }
      if (tag === "img") {
        const name = (child as Element).getAttribute("src") ?? "";
        const link = Object.prototype.hasOwnProperty.call(files, name) ? files[name] : undefined;
        if (!link) continue;
        const img = doc.createElement("img");
        img.src = link;
        img.alt = (child as Element).getAttribute("alt") ?? "";
        img.loading = "lazy";
        pictures.add(name);
        to.appendChild(img);
        continue;
      }
      const element = doc.createElement(tag);
      if (tag === "span" && (child as Element).classList.contains("cloze")) element.className = "cloze";
      copy(child, element);
      to.appendChild(element);
    }
  };
  copy(parsed.body, fragment);
  return { fragment, pictures };
}
