#!/usr/bin/env bash
# `npm run validate`: synthesizes every stack and runs `terraform init -backend=false` and
# `terraform validate` on each. Opt-in: it downloads the AWS and random providers from the
# Terraform registry, so it needs network access (CI does not run it).
set -uo pipefail
cd "$(dirname "$0")/.."

command -v terraform >/dev/null || { echo "validate: terraform is not installed (https://developer.hashicorp.com/terraform/install)." >&2; exit 2; }

outdir="${CDKTF_OUTDIR:-cdktf.out}"
CDKTF_OUTDIR="$outdir" node -r sucrase/register main.ts || exit 1

status=0
for dir in "$outdir"/stacks/*/; do
  stack=$(basename "$dir")
  log=$(mktemp)
  if ! terraform -chdir="$dir" init -backend=false -input=false -no-color >"$log" 2>&1; then
    if grep -qiE "could not connect|failed to query available provider packages|no such host|i/o timeout|connection refused|registry.terraform.io" "$log"; then
      echo "validate: $stack: cannot reach the Terraform registry to install providers; run this where registry.terraform.io is reachable (or set up a provider mirror)." >&2
      tail -n 5 "$log" | sed 's/^/    /' >&2
      rm -f "$log"
      exit 3
    fi
    echo "validate: $stack: terraform init failed:" >&2
    sed 's/^/    /' "$log" >&2
    status=1
  elif terraform -chdir="$dir" validate -no-color; then
    echo "validate: $stack: ok"
  else
    status=1
  fi
  rm -f "$log"
done
exit $status
