#!/usr/bin/env bash
# Rewrites samples/<name>/expected/ by running each sample's pipeline.json for the runs listed in
# samples/<name>/runs: one line per run, "PERIOD DATASET-FOLDER" (the folder relative to the
# sample; a sample whose data is corrected between runs names a different folder for earlier runs).
# The golden files catch regressions; they are not the source of truth: the hand-worked figures in
# Tests/ are. Review `git diff samples/` before committing new goldens.
set -euo pipefail
bin="${1:-.build/debug}"
for sample in samples/*/; do
  sample=${sample%/}
  [ -f "$sample/runs" ] || continue
  work=$(mktemp -d)
  periods=()
  while read -r period folder; do
    [ -n "$period" ] || continue
    sed "s#\"dataset\": *\"[^\"]*\"#\"dataset\": \"$PWD/$sample/$folder\"#" "$sample/pipeline.json" > "$work/pipeline.json"
    "$bin/billing-pipeline" --config "$work/pipeline.json" --period "$period" 2>/dev/null
    periods+=("$period")
  done < "$sample/runs"
  rm -rf "$sample/expected"
  mkdir -p "$sample/expected"
  cp -r "$work/ledger" "$sample/expected/ledger"
  rm -f "$sample/expected/ledger/lock"
  for period in "${periods[@]}"; do
    mkdir -p "$sample/expected/out/$period"
    find "$work/out/$period" -maxdepth 1 -type f -exec cp {} "$sample/expected/out/$period/" \;
  done
  chmod -R u+w "$sample/expected"
  chmod -R u+w "$work" && rm -rf "$work"
  echo "golden: $sample"
done
