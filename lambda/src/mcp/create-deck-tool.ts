/**
 * The `create_deck` tool: its schemas (the contract clients see in tools/list), its description,
 * and how its result and errors read. The work itself is deck/create-deck.ts.
 */
import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { createDeck, type DeckDeps } from "../deck/create-deck";
import { LimitError } from "../limits";
import { log } from "../log";
import { DeadlineError, VOICES } from "../tts/index";

export interface ToolDeps extends DeckDeps {
  /** Names this request in tool errors and in the log, so the two can be matched. */
  readonly requestId: string;
}

export const LIMITS = { deckName: 100, cards: 500, text: 1000 } as const;

// The SDK prefixes each message with the field's path ("cards.3.back: ..."), so messages start lower-case.
const text = () => z.string().trim().min(1, "must not be empty").max(LIMITS.text, `must be at most ${LIMITS.text} characters`);

export const createDeckInput = z.object({
  deck_name: z.string().trim()
    .min(1, "must not be empty")
    .max(LIMITS.deckName, `must be at most ${LIMITS.deckName} characters`)
    .refine((name) => !/[\x00-\x1f\x7f]/.test(name), "must not contain control characters")
    .describe("Name of the Anki deck; use Parent::Child for a subdeck"),
  cards: z.array(z.object({ front: text(), back: text() }).strict())
    .min(1, "needs at least one card")
    .max(LIMITS.cards, `must have at most ${LIMITS.cards} cards`)
    .describe("The cards, each with a front (question) and a back (answer)"),
  language: z.enum(Object.keys(VOICES) as [string, ...string[]]).default("en-US")
    .describe("Language of the spoken text"),
  audio: z.enum(["front", "back", "both", "none"]).default("front")
    .describe("Which side gets speech"),
});

export const createDeckOutput = z.object({
  url: z.string().describe("Presigned download link for the .apkg"),
  expires_at: z.string().describe("When the link stops working (ISO 8601)"),
  deck_name: z.string(),
  card_count: z.number().int(),
  audio_clips: z.number().int().describe("Distinct audio files in the deck"),
  size_bytes: z.number().int(),
});

export function registerCreateDeck(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    "create_deck",
    {
      title: "Create an Anki deck",
      description:
        "Builds an Anki deck (.apkg) from cards, with text-to-speech audio on the chosen side, and returns a download link. " +
        `Up to ${LIMITS.cards} cards; re-importing a deck with the same name updates its notes.`,
      inputSchema: createDeckInput,
      outputSchema: createDeckOutput,
    },
    async (args) => {
      try {
        const result = await createDeck(args, deps);
        return {
          content: [{
            type: "text" as const,
            text: `Deck "${result.deck_name}" with ${result.card_count} cards and ${result.audio_clips} audio clips (${result.size_bytes} bytes): ${result.url}\nThe link expires at ${result.expires_at}.`,
          }],
          structuredContent: { ...result },
        };
      } catch (error) {
        return { isError: true, content: [{ type: "text" as const, text: failureText(error, deps.requestId) }] };
      }
    },
  );
}

/**
 * What the client reads when a deck fails. Limits and the deadline are the client's to act on and
 * say how; anything else is ours: a short sentence and the request id, with the full error (which may
 * name buckets, roles, paths or hosts) only in the log.
 */
export function failureText(error: unknown, requestId: string): string {
  if (error instanceof DeadlineError) {
    return `The deck could not be finished in time: ${error.message}. Nothing was uploaded. ` +
      `Try fewer cards, audio: "front" instead of "both", or audio: "none". (request ${requestId})`;
  }
  if (error instanceof LimitError) return `${error.message} (request ${requestId})`;
  log("error", "create_deck.failed", { requestId, error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) });
  return `Ankify could not build the deck because of an internal error; nothing was uploaded. Try again, and if it keeps failing give the owner this request id: ${requestId}.`;
}
