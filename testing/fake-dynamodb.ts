import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { crc32 } from "node:zlib";
import { applyUpdate, compareKeys, evaluate } from "./fake-dynamodb-evaluate";
import { ExpressionError, parseCondition, parseUpdate, type Av, type Item, type Names, type Values } from "./fake-dynamodb-expressions";

export type { Av, Item };

export interface FakeTable {
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly items: Map<string, Item>;
}

type Answer = [number, unknown];

/**
 * A loopback stand-in for the DynamoDB calls Ankify makes (GetItem, PutItem, UpdateItem, Query,
 * Scan), speaking the real JSON 1.0 protocol (`X-Amz-Target: DynamoDB_20120810.<Operation>`) so the
 * AWS SDK talks to it unchanged. It follows the documented API rather than Ankify's use of it:
 * condition and update expressions are parsed and evaluated (comparisons, BETWEEN, IN, AND/OR/NOT,
 * attribute_exists, attribute_not_exists, begins_with, contains, size; SET with + and -,
 * if_not_exists, list_append; REMOVE; ADD; DELETE), placeholders must be defined and used, key
 * attributes cannot be updated, a failed condition is `ConditionalCheckFailedException` (with the old
 * item under ALL_OLD), and Query and Scan page with `LastEvaluatedKey`. Each request is applied
 * whole before the next is read, which is DynamoDB's per-item atomicity. Like DynamoDB, items past
 * their TTL stay readable until deleted (this fake never deletes them). Not modelled: reserved words
 * (Ankify names every attribute through a placeholder except `pk`/`sk`), capacity, 1 MB pages.
 */
export class FakeDynamoDb {
  readonly tables = new Map<string, FakeTable>();
  /** Operations in the order they arrived. */
  readonly calls: string[] = [];
  /** When set, every call answers this error (e.g. AccessDeniedException, 400). */
  failWith?: { status: number; type: string; message: string };
  /**
   * A hung service: `true` holds every request, a list only those operations. A held request is read
   * and never answered, and changes nothing (it never reached the table); its connection stays open
   * until the client gives up on it (recorded in `abandoned`) or stop() closes it.
   */
  hang?: true | readonly string[];
  /** Held operations whose client closed the connection while waiting: the SDK call was aborted. */
  readonly abandoned: string[] = [];
  private server?: Server;
  private stopping = false;

  /** @param pageSize items per Query or Scan page when the request gives no Limit (DynamoDB pages at 1 MB). */
  constructor(private readonly pageSize = 100) {}

  createTable(name: string, partitionKey: string, sortKey?: string): FakeTable {
    const table = { partitionKey, ...(sortKey !== undefined ? { sortKey } : {}), items: new Map<string, Item>() };
    this.tables.set(name, table);
    return table;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then((answer) => {
        if (answer === "held") {
          res.once("close", () => this.stopping || this.abandoned.push(String(req.headers["x-amz-target"] ?? "").replace(/^DynamoDB_20120810\./, "")));
          return;
        }
        const [status, body] = answer;
        const text = JSON.stringify(body);
        res.writeHead(status, { "Content-Type": "application/x-amz-json-1.0", "x-amz-crc32": String(crc32(text)) });
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.stopping = true;
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage): Promise<Answer | "held"> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers["x-amz-target"] ?? "");
    const action = target.replace(/^DynamoDB_20120810\./, "");
    this.calls.push(action);
    if (this.hang === true || this.hang?.includes(action)) return "held";
    if (!String(req.headers["authorization"] ?? "").startsWith("AWS4-HMAC-SHA256 ")) return error(400, "MissingAuthenticationTokenException", "Missing Authentication Token");
    if (this.failWith) return error(this.failWith.status, this.failWith.type, this.failWith.message);
    let input: Record<string, any>;
    try {
      input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, any>;
    } catch {
      return error(400, "SerializationException", "Start of structure or map found where not expected.");
    }
    const table = this.tables.get(input["TableName"]);
    if (!table) return error(400, "ResourceNotFoundException", "Requested resource not found");
    try {
      switch (action) {
        case "GetItem": return this.getItem(table, input);
        case "PutItem": return this.putItem(table, input);
        case "UpdateItem": return this.updateItem(table, input);
        case "Query": return this.query(table, input);
        case "Scan": return this.scan(table, input);
        default: return error(400, "UnknownOperationException", `unsupported operation ${target}`);
      }
    } catch (problem) {
      if (problem instanceof ExpressionError) return error(400, "ValidationException", problem.message);
      throw problem;
    }
  }

  private key(table: FakeTable, key: Item | undefined): string {
    const names = [table.partitionKey, ...(table.sortKey ? [table.sortKey] : [])];
    if (!key || Object.keys(key).length !== names.length || names.some((name) => !key[name])) {
      throw new ExpressionError("The provided key element does not match the schema");
    }
    return names.map((name) => JSON.stringify(key[name])).join("\x1f");
  }

  private getItem(table: FakeTable, input: Record<string, any>): Answer {
    const item = table.items.get(this.key(table, input["Key"]));
    if (!item) return [200, {}];
    return [200, { Item: project(item, input["ProjectionExpression"], input["ExpressionAttributeNames"]) }];
  }

  private putItem(table: FakeTable, input: Record<string, any>): Answer {
    const item = input["Item"] as Item;
    const keyItem = Object.fromEntries([table.partitionKey, table.sortKey].filter((k): k is string => k !== undefined).map((k) => [k, item[k]!]));
    const id = this.key(table, keyItem);
    const old = table.items.get(id);
    if (!this.holds(old, input)) return conditionFailed(input, old);
    table.items.set(id, structuredClone(item));
    return [200, input["ReturnValues"] === "ALL_OLD" && old ? { Attributes: old } : {}];
  }

