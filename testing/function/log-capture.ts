/**
 * What the function logs while `work` runs, at `level` and above: one parsed JSON object per line,
 * and the raw text (to assert that nothing secret was written in any form).
 */
export async function captureLog<T>(level: "debug" | "info" | "warn" | "error", work: () => Promise<T>): Promise<{ result: T; lines: Array<Record<string, unknown>>; text: string }> {
  const written: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true)),
  );
  const before = process.env["ANKIFY_LOG_LEVEL"];
  process.env["ANKIFY_LOG_LEVEL"] = level;
  try {
    const result = await work();
    const text = written.join("");
    const lines = text.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
    return { result, lines, text };
  } finally {
    if (before === undefined) delete process.env["ANKIFY_LOG_LEVEL"];
    else process.env["ANKIFY_LOG_LEVEL"] = before;
    spies.forEach((spy) => spy.mockRestore());
  }
}
