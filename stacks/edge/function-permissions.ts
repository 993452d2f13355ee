/**
 * The Ankify function's role policy, statement by statement: only what the function does. No action
 * on `*` but SynthesizeSpeech (authorized on lexicons only), and that one scoped to the speech region.
 */
import type { AnkifyFunctionProps, OriginSecretParameter } from "./ankify-function";
import type { PolicyStatement } from "./policy-document";

export interface FunctionPermissionParts {
  /** The function's log group. */
  readonly logGroupArn: string;
  /** The function's own ARN, built from its parts (the role must exist before the function). */
  readonly selfArn: string;
  /** secret-header mode: the two SSM parameters holding the origin secret. */
  readonly secretParameters: { readonly current: OriginSecretParameter; readonly previous: OriginSecretParameter } | undefined;
}

export function functionPermissions(props: AnkifyFunctionProps, { logGroupArn, selfArn, secretParameters }: FunctionPermissionParts): PolicyStatement[] {
  return [
    {
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `${logGroupArn}:*`,
    },
    {
      Sid: "StoreDecks",
      Effect: "Allow",
      // GetObject: a presigned link is only as good as its signer's permission.
      Action: ["s3:PutObject", "s3:GetObject"],
      Resource: `${props.deckBucketArn}/${props.deckPrefix}*`,
    },
    {
      Sid: "Speak",
      Effect: "Allow",
      Action: ["polly:SynthesizeSpeech"],
      // SynthesizeSpeech is authorized on lexicons only; with none, AWS checks "*". The
      // region is what can be scoped: only where the function is told to speak.
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": props.speechRegion } },
    },
    ...(props.clipPrefix !== undefined
      ? [{
          Sid: "CacheClips",
          Effect: "Allow" as const,
          // No ListBucket: a missing clip then answers 403 rather than 404, which the cache
          // reads as a miss (lambda/src/storage/clip-cache.ts).
          Action: ["s3:GetObject", "s3:PutObject"],
          Resource: `${props.deckBucketArn}/${props.clipPrefix}*`,
        }]
      : []),
    {
      Sid: "KeepDeckJobs",
      Effect: "Allow",
      // Conditional PUTs (If-Match, If-None-Match) need nothing beyond PutObject.
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: `${props.deckBucketArn}/${props.jobsPrefix}*`,
    },
    {
      Sid: "StartDeckJobs",
      Effect: "Allow",
      // Itself, by name (and any of its versions or aliases): a job's worker is this function,
      // invoked asynchronously. The ARN is built, not read from the function, which needs this role first.
      Action: ["lambda:InvokeFunction"],
      Resource: [selfArn, `${selfArn}:*`],
    },
    {
      Sid: "RememberNoteTimes",
      Effect: "Allow",
      // No ListBucket here either: a deck built for the first time answers 403, read as "none kept".
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: `${props.deckBucketArn}/${props.noteTimesPrefix}*`,
    },
    {
      Sid: "CountUsage",
      Effect: "Allow",
      // Reservations, refunds and slots are conditional UpdateItems; GetItem reads a day or the slots.
      // No Scan or Query: only the owner's usage command lists clients.
      Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
      Resource: props.fairUse.tableArn,
    },
    ...(secretParameters
      ? [{
          Sid: "ReadOriginSecret",
          Effect: "Allow" as const,
          // Exactly the two parameters; the AWS-managed aws/ssm key needs no kms grant.
          Action: ["ssm:GetParameter"],
          Resource: [secretParameters.current.arn, secretParameters.previous.arn],
        }]
      : []),
    ...(props.clientAuth.mode === "api-key"
      ? [{
          Sid: "ReadClientKeyDigests",
          Effect: "Allow" as const,
          // GetParametersByPath is authorized on the path itself. SecureStrings under the
          // AWS-managed aws/ssm key need no kms grant: its key policy allows use through SSM.
          Action: ["ssm:GetParametersByPath"],
          Resource: props.clientAuth.keyPathArn,
        }]
      : [])
  ];
}