  private updateItem(table: FakeTable, input: Record<string, any>): Answer {
    const id = this.key(table, input["Key"]);
    const old = table.items.get(id);
    const names: Names = input["ExpressionAttributeNames"] ?? {};
    const values: Values = input["ExpressionAttributeValues"] ?? {};
    const used = { names: new Set<string>(), values: new Set<string>() };
    const update = input["UpdateExpression"] !== undefined ? parseUpdate(input["UpdateExpression"], names, values, used) : undefined;
    const condition = input["ConditionExpression"] !== undefined ? parseCondition(input["ConditionExpression"], names, values, used) : undefined;
    unused(names, values, used);
    if (condition && !evaluate(condition, old ?? {})) return conditionFailed(input, old);
    const next = structuredClone(old ?? (input["Key"] as Item));
    const touched = update ? applyUpdate(update, next, new Set([table.partitionKey, table.sortKey].filter((k): k is string => k !== undefined))) : new Set<string>();
    table.items.set(id, next);
    const pick = (item: Item | undefined) => Object.fromEntries(Object.entries(item ?? {}).filter(([name]) => touched.has(name)));
    const attributes = { NONE: undefined, ALL_OLD: old, ALL_NEW: next, UPDATED_OLD: pick(old), UPDATED_NEW: pick(next) }[String(input["ReturnValues"] ?? "NONE")];
    return [200, attributes && Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}];
  }

  private holds(old: Item | undefined, input: Record<string, any>): boolean {
    const names: Names = input["ExpressionAttributeNames"] ?? {};
    const values: Values = input["ExpressionAttributeValues"] ?? {};
    const used = { names: new Set<string>(), values: new Set<string>() };
    const condition = input["ConditionExpression"] !== undefined ? parseCondition(input["ConditionExpression"], names, values, used) : undefined;
    unused(names, values, used);
    return !condition || evaluate(condition, old ?? {});
  }

  private query(table: FakeTable, input: Record<string, any>): Answer {
    const names: Names = input["ExpressionAttributeNames"] ?? {};
    const values: Values = input["ExpressionAttributeValues"] ?? {};
    const used = { names: new Set<string>(), values: new Set<string>() };
    const keyCondition = parseCondition(String(input["KeyConditionExpression"] ?? ""), names, values, used);
    const filter = input["FilterExpression"] !== undefined ? parseCondition(input["FilterExpression"], names, values, used) : undefined;
    unused(names, values, used);
    const matching = [...table.items.values()].filter((item) => evaluate(keyCondition, item));
    return this.page(table, matching, input, filter, input["ScanIndexForward"] === false);
  }

  private scan(table: FakeTable, input: Record<string, any>): Answer {
    const names: Names = input["ExpressionAttributeNames"] ?? {};
    const values: Values = input["ExpressionAttributeValues"] ?? {};
    const used = { names: new Set<string>(), values: new Set<string>() };
    const filter = input["FilterExpression"] !== undefined ? parseCondition(input["FilterExpression"], names, values, used) : undefined;
    unused(names, values, used);
    return this.page(table, [...table.items.values()], input, filter, false);
  }

  /** Items in key order after ExclusiveStartKey, `Limit` (or the page size) of them read, then filtered (DynamoDB filters after reading). */
  private page(table: FakeTable, items: Item[], input: Record<string, any>, filter: ReturnType<typeof parseCondition> | undefined, descending: boolean): Answer {
    const keys = [table.partitionKey, ...(table.sortKey ? [table.sortKey] : [])];
    const sorted = items.sort((a, b) => compareKeys(a, b, keys) * (descending ? -1 : 1));
    const start = input["ExclusiveStartKey"] as Item | undefined;
    const from = start ? sorted.findIndex((item) => compareKeys(item, start, keys) * (descending ? -1 : 1) > 0) : 0;
    const remaining = from < 0 ? [] : sorted.slice(from);
    const limit = Number(input["Limit"] ?? this.pageSize);
    const read = remaining.slice(0, limit);
    const kept = filter ? read.filter((item) => evaluate(filter, item)) : read;
    const last = read.length === limit && remaining.length > limit ? read[read.length - 1] : undefined;
    return [200, {
      Items: kept.map((item) => project(item, input["ProjectionExpression"], input["ExpressionAttributeNames"])),
      Count: kept.length,
      ScannedCount: read.length,
      ...(last ? { LastEvaluatedKey: Object.fromEntries(keys.map((k) => [k, last[k]])) } : {}),
    }];
  }
}

function project(item: Item, projection: string | undefined, names: Names | undefined): Item {
  if (projection === undefined) return item;
  const wanted = projection.split(",").map((part) => part.trim()).map((part) => (part.startsWith("#") ? names?.[part] ?? part : part));
  return Object.fromEntries(Object.entries(item).filter(([name]) => wanted.includes(name)));
}

function unused(names: Names, values: Values, used: { names: Set<string>; values: Set<string> }): void {
  const extraValues = Object.keys(values).filter((key) => !used.values.has(key));
  if (extraValues.length > 0) throw new ExpressionError(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${extraValues.join(", ")}}`);
  const extraNames = Object.keys(names).filter((key) => !used.names.has(key));
  if (extraNames.length > 0) throw new ExpressionError(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${extraNames.join(", ")}}`);
}

function conditionFailed(input: Record<string, any>, old: Item | undefined): Answer {
  return [400, {
    __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
    message: "The conditional request failed",
    ...(input["ReturnValuesOnConditionCheckFailure"] === "ALL_OLD" && old ? { Item: old } : {}),
  }];
}

function error(status: number, type: string, message: string): Answer {
  return [status, { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }];
}
