/**
 * What each client used, per UTC day, and the build slots it holds: one DynamoDB table shared by every
 * execution environment (on demand, TTL on `expires_at`), or the same semantics in memory for the
 * dev server. Every change is one conditional write, so two environments can never both take the
 * last characters of a day or the last slot.
 *
 * Items (partition key `pk`, sort key `sk`):
 *   client#<name> / day#<YYYY-MM-DD>   characters, decks, clips_spoken, clips_cached, client, day, expires_at
 *   client#<name> / slots              leases: {<lease id>: <expiry, epoch ms>}, version, expires_at
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";

/** Days a day's counts are kept (the table's TTL removes them after): a year of history and a month. */
export const USAGE_DAYS_KEPT = 400;
/** A slots item outlives its last lease by this long, so an idle client's item goes on its own. */
const SLOTS_KEPT_MS = 86_400_000;
/** Tries at taking a slot when another build of the same client changed the item in between. */
const SLOT_ATTEMPTS = 8;

export interface DayUsage {
  readonly client: string;
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  /** Characters sent to speech (billed), net of refunds. */
  readonly characters: number;
  readonly decks: number;
  readonly clipsSpoken: number;
  readonly clipsCached: number;
}

export interface Settlement {
  /** Characters reserved and not spoken, given back. */
  readonly refund: number;
  /** 1 for a deck that was built, 0 otherwise. */
  readonly decks: number;
  readonly clipsSpoken: number;
  readonly clipsCached: number;
}

export type SlotAnswer = { readonly granted: true } | { readonly granted: false; /** Epoch ms when the soonest held slot expires. */ readonly soonestExpiry: number };

export interface UsageStore {
  /** Adds `characters` to the client's day if the total stays within `limit`; answers the total after, or the total that refused it. */
  reserve(client: string, day: string, characters: number, limit: number, signal?: AbortSignal): Promise<{ readonly granted: boolean; readonly used: number }>;
  /** Gives back unspent characters and counts a build; answers the day's characters after. */
  settle(client: string, day: string, settlement: Settlement, signal?: AbortSignal): Promise<number>;
  /** Characters counted for the client's day (0 when none). */
  used(client: string, day: string, signal?: AbortSignal): Promise<number>;
  /** Takes a build slot until `expiresAt` (epoch ms) if fewer than `max` unexpired ones are held. */
  acquireSlot(client: string, lease: string, expiresAt: number, max: number, now: number, signal?: AbortSignal): Promise<SlotAnswer>;
  /** Gives a slot back; one already gone (expired and pruned) is fine. */
  releaseSlot(client: string, lease: string, signal?: AbortSignal): Promise<void>;
}

/**
 * Every call takes the caller's abort signal (deadline.ts): the SDK has no request timeout of its
 * own, so without one a hung DynamoDB would hold a deck past its deadline.
 */
const bounded = (signal: AbortSignal | undefined) => (signal ? { abortSignal: signal } : {});

const dayExpiry = (day: string) => Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + USAGE_DAYS_KEPT * 86_400;
const pk = (client: string) => ({ S: `client#${client}` });
const n = (value: number): AttributeValue => ({ N: String(value) });
const num = (value: AttributeValue | undefined) => (value?.N !== undefined ? Number(value.N) : 0);

export class DynamoUsageStore implements UsageStore {
  constructor(private readonly db: DynamoDBClient, private readonly table: string) {}

