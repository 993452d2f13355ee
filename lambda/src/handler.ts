/**
 * The HTTP surface, as a Function URL sees it, in the order a request meets it:
 *   origin guard       secret-header mode: 403 without an accepted x-origin-verify
 *   GET  /             a small status document (public)
 *   GET  /.well-known/ oauth mode: the protected resource and authorization server metadata (public)
 *   POST /mcp          client authentication (api-key or oauth: 401/403), then MCP over Streamable
 *                      HTTP, both protocol eras (mcp/endpoint.ts); a create_deck call streams (SSE)
 *                      to a client that accepts it, unless the Function URL is BUFFERED
 *   anything else      404, or 405 with Allow
 * Nothing before MCP reads the request's body. A request no Web Request can carry (http/malformed.ts)
 * meets the same guard, then a 405 or 400; every answer carries the request id.
 */
import { randomUUID } from "node:crypto";
import type { FunctionConfig } from "./config";
import type { ClientGate } from "./access/client-auth";
import type { FairUse } from "./access/fair-use";
import { checkOrigin } from "./access/origin-guard";
import { StaticOriginSecrets, type OriginSecrets } from "./access/origin-secrets";
import { clientSubject, subjectOf } from "./access/subject";
import { accepts } from "./http/accept";
import { isMalformed, type MalformedRequest } from "./http/malformed";
import { jsonResponse, jsonRpcErrorResponse, REQUEST_ID_HEADER } from "./http/responses";
import { KEEPALIVE_SECONDS } from "./limits";
import { log } from "./log";
import { InFlightCalls } from "./mcp/cancellation";
import { serveMcp } from "./mcp/endpoint";
import { statusDocument } from "./mcp/status";
import type { ImageFetcher } from "./deck/images";
import type { DeckJobs } from "./jobs/lifecycle";
import type { PreviewDeps } from "./preview/publish";
import type { ClipCache } from "./storage/clip-cache";
import type { NoteTimesStore } from "./storage/note-times";
import type { DeckStore } from "./storage/s3";
import type { Synthesizer } from "./tts/index";

export interface HandlerDeps {
  readonly config: FunctionConfig;
  readonly synthesizer: Synthesizer;
  readonly store: DeckStore;
  readonly clients: ClientGate;
  /** Milliseconds between bytes of a streamed answer (SSE comments, progress). @default 5000 */
  readonly keepAliveMs?: number;
  /** Spoken clips reused across requests. @default none */
  readonly clipCache?: ClipCache;
  /** Tell a refused caller why the origin guard said 403 (the dev server's caller is its developer). @default false */
  readonly explainOriginRefusals?: boolean;
  /** What each deck's notes were last stamped with. @default none: the safe fallback stamp (deck/mod-times.ts) */
  readonly noteTimes?: NoteTimesStore;
  /** Fetches card pictures given by URL. @default public addresses only */
  readonly fetchImage?: ImageFetcher;
  /** The origin guard's accepted secrets (SSM when deployed). @default config.originSecrets, as given */
  readonly originSecrets?: OriginSecrets;
  /** Where the deck preview's clips go, and their links' origin. @default no preview in results */
  readonly preview?: PreviewDeps;
  /** Per-client build slots and daily characters. @default none: no fair-use limits */
  readonly fairUse?: FairUse;
  /** Deck jobs (jobs/lifecycle.ts): long decks are built by one, and get_deck and tasks/* read them. @default none */
  readonly jobs?: DeckJobs;
}

export interface RequestContext {
  /** Milliseconds Lambda still gives this invocation, when known. */
  readonly remainingMs?: number;
  /** Lambda's request id, when there is one: it also names the invocation in Lambda's own log lines. */
  readonly requestId?: string;
}

export { REQUEST_ID_HEADER };

/** What an adapter hands the handler: the request, or a way to make it that runs inside the guard. */
export type IncomingRequest = Request | MalformedRequest | (() => Request | MalformedRequest);

