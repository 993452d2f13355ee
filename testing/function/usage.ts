import { copyFile, readFile, writeFile } from "node:fs/promises";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { ClipCache } from "../../lambda/src/storage/clip-cache";
import type { DeckStore } from "../../lambda/src/storage/s3";
import { DynamoUsageStore } from "../../lambda/src/storage/usage-table";
import { FakeDynamoDb, type Item } from "../fake-dynamodb";

export const USAGE_TABLE = "ankify-usage";

export interface UsageTable {
  readonly fake: FakeDynamoDb;
  readonly endpoint: string;
  /** A client of its own, as each execution environment has. */
  client(): DynamoDBClient;
  /** A store over its own client: one per "execution environment". */
  store(): DynamoUsageStore;
  item(client: string, sk: string): Item | undefined;
  stop(): Promise<void>;
}

/** The fake DynamoDB with the function's table (pk, sk), on a loopback port. */
export async function startUsageTable(pageSize?: number): Promise<UsageTable> {
  const fake = new FakeDynamoDb(pageSize);
  const table = fake.createTable(USAGE_TABLE, "pk", "sk");
  const endpoint = await fake.start();
  const clients: DynamoDBClient[] = [];
  const client = () => {
    const made = new DynamoDBClient({ endpoint, region: "eu-west-1", credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" }, maxAttempts: 1 });
    clients.push(made);
    return made;
  };
  return {
    fake, endpoint, client,
    store: () => new DynamoUsageStore(client(), USAGE_TABLE),
    item: (name, sk) => table.items.get([JSON.stringify({ S: `client#${name}` }), JSON.stringify({ S: sk })].join("\x1f")),
    stop: async () => {
      clients.forEach((c) => c.destroy());
      await fake.stop();
    },
  };
}

/** Clips kept in memory, as the S3 cache keeps them in the bucket. */
export class MemoryClipCache implements ClipCache {
  readonly clips = new Map<string, Buffer>();
  async fetch(key: string, path: string): Promise<number | undefined> {
    const clip = this.clips.get(key);
    if (!clip) return undefined;
    await writeFile(path, clip);
    return clip.length;
  }
  async store(key: string, path: string): Promise<void> {
    this.clips.set(key, await readFile(path));
  }
}

/** A deck store that keeps what it was given in a directory, or fails as told. */
export function recordingDeckStore(dir: string, fail?: () => Error): DeckStore & { readonly saved: string[] } {
  const saved: string[] = [];
  return {
    saved,
    async save(key, file) {
      if (fail) throw fail();
      await copyFile(file.path, `${dir}/${saved.length}.apkg`);
      saved.push(key);
      return { url: `https://decks.example/${key}`, expiresAt: new Date(Date.now() + 3_600_000) };
    },
  };
}
