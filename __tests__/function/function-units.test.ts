import { spawnSync } from "node:child_process";
import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { ConfigError, loadConfig } from "../../lambda/src/config";
import { fieldChecksum, noteGuid, stableId } from "../../lambda/src/deck/apkg";
import { FINISHING_RESERVE_SECONDS, slug } from "../../lambda/src/deck/create-deck";
import { InFlightCalls } from "../../lambda/src/mcp/cancellation";
import { createServer } from "../../lambda/src/mcp/server";
import type { DeckStore } from "../../lambda/src/storage/s3";
import type { Synthesizer } from "../../lambda/src/tts/index";
import { PROJECT_ROOT, TS_REGISTER } from "../../testing/paths";
import { namesListedFor, namesRead } from "../../testing/env-names";

describe("the time budget", () => {
  it("ends create_deck with a clear tool error, not a 504, when speech would not finish in time", async () => {
    // Speech that takes 400 ms a clip, one at a time, against a deadline 300 ms past the reserve.
    const slow: Synthesizer = {
      extension: "mp3",
      bytesPerCharacter: 100,
      concurrency: 1,
      synthesize: (_t, _s, signal) => new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve(new Uint8Array(8)), 400);
        signal.addEventListener("abort", () => { clearTimeout(timer); reject(new Error("aborted")); });
      }),
    };
    const saved: string[] = [];
    const store: DeckStore = { save: async (key) => { saved.push(key); return { url: "http://x/deck.apkg", expiresAt: new Date() }; } };
    const server = createServer({ synthesizer: slow, store, deckPrefix: "decks/", deadline: Date.now() + FINISHING_RESERVE_SECONDS * 1000 + 300, maxSpeechCharacters: 60_000, requestId: "test-request",
      streaming: false, keepAliveMs: 5_000, inFlight: new InFlightCalls() });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: "t", version: "1" });
    await client.connect(clientSide);
    const cards = Array.from({ length: 5 }, (_, i) => ({ front: `front ${i}`, back: "b" }));
    const result = (await client.callTool({ name: "create_deck", arguments: { deck_name: "Big", cards } })) as { isError?: boolean; content: Array<{ text: string }> };
    await client.close();
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toMatch(/^The deck could not be finished in time: speech for [01] of 5 distinct texts finished before the time budget ran out\. Nothing was uploaded\. Try fewer cards.*\(request test-request\)$/);
    expect(saved).toEqual([]); // nothing half-built was uploaded
  });
});

