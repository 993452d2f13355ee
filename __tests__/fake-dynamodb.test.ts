import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { FakeDynamoDb } from "../testing/fake-dynamodb";

/**
 * The fake DynamoDB behaves as DynamoDB documents, through the real SDK: a fake that accepted what
 * DynamoDB refuses would let the usage table's tests pass against code that fails in AWS.
 */
describe("the fake DynamoDB", () => {
  let fake: FakeDynamoDb;
  let db: DynamoDBClient;
  beforeAll(async () => {
    fake = new FakeDynamoDb(2);
    fake.createTable("t", "pk", "sk");
    db = new DynamoDBClient({ endpoint: await fake.start(), region: "eu-west-1", credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" }, maxAttempts: 1 });
  });
  afterAll(async () => {
    db.destroy();
    await fake.stop();
  });
  const key = (sk: string) => ({ pk: { S: "a" }, sk: { S: sk } });
  const update = (input: Partial<ConstructorParameters<typeof UpdateItemCommand>[0]>) => db.send(new UpdateItemCommand({ TableName: "t", Key: key("x"), ...input }));

  it.each([
    [{ UpdateExpression: "SET #a = :v", ExpressionAttributeNames: { "#a": "a" }, ExpressionAttributeValues: { ":v": { N: "1" }, ":unused": { N: "2" } } }, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}"],
    [{ UpdateExpression: "SET #a = :v", ExpressionAttributeValues: { ":v": { N: "1" } } }, "An expression attribute name used in the document path is not defined; attribute name: #a"],
    [{ UpdateExpression: "SET a = :v" }, "An expression attribute value used in expression is not defined; attribute value: :v"],
    [{ UpdateExpression: "SET pk = :v", ExpressionAttributeValues: { ":v": { S: "b" } } }, "Cannot update attribute pk. This attribute is part of the key"],
    [{ UpdateExpression: "SET a = :v ADD a :v", ExpressionAttributeValues: { ":v": { N: "1" } } }, "Two document paths overlap with each other"],
    [{ UpdateExpression: "SET a = :v SET b = :v", ExpressionAttributeValues: { ":v": { N: "1" } } }, 'The "SET" section can only be used once in an update expression'],
    [{ UpdateExpression: "SET m.x = :v", ExpressionAttributeValues: { ":v": { N: "1" } } }, "The document path provided in the update expression is invalid for update"],
    [{ UpdateExpression: "ADD s :v", ExpressionAttributeValues: { ":v": { S: "text" } } }, "An operand in the update expression has an incorrect data type"],
  ])("refuses %j with ValidationException", async (input, message) => {
    await expect(update(input)).rejects.toThrow(expect.objectContaining({ name: "ValidationException", message: expect.stringContaining(message) }));
  });

  it("answers a failed condition with ConditionalCheckFailedException, with the old item only when asked for ALL_OLD", async () => {
    await db.send(new PutItemCommand({ TableName: "t", Item: { ...key("c"), n: { N: "5" } } }));
    const attempt = (returnOld: boolean) => db.send(new UpdateItemCommand({
      TableName: "t", Key: key("c"), UpdateExpression: "ADD n :one", ConditionExpression: "n < :five",
      ExpressionAttributeValues: { ":one": { N: "1" }, ":five": { N: "5" } }, ...(returnOld ? { ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const } : {}),
    }));
    const withOld = await attempt(true).catch((error: unknown) => error);
    expect(withOld).toBeInstanceOf(ConditionalCheckFailedException);
    expect((withOld as ConditionalCheckFailedException).Item).toEqual({ ...key("c"), n: { N: "5" } });
    expect(((await attempt(false).catch((error: unknown) => error)) as ConditionalCheckFailedException).Item).toBeUndefined();
    expect((await db.send(new GetItemCommand({ TableName: "t", Key: key("c") }))).Item!["n"]).toEqual({ N: "5" });
  });

  it("evaluates the values of SET against the item as it was, and returns only what changed for UPDATED_NEW", async () => {
    await db.send(new PutItemCommand({ TableName: "t", Item: { ...key("s"), a: { N: "1" }, b: { N: "10" } } }));
    const { Attributes } = await db.send(new UpdateItemCommand({
      TableName: "t", Key: key("s"), UpdateExpression: "SET a = b + :one, b = a + :one", ExpressionAttributeValues: { ":one": { N: "1" } }, ReturnValues: "UPDATED_NEW",
    }));
    expect(Attributes).toEqual({ a: { N: "11" }, b: { N: "2" } });
  });

  it("pages a Query in sort-key order with LastEvaluatedKey, and refuses an unknown table", async () => {
    for (const sk of ["day#3", "day#1", "day#2", "other"]) await db.send(new PutItemCommand({ TableName: "t", Item: { pk: { S: "q" }, sk: { S: sk } } }));
    const page = (start?: Record<string, any>) => db.send(new QueryCommand({
      TableName: "t", KeyConditionExpression: "pk = :pk AND begins_with(sk, :day)", ExpressionAttributeValues: { ":pk": { S: "q" }, ":day": { S: "day#" } }, ExclusiveStartKey: start,
    }));
    const first = await page();
    expect(first.Items!.map((i) => i["sk"]!.S)).toEqual(["day#1", "day#2"]);
    const second = await page(first.LastEvaluatedKey);
    expect(second.Items!.map((i) => i["sk"]!.S)).toEqual(["day#3"]);
    expect(second.LastEvaluatedKey).toBeUndefined();
    await expect(db.send(new GetItemCommand({ TableName: "nope", Key: key("x") }))).rejects.toThrow(expect.objectContaining({ name: "ResourceNotFoundException" }));
  });
  it("hangs as a service that never answers: the held write changes nothing, and a call the SDK gives up on is seen closed", async () => {
    fake.hang = ["UpdateItem"];
    try {
      const before = fake.calls.length;
      const abort = new AbortController();
      const held = db.send(new UpdateItemCommand({ TableName: "t", Key: key("h"), UpdateExpression: "SET n = :one", ExpressionAttributeValues: { ":one": { N: "1" } } }), { abortSignal: abort.signal });
      // The stand-in learns of each change of state a moment after the client makes it.
      const until = async (seen: () => boolean) => {
        for (const giveUp = Date.now() + 20_000; !seen() && Date.now() < giveUp;) await new Promise((resolve) => setTimeout(resolve, 10));
      };
      await until(() => fake.calls.length > before);
      // Answered while the update is held: only the operations listed hang.
      const read = await db.send(new GetItemCommand({ TableName: "t", Key: key("h"), ConsistentRead: true }));
      expect(read.Item).toBeUndefined();
      expect(fake.calls.slice(before)).toEqual(["UpdateItem", "GetItem"]);
      abort.abort();
      await expect(held).rejects.toThrow(expect.objectContaining({ name: "AbortError" }));
      await until(() => fake.abandoned.length > 0);
      expect(fake.abandoned).toEqual(["UpdateItem"]);
      expect((await db.send(new GetItemCommand({ TableName: "t", Key: key("h"), ConsistentRead: true }))).Item).toBeUndefined();
    } finally {
      delete fake.hang;
    }
  }, 30_000);
});
