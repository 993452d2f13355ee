/**
 * A deck job as it is stored: who owns it, where it is, what it was asked and what came of it. The
 * request itself is a separate, immutable object (store.ts): it may weigh megabytes (pictures as
 * data: URIs), and the record is rewritten every few seconds while the deck is built.
 *
 * A job moves queued → running → done | failed | cancelled, and only forward. Clients see four
 * states: running (queued or running), done, failed, cancelled (jobs/answers.ts words them).
 */
import { z } from "zod";
import type { DeckResult } from "../deck/create-deck";
import { JOB_DAYS, JOB_MAX_EVENT_AGE_SECONDS } from "../limits";

export type JobState = "queued" | "running" | "done" | "failed" | "cancelled";
const JOB_STATES = ["queued", "running", "done", "failed", "cancelled"] as const;

export interface JobProgress {
  /** Steps done: one per clip, then packaging, then uploading. */
  readonly done: number;
  readonly total: number;
}

export interface JobRecord {
  readonly version: 1;
  /** 128 random bits (a UUID): unguessable, so a job id names nothing another caller can find. */
  readonly id: string;
  /** The subject that started it (access/subject.ts), or "anonymous" where nobody is authenticated. */
  readonly owner: string;
  readonly state: JobState;
  readonly progress: JobProgress;
  /** What the work is doing ("speaking 120/500"), or why it ended, in words a model can pass on. */
  readonly message?: string;
  /** ISO 8601. */
  readonly createdAt: string;
  /** ISO 8601: the last write, a heartbeat while the job runs. */
  readonly updatedAt: string;
  /** ISO 8601: after this the job is forgotten (the bucket's lifecycle rule removes it soon after). */
  readonly expiresAt: string;
  /** What the deck was expected to take, in seconds (jobs/estimate.ts). */
  readonly estimateSeconds: number;
  /** The request that started it: its answers and the job's log lines carry it. */
  readonly requestId: string;
  /** Invocations that have claimed it: the first, and each continuation after one ran out of time. */
  readonly attempts: number;
  /** When the owner asked to cancel (ISO 8601): the worker stops at its next look. */
  readonly cancelRequestedAt?: string;
  /** state done: what create_deck would have answered. */
  readonly result?: DeckResult;
  /**
   * Fair use (access/fair-use.ts): the client the job's speech is counted against, and the build
   * slot it took when it was created (a lease that expires by itself if the job's worker dies).
   */
  readonly fairUse?: { readonly client: string; readonly lease?: string };
}

/** A record and the version it was read at (S3's ETag), for a conditional write. */
export interface Versioned {
  readonly record: JobRecord;
  readonly version: string;
}

export const isFinished = (state: JobState): boolean => state === "done" || state === "failed" || state === "cancelled";

/**
 * How long a running job may go without a write before it is taken for dead: the worker writes a
 * heartbeat every JOB_TIMINGS.heartbeatMs, so this many missed in a row means its invocation ended
 * (Lambda's timeout, a crash) without saying so.
 */
const MISSED_HEARTBEATS = 6;

export const JOB_TIMINGS = {
  /** Progress reaches the record at most this often (each write is a GET and a conditional PUT). */
  progressEveryMs: 3_000,
  /** A running job's record is written at least this often, progress or not: its heartbeat. */
  heartbeatMs: 10_000,
  /**
   * A queued job no worker took within this long will never be taken: the asynchronous invocation's
   * maximum event age (the stack's event invoke config) has passed, and Lambda dropped it.
   */
  maxEventAgeSeconds: JOB_MAX_EVENT_AGE_SECONDS,
  /** How long a job is kept, and so how long its id answers: the lifecycle rule's day. */
  ttlMs: JOB_DAYS * 24 * 3600 * 1000,
} as const;

/**
 * A job whose worker is gone without finishing it: running with no heartbeat for MISSED_HEARTBEATS,
 * or queued longer than an event may wait. Its answer is a failure; the record is left as it is.
 */
export function isAbandoned(record: JobRecord, now: number): boolean {
  const since = now - Date.parse(record.updatedAt);
  if (record.state === "running") return since > MISSED_HEARTBEATS * JOB_TIMINGS.heartbeatMs;
  if (record.state === "queued") return since > (JOB_TIMINGS.maxEventAgeSeconds + 60) * 1000;
  return false;
}

const iso = z.string().refine((value) => !Number.isNaN(Date.parse(value)), "must be an ISO 8601 time");

/** What a stored record must look like to be read as one: anything else is not ours (or is damaged). */
const STORED = z.object({
  version: z.literal(1),
  id: z.string().min(1),
  owner: z.string().min(1),
  state: z.enum(JOB_STATES),
  progress: z.object({ done: z.number().int().nonnegative(), total: z.number().int().nonnegative() }),
  message: z.string().optional(),
  createdAt: iso,
  updatedAt: iso,
  expiresAt: iso,
  estimateSeconds: z.number().nonnegative(),
  requestId: z.string(),
  attempts: z.number().int().nonnegative(),
  cancelRequestedAt: iso.optional(),
  // Written by this function only, from a result create_deck made: kept as it is.
  result: z.record(z.string(), z.unknown()).optional(),
  fairUse: z.object({ client: z.string().min(1), lease: z.string().min(1).optional() }).optional(),
});

/** Reads a stored record; throws when the text is not one. */
export function parseRecord(text: string): JobRecord {
  return STORED.parse(JSON.parse(text)) as unknown as JobRecord;
}
