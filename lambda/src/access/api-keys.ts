/**
 * Client API keys (ANKIFY_CLIENT_AUTH=api-key): every MCP request carries one, as
 * `Authorization: Bearer <key>` or `x-api-key: <key>`. Keys are stored only as SHA-256 digests, one
 * SSM parameter per named client (`npm run client-key`), and compared in constant time.
 */
import { randomBytes } from "node:crypto";
import { GetParametersByPathCommand, type SSMClient } from "@aws-sdk/client-ssm";
import type { AuthInfo } from "@modelcontextprotocol/server";
import { jsonResponse } from "../http/responses";
import { log } from "../log";
import { findDigest, sha256 } from "./constant-time";
import { withSubject } from "./subject";

/** Recognisable in a leaked log or a secret scanner's rules. */
export const API_KEY_PREFIX = "ank_";
/** Client names: the last part of the SSM parameter name, and what logs show instead of keys. */
export const CLIENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** A revoked key stops working within this long. */
export const KEY_CACHE_MS = 60_000;
/**
 * How long reading the keys from SSM may take before the request is answered 503: well inside the
 * shortest time budget (10 s), so a hung SSM never holds a request until its deadline.
 */
export const KEY_READ_TIMEOUT_MS = 5_000;

/** A new key: 32 random bytes, base64url, behind the prefix. */
export function newApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString("base64url");
}

/** What is stored for a key: its SHA-256, hex. */
export function apiKeyDigest(key: string): string {
  return sha256(key).toString("hex");
}

/** Client name → SHA-256 digest of its key. */
export type KeyDigests = ReadonlyMap<string, Buffer>;

export interface ApiKeyStore {
  digests(): Promise<KeyDigests>;
}

/** Keys known up front: the dev server's ANKIFY_DEV_API_KEY. */
export class StaticApiKeyStore implements ApiKeyStore {
  private readonly map: KeyDigests;
  constructor(keys: Readonly<Record<string, string>>) {
    this.map = new Map(Object.entries(keys).map(([name, key]) => [name, sha256(key)]));
  }
  async digests(): Promise<KeyDigests> {
    return this.map;
  }
}

/**
 * The digests under one SSM path (`GetParametersByPath`), cached for at most KEY_CACHE_MS. When the
 * read fails or takes longer than its timeout the store fails closed: serving a stale list would keep
 * a revoked key alive.
 */
export class SsmApiKeyStore implements ApiKeyStore {
  private cached?: { readonly at: number; readonly digests: KeyDigests };
  private loading?: Promise<KeyDigests>;

  constructor(
    private readonly ssm: SSMClient,
    /** e.g. `/ankify/ankify-prod/client-keys` (no trailing slash). */
    private readonly path: string,
    private readonly now: () => number = Date.now,
    private readonly options: { readonly timeoutMs?: number } = {},
  ) {}

  digests(): Promise<KeyDigests> {
    if (this.cached && this.now() - this.cached.at < KEY_CACHE_MS) return Promise.resolve(this.cached.digests);
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<KeyDigests> {
    const digests = new Map<string, Buffer>();
    // One bound for every page: the read as a whole answers within it or fails.
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? KEY_READ_TIMEOUT_MS);
    let NextToken: string | undefined;
    do {
      const page = await this.ssm.send(new GetParametersByPathCommand({ Path: this.path, Recursive: false, WithDecryption: true, NextToken }), { abortSignal: timeout });
      for (const parameter of page.Parameters ?? []) {
        const name = parameter.Name?.slice(this.path.length + 1) ?? "";
        if (CLIENT_NAME_PATTERN.test(name) && /^[0-9a-f]{64}$/.test(parameter.Value ?? "")) digests.set(name, Buffer.from(parameter.Value!, "hex"));
        else log("warn", "api_keys.ignored_parameter", { parameter: parameter.Name, reason: "not a client name with a SHA-256 hex digest" });
      }
      NextToken = page.NextToken;
    } while (NextToken);
    this.cached = { at: this.now(), digests };
    return digests;
  }
}

export interface ApiKeyOptions {
  /**
   * Read `Authorization: Bearer`. False in oac mode, where CloudFront's SigV4 signature replaces the
   * viewer's Authorization header, so only `x-api-key` survives the trip.
   */
  readonly readAuthorization: boolean;
}

/** The key a request presents, or undefined. */
export function presentedKey(request: Request, options: ApiKeyOptions): string | undefined {
  const header = request.headers.get("x-api-key")?.trim();
  if (header) return header;
  if (!options.readAuthorization) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  return match?.[1];
}

/** The authenticated client, or the response that refuses the request (401; 503 if keys can't be read). */
export async function authenticateApiKey(request: Request, store: ApiKeyStore, options: ApiKeyOptions): Promise<AuthInfo | Response> {
  const key = presentedKey(request, options);
  let digests: KeyDigests;
  try {
    digests = await store.digests();
  } catch (error) {
    log("error", "api_keys.unreadable", { message: (error as Error).message });
    return jsonResponse(503, { jsonrpc: "2.0", error: { code: -32603, message: "Client keys could not be read; try again shortly." }, id: null }, { "retry-after": "5" });
  }
  // Always hash and compare, key or no key, so the answer takes the same time either way.
  const client = findDigest(sha256(key ?? ""), digests);
  if (key === undefined || client === undefined) {
    log("info", "api_keys.refused", { reason: key === undefined ? "no key" : "unknown key" });
    const how = options.readAuthorization ? "Authorization: Bearer <key> or x-api-key: <key>" : "x-api-key: <key>";
    return jsonResponse(
      401,
      { jsonrpc: "2.0", error: { code: -32001, message: `Unauthorized: send your Ankify API key as ${how}.` }, id: null },
      { "www-authenticate": 'Bearer realm="ankify"' },
    );
  }
  return withSubject({ token: "", clientId: client, scopes: [] }, "api-key", client);
}
