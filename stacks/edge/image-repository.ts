import { Construct } from "constructs";
import { policyDocument } from "./policy-document";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepositoryPolicy } from "@cdktf/provider-aws/lib/ecr-repository-policy";

export interface ImageRepositoryProps {
  /** Repository name, e.g. `ankify`. */
  readonly name: string;
  /** How many images to keep; older ones expire. @default 10 */
  readonly keepImages?: number;
  /** ARN of the Lambda function allowed to pull images. */
  readonly pullingFunctionArn: string;
}

/** The ECR repository the function's image is pushed to and pulled from. */
export class ImageRepository extends Construct {
  public readonly repository: EcrRepository;
  /** Lets Lambda pull; the function must not be created before it. */
  public readonly pullPolicy: EcrRepositoryPolicy;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    this.repository = new EcrRepository(this, "this", {
      name: props.name,
      // Tags are content hashes: a tag must never point at other bytes than the plan showed.
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "AES256" }],
      // Every image can be rebuilt from git, so `cdktf destroy` may drop them with the repository.
      forceDelete: true,
    });
    new EcrLifecyclePolicy(this, "lifecycle", {
      repository: this.repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `Keep the last ${props.keepImages ?? 10} images (rollback room), expire older ones`,
            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: props.keepImages ?? 10 },
            action: { type: "expire" },
          },
        ],
      }),
    });
    // Lambda pulls with its service principal. Granting it here, scoped to our function, keeps the
    // policy in Terraform instead of the statement Lambda would otherwise add behind its back.
    this.pullPolicy = new EcrRepositoryPolicy(this, "lambda-pull", {
      repository: this.repository.name,
      policy: policyDocument(
          {
            Sid: "LambdaPull",
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            Condition: { StringLike: { "aws:sourceArn": props.pullingFunctionArn } },
          },
        ),
    });
  }
}
