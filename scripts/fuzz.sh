#!/usr/bin/env bash
# Fuzzes every decoder of outside input with libFuzzer (docs/fuzzing.md).
#
#   scripts/fuzz.sh [--seconds N] [--runs N] [TARGET...]     default: every target, 60 s each
#
# Builds plm-fuzz with -sanitize=fuzzer into its own scratch folder (.build-fuzz, so the ordinary debug build is
# untouched), then runs each target from its committed seeds (Fuzz/corpus/TARGET) plus the corpus grown by earlier
# runs (.build-fuzz/corpus/TARGET). Prints executions, corpus size and crashes per target; exits 1 when any target
# crashed, hung (-timeout) or ran out of memory (-rss_limit_mb). Crashing inputs are kept in .build-fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
runs=-1
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) targets+=("$1"); shift ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=(frame plmrec edf csv events diary config gt3x cwa geneactiv actilife)

scratch=.build-fuzz
set +e
swift build -c release --product plm-fuzz --scratch-path "$scratch" \
    -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library -Xswiftc -DPLM_FUZZ -Xswiftc -use-ld=lld \
    2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]'
built=${PIPESTATUS[0]}
set -e
exe="$scratch/release/plm-fuzz"
[ "$built" -eq 0 ] && [ -x "$exe" ] || { echo "fuzz.sh: the fuzz build failed" >&2; exit 1; }

# The targets write each input to a scratch file (the readers read files): in memory (/dev/shm) that is over ten
# times faster than on a disk-backed /tmp.
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm="${TMPDIR:-/tmp}"
work=$(mktemp -d "$shm/plm-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$scratch/crashes"
failed=0
printf '%-10s %12s %10s %8s %8s\n' target executions "corpus" seconds crashes
for t in "${targets[@]}"; do
    corpus="$scratch/corpus/$t"
    mkdir -p "$corpus"
    log="$work/$t.log"
    status=0
    PLM_FUZZ_TARGET="$t" PLM_FUZZ_SCRATCH="$work" SWIFT_BACKTRACE=enable=no "$exe" "$corpus" "Fuzz/corpus/$t" \
        -max_total_time="$seconds" -runs="$runs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="$scratch/crashes/$t-" -print_final_stats=1 >"$log" 2>&1 || status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    files=$(find "$corpus" -type f | wc -l)
    crashes=0
    if [ "$status" -ne 0 ]; then
        crashes=1
        failed=1
        grep -E 'ERROR|Fatal|crash|deadly|timeout|out-of-memory' "$log" | head -5 >&2 || true
    fi
    printf '%-10s %12s %10s %8s %8s\n' "$t" "${execs:-?}" "$files" "${took:-?}" "$crashes"
done
exit $failed
