/**
 * The preview's page: one self-contained HTML file built from lambda/ui/. The image's bundle replaces
 * this module with the built file's text (lambda/build.js), so the function serves it from memory
 * and never builds; run from source (tests, `npm run dev`) it is built here, once per process.
 */
import { buildViewHtml } from "../../ui/build";

let html: Promise<string> | undefined;

export function viewHtml(): Promise<string> {
  html ??= buildViewHtml().then((built) => built.html);
  return html;
}
