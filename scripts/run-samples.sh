#!/usr/bin/env bash
# The main job on the bundled sample data: install what is missing, build plm and plm-replay (release),
# replay every sample recording in SampleRecordings/ through the detector and the scoring rules into
# out/replay/<night>/ and into a store (out/store/plm.sqlite), import the sample diary, list the nights,
# relate the diary to the PLM index and export the store as CSV (out/nights.csv, out/events.csv); then score
# the sample event tables into out/score/<night>/<profile>/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
bin=.build/release
[ -x "$bin/plm-replay" ] && [ -x "$bin/plm" ] || { echo "build failed" >&2; exit 1; }
mkdir -p out
store=(--data-dir out/store)
rm -rf out/store
"$bin/plm" settings "${store[@]}" --time-zone UTC >/dev/null
"$bin/plm-replay" SampleRecordings/*.plmrec.gz --rules wasm2016 --out out/replay --store "${store[@]}"
"$bin/plm" diary import SampleRecordings/diary.csv "${store[@]}"
"$bin/plm" nights "${store[@]}"
"$bin/plm" correlate "${store[@]}" --csv out/correlation.csv
"$bin/plm" export "${store[@]}" --csv out/nights.csv --events out/events.csv
"$bin/plm" report 2026-01-05 "${store[@]}" --html out/report-night.html
"$bin/plm" report --trend "${store[@]}" --html out/report-trend.html
for f in SampleRecordings/events/*.tsv SampleRecordings/events/*.edf; do
  [ -e "$f" ] || continue
  name=$(basename "${f%.*}")
  for rules in wasm2016 aasm; do
    "$bin/plm" score "$f" --rules "$rules" --out "out/score/$name/$rules"
  done
done
echo "outputs in out/replay, out/store, out/nights.csv, out/events.csv, out/correlation.csv, out/report-*.html and out/score"
