import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { runDevServer, type McpPeer, type Running, type ToolResult } from "../../testing/function/harness";
import { until } from "../../testing/function/clock";
import { cards } from "../../testing/function/jobs";

/**
 * Deck jobs on the dev server (`npm run dev`): jobs run in its process with the same records in its
 * local store (s3rver), and official clients use them as any deployed client would. Speech is made
 * slow on purpose (ANKIFY_DEV_SPEECH_LATENCY_MS), so a deck is expected to take longer than the
 * inline limit and becomes a job.
 */
let run: Running;
beforeAll(async () => {
  run = await runDevServer({ speech: "silent", speechLatencyMs: 200, inlineSeconds: 2, jobProgressEveryMs: 50 });
});
afterAll(() => run.stop());

const headers = () => ({ "x-origin-verify": run.secrets[0]!, authorization: `Bearer ${run.apiKey!}` });
const args = (deck: string) => ({ deck_name: deck, cards: cards(20, deck), audio: "both" });

/**
 * Polls get_deck (as a model would, though 100 ms apart rather than poll_after_seconds) until the job
 * is no longer running. Back to back, the polls cost more CPU than the jobs they wait for.
 */
const POLL_EVERY_MS = 100;
async function pollUntilDone(client: McpPeer, id: string): Promise<ToolResult> {
  let last: ToolResult | undefined;
  let polling = false;
  await until(() => {
    if (last && !last.structuredContent) throw new Error(JSON.stringify(last));
    if (last && (last.structuredContent as { status: string }).status !== "running") return true;
    if (!polling) {
      polling = true;
      void client.callTool({ name: "get_deck", arguments: { job_id: id } }).then((r) => {
        last = r;
        setTimeout(() => (polling = false), POLL_EVERY_MS);
      });
    }
    return false;
  }, `job ${id} to finish`);
  return last!;
}

it("gives the official v2 client in auto mode (2026-07-28, no Tasks) a handle, which its output-schema check accepts, and get_deck the deck", async () => {
  const client = new Client({ name: "auto", version: "1.0.0" }, { versionNegotiation: { mode: "auto" } });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${run.dev.url}/mcp`), { requestInit: { headers: headers() } }));
  try {
    expect(client.getProtocolEra()).toBe("modern");
    const started = await client.callTool({ name: "create_deck", arguments: args("Auto") }) as ToolResult;
    expect(started.isError).toBeUndefined();
    expect(started.structuredContent).toEqual(expect.objectContaining({ status: "running", job_id: expect.any(String), progress: { done: 0, total: 42 } }));
    const done = await pollUntilDone(client as unknown as McpPeer, (started.structuredContent as { job_id: string }).job_id);
    expect(done.structuredContent).toEqual(expect.objectContaining({ status: "done", deck_name: "Auto", audio_clips: 40 }));
    const download = await fetch((done.structuredContent as { url: string }).url);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).subarray(0, 2).toString("latin1")).toBe("PK");
  } finally {
    await client.close();
  }
}, 60_000);

it("gives the 2025 client the same handle, and no tasks/* at all on that protocol", async () => {
  const client = await run.client({ era: "2025" });
  const started = await client.callTool({ name: "create_deck", arguments: args("Legacy") });
  const id = (started.structuredContent as { job_id: string }).job_id;
  expect(started.structuredContent).toEqual(expect.objectContaining({ status: "running" }));
  const tasksGet = await fetch(`${run.dev.url}/mcp`, {
    method: "POST",
    headers: { ...headers(), "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tasks/get", params: { taskId: id } }),
  });
  const text = await tasksGet.text();
  const message = JSON.parse(text.startsWith("{") ? text : text.split("\n").find((line) => line.startsWith("data: "))!.slice(6));
  expect(message.error.code).toBe(-32601);
  expect((await pollUntilDone(client, id)).structuredContent).toEqual(expect.objectContaining({ status: "done", deck_name: "Legacy" }));
}, 60_000);

it("keeps a job going when the connection that started it closes, and another connection collects the deck", async () => {
  const first = await run.client();
  const started = await first.callTool({ name: "create_deck", arguments: args("Dropped") });
  const id = (started.structuredContent as { job_id: string }).job_id;
  await first.close();
  const second = await run.client();
  const done = await pollUntilDone(second, id);
  expect(done.structuredContent).toEqual(expect.objectContaining({ status: "done", deck_name: "Dropped", audio_clips: 40 }));
}, 60_000);