  async reserve(client: string, day: string, characters: number, limit: number, signal?: AbortSignal): Promise<{ granted: boolean; used: number }> {
    // More than the whole limit can never fit, and the condition below would let it into an empty day.
    if (characters > limit) return { granted: false, used: await this.used(client, day, signal) };
    try {
      const { Attributes } = await this.db.send(new UpdateItemCommand({
        TableName: this.table,
        Key: { pk: pk(client), sk: { S: `day#${day}` } },
        UpdateExpression: "ADD #chars :n SET #client = :client, #day = :day, #expires = :expires",
        ConditionExpression: "attribute_not_exists(#chars) OR #chars <= :room",
        ExpressionAttributeNames: { "#chars": "characters", "#client": "client", "#day": "day", "#expires": "expires_at" },
        ExpressionAttributeValues: { ":n": n(characters), ":room": n(limit - characters), ":client": { S: client }, ":day": { S: day }, ":expires": n(dayExpiry(day)) },
        ReturnValues: "UPDATED_NEW",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }), bounded(signal));
      return { granted: true, used: num(Attributes?.["characters"]) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { granted: false, used: num(error.Item?.["characters"]) };
      throw error;
    }
  }

  async settle(client: string, day: string, settlement: Settlement, signal?: AbortSignal): Promise<number> {
    const { Attributes } = await this.db.send(new UpdateItemCommand({
      TableName: this.table,
      Key: { pk: pk(client), sk: { S: `day#${day}` } },
      UpdateExpression: "ADD #chars :back, #decks :decks, #spoken :spoken, #cached :cached SET #client = :client, #day = :day, #expires = :expires",
      ExpressionAttributeNames: {
        "#chars": "characters", "#decks": "decks", "#spoken": "clips_spoken", "#cached": "clips_cached", "#client": "client", "#day": "day", "#expires": "expires_at",
      },
      ExpressionAttributeValues: {
        ":back": n(-settlement.refund), ":decks": n(settlement.decks), ":spoken": n(settlement.clipsSpoken), ":cached": n(settlement.clipsCached),
        ":client": { S: client }, ":day": { S: day }, ":expires": n(dayExpiry(day)),
      },
      ReturnValues: "UPDATED_NEW",
    }), bounded(signal));
    return num(Attributes?.["characters"]);
  }

  async used(client: string, day: string, signal?: AbortSignal): Promise<number> {
    const { Item } = await this.db.send(new GetItemCommand({
      TableName: this.table, Key: { pk: pk(client), sk: { S: `day#${day}` } }, ConsistentRead: true, ProjectionExpression: "#chars", ExpressionAttributeNames: { "#chars": "characters" },
    }), bounded(signal));
    return num(Item?.["characters"]);
  }

  /**
   * Read the slots, then write them back with the new lease only if nobody changed them meanwhile
   * (the version): expired leases are dropped on the way, so a crashed environment's slot frees itself.
   */
  async acquireSlot(client: string, lease: string, expiresAt: number, max: number, now: number, signal?: AbortSignal): Promise<SlotAnswer> {
    let soonest = now + 1000;
    for (let attempt = 0; attempt < SLOT_ATTEMPTS; attempt++) {
      const { Item } = await this.db.send(new GetItemCommand({ TableName: this.table, Key: { pk: pk(client), sk: { S: "slots" } }, ConsistentRead: true }), bounded(signal));
      const version = num(Item?.["version"]);
      const live = Object.entries(Item?.["leases"]?.M ?? {}).map(([id, value]) => [id, num(value)] as const).filter(([, expiry]) => expiry > now);
      if (live.length >= max) return { granted: false, soonestExpiry: Math.min(...live.map(([, expiry]) => expiry)) };
      const leases = Object.fromEntries([...live, [lease, expiresAt] as const].map(([id, expiry]) => [id, n(expiry)]));
      const lastExpiry = Math.max(expiresAt, ...live.map(([, expiry]) => expiry));
      try {
        await this.db.send(new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: pk(client), sk: { S: "slots" } },
          UpdateExpression: "SET #leases = :leases, #version = :next, #expires = :expires",
          ConditionExpression: version === 0 ? "attribute_not_exists(#version)" : "#version = :version",
          ExpressionAttributeNames: { "#leases": "leases", "#version": "version", "#expires": "expires_at" },
          ExpressionAttributeValues: {
            ":leases": { M: leases }, ":next": n(version + 1), ":expires": n(Math.ceil((lastExpiry + SLOTS_KEPT_MS) / 1000)),
            ...(version === 0 ? {} : { ":version": n(version) }),
          },
        }), bounded(signal));
        return { granted: true };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        soonest = Math.min(soonest, ...live.map(([, expiry]) => expiry));
      }
    }
    // Every try lost to another build of this client: it is busy right now, by definition.
    return { granted: false, soonestExpiry: soonest };
  }

  async releaseSlot(client: string, lease: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.db.send(new UpdateItemCommand({
        TableName: this.table,
        Key: { pk: pk(client), sk: { S: "slots" } },
        // The version moves too: a slot-taker that read the lease before this must read again.
        UpdateExpression: "REMOVE #leases.#lease ADD #version :one",
        ConditionExpression: "attribute_exists(#leases.#lease)",
        ExpressionAttributeNames: { "#leases": "leases", "#lease": lease, "#version": "version" },
        ExpressionAttributeValues: { ":one": n(1) },
      }), bounded(signal));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

/** The same rules in one process (the dev server): each method's change happens at once, as one conditional write does. */
export class MemoryUsageStore implements UsageStore {
  private readonly days = new Map<string, { characters: number; decks: number; clipsSpoken: number; clipsCached: number }>();
  private readonly slots = new Map<string, Map<string, number>>();

  async reserve(client: string, day: string, characters: number, limit: number): Promise<{ granted: boolean; used: number }> {
    const entry = this.day(client, day);
    if (entry.characters + characters > limit) return { granted: false, used: entry.characters };
    entry.characters += characters;
    return { granted: true, used: entry.characters };
  }

  async settle(client: string, day: string, settlement: Settlement): Promise<number> {
    const entry = this.day(client, day);
    entry.characters -= settlement.refund;
    entry.decks += settlement.decks;
    entry.clipsSpoken += settlement.clipsSpoken;
    entry.clipsCached += settlement.clipsCached;
    return entry.characters;
  }

  async used(client: string, day: string): Promise<number> {
    return this.days.get(`${client}\x1f${day}`)?.characters ?? 0;
  }

  async acquireSlot(client: string, lease: string, expiresAt: number, max: number, now: number): Promise<SlotAnswer> {
    const held = this.slots.get(client) ?? new Map<string, number>();
    for (const [id, expiry] of held) if (expiry <= now) held.delete(id);
    if (held.size >= max) return { granted: false, soonestExpiry: Math.min(...held.values()) };
    held.set(lease, expiresAt);
    this.slots.set(client, held);
    return { granted: true };
  }

  async releaseSlot(client: string, lease: string): Promise<void> {
    this.slots.get(client)?.delete(lease);
  }

  /** Every client's days, for the dev server's usage view and the tests. */
  snapshot(): DayUsage[] {
    return [...this.days].map(([key, entry]) => {
      const [client, day] = key.split("\x1f") as [string, string];
      return { client, day, ...entry };
    });
  }

  private day(client: string, day: string) {
    const key = `${client}\x1f${day}`;
    let entry = this.days.get(key);
    if (!entry) this.days.set(key, (entry = { characters: 0, decks: 0, clipsSpoken: 0, clipsCached: 0 }));
    return entry;
  }
}

/**
 * The owner's view (`npm run client-key -- usage`): one client's days by Query, or every client's by
 * Scan (an owner's command over a small table; the function's role may do neither Scan nor this).
 */
export async function readUsage(db: DynamoDBClient, table: string, from: string, to: string, client?: string): Promise<DayUsage[]> {
  const rows: DayUsage[] = [];
  let start: Record<string, AttributeValue> | undefined;
  const names = { "#sk": "sk" };
  const range = { ":from": { S: `day#${from}` }, ":to": { S: `day#${to}` } };
  do {
    const page = client !== undefined
      ? await db.send(new QueryCommand({
          TableName: table, KeyConditionExpression: "pk = :pk AND #sk BETWEEN :from AND :to",
          ExpressionAttributeNames: names, ExpressionAttributeValues: { ":pk": pk(client), ...range }, ExclusiveStartKey: start,
        }))
      : await db.send(new ScanCommand({
          TableName: table, FilterExpression: "#sk BETWEEN :from AND :to", ExpressionAttributeNames: names, ExpressionAttributeValues: range, ExclusiveStartKey: start,
        }));
    for (const item of page.Items ?? []) {
      rows.push({
        client: item["client"]?.S ?? item["pk"]!.S!.slice("client#".length),
        day: item["day"]?.S ?? item["sk"]!.S!.slice("day#".length),
        characters: num(item["characters"]), decks: num(item["decks"]), clipsSpoken: num(item["clips_spoken"]), clipsCached: num(item["clips_cached"]),
      });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return rows.sort((a, b) => a.client.localeCompare(b.client) || a.day.localeCompare(b.day));
}
