/**
 * create_deck's work: plan the deck, decide inline or job (jobs/decide.ts), and either build it here
 * or hand it to a job and answer the job's handle — a task (resultType "task") to a 2026-07-28
 * client that declares the Tasks extension, get_deck's handle to every other. An inline deck that
 * runs out of time is handed to a job the same way instead of failing.
 */
import type { CallToolResult, ServerContext } from "@modelcontextprotocol/server";
import { ANONYMOUS_SUBJECT } from "../access/subject";
import { timeBudget } from "../deadline";
import { planDeck, type DeckPlan, type DeckRequest } from "../deck/create-deck";
import { runDeck } from "../deck/run-deck";
import { failureText } from "../deck/failure";
import { decide, type Decision } from "../jobs/decide";
import { estimateDeck, type DeckEstimate } from "../jobs/estimate";
import type { DeckJobs } from "../jobs/lifecycle";
import { MAX_TIME_BUDGET_SECONDS as LAMBDA_MAX_SECONDS, OutOfTimeError } from "../limits";
import { MAX_JOB_ATTEMPTS } from "../jobs/worker";
import { log } from "../log";
import { clientMayShowPreview } from "../preview/resource";
import type { ToolDeps } from "./create-deck-tool";
import { deckResult, jobResult, taskOf } from "./deck-answers";
import { createProgressReporter } from "./progress";
import { clientSpeaksTasks } from "./tasks";

/** What a request needs to make deck jobs. */
export interface JobDeps {
  readonly service: DeckJobs;
  /** ANKIFY_INLINE_SECONDS: a deck expected to take longer becomes a job. */
  readonly inlineSeconds: number;
}

type Envelope = Record<string, unknown> | undefined;

export async function answerCreateDeck(args: DeckRequest, ctx: ServerContext, deps: ToolDeps): Promise<CallToolResult> {
  const envelope = ctx.mcpReq.envelope as Envelope;
  // Progress only on a stream: on a JSON answer it would turn the response into one.
  const token = ctx.mcpReq._meta?.progressToken;
  const progress = deps.streaming && token !== undefined
    ? createProgressReporter(
        ({ progress, total, message }) => ctx.mcpReq.notify({ method: "notifications/progress", params: { progressToken: token, progress, total, message } }),
        deps.keepAliveMs,
      )
    : undefined;
  const call = deps.inFlight.start(deps.subject, ctx.mcpReq.id);
  const cancel = AbortSignal.any([ctx.mcpReq.signal, call.signal]);
  const { preview, jobs, ...deckDeps } = deps;
  try {
    const plan = await planDeck(args, deps.synthesizer.bytesPerCharacter);
    const started = Date.now();
    const estimate = estimateDeck(plan, deps.synthesizer);
    const budgetSeconds = Math.max(0, (deps.deadline - started) / 1000);
    const choice: Decision = jobs
      ? decide(estimate, { inlineSeconds: jobs.inlineSeconds, budgetSeconds, resumable: deps.clipCache !== undefined && deps.synthesizer.audioIdentity !== undefined })
      : { kind: "inline", seconds: budgetSeconds, becomesJob: false };
    const handOff = (why: string) => startJob(jobs!.service, args, plan, estimate, deps, envelope, why, cancel);

    let inline = choice.kind === "inline" ? choice : { kind: "inline" as const, seconds: budgetSeconds, becomesJob: false };
    if (choice.kind === "job") {
      const handle = await handOff(`expected to take ${estimate.seconds} s, over the ${Math.min(jobs!.inlineSeconds, Math.floor(budgetSeconds))} s a deck may take inline`);
      if (handle) return handle;
      // The job could not be started (logged): the deck still has this request's whole budget.
      inline = { kind: "inline", seconds: budgetSeconds, becomesJob: false };
    }
    try {
      const { result } = await runDeck(args, {
        ...deckDeps,
        deadline: started + inline.seconds * 1000,
        ...(preview && clientMayShowPreview(envelope) ? { preview } : {}),
        cancel,
        ...(progress ? { onProgress: progress.update } : {}),
      }, plan);
      return deckResult(result, true);
    } catch (error) {
      // What was spoken is in the clip cache: the job speaks only the rest.
      if (inline.becomesJob && error instanceof OutOfTimeError && !cancel.aborted) {
        const handle = await handOff(`ran over the ${inline.seconds} s a deck may take inline`);
        if (handle) return handle;
      }
      throw error;
    }
  } catch (error) {
    return { isError: true, content: [{ type: "text", text: failureText(error, deps.requestId) }] };
  } finally {
    progress?.stop();
    call.done();
  }
}

/**
 * Stores the job and starts it; the handle to answer, or undefined if it could not be started. The
 * job's record is durable before anything is answered: the Tasks extension asks exactly that of a
 * task, and a get_deck right after the answer finds it. Every call is bounded by the request's
 * deadline (deadline.ts): a job that could not be started in time is said so, and not built inline,
 * since no time is left for that either.
 */
async function startJob(
  jobs: DeckJobs, args: DeckRequest, plan: DeckPlan, estimate: DeckEstimate, deps: ToolDeps, envelope: Envelope, why: string, cancel: AbortSignal,
): Promise<CallToolResult | undefined> {
  const { signal, timeUp, failed } = timeBudget(deps.deadline, cancel);
  // A job is a build like any other: it takes one of the client's slots now (a busy client is told so
  // at once, not by a job that fails later), held until the job ends or, should its worker die, until
  // the lease runs out: twice the estimate and two minutes, at most what its invocations may take.
  const client = deps.client ?? ANONYMOUS_SUBJECT;
  const leaseSeconds = Math.min(estimate.seconds * 2 + 120, MAX_JOB_ATTEMPTS * LAMBDA_MAX_SECONDS);
  const allowance = await deps.fairUse?.acquire(client, Date.now() + leaseSeconds * 1000, signal).catch(failed("taking a build slot for the deck job"));
  let record;
  try {
    record = await jobs.create({
      owner: deps.subject, request: args, estimateSeconds: estimate.seconds, total: plan.clips + 2, requestId: deps.requestId,
      ...(deps.fairUse ? { fairUse: { client, ...(allowance?.lease !== undefined ? { lease: allowance.lease } : {}) } } : {}),
    }, signal);
  } catch (error) {
    await allowance?.finish({ built: false });
    if (timeUp.aborted || cancel.aborted) failed("starting the deck job")(error);
    log("error", "job.create_failed", { requestId: deps.requestId, error: error instanceof Error ? { name: error.name, message: error.message } : String(error) });
    return undefined;
  }
  log("info", "job.created", { requestId: deps.requestId, jobId: record.id, clips: estimate.clips, requests: estimate.requests, estimateSeconds: estimate.seconds, why });
  const now = Date.now();
  const handle = jobResult(record, now, clientMayShowPreview(envelope));
  if (!clientSpeaksTasks(envelope)) return handle;
  // A task, which also carries the handle: the SDK checks the tool's structured content against its
  // output schema whatever the result type, and a client's model may read the text.
  return { resultType: "task", ...taskOf(record, now, false), ...handle } as CallToolResult;
}
