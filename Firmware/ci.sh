#!/bin/sh
# Firmware CI: install the Debian packages the firmware needs, then run the
# host unit tests (plain and sanitized), the same tests on an emulated
# Cortex-M3, and the board image build with its size budget check.
# Exits non-zero on any failure. Called by the project's .ci/run.
set -eu
cd "$(dirname "$0")"

PKGS="gcc libc6-dev make gcc-arm-none-eabi picolibc-arm-none-eabi qemu-system-arm"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "firmware ci: installing$missing"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends $missing
else
    echo "firmware ci: packages present ($PKGS)"
fi

make clean
echo "== make host-test"
make host-test
echo "== make qemu-test"
make qemu-test
echo "== make image"
make image
echo "firmware ci: all targets passed"
