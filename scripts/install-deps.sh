#!/usr/bin/env bash
# Installs the Debian packages plm needs to build and test. Idempotent; run as root (or with sudo).
# The Swift 6 toolchain itself is expected on PATH (these machines have it in /opt/swift; elsewhere see
# https://www.swift.org/install/linux/debian/).
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# libsqlite3-dev: the night store (GRDB). libusb-1.0-0-dev: the daemon's USB layer (Sources/SensorUSB);
# libdeflate-dev: the .gt3x zip member's inflate and CRC-32 (Sources/CLibDeflate, about twice zlib's speed).
# umockdev + libumockdev-dev: its tests run real libusb against emulated sensors (Tests/SensorEmulator, docs/daemon.md).
# chromium + fonts-dejavu-core: the reports' test renders them in headless Chromium (docs/reports.md); chromium
# adds about 400 MB and half a minute of installing.
packages=(git ca-certificates pkg-config zlib1g-dev libdeflate-dev libsqlite3-dev python3-pip libusb-1.0-0-dev umockdev libumockdev-dev
  chromium fonts-dejavu-core)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ] || [ "${PLM_APT_UPDATE:-1}" = 1 ]; then
  $SUDO apt-get update -qq
  [ "${#missing[@]}" -gt 0 ] && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v swift >/dev/null 2>&1 || {
  echo "swift is not on PATH: install the Swift 6 toolchain (https://www.swift.org/install/linux/debian/)" >&2
  exit 1
}
# Python readers used by the EDF+ interoperability test (pyedflib and MNE read our EDF+ files back).
python3 -c "import pyedflib, mne" 2>/dev/null || python3 -m pip install --quiet pyedflib mne
