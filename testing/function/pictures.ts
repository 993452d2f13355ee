// Pictures for the tests: real files of each accepted type (tiny, valid), and a loopback HTTP server
// that serves them, redirects, stalls or floods, and records what it was asked.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A 1×1 PNG. */
export const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
/** A 1×1 GIF. */
export const GIF = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");
/** The headers of a 1×1 JPEG (what `file` reads as one; no scan data: enough for every check here). */
export const JPEG = Buffer.from(
  "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=",
  "base64",
);
/** A 1×1 lossless WebP. */
export const WEBP = Buffer.from("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==", "base64");

/** A PNG with `size` bytes in all, distinct per `seed` (bytes after IEND are ignored by viewers). */
export function pngOfSize(size: number, seed = 0): Buffer {
  const out = Buffer.alloc(Math.max(size, PNG.length + 4));
  PNG.copy(out);
  out.writeUInt32BE(seed, PNG.length);
  return out;
}

export const dataUri = (bytes: Buffer, type = "image/png") => `data:${type};base64,${bytes.toString("base64")}`;

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface PictureServer {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  readonly port: number;
  /** Paths requested, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Serves `routes` (by path) on 127.0.0.1; anything else is a 404. */
export async function pictureServer(routes: Readonly<Record<string, Route>>): Promise<PictureServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? "");
    const route = routes[(req.url ?? "").split("?")[0]!];
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export const serve = (bytes: Buffer, type = "image/png"): Route => (_req, res) => {
  res.writeHead(200, { "content-type": type, "content-length": bytes.length }).end(bytes);
};
export const redirect = (location: string): Route => (_req, res) => {
  res.writeHead(302, { location }).end();
};