describe("loadConfig", () => {
  const good = { ANKIFY_ORIGIN_PROTECTION: "secret-header", ANKIFY_ORIGIN_SECRET: "a".repeat(32), ANKIFY_DECK_BUCKET: "b", ANKIFY_API_KEY_PATH: "/ankify/ankify/client-keys" };

  it("applies the defaults the stack relies on", () => {
    expect(loadConfig(good)).toEqual({
      originProtection: "secret-header", originSecrets: ["a".repeat(32)], deckBucket: "b", deckPrefix: "decks/",
      ttsEngine: "polly", invokeMode: "RESPONSE_STREAM", timeBudgetSeconds: 120, streamBudgetSeconds: 120, linkTtlSeconds: 3600, maxSpeechCharacters: 60_000,
      // No jobs prefix, no jobs: every deck inside its request, as before jobs.
      inlineSeconds: 60,
      clientAuth: { mode: "api-key", keyPath: "/ankify/ankify/client-keys" },
      fairUse: { dailyCharacters: 200_000, concurrency: 2 },
    });
  });

  it("reads the Function URL's invoke mode: streaming unless BUFFERED, where the time budget bounds every answer", () => {
    expect(loadConfig({ ...good, ANKIFY_STREAM_BUDGET_SECONDS: "295" })).toEqual(expect.objectContaining({ invokeMode: "RESPONSE_STREAM", streamBudgetSeconds: 295 }));
    expect(loadConfig({ ...good, ANKIFY_INVOKE_MODE: "BUFFERED", ANKIFY_TIME_BUDGET_SECONDS: "55" }))
      .toEqual(expect.objectContaining({ invokeMode: "BUFFERED", timeBudgetSeconds: 55, streamBudgetSeconds: 55 }));
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
    };
    expect(problemsOf({ ...good, ANKIFY_INVOKE_MODE: "buffered" })).toEqual(['ANKIFY_INVOKE_MODE = "buffered" must be one of: RESPONSE_STREAM, BUFFERED.']);
    expect(problemsOf({ ...good, ANKIFY_INVOKE_MODE: "BUFFERED", ANKIFY_STREAM_BUDGET_SECONDS: "295" })).toEqual([
      'ANKIFY_STREAM_BUDGET_SECONDS = "295" cannot apply with ANKIFY_INVOKE_MODE = "BUFFERED", where nothing streams and every answer must be out within ANKIFY_TIME_BUDGET_SECONDS; unset it.',
    ]);
  });

  it("reads where the decks' note times are kept, if anywhere", () => {
    expect(loadConfig(good).noteTimesPrefix).toBeUndefined();
    expect(loadConfig({ ...good, ANKIFY_NOTE_TIMES_PREFIX: "note-times/" }).noteTimesPrefix).toBe("note-times/");
  });

  it("reads where deck jobs are kept, if anywhere, and how long a deck may take inside its request", () => {
    expect(loadConfig(good).jobsPrefix).toBeUndefined();
    expect(loadConfig({ ...good, ANKIFY_JOBS_PREFIX: "jobs/", ANKIFY_INLINE_SECONDS: "0" })).toEqual(expect.objectContaining({ jobsPrefix: "jobs/", inlineSeconds: 0 }));
    expect(loadConfig({ ...good, ANKIFY_INLINE_SECONDS: "900" }).inlineSeconds).toBe(900);
  });

  it("reads exactly the names lambda/src/env-names.ts lists as the function's, in every mode", () => {
    expect(namesRead(loadConfig, [{ ...good, ANKIFY_CLIENT_AUTH: "api-key" }, { ...good, ANKIFY_CLIENT_AUTH: "oauth" }])).toEqual(namesListedFor("function"));
  });

  it("ignores secrets in oac mode, where IAM checks callers", () => {
    expect(loadConfig({ ...good, ANKIFY_ORIGIN_PROTECTION: "oac" }).originSecrets).toEqual([]);
  });

  it("lists every problem at once", () => {
    const error = (() => { try { loadConfig({ ANKIFY_ORIGIN_PROTECTION: "secret-header", ANKIFY_TIME_BUDGET_SECONDS: "2m", ANKIFY_LINK_TTL_SECONDS: "999999" }); } catch (e) { return e; } return undefined; })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      "ANKIFY_ORIGIN_SECRET_PARAMETER is not set; secret-header mode needs the SSM parameter that holds the value CloudFront sends in x-origin-verify (or, on the dev server, ANKIFY_ORIGIN_SECRET).",
      "ANKIFY_DECK_BUCKET is not set; it names the S3 bucket decks are uploaded to.",
      'ANKIFY_TIME_BUDGET_SECONDS = "2m" must be a whole number of seconds.',
      'ANKIFY_LINK_TTL_SECONDS = "999999" must be an integer from 60 to 43200.',
      'ANKIFY_API_KEY_PATH = "" must be an SSM path like "/ankify/ankify/client-keys" (api-key mode reads the client keys there).',
    ]);
  });

  it.each([
    [{ ANKIFY_ORIGIN_PROTECTION: "none" }, 'ANKIFY_ORIGIN_PROTECTION = "none" must be one of: secret-header, oac.'],
    [{ ANKIFY_ORIGIN_SECRET: "short" }, "ANKIFY_ORIGIN_SECRET and ANKIFY_ORIGIN_SECRET_PREVIOUS must be at least 16 characters."],
    [{ ANKIFY_TTS_ENGINE: "say" }, 'ANKIFY_TTS_ENGINE = "say" must be one of: polly, espeak.'],
    [{ ANKIFY_DECK_PREFIX: "/decks" }, 'ANKIFY_DECK_PREFIX = "/decks" must be a key prefix like "decks/".'],
    [{ ANKIFY_CLIENT_AUTH: "password" }, 'ANKIFY_CLIENT_AUTH = "password" must be one of: api-key, oauth, none.'],
    [{ ANKIFY_CLIP_CACHE_PREFIX: "decks/" }, 'ANKIFY_CLIP_CACHE_PREFIX = "decks/" must be a key prefix like "clips/", other than the decks\' (their lifecycle differs).'],
    [{ ANKIFY_CLIP_CACHE_PREFIX: "clips" }, 'ANKIFY_CLIP_CACHE_PREFIX = "clips" must be a key prefix like "clips/", other than the decks\' (their lifecycle differs).'],
    [{ ANKIFY_NOTE_TIMES_PREFIX: "note-times" }, 'ANKIFY_NOTE_TIMES_PREFIX = "note-times" must be a key prefix like "note-times/", other than the decks\' and the clip cache\'s (their lifecycles differ).'],
    [{ ANKIFY_NOTE_TIMES_PREFIX: "decks/" }, 'ANKIFY_NOTE_TIMES_PREFIX = "decks/" must be a key prefix like "note-times/", other than the decks\' and the clip cache\'s (their lifecycles differ).'],
    [{ ANKIFY_CLIP_CACHE_PREFIX: "clips/", ANKIFY_NOTE_TIMES_PREFIX: "clips/" }, 'ANKIFY_NOTE_TIMES_PREFIX = "clips/" must be a key prefix like "note-times/", other than the decks\' and the clip cache\'s (their lifecycles differ).'],
    [{ ANKIFY_JOBS_PREFIX: "jobs" }, 'ANKIFY_JOBS_PREFIX = "jobs" must be a key prefix like "jobs/", other than the decks\', the clip cache\'s and the note times\' (their lifecycles differ).'],
    [{ ANKIFY_JOBS_PREFIX: "decks/" }, 'ANKIFY_JOBS_PREFIX = "decks/" must be a key prefix like "jobs/", other than the decks\', the clip cache\'s and the note times\' (their lifecycles differ).'],
    [{ ANKIFY_INLINE_SECONDS: "901" }, 'ANKIFY_INLINE_SECONDS = "901" must be an integer from 0 to 900.'],
    [{ ANKIFY_INLINE_SECONDS: "1m" }, 'ANKIFY_INLINE_SECONDS = "1m" must be an integer from 0 to 900.'],
    [{ ANKIFY_API_KEY_PATH: "ankify/keys" }, 'ANKIFY_API_KEY_PATH = "ankify/keys" must be an SSM path like "/ankify/ankify/client-keys" (api-key mode reads the client keys there).'],
    [{ ANKIFY_API_KEY_PATH: "/ankify/keys/" }, 'ANKIFY_API_KEY_PATH = "/ankify/keys/" must be an SSM path like "/ankify/ankify/client-keys" (api-key mode reads the client keys there).'],
  ])("rejects %j", (override, message) => {
    expect(() => loadConfig({ ...good, ...override })).toThrow(new ConfigError([message]));
  });
});

