/**
 * The `create_deck` tool: its schemas (the contract clients see in tools/list), its description,
 * and how its result and errors read. The work itself is deck/create-deck.ts.
 */
import type { McpServer, ToolAnnotations } from "@modelcontextprotocol/server";
import { z } from "zod";
import { UsageUnavailableError } from "../access/fair-use";
import { CancelledError, type DeckResult } from "../deck/create-deck";
import { deckNameProblem, TAG_LIMITS, tagProblem } from "../deck/names";
import { IMAGE_LIMITS, IMAGE_SIDES, imageSourceProblem, MAX_IMAGE_SOURCE_LENGTH } from "../deck/images";
import { NOTE_TYPE_NAMES } from "../deck/note-types";
import { ALLOWED_TAGS, TEXT_FORMATS } from "../deck/text";
import { cardTextProblem, LIMITS, requestProblems } from "../deck/validate";
import { runDeck, type RunDeckDeps } from "../deck/run-deck";
import { LimitError, MAX_DECK_CARDS, OutOfTimeError } from "../limits";
import { log } from "../log";
import { clientMayShowPreview, DECK_PREVIEW_LINK } from "../preview/resource";
import { deckPreviewSchema } from "../preview/schema";
import { engineProblem, ENGINES, SPEECH_RATES, VOICES } from "../tts/index";
import type { InFlightCalls } from "./cancellation";
import { ankifyIcons } from "./icon";
import { createProgressReporter } from "./progress";
import { unknownKeysMessage } from "./unknown-keys";

export { LIMITS };

export interface ToolDeps extends RunDeckDeps {
  /** Names this request in tool errors and in the log, so the two can be matched. */
  readonly requestId: string;
  /** The client reads a stream (it accepts text/event-stream): progress may be sent. */
  readonly streaming: boolean;
  /** Milliseconds between progress notifications at the most. */
  readonly keepAliveMs: number;
  /** Calls running in this process, for notifications/cancelled. */
  readonly inFlight: InFlightCalls;
}

// The SDK prefixes each message with the field's path ("cards.3.back: ..."), so messages start lower-case.
const report = (problem: (value: string) => string | undefined) => (value: string, ctx: z.RefinementCtx) => {
  const message = problem(value);
  if (message) ctx.addIssue({ code: "custom", message });
};

// Line breaks arrive as \r\n from some clients; one form keeps identity and speech the same for all.
const cardText = (description: string) => z.string()
  .overwrite((value) => value.replace(/\r\n?/g, "\n"))
  .trim()
  .min(1, "must not be empty")
  .max(LIMITS.text, `must be at most ${LIMITS.text} characters`)
  // Length is reported above; this reports what else is wrong, once.
  .superRefine(report((value) => (value === "" || value.length > LIMITS.text ? undefined : cardTextProblem(value))))
  .optional()
  .describe(description);

const tags = (description: string) => z.array(
  z.string().trim()
    .min(1, "must not be empty")
    .max(TAG_LIMITS.length, `must be at most ${TAG_LIMITS.length} characters`)
    .superRefine(report((tag) => (tag === "" ? undefined : tagProblem(tag)))),
).max(TAG_LIMITS.perList, `must have at most ${TAG_LIMITS.perList} tags`).optional().describe(description);

/** A strict object whose unknown keys are refused naming the key the client likely meant. */
const strictObject = <Shape extends z.ZodRawShape>(shape: Shape, noun: string, listing: string) =>
  z.strictObject(shape, {
    error: (issue) => (issue.code === "unrecognized_keys" ? unknownKeysMessage(issue.keys, Object.keys(shape), noun, listing) : undefined),
  });

