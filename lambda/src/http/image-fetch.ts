/**
 * Fetches a picture a card names by URL without letting the URL reach anything but the public
 * internet (server-side request forgery). For each hop (the URL, then every redirect):
 *   - https only (the dev server may allow http to loopback, for tests);
 *   - the host is resolved once, here, and every address it resolves to must be public
 *     (public-address.ts); the connection is then made to the address that was checked, through
 *     the request's own `lookup`, so a DNS answer that changes between the check and the connection
 *     (rebinding) changes nothing; TLS still verifies the certificate against the host name;
 *   - never the Lambda runtime API (AWS_LAMBDA_RUNTIME_API), whatever the policy.
 * The whole fetch, redirects included, has a time limit and a size limit, read as the bytes arrive.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { addressProblem, isLoopback } from "./public-address";

/** Resolves a host name to its addresses (dns.lookup by default). */
export type Resolver = (host: string) => Promise<ReadonlyArray<{ readonly address: string; readonly family: number }>>;

export interface ImageFetchOptions {
  readonly maxBytes: number;
  readonly timeoutMs: number;
  /** Redirects followed at most. @default 3 */
  readonly maxRedirects?: number;
  /** Dev server only: http and loopback addresses are allowed (never the runtime API). @default false */
  readonly allowLoopback?: boolean;
  /** @default dns.lookup, every address */
  readonly resolve?: Resolver;
  /** host:port of the Lambda runtime API. @default process.env.AWS_LAMBDA_RUNTIME_API */
  readonly runtimeApi?: string;
}

/** The picture could not be fetched; the message says why, for the client (no internals in it). */
export class ImageFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageFetchError";
  }
}

const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/** The body of `url` (following redirects), or an ImageFetchError. `signal` aborts it (rethrown as is). */
export async function fetchImageBytes(url: URL, options: ImageFetchOptions, signal: AbortSignal): Promise<Buffer> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const abort = AbortSignal.any([signal, timeout]);
  try {
    let target = url;
    for (let hop = 0; ; hop++) {
      const response = await get(target, options, abort);
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location) {
        response.destroy();
        if (hop >= (options.maxRedirects ?? 3)) throw new ImageFetchError(`was redirected more than ${options.maxRedirects ?? 3} times`);
        try {
          target = new URL(location, target);
        } catch {
          throw new ImageFetchError("was redirected to an address that is not a URL");
        }
        continue;
      }
      if (status !== 200) {
        response.destroy();
        throw new ImageFetchError(`answered HTTP ${status}`);
      }
      return await readBody(response, options.maxBytes);
    }
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (timeout.aborted) throw new ImageFetchError(`did not arrive within ${options.timeoutMs / 1000} s`);
    if (error instanceof ImageFetchError) throw error;
    throw new ImageFetchError(`could not be fetched (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** `promise`, or the signal's reason as soon as it aborts (a DNS lookup cannot itself be aborted). */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** The checked address to connect to for `target`, or an ImageFetchError saying why there is none. */
async function checkedAddress(target: URL, options: ImageFetchOptions, signal: AbortSignal): Promise<{ address: string; family: number }> {
  const loopbackHttp = options.allowLoopback === true && target.protocol === "http:";
  if (target.protocol !== "https:" && !loopbackHttp) throw new ImageFetchError(`must be an https:// URL (${target.protocol}// is not fetched)`);
  if (target.username || target.password) throw new ImageFetchError("must not carry a user name or password");
  const host = target.hostname.replace(/^\[|\]$/g, "");
  const literal = isIP(host);
  const addresses = literal ? [{ address: host, family: literal }] : await unlessAborted((options.resolve ?? systemResolver)(host), signal);
  if (addresses.length === 0) throw new ImageFetchError(`names a host that does not resolve (${host})`);
  for (const { address } of addresses) {
    const problem = addressProblem(address, { allowLoopback: options.allowLoopback === true });
    if (problem) throw new ImageFetchError(`names a host whose address ${address} ${problem}`);
    if (loopbackHttp && !isLoopback(address)) throw new ImageFetchError("must be an https:// URL (http:// is fetched from loopback only)");
  }
  const chosen = addresses[0]!;
  const port = target.port || (target.protocol === "https:" ? "443" : "80");
  if (isRuntimeApi(options.runtimeApi ?? process.env["AWS_LAMBDA_RUNTIME_API"], chosen.address, port)) throw new ImageFetchError("names the Lambda runtime API");
  return chosen;
}

/** Whether `address`:`port` is the runtime API at `runtimeApi` (host:port; the host an IP or a name for loopback). */
function isRuntimeApi(runtimeApi: string | undefined, address: string, port: string): boolean {
  if (!runtimeApi) return false;
  const split = runtimeApi.lastIndexOf(":");
  const host = runtimeApi.slice(0, split).replace(/^\[|\]$/g, "");
  if (runtimeApi.slice(split + 1) !== port) return false;
  return isIP(host) ? host === address : isLoopback(address);
}

async function get(target: URL, options: ImageFetchOptions, signal: AbortSignal): Promise<IncomingMessage> {
  const { address, family } = await checkedAddress(target, options, signal);
  signal.throwIfAborted();
  // Node resolves through this for every connection of the request; it answers with the checked address only.
  const lookup: LookupFunction = (_host, lookupOptions, callback) => {
    if (lookupOptions.all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const requestOptions: RequestOptions = {
    method: "GET",
    headers: { accept: "image/png, image/jpeg, image/gif, image/webp", "user-agent": "Ankify (picture for an Anki card)" },
    lookup,
    agent: false,
    signal,
  };
  const request = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(target, requestOptions, resolve);
    req.on("error", reject);
    req.end();
  });
}

function readBody(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    return Promise.reject(new ImageFetchError(`is larger than ${maxBytes / 1024 / 1024} MB`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    response.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        response.destroy();
        reject(new ImageFetchError(`is larger than ${maxBytes / 1024 / 1024} MB`));
      } else chunks.push(chunk);
    });
    response.on("end", () => resolve(Buffer.concat(chunks)));
    response.on("error", reject);
    // After "end" this settles nothing; before it, the connection went away (or was aborted).
    response.on("close", () => reject(new ImageFetchError("was cut off")));
  });
}
