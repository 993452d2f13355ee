/**
 * `npm run client-key -- usage [NAME] [--days N] [--env ENV]`: what each client used per UTC day,
 * from the stack's usage table (lambda/src/storage/usage-table.ts): characters sent to speech (billed,
 * net of refunds), decks built, clips spoken and clips reused from the cache. Works in every client
 * authentication mode: the clients are key names, OAuth subjects, or `anonymous`.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { readUsage, USAGE_DAYS_KEPT, type DayUsage } from "../lambda/src/storage/usage-table";

export const DEFAULT_USAGE_DAYS = 7;

export interface UsageRequest {
  readonly table: string;
  /** One client's days; undefined: every client's. */
  readonly client?: string;
  /** Today and the days before it, UTC. */
  readonly days: number;
  /** The stack's daily limit per client (0: none), for the heading. */
  readonly dailyCharacters: number;
}

export interface Report {
  /** The table: one line per client and day, a total line. */
  readonly lines: string[];
  /** What was read, for stderr. */
  readonly heading: string;
}

const figure = (n: number) => n.toLocaleString("en-US");
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Parses `--days N`: a whole number from 1 to what the table keeps. */
export function daysProblem(raw: string | undefined): string | undefined {
  if (raw === undefined || !/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > USAGE_DAYS_KEPT) {
    return `--days needs a whole number of days from 1 to ${USAGE_DAYS_KEPT} (the table keeps ${USAGE_DAYS_KEPT} days), not ${JSON.stringify(raw ?? "")}.`;
  }
  return undefined;
}

export async function usageReport(db: DynamoDBClient, request: UsageRequest, now = Date.now()): Promise<Report> {
  const to = utcDay(now);
  const from = utcDay(now - (request.days - 1) * 86_400_000);
  const rows = await readUsage(db, request.table, from, to, request.client);
  const limit = request.dailyCharacters > 0 ? `; the limit is ${figure(request.dailyCharacters)} characters per client per day` : "; no daily limit";
  const heading = `Usage ${from} to ${to} (UTC) from ${request.table}${request.client !== undefined ? `, client "${request.client}"` : ", every client"}${limit}.`;
  return { heading, lines: rows.length === 0 ? [] : table(rows) };
}

function table(rows: readonly DayUsage[]): string[] {
  const total = rows.reduce((sum, r) => ({
    characters: sum.characters + r.characters, decks: sum.decks + r.decks, clipsSpoken: sum.clipsSpoken + r.clipsSpoken, clipsCached: sum.clipsCached + r.clipsCached,
  }), { characters: 0, decks: 0, clipsSpoken: 0, clipsCached: 0 });
  const cells = [
    ["client", "day", "characters", "decks", "clips spoken", "clips cached"],
    ...rows.map((r) => [r.client, r.day, figure(r.characters), figure(r.decks), figure(r.clipsSpoken), figure(r.clipsCached)]),
    ["total", "", figure(total.characters), figure(total.decks), figure(total.clipsSpoken), figure(total.clipsCached)],
  ];
  const widths = cells[0]!.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  // Names and days to the left, figures to the right.
  return cells.map((row) => row.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  ").trimEnd());
}