export const createDeckInput = strictObject({
  deck_name: z.string().trim()
    .min(1, "must not be empty")
    .max(LIMITS.deckName, `must be at most ${LIMITS.deckName} characters`)
    .superRefine(report((name) => (name === "" ? undefined : deckNameProblem(name))))
    .describe('Name of the Anki deck; use Parent::Child for a subdeck. Anki drops " and trims each part; the result reports the name Anki shows'),
  note_type: z.enum(NOTE_TYPE_NAMES).default("basic")
    .describe("basic: one card per note (front → back); basic-and-reversed: two (front → back and back → front); cloze: one card per deletion number in text"),
  cards: z.array(strictObject({
    front: cardText("basic, basic-and-reversed: the question side"),
    back: cardText("basic, basic-and-reversed: the answer side"),
    text: cardText("cloze: text with deletions {{c1::answer}} or {{c1::answer::hint}}, numbered from c1; same number = same card"),
    extra: cardText("cloze, optional: shown below the text on the back"),
    tags: tags("Tags for this card's note, added to the deck's tags"),
    image: z.string().trim()
      .max(MAX_IMAGE_SOURCE_LENGTH, `must be at most ${IMAGE_LIMITS.dataBytes / 1024 / 1024} MB as a data: URI, or a URL`)
      .superRefine(report((value) => (value.length > MAX_IMAGE_SOURCE_LENGTH ? undefined : imageSourceProblem(value))))
      .optional()
      .describe(`A picture for the card: a data:image/…;base64, URI (PNG, JPEG, GIF or WebP, at most ${IMAGE_LIMITS.dataBytes / 1024 / 1024} MB) or an https:// URL the server fetches (public hosts only, at most ${IMAGE_LIMITS.fetchedBytes / 1024 / 1024} MB, ${IMAGE_LIMITS.fetchSeconds} s)`),
    image_side: z.enum(IMAGE_SIDES).optional()
      .describe("Which side shows the picture, above the text: front (default; cloze: with the text) or back (cloze: with extra)"),
  }, "field", "cards have"))
    .min(1, "needs at least one card")
    .max(LIMITS.cards, `must have at most ${LIMITS.cards} cards`)
    .describe("The notes: {front, back} for basic and basic-and-reversed, {text, extra?} for cloze; each may have tags and an image"),
  tags: tags("Tags for every note: no spaces (use _ or ::), e.g. spanish::verbs"),
  format: z.enum(TEXT_FORMATS).default("text")
    .describe(`text: shown exactly as written; html: keeps ${ALLOWED_TAGS.map((t) => `<${t}>`).join(" ")} without attributes and removes all other markup. Speech reads the text without markup`),
  language: z.enum(Object.keys(VOICES) as [string, ...string[]]).default("en-US")
    .describe("Language of the spoken text: the front side's voice"),
  back_language: z.enum(Object.keys(VOICES) as [string, ...string[]]).optional()
    .describe('Language of the back side\'s speech, when it differs from language (e.g. language "es-ES", back_language "en-US": Spanish fronts, English backs). Default: language'),
  audio: z.enum(["front", "back", "both", "none"]).default("front")
    .describe("Which side gets speech (cloze: front reads the text with each deletion as its hint or a pause, back reads it filled in)"),
  engine: z.enum(ENGINES).default("neural")
    .describe("Speech engine: standard (plainest voice, cheapest), neural (natural) or generative (most expressive, dearest; not for every language)"),
  speech_rate: z.enum(SPEECH_RATES).default("normal")
    .describe("How fast the voices speak: normal, or slow (for learners; about four fifths of the normal pace)"),
}, "argument", "create_deck takes").superRefine(async (request, ctx) => {
  for (const problem of await requestProblems(request)) ctx.addIssue({ code: "custom", path: [...problem.path], message: problem.message });
  // Each language a side speaks in must have a voice for the engine.
  const engine = request.engine ?? "neural";
  const language = request.language ?? "en-US";
  const spoken = [
    ...(request.audio === "front" || request.audio === "both" ? [language] : []),
    ...(request.audio === "back" || request.audio === "both" ? [request.back_language ?? language] : []),
  ];
  for (const problem of new Set(spoken.map((code) => VOICES[code] && engineProblem(VOICES[code], engine)))) {
    if (problem) ctx.addIssue({ code: "custom", path: ["engine"], message: problem });
  }
});

export const createDeckOutput = z.object({
  url: z.string().describe("Presigned download link for the .apkg"),
  expires_at: z.string().describe("When the link stops working (ISO 8601)"),
  deck_name: z.string().describe("The deck's name as Anki shows it"),
  card_count: z.number().int().describe("Anki cards: one per basic note, two per reversed note, one per cloze number"),
  audio_clips: z.number().int().describe("Distinct audio files in the deck"),
  images: z.number().int().describe("Distinct pictures in the deck"),
  size_bytes: z.number().int(),
  note_count: z.number().int(),
  note_type: z.enum(NOTE_TYPE_NAMES),
  requested_deck_name: z.string().describe("deck_name as given"),
  clips_spoken: z.number().int().describe("Clips spoken for this request"),
  clips_cached: z.number().int().describe("Clips reused from earlier builds (not spoken, not billed)"),
  characters_spoken: z.number().int().describe("Characters sent to speech: what the speech bill counts"),
  preview: deckPreviewSchema.optional(),
  characters_left_today: z.number().int().optional()
    .describe("Characters of speech this client may still use today (UTC); absent when there is no daily limit"),
});

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The result as a sentence a model can pass on. */
export function resultText(result: DeckResult & { characters_left_today?: number }): string {
  const renamed = result.deck_name === result.requested_deck_name ? "" : ` (Anki's name for ${JSON.stringify(result.requested_deck_name)})`;
  const notes = result.card_count === result.note_count ? "" : ` from ${count(result.note_count, "note")}`;
  const pictures = result.images > 0 ? `, ${count(result.images, "picture")}` : "";
  return `Deck "${result.deck_name}"${renamed} with ${count(result.card_count, "card")}${notes}${pictures} and ${count(result.audio_clips, "audio clip")} ` +
    `(${count(result.size_bytes, "byte")}): ${result.url}\nThe link expires at ${result.expires_at}.` +
    (result.characters_left_today !== undefined ? ` ${count(result.characters_left_today, "character")} of speech left today (UTC).` : "");
}

