/**
 * `npm run dev`'s settings from its shell: the environment, checked, as the dev server's options
 * (dev-server.ts), or the problems that stop it, one line each with the fix.
 */
// The dev server's check of ANKIFY_* names is synth's (one shell holds both commands' variables, so it
// must know the stack's settings too). Only this repository tool loads it; the function's bundle does not.
import { checkEnvNames } from "../../stacks/settings/names";
import type { DevClientAuth, DevServerOptions } from "./dev-server";

export type DevSpeech = "espeak" | "silent" | "polly";
const DEV_SPEECH: readonly DevSpeech[] = ["espeak", "silent", "polly"];

/**
 * The dev server's settings from the environment (and warnings about it), or the problems (one line
 * each, with the fix) that stop it. A misspelt ANKIFY_* name is one.
 */
export function devOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): { options: DevServerOptions; warnings?: readonly string[] } | { problems: string[] } {
  const get = (name: string) => env[name]?.trim() || undefined;
  const names = checkEnvNames(env);
  const problems: string[] = [...names.problems];
  const secret = get("ANKIFY_ORIGIN_SECRET");
  if (!secret) {
    problems.push("ANKIFY_ORIGIN_SECRET is not set: the dev server runs in secret-header mode and needs the value clients send in x-origin-verify.\n" +
      "  Example: export ANKIFY_ORIGIN_SECRET=$(openssl rand -hex 24)");
  }
  const mode = get("ANKIFY_CLIENT_AUTH") ?? "api-key";
  let clientAuth: DevClientAuth | undefined;
  if (mode === "none") clientAuth = { mode };
  else if (mode === "api-key") {
    const key = get("ANKIFY_DEV_API_KEY");
    if (key && key.length >= 16) clientAuth = { mode, keys: { dev: key } };
    else {
      problems.push("ANKIFY_DEV_API_KEY is not set (or shorter than 16 characters): the dev server serves only clients that send it as Authorization: Bearer <key> or x-api-key.\n" +
        "  Example: export ANKIFY_DEV_API_KEY=ank_$(openssl rand -hex 32)   (or ANKIFY_CLIENT_AUTH=none to let every local client in)");
    }
  } else if (mode === "oauth") {
    const issuer = get("ANKIFY_OAUTH_ISSUER");
    if (!issuer) problems.push("ANKIFY_OAUTH_ISSUER is not set: oauth mode verifies access tokens from that issuer.");
    else {
      const audience = get("ANKIFY_OAUTH_AUDIENCE");
      const clientIds = get("ANKIFY_OAUTH_CLIENT_IDS")?.split(",").map((id) => id.trim()).filter(Boolean);
      const scope = get("ANKIFY_OAUTH_SCOPE");
      clientAuth = { mode, issuer, ...(audience ? { audience } : {}), ...(clientIds ? { clientIds } : {}), ...(scope ? { scope } : {}) };
    }
  } else problems.push(`ANKIFY_CLIENT_AUTH = ${JSON.stringify(mode)} must be one of: api-key, oauth, none.`);
  const integer = (name: string): number | undefined => {
    const raw = get(name);
    if (raw === undefined) return undefined;
    if (/^\d+$/.test(raw)) return Number(raw);
    problems.push(`${name} = ${JSON.stringify(raw)} must be a whole number.`);
    return undefined;
  };
  const port = integer("PORT");
  const timeBudgetSeconds = integer("ANKIFY_TIME_BUDGET_SECONDS");
  const streamBudgetSeconds = integer("ANKIFY_STREAM_BUDGET_SECONDS");
  const inlineSeconds = integer("ANKIFY_INLINE_SECONDS");
  const linkTtlSeconds = integer("ANKIFY_LINK_TTL_SECONDS");
  const maxSpeechCharacters = integer("ANKIFY_MAX_SPEECH_CHARACTERS");
  const clientDailyCharacters = integer("ANKIFY_CLIENT_DAILY_CHARACTERS");
  const clientConcurrency = integer("ANKIFY_CLIENT_CONCURRENCY");
  const speechLatencyMs = integer("ANKIFY_DEV_SPEECH_LATENCY_MS");
  const storageDir = get("ANKIFY_DEV_STORAGE_DIR");
  const clipCacheDays = integer("ANKIFY_CLIP_CACHE_DAYS");
  const loopbackImages = get("ANKIFY_DEV_ALLOW_LOOPBACK_IMAGES") ?? "0";
  if (!["0", "1"].includes(loopbackImages)) problems.push(`ANKIFY_DEV_ALLOW_LOOPBACK_IMAGES = ${JSON.stringify(loopbackImages)} must be 1 (card pictures may come from loopback addresses, over http too) or 0.`);
  const speech = get("ANKIFY_DEV_SPEECH") ?? "espeak";
  if (!(DEV_SPEECH as readonly string[]).includes(speech)) problems.push(`ANKIFY_DEV_SPEECH = ${JSON.stringify(speech)} must be espeak, silent or polly.`);
  if (speech === "polly" && !get("AWS_REGION")) {
    problems.push("AWS_REGION is not set: ANKIFY_DEV_SPEECH=polly speaks through the AWS SDK, which needs a region (docs/speech.md: the Polly fake).\n" +
      "  Example: export AWS_REGION=us-east-1 AWS_ENDPOINT_URL_POLLY=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=fake AWS_SECRET_ACCESS_KEY=fake");
  }
  if (problems.length > 0) return { problems };
  const previous = get("ANKIFY_ORIGIN_SECRET_PREVIOUS");
  return {
    ...(names.warnings.length > 0 ? { warnings: names.warnings } : {}),
    options: {
      secrets: [secret!, ...(previous ? [previous] : [])],
      clientAuth: clientAuth!,
      port: port ?? 8787,
      ...(timeBudgetSeconds !== undefined ? { timeBudgetSeconds } : {}),
      ...(streamBudgetSeconds !== undefined ? { streamBudgetSeconds } : {}),
      ...(inlineSeconds !== undefined ? { inlineSeconds } : {}),
      ...(linkTtlSeconds !== undefined ? { linkTtlSeconds } : {}),
      ...(maxSpeechCharacters !== undefined ? { maxSpeechCharacters } : {}),
      ...(clientDailyCharacters !== undefined ? { clientDailyCharacters } : {}),
      ...(clientConcurrency !== undefined ? { clientConcurrency } : {}),
      ...(speechLatencyMs !== undefined ? { speechLatencyMs } : {}),
      speech: speech as DevSpeech,
      ...(storageDir !== undefined ? { storageDir } : {}),
      ...(clipCacheDays === 0 ? { clipCache: false } : clipCacheDays !== undefined ? { clipCacheDays } : {}),
      ...(loopbackImages === "1" ? { allowLoopbackImages: true } : {}),
    },
  };
}
