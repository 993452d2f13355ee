import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeParameter {
  Name: string;
  Type: string;
  Value: string;
  Description?: string;
  LastModifiedDate: number;
}

/**
 * A loopback stand-in for the SSM Parameter Store calls Ankify makes (PutParameter,
 * GetParametersByPath with paging, DescribeParameters, DeleteParameter), speaking the real JSON 1.1
 * protocol so the AWS SDK talks to it unchanged through AWS_ENDPOINT_URL_SSM. It keeps real state,
 * answers SSM's error shapes, pages at `pageSize`, and can be told to fail.
 */
export class FakeSsm {
  readonly parameters = new Map<string, FakeParameter>();
  readonly calls: string[] = [];
  /** When set, every call answers this error (e.g. AccessDeniedException). */
  failWith?: { status: number; type: string; message: string };
  /** When true, every call is read and never answered: a hung service. */
  hang = false;
  private server?: Server;

  constructor(private readonly pageSize = 10) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(([status, body]) => {
        if (this.hang) return;
        res.writeHead(status, { "Content-Type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    // Hung calls keep their connections open: close them, or the server would wait for them.
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage): Promise<[number, unknown]> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, any>;
    const action = String(req.headers["x-amz-target"] ?? "").replace(/^AmazonSSM\./, "");
    this.calls.push(action);
    if (!String(req.headers["authorization"] ?? "").startsWith("AWS4-HMAC-SHA256 ")) return error(400, "MissingAuthenticationTokenException", "no signature");
    if (this.failWith) return error(this.failWith.status, this.failWith.type, this.failWith.message);
    switch (action) {
      case "PutParameter": {
        if (this.parameters.has(input.Name) && !input.Overwrite) return error(400, "ParameterAlreadyExists", "The parameter already exists.");
        this.parameters.set(input.Name, { Name: input.Name, Type: input.Type, Value: input.Value, Description: input.Description, LastModifiedDate: Date.now() / 1000 });
        return [200, { Version: 1, Tier: "Standard" }];
      }
      case "GetParametersByPath": {
        const prefix = `${input.Path}/`;
        const matching = [...this.parameters.values()].filter((p) => p.Name.startsWith(prefix) && (input.Recursive || !p.Name.slice(prefix.length).includes("/")));
        const start = Number(input.NextToken ?? 0);
        const page = matching.slice(start, start + this.pageSize);
        const next = start + this.pageSize < matching.length ? String(start + this.pageSize) : undefined;
        return [200, { Parameters: page.map((p) => ({ Name: p.Name, Type: p.Type, Value: p.Value, LastModifiedDate: p.LastModifiedDate })), ...(next ? { NextToken: next } : {}) }];
      }
      case "DescribeParameters": {
        const filter = (input.ParameterFilters ?? []).find((f: { Key: string }) => f.Key === "Path");
        const prefix = `${filter?.Values?.[0] ?? ""}/`;
        const matching = [...this.parameters.values()].filter((p) => p.Name.startsWith(prefix));
        const start = Number(input.NextToken ?? 0);
        const page = matching.slice(start, start + this.pageSize);
        const next = start + this.pageSize < matching.length ? String(start + this.pageSize) : undefined;
        return [200, { Parameters: page.map(({ Value: _value, ...meta }) => meta), ...(next ? { NextToken: next } : {}) }];
      }
      case "DeleteParameter": {
        if (!this.parameters.delete(input.Name)) return error(400, "ParameterNotFound", "");
        return [200, {}];
      }
      default:
        return error(400, "InvalidAction", `unsupported action ${action}`);
    }
  }
}

function error(status: number, type: string, message: string): [number, unknown] {
  return [status, { __type: type, message }];
}
