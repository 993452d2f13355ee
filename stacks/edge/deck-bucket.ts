import { Construct } from "constructs";
import { policyDocument } from "./policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";

export interface DeckBucketProps {
  /** Bucket name prefix; Terraform appends a unique suffix (names are global). At most 37 characters. */
  readonly namePrefix: string;
  /** Key prefix the function writes decks under. @default "decks/" */
  readonly deckPrefix?: string;
  /** Days a deck is kept; download links live hours, so a few days is plenty. @default 3 */
  readonly expireAfterDays?: number;
}

/** The private bucket generated decks are uploaded to and downloaded from (through presigned links). */
export class DeckBucket extends Construct {
  public readonly bucket: S3Bucket;
  public readonly deckPrefix: string;

  constructor(scope: Construct, id: string, props: DeckBucketProps) {
    super(scope, id);
    this.deckPrefix = props.deckPrefix ?? "decks/";
    this.bucket = new S3Bucket(this, "this", {
      bucketPrefix: props.namePrefix,
      // Decks are throwaway build output, and expire on their own anyway.
      forceDestroy: true,
    });
    new S3BucketPublicAccessBlock(this, "public-access", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    new S3BucketPolicy(this, "tls-only", {
      bucket: this.bucket.id,
      policy: policyDocument(
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ),
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-decks",
          status: "Enabled",
          filter: [{ prefix: this.deckPrefix }],
          expiration: [{ days: props.expireAfterDays ?? 3 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
      ],
    });
  }
}
