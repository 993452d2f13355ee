import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DevServer, DevServerOptions } from "../../lambda/src/dev-server";

// The dev server and the two MCP clients are loaded when first used (below), not with this module:
// half the suites that import it only read decks, measure audio or make secrets, and loading them
// costs ~1 s of CPU per test file (jest loads every module afresh for each file).
/* eslint-disable @typescript-eslint/no-require-imports */
const devServerModule = () => require("../../lambda/src/dev-server") as typeof import("../../lambda/src/dev-server");
const apiKeysModule = () => require("../../lambda/src/access/api-keys") as typeof import("../../lambda/src/access/api-keys");
const clientModule = () => require("@modelcontextprotocol/client") as typeof import("@modelcontextprotocol/client");
const legacyClientModule = () => require("@modelcontextprotocol/sdk/client/index.js") as typeof import("@modelcontextprotocol/sdk/client/index.js");
const legacyTransportModule = () =>
  require("@modelcontextprotocol/sdk/client/streamableHttp.js") as typeof import("@modelcontextprotocol/sdk/client/streamableHttp.js");
/* eslint-enable @typescript-eslint/no-require-imports */

/** A secret made at run time: tests never hold a literal one. */
export const newSecret = () => randomBytes(24).toString("hex");

/**
 * The protocol era a test client speaks: `2026-07-28` is the official v2 client pinned to the
 * stateless revision (server/discover, `_meta` on every request); `2025` is the official 1.x client,
 * what most deployed clients run (initialize, then calls).
 */
export type Era = "2026-07-28" | "2025";
export const ERAS: readonly Era[] = ["2026-07-28", "2025"];

export type ToolResult = { isError?: boolean; content: Array<{ type: string; text: string }>; structuredContent?: Record<string, unknown> };

/** What the tests use of either official client. */
export interface McpPeer {
  listTools(): Promise<{ tools: Array<{ name: string; description?: string; inputSchema: { properties?: Record<string, unknown>; required?: string[] }; outputSchema?: { properties?: Record<string, unknown> } }> }>;
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<ToolResult>;
  close(): Promise<void>;
}

export interface ClientOptions {
  /** @default "2026-07-28" */
  readonly era?: Era;
  /** x-origin-verify value; `null` sends none. @default the current secret */
  readonly secret?: string | null;
  /** How the client authenticates: headers sent on every request. @default Authorization: Bearer <the dev server's API key>, if it has one */
  readonly auth?: Record<string, string>;
  /** Declare MCP Apps support (the io.modelcontextprotocol/ui extension), as hosts that render apps do. @default false */
  readonly apps?: boolean;
}

/** What a host that renders MCP Apps declares (ext-apps: extension io.modelcontextprotocol/ui). */
export const APPS_CAPABILITIES = { extensions: { "io.modelcontextprotocol/ui": { mimeTypes: ["text/html;profile=mcp-app"] } } } as const;

export interface Running {
  readonly dev: DevServer;
  readonly secrets: readonly string[];
  /** The API key the dev server accepts (api-key mode, the default). */
  readonly apiKey?: string;
  readonly dir: string;
  /** A real MCP client over HTTP, connected (discover or initialize done). */
  client(options?: ClientOptions): Promise<McpPeer>;
  stop(): Promise<void>;
}

/** Connects an official client of the given era to `url`, sending `headers` on every request. */
export async function connectClient(url: URL, era: Era, headers: Record<string, string>, apps = false): Promise<McpPeer> {
  if (era === "2025") {
    const { Client: LegacyClient } = legacyClientModule();
    const { StreamableHTTPClientTransport: LegacyTransport } = legacyTransportModule();
    const client = new LegacyClient({ name: "ankify-test-2025", version: "1.0.0" }, apps ? { capabilities: APPS_CAPABILITIES as never } : {});
    await client.connect(new LegacyTransport(url, { requestInit: { headers } }));
    return client as unknown as McpPeer;
  }
  const { Client, StreamableHTTPClientTransport } = clientModule();
  const client = new Client({ name: "ankify-test", version: "1.0.0" }, {
    versionNegotiation: { mode: { pin: "2026-07-28" } },
    ...(apps ? { capabilities: APPS_CAPABILITIES as never } : {}),
  });
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  if (client.getProtocolEra() !== "modern") throw new Error(`expected the 2026-07-28 era, got ${client.getProtocolEra()}`);
  return client as unknown as McpPeer;
}

/** The dev server (real handler, espeak-ng, s3rver) on free loopback ports, storing in a temp dir. */
export async function runDevServer(options: Partial<DevServerOptions> = {}): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), "ankify-dev-"));
  const secrets = options.secrets ?? [newSecret(), newSecret()];
  const apiKey = options.clientAuth ? undefined : apiKeysModule().newApiKey();
  const clientAuth = options.clientAuth ?? { mode: "api-key", keys: { "test-client": apiKey! } };
  const dev = await devServerModule().startDevServer({ port: 0, storageDir: join(dir, "s3"), ...options, secrets, clientAuth });
  const clients: McpPeer[] = [];
  return {
    dev, secrets, dir, ...(apiKey ? { apiKey } : {}),
    async client({ era = "2026-07-28", secret = secrets[0]!, auth = apiKey ? { authorization: `Bearer ${apiKey}` } : {}, apps = false } = {}) {
      const headers = { ...(secret === null ? {} : { "x-origin-verify": secret }), ...auth };
      const client = await connectClient(new URL(`${dev.url}/mcp`), era, headers, apps);
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
  decks: Record<string, { name: string; id: number; mod: number }>;
  models: Record<string, {
    id: number; name: string; type: number; mod: number; css: string; sortf: number; req: Array<[number, string, number[]]>;
    flds: Array<{ name: string; ord: number }>; tmpls: Array<{ name: string; ord: number; qfmt: string; afmt: string }>;
  }>;
  /** The collection's tag list, `{tag: usn}`. */
  col_tags: Record<string, number>;
  notes: Array<{ id: number; guid: string; mid: number; flds: string[]; sfld: string; csum: number; tags: string[]; raw_tags: string; mod: number }>;
  cards: Array<{ id: number; nid: number; did: number; ord: number; mod: number; due: number }>;
  media_map: Record<string, string>;
  media: Record<string, { size: number; head: string }>;
}

/** python3, by the real path testing/global-setup.js found for it (no version manager's shim to run each time). */
const PYTHON = process.env["PYTHON_FOR_TESTS"] || "python3";

/** Reads a package with testing/function/read_apkg.py (Python's zipfile + sqlite3); media land in `mediaDir`. */
export function readApkg(apkg: Uint8Array, mediaDir: string): ReadDeck {
  const file = join(mediaDir, "deck.apkg");
  writeFileSync(file, apkg);
  return JSON.parse(execFileSync(PYTHON, [join(__dirname, "read_apkg.py"), file, mediaDir], { encoding: "utf8" })) as ReadDeck;
}

/** Seconds of audio in a file, as sox measures it (fails on anything that is not real audio). */
export function audioSeconds(file: string): number {
  return Number(execFileSync("soxi", ["-D", file], { encoding: "utf8" }).trim());
}
