import { Construct } from "constructs";
import { policyDocument } from "./policy-document";
import { functionPermissions } from "./function-permissions";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionUrl } from "@cdktf/provider-aws/lib/lambda-function-url";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { JOB_MAX_EVENT_AGE_SECONDS } from "../../lambda/src/limits";
import { DataResource, type ITerraformDependable, type Precondition } from "cdktf";
import type { Architecture, InvokeMode, OriginProtection } from "../settings";

/** /tmp of the function, in MB. */
export const EPHEMERAL_STORAGE_MB = 2048;

/** Who may call /mcp, as the function is told it (lambda/src/config.ts reads the same variables). */
export type FunctionClientAuth =
  | { readonly mode: "none" }
  /** Client key digests under `keyPath` in SSM; the role may read that path and nothing else. */
  | { readonly mode: "api-key"; readonly keyPath: string; readonly keyPathArn: string }
  | {
      readonly mode: "oauth";
      /** `https://<domain>/mcp`: the resource tokens are for. */
      readonly resource: string;
      readonly issuer: string;
      readonly audience?: string;
      readonly clientIds?: readonly string[];
      readonly scope: string;
    };

export interface AnkifyFunctionProps {
  /** Function name; also names its role and log group. */
  readonly name: string;
  /** The function's image: `repository:tag` or `repository@sha256:…`, in ECR in the function's region. */
  readonly imageUri: string;
  /** Resources that must exist first (the image build). */
  readonly dependsOn?: ITerraformDependable[];
  readonly architecture: Architecture;
  /**
   * How the Function URL invokes the function, which is told it too (ANKIFY_INVOKE_MODE): RESPONSE_STREAM
   * needs a streaming handler; BUFFERED takes one response of at most 6 MB.
   */
  readonly invokeMode: InvokeMode;
  /** Seconds, 1..900, or a Terraform expression giving them; fitted to CloudFront's read timeout by function-timeouts.ts. */
  readonly timeout: number;
  /** Seconds an answer sent in one piece may take (ANKIFY_TIME_BUDGET_SECONDS): a number, or its Terraform expression as text. */
  readonly requestBudget: number | string;
  /** Checks Terraform makes at plan time before creating or changing the function. @default none */
  readonly preconditions?: Precondition[];
  /** Seconds a streamed deck may take (within the timeout). @default undefined: not set, as in BUFFERED mode */
  readonly streamBudget?: number;
  /**
   * Reserved concurrency: the most copies of the function that run at once, and so a ceiling on what a
   * flood of requests can spend on Polly. 1..900 (Lambda keeps 100 of the account unreserved), -1 for
   * none, or a Terraform expression giving either (ConcurrencyReservation).
   * @default undefined: no reservation, the account's unreserved pool
   */
  readonly reservedConcurrency?: number;
  /** MB; Polly calls and deck zipping are light, more memory mostly buys CPU. @default 1024 */
  readonly memorySize?: number;
  /** Days of logs to keep. @default 14 */
  readonly logRetentionDays?: number;
  readonly deckBucketName: string;
  readonly deckBucketArn: string;
  /** Key prefix the function may write and read. */
  readonly deckPrefix: string;
  /** Key prefix of the clip cache, which the function may also read and write; undefined: no cache. */
  readonly clipPrefix?: string;
  /** Key prefix of the decks' note times, which the function may read and write. */
  readonly noteTimesPrefix: string;
  /** Key prefix of deck jobs (records and requests), which the function may read and write. */
  readonly jobsPrefix: string;
  /** Seconds a deck may take inside its request before it is built as a job (ANKIFY_INLINE_SECONDS). */
  readonly inlineSeconds: number;
  /**
   * The account and region the function is in: the function may invoke itself (a deck job's worker),
   * and only itself, by an ARN built from its name, so the role need not wait for the function.
   */
  readonly accountId: string;
  readonly region: string;
  /** Lifetime of presigned download links in seconds. @default 3600 */
  readonly linkTtlSeconds?: number;
  readonly originProtection: OriginProtection;
  /**
   * secret-header mode: the SSM parameters holding the values the function accepts in
   * `x-origin-verify`. The function is told their names and may read exactly these two.
   */
  readonly originSecretParameters?: { readonly current: OriginSecretParameter; readonly previous: OriginSecretParameter };
  readonly clientAuth: FunctionClientAuth;
  /** Characters one request may send to speech. */
  readonly maxSpeechCharacters: number;
  /** The region the function calls Polly in (one with neural voices); the role may call it only there. */
  readonly speechRegion: string;
  /**
   * Per-client fair use: the table counting characters and build slots (the role may read and update
   * its items, nothing else), the daily characters and the builds at once per client (0: no limit).
   */
  readonly fairUse: { readonly tableName: string; readonly tableArn: string; readonly dailyCharacters: number; readonly concurrency: number };
}

