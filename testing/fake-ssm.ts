import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeParameter {
  Name: string;
  Type: string;
  Value: string;
  Description?: string;
  LastModifiedDate: number;
  /** 1 when created, +1 on every overwrite (SSM's parameter version). @default 1 */
  Version?: number;
}

/**
 * A loopback stand-in for the SSM Parameter Store calls Ankify makes (PutParameter, GetParameter,
 * GetParametersByPath with paging, DescribeParameters, DeleteParameter), speaking the real JSON 1.1
 * protocol so the AWS SDK talks to it unchanged through AWS_ENDPOINT_URL_SSM. It keeps real state,
 * answers SSM's error shapes, pages at `pageSize`, and can be told to fail or to hang.
 */
export class FakeSsm {
  readonly parameters = new Map<string, FakeParameter>();
  readonly calls: string[] = [];
  /** Names asked for by GetParameter, in order. */
  readonly gets: string[] = [];
  /** When set, every call answers this error (e.g. AccessDeniedException). */
  failWith?: { status: number; type: string; message: string };
  /** When true, requests are read and never answered (a hung service); stop() drops them. */
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

  /** Creates or overwrites a parameter as PutParameter with Overwrite does (the version goes up). */
  put(name: string, value: string, type = "SecureString"): void {
    const version = (this.parameters.get(name)?.Version ?? 0) + 1;
    this.parameters.set(name, { Name: name, Type: type, Value: value, LastModifiedDate: Date.now() / 1000, Version: version });
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
        const Version = (this.parameters.get(input.Name)?.Version ?? 0) + 1;
        this.parameters.set(input.Name, { Name: input.Name, Type: input.Type, Value: input.Value, Description: input.Description, LastModifiedDate: Date.now() / 1000, Version });
        return [200, { Version, Tier: "Standard" }];
      }
      case "GetParameter": {
        this.gets.push(input.Name);
        const parameter = this.parameters.get(input.Name);
        if (!parameter) return error(400, "ParameterNotFound", "");
        // Without WithDecryption a SecureString comes back as its ciphertext, not the value.
        const Value = parameter.Type === "SecureString" && !input.WithDecryption ? Buffer.from(`kms:${parameter.Name}`).toString("base64") : parameter.Value;
        return [200, {
          Parameter: {
            Name: parameter.Name, Type: parameter.Type, Value, Version: parameter.Version ?? 1, LastModifiedDate: parameter.LastModifiedDate,
            ARN: `arn:aws:ssm:eu-west-1:123456789012:parameter${parameter.Name}`, DataType: "text",
          },
        }];
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
