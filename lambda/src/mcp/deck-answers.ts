/**
 * How a deck reads to a client, built inline or as a job: the output schema create_deck and get_deck
 * share (a deck's fields, or a job's handle: one object with optional fields, since a union would
 * not be an object schema), the sentences a model passes on, and a job's state as a tool result and
 * as an MCP task (the Tasks extension, io.modelcontextprotocol/tasks).
 */
import type { CallToolResult } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { DeckResult } from "../deck/create-deck";
import { NOTE_TYPE_NAMES } from "../deck/note-types";
import { isAbandoned, JOB_TIMINGS, type JobRecord } from "../jobs/record";
import { deckPreviewSchema } from "../preview/schema";

export const JOB_STATUSES = ["running", "done", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

const deckField = (schema: z.ZodType, description?: string) => (description ? schema.describe(description) : schema).optional();

/**
 * create_deck's and get_deck's structured content. A deck built inline has the deck's fields; a
 * deck job has `status` and `job_id`, with `progress` and `poll_after_seconds` while it runs, and
 * the deck's fields once it is done.
 */
export const deckOutput = z.object({
  status: z.enum(JOB_STATUSES).optional()
    .describe("Only for a deck built as a job: running (call get_deck with job_id later), done (the deck's fields are here), failed or cancelled (message says why)"),
  job_id: z.string().optional().describe("The deck job's id, for get_deck"),
  progress: z.object({ done: z.number().int(), total: z.number().int() }).optional()
    .describe("A running job's steps: one per audio clip, then packaging and uploading"),
  poll_after_seconds: z.number().int().optional().describe("A running job: when to call get_deck again"),
  message: z.string().optional().describe("A job's current step, or why it failed or was cancelled"),
  url: deckField(z.string(), "Presigned download link for the .apkg"),
  expires_at: deckField(z.string(), "When the link stops working (ISO 8601)"),
  deck_name: deckField(z.string(), "The deck's name as Anki shows it"),
  card_count: deckField(z.number().int(), "Anki cards: one per basic note, two per reversed note, one per cloze number"),
  audio_clips: deckField(z.number().int(), "Distinct audio files in the deck"),
  images: deckField(z.number().int(), "Distinct pictures in the deck"),
  size_bytes: deckField(z.number().int()),
  note_count: deckField(z.number().int()),
  note_type: deckField(z.enum(NOTE_TYPE_NAMES)),
  requested_deck_name: deckField(z.string(), "deck_name as given"),
  clips_spoken: deckField(z.number().int(), "Clips spoken for this request"),
  clips_cached: deckField(z.number().int(), "Clips reused from earlier builds (not spoken, not billed)"),
  characters_spoken: deckField(z.number().int(), "Characters sent to speech: what the speech bill counts"),
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

/** The deck as create_deck answers it, with its preview only for a client that may show one. */
export function deckResult(result: DeckResult, mayShowPreview: boolean, job?: { readonly id: string }): CallToolResult {
  const { preview, ...rest } = result;
  const shown = mayShowPreview && preview ? { ...rest, preview } : rest;
  return {
    content: [{ type: "text", text: resultText(result) }],
    structuredContent: job ? { status: "done", job_id: job.id, ...shown } : { ...shown },
  };
}

/** What a job says it is, for a client: an abandoned job (its worker gone) has failed. */
export function statusOf(record: JobRecord, now: number): JobStatus {
  if (record.state === "done" || record.state === "failed" || record.state === "cancelled") return record.state;
  return isAbandoned(record, now) ? "failed" : "running";
}

/** When to look again: about a quarter of the time the job is still expected to take, 5 to 30 s. */
export function pollAfterSeconds(record: JobRecord, now: number): number {
  const left = record.estimateSeconds - (now - Date.parse(record.createdAt)) / 1000;
  return Math.min(30, Math.max(5, Math.round(left / 4)));
}

const ABANDONED = (record: JobRecord) =>
  `The deck job stopped without finishing (the function's invocation ended before the deck was built); nothing was uploaded. ` +
  `Start the deck again: clips already spoken are reused. (request ${record.requestId})`;

/** A job's state as get_deck (and a create_deck that made the job) answers it. */
export function jobResult(record: JobRecord, now: number, mayShowPreview: boolean): CallToolResult {
  const status = statusOf(record, now);
  if (status === "done") return deckResult(record.result!, mayShowPreview, record);
  if (status === "running") {
    const after = pollAfterSeconds(record, now);
    const cancelling = record.cancelRequestedAt !== undefined;
    const message = cancelling ? "cancelling: the job stops at its next step and uploads nothing" : record.message ?? "running";
    const text = cancelling
      ? `Cancellation requested for deck job ${record.id}: it stops at its next step and uploads nothing (if it had already finished, get_deck shows the deck).`
      : `The deck is being built as a job (${message}; step ${record.progress.done} of ${record.progress.total}). It keeps going if this conversation is interrupted. ` +
        `Call get_deck with job_id "${record.id}" in about ${after} seconds for the download link.`;
    return {
      content: [{ type: "text", text }],
      structuredContent: { status, job_id: record.id, progress: { ...record.progress }, poll_after_seconds: after, message },
    };
  }
  const message = record.state === "failed" || record.state === "cancelled" ? record.message ?? status : ABANDONED(record);
  return {
    // A failed deck is the tool's failure, as it would have been inline; a cancelled one is what was asked.
    ...(status === "failed" ? { isError: true } : {}),
    content: [{ type: "text", text: message }],
    structuredContent: { status, job_id: record.id, message },
  };
}

/** get_deck's answer for a job id that names none of this client's jobs: the same whether it exists or not. */
export function noSuchJob(id: string): CallToolResult {
  return {
    isError: true,
    content: [{
      type: "text",
      text: `No deck job ${JSON.stringify(id.slice(0, 100))} was found for you. A job id works only for the client that started the deck, ` +
        `and only for ${JOB_TIMINGS.ttlMs / 3_600_000} hours. Call create_deck again to start a new one.`,
    }],
  };
}

/** The Tasks extension's view of a job (Task plus the inline result or its absence), as tasks/get answers it. */
export function taskOf(record: JobRecord, now: number, mayShowPreview: boolean): Record<string, unknown> {
  const status = statusOf(record, now);
  const base = {
    taskId: record.id,
    createdAt: record.createdAt,
    lastUpdatedAt: record.updatedAt,
    ttlMs: JOB_TIMINGS.ttlMs,
  };
  switch (status) {
    case "running":
      return { ...base, status: "working", statusMessage: record.cancelRequestedAt ? "cancelling" : record.message ?? "working", pollIntervalMs: pollAfterSeconds(record, now) * 1000 };
    case "cancelled":
      return { ...base, status: "cancelled", statusMessage: record.message ?? "cancelled" };
    default: {
      // A deck that failed is a tool result with isError (the spec keeps "failed" for JSON-RPC errors).
      const result = jobResult(record, now, mayShowPreview);
      return { ...base, status: "completed", statusMessage: status === "done" ? "done" : "failed", result };
    }
  }
}
