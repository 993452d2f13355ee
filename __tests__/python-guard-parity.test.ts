/**
 * The Python guard (examples/python/ankify_edge.py) and the TypeScript function answer the same
 * requests the same way: for each Function URL event, the same refusal (status, WWW-Authenticate,
 * Retry-After, body) or both let it on. The TypeScript side runs as index.ts runs it (toRequest, then
 * the request handler with its origin guard and client gate); the Python side through
 * testing/python_guard_runner.py over the same secrets and key digests in a fake SSM.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { apiKeyDigest, newApiKey, type ApiKeyStore } from "../lambda/src/access/api-keys";
import { createClientGate } from "../lambda/src/access/client-auth";
import { loadConfig } from "../lambda/src/config";
import { createRequestHandler } from "../lambda/src/handler";
import { toRequest, type FunctionUrlEvent } from "../lambda/src/http/function-url";
import { PROJECT_ROOT } from "../testing/paths";

const STACK = "ankify-parity";
const PARAMETERS = { current: `/ankify/${STACK}/origin-secret/current`, previous: `/ankify/${STACK}/origin-secret/previous` };
const KEY_PATH = `/ankify/${STACK}/client-keys`;
const current = randomBytes(24).toString("hex");
const previous = randomBytes(24).toString("hex");
const key = newApiKey();
const otherKey = newApiKey();

type Mode = { origin: "secret-header" | "oac"; auth: "api-key" | "none"; keysReadable?: boolean };
/** A request, and what both sides must answer: a refusal's status, or "pass" (the request goes on). */
type Case = readonly [label: string, method: string, path: string, headers: Record<string, string>, expected: number | "pass"];

const origin = { "x-origin-verify": current };
const CASES: ReadonlyArray<readonly [string, Mode, readonly Case[]]> = [
  ["secret-header, api-key", { origin: "secret-header", auth: "api-key" }, [
    ["no origin secret", "POST", "/mcp", { authorization: `Bearer ${key}` }, 403],
    ["no origin secret, status page", "GET", "/", {}, 403],
    ["no origin secret, unknown path", "GET", "/nope", {}, 403],
    ["a wrong origin secret", "POST", "/mcp", { "x-origin-verify": randomBytes(24).toString("hex") }, 403],
    ["an empty origin secret", "POST", "/mcp", { "x-origin-verify": "" }, 403],
    ["the secret with a suffix", "POST", "/mcp", { "x-origin-verify": `${current}x` }, 403],
    ["the secret twice, comma-joined", "POST", "/mcp", { "x-origin-verify": `${current},${current}` }, 403],
    ["both secrets, comma-joined", "POST", "/mcp", { "x-origin-verify": `${current}, ${previous}` }, 403],
    ["the secret in surrounding whitespace", "POST", "/mcp", { "x-origin-verify": ` \t${current} `, authorization: `Bearer ${key}` }, "pass"],
    ["the secret under a mixed-case name", "POST", "/mcp", { "X-Origin-Verify": current, authorization: `Bearer ${key}` }, "pass"],
    ["the previous secret", "POST", "/mcp", { "x-origin-verify": previous, "x-api-key": key }, "pass"],
    ["the status page without a key", "GET", "/", origin, "pass"],
    ["HEAD on the status page", "HEAD", "/", origin, "pass"],
    ["no key", "POST", "/mcp", origin, 401],
    ["a Bearer key", "POST", "/mcp", { ...origin, authorization: `Bearer ${key}` }, "pass"],
    ["a bearer key, lower case, padded", "POST", "/mcp", { ...origin, Authorization: `bearer   ${key}  ` }, "pass"],
    ["an x-api-key", "POST", "/mcp", { ...origin, "X-Api-Key": key }, "pass"],
    ["an x-api-key in no-break spaces", "POST", "/mcp", { ...origin, "x-api-key": `\u00a0${key}\u00a0` }, "pass"],
    ["an empty x-api-key and a Bearer key", "POST", "/mcp", { ...origin, "x-api-key": "", authorization: `Bearer ${key}` }, "pass"],
    ["an unknown key", "POST", "/mcp", { ...origin, authorization: `Bearer ${otherKey}` }, 401],
    ["an unknown x-api-key beside a good Bearer key", "POST", "/mcp", { ...origin, "x-api-key": otherKey, authorization: `Bearer ${key}` }, 401],
    ["Basic credentials", "POST", "/mcp", { ...origin, authorization: `Basic ${key}` }, 401],
    ["a Bearer key with a second word", "POST", "/mcp", { ...origin, authorization: `Bearer ${key} x` }, 401],
    ["two Bearer keys, comma-joined", "POST", "/mcp", { ...origin, authorization: `Bearer ${key}, Bearer ${key}` }, 401],
    ["two x-api-keys, comma-joined", "POST", "/mcp", { ...origin, "x-api-key": `${key},${key}` }, 401],
    ["the key's digest as the key", "POST", "/mcp", { ...origin, "x-api-key": apiKeyDigest(key) }, 401],
  ]],
  ["oac, api-key", { origin: "oac", auth: "api-key" }, [
    ["an x-api-key", "POST", "/mcp", { "x-api-key": key }, "pass"],
    ["a Bearer key (CloudFront's signature replaces Authorization)", "POST", "/mcp", { authorization: `Bearer ${key}` }, 401],
    ["no key", "POST", "/mcp", {}, 401],
    ["the status page", "GET", "/", {}, "pass"],
  ]],
  ["secret-header, none", { origin: "secret-header", auth: "none" }, [
    ["no key", "POST", "/mcp", origin, "pass"],
    ["no origin secret", "POST", "/mcp", {}, 403],
  ]],
  ["secret-header, api-key, keys unreadable", { origin: "secret-header", auth: "api-key", keysReadable: false }, [
    ["a good key", "POST", "/mcp", { ...origin, authorization: `Bearer ${key}` }, 503],
    ["no key", "POST", "/mcp", origin, 503],
    ["no origin secret", "POST", "/mcp", { authorization: `Bearer ${key}` }, 403],
    ["the status page", "GET", "/", origin, "pass"],
  ]],
];

