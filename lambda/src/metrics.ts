/**
 * One CloudWatch embedded-metric-format (EMF) record per deck, written as one JSON log line: CloudWatch
 * Logs turns it into metrics in the namespace `Ankify` with no API call and no extra permission.
 *
 * Metrics and their dimensions (each distinct dimension value is a metric billed by the month, so the
 * client, the request id and the trace are plain properties of the line, searchable in Logs Insights):
 *   Decks                                       Service, Outcome (ok, limit, timeout, cancelled, error)
 *   Cards, ClipsSpoken, ClipsCached, Characters, DeckSeconds        Service
 * `Service` is the function's name, so two environments in one account keep their own metrics.
 */
import type { LogLevel } from "./log";

export const METRICS_NAMESPACE = "Ankify";
export const DECK_OUTCOMES = ["ok", "limit", "timeout", "cancelled", "error"] as const;
export type DeckOutcome = (typeof DECK_OUTCOMES)[number];

export interface DeckRecord {
  /** The function's name (or the dev server's). */
  readonly service: string;
  readonly client: string;
  readonly requestId: string;
  /** A W3C traceparent the client sent, already validated. */
  readonly traceparent?: string;
  readonly outcome: DeckOutcome;
  /** Anki cards in the stored deck (0 unless built). */
  readonly cards: number;
  readonly clipsSpoken: number;
  readonly clipsCached: number;
  /** Characters charged to the client: sent to speech and answered. */
  readonly characters: number;
  /** From the call's arrival to its answer. */
  readonly seconds: number;
}

/** The metrics of a deck record, by name, with their units and dimension sets. */
const METRICS = {
  Decks: { unit: "Count", dimensions: ["Service", "Outcome"], value: () => 1 },
  Cards: { unit: "Count", dimensions: ["Service"], value: (r: DeckRecord) => r.cards },
  ClipsSpoken: { unit: "Count", dimensions: ["Service"], value: (r: DeckRecord) => r.clipsSpoken },
  ClipsCached: { unit: "Count", dimensions: ["Service"], value: (r: DeckRecord) => r.clipsCached },
  Characters: { unit: "Count", dimensions: ["Service"], value: (r: DeckRecord) => r.characters },
  DeckSeconds: { unit: "Seconds", dimensions: ["Service"], value: (r: DeckRecord) => r.seconds },
} as const;
export type DeckMetricName = keyof typeof METRICS;
export const DECK_METRIC_NAMES = Object.keys(METRICS) as DeckMetricName[];

/** The EMF document for a deck at `timestamp` (epoch ms), also an ordinary log line of event `deck.metrics`. */
export function deckMetricsRecord(record: DeckRecord, timestamp: number): Record<string, unknown> {
  const byDimensions = new Map<string, DeckMetricName[]>();
  for (const name of DECK_METRIC_NAMES) {
    const key = METRICS[name].dimensions.join(",");
    byDimensions.set(key, [...(byDimensions.get(key) ?? []), name]);
  }
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [...byDimensions].map(([dimensions, names]) => ({
        Namespace: METRICS_NAMESPACE,
        Dimensions: [dimensions.split(",")],
        Metrics: names.map((name) => ({ Name: name, Unit: METRICS[name].unit })),
      })),
    },
    time: new Date(timestamp).toISOString(),
    level: "info" satisfies LogLevel,
    event: "deck.metrics",
    Service: record.service,
    Outcome: record.outcome,
    client: record.client,
    requestId: record.requestId,
    ...(record.traceparent !== undefined ? { traceparent: record.traceparent } : {}),
    ...Object.fromEntries(DECK_METRIC_NAMES.map((name) => [name, METRICS[name].value(record)])),
  };
}

/**
 * Writes the record to stdout as one line. Not subject to ANKIFY_LOG_LEVEL, except `silent` (the
 * tests): metrics must not vanish because someone quietened the log.
 */
export function emitDeckMetrics(record: DeckRecord, timestamp = Date.now()): void {
  if (process.env["ANKIFY_LOG_LEVEL"] === "silent") return;
  // process.stdout, not console: under Lambda's JSON log format console.log wraps the line in a
  // `message` field, and CloudWatch extracts EMF only from a log event that is the document itself.
  process.stdout.write(`${JSON.stringify(deckMetricsRecord(record, timestamp))}\n`);
}
