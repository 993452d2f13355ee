import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startDevServer, type DevServer, type DevServerOptions } from "../../lambda/src/dev-server";

/** A secret made at run time: tests never hold a literal one. */
export const newSecret = () => randomBytes(24).toString("hex");

export interface Running {
  readonly dev: DevServer;
  readonly secrets: readonly string[];
  readonly dir: string;
  /** A real MCP client over HTTP, sending this secret (or none). */
  client(secret?: string): Promise<Client>;
  stop(): Promise<void>;
}

/** The dev server (real handler, espeak-ng, s3rver) on free loopback ports, storing in a temp dir. */
export async function runDevServer(options: Partial<DevServerOptions> = {}): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), "ankify-dev-"));
  const secrets = options.secrets ?? [newSecret(), newSecret()];
  const dev = await startDevServer({ port: 0, storageDir: join(dir, "s3"), ...options, secrets });
  const clients: Client[] = [];
  return {
    dev, secrets, dir,
    async client(secret = secrets[0]) {
      const transport = new StreamableHTTPClientTransport(new URL(`${dev.url}/mcp`), {
        requestInit: { headers: secret === undefined ? {} : { "x-origin-verify": secret } },
      });
      const client = new Client({ name: "ankify-test", version: "1.0.0" });
      await client.connect(transport);
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.close()));
      await dev.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ReadDeck {
  files: string[];
  ver: number;
  integrity: string;
  decks: Record<string, { name: string; id: number }>;
  models: Record<string, { name: string; flds: Array<{ name: string }>; tmpls: Array<{ qfmt: string; afmt: string }> }>;
  notes: Array<{ id: number; guid: string; mid: number; flds: string[]; sfld: string; csum: number }>;
  cards: Array<{ id: number; nid: number; did: number; ord: number }>;
  media_map: Record<string, string>;
  media: Record<string, { size: number; head: string }>;
}

/** Reads a package with testing/function/read_apkg.py (Python's zipfile + sqlite3); media land in `mediaDir`. */
export function readApkg(apkg: Uint8Array, mediaDir: string): ReadDeck {
  const file = join(mediaDir, "deck.apkg");
  writeFileSync(file, apkg);
  return JSON.parse(execFileSync("python3", [join(__dirname, "read_apkg.py"), file, mediaDir], { encoding: "utf8" })) as ReadDeck;
}

/** Seconds of audio in a file, as sox measures it (fails on anything that is not real audio). */
export function audioSeconds(file: string): number {
  return Number(execFileSync("soxi", ["-D", file], { encoding: "utf8" }).trim());
}
