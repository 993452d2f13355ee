/**
 * The `create_deck` tool: its schemas (the contract clients see in tools/list), its description,
 * and how its result and errors read. The work itself is deck/create-deck.ts.
 */
import type { McpServer, ToolAnnotations } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { RunDeckDeps } from "../deck/run-deck";
import { deckNameProblem, TAG_LIMITS, tagProblem } from "../deck/names";
import { IMAGE_LIMITS, IMAGE_SIDES, imageSourceProblem, MAX_IMAGE_SOURCE_LENGTH } from "../deck/images";
import { NOTE_TYPE_NAMES } from "../deck/note-types";
import { ALLOWED_TAGS, TEXT_FORMATS } from "../deck/text";
import { cardTextProblem, LIMITS, requestProblems } from "../deck/validate";
import { MAX_DECK_CARDS } from "../limits";
import { DECK_PREVIEW_LINK } from "../preview/resource";
import { engineProblem, ENGINES, SPEECH_RATES, VOICES } from "../tts/index";
import type { InFlightCalls } from "./cancellation";
import { deckOutput } from "./deck-answers";
import { ankifyIcons } from "./icon";
import { answerCreateDeck, type JobDeps } from "./deck-or-job";
import { unknownKeysMessage } from "./unknown-keys";

export { LIMITS };
export { resultText } from "./deck-answers";
export { failureText } from "../deck/failure";

export interface ToolDeps extends RunDeckDeps {
  /** Names this request in tool errors and in the log, so the two can be matched. */
  readonly requestId: string;
  /** The client reads a stream (it accepts text/event-stream): progress may be sent. */
  readonly streaming: boolean;
  /** Milliseconds between progress notifications at the most. */
  readonly keepAliveMs: number;
  /** Calls running in this process, for notifications/cancelled. */
  readonly inFlight: InFlightCalls;
  /** Deck jobs: a long deck is built by one instead of inside the request. @default none: every deck inline */
  readonly jobs?: JobDeps;
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

/** What create_deck answers: a deck, or a deck job's handle (deck-answers.ts). */
export const createDeckOutput = deckOutput;

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
        "a client that sends a progressToken gets progress while a deck is built. A deck too long to build within the call is built as a job: " +
        'the answer then has status "running" and a job_id; call get_deck with that job_id (after poll_after_seconds) until it returns the deck.',
      inputSchema: createDeckInput,
      outputSchema: createDeckOutput,
      _meta: DECK_PREVIEW_LINK,
      annotations: CREATE_DECK_ANNOTATIONS,
      icons: ankifyIcons(),
    },
    (args, ctx) => answerCreateDeck(args, ctx, deps),
  );
}

