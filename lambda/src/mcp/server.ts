/**
 * The MCP server: one tool, `create_deck`, and the deck preview it links (an MCP App resource), built
 * fresh for every request (stateless: a Lambda invocation keeps nothing for the next).
 */
import { McpServer, type CacheHint } from "@modelcontextprotocol/server";
import { registerDeckPreview } from "../preview/resource";
import { registerCreateDeck, LIMITS, type ToolDeps } from "./create-deck-tool";
import { ankifyIcons } from "./icon";

export const SERVER_INFO = { name: "ankify", version: "0.2.0" } as const;

/** What a model reads in server/discover (and initialize) before it calls anything. */
export const INSTRUCTIONS =
  "Ankify turns flashcards into an Anki deck (.apkg) with text-to-speech audio and returns a download link. " +
  `Call create_deck with a deck name and 1 to ${LIMITS.cards} cards (front and back, each up to ${LIMITS.text} characters; ` +
  'note_type "basic-and-reversed" also asks back to front, note_type "cloze" takes text with {{c1::answer}} deletions instead); ' +
  'pick the language that is spoken (back_language when the back is in another language, e.g. Spanish words with English meanings) and which side gets audio. Send format "html" to keep bold, italics, lists or ruby. ' +
  "Give the user the link: it expires, so do not store it. " +
  "Speech is the slow part: a large deck with audio on both sides can take a minute; " +
  'audio: "none" builds a text-only deck at once. Re-importing a deck of the same name updates its notes.';

/**
 * The tool list, the preview's page and the discover document change only when a new version is
 * deployed, and hold nothing about the caller, so any cache may keep them for an hour.
 */
const DEPLOY_STABLE: CacheHint = { ttlMs: 60 * 60 * 1000, cacheScope: "public" };

export function createServer(deps: ToolDeps): McpServer {
  const server = new McpServer({ ...SERVER_INFO, title: "Ankify", icons: ankifyIcons() }, {
    // Stateless: no connection outlives a request, so a list-changed notification could never arrive.
    capabilities: { tools: { listChanged: false }, resources: { listChanged: false } },
    instructions: INSTRUCTIONS,
    cacheHints: { "server/discover": DEPLOY_STABLE, "tools/list": DEPLOY_STABLE, "resources/list": DEPLOY_STABLE, "resources/read": DEPLOY_STABLE },
  });
  registerCreateDeck(server, deps);
  registerDeckPreview(server, deps.preview?.mediaOrigin);
  return server;
}
