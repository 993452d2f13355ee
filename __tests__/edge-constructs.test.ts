import { TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { WebAcl } from "../stacks/edge/web-acl";
import { Alarms } from "../stacks/edge/alarms";
import { ContentHashEdgeFunction } from "../stacks/edge/content-hash-edge-function";
import { DeckBucket } from "../stacks/edge/deck-bucket";
import { PROJECT_ROOT } from "../testing/paths";

/** A bare stack with a us-east-1 provider, for constructs used outside AnkifyStack. */
function stack() {
  const scope = new TerraformStack(Testing.app(), "constructs");
  const usEast1 = new AwsProvider(scope, "aws-us-east-1", { alias: "us_east_1", region: "us-east-1" });
  return { scope, usEast1 };
}

// Settings keep these values out of the stack; the constructs refuse them too, for any other caller.
describe("constructs refuse values AWS would reject", () => {
  it.each([
    [9, "WebAcl: rateLimit 9 must be an integer from 10 to 2000000000 (AWS WAF's range)."],
    [2_000_000_001, "WebAcl: rateLimit 2000000001 must be an integer from 10 to 2000000000 (AWS WAF's range)."],
    [12.5, "WebAcl: rateLimit 12.5 must be an integer from 10 to 2000000000 (AWS WAF's range)."],
  ])("WebAcl rateLimit %d", (rateLimit, message) => {
    const { scope, usEast1 } = stack();
    expect(() => new WebAcl(scope, "acl", { name: "ankify", rateLimit, usEast1 })).toThrow(message);
  });

  it("WebAcl name with a space", () => {
    const { scope, usEast1 } = stack();
    expect(() => new WebAcl(scope, "acl", { name: "my ankify", rateLimit: 300, usEast1 })).toThrow(
      'WebAcl: name "my ankify" must be 1..100 letters, digits, "-" or "_".',
    );
  });

  it.each([
    [{ timeout: 31 }, "ContentHashEdgeFunction: timeout 31 must be an integer from 1 to 30 s (Lambda@Edge's limit for origin requests)."],
    [{ timeout: 0 }, "ContentHashEdgeFunction: timeout 0 must be an integer from 1 to 30 s (Lambda@Edge's limit for origin requests)."],
    [{ memorySize: 127 }, "ContentHashEdgeFunction: memorySize 127 must be an integer from 128 to 10240 MB."],
    [{ memorySize: 10_241 }, "ContentHashEdgeFunction: memorySize 10241 must be an integer from 128 to 10240 MB."],
  ])("ContentHashEdgeFunction %j", (limits, message) => {
    const { scope, usEast1 } = stack();
    expect(() => new ContentHashEdgeFunction(scope, "edge", { name: "ankify", projectRoot: PROJECT_ROOT, accountId: "123456789012", usEast1, ...limits })).toThrow(message);
  });

  it.each([0, -1, Number.NaN])("Alarms durationThresholdMs %d", (durationThresholdMs) => {
    const { scope, usEast1 } = stack();
    expect(() => new Alarms(scope, "alarms", {
      name: "ankify", functionName: "ankify", logGroupName: "/aws/lambda/ankify", durationThresholdMs, distributionId: "E123", usEast1,
    })).toThrow(`Alarms: durationThresholdMs ${durationThresholdMs} must be more than 0.`);
  });

  it("accept Lambda@Edge's extremes: 30 s and 10240 MB", () => {
    const { scope, usEast1 } = stack();
    new ContentHashEdgeFunction(scope, "edge", { name: "ankify", projectRoot: PROJECT_ROOT, accountId: "123456789012", usEast1, timeout: 30, memorySize: 10_240 });
    const fn = JSON.parse(Testing.synth(scope)).resource.aws_lambda_function;
    expect(Object.values(fn)).toEqual([expect.objectContaining({ timeout: 30, memory_size: 10_240, publish: true })]);
  });
});

describe("DeckBucket's note times", () => {
  // cdktf's matchers, for this block's synth (the rest of this file never synthesizes).
  beforeAll(() => Testing.setupJest());
  it.each([0, 3651, 1.5])("refuses noteTimesDays %p", (noteTimesDays) => {
    const { scope } = stack();
    expect(() => new DeckBucket(scope, "decks", { namePrefix: "ankify-decks-", noteTimesDays })).toThrow(
      `DeckBucket: noteTimesDays = ${noteTimesDays} is out of range; use a whole number of days from 1 to 3650.`,
    );
  });

  it("keeps them under their own prefix, expired by their own rule, for as many days as asked", () => {
    const { scope } = stack();
    new AwsProvider(scope, "aws", { region: "eu-west-1" });
    const decks = new DeckBucket(scope, "decks", { namePrefix: "ankify-decks-", noteTimesDays: 400 });
    expect(decks.noteTimesPrefix).toBe("note-times/");
    expect(Testing.synth(scope)).toHaveResourceWithProperties({ tfResourceType: "aws_s3_bucket_lifecycle_configuration" }, {
      rule: [
        expect.objectContaining({ id: "expire-decks" }),
        expect.objectContaining({ id: "expire-note-times", status: "Enabled", filter: [{ prefix: "note-times/" }], expiration: [{ days: 400 }] }),
        expect.objectContaining({ id: "expire-deck-jobs", filter: [{ prefix: decks.jobsPrefix }] }),
      ],
    });
  });
});
