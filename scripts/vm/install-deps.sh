#!/usr/bin/env bash
# Installs what the VM system test (scripts/vm/system-test.sh) needs on the host: QEMU, a static busybox for
# the guest's initramfs, cpio, and Debian's kernel package (downloaded, not installed) with the USB gadget
# modules. Idempotent; run as root (or with sudo). The kernel package goes to ${PLM_VM_CACHE:-.build-vm/cache}.
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
packages=(qemu-system-x86 busybox-static cpio libusb-1.0-0-dev gcc libc6-dev kmod)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
cache="${PLM_VM_CACHE:-$(cd "$(dirname "$0")/../.." && pwd)/.build-vm/cache}"
mkdir -p "$cache"
# The versioned image package the meta package linux-image-amd64 points at (e.g. linux-image-6.1.0-28-amd64).
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$kpkg" ]; then
  $SUDO apt-get update -qq
  kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
fi
[ -n "$kpkg" ] || { echo "install-deps: cannot find the kernel package behind linux-image-amd64" >&2; exit 1; }
if ! ls "$cache/$kpkg"_*.deb >/dev/null 2>&1; then
  (cd "$cache" && apt-get download "$kpkg" >/dev/null)
fi
ls "$cache/$kpkg"_*.deb
