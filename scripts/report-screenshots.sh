#!/usr/bin/env bash
# The README's report screenshots from the sample data: builds the sample store (scripts/run-samples.sh) when
# out/store is missing, writes the nightly report of the severe sample night and the trend report into
# out/reports/, and screenshots their first screenful with headless Chromium into docs/images/.
# Needs chromium (scripts/install-deps.sh). Running as root needs --no-sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f out/store/plm.sqlite ] || bash scripts/run-samples.sh
swift build -c release --product plm 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
plm=.build/release/plm
mkdir -p out/reports docs/images
"$plm" report 2026-01-05 --html out/reports/night.html --data-dir out/store
"$plm" report --trend --html out/reports/trend.html --data-dir out/store
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
shot() {  # shot PAGE PNG HEIGHT
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --user-data-dir="$profile" \
    --screenshot="$2" --window-size="1000,$3" "file://$PWD/$1" 2>/dev/null
}
shot out/reports/night.html docs/images/report-night.png 1500
shot out/reports/trend.html docs/images/report-trend.png 1250
# Fewer colours make the PNGs several times smaller; skipped when Pillow is not installed.
python3 - <<'PY' || echo "Pillow not installed: PNGs left as Chromium wrote them"
from PIL import Image
for p in ("docs/images/report-night.png", "docs/images/report-trend.png"):
    Image.open(p).convert("RGB").quantize(colors=128, method=Image.Quantize.FASTOCTREE).save(p, optimize=True)
PY
ls -l docs/images/report-night.png docs/images/report-trend.png
