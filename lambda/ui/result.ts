/**
 * What the view reads from a create_deck result (its structured content; see
 * lambda/src/mcp/create-deck-tool.ts), checked before anything is shown: a host passes on whatever
 * the server sent, and links go into `src` attributes and open-link requests.
 */
import { z } from "zod";
import { deckPreviewSchema, type DeckPreviewData } from "../src/preview/schema";

const webLink = z.string().refine((value) => {
  try {
    return ["https:", "http:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, "must be an http(s) link");

export const deckResultSchema = z.object({
  url: webLink,
  expires_at: z.string(),
  deck_name: z.string(),
  card_count: z.number().int().nonnegative(),
  note_count: z.number().int().nonnegative(),
  audio_clips: z.number().int().nonnegative(),
  size_bytes: z.number().int().nonnegative(),
  preview: deckPreviewSchema.optional(),
});

export type DeckResult = z.infer<typeof deckResultSchema>;

/** A deck job's handle (lambda/src/mcp/deck-answers.ts). */
const jobSchema = z.object({
  status: z.enum(["running", "cancelled"]),
  progress: z.object({ done: z.number().int().nonnegative(), total: z.number().int().nonnegative() }).default({ done: 0, total: 0 }),
  message: z.string().optional(),
});
export type { DeckPreviewData };

/** What the view shows: before the result, the deck being built, the deck, or why there is none. */
export type ViewState =
  | { readonly kind: "waiting" }
  | { readonly kind: "building"; readonly deckName?: string; readonly cards?: number; readonly job?: { readonly done: number; readonly total: number } }
  | { readonly kind: "ready"; readonly deck: DeckResult }
  | { readonly kind: "failed"; readonly message: string };

interface ToolResultLike {
  readonly isError?: boolean;
  readonly content?: ReadonlyArray<{ readonly type: string; readonly text?: string }>;
  readonly structuredContent?: unknown;
}

const resultText = (result: ToolResultLike) =>
  (result.content ?? []).filter((block) => block.type === "text" && typeof block.text === "string").map((block) => block.text).join("\n");

/** The state a tool result puts the view in. */
export function stateFromResult(result: ToolResultLike): ViewState {
  if (result.isError) return { kind: "failed", message: resultText(result) || "The deck could not be built." };
  // A deck built as a job: create_deck's handle, or get_deck while it runs or once it was cancelled.
  const job = jobSchema.safeParse(result.structuredContent);
  if (job.success && job.data.status === "running") return { kind: "building", job: job.data.progress };
  if (job.success && job.data.status === "cancelled") return { kind: "failed", message: job.data.message ?? "The deck was cancelled." };
  const parsed = deckResultSchema.safeParse(result.structuredContent);
  if (!parsed.success) return { kind: "failed", message: "This result has no deck to show." };
  // Links that are not http(s) are dropped: they could only be mistakes or mischief.
  const preview = parsed.data.preview;
  if (preview) {
    const files = Object.fromEntries(Object.entries(preview.files).filter(([, url]) => webLink.safeParse(url).success));
    return { kind: "ready", deck: { ...parsed.data, preview: { ...preview, files } } };
  }
  return { kind: "ready", deck: parsed.data };
}

/** The state the tool's arguments put the view in while the deck is built. */
export function stateFromInput(args: Record<string, unknown> | undefined): ViewState {
  const deckName = typeof args?.["deck_name"] === "string" ? args["deck_name"] : undefined;
  const cards = Array.isArray(args?.["cards"]) ? args["cards"].length : undefined;
  return { kind: "building", ...(deckName !== undefined ? { deckName } : {}), ...(cards !== undefined ? { cards } : {}) };
}