describe("loadConfig in oauth mode", () => {
  const oauth = {
    ANKIFY_ORIGIN_PROTECTION: "secret-header", ANKIFY_ORIGIN_SECRET: "a".repeat(32), ANKIFY_DECK_BUCKET: "b", ANKIFY_CLIENT_AUTH: "oauth",
    ANKIFY_PUBLIC_URL: "https://ankify.example.com/mcp", ANKIFY_OAUTH_ISSUER: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc", ANKIFY_OAUTH_CLIENT_IDS: "client-1, client-2",
    ANKIFY_OAUTH_SCOPE: "https://ankify.example.com/mcp/decks",
  };

  it("reads the resource, issuer, accepted clients and scope", () => {
    expect(loadConfig(oauth).clientAuth).toEqual({
      mode: "oauth", resource: new URL("https://ankify.example.com/mcp"), issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc",
      clientIds: ["client-1", "client-2"], scope: "https://ankify.example.com/mcp/decks",
    });
  });

  it("allows http for an issuer on this machine only (tests, the dev server)", () => {
    expect(loadConfig({ ...oauth, ANKIFY_OAUTH_ISSUER: "http://127.0.0.1:4000" }).clientAuth).toEqual(expect.objectContaining({ issuer: "http://127.0.0.1:4000" }));
  });

  it.each([
    [{ ANKIFY_ORIGIN_PROTECTION: "oac" }, 'ANKIFY_CLIENT_AUTH = "oauth" cannot work with ANKIFY_ORIGIN_PROTECTION = "oac": CloudFront\'s signature replaces the client\'s Authorization header.'],
    [{ ANKIFY_OAUTH_ISSUER: "http://issuer.example.com" }, 'ANKIFY_OAUTH_ISSUER = "http://issuer.example.com" must be an https URL.'],
    [{ ANKIFY_OAUTH_ISSUER: "" }, 'ANKIFY_OAUTH_ISSUER = "" must be an https URL.'],
    [{ ANKIFY_PUBLIC_URL: "ankify.example.com/mcp" }, 'ANKIFY_PUBLIC_URL = "ankify.example.com/mcp" must be an https URL.'],
    [{ ANKIFY_OAUTH_CLIENT_IDS: "" }, "Set ANKIFY_OAUTH_AUDIENCE or ANKIFY_OAUTH_CLIENT_IDS: without either, tokens the issuer made for any other application would be accepted."],
  ])("rejects %j", (override, message) => {
    const env: Record<string, string> = { ...oauth, ...override };
    if (env["ANKIFY_ORIGIN_PROTECTION"] === "oac") delete env["ANKIFY_ORIGIN_SECRET"];
    expect(() => loadConfig(env)).toThrow(new ConfigError([message]));
  });
});

