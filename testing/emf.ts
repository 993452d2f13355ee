/**
 * The CloudWatch embedded metric format's rules ("Specification: Embedded metric format", CloudWatch
 * User Guide), checked on a parsed log line: what CloudWatch Logs needs to extract metrics from it.
 * Written from the specification, not from Ankify's records, so a record that drifts from it fails.
 */

/** CloudWatch's metric units (MetricDatum.Unit, and the specification's schema). */
const UNITS = new Set([
  "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits",
  "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
  "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
]);

export interface ExtractedMetric {
  readonly namespace: string;
  readonly name: string;
  readonly unit: string;
  /** Dimension name → value, for one dimension set. */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly values: readonly number[];
  readonly timestamp: number;
}

/** The problems that would stop CloudWatch extracting metrics from `line` (empty when none). */
export function emfProblems(line: string): string[] {
  const problems: string[] = [];
  let root: Record<string, unknown>;
  try {
    root = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return ["the log event is not a JSON object with nothing before or after it"];
  }
  if (root === null || typeof root !== "object" || Array.isArray(root)) return ["the root is not an object"];
  const aws = root["_aws"] as Record<string, unknown> | undefined;
  if (!aws || typeof aws !== "object") return ["no _aws metadata object"];
  if (!Number.isInteger(aws["Timestamp"]) || (aws["Timestamp"] as number) < 0) problems.push("_aws.Timestamp is not a whole number of milliseconds since 1970");
  const directives = aws["CloudWatchMetrics"];
  if (!Array.isArray(directives)) return [...problems, "_aws.CloudWatchMetrics is not an array"];
  for (const [i, directive] of directives.entries()) {
    const at = `CloudWatchMetrics[${i}]`;
    const d = directive as Record<string, unknown>;
    if (typeof d["Namespace"] !== "string" || d["Namespace"].length < 1 || d["Namespace"].length > 1024) problems.push(`${at}.Namespace is not a string of 1 to 1024 characters`);
    const sets = d["Dimensions"];
    if (!Array.isArray(sets) || sets.length < 1) problems.push(`${at}.Dimensions is not a non-empty array of dimension sets`);
    else {
      for (const set of sets) {
        if (!Array.isArray(set) || set.length > 30) problems.push(`${at}: a dimension set is not an array of at most 30 keys`);
        else {
          for (const key of set) {
            const target = root[key as string];
            if (typeof key !== "string" || key.length < 1 || key.length > 250) problems.push(`${at}: dimension key ${JSON.stringify(key)} is not 1 to 250 characters`);
            else if (typeof target !== "string" || target.length > 1024) problems.push(`${at}: dimension ${key} is not a root member with a string of at most 1024 characters`);
          }
        }
      }
    }
    const metrics = d["Metrics"];
    if (!Array.isArray(metrics) || metrics.length > 100) problems.push(`${at}.Metrics is not an array of at most 100 definitions`);
    else {
      for (const metric of metrics as Array<Record<string, unknown>>) {
        const name = metric["Name"];
        if (typeof name !== "string" || name.length < 1 || name.length > 1024) {
          problems.push(`${at}: a metric has no Name of 1 to 1024 characters`);
          continue;
        }
        const target = root[name];
        const numeric = typeof target === "number" || (Array.isArray(target) && target.length <= 100 && target.every((v) => typeof v === "number"));
        if (!numeric) problems.push(`${at}: metric ${name} is not a root member holding a number or at most 100 numbers`);
        if (metric["Unit"] !== undefined && !UNITS.has(metric["Unit"] as string)) problems.push(`${at}: metric ${name} has unit ${JSON.stringify(metric["Unit"])}, not a CloudWatch unit`);
        if (metric["StorageResolution"] !== undefined && ![1, 60].includes(metric["StorageResolution"] as number)) problems.push(`${at}: metric ${name} has a storage resolution other than 1 or 60`);
      }
    }
  }
  return problems;
}

/** The metrics CloudWatch would extract from a valid line: one per metric and dimension set. */
export function extractMetrics(line: string): ExtractedMetric[] {
  const problems = emfProblems(line);
  if (problems.length > 0) throw new Error(`not an EMF record: ${problems.join("; ")}`);
  const root = JSON.parse(line) as Record<string, any>;
  return (root["_aws"].CloudWatchMetrics as Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit?: string }> }>).flatMap((directive) =>
    directive.Dimensions.flatMap((set) =>
      directive.Metrics.map((metric) => ({
        namespace: directive.Namespace,
        name: metric.Name,
        unit: metric.Unit ?? "None",
        dimensions: Object.fromEntries(set.map((key) => [key, root[key] as string])),
        values: ([] as number[]).concat(root[metric.Name] as number | number[]),
        timestamp: root["_aws"].Timestamp as number,
      }))));
}
