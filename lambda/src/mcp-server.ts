/**
 * The MCP server: one tool, `create_deck`. Built fresh for every request (stateless: a Lambda
 * invocation keeps nothing for the next).
 */
import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { buildApkg, type DeckNote } from "./deck/apkg";
import { DeadlineError, synthesizeAll, VOICES, type Clip, type Synthesizer } from "./tts/index";
import type { DeckStore } from "./storage/s3";

export const LIMITS = { deckName: 100, cards: 500, text: 1000 } as const;

/** Seconds kept back from the budget for building the package, uploading it and answering. */
export const FINISHING_RESERVE_SECONDS = 8;

export interface ServerDeps {
  readonly synthesizer: Synthesizer;
  readonly store: DeckStore;
  readonly deckPrefix: string;
  /** Epoch ms by which the response must be on its way (CloudFront stops waiting soon after). */
  readonly deadline: number;
  readonly version: string;
}

const text = (field: string) =>
  z.string().trim().min(1, `${field} is empty`).max(LIMITS.text, `${field} is longer than ${LIMITS.text} characters`);

export const createDeckInput = {
  deck_name: z.string().trim()
    .min(1, "deck_name is empty")
    .max(LIMITS.deckName, `deck_name is longer than ${LIMITS.deckName} characters`)
    .refine((name) => !/[\x00-\x1f\x7f]/.test(name), "deck_name contains control characters")
    .describe("Name of the Anki deck; use Parent::Child for a subdeck"),
  cards: z.array(z.object({ front: text("front"), back: text("back") }).strict())
    .min(1, "cards is empty: give at least one card")
    .max(LIMITS.cards, `cards has more than ${LIMITS.cards} cards`)
    .describe("The cards, each with a front (question) and a back (answer)"),
  language: z.enum(Object.keys(VOICES) as [string, ...string[]]).default("en-US")
    .describe("Language of the spoken text"),
  audio: z.enum(["front", "back", "both", "none"]).default("front")
    .describe("Which side gets speech"),
};

export const createDeckOutput = {
  url: z.string().describe("Presigned download link for the .apkg"),
  expires_at: z.string().describe("When the link stops working (ISO 8601)"),
  deck_name: z.string(),
  card_count: z.number().int(),
  audio_clips: z.number().int().describe("Distinct audio files in the deck"),
  size_bytes: z.number().int(),
};

export function createServer(deps: ServerDeps): McpServer {
  const server = new McpServer({ name: "ankify", version: deps.version });
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
          structuredContent: result,
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
  return server;
}

type CreateDeckArgs = {
  deck_name: string;
  cards: Array<{ front: string; back: string }>;
  language: string;
  audio: "front" | "back" | "both" | "none";
};

export async function createDeck(args: CreateDeckArgs, deps: ServerDeps) {
  const voice = VOICES[args.language]!;
  const speakFront = args.audio === "front" || args.audio === "both";
  const speakBack = args.audio === "back" || args.audio === "both";
  const spoken = args.cards.flatMap((card) => [...(speakFront ? [card.front] : []), ...(speakBack ? [card.back] : [])]);
  const clips: Map<string, Clip> = spoken.length === 0
    ? new Map()
    : await synthesizeAll(spoken, voice, deps.synthesizer, { deadline: deps.deadline - FINISHING_RESERVE_SECONDS * 1000 });

  const notes: DeckNote[] = args.cards.map((card) => ({
    front: card.front,
    back: card.back,
    ...(speakFront ? { frontAudio: clips.get(card.front)!.fileName } : {}),
    ...(speakBack ? { backAudio: clips.get(card.back)!.fileName } : {}),
  }));
  const media = [...clips.values()].map((clip) => ({ name: clip.fileName, data: clip.data }));
  const apkg = await buildApkg({ deckName: args.deck_name, notes, media });

  const fileName = `${slug(args.deck_name)}.apkg`;
  const key = `${deps.deckPrefix}${new Date().toISOString().slice(0, 10)}/${randomUUID()}/${fileName}`;
  const stored = await deps.store.save(key, apkg, fileName);
  return {
    url: stored.url,
    expires_at: stored.expiresAt.toISOString(),
    deck_name: args.deck_name,
    card_count: notes.length,
    audio_clips: media.length,
    size_bytes: apkg.length,
  };
}

/** A file-name-safe version of the deck name (the name itself stays as given inside the deck). */
export function slug(name: string): string {
  return name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).toLowerCase() || "deck";
}
