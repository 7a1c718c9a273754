#!/bin/sh
# The effect of Packaging/70-plm-sensor.rules where no udevd runs (the VM system test): run by busybox `uevent`
# for every kernel uevent. A USB device with VID:PID 1209:0001 (the uevent's PRODUCT is vid/pid/bcdDevice in
# hex without leading zeros) gets group plm and mode 0660; nothing else changes.
[ "$ACTION" = add ] || [ "$ACTION" = bind ] || exit 0
[ "$SUBSYSTEM" = usb ] && [ "$DEVTYPE" = usb_device ] && [ -n "$DEVNAME" ] || exit 0
case "$PRODUCT" in
  1209/1/*) chgrp plm "/dev/$DEVNAME" && chmod 0660 "/dev/$DEVNAME" ;;
esac
exit 0
