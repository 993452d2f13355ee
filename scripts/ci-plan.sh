#!/usr/bin/env bash
# CI, one stack: synthesize, terraform init + plan, and write the PR comment for it.
#   scripts/ci-plan.sh <stack> <environment or ""> <output dir>
# Writes <output dir>/comment.md and prints status=<exit code of init/plan> to $GITHUB_OUTPUT.
# Always exits 0 once the comment exists, so the workflow can post it before failing the check.
set -uo pipefail
cd "$(dirname "$0")/.."

stack=${1:?usage: ci-plan.sh <stack> <environment or ""> <output dir>}
environment=${2:-}
out=${3:?usage: ci-plan.sh <stack> <environment or ""> <output dir>}
mkdir -p "$out"
if [ -n "$environment" ]; then export ANKIFY_ENVIRONMENT="$environment"; fi
dir="${CDKTF_OUTDIR:-cdktf.out}/stacks/$stack"

status=0
{
  node -r sucrase/register main.ts &&
    terraform -chdir="$dir" init -input=false -no-color &&
    terraform -chdir="$dir" plan -input=false -no-color -lock-timeout=300s -out=plan.tfplan &&
    terraform -chdir="$dir" show -no-color plan.tfplan >"$out/plan.txt" &&
    terraform -chdir="$dir" show -json plan.tfplan >"$out/plan.json"
} >"$out/log.txt" 2>&1 || status=$?

run_url=""
if [ -n "${GITHUB_RUN_ID:-}" ]; then run_url="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}"; fi
if [ "$status" -eq 0 ]; then
  node -r sucrase/register scripts/plan-comment.ts --stack "$stack" --plan-json "$out/plan.json" --plan-text "$out/plan.txt" --run-url "$run_url" >"$out/comment.md"
else
  node -r sucrase/register scripts/plan-comment.ts --stack "$stack" --error-log "$out/log.txt" --run-url "$run_url" >"$out/comment.md"
fi
# The JSON plan holds sensitive values (the origin secret) in clear: never leave it behind.
rm -f "$out/plan.json" "$dir/plan.tfplan"

cat "$out/log.txt"
echo "ci-plan: $stack: init/plan exit status $status"
echo "status=$status" >>"${GITHUB_OUTPUT:-/dev/null}"
exit 0
