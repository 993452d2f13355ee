/**
 * What one request may cost: the bounds the function enforces and the stack's settings check, from one
 * module so the two can never disagree (stacks/settings.ts imports it). Pure values and rules only.
 */

/** A Function URL takes request payloads up to 6 MB; the function reads no more than that. */
export const MAX_REQUEST_BODY_BYTES = 6 * 1024 * 1024;

/**
 * A spoken clip is reused for this long after it was written, then spoken afresh once: the stack's
 * lifecycle rule on clips/ in S3, and the dev server's pruning of its local store.
 */
export const DEFAULT_CLIP_CACHE_DAYS = 90;

/**
 * What a deck's notes were last stamped with (deck/mod-times.ts) is kept this long after the deck was
 * last built: the stack's lifecycle rule on note-times/ in S3, and the dev server's pruning. A deck
 * rebuilt after that stamps its notes as new, once: a learner's edits to them are overwritten by
 * that import. Two years of a deck's life for about 60 bytes a note.
 */
export const NOTE_TIMES_DAYS = 730;

/** Seconds kept back from the budget for packaging, uploading and answering after speech. */
export const FINISHING_RESERVE_SECONDS = 8;

/**
 * The smallest time budget that leaves speech any time at all after the finishing reserve. Both the
 * stack (for the value it passes as ANKIFY_TIME_BUDGET_SECONDS) and the function apply it.
 */
export const MIN_TIME_BUDGET_SECONDS = FINISHING_RESERVE_SECONDS + 2;
/** Lambda's longest timeout. */
export const MAX_TIME_BUDGET_SECONDS = 900;

/** Why `seconds` cannot be a request's time budget, or undefined when it can. */
export function timeBudgetProblem(seconds: number): string | undefined {
  if (!Number.isInteger(seconds)) return "must be a whole number of seconds";
  if (seconds < MIN_TIME_BUDGET_SECONDS) {
    return `must be at least ${MIN_TIME_BUDGET_SECONDS} s: ${FINISHING_RESERVE_SECONDS} s are kept back to package and upload the deck`;
  }
  if (seconds > MAX_TIME_BUDGET_SECONDS) return `must be at most ${MAX_TIME_BUDGET_SECONDS} s (Lambda's longest timeout)`;
  return undefined;
}

/**
 * Seconds between bytes of a streamed answer (SSE comment lines or progress): far below CloudFront's
 * read timeout, which since streaming bounds only the gap between bytes.
 */
export const KEEPALIVE_SECONDS = 5;

/**
 * Seconds a deck may take inside its request before it is built as a job instead (ANKIFY_INLINE_SECONDS):
 * the official SDK client gives up on a request after 60 s by default, and claude.ai on a tool after 300 s.
 */
export const DEFAULT_INLINE_SECONDS = 60;

/**
 * A deck job's worker is an asynchronous invocation, which Lambda queues; one not started within this
 * many seconds is dropped (the stack's event invoke config), and its job reported as never started.
 */
export const JOB_MAX_EVENT_AGE_SECONDS = 600;

/** Deck jobs are kept a day (the bucket's lifecycle rule on jobs/): a job id answers that long. */
export const JOB_DAYS = 1;

/** The function's timeout when none is set: long decks stream for up to this long. */
export const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 300;
/** Kept between a streamed deck's deadline and Lambda's timeout, so the tool error still goes out. */
export const LAMBDA_STOP_MARGIN_SECONDS = 5;
/** The shortest function timeout: a streaming budget of MIN_TIME_BUDGET_SECONDS after the margin. */
export const MIN_FUNCTION_TIMEOUT_SECONDS = MIN_TIME_BUDGET_SECONDS + LAMBDA_STOP_MARGIN_SECONDS;

/** How long a streamed deck may take, for a function timeout. */
export function streamBudgetSeconds(functionTimeoutSeconds: number): number {
  return functionTimeoutSeconds - LAMBDA_STOP_MARGIN_SECONDS;
}

/**
 * How long a deck may take when the Function URL is BUFFERED, for a function timeout (which is then at
 * most CloudFront's read timeout): the answer leaves only when the function returns, so it must be
 * ready the same margin before Lambda's timeout as a streamed deck's tool error.
 */
export function bufferedBudgetSeconds(functionTimeoutSeconds: number): number {
  return functionTimeoutSeconds - LAMBDA_STOP_MARGIN_SECONDS;
}

/**
 * Characters one request may send to speech (the figure Polly bills: $16 per million with neural
 * voices, so the default caps one request near $1).
 */
export const DEFAULT_MAX_SPEECH_CHARACTERS = 60_000;
export const MIN_MAX_SPEECH_CHARACTERS = 1_000;
export const MAX_MAX_SPEECH_CHARACTERS = 1_000_000;

/**
 * Characters one client may send to speech per UTC day, across all its requests: about $3.20 a day
 * with neural voices ($16 per million), a few hundred cards with audio on both sides. 0: no limit.
 */
export const DEFAULT_CLIENT_DAILY_CHARACTERS = 200_000;
export const MIN_CLIENT_DAILY_CHARACTERS = 1_000;
export const MAX_CLIENT_DAILY_CHARACTERS = 1_000_000_000;
/** Deck builds one client may run at once (inline or as jobs): a long deck and a second beside it. 0: no limit. */
export const DEFAULT_CLIENT_CONCURRENCY = 2;
/** As many as the function may ever run at once (its largest reservation). */
export const MAX_CLIENT_CONCURRENCY = 900;

/**
 * The largest package one request may produce. It is written to /tmp and uploaded from there, so
 * memory stays flat; this bounds disk (the function's ephemeral storage) and upload time.
 */
export const MAX_PACKAGE_BYTES = 400 * 1024 * 1024;

/** A request over one of these bounds: the client's to fix, so its message is shown as is. */
export class LimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LimitError";
  }
}

/** The time budget ran out; the client should ask for less (fewer cards, less audio). */
export class OutOfTimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutOfTimeError";
  }
}

/**
 * The most Anki cards one deck may have: a cloze note makes one per deletion number, so 500 notes
 * could make 50,000 cards. The bound keeps the package's size and the time to write it (and for Anki
 * to import it) measured: npm run bench:load builds the largest deck it allows.
 */
export const MAX_DECK_CARDS = 10_000;
