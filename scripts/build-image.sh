#!/usr/bin/env bash
# Builds lambda/ into a Lambda container image and pushes it to ECR. Run by `cdktf deploy`
# (terraform_data "build" in stacks/edge/function-image.ts) from the repository root, with
# REPOSITORY_URL, IMAGE_TAG, PLATFORM and AWS_REGION set. Needs docker (with buildx) and the aws CLI.
set -euo pipefail

: "${REPOSITORY_URL:?REPOSITORY_URL is not set}"
: "${IMAGE_TAG:?IMAGE_TAG is not set}"
: "${PLATFORM:?PLATFORM is not set, e.g. linux/arm64}"
: "${AWS_REGION:?AWS_REGION is not set}"

for tool in docker aws; do
  command -v "$tool" >/dev/null || { echo "build-image: '$tool' is not installed; it is needed to build and push the function image." >&2; exit 1; }
done

registry="${REPOSITORY_URL%%/*}"
repository="${REPOSITORY_URL#*/}"
image="${REPOSITORY_URL}:${IMAGE_TAG}"

# Tags are immutable and content-addressed: if a teammate (or CI) already pushed this tag, the
# image is the same bytes' build and pushing again would be refused.
if aws ecr describe-images --region "$AWS_REGION" --repository-name "$repository" \
     --image-ids "imageTag=${IMAGE_TAG}" >/dev/null 2>&1; then
  echo "build-image: ${image} already exists, not rebuilding."
  exit 0
fi

aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "$registry"

# --provenance=false: Lambda accepts a plain image manifest, not the manifest list that
# BuildKit's default provenance attestation produces.
docker buildx build \
  --platform "$PLATFORM" \
  --provenance=false \
  --file lambda/Dockerfile \
  --tag "$image" \
  --push \
  .
echo "build-image: pushed ${image}"
