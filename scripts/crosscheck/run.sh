#!/usr/bin/env bash
# Cross-check `plm score --rules wasm2016` against PLMScoRe (R, MIT, S. Fulda).
#
#   scripts/crosscheck/run.sh /path/to/PLMScoRe-checkout [N_NIGHTS=20] [SEED=1]
#
# Environment:
#   PLM_BIN           plm executable (default: .build/release/plm, then .build/debug/plm,
#                     then `swift run -c release plm`)
#   WORK              working directory (default: a new /tmp/plm-crosscheck.XXXXXX)
#   BOUNDARY_GRID_CS  grid of the exact-boundary episodes in centiseconds
#                     (25 = binary-exact, default; 1 = 0.01 s, exposes float ties)
#   SKIP_OURS=1       only generate nights and run PLMScoRe
#   PLM_ARGS          extra arguments for `plm score`, e.g. the PLMScoRe-compatible settings
#                     "--set arousal_gap_inclusive=true --set lights_lm_inclusion=overlap"
#
# The PLMScoRe checkout is supplied by the developer; this script never
# downloads, copies or commits it (see README.md).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PLMSCORE="${1:?usage: run.sh /path/to/PLMScoRe-checkout [N_NIGHTS] [SEED]}"
N="${2:-20}"
SEED="${3:-1}"
GRID="${BOUNDARY_GRID_CS:-25}"
PLMSCORE="$(cd "$PLMSCORE" && pwd)"
[ -f "$PLMSCORE/R/lm_score.R" ] || { echo "not a PLMScoRe checkout: $PLMSCORE (R/lm_score.R missing)" >&2; exit 2; }

if ! command -v Rscript >/dev/null 2>&1; then
  echo "Rscript not found; installing r-base-core (Debian) ..." >&2
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq r-base-core
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq r-base-core
  fi
fi

WORK="${WORK:-$(mktemp -d /tmp/plm-crosscheck.XXXXXX)}"
mkdir -p "$WORK/nights" "$WORK/plmscore" "$WORK/ours"
echo "working directory: $WORK"

echo "--- generating $N nights (seed $SEED, boundary grid ${GRID} cs)"
python3 "$HERE/gen_nights.py" "$WORK/nights" --n "$N" --seed "$SEED" \
  --boundary-grid-cs "$GRID" --golden

echo "--- PLMScoRe ($PLMSCORE @ $(git -C "$PLMSCORE" rev-parse --short HEAD 2>/dev/null || echo unknown))"
Rscript "$HERE/run_plmscore.R" "$PLMSCORE" "$WORK/plmscore" "$WORK"/nights/*.edf \
  > "$WORK/plmscore.log" 2>&1 || { tail -40 "$WORK/plmscore.log"; exit 1; }
grep -E '^(== |   start)' "$WORK/plmscore.log" | paste - - | sed 's/  */ /g'

# golden night of docs (scoring-rules.md): PLM 31, 30 without breathing-related LMs
python3 - "$WORK/plmscore/golden_plmscore_summary.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
get = lambda t: float(next(r["TIB"] for r in rows if r["LMtype"] == t and r["Statistic"] == "number"))
plm, nr = get("PLM"), get("PLMnr")
ok = (plm, nr) == (31, 30)
print("golden night through PLMScoRe: PLM %d (expect 31), PLMnr %d (expect 30): %s" % (plm, nr, "PASS" if ok else "FAIL"))
PY

[ "${SKIP_OURS:-0}" = 1 ] && { echo "SKIP_OURS=1: stopping after PLMScoRe"; exit 0; }

if [ -n "${PLM_BIN:-}" ]; then PLM=("$PLM_BIN")
elif [ -x "$ROOT/.build/release/plm" ]; then PLM=("$ROOT/.build/release/plm")
elif [ -x "$ROOT/.build/debug/plm" ]; then PLM=("$ROOT/.build/debug/plm")
elif command -v swift >/dev/null 2>&1; then PLM=(swift run --package-path "$ROOT" -c release plm)
else echo "no plm binary and no swift toolchain; set PLM_BIN" >&2; exit 1
fi
echo "--- plm score (${PLM[*]})"
for f in "$WORK"/nights/*.tsv; do
  case "$f" in *.truth.tsv) continue;; esac
  name="$(basename "$f" .tsv)"
  # shellcheck disable=SC2086
  "${PLM[@]}" score "$f" --rules wasm2016 ${PLM_ARGS:-} --out "$WORK/ours/$name" > "$WORK/ours/$name.log" 2>&1 \
    || { echo "plm score failed on $name:"; tail -20 "$WORK/ours/$name.log"; }
done

echo "--- comparing"
python3 "$HERE/compare.py" "$WORK/nights" "$WORK/plmscore" "$WORK/ours" \
  --disagreements "$WORK/disagreements.tsv" | tee "$WORK/report.txt"
echo "report: $WORK/report.txt"
