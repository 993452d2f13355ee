/**
 * The MCP server: `create_deck`, `get_deck` for decks built as jobs, the Tasks extension's methods
 * (2026-07-28 only), and the deck preview the tools link (an MCP App resource), built fresh for every
 * request (stateless: a Lambda invocation keeps nothing for the next).
 */
import { McpServer, type CacheHint } from "@modelcontextprotocol/server";
import { registerDeckPreview } from "../preview/resource";
import { registerCreateDeck, LIMITS, type ToolDeps } from "./create-deck-tool";
import { ankifyIcons } from "./icon";
import { registerGetDeck } from "./get-deck-tool";
import { registerTasks, TASKS_EXTENSION } from "./tasks";

export const SERVER_INFO = { name: "ankify", version: "0.2.0" } as const;

/** What a model reads in server/discover (and initialize) before it calls anything. */
export const INSTRUCTIONS =
  "Ankify turns flashcards into an Anki deck (.apkg) with text-to-speech audio and returns a download link. " +
  `Call create_deck with a deck name and 1 to ${LIMITS.cards} cards (front and back, each up to ${LIMITS.text} characters; ` +
  'note_type "basic-and-reversed" also asks back to front, note_type "cloze" takes text with {{c1::answer}} deletions instead); ' +
  'pick the language that is spoken (back_language when the back is in another language, e.g. Spanish words with English meanings) and which side gets audio. Send format "html" to keep bold, italics, lists or ruby. ' +
  "Give the user the link: it expires, so do not store it. " +
  "Speech is the slow part: a large deck with audio on both sides can take minutes, and is then built as a job: " +
  'create_deck answers status "running" with a job_id, and get_deck with that job_id returns the deck when it is done; ' +
  'audio: "none" builds a text-only deck at once. Re-importing a deck of the same name updates its notes.';

/**
 * The tool list, the preview's page and the discover document change only when a new version is
 * deployed, and hold nothing about the caller, so any cache may keep them for an hour.
 */
const DEPLOY_STABLE: CacheHint = { ttlMs: 60 * 60 * 1000, cacheScope: "public" };

/**
 * `era`: the protocol era the SDK serves this request in. Tasks are an extension of the 2026-07-28
 * revision; a 2025 client gets get_deck's handle and no `tasks/*` (there they would be the 2025-11-25
 * core methods, with other rules).
 */
export function createServer(deps: ToolDeps, era: "modern" | "legacy" = "modern"): McpServer {
  const tasks = deps.jobs !== undefined && era === "modern";
  const server = new McpServer({ ...SERVER_INFO, title: "Ankify", icons: ankifyIcons() }, {
    // Stateless: no connection outlives a request, so a list-changed notification could never arrive.
    capabilities: {
      tools: { listChanged: false },
      resources: { listChanged: false },
      ...(tasks ? { extensions: { [TASKS_EXTENSION]: {} } } : {}),
    },
    instructions: INSTRUCTIONS,
    cacheHints: { "server/discover": DEPLOY_STABLE, "tools/list": DEPLOY_STABLE, "resources/list": DEPLOY_STABLE, "resources/read": DEPLOY_STABLE },
  });
  registerCreateDeck(server, deps);
  if (deps.jobs) {
    const jobs = { jobs: deps.jobs.service, ...(deps.subject !== undefined ? { subject: deps.subject } : {}), deadline: deps.deadline, requestId: deps.requestId };
    registerGetDeck(server, jobs);
    if (tasks) registerTasks(server, jobs);
  }
  registerDeckPreview(server, deps.preview?.mediaOrigin);
  return server;
}
