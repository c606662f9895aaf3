#!/usr/bin/env bash
# The A/B step of a pull request (.github/workflows/bench.yml), and the same run locally:
#
#   bash scripts/bench-pr.sh BASE_REF OUT_DIR
#
# Measures the working tree against BASE_REF with `pbts bench ab` on the pull-request suite
# (PBTS_AB_EXPERIMENTS, default receipts, quick options, PBTS_AB_ROUNDS rounds, default 7),
# writes OUT_DIR/comment.md (the table, or why there is none: the comment and the job summary
# show it either way) and OUT_DIR/ab.json, and exits with bench ab's code (0 pass, 1 regressed,
# 2 the run failed).
set -uo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 2 ]; then
  echo "usage: bash scripts/bench-pr.sh BASE_REF OUT_DIR" >&2
  exit 2
fi
base=$1
out=$2
mkdir -p "$out"
rm -f "$out/comment.md" "$out/ab.json"
# The native backend only: the pure-JS one adds minutes and measures the same code paths.
export PBTS_BACKENDS=${PBTS_BACKENDS:-blst}

status=0
node bin/pbts.js bench ab --base "$base" --experiments "${PBTS_AB_EXPERIMENTS:-receipts}" --quick \
  --rounds "${PBTS_AB_ROUNDS:-7}" --markdown "$out/comment.md" --json "$out/ab.json" || status=$?
if [ "$status" -ge 2 ] || [ ! -s "$out/comment.md" ]; then
  {
    echo '### Benchmarks: head against base, measured in the same job'
    echo
    echo "The A/B run failed (exit $status) before it could compare; its log${RUN_URL:+ ($RUN_URL)} says why."
  } >"$out/comment.md"
  [ "$status" -ge 2 ] || status=2
fi
exit "$status"
