/**
 * One deck build as the service accounts for it: the client's slot and daily characters around the
 * work (access/fair-use.ts), and one metrics record when it ends (metrics.ts), whatever the ending.
 * The tool calls this for an inline build; a job worker calls it with the allowance its job holds.
 */
import type { DeckAllowance, FairUse } from "../access/fair-use";
import { ANONYMOUS_SUBJECT } from "../access/subject";
import { timeBudget } from "../deadline";
import { LimitError, OutOfTimeError } from "../limits";
import { emitDeckMetrics, type DeckOutcome } from "../metrics";
import { CancelledError, createDeck, type DeckDeps, type DeckPlan, type DeckRequest, type DeckResult } from "./create-deck";

export interface RunDeckDeps extends DeckDeps {
  /** Per-client slots and daily characters; absent: no fair-use limits, nothing counted. */
  readonly fairUse?: FairUse;
  /** Whose build it is, as fair use counts it (access/subject.ts clientSubject). @default "anonymous" */
  readonly client?: string;
  readonly requestId: string;
  /** A validated W3C traceparent the client sent, for the metrics record. */
  readonly traceparent?: string;
  /** Names the service in metrics. @default AWS_LAMBDA_FUNCTION_NAME, else "ankify" */
  readonly service?: string;
  /** A slot taken earlier (a job's): used instead of taking one now. */
  readonly allowance?: DeckAllowance;
}

export interface RunDeckResult {
  readonly result: DeckResult;
  /** Characters left of the client's UTC day; absent without a daily limit. */
  readonly charactersLeftToday?: number;
}

/** How a build ended, as the metrics and the alarms count it. */
export function outcomeOf(error: unknown): DeckOutcome {
  if (error instanceof OutOfTimeError) return "timeout";
  if (error instanceof CancelledError) return "cancelled";
  if (error instanceof LimitError) return "limit";
  return "error";
}

export async function runDeck(args: DeckRequest, deps: RunDeckDeps, plan?: DeckPlan): Promise<RunDeckResult> {
  const started = Date.now();
  const subject = deps.client ?? ANONYMOUS_SUBJECT;
  const record = (outcome: DeckOutcome, figures: { cards?: number; clipsSpoken: number; clipsCached?: number; characters: number }) =>
    emitDeckMetrics({
      service: deps.service ?? process.env["AWS_LAMBDA_FUNCTION_NAME"] ?? "ankify",
      client: subject,
      requestId: deps.requestId,
      ...(deps.traceparent !== undefined ? { traceparent: deps.traceparent } : {}),
      outcome,
      cards: figures.cards ?? 0,
      clipsSpoken: figures.clipsSpoken,
      clipsCached: figures.clipsCached ?? 0,
      characters: figures.characters,
      seconds: (Date.now() - started) / 1000,
    });

  let allowance: DeckAllowance | undefined;
  try {
    // Bounded by the deadline like every other stage: a hung usage table is time running out, said so.
    const { signal, failed } = timeBudget(deps.deadline, deps.cancel);
    allowance = deps.allowance ?? (await deps.fairUse?.acquire(subject, deps.deadline, signal).catch(failed("taking a build slot")));
  } catch (error) {
    record(outcomeOf(error), { clipsSpoken: 0, characters: 0 });
    throw error;
  }
  if (!allowance || !deps.fairUse) {
    try {
      const result = await createDeck(args, deps, plan);
      record("ok", { cards: result.card_count, clipsSpoken: result.clips_spoken, clipsCached: result.clips_cached, characters: result.characters_spoken });
      return { result };
    } catch (error) {
      record(outcomeOf(error), { clipsSpoken: 0, characters: 0 });
      throw error;
    }
  }

  const held = allowance;
  let result: DeckResult;
  try {
    result = await held.track(() => createDeck(args, {
      ...deps,
      synthesizer: deps.fairUse!.meter(deps.synthesizer),
      beforeSpeech: (characters, signal) => held.reserve(characters, signal),
    }, plan));
  } catch (error) {
    const settled = await held.finish({ built: false });
    record(outcomeOf(error), { clipsSpoken: settled.clipsSpoken, characters: settled.characters });
    throw error;
  }
  const settled = await held.finish({ built: true, clipsCached: result.clips_cached });
  record("ok", { cards: result.card_count, clipsSpoken: result.clips_spoken, clipsCached: result.clips_cached, characters: settled.characters });
  if (settled.charactersLeftToday === undefined) return { result };
  return { result: { ...result, characters_left_today: settled.charactersLeftToday }, charactersLeftToday: settled.charactersLeftToday };
}
