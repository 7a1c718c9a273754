#!/usr/bin/env bash
# Builds the VM system test's guest: Debian's kernel (from the package scripts/vm/install-deps.sh downloaded),
# an initramfs with busybox, the kernel modules the test needs (and their dependencies, from modules.dep),
# the FunctionFS sensor (Firmware/board/functionfs, linked statically), plmd (release build, Swift runtime
# linked statically; its remaining shared libraries copied with the dynamic loader) and the guest scripts.
#   build-initramfs.sh OUTDIR        -> OUTDIR/vmlinuz, OUTDIR/initramfs.cpio
# Environment: PLMD (default .build/release/plmd), PLM_VM_CACHE (kernel package folder).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:?usage: build-initramfs.sh OUTDIR}"
cache="${PLM_VM_CACHE:-$root/.build-vm/cache}"
plmd="${PLMD:-$root/.build/release/plmd}"
[ -x "$plmd" ] || { echo "build-initramfs: $plmd missing (swift build -c release --product plmd --static-swift-stdlib)" >&2; exit 1; }
deb=$(ls "$cache"/linux-image-*-amd64_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "build-initramfs: no kernel package in $cache (run scripts/vm/install-deps.sh)" >&2; exit 1; }

mkdir -p "$out"
kdir="$out/kernel"
if [ ! -f "$kdir/.unpacked" ] || [ "$deb" -nt "$kdir/.unpacked" ]; then
  rm -rf "$kdir"; mkdir -p "$kdir"
  dpkg-deb -x "$deb" "$kdir"
  touch "$kdir/.unpacked"
fi
kver=$(ls "$kdir/lib/modules" | head -1)
depmod -b "$kdir" "$kver"
cp "$kdir/boot/vmlinuz-$kver" "$out/vmlinuz"

# The FunctionFS sensor: the firmware's portable core + the FunctionFS HAL, static.
fw="$root/Firmware"
gcc -std=gnu11 -O2 -Wall -Wextra -Wshadow -Werror -static -pthread -I"$fw/protocol/include" -I"$fw/core" \
  "$fw/board/functionfs/ffs_sensor.c" "$fw/protocol/plm_protocol.c" "$fw/core/plm_time.c" "$fw/core/plm_ring.c" \
  "$fw/core/plm_ramstore.c" "$fw/core/plm_config.c" "$fw/core/plm_device.c" "$fw/core/plm_usb.c" -lm \
  -o "$out/ffs_sensor"

ird="$out/initramfs"
rm -rf "$ird"
mkdir -p "$ird"/{bin,sbin,etc,proc,sys,dev,tmp,run,out,data,usr/bin,usr/lib,lib64,lib/x86_64-linux-gnu,plm}
cp /bin/busybox "$ird/bin/busybox"
for a in $("$ird/bin/busybox" --list); do [ "$a" = busybox ] || ln -sf busybox "$ird/bin/$a"; done

# Modules: the gadget side (dummy_hcd, libcomposite, usb_f_fs, configfs), the host side (usbcore, which dummy_hcd
# pulls in), and virtio block for the results disk; each with what modules.dep says it needs.
mdir="$kdir/lib/modules/$kver"
want=(dummy_hcd usb_f_fs libcomposite configfs virtio_pci virtio_blk)
declare -A have=()
mods=()
for m in "${want[@]}"; do
  line=$(grep -E "/$m\.ko(\.[a-z]+)?:" "$mdir/modules.dep") || { echo "build-initramfs: module $m not in $kver" >&2; exit 1; }
  for f in ${line#*:} ${line%%:*}; do
    [ -n "${have[$f]:-}" ] && continue
    have[$f]=1; mods+=("$f")
  done
done
mkdir -p "$ird/lib/modules/$kver"
for f in "${mods[@]}"; do
  mkdir -p "$ird/lib/modules/$kver/$(dirname "$f")"
  cp "$mdir/$f" "$ird/lib/modules/$kver/$f"
done
cp "$mdir"/modules.{dep,alias,symbols,builtin,builtin.modinfo,order} "$ird/lib/modules/$kver/" 2>/dev/null || true
depmod -b "$ird" "$kver"

# plmd and the shared libraries it still needs (libusb, libudev, sqlite, libc...), with the dynamic loader.
strip -o "$ird/usr/bin/plmd" "$plmd" # symbols only; the code is the release build's
ldd "$plmd" | awk '/=> \// {print $3} /^\s*\/lib64\// {print $1}' | while read -r lib; do
  cp -L "$lib" "$ird/lib/x86_64-linux-gnu/"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$ird/lib64/"
ln -sf lib/x86_64-linux-gnu "$ird/usr/lib/x86_64-linux-gnu" 2>/dev/null || true

cp "$out/ffs_sensor" "$ird/usr/bin/ffs_sensor"
cp "$root/scripts/vm/guest-init.sh" "$ird/init"
cp "$root/scripts/vm/guest-udev.sh" "$ird/sbin/plm-udev"
chmod 0755 "$ird/init" "$ird/sbin/plm-udev"
cp "$root/Packaging/70-plm-sensor.rules" "$ird/etc/"
printf 'root:x:0:0:root:/root:/bin/sh\nplm:x:990:990:plm:/data:/bin/false\n' > "$ird/etc/passwd"
printf 'root:x:0:\nplm:x:990:\n' > "$ird/etc/group"
echo "$kver" > "$ird/etc/kernel-version"

(cd "$ird" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$out/initramfs.cpio"
echo "build-initramfs: $out/vmlinuz $out/initramfs.cpio ($(du -m "$out/initramfs.cpio" | cut -f1) MB, kernel $kver, ${#mods[@]} modules)"
