#!/usr/bin/env bash
# The main job on the bundled sample data: install what is missing, build plm and plm-replay (release),
# replay every sample recording in SampleRecordings/ through the detector and the scoring rules into
# out/replay/<night>/ and into a store (out/store/plm.sqlite), import the sample diary, list the nights,
# relate the diary to the PLM index and export the store as CSV (out/nights.csv, out/events.csv); score
# the sample event tables into out/score/<night>/<profile>/; then the sample month (SampleRecordings/month: 32
# nights of one person's nights as event tables, a diary, and a self-experiment of a lukewarm bath) into its own
# store out/month-store: the trial's plan and result, the nights, the trend report and the diary analysis, which
# finds the bath (planted to help) and alcohol (planted to harm) and nothing else.
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
month=(--data-dir out/month-store)
rm -rf out/month-store out/month
"$bin/plm" settings "${month[@]}" --time-zone UTC >/dev/null
"$bin/plm" trial plan --remedy bath --nights 32 --block 2 --start 2026-02-02 --seed 20260202 "${month[@]}" \
  >out/month-trial-plan.txt
for f in SampleRecordings/month/night-*.tsv; do
  night=$(basename "$f" .tsv)
  night=${night#night-}
  "$bin/plm" score "$f" --rules wasm2016 --out "out/month/$night" --store --night "$night" "${month[@]}" --quiet
done
"$bin/plm" diary import SampleRecordings/month/diary.csv "${month[@]}"
"$bin/plm" nights "${month[@]}"
"$bin/plm" trial result "${month[@]}"
"$bin/plm" report --trend "${month[@]}" --html out/report-month.html
"$bin/plm" correlate "${month[@]}" --csv out/month-correlation.csv
echo "outputs in out/replay, out/store, out/nights.csv, out/events.csv, out/correlation.csv, out/report-*.html, out/score, and for the sample month out/month-store, out/month, out/report-month.html, out/month-correlation.csv"
