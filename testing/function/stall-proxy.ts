import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A TCP proxy that forwards a connection's request bytes until `stallAfter` of them have passed,
 * then stops forwarding (answers still flow back): an upload caught mid-body, for as long as the test
 * likes. `stalled` resolves when that happens; `upstreamClosed` when the stalled connection's
 * upstream side has closed (the server has seen the client go).
 */
export interface StallProxy {
  readonly url: string;
  readonly stalled: Promise<void>;
  readonly upstreamClosed: Promise<void>;
  close(): Promise<void>;
}

export async function startStallProxy(target: URL, stallAfter: number): Promise<StallProxy> {
  const sockets = new Set<Socket>();
  let onStall!: () => void;
  let onUpstreamClosed!: () => void;
  const stalled = new Promise<void>((resolve) => (onStall = resolve));
  const upstreamClosed = new Promise<void>((resolve) => (onUpstreamClosed = resolve));
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let forwarded = 0;
    let stalledHere = false;
    client.on("data", (chunk: Buffer) => {
      if (stalledHere) return;
      const room = stallAfter - forwarded;
      upstream.write(room >= chunk.length ? chunk : chunk.subarray(0, Math.max(0, room)));
      forwarded += chunk.length;
      if (forwarded >= stallAfter) {
        stalledHere = true;
        onStall();
      }
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => {
      client.destroy();
      if (stalledHere) onUpstreamClosed();
    });
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stalled,
    upstreamClosed,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
