// Builds a deck with Ankify through the official MCP TypeScript SDK v2. Run it from the repository:
//   against `npm run dev`, in a shell with the dev server's ANKIFY_ORIGIN_SECRET and ANKIFY_DEV_API_KEY:
//     node -r sucrase/register examples/typescript-client.ts
//   against a deployment, with a key from `npm run client-key -- add <name>`:
//     ANKIFY_URL=https://<domain>/mcp ANKIFY_KEY=ank_… node -r sucrase/register examples/typescript-client.ts
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

const url = new URL(process.env.ANKIFY_URL ?? "http://127.0.0.1:8787/mcp");
const headers: Record<string, string> = { authorization: `Bearer ${process.env.ANKIFY_KEY ?? process.env.ANKIFY_DEV_API_KEY}` };
// In AWS, CloudFront adds x-origin-verify; the dev server stands in for it, so a local client sends it.
if (url.hostname === "127.0.0.1" && process.env.ANKIFY_ORIGIN_SECRET) headers["x-origin-verify"] = process.env.ANKIFY_ORIGIN_SECRET;

async function main(): Promise<void> {
  // "auto" speaks 2026-07-28 (server/discover); leave it out for the 2025 handshake.
  const client = new Client({ name: "my-client", version: "1.0.0" }, { versionNegotiation: { mode: "auto" } });
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  let result = await client.callTool({
    name: "create_deck",
    arguments: { deck_name: "Spanish::Basics", language: "es-ES", cards: [{ front: "hola", back: "hello" }] },
  });
  // A long deck is built as a job: the answer is a handle, and get_deck returns the deck once it is done.
  while (!result.isError && (result.structuredContent as { status?: string } | undefined)?.status === "running") {
    const { job_id, poll_after_seconds } = result.structuredContent as { job_id: string; poll_after_seconds: number };
    await new Promise((resolve) => setTimeout(resolve, poll_after_seconds * 1000));
    result = await client.callTool({ name: "get_deck", arguments: { job_id } });
  }
  await client.close();
  if (result.isError) throw new Error(JSON.stringify(result.content));
  console.log(JSON.stringify(result.structuredContent, null, 2)); // { "url": "http://127.0.0.1:…/spanish-basics.apkg?X-Amz-…", … }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
