#!/usr/bin/env bash
# A stand-in `terraform` for testing scripts/ci-plan.sh offline: it replays recorded output from
# $REPLAY_DIR (plan-changes.txt / plan-changes.json) and fails the step named by $REPLAY_FAIL
# (init or plan) with plan-error.txt. It checks that it is pointed at a synthesized stack.
set -euo pipefail
# cdktf runs `terraform version` while synthesizing (terraform_data needs Terraform >= 1.4).
if [ "${1:-}" = "version" ]; then echo "Terraform v1.11.4"; exit 0; fi
chdir=""
if [[ "${1:-}" == -chdir=* ]]; then chdir="${1#-chdir=}"; shift; fi
[ -f "$chdir/cdk.tf.json" ] || { echo "replay: no synthesized stack in '$chdir'" >&2; exit 1; }
command=${1:?}
if [ "${REPLAY_FAIL:-}" = "$command" ]; then cat "$REPLAY_DIR/plan-error.txt" >&2; exit 1; fi
case "$command" in
  init) echo "Terraform has been successfully initialized!" ;;
  plan)
    for arg in "$@"; do [[ "$arg" == -out=* ]] && echo "binary plan" >"$chdir/${arg#-out=}"; done
    cat "$REPLAY_DIR/plan-changes.txt" ;;
  show)
    if [ "${2:-}" = "-json" ]; then cat "$REPLAY_DIR/plan-changes.json"; else cat "$REPLAY_DIR/plan-changes.txt"; fi ;;
  *) echo "replay: unexpected command $command" >&2; exit 1 ;;
esac
