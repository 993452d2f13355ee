import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { readApkg, runDevServer, type Running } from "../../testing/function/harness";
import { PROJECT_ROOT, TS_REGISTER } from "../../testing/paths";

const EXAMPLE = "examples/typescript-client.ts";
const source = readFileSync(join(PROJECT_ROOT, EXAMPLE), "utf8");
/** This shell's environment, less a key of its own that the example would prefer. */
const { ANKIFY_KEY: _ignored, ...shell } = process.env;
const runExample = (env: Record<string, string>) => promisify(execFile)(process.execPath, ["-r", TS_REGISTER, EXAMPLE], { cwd: PROJECT_ROOT, env: { ...shell, ...env } });

describe("the TypeScript client example", () => {
  it("is in the README verbatim", () => {
    const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### From your own code"));
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBe(source);
  });

  describe("run as its first lines say, against the dev server", () => {
    let run: Running;
    beforeAll(async () => (run = await runDevServer()));
    afterAll(() => run.stop());

    it("builds the deck and prints where to download it", async () => {
      // As documented: `node -r sucrase/register examples/typescript-client.ts`, in a shell holding the
      // dev server's secret and key (sucrase/register's transform, cached: TS_REGISTER). (Another
      // process: the dev server in this one keeps answering.)
      const { stdout } = await runExample({ ANKIFY_URL: `${run.dev.url}/mcp`, ANKIFY_ORIGIN_SECRET: run.secrets[0]!, ANKIFY_DEV_API_KEY: run.apiKey! });
      const printed = JSON.parse(stdout) as { url: string; deck_name: string; card_count: number };
      expect(printed).toEqual(expect.objectContaining({ deck_name: "Spanish::Basics", card_count: 1, audio_clips: 1 }));
      const deck = readApkg(new Uint8Array(await (await fetch(printed.url)).arrayBuffer()), run.dir);
      expect(deck.notes.map((note) => note.flds[0])).toEqual([expect.stringMatching(/^hola\[sound:.+\]$/)]);
    });

    it("waits for a deck built as a job, through get_deck, and prints it the same way", async () => {
      const slow = await runDevServer({ inlineSeconds: 0 });
      try {
        const { stdout } = await runExample({ ANKIFY_URL: `${slow.dev.url}/mcp`, ANKIFY_ORIGIN_SECRET: slow.secrets[0]!, ANKIFY_DEV_API_KEY: slow.apiKey! });
        expect(JSON.parse(stdout)).toEqual(expect.objectContaining({ status: "done", job_id: expect.any(String), deck_name: "Spanish::Basics", card_count: 1, audio_clips: 1 }));
      } finally {
        await slow.stop();
      }
    }, 60_000);

    it("says what went wrong, and exits 1, when the key is wrong", async () => {
      const failed = await runExample({ ANKIFY_URL: `${run.dev.url}/mcp`, ANKIFY_ORIGIN_SECRET: run.secrets[0]!, ANKIFY_DEV_API_KEY: "ank_not-the-key" })
        .then(() => undefined, (error: { code: number; stderr: string }) => error);
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toMatch(/401|Unauthorized|authorization/i);
    });
  });
});
