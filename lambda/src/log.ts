/**
 * Structured logs: one JSON object per line (the function's log group uses Lambda's JSON log
 * format). Callers pass facts, never secrets or request bodies. `ANKIFY_LOG_LEVEL` (debug, info,
 * warn, error, silent; default info) filters; the tests run silent unless they read the log.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function log(level: LogLevel, event: string, fields: Record<string, unknown> = {}): void {
  const threshold = RANK[(process.env["ANKIFY_LOG_LEVEL"] ?? "info") as LogLevel] ?? RANK.info;
  if (RANK[level] < threshold) return;
  const line = `${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`;
  (level === "error" || level === "warn" ? process.stderr : process.stdout).write(line);
}
