/**
 * `npm run bench:load`: the dev server under load, loopback only, with silent stand-in speech
 * (sized like espeak-ng's WAV) and a fixed latency per clip. Phases:
 *   concurrent  N create_deck calls at once
 *   sequential  M calls one after another: RSS at the start and the end (growth = a leak)
 *   largest     the largest deck the defaults allow: 500 cards with 1000-character backs and fronts
 *               that use the whole 60,000-character speech budget (~150 MB of WAV): peak RSS
 *   cloze 44500 500 cloze notes of 89 deletions (44,500 Anki cards, ~1 MB of JSON): refused by the
 *               card bound, after the whole request has been read and checked
 *   cloze max   the most cards the bound allows (MAX_DECK_CARDS), 500 cloze notes in html format
 *   For both cloze phases: the server's longest event-loop delay (bench/loop-delay.js; target: no
 *   delay over 200 ms, so keep-alive bytes, deadlines and other requests are never held up).
 * Every deck is downloaded and opened (zip + SQLite) to check it matches its request. The server
 * runs as a child process; its RSS comes from /proc (VmRSS now, VmHWM the peak), and growth is
 * measured between two full collections (bench/gc-on-signal.js), so it shows leaks, not V8's pace.
 *   BENCH_CONCURRENT (8), BENCH_SEQUENTIAL (500), BENCH_LATENCY_MS (20); BENCH_PROF_DIR=<dir> writes the
 *   dev server's CPU profile there (node --cpu-prof) when it stops.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { unzipSync } from "fflate";
import initSqlJs from "sql.js";
import { MAX_DECK_CARDS } from "../lambda/src/limits";

const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 8);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 500);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);

interface Deck {
  deck_name: string;
  note_type?: "basic" | "cloze";
  format?: "text" | "html";
  cards: Array<{ front?: string; back?: string; text?: string }>;
  audio: "front" | "both" | "none";
}
interface Outcome { ms: number; ok: boolean; problem?: string }
const LOOP_DELAY_TARGET_MS = 200;

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

/** RSS after a full collection in the server (bench/gc-on-signal.js). */
async function collectedRss(child: ChildProcess): Promise<number> {
  const done = new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      if (!chunk.toString().includes("gc-done")) return;
      child.stderr!.off("data", onData);
      resolve();
    };
    child.stderr!.on("data", onData);
  });
  child.kill("SIGUSR2");
  await done;
  return memory(child.pid!).rss;
}

/** The server's largest and 99th-percentile event-loop delay since the last call (bench/loop-delay.js). */
function loopDelay(child: ChildProcess): Promise<{ maxMs: number; p99Ms: number }> {
  return new Promise((resolve) => {
    child.once("message", (message) => resolve(message as { maxMs: number; p99Ms: number }));
    child.send("loop-delay");
  });
}

function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]);
  return { rss: kib("VmRSS"), peak: kib("VmHWM") };
}

