/**
 * Part of `npm run bench:deck`: speech through Ankify's real Polly path (PollySynthesizer, the AWS
 * SDK's default HTTP/2 client) against the Polly fake in its own process, with Polly's documented
 * quotas (neural: 8 requests a second, burst 10, per account):
 *   1. one 500-card deck with audio on both sides (1,000 clips), neural: time, requests, billed
 *      characters (targets: ≤ 20 s, ≤ 1 request per 20 clips);
 *   2. four dev-server processes (ANKIFY_DEV_SPEECH=polly, clip cache off) building 600-clip neural
 *      decks at once against the one fake: each deck's time and outcome (target: all four succeed).
 * BENCH_POLLY=0 skips this part.
 */
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { PollyClient } from "@aws-sdk/client-polly";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { createDeck } from "../lambda/src/deck/create-deck";
import type { DeckStore } from "../lambda/src/storage/s3";
import { PollySynthesizer } from "../lambda/src/tts/polly";
import { startDevProcess } from "../testing/function/dev-process";
import { PROJECT_ROOT } from "../testing/paths";
import type { PollyFakeStats } from "../testing/polly-fake/server";

/**
 * CPU seconds a process has used, its reaped children (espeak-ng, sox) included: what the work costs
 * whatever else the machine is doing (Linux /proc; utime, stime, cutime, cstime in clock ticks).
 */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) / 100;
  } catch {
    return Number.NaN;
  }
}

const memoryStore: DeckStore = { save: async () => ({ url: "memory://deck.apkg", expiresAt: new Date() }) };
const load = () => loadavg().map((n) => n.toFixed(1)).join(" / ");

/** The Polly fake as its own process, as a bench or a developer runs it. */
async function fakeProcess(): Promise<{ url: string; pid: number; stats(): Promise<PollyFakeStats>; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ["-r", "sucrase/register", join("testing", "polly-fake", "main.ts")], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Polly fake: (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`the Polly fake exited (${code})`)));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url,
    pid: child.pid!,
    stats: async () => (await (await fetch(`${url}/_fake/stats`)).json()) as PollyFakeStats,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

const cardsFor = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => ({ front: `${prefix} front number ${i}`, back: `${prefix} back number ${i}` }));

async function oneLargeDeck(): Promise<void> {
  const fake = await fakeProcess();
  try {
    const polly = new PollySynthesizer(new PollyClient({ endpoint: fake.url, region: "us-east-1", credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" }, maxAttempts: 1 }));
    const cards = cardsFor("bench", 500);
    const loadBefore = load();
    const [fakeCpu, ownCpu] = [cpuSeconds(fake.pid), cpuSeconds(process.pid)];
    const start = Date.now();
    const result = await createDeck({ deck_name: "Polly bench", cards, language: "en-US", audio: "both", engine: "neural" }, {
      synthesizer: polly, store: memoryStore, deckPrefix: "decks/", deadline: Date.now() + 600_000, maxSpeechCharacters: 1_000_000,
    });
    const seconds = (Date.now() - start) / 1000;
    const cpu = { fake: cpuSeconds(fake.pid) - fakeCpu, ankify: cpuSeconds(process.pid) - ownCpu };
    const stats = await fake.stats();
    console.log("\nPolly path against the Polly fake (neural: 8 requests a second, burst 10), 500 cards, audio both");
    console.log(
      `1,000 clips | ${seconds.toFixed(1)} s (target ≤ 20 s) | ${stats.synthesized} requests = 1 per ${(result.clips_spoken / stats.synthesized).toFixed(0)} clips (target ≥ 20) | ` +
        `${stats.throttled} throttled | billed ${stats.billedCharacters} characters, characters_spoken ${result.characters_spoken}, texts ${cards.map((c) => c.front + c.back).join("").length} | ` +
        `${result.audio_clips} clips in a ${(result.size_bytes / 1024 / 1024).toFixed(1)} MB deck`,
    );
    console.log(`CPU: Ankify ${cpu.ankify.toFixed(1)} s (decoding and cutting, packaging), the fake ${cpu.fake.toFixed(1)} s (espeak-ng and LAME) | load average ${loadBefore} → ${load()}`);
  } finally {
    await fake.stop();
  }
}

async function fourEnvironments(): Promise<void> {
  // Made at run time, like every secret here: never a literal.
  const originSecret = randomBytes(24).toString("hex");
  const fake = await fakeProcess();
  const dir = mkdtempSync(join(tmpdir(), "ankify-polly-bench-"));
  const servers = await Promise.all([0, 1, 2, 3].map((n) =>
    startDevProcess({
      ANKIFY_DEV_SPEECH: "polly", AWS_ENDPOINT_URL_POLLY: fake.url, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDFAKE", AWS_SECRET_ACCESS_KEY: "fake",
      ANKIFY_ORIGIN_SECRET: originSecret, ANKIFY_CLIENT_AUTH: "none", ANKIFY_CLIP_CACHE_DAYS: "0",
      ANKIFY_DEV_STORAGE_DIR: join(dir, `s3-${n}`), ANKIFY_LOG_LEVEL: "warn",
    })));
  try {
    const loadBefore = load();
    const cpuBefore = [fake.pid, ...servers.map((s) => s.pid)].map(cpuSeconds);
    const start = Date.now();
    const outcomes = await Promise.all(servers.map(async (server, n) => {
      const client = new Client({ name: "bench", version: "1" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { "x-origin-verify": originSecret } } }));
      try {
        const result = await client.callTool(
          { name: "create_deck", arguments: { deck_name: `Environment ${n}`, cards: cardsFor(`environment ${n}`, 300), audio: "both", engine: "neural" } },
          { timeout: 600_000 },
        );
        const text = (result.content as Array<{ text: string }>)[0]!.text;
        return { ok: !result.isError, seconds: (Date.now() - start) / 1000, detail: result.isError ? text : `${(result.structuredContent as { clips_spoken: number }).clips_spoken} clips` };
      } finally {
        await client.close();
      }
    }));
    const cpu = [fake.pid, ...servers.map((s) => s.pid)].map((pid, i) => cpuSeconds(pid) - cpuBefore[i]!);
    const stats = await fake.stats();
    console.log("\nfour dev-server processes (ANKIFY_DEV_SPEECH=polly, cache off), one Polly fake, 600-clip neural decks at once");
    for (const [n, o] of outcomes.entries()) console.log(`environment ${n} | ${o.ok ? "ok    " : "FAILED"} | ${o.seconds.toFixed(1)} s | ${o.detail}`);
    console.log(
      `all four ${outcomes.every((o) => o.ok) ? "succeeded" : "did NOT all succeed"} | ${stats.synthesized} requests, ${stats.throttled} throttled, ` +
        `billed ${stats.billedCharacters} characters | errors ${JSON.stringify(stats.errors)}`,
    );
    console.log(`CPU: the four dev servers ${cpu.slice(1).map((c) => c.toFixed(1)).join(" + ")} s, the fake ${cpu[0]!.toFixed(1)} s | load average ${loadBefore} → ${load()}`);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function pollyBatching(): Promise<void> {
  await oneLargeDeck();
  await fourEnvironments();
}
