#!/usr/bin/env bash
# Proves the A/B mode (`pbts bench ab`) on this machine: three A/B runs of unchanged code (base
# HEAD against the working tree, the same code) must pass, and three A/B runs whose head has a
# 1.5x slowdown in one benchmark (PBTS_BENCH_SLOWDOWN on the head's runs only, confined to that
# benchmark by PBTS_BENCH_SLOWDOWN_ONLY) must fail with exit code 1 and flag that benchmark and
# no other. No run gets a second chance. Each A/B run leaves no worktree behind.
set -euo pipefail
cd "$(dirname "$0")/.."

# The receipts experiment's quick options on the native backend, one batch size: in-process,
# about 5 s a run, 21 runs (7 rounds, the default, of base, head and control) an A/B run.
export PBTS_BACKENDS=blst PBTS_BATCH_SIZES=10
target='receipts [blst] > receipt verification'
slowdown=1.5
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

ab() {
  local status=0
  node bin/pbts.js bench ab --base HEAD --experiments receipts --quick --json "$out/ab.json" "$@" >"$out/ab.txt" 2>"$out/ab.err" || status=$?
  cat "$out/ab.txt"
  if [ "$status" -ge 2 ]; then
    cat "$out/ab.err"
    echo "ab self-test: the A/B run itself failed (exit $status)" >&2
    exit 1
  fi
  # Its worktrees live in a pbts-ab-* scratch folder (other worktrees of the repository may come and go).
  if git worktree list --porcelain | grep -q '^worktree .*/pbts-ab-'; then
    echo "ab self-test FAILED: the A/B run left a worktree behind" >&2
    exit 1
  fi
  return "$status"
}

# The flagged benchmarks of the last run, one per line.
flagged() {
  node -e 'for (const row of require(process.argv[1]).rows) if (row.status === "regressed") console.log(row.benchmark)' "$out/ab.json"
}

for run in 1 2 3; do
  echo "== unchanged code, A/B run $run =="
  if ! ab; then
    echo "ab self-test FAILED: unchanged code was flagged (run $run): $(flagged | paste -sd ',')" >&2
    exit 1
  fi
done

for run in 1 2 3; do
  echo "== head with a ${slowdown}x slowdown in '$target', A/B run $run =="
  status=0
  ab --head-env "PBTS_BENCH_SLOWDOWN=$slowdown" --head-env "PBTS_BENCH_SLOWDOWN_ONLY=$target" || status=$?
  if [ "$status" -ne 1 ] || [ "$(flagged)" != "$target" ]; then
    echo "ab self-test FAILED: run $run exited $status and flagged [$(flagged | paste -sd ',')], not exactly '$target'" >&2
    exit 1
  fi
done
echo "ab self-test passed in ${SECONDS}s: 3 unchanged A/B runs passed, 3 with a ${slowdown}x slowdown flagged '$target' and nothing else"