export function createRequestHandler(deps: HandlerDeps): (request: IncomingRequest, context?: RequestContext) => Promise<Response> {
  const inFlight = new InFlightCalls();
  const keepAliveMs = deps.keepAliveMs ?? KEEPALIVE_SECONDS * 1000;
  const originSecrets = deps.originSecrets ?? new StaticOriginSecrets(deps.config.originSecrets);
  return async (incoming, context = {}) => {
    const requestId = context.requestId ?? randomUUID();
    let response: Response;
    try {
      response = await route(typeof incoming === "function" ? incoming() : incoming, context, requestId);
    } catch (error) {
      // Whatever failed, the client learns only that it did, and which request to report.
      log("error", "request.failed", { requestId, error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) });
      response = jsonResponse(500, { error: "Internal Server Error", requestId });
    }
    response.headers.set(REQUEST_ID_HEADER, requestId);
    return response;
  };

  async function route(request: Request | MalformedRequest, context: RequestContext, requestId: string): Promise<Response> {
    const started = Date.now();
    const refused = await checkOrigin(request, deps.config, originSecrets, { explain: deps.explainOriginRefusals ?? false });
    if (refused) return refused;
    if (isMalformed(request) && request.problem) return jsonResponse(400, { error: request.problem, requestId });

    const path = (isMalformed(request) ? request.path : new URL(request.url).pathname).replace(/\/+$/, "") || "/";
    if (path === "/") {
      if (request.method !== "GET" && request.method !== "HEAD") return jsonResponse(405, { error: "Method Not Allowed" }, { allow: "GET, HEAD" });
      return jsonResponse(200, statusDocument({ originProtection: deps.config.originProtection, clientAuth: deps.clients.mode, jobs: deps.jobs !== undefined }));
    }
    if (path.startsWith("/.well-known/")) {
      if (request.method !== "GET" && request.method !== "HEAD") return jsonResponse(405, { error: "Method Not Allowed" }, { allow: "GET, HEAD" });
      return (await deps.clients.wellKnown(path)) ?? jsonResponse(404, { error: "Not Found" });
    }
    if (path !== "/mcp") return jsonResponse(404, { error: "Not Found" });
    // A stateless GET would open an SSE stream that never ends: on Lambda, a hang until the timeout.
    if (request.method !== "POST" || isMalformed(request)) return jsonRpcErrorResponse(405, -32000, "Method Not Allowed: use POST", { allow: "POST" });

    const client = await deps.clients.authenticate(request);
    if (client instanceof Response) return client;

    // A client that reads a stream gets bytes every few seconds, so CloudFront's read timeout (the
    // gap between bytes) never runs out: its deck may take the function's whole timeout. A JSON
    // answer's first byte is its last, so CloudFront's wait for it bounds the deck. Behind a BUFFERED
    // Function URL no byte leaves before the function returns: nothing streams, whatever is accepted.
    const streaming = deps.config.invokeMode === "RESPONSE_STREAM" && accepts(request.headers.get("accept"), "text/event-stream");
    const budgetSeconds = streaming ? deps.config.streamBudgetSeconds : deps.config.timeBudgetSeconds;
    const budgetMs = Math.min(budgetSeconds * 1000, context.remainingMs ?? Number.POSITIVE_INFINITY);
    return serveMcp(request, {
      synthesizer: deps.synthesizer,
      store: deps.store,
      deckPrefix: deps.config.deckPrefix,
      deadline: started + budgetMs,
      maxSpeechCharacters: deps.config.maxSpeechCharacters,
      requestId,
      streaming,
      keepAliveMs,
      inFlight,
      ...(subjectOf(client) !== undefined ? { subject: subjectOf(client)! } : {}),
      client: clientSubject(client),
      ...(deps.fairUse ? { fairUse: deps.fairUse } : {}),
      ...(deps.clipCache ? { clipCache: deps.clipCache } : {}),
      ...(deps.noteTimes ? { noteTimes: deps.noteTimes } : {}),
      ...(deps.fetchImage ? { fetchImage: deps.fetchImage } : {}),
      ...(deps.preview ? { preview: deps.preview } : {}),
      ...(deps.jobs ? { jobs: { service: deps.jobs, inlineSeconds: deps.config.inlineSeconds } } : {}),
    }, client);
  }
}
