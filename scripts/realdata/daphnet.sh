#!/usr/bin/env bash
# Replays the seven Daphnet Freezing-of-Gait sessions through plm-replay and checks the outcome: nobody is in
# bed in them (people with Parkinson's disease walking in a lab), so the detector must find no time in bed,
# and no PLM index may be "above the cut-off".
#
#   scripts/realdata/daphnet.sh DAPHNET_DIR [WORK_DIR]
#
# DAPHNET_DIR holds S01R02.txt S02R01.txt S02R02.txt S03R02.txt S03R03.txt S06R02.txt S07R02.txt (Bächlin et al.,
# IEEE TITB 14(2):436-446, 2010; CC BY 4.0), e.g. from the repository
# terminalai/GaitMonitoringForParkinsonsDiseasePatients, folder daphnet/ (the other sessions there are Git LFS
# pointers). The data are not part of this repository, apart from the small excerpt in fixtures/ (README there).
# Environment: PLM_REPLAY (default .build/release/plm-replay, built if missing).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SRC="${1:?usage: daphnet.sh DAPHNET_DIR [WORK_DIR]}"
WORK="${2:-$(mktemp -d /tmp/plm-daphnet.XXXXXX)}"
REPLAY="${PLM_REPLAY:-$ROOT/.build/release/plm-replay}"
if [ ! -x "$REPLAY" ]; then
    (cd "$ROOT" && swift build -c release --product plm-replay >&2)
fi
mkdir -p "$WORK"
SESSIONS="S01R02 S02R01 S02R02 S03R02 S03R03 S06R02 S07R02"
fail=0
printf '%-7s %9s %10s %-10s %9s %6s %s\n' session minutes in_bed_s basis plm_index above verdict
for s in $SESSIONS; do
    [ -f "$SRC/$s.txt" ] || { echo "missing $SRC/$s.txt" >&2; exit 2; }
    python3 "$HERE/daphnet_to_csv.py" "$SRC/$s.txt" "$WORK/$s.csv" 2>/dev/null
    rm -rf "$WORK/out-$s"
    "$REPLAY" "$WORK/$s.csv" --out "$WORK/out-$s" >"$WORK/$s.log" 2>&1 || { echo "$s: plm-replay failed, see $WORK/$s.log" >&2; fail=1; continue; }
    python3 - "$WORK/out-$s/summary.json" "$s" <<'PY' || fail=1
import json, sys
s = json.load(open(sys.argv[1]))
dq = s["data_quality"]
in_bed = dq.get("in_bed_s") or 0
index = s.get("plm_index")
above = s.get("plm_index_above_cutoff")
basis = s.get("plm_index_basis")
minutes = (dq.get("recording_s") or 0) / 60
# Nobody is in bed: no time in bed, so no PLM in the basis, no PLM index (null, with a note naming --in-bed),
# and never "above the cut-off".
ok = in_bed == 0 and index is None and above is not True and (s.get("plm_basis_count") or 0) == 0
print(f"{sys.argv[2]:<7} {minutes:9.1f} {in_bed:10.0f} {str(basis):<10} {str(index):>9} {str(above):>6} "
      f"{'ok' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
done
echo "outputs in $WORK" >&2
exit $fail
