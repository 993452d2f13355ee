/**
 * The `create_deck` tool: its schemas (the contract clients see in tools/list), its description,
 * and how its result and errors read. The work itself is deck/create-deck.ts.
 */
import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { createDeck, type DeckDeps } from "../deck/create-deck";
import { NOTE_TYPE_NAMES } from "../deck/note-types";
import { DeadlineError, VOICES } from "../tts/index";

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
  deck_name: z.string().describe("The deck's name as Anki shows it"),
  card_count: z.number().int().describe("Anki cards: one per basic note, two per reversed note, one per cloze number"),
  audio_clips: z.number().int().describe("Distinct audio files in the deck"),
  size_bytes: z.number().int(),
  note_count: z.number().int(),
  note_type: z.enum(NOTE_TYPE_NAMES),
  requested_deck_name: z.string().describe("deck_name as given"),
});

export function registerCreateDeck(server: McpServer, deps: DeckDeps): void {
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
        if (!(error instanceof DeadlineError)) throw error;
        return {
          isError: true,
          content: [{
            type: "text" as const,
            text: `The deck could not be finished in time: ${error.message}. Try fewer cards, audio: "front" instead of "both", or audio: "none".`,
          }],
        };
      }
    },
  );
}
