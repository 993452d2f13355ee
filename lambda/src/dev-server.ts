/**
 * `npm run dev`: the function on this machine, as a Function URL would serve it, at
 * http://127.0.0.1:${PORT:-8787}. secret-header mode with ANKIFY_ORIGIN_SECRET (required),
 * espeak-ng for speech, and a real S3-compatible server (s3rver, on 127.0.0.1) for decks, so the
 * returned links download from this machine.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { ConfigError, loadConfig } from "./config";
import { toRequest, toResult, type FunctionUrlEvent } from "./http/function-url";
import { createRequestHandler } from "./handler";
import { S3DeckStore } from "./storage/s3";
import { EspeakSynthesizer } from "./tts/espeak";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver") as new (options: Record<string, unknown>) => { run(): Promise<AddressInfo>; close(): Promise<void> };

export interface DevServerOptions {
  /** `x-origin-verify` values accepted: current first, then previous. */
  readonly secrets: readonly string[];
  /** 0 picks a free port. @default 8787 */
  readonly port?: number;
  /** Where s3rver keeps decks. @default <repo>/.ankify-local/s3 */
  readonly storageDir?: string;
  readonly timeBudgetSeconds?: number;
  readonly linkTtlSeconds?: number;
}

export interface DevServer {
  /** e.g. http://127.0.0.1:8787 (the MCP endpoint is `${url}/mcp`). */
  readonly url: string;
  close(): Promise<void>;
}

const BUCKET = "ankify-local";

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const config = loadConfig({
    ANKIFY_ORIGIN_PROTECTION: "secret-header",
    ANKIFY_ORIGIN_SECRET: options.secrets[0],
    ANKIFY_ORIGIN_SECRET_PREVIOUS: options.secrets[1],
    ANKIFY_DECK_BUCKET: BUCKET,
    ANKIFY_TTS_ENGINE: "espeak",
    ANKIFY_TIME_BUDGET_SECONDS: String(options.timeBudgetSeconds ?? 120),
    ANKIFY_LINK_TTL_SECONDS: String(options.linkTtlSeconds ?? 3600),
  });
  const s3 = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: options.storageDir ?? join(__dirname, "..", "..", ".ankify-local", "s3"),
    configureBuckets: [{ name: BUCKET }],
  });
  const s3Address = await s3.run();
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${s3Address.port}`,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    // s3rver stores streamed bodies corrupted under the SDK's default checksum mode.
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
  const handle = createRequestHandler({ config, synthesizer: new EspeakSynthesizer(), store: new S3DeckStore(client, BUCKET, config.linkTtlSeconds) });

  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        const result = await toResult(await handle(toRequest(await toEvent(req))));
        res.writeHead(result.statusCode, result.headers);
        res.end(result.isBase64Encoded ? Buffer.from(result.body, "base64") : result.body);
      } catch (error) {
        console.error(`dev server: ${(error as Error).stack ?? String(error)}`);
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "Internal Server Error" }));
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8787, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await s3.close();
    },
  };
}

/** A Node request as the Function URL event Lambda would receive (payload format 2.0). */
async function toEvent(req: IncomingMessage): Promise<FunctionUrlEvent> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = new URL(req.url ?? "/", "http://localhost");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  return {
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(chunks.length > 0 ? { body: Buffer.concat(chunks).toString("base64"), isBase64Encoded: true } : {}),
    requestContext: { domainName: headers["host"] ?? "localhost", http: { method: req.method ?? "GET" } },
  };
}

if (require.main === module) {
  const secret = process.env.ANKIFY_ORIGIN_SECRET?.trim();
  if (!secret) {
    console.error("ANKIFY_ORIGIN_SECRET is not set: the dev server runs in secret-header mode and needs the value clients send in x-origin-verify.\n" +
      "  Example: ANKIFY_ORIGIN_SECRET=$(openssl rand -hex 24) npm run dev");
    process.exit(2);
  }
  const port = Number(process.env.PORT ?? 8787);
  startDevServer({ secrets: [secret, ...(process.env.ANKIFY_ORIGIN_SECRET_PREVIOUS ? [process.env.ANKIFY_ORIGIN_SECRET_PREVIOUS] : [])], port }).then(
    (dev) => {
      console.log(`Ankify dev server: ${dev.url}/mcp — send the x-origin-verify header with your secret`);
      const stop = () => void dev.close().then(() => process.exit(0));
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    },
    (error: Error) => {
      console.error(error instanceof ConfigError ? error.message : `dev server failed to start: ${error.message}`);
      process.exit(1);
    },
  );
}
