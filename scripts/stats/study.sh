#!/usr/bin/env bash
# The study of the diary analysis on simulated people with planted effects (docs/statistics.md, "The study"):
# builds plm (release), runs `plm study run` (deterministic: seed 18, 1000 people per cell; about 5 minutes of one
# core) and puts its tables into docs/statistics.md between the study:begin and study:end markers.
# Extra arguments go to `plm study run` (e.g. --people 200 for a quicker, rougher look; docs are then not updated).
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product plm 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
tables=$(mktemp)
trap 'rm -f "$tables"' EXIT
.build/release/plm study run "$@" >"$tables"
if [ "$#" -gt 0 ]; then
  cat "$tables"
  exit 0
fi
python3 - "$tables" <<'PY'
import re, sys
tables = open(sys.argv[1]).read()
path = "docs/statistics.md"
doc = open(path).read()
new, n = re.subn(r"<!-- study:begin.*?<!-- study:end -->\n", lambda m: tables, doc, flags=re.S)
if n != 1:
    sys.exit(f"{path}: expected one study:begin ... study:end block, found {n}")
open(path + ".tmp", "w").write(new)
import os
os.replace(path + ".tmp", path)
print(f"{path}: study tables updated")
PY
