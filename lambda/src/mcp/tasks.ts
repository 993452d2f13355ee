/**
 * The Tasks extension (io.modelcontextprotocol/tasks, SEP-2663; modelcontextprotocol/ext-tasks,
 * specification/2026-07-28/tasks.md) over deck jobs: a 2026-07-28 client that declares the extension
 * in a request's capabilities may get `resultType: "task"` for create_deck, then polls `tasks/get`
 * (working → completed with the tool's result inline, or cancelled), may `tasks/cancel`, and
 * `tasks/update` is acknowledged (a deck job never waits for input). A task is a deck job: the same
 * record, owner and get_deck. The SDK (2.4.0) has no runtime for the extension; it passes a tool's
 * `resultType: "task"` through and serves these methods from handlers registered with their schemas.
 */
import { McpServer, MissingRequiredClientCapabilityError, ProtocolError, ProtocolErrorCode, type ServerContext } from "@modelcontextprotocol/server";
import { z } from "zod";
import { timeBudget } from "../deadline";
import type { DeckJobs } from "../jobs/lifecycle";
import type { JobRecord } from "../jobs/record";
import { clientMayShowPreview } from "../preview/resource";
import { taskOf } from "./deck-answers";

export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";
/** Where a 2026-07-28 request carries its client's capabilities (the SDK lifts it into ctx.mcpReq.envelope). */
const CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";

/** Whether this request's client declared the Tasks extension: only then may it get a task (spec, "Capability Negotiation"). */
export function clientSpeaksTasks(envelope: Readonly<Record<string, unknown>> | undefined): boolean {
  const capabilities = envelope?.[CLIENT_CAPABILITIES] as { extensions?: Record<string, unknown> } | undefined;
  const declared = capabilities?.extensions?.[TASKS_EXTENSION];
  return typeof declared === "object" && declared !== null;
}

export interface TasksDeps {
  readonly jobs: DeckJobs;
  /** Who is asking (access/subject.ts): a task is found only by the client that started it. */
  readonly subject?: string;
  /** Epoch ms by which the answer must be on its way: reading or cancelling the job is bounded by it (deadline.ts). */
  readonly deadline: number;
}

const taskId = z.string().max(200);

export function registerTasks(server: McpServer, deps: TasksDeps): void {
  const envelopeOf = (ctx: ServerContext) => ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  // "Servers MUST return this error for non-declaring clients issuing tasks/get, tasks/update, and tasks/cancel requests."
  const requireTasks = (ctx: ServerContext) => {
    if (!clientSpeaksTasks(envelopeOf(ctx))) throw new MissingRequiredClientCapabilityError({ requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } });
  };
  // The same answer for a task that never existed, another client's, or one forgotten: none reveals the others.
  const notFound = (): never => {
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, "Failed to retrieve task: Task not found");
  };
  const found = (record: JobRecord | undefined): JobRecord => record ?? notFound();
  // Each job read or change is bounded by the request's deadline, and said so when it runs out.
  const find = (id: string, ctx: ServerContext) => {
    const { signal, failed } = timeBudget(deps.deadline, ctx.mcpReq.signal);
    return deps.jobs.find(deps.subject, id, signal).catch(failed("reading the task"));
  };

  server.server.setRequestHandler("tasks/get", { params: z.looseObject({ taskId }) }, async ({ taskId: id }, ctx) => {
    requireTasks(ctx);
    const record = found(await find(id, ctx));
    return { resultType: "complete", ...taskOf(record, Date.now(), clientMayShowPreview(envelopeOf(ctx))) };
  });
  // The SDK lifts `inputResponses` out of the params (ctx.mcpReq.inputResponses), as for any request.
  server.server.setRequestHandler("tasks/update", { params: z.looseObject({ taskId }) }, async ({ taskId: id }, ctx) => {
    requireTasks(ctx);
    // A deck job never asks for input: no key is ever outstanding, so every response is ignored.
    found(await find(id, ctx));
    return { resultType: "complete" };
  });
  server.server.setRequestHandler("tasks/cancel", { params: z.looseObject({ taskId }) }, async ({ taskId: id }, ctx) => {
    requireTasks(ctx);
    const { signal, failed } = timeBudget(deps.deadline, ctx.mcpReq.signal);
    found(await deps.jobs.cancel(deps.subject, id, signal).catch(failed("cancelling the task")));
    return { resultType: "complete" };
  });
}
