import { Construct } from "constructs";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";

export interface UsageTableProps {
  /** The table's name: `<stack>-usage` (stacks/environments.ts usageTableName), which the usage command derives too. */
  readonly name: string;
}

/**
 * What each client used per UTC day and the deck builds it holds (lambda/src/storage/usage-table.ts
 * describes the items): on demand, since a few writes per deck cost fractions of a cent and nothing
 * sits idle; old days and idle slot items leave by TTL on `expires_at`.
 */
export class UsageTable extends Construct {
  public readonly table: DynamodbTable;

  constructor(scope: Construct, id: string, props: UsageTableProps) {
    super(scope, id);
    this.table = new DynamodbTable(this, "this", {
      name: props.name,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "pk",
      rangeKey: "sk",
      attribute: [{ name: "pk", type: "S" }, { name: "sk", type: "S" }],
      ttl: { attributeName: "expires_at", enabled: true },
    });
  }
}
