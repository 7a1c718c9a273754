#!/usr/bin/env bash
# Installs what the VM system test (scripts/vm/system-test.sh) needs on the host: QEMU, a static busybox for
# the guest's initramfs, cpio, and Debian's kernel package (downloaded, not installed) with the USB gadget
# modules. Idempotent (does nothing, offline, when all is there; else apt-get update first); run as root (or with
# sudo available). The kernel package goes to ${PLM_VM_CACHE:-.build-vm/cache}.
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
packages=(qemu-system-x86 busybox-static cpio libusb-1.0-0-dev gcc libc6-dev kmod)
cache="${PLM_VM_CACHE:-$(cd "$(dirname "$0")/../.." && pwd)/.build-vm/cache}"
mkdir -p "$cache"
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
have_kernel=0
ls "$cache"/linux-image-*-amd64_*.deb >/dev/null 2>&1 && have_kernel=1
# Nothing to do on a machine that has it all (no network needed); otherwise the package lists first.
if [ "${#missing[@]}" -eq 0 ] && [ "$have_kernel" = 1 ]; then
  ls "$cache"/linux-image-*-amd64_*.deb | head -1
  exit 0
fi
if [ -n "$SUDO" ] && ! command -v sudo >/dev/null; then
  echo "install-deps: need root (or sudo) to install ${missing[*]:-the package lists}" >&2
  exit 1
fi
$SUDO apt-get update -qq
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ "$have_kernel" = 0 ]; then
  # The versioned image package the meta package linux-image-amd64 points at (e.g. linux-image-6.1.0-28-amd64).
  kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [ -n "$kpkg" ] || { echo "install-deps: cannot find the kernel package behind linux-image-amd64" >&2; exit 1; }
  (cd "$cache" && apt-get download "$kpkg" 2>&1 | grep -v "couldn't be accessed by user '_apt'" || true)
fi
ls "$cache"/linux-image-*-amd64_*.deb | head -1
