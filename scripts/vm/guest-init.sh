#!/bin/sh
# /init of the VM system test's guest (scripts/vm/system-test.sh builds and boots it; docs/daemon.md).
# Two plm sensors as USB gadgets on dummy_hcd (the FunctionFS sensor, Firmware/board/functionfs), plmd recording
# them through the same kernel's USB host side, as the unprivileged user plm; then the scenarios chosen on the
# kernel command line (plm.soak=S plm.replugs=N plm.kills=N plm.diskfull=S plm.faults=N). Everything the host
# checks is tarred onto the second disk (/dev/vda) before the guest powers off.
export PATH=/bin:/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs -o size=256m tmp /tmp
exec >/dev/console 2>&1

now() { cut -d' ' -f1 /proc/uptime; }
log() { echo "[vm $(now)] $*"; }
param() { sed -n "s/.*plm\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
if [ "$(param probe)" = 1 ]; then echo "plm-vm-probe-ok"; poweroff -f; fi
finish() {
  log "collecting results"
  for p in $SENSOR_PIDS; do kill -TERM "$p" 2>/dev/null; done
  sleep 1
  cp /tmp/*.stats /tmp/*.acks /tmp/plmd*.log /tmp/events /tmp/figures /out/ 2>/dev/null
  cp -r /data/recordings /out/ 2>/dev/null
  cp /data/status.json /out/ 2>/dev/null
  dmesg > /out/dmesg.txt
  echo "$1" > /out/guest-result
  if [ -b /dev/vda ]; then
    (cd /out && tar -cf /dev/vda .) && sync
  fi
  log "guest done: $1"
  poweroff -f
}
trap 'finish "guest script error"' EXIT

SOAK=$(param soak); SOAK=${SOAK:-60}
REPLUGS=$(param replugs); REPLUGS=${REPLUGS:-0}
KILLS=$(param kills); KILLS=${KILLS:-0}
DISKFULL=$(param diskfull); DISKFULL=${DISKFULL:-0}
FAULTS=$(param faults); FAULTS=${FAULTS:-0}
SEED=$(param seed); SEED=${SEED:-17}
RANDOM=$SEED
rnd() { echo $(( $1 + RANDOM % ($2 - $1 + 1) )); } # integer in [a, b]

# A fixed evening, so the night and its morning do not depend on when CI runs.
date -s "2026-01-05 22:00:00" >/dev/null
log "kernel $(uname -r), soak ${SOAK}s, replugs $REPLUGS, kills $KILLS, diskfull ${DISKFULL}s, faults $FAULTS"

modprobe virtio_pci; modprobe virtio_blk
modprobe configfs && mount -t configfs none /sys/kernel/config || finish "no configfs"
# Two UDCs (two legs), full speed as the sensor (64-byte bulk packets are full speed only).
modprobe dummy_hcd num=2 is_high_speed=0 || finish "no dummy_hcd"
modprobe usb_f_fs || finish "no usb_f_fs"
ls /sys/class/udc > /tmp/udcs
log "UDCs: $(tr '\n' ' ' < /tmp/udcs)"

# The udev rule's effect (no udevd here): group plm, mode 0660 on the sensors' usbfs nodes, from the uevents.
uevent /sbin/plm-udev &

SENSOR_PIDS=""
i=0
for leg in left right; do
  g=/sys/kernel/config/usb_gadget/$leg
  mkdir "$g"
  echo 0x1209 > "$g/idVendor"; echo 0x0001 > "$g/idProduct"; echo 0x0001 > "$g/bcdDevice"; echo 0x0200 > "$g/bcdUSB"
  echo 64 > "$g/bMaxPacketSize0"
  mkdir "$g/strings/0x409"
  echo "plm project" > "$g/strings/0x409/manufacturer"
  echo "plm leg movement sensor" > "$g/strings/0x409/product"
  serial="0123456789ABCDEF0000000$((i + 1))"
  echo "$serial" > "$g/strings/0x409/serialnumber"
  mkdir "$g/configs/c.1"; echo 100 > "$g/configs/c.1/MaxPower"; echo 0x80 > "$g/configs/c.1/bmAttributes"
  mkdir "$g/functions/ffs.$leg"
  ln -s "$g/functions/ffs.$leg" "$g/configs/c.1/"
  mkdir -p "/dev/ffs-$leg"
  mount -t functionfs "$leg" "/dev/ffs-$leg"
  udc=$(sed -n "$((i + 1))p" /tmp/udcs)
  echo "$udc" > "/tmp/$leg.udc"
  ffs_sensor --ffs "/dev/ffs-$leg" --serial "$serial" --side "$leg" --gadget "$g" --udc "$udc" \
    --stats "/tmp/$leg.stats" --acklog "/tmp/$leg.acks" 2>>/tmp/sensors.log &
  SENSOR_PIDS="$SENSOR_PIDS $!"
  i=$((i + 1))
done
sleep 2
log "sensors: $(cat /sys/bus/usb/devices/*/serial 2>/dev/null | tr '\n' ' ')"
ls -l /dev/bus/usb/*/* | sed 's/^/[vm]   /'

# plmd's data folder: a small file system of its own.
mount -t tmpfs -o size=48m,mode=0700,uid=990,gid=990 data /data
cat > /tmp/plmd.json <<EOF
{"rate_hz": 100, "range_g": 4, "morning_time": "07:30", "flush_interval_s": 1, "anchor_interval_s": 10,
 "data_dir": "/data"}
EOF
chmod 0644 /tmp/plmd.json
touch /tmp/plmd.log && chown plm:plm /tmp/plmd.log
PLMD_PID=""
PLMD_RUNS=0
start_plmd() {
  PLMD_RUNS=$((PLMD_RUNS + 1))
  # as the service runs it: user plm (its group plm gets the sensors' nodes), no new privileges
  su -s /bin/sh -c 'exec setpriv --nnp env HOME=/data /usr/bin/plmd --config /tmp/plmd.json 2>>/tmp/plmd.log' plm &
  PLMD_PID=$!
  echo "start $(now) $PLMD_PID" >> /tmp/events
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime, clock ticks (USER_HZ 100)

start_plmd
sleep 1
kill -0 "$PLMD_PID" 2>/dev/null || finish "plmd did not start: $(tail -3 /tmp/plmd.log)"

# (a) a stretch of recording, measuring plmd's CPU time and peak memory over it (after its start-up).
sleep 10
c0=$(cpu_ticks "$PLMD_PID"); t0=$(now)
log "soak: ${SOAK}s of two-leg recording"
sleep "$SOAK"
c1=$(cpu_ticks "$PLMD_PID"); t1=$(now)
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$PLMD_PID/status")
echo "soak_cpu_ticks=$((c1 - c0)) soak_seconds=$(awk "BEGIN {print $t1 - $t0}") plmd_vmhwm_kb=$hwm" >> /tmp/figures
log "soak done: cpu $((c1 - c0)) ticks over $(awk "BEGIN {print $t1 - $t0}") s, VmHWM $hwm kB"

# (b) unplug/replug by unbinding the UDC, at random moments, one leg or both.
n=0
while [ "$n" -lt "$REPLUGS" ]; do
  n=$((n + 1))
  case $(rnd 0 2) in 0) legs=left ;; 1) legs=right ;; *) legs="left right" ;; esac
  for leg in $legs; do echo "" > "/sys/kernel/config/usb_gadget/$leg/UDC"; done
  echo "unplug $(now) $legs" >> /tmp/events
  usleep $(( $(rnd 100 3000) * 1000 ))
  for leg in $legs; do cat "/tmp/$leg.udc" > "/sys/kernel/config/usb_gadget/$leg/UDC"; done
  echo "replug $(now) $legs" >> /tmp/events
  usleep $(( $(rnd 2500 6000) * 1000 ))
done
[ "$REPLUGS" -gt 0 ] && log "replugs: $REPLUGS done" && sleep 5

# (c) kill -9 of plmd at random moments, restarted after a random pause.
n=0
while [ "$n" -lt "$KILLS" ]; do
  n=$((n + 1))
  usleep $(( $(rnd 3000 8000) * 1000 ))
  kill -KILL "$PLMD_PID"
  echo "kill $(now) $PLMD_PID" >> /tmp/events
  wait "$PLMD_PID" 2>/dev/null
  usleep $(( $(rnd 0 2000) * 1000 ))
  start_plmd
done
[ "$KILLS" -gt 0 ] && log "kills: $KILLS done" && sleep 8

# (d) the disk fills for DISKFULL seconds, then space returns.
if [ "$DISKFULL" -gt 0 ]; then
  dd if=/dev/zero of=/data/filler bs=64k 2>/dev/null
  echo "diskfull $(now)" >> /tmp/events
  log "disk full: $(df -k /data | tail -1)"
  sleep "$DISKFULL"
  cp /data/status.json /tmp/status-diskfull.json 2>/dev/null
  cp /tmp/status-diskfull.json /out/ 2>/dev/null
  rm -f /data/filler
  echo "space $(now)" >> /tmp/events
  log "space back"
  sleep 10
fi

# (e) the sensors misbehave: corrupt frames, a stalled bulk endpoint, nonsense control replies
# (the FunctionFS sensor does one of each per SIGUSR1).
n=0
while [ "$n" -lt "$FAULTS" ]; do
  n=$((n + 1))
  for p in $SENSOR_PIDS; do kill -USR1 "$p"; done
  echo "faults $(now)" >> /tmp/events
  sleep 4
done
[ "$FAULTS" -gt 0 ] && sleep 4

# The end: SIGTERM (what systemctl stop sends): plmd drains the streams, notes its stop and closes the file.
c2=$(cpu_ticks "$PLMD_PID")
kill -TERM "$PLMD_PID"
echo "stop $(now) $PLMD_PID" >> /tmp/events
k=0
while kill -0 "$PLMD_PID" 2>/dev/null && [ "$k" -lt 300 ]; do usleep 100000; k=$((k + 1)); done
kill -0 "$PLMD_PID" 2>/dev/null && { log "plmd did not stop within 30 s"; kill -KILL "$PLMD_PID"; }
echo "plmd_runs=$PLMD_RUNS last_run_cpu_ticks=$c2" >> /tmp/figures
cp /tmp/sensors.log /out/ 2>/dev/null
trap - EXIT
finish "ok"
