import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT, TS_REGISTER } from "../paths";

export interface DevProcess {
  /** e.g. http://127.0.0.1:41234 (the MCP endpoint is `${url}/mcp`). */
  readonly url: string;
  readonly pid: number;
  /** Everything it wrote to stderr so far (its warnings and errors: one JSON object a line). */
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * `npm run dev` as a user runs it: its own process, configured by the environment only (`env` on
 * top of this process's PATH and HOME), on a free port. Resolves once it listens.
 */
export function startDevProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<DevProcess> {
  const child: ChildProcess = spawn(process.execPath, ["-r", "./scripts/quiet-env.js", "-r", TS_REGISTER, join("lambda", "src", "dev-server.ts")], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env["PATH"]!, HOME: process.env["HOME"] ?? "/tmp", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the dev server did not start within ${timeoutMs} ms: ${stderr.trim()}`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    const onExit = (code: number | null) => fail(new Error(`the dev server exited (${code}): ${stderr.trim()}`));
    child.once("exit", onExit);
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /Ankify dev server: (http:\/\/\S+)\/mcp/.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      child.off("exit", onExit);
      resolve({
        url: match[1]!,
        pid: child.pid!,
        stderr: () => stderr,
        stop: async () => {
          child.kill("SIGTERM");
          await exited;
        },
      });
    });
  });
}
