#!/usr/bin/env bash
# The main job on the bundled sample data: install what is missing, build plm (release), and score every
# sample in SampleRecordings/ into out/<name>/ (lm_events.tsv, summary.json, summary.csv), printing a short
# summary of each night.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product plm 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
PLM=.build/release/plm
[ -x "$PLM" ] || { echo "build failed: $PLM missing" >&2; exit 1; }
mkdir -p out
for f in SampleRecordings/events/*.tsv SampleRecordings/events/*.edf; do
  [ -e "$f" ] || continue
  name=$(basename "${f%.*}")
  for rules in wasm2016 aasm; do
    "$PLM" score "$f" --rules "$rules" --out "out/$name/$rules"
  done
done
echo "outputs in out/"