describe("deck identity", () => {
  it("computes Anki's first-field checksum", () => {
    expect(fieldChecksum("test")).toBe(2840236005);
    expect(fieldChecksum("<b>test</b>")).toBe(2840236005);
  });

  it("derives GUIDs and ids from names: stable across builds, distinct across decks", () => {
    expect(noteGuid("Spanish", "hola")).toBe(noteGuid("Spanish", "hola"));
    expect(noteGuid("Spanish", "hola")).not.toBe(noteGuid("French", "hola"));
    expect(stableId("deck", "Spanish")).toBe(stableId("deck", "Spanish"));
    expect(Number.isSafeInteger(stableId("deck", "Spanish"))).toBe(true);
  });

  it.each([["Spanish::Basics", "spanish-basics"], ["Ça va? ¿Qué?", "ca-va-que"], ["日本語", "deck"]])("names the download %s → %s.apkg", (name, expected) => {
    expect(slug(name)).toBe(expected);
  });
});

describe("npm run dev", () => {
  it("refuses to start without ANKIFY_ORIGIN_SECRET, saying how to set it", () => {
    const env = { ...process.env };
    delete env["ANKIFY_ORIGIN_SECRET"];
    const run = spawnSync(process.execPath, ["-r", TS_REGISTER, "lambda/src/dev-server.ts"], { cwd: PROJECT_ROOT, env, encoding: "utf8", timeout: 20_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("ANKIFY_ORIGIN_SECRET is not set: the dev server runs in secret-header mode");
  });
});

