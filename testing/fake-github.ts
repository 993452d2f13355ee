import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeComment {
  id: number;
  body: string;
}

/**
 * A loopback stand-in for the three GitHub REST calls the comment upsert makes (list with paging,
 * create, update), keeping real state, checking the token and recording every request.
 */
export class FakeGitHub {
  readonly comments: FakeComment[] = [];
  readonly requests: string[] = [];
  private server?: Server;
  private nextId = 1000;

  constructor(readonly repository: string, readonly pullRequest: number, readonly token: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(([status, body]) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  seed(count: number, body: (i: number) => string): void {
    for (let i = 0; i < count; i++) this.comments.push({ id: this.nextId++, body: body(i) });
  }

  private async handle(req: IncomingMessage): Promise<[number, unknown]> {
    const url = new URL(req.url ?? "/", "http://fake");
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (req.headers.authorization !== `Bearer ${this.token}`) return [401, { message: "Bad credentials" }];
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const list = `/repos/${this.repository}/issues/${this.pullRequest}/comments`;
    const one = new RegExp(`^/repos/${this.repository}/issues/comments/(\\d+)$`).exec(url.pathname);
    if (url.pathname === list && req.method === "GET") {
      const perPage = Number(url.searchParams.get("per_page") ?? 30);
      const page = Number(url.searchParams.get("page") ?? 1);
      return [200, this.comments.slice((page - 1) * perPage, page * perPage)];
    }
    if (url.pathname === list && req.method === "POST") {
      const comment = { id: this.nextId++, body: (JSON.parse(raw) as { body: string }).body };
      this.comments.push(comment);
      return [201, comment];
    }
    if (one && req.method === "PATCH") {
      const comment = this.comments.find((c) => c.id === Number(one[1]));
      if (!comment) return [404, { message: "Not Found" }];
      comment.body = (JSON.parse(raw) as { body: string }).body;
      return [200, comment];
    }
    return [404, { message: "Not Found" }];
  }
}
