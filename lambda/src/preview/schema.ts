/**
 * The preview's part of create_deck's structured content, as a schema: the tool's output schema
 * includes it, and the view (lambda/ui/) reads results through it, so the two cannot drift apart.
 * Pure zod: the view's bundle imports this file.
 */
import { z } from "zod";

const side = z.object({
  html: z.string().describe("The side's HTML as stored in the deck (sanitized), without its [sound:] tags"),
  media: z.array(z.object({
    kind: z.enum(["audio", "image"]),
    file: z.string().describe("The file's name in the deck; its link is files[file]"),
  })).describe("What the side plays or shows, in order"),
});

export const deckPreviewSchema = z.object({
  cards: z.array(z.object({
    note: z.number().int().describe("The note's position in the request, from 0"),
    template: z.string().describe('The card\'s template, e.g. "Card 2" (reversed) or "Cloze 3"'),
    question: side,
    answer: side,
  })).describe("The deck's first cards (at most 50), as Anki shows them"),
  files: z.record(z.string(), z.string()).describe("Presigned links to the cards' clips and pictures, by file name; they expire with the deck's link"),
}).describe("For the deck preview (an MCP App): the first cards with links to their media");

export type DeckPreviewData = z.infer<typeof deckPreviewSchema>;
