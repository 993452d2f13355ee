import { Construct } from "constructs";
import { DataResource } from "cdktf";
import { imageContentHash } from "./image-hash";
import type { Architecture } from "../settings";

export interface FunctionImageProps {
  /** Repository URL (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`) to push to. */
  readonly repositoryUrl: string;
  /** Region of the repository, for `docker login`. */
  readonly region: string;
  /** The architecture the function declares; the image is built for exactly that. */
  readonly architecture: Architecture;
  /** Repository root: the Docker build context (it holds the workspace lockfile). */
  readonly projectRoot: string;
}

/**
 * Builds `lambda/` into an image and pushes it, tagged with a hash of the function's sources.
 *
 * The hash is computed at synth time (no Docker needed to synth or test); the build itself runs in
 * `terraform apply` through a `terraform_data` resource that is replaced exactly when the hash
 * changes, so `terraform plan` shows an image change exactly when the function changed.
 */
export class FunctionImage extends Construct {
  /** `<content hash>-<architecture>`: immutable tags can't hold two architectures of one source. */
  public readonly tag: string;
  /** `repository:tag`, for the function's `image_uri`. */
  public readonly imageUri: string;
  /** Depend on this so the image exists before the function is created or updated. */
  public readonly build: DataResource;

  constructor(scope: Construct, id: string, props: FunctionImageProps) {
    super(scope, id);
    // The architecture is part of the tag so switching it alone rebuilds, under a tag of its own.
    this.tag = `${imageContentHash({ projectRoot: props.projectRoot })}-${props.architecture}`;
    this.imageUri = `${props.repositoryUrl}:${this.tag}`;
    this.build = new DataResource(this, "build", {
      input: { image_uri: this.imageUri, platform: `linux/${dockerArch(props.architecture)}` },
      triggersReplace: { tag: this.tag, repository: props.repositoryUrl },
      provisioners: [
        {
          type: "local-exec",
          // Terraform runs in cdktf.out/stacks/<stack>; the build context is the repository root.
          // A relative path keeps the plan identical on every teammate's machine.
          workingDir: "${path.root}/../../..",
          command: "bash scripts/build-image.sh",
          environment: {
            REPOSITORY_URL: props.repositoryUrl,
            IMAGE_TAG: this.tag,
            PLATFORM: `linux/${dockerArch(props.architecture)}`,
            AWS_REGION: props.region,
          },
        },
      ],
    });
  }
}

function dockerArch(architecture: Architecture): string {
  return architecture === "arm64" ? "arm64" : "amd64";
}
