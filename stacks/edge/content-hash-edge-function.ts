import { Construct } from "constructs";
import { AssetType, TerraformAsset } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { Id } from "@cdktf/provider-random/lib/id";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { bundleEdgeFunction } from "./edge-bundle";
import { policyDocument } from "./policy-document";

/** The Lambda@Edge source, relative to the repository root. */
export const CONTENT_SHA256_ENTRY = "lambda/edge/content-sha256.ts";

export interface ContentHashEdgeFunctionProps {
  /** Prefix for the function's and role's names. */
  readonly name: string;
  /** Repository root: holds the source and receives the bundle. */
  readonly projectRoot: string;
  /** The AWS account, for the ARNs of the log groups the function writes to. */
  readonly accountId: string;
  /** A provider in us-east-1: Lambda@Edge functions must be created there. */
  readonly usEast1: AwsProvider;
  /** MB, 128..10240 (Lambda@Edge's range for origin events). Hashing at most 1 MB of body needs little. @default 128 */
  readonly memorySize?: number;
  /** Seconds, 1..30 (Lambda@Edge's limit for origin events); hashing 1 MB takes milliseconds. @default 5 */
  readonly timeout?: number;
}

/**
 * oac mode: the Lambda@Edge function that sets `x-amz-content-sha256` on origin requests (see
 * `lambda/edge/content-sha256.ts`), bundled at synth time and published as a numbered version.
 *
 * Lambda@Edge rules (CloudFront developer guide, "Restrictions on Lambda@Edge"): us-east-1, a
 * numbered version (not $LATEST or an alias), a role that `edgelambda.amazonaws.com` can assume, x86_64
 * only, no environment variables. CloudFront replicates it to its edges and writes its logs there, to
 * `/aws/lambda/us-east-1.<name>` in the region that served the request.
 *
 * Lambda refuses to delete a replicated function until CloudFront has removed its replicas, hours
 * after the distribution stops using it, and the provider gives up after 10 minutes: `cdktf destroy`
 * or leaving oac mode would fail. So Terraform never deletes it (`skip_destroy`): it forgets the
 * function and leaves it to be deleted by hand later (docs/first-deploy.md, "Lambda@Edge leftovers").
 * Its name carries a random suffix made when oac mode begins, so coming back to oac mode (or
 * deploying again after a destroy) never collides with a leftover of an earlier period.
 */
export class ContentHashEdgeFunction extends Construct {
  public readonly function: LambdaFunction;
  public readonly role: IamRole;
  /** `<function ARN>:<version>`, what a CloudFront association takes. */
  public readonly versionArn: string;

  constructor(scope: Construct, id: string, props: ContentHashEdgeFunctionProps) {
    super(scope, id);
    const memorySize = props.memorySize ?? 128;
    const timeout = props.timeout ?? 5;
    if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10_240) {
      throw new Error(`ContentHashEdgeFunction: memorySize ${memorySize} must be an integer from 128 to 10240 MB.`);
    }
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 30) {
      throw new Error(`ContentHashEdgeFunction: timeout ${timeout} must be an integer from 1 to 30 s (Lambda@Edge's limit for origin requests).`);
    }
    // Created and forgotten with the function: a new oac period gets a new name.
    const suffix = new Id(this, "name-suffix", { byteLength: 4 });
    const functionName = `${props.name}-content-sha256-${suffix.hex}`;

    this.role = new IamRole(this, "role", {
      name: `${props.name}-edge-content-sha256`,
      assumeRolePolicy: policyDocument({
        Effect: "Allow",
        Principal: { Service: ["lambda.amazonaws.com", "edgelambda.amazonaws.com"] },
        Action: "sts:AssumeRole",
      }),
    });
    const logGroupArn = `arn:aws:logs:*:${props.accountId}:log-group:/aws/lambda/us-east-1.${functionName}`;
    new IamRolePolicy(this, "permissions", {
      role: this.role.id,
      name: "edge-logs",
      // Only logging: the function reads the event and answers, it calls nothing. Groups are created
      // on first use in each region where CloudFront runs it.
      policy: policyDocument({
        Sid: "WriteOwnLogsInEveryRegion",
        Effect: "Allow",
        Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [logGroupArn, `${logGroupArn}:*`],
      }),
    });

    const bundle = bundleEdgeFunction({ projectRoot: props.projectRoot, entry: CONTENT_SHA256_ENTRY });
    const asset = new TerraformAsset(this, "code", { path: bundle.zipPath, type: AssetType.FILE });

    this.function = new LambdaFunction(this, "this", {
      provider: props.usEast1,
      functionName,
      description: "Ankify oac mode: sets x-amz-content-sha256 to the body's SHA-256 before CloudFront signs the origin request",
      role: this.role.arn,
      // nodejs22.x: supported by Lambda@Edge; Lambda deprecates it on 30 Apr 2027.
      runtime: "nodejs22.x",
      handler: "index.handler",
      architectures: ["x86_64"],
      filename: asset.path,
      sourceCodeHash: bundle.sha256Base64,
      publish: true,
      skipDestroy: true,
      memorySize,
      timeout,
    });
    this.versionArn = this.function.qualifiedArn;
  }
}