function event(method: string, path: string, headers: Record<string, string>): FunctionUrlEvent {
  const body = method === "POST" ? JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }) : undefined;
  return {
    rawPath: path,
    rawQueryString: "",
    headers: { host: "abc.lambda-url.eu-west-1.on.aws", "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    ...(body !== undefined ? { body, isBase64Encoded: false } : {}),
    requestContext: { domainName: "abc.lambda-url.eu-west-1.on.aws", http: { method } },
  };
}

interface Answer {
  readonly status: number | "pass";
  readonly headers?: Record<string, string | undefined>;
  readonly body?: unknown;
}

const COMPARED_HEADERS = ["content-type", "www-authenticate", "retry-after"];

async function typescriptAnswers(mode: Mode, cases: readonly Case[]): Promise<Answer[]> {
  const config = loadConfig({
    ANKIFY_ORIGIN_PROTECTION: mode.origin,
    ...(mode.origin === "secret-header" ? { ANKIFY_ORIGIN_SECRET: current, ANKIFY_ORIGIN_SECRET_PREVIOUS: previous } : {}),
    ANKIFY_DECK_BUCKET: "decks",
    ANKIFY_CLIENT_AUTH: mode.auth,
    ...(mode.auth === "api-key" ? { ANKIFY_API_KEY_PATH: KEY_PATH } : {}),
  });
  const keys: ApiKeyStore = {
    digests: async () => {
      if (mode.keysReadable === false) throw new Error("AccessDeniedException: not authorized");
      return new Map([["laptop", Buffer.from(apiKeyDigest(key), "hex")]]);
    },
  };
  const handle = createRequestHandler({
    config,
    clients: createClientGate(config.clientAuth, config.originProtection, keys),
    synthesizer: { extension: "mp3", bytesPerCharacter: 100, concurrency: 1, synthesize: async () => { throw new Error("unused"); } },
    store: { save: async () => { throw new Error("unused"); } },
  });
  const answers: Answer[] = [];
  for (const [, method, path, headers] of cases) {
    const response = await handle(toRequest(event(method, path, headers)));
    // What the guard lets on reaches the status page or MCP (tools/list): 200 either way.
    if (response.status === 200) answers.push({ status: "pass" });
    else answers.push({ status: response.status, headers: pick(Object.fromEntries(response.headers)), body: JSON.parse(await response.text()) });
  }
  return answers;
}

function pythonAnswers(): Answer[][] {
  const scenarios = CASES.map(([, mode, cases]) => ({
    env: {
      ANKIFY_ORIGIN_PROTECTION: mode.origin,
      ...(mode.origin === "secret-header" ? { ANKIFY_ORIGIN_SECRET_PARAMETER: PARAMETERS.current, ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER: PARAMETERS.previous } : {}),
      ANKIFY_CLIENT_AUTH: mode.auth,
      ...(mode.auth === "api-key" ? { ANKIFY_API_KEY_PATH: KEY_PATH } : {}),
    },
    parameters: { [PARAMETERS.current]: current, [PARAMETERS.previous]: previous, [`${KEY_PATH}/laptop`]: apiKeyDigest(key) },
    ...(mode.keysReadable === false ? { failing: ["GetParametersByPath"] } : {}),
    events: cases.map(([, method, path, headers]) => event(method, path, headers)),
  }));
  const run = spawnSync("python3", [join(PROJECT_ROOT, "testing", "python_guard_runner.py")], {
    input: JSON.stringify({ scenarios }), encoding: "utf8", timeout: 60_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
  });
  if (run.status !== 0) throw new Error(`python_guard_runner.py failed (${run.status ?? run.signal}):\n${run.stderr}`);
  const { results } = JSON.parse(run.stdout) as { results: Array<Array<{ statusCode: number; headers: Record<string, string>; body: string } | null>> };
  return results.map((answers) => answers.map((answer) =>
    answer === null ? { status: "pass" as const } : { status: answer.statusCode, headers: pick(answer.headers), body: JSON.parse(answer.body) }));
}

function pick(headers: Record<string, string>): Record<string, string | undefined> {
  return Object.fromEntries(COMPARED_HEADERS.map((name) => [name, headers[name]]));
}

const python = pythonAnswers();

describe.each(CASES.map(([name, mode, cases], i) => [name, mode, cases, i] as const))("%s: Python and TypeScript answer alike", (_name, mode, cases, i) => {
  let typescript: Answer[];
  beforeAll(async () => {
    typescript = await typescriptAnswers(mode, cases);
  });

  it.each(cases.map((c, j) => [c[0], c[4], j] as const))("%s → %s", (_label, expected, j) => {
    expect(typescript[j]!.status).toBe(expected);
    expect(python[i]![j]).toEqual(typescript[j]);
  });
});