/** An SSM parameter as the function needs it: its name (for the environment) and its ARN (for the role). */
export interface OriginSecretParameter {
  readonly name: string;
  readonly arn: string;
}

/** The Ankify Lambda function with its role, log group and Function URL. */
export class AnkifyFunction extends Construct {
  public readonly function: LambdaFunction;
  public readonly functionUrl: LambdaFunctionUrl;
  public readonly role: IamRole;
  public readonly logGroup: CloudwatchLogGroup;
  /** How Lambda runs the function's asynchronous invocations (a deck job's worker). */
  public readonly asyncInvokeConfig: LambdaFunctionEventInvokeConfig;
  /** The log group's name as plain text (`/aws/lambda/<name>`), for messages that point people at it. */
  public readonly logGroupName: string;
  /**
   * For `replace_triggered_by` of what lives inside the function (its URL, its permission statements):
   * the function's id, which is unknown in a plan exactly when the function is replaced, so they are
   * recreated with it instead of vanishing with the old one.
   */
  public readonly replacedWithFunction: string;

  constructor(scope: Construct, id: string, props: AnkifyFunctionProps) {
    super(scope, id);
    if (props.originProtection === "secret-header" && !props.originSecretParameters) {
      throw new Error("AnkifyFunction: originSecretParameters is required in secret-header mode.");
    }
    const secretParameters = props.originProtection === "secret-header" ? props.originSecretParameters : undefined;

    this.logGroupName = `/aws/lambda/${props.name}`;
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: this.logGroupName,
      retentionInDays: props.logRetentionDays ?? 14,
    });

    this.role = new IamRole(this, "role", {
      name: `${props.name}-function`,
      assumeRolePolicy: policyDocument({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }),
    });
    // Only what the function does (function-permissions.ts): its logs, its prefixes, speech, itself.
    new IamRolePolicy(this, "permissions", {
      role: this.role.id,
      name: "ankify-function",
      policy: policyDocument(...functionPermissions(props, { logGroupArn: this.logGroup.arn, selfArn: this.selfArn(props), secretParameters })),
    });

    // Names only: the values stay in SSM, out of GetFunctionConfiguration's reach.
    const secrets: Record<string, string> = secretParameters
      ? { ANKIFY_ORIGIN_SECRET_PARAMETER: secretParameters.current.name, ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER: secretParameters.previous.name }
      : {};

    // A switch between secret-header and oac replaces the function and its URL. The AWS provider adds
    // public permission statements of its own when it creates a NONE URL and never removes them;
    // only deleting the function clears them, so nothing `Principal *` survives into oac mode.
    const protectionMode = new DataResource(this, "protection-mode", { input: { originProtection: props.originProtection } });
    // A plain address: cdktf renders a resource object here as "${terraform_data.x}", which Terraform
    // rejects in replace_triggered_by ("Invalid character"; checked with terraform 1.11 validate).
    const replaceOnModeSwitch = [`${protectionMode.terraformResourceType}.${protectionMode.friendlyUniqueId}`];

    this.function = new LambdaFunction(this, "this", {
      functionName: props.name,
      role: this.role.arn,
      packageType: "Image",
      imageUri: props.imageUri,
      architectures: [props.architecture],
      timeout: props.timeout,
      memorySize: props.memorySize ?? 1024,
      // Clips and the package are written to /tmp, not held in memory: room for the largest package
      // (limits.ts MAX_PACKAGE_BYTES) plus its clips. Beyond the free 512 MB, /tmp costs about
      // $0.0000000309 per GB-second.
      ephemeralStorage: { size: EPHEMERAL_STORAGE_MB },
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
      environment: {
        variables: {
          ANKIFY_ORIGIN_PROTECTION: props.originProtection,
          ...secrets,
          ANKIFY_DECK_BUCKET: props.deckBucketName,
          ANKIFY_DECK_PREFIX: props.deckPrefix,
          ...(props.clipPrefix !== undefined ? { ANKIFY_CLIP_CACHE_PREFIX: props.clipPrefix } : {}),
          ANKIFY_NOTE_TIMES_PREFIX: props.noteTimesPrefix,
          ANKIFY_JOBS_PREFIX: props.jobsPrefix,
          ANKIFY_INLINE_SECONDS: String(props.inlineSeconds),
          ANKIFY_TTS_ENGINE: "polly",
          ANKIFY_SPEECH_REGION: props.speechRegion,
          ANKIFY_INVOKE_MODE: props.invokeMode,
          ANKIFY_TIME_BUDGET_SECONDS: String(props.requestBudget),
          ...(props.streamBudget !== undefined ? { ANKIFY_STREAM_BUDGET_SECONDS: String(props.streamBudget) } : {}),
          ANKIFY_LINK_TTL_SECONDS: String(props.linkTtlSeconds ?? 3600),
          ANKIFY_MAX_SPEECH_CHARACTERS: String(props.maxSpeechCharacters),
          ANKIFY_USAGE_TABLE: props.fairUse.tableName,
          ANKIFY_CLIENT_DAILY_CHARACTERS: String(props.fairUse.dailyCharacters),
          ANKIFY_CLIENT_CONCURRENCY: String(props.fairUse.concurrency),
          ...clientAuthEnvironment(props.clientAuth),
        },
      },
      dependsOn: [this.logGroup, ...(props.dependsOn ?? [])],
      lifecycle: {
        replaceTriggeredBy: replaceOnModeSwitch,
        ...(props.preconditions && props.preconditions.length > 0 ? { precondition: props.preconditions } : {}),
      },
    });

    this.replacedWithFunction = `${this.function.terraformResourceType}.${this.function.friendlyUniqueId}.id`;

    // A deck job's worker: no automatic retries (a worker that failed has recorded why; one killed by
    // the timeout is reported by its record as abandoned), and an event that waited longer than a
    // job's record waits for a worker is dropped (lambda/src/jobs/record.ts reads the same figure).
    this.asyncInvokeConfig = new LambdaFunctionEventInvokeConfig(this, "async-invoke", {
      functionName: this.function.functionName,
      maximumRetryAttempts: 0,
      maximumEventAgeInSeconds: JOB_MAX_EVENT_AGE_SECONDS,
    });

    this.functionUrl = new LambdaFunctionUrl(this, "url", {
      functionName: this.function.functionName,
      // oac: only SigV4-signed requests (CloudFront's) get in. secret-header: open, the handler checks the header.
      authorizationType: props.originProtection === "oac" ? "AWS_IAM" : "NONE",
      // RESPONSE_STREAM: the handler streams (awslambda.streamifyResponse), so progress and keep-alive
      // lines reach the client while a deck is built and CloudFront's read timeout only bounds the gaps.
      // BUFFERED: one response object, sent when the function returns (what a Python handler gives).
      invokeMode: props.invokeMode,
      lifecycle: { replaceTriggeredBy: [...replaceOnModeSwitch, this.replacedWithFunction] },
    });
  }

  /** The function's own ARN, from its parts (commercial partition: the settings allow no other). */
  private selfArn(parts: SelfArnParts): string {
    return `arn:aws:lambda:${parts.region}:${parts.accountId}:function:${parts.name}`;
  }
}

export interface SelfArnParts {
  readonly name: string;
  readonly region: string;
  readonly accountId: string;
}

function clientAuthEnvironment(auth: FunctionClientAuth): Record<string, string> {
  switch (auth.mode) {
    case "none":
      return { ANKIFY_CLIENT_AUTH: "none" };
    case "api-key":
      return { ANKIFY_CLIENT_AUTH: "api-key", ANKIFY_API_KEY_PATH: auth.keyPath };
    case "oauth":
      return {
        ANKIFY_CLIENT_AUTH: "oauth",
        ANKIFY_PUBLIC_URL: auth.resource,
        ANKIFY_OAUTH_ISSUER: auth.issuer,
        ANKIFY_OAUTH_SCOPE: auth.scope,
        ...(auth.audience !== undefined ? { ANKIFY_OAUTH_AUDIENCE: auth.audience } : {}),
        ...(auth.clientIds !== undefined ? { ANKIFY_OAUTH_CLIENT_IDS: auth.clientIds.join(",") } : {}),
      };
  }
}