async function startServer(dir: string): Promise<{ child: ChildProcess; url: string; secret: string; key: string }> {
  const secret = randomBytes(24).toString("hex");
  const key = `ank_${randomBytes(32).toString("base64url")}`;
  const child = spawn(process.execPath, [...(process.env["BENCH_PROF_DIR"] ? ["--cpu-prof", `--cpu-prof-dir=${process.env["BENCH_PROF_DIR"]}`] : []), "--expose-gc", "-r", "./bench/gc-on-signal.js", "-r", "./bench/loop-delay.js", "-r", "sucrase/register", "lambda/src/dev-server.ts"], {
    cwd: join(__dirname, ".."),
    env: {
      ...process.env, PORT: "0", ANKIFY_ORIGIN_SECRET: secret, ANKIFY_DEV_API_KEY: key, ANKIFY_DEV_SPEECH: "silent",
      ANKIFY_DEV_SPEECH_LATENCY_MS: String(LATENCY_MS), ANKIFY_LOG_LEVEL: "warn", ANKIFY_DEV_STORAGE_DIR: dir, ANKIFY_TIME_BUDGET_SECONDS: "900",
      // Every deck inside its request: the largest would otherwise become a job, and this bench measures
      // the request path (jobs have their own: BENCH_JOBS in npm run bench:deck).
      ANKIFY_INLINE_SECONDS: "900",
      // One key stands for many clients here: the bench measures the server, not one client's fair share.
      ANKIFY_CLIENT_CONCURRENCY: "0", ANKIFY_CLIENT_DAILY_CHARACTERS: "0",
    },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", (line) => resolve(/(http:\/\/\S+)\/mcp/.exec(line)![1]!));
    // The server's warnings (Node's own included) are not this report's; keep the pipe drained.
    child.stderr!.resume();
    child.once("exit", (code) => reject(new Error(`dev server exited (${code})`)));
  });
  return { child, url, secret, key };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ankify-load-"));
  const server = await startServer(dir);
  const SQL = await initSqlJs();
  let id = 0;

  /** One create_deck over the 2026-07-28 revision; the deck is downloaded and checked against `deck`. */
  async function build(deck: Deck): Promise<Outcome> {
    const started = performance.now();
    try {
      const response = await fetch(`${server.url}/mcp`, {
        method: "POST",
        headers: {
          "content-type": "application/json", accept: "application/json, text/event-stream", "x-origin-verify": server.secret, "x-api-key": server.key,
          "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "create_deck",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method: "tools/call", params: { name: "create_deck", arguments: deck, _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} } } }),
      });
      // A deck streams (SSE) to a client that accepts streams: its answer is the last event.
      const text = await response.text();
      const json = text.startsWith("{") ? text : text.split("\n").filter((line) => line.startsWith("data: ")).at(-1)?.slice(6) ?? "{}";
      const body = JSON.parse(json) as { result?: { isError?: boolean; structuredContent?: { url: string; card_count: number }; content: Array<{ text: string }> } };
      // A JSON-RPC error (not a tool error) has no result.
      if (!body.result) return { ms: performance.now() - started, ok: false, problem: JSON.stringify(body).slice(0, 300) };
      if (!body.result || body.result.isError) return { ms: performance.now() - started, ok: false, problem: body.result?.content[0]?.text ?? `HTTP ${response.status}` };
      const apkg = new Uint8Array(await (await fetch(body.result.structuredContent!.url)).arrayBuffer());
      const ms = performance.now() - started;
      const files = unzipSync(apkg);
      const db = new SQL.Database(files["collection.anki2"]!);
      const notes = Number(db.exec("select count(*) from notes")[0]!.values[0]![0]);
      const cards = Number(db.exec("select count(*) from cards")[0]!.values[0]![0]);
      const decks = JSON.parse(String(db.exec("select decks from col")[0]!.values[0]![0])) as Record<string, { name: string }>;
      db.close();
      const spoken = new Set(deck.audio === "none" ? [] : deck.cards.flatMap((c) => (deck.audio === "both" ? [c.front, c.back] : [c.front])));
      const media = Object.keys(JSON.parse(new TextDecoder().decode(files["media"]!))).length;
      const matches = notes === deck.cards.length && cards === body.result.structuredContent!.card_count &&
        Object.values(decks).some((d) => d.name === deck.deck_name) && media === spoken.size;
      return { ms, ok: matches, ...(matches ? {} : { problem: `notes ${notes}/${deck.cards.length}, cards ${cards}/${body.result.structuredContent!.card_count}, media ${media}/${spoken.size}` }) };
    } catch (error) {
      return { ms: performance.now() - started, ok: false, problem: (error as Error).message };
    }
  }
  const small = (n: number, cards = 10): Deck => ({ deck_name: `Load ${n}`, audio: "front", cards: Array.from({ length: cards }, (_, i) => ({ front: `word ${n} ${i}`, back: `meaning ${i}` })) });
  const report = (phase: string, outcomes: Outcome[], extra = "") => {
    const ms = outcomes.map((o) => o.ms);
    const errors = outcomes.filter((o) => !o.ok);
    console.log(`${phase.padEnd(11)} ${String(outcomes.length).padStart(4)} calls  p50 ${percentile(ms, 50).toFixed(0).padStart(6)} ms  p95 ${percentile(ms, 95).toFixed(0).padStart(6)} ms  errors ${errors.length}${extra}`);
    for (const e of errors.slice(0, 3)) console.log(`  error: ${e.problem}`);
    return errors.length;
  };

  try {
    let errors = 0;
    await Promise.all(Array.from({ length: 4 }, (_, i) => build(small(-i)))); // warm-up
    errors += report("concurrent", await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => build(small(i, 20)))));

    const before = await collectedRss(server.child);
    const sequential: Outcome[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) sequential.push(await build(small(1000 + i)));
    const uncollected = memory(server.child.pid!).rss;
    const after = await collectedRss(server.child);
    const growth = ((after - before) / before) * 100;
    errors += report("sequential", sequential, `  RSS after GC ${mib(before)} → ${mib(after)} (${growth >= 0 ? "+" : ""}${growth.toFixed(1)} %; ${mib(uncollected)} before that GC)`);

    const largest: Deck = {
      deck_name: "Load::Largest", audio: "front",
      cards: Array.from({ length: 500 }, (_, i) => ({ front: `${i} `.padEnd(120, "abcdefghij"), back: `${i} `.padEnd(1000, "klmnopqrst") })),
    };
    const big = await build(largest);
    const peak = memory(server.child.pid!).peak;
    errors += report("largest", [big], `  server peak RSS ${mib(peak)} (target ≤ 512 MiB)`);

    // Cloze decks: one Anki card per deletion number. The first asks for 44,500 cards and must be
    // refused; the second is the most the bound allows. Both are read and checked whole first.
    const clozeText = (i: number, deletions: number) =>
      Array.from({ length: deletions }, (_, n) => `{{c${n + 1}::${String.fromCharCode(97 + (n % 26))}}}`).join(" ") + ` ${i}`;
    const cloze = (name: string, deletions: number, format: "text" | "html"): Deck => ({
      deck_name: name, note_type: "cloze", format, audio: "none", cards: Array.from({ length: 500 }, (_, i) => ({ text: clozeText(i, deletions) })),
    });
    let worstDelay = 0;
    await loopDelay(server.child); // counts from here
    const refused = await build(cloze("Load::Cloze 44500", 89, "text"));
    const refusedDelay = await loopDelay(server.child);
    const refusedAsExpected = !refused.ok && /would have 44500 Anki cards/.test(refused.problem ?? "");
    errors += report("cloze 44500", [{ ...refused, ok: refusedAsExpected, ...(refusedAsExpected ? {} : { problem: refused.problem ?? "built, not refused" }) }],
      `  refused by the card bound; loop delay max ${refusedDelay.maxMs.toFixed(0)} ms, p99 ${refusedDelay.p99Ms.toFixed(0)} ms`);
    worstDelay = Math.max(worstDelay, refusedDelay.maxMs);
    const most = await build(cloze("Load::Cloze max", MAX_DECK_CARDS / 500, "html"));
    const mostDelay = await loopDelay(server.child);
    errors += report("cloze max", [most], `  ${MAX_DECK_CARDS} cards; loop delay max ${mostDelay.maxMs.toFixed(0)} ms, p99 ${mostDelay.p99Ms.toFixed(0)} ms (target ≤ ${LOOP_DELAY_TARGET_MS} ms)`);
    worstDelay = Math.max(worstDelay, mostDelay.maxMs);

    const verdict = errors === 0 && growth < 5 && peak <= 512 * 1024 && worstDelay <= LOOP_DELAY_TARGET_MS;
    console.log(verdict ? `targets met: 0 errors, RSS growth < 5 %, peak ≤ 512 MiB, loop delay ≤ ${LOOP_DELAY_TARGET_MS} ms` : "TARGETS MISSED");
    process.exitCode = verdict ? 0 : 1;
  } finally {
    server.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
