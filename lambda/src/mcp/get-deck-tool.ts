/**
 * The `get_deck` tool: a deck job's state by its id, for every client (the handle create_deck gave
 * it), and a way to cancel one. Running: the same handle again; done: exactly create_deck's result
 * with `status: "done"` and `job_id`; failed or cancelled: a sentence a model can pass on. A job id
 * finds only the caller's own jobs; another's is "not found", the same as one that never existed.
 */
import type { McpServer, ToolAnnotations } from "@modelcontextprotocol/server";
import { z } from "zod";
import { timeBudget } from "../deadline";
import type { DeckJobs } from "../jobs/lifecycle";
import { OutOfTimeError } from "../limits";
import { clientMayShowPreview, DECK_PREVIEW_LINK } from "../preview/resource";
import { deckOutput, jobResult, noSuchJob } from "./deck-answers";
import { ankifyIcons } from "./icon";
import { unknownKeysMessage } from "./unknown-keys";

export interface GetDeckDeps {
  readonly jobs: DeckJobs;
  /** Who is asking (access/subject.ts). */
  readonly subject?: string;
  /** Epoch ms by which the answer must be on its way: reading or cancelling the job is bounded by it (deadline.ts). */
  readonly deadline: number;
  /** Names this request in a tool error, as in the log. */
  readonly requestId: string;
}

const shape = {
  job_id: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters").describe("The job_id create_deck answered"),
  cancel: z.boolean().default(false).describe("true stops the job (it uploads nothing); get_deck then says whether it stopped"),
};
export const getDeckInput = z.strictObject(shape, {
  error: (issue) => (issue.code === "unrecognized_keys" ? unknownKeysMessage(issue.keys, Object.keys(shape), "argument", "get_deck takes") : undefined),
});

/**
 * What directories and hosts show of the tool (MCP tool annotations, schema 2025-11-25). Reading a job
 * changes nothing, but `cancel: true` does, so it is not read-only. Nor is it "only additive updates"
 * (the spec's meaning of destructiveHint false): a cancellation ends the job's work for good, and the
 * deck it would have stored never comes, which cannot be undone — so destructiveHint is true, said
 * outright rather than left to the spec's default, since some hosts ignore defaults. Nothing stored
 * is deleted (decks, clips, the job's record stay). Asking again, or cancelling again, has no further
 * effect: idempotent. It reaches only Ankify's own job records: a closed world.
 */
export const GET_DECK_ANNOTATIONS = {
  title: "Get a deck being built",
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: true,
  openWorldHint: false,
} as const satisfies ToolAnnotations;

export function registerGetDeck(server: McpServer, deps: GetDeckDeps): void {
  server.registerTool(
    "get_deck",
    {
      title: "Get a deck being built",
      description:
        "Returns the state of a deck that create_deck is building as a job (its answer had status \"running\" and a job_id): " +
        "status running with progress and when to ask again, or status done with the deck's download link exactly as create_deck returns it, " +
        "or failed or cancelled with the reason. cancel: true stops the job.",
      inputSchema: getDeckInput,
      outputSchema: deckOutput,
      _meta: DECK_PREVIEW_LINK,
      annotations: GET_DECK_ANNOTATIONS,
      icons: ankifyIcons(),
    },
    async ({ job_id: id, cancel }, ctx) => {
      const { signal, failed } = timeBudget(deps.deadline, ctx.mcpReq.signal);
      let record;
      try {
        record = await (cancel ? deps.jobs.cancel(deps.subject, id, signal) : deps.jobs.find(deps.subject, id, signal))
          .catch(failed(cancel ? "cancelling the job" : "reading the job"));
      } catch (error) {
        if (!(error instanceof OutOfTimeError)) throw error;
        // A cancellation cut short may or may not be recorded: asking again says which.
        return { isError: true, content: [{ type: "text", text: `get_deck could not be finished in time: ${error.message}. Call get_deck again with the same job_id. (request ${deps.requestId})` }] };
      }
      if (!record) return noSuchJob(id);
      return jobResult(record, Date.now(), clientMayShowPreview(ctx.mcpReq.envelope as Record<string, unknown> | undefined));
    },
  );
}
