#!/usr/bin/env bash
# Rewrites samples/<name>/expected/ by running each sample's pipeline.json for its listed periods.
# The golden files catch regressions; they are not a source of truth: the hand-worked figures in
# Tests/BillingStagesTests are. Review `git diff samples/` before committing new goldens.
set -euo pipefail
bin="${1:-.build/debug}"
for sample in samples/*/; do
  name=$(basename "$sample")
  [ -f "$sample/periods" ] || continue
  work=$(mktemp -d)
  sed "s#\"dataset\": *\"[^\"]*\"#\"dataset\": \"$PWD/$sample\"#" "$sample/pipeline.json" > "$work/pipeline.json"
  for period in $(cat "$sample/periods"); do
    "$bin/billing-pipeline" --config "$work/pipeline.json" --period "$period" 2>/dev/null
  done
  rm -rf "$sample/expected"
  mkdir -p "$sample/expected"
  cp -r "$work/ledger" "$sample/expected/ledger"
  rm -f "$sample/expected/ledger/lock"
  for period in $(cat "$sample/periods"); do
    mkdir -p "$sample/expected/out/$period"
    cp "$work/out/$period"/{items.csv,rejects.csv,report.json,report.md} "$sample/expected/out/$period/"
  done
  chmod -R u+w "$sample/expected"
  rm -rf "$work"
  echo "golden: $sample"
done
