import { Construct } from "constructs";
import { policyDocument } from "./policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { JOB_DAYS, NOTE_TIMES_DAYS } from "../../lambda/src/limits";

export interface DeckBucketProps {
  /** Bucket name prefix; Terraform appends a unique suffix (names are global). At most 37 characters. */
  readonly namePrefix: string;
  /** Key prefix the function writes decks under. @default "decks/" */
  readonly deckPrefix?: string;
  /** Days a deck is kept; download links live hours, so a few days is plenty. @default 3 */
  readonly expireAfterDays?: number;
  /** Days a cached clip is kept after it was written; undefined: no clip cache. 1..3650. */
  readonly clipCacheDays?: number;
  /**
   * Days what a deck's notes were last stamped with is kept after the deck was last built (each build
   * writes it again). 1..3650. @default NOTE_TIMES_DAYS (730)
   */
  readonly noteTimesDays?: number;
}

/** The private bucket generated decks are uploaded to and downloaded from (through presigned links). */
export class DeckBucket extends Construct {
  public readonly bucket: S3Bucket;
  public readonly deckPrefix: string;
  /** Where spoken clips are cached (their own prefix: the decks' expiry must not apply), if at all. */
  public readonly clipPrefix?: string;
  /** Where each deck's note times are kept (lambda/src/storage/note-times.ts): one small object per client and deck. */
  public readonly noteTimesPrefix = "note-times/";
  /** Where deck jobs are kept (lambda/src/jobs/store.ts): a record and a request per job, for a day. */
  public readonly jobsPrefix = "jobs/";

  constructor(scope: Construct, id: string, props: DeckBucketProps) {
    super(scope, id);
    this.deckPrefix = props.deckPrefix ?? "decks/";
    const clipDays = props.clipCacheDays;
    if (clipDays !== undefined && (!Number.isInteger(clipDays) || clipDays < 1 || clipDays > 3650)) {
      throw new Error(`DeckBucket: clipCacheDays = ${clipDays} is out of range; use a whole number of days from 1 to 3650.`);
    }
    if (clipDays !== undefined) this.clipPrefix = "clips/";
    const noteTimesDays = props.noteTimesDays ?? NOTE_TIMES_DAYS;
    if (!Number.isInteger(noteTimesDays) || noteTimesDays < 1 || noteTimesDays > 3650) {
      throw new Error(`DeckBucket: noteTimesDays = ${noteTimesDays} is out of range; use a whole number of days from 1 to 3650.`);
    }
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
        ...(this.clipPrefix !== undefined
          ? [{
              id: "expire-cached-clips",
              status: "Enabled",
              filter: [{ prefix: this.clipPrefix }],
              // Counted from when a clip was written, so a clip in daily use is still re-spoken (and
              // its cache refreshed) once per period: the cache is bounded without any bookkeeping.
              expiration: [{ days: clipDays! }],
              abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
            }]
          : []),
        {
          id: "expire-note-times",
          status: "Enabled",
          filter: [{ prefix: this.noteTimesPrefix }],
          // Counted from the deck's last build, which rewrites its object: only decks nobody rebuilds expire.
          expiration: [{ days: noteTimesDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
        {
          id: "expire-deck-jobs",
          status: "Enabled",
          filter: [{ prefix: this.jobsPrefix }],
          // A job answers for a day (its record says until when); the result's deck lives its own days.
          expiration: [{ days: JOB_DAYS }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
      ],
    });
  }
}