/**
 * What directories and hosts show of the tool before anyone calls it (MCP tool annotations): it
 * writes something new (a package) and never changes or deletes anything, the same cards make the
 * same deck (notes keep their identity), and it reaches outside (speech, and pictures by URL).
 */
export const CREATE_DECK_ANNOTATIONS = {
  title: "Create an Anki deck",
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
} as const satisfies ToolAnnotations;

export function registerCreateDeck(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    "create_deck",
    {
      title: "Create an Anki deck",
      description:
        "Builds an Anki deck (.apkg) from cards, with text-to-speech audio on the chosen side, and returns a download link. " +
        "Note types: basic, basic-and-reversed, cloze ({{c1::answer}}); tags per deck and per card; format html keeps simple formatting. " +
        `Up to ${LIMITS.cards} cards, making at most ${MAX_DECK_CARDS} Anki cards (a cloze note makes one per deletion number); a card may carry a picture. Anki markup in card text ([sound:…], [anki:…], LaTeX, {{…}}) shows as text and is not spoken. ` +
        "Re-importing a rebuilt deck: a note is the same note when the deck name and its identity text are the same (a basic card's front, with its back when two cards share a front; " +
        "a cloze card's text with the deletions filled in); Anki updates it if its content changed, and leaves the learner's copy and their own edits alone if not. " +
        "Renaming the deck makes new notes beside the old ones; cards left out of a rebuild stay in the learner's collection (an import never deletes). " +
        "Speech is the slow part (Amazon Polly speaks many clips per request, a few requests a second): " +
        "a client that sends a progressToken gets progress while a long deck is built.",
      inputSchema: createDeckInput,
      outputSchema: createDeckOutput,
      _meta: DECK_PREVIEW_LINK,
      annotations: CREATE_DECK_ANNOTATIONS,
      icons: ankifyIcons(),
    },
    async (args, ctx) => {
      // Progress only on a stream: on a JSON answer it would turn the response into one.
      const token = ctx.mcpReq._meta?.progressToken;
      const progress = deps.streaming && token !== undefined
        ? createProgressReporter(
            ({ progress, total, message }) => ctx.mcpReq.notify({ method: "notifications/progress", params: { progressToken: token, progress, total, message } }),
            deps.keepAliveMs,
          )
        : undefined;
      const call = deps.inFlight.start(deps.subject, ctx.mcpReq.id);
      const { preview, ...deckDeps } = deps;
      try {
        const { result: deck, charactersLeftToday } = await runDeck(args, {
          ...deckDeps,
          ...(preview && clientMayShowPreview(ctx.mcpReq.envelope as Record<string, unknown> | undefined) ? { preview } : {}),
          cancel: AbortSignal.any([ctx.mcpReq.signal, call.signal]),
          ...(progress ? { onProgress: progress.update } : {}),
        });
        const result = { ...deck, ...(charactersLeftToday !== undefined ? { characters_left_today: charactersLeftToday } : {}) };
        progress?.stop();
        return {
          content: [{
            type: "text" as const,
            text: resultText(result),
          }],
          structuredContent: { ...result },
        };
      } catch (error) {
        progress?.stop();
        return { isError: true, content: [{ type: "text" as const, text: failureText(error, deps.requestId) }] };
      } finally {
        call.done();
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
  if (error instanceof OutOfTimeError) {
    return `The deck could not be finished in time: ${error.message}. Nothing was uploaded. ` +
      `Try fewer cards, audio: "front" instead of "both", or audio: "none". (request ${requestId})`;
  }
  if (error instanceof LimitError) return `${error.message} (request ${requestId})`;
  if (error instanceof UsageUnavailableError) {
    log("error", "fair_use.unavailable", { requestId, message: error.cause instanceof Error ? error.cause.message : String(error.cause) });
    return `Ankify could not check your daily speech allowance just now, so nothing was spoken or uploaded. Try again in a minute. (request ${requestId})`;
  }
  if (error instanceof CancelledError) {
    log("info", "create_deck.cancelled", { requestId });
    return `The deck was cancelled; nothing was uploaded. (request ${requestId})`;
  }
  log("error", "create_deck.failed", { requestId, error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) });
  return `Ankify could not build the deck because of an internal error; nothing was uploaded. Try again, and if it keeps failing give the owner this request id: ${requestId}.`;
}
