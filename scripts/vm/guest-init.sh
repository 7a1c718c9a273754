#!/bin/sh
# /init of the VM system test's guest (scripts/vm/system-test.sh builds and boots it; docs/daemon.md).
# Two plm sensors as USB gadgets on dummy_hcd (the FunctionFS sensor, Firmware/board/functionfs), plmd recording
# them through the same kernel's USB host side, as the unprivileged user plm; then the scenarios chosen on the
# kernel command line (plm.soak=S plm.replugs=N plm.kills=N plm.diskfull=S plm.faults=N plm.restarts=N
# plm.libusbdebug=0|1), then the night's end. Everything the host checks is tarred onto the second disk (/dev/vda)
# before the guest powers off.
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
  cp -r /data/nights /out/ 2>/dev/null
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
RESTARTS=$(param restarts); RESTARTS=${RESTARTS:-0}
LIBUSBDEBUG=$(param libusbdebug); LIBUSBDEBUG=${LIBUSBDEBUG:-0}
SEED=$(param seed); SEED=${SEED:-17}
RANDOM=$SEED
rnd() { echo $(( $1 + RANDOM % ($2 - $1 + 1) )); } # integer in [a, b]

# A fixed evening, so the night and its morning do not depend on when CI runs.
date -s "2026-01-05 22:00:00" >/dev/null
log "kernel $(uname -r), soak ${SOAK}s, replugs $REPLUGS, kills $KILLS, diskfull ${DISKFULL}s, faults $FAULTS, restarts $RESTARTS"

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
start_plmd() { # [LOGFILE [ENV...]]
  PLMD_RUNS=$((PLMD_RUNS + 1))
  logfile=${1:-/tmp/plmd.log}
  [ $# -gt 0 ] && shift
  # plm.libusbdebug=1: every run logs libusb's debug output too (LIBUSB_DEBUG=4), each into its own file
  if [ "$LIBUSBDEBUG" = 1 ] && [ $# = 0 ]; then logfile=/tmp/plmd-debug$PLMD_RUNS.log; set -- LIBUSB_DEBUG=4; fi
  touch "$logfile" && chown plm:plm "$logfile"
  # as the service runs it: user plm (its group plm gets the sensors' nodes), no new privileges
  su -s /bin/sh -c "exec setpriv --nnp env HOME=/data $* /usr/bin/plmd --config /tmp/plmd.json 2>>$logfile" plm &
  PLMD_PID=$!
  echo "start $(now) $PLMD_PID" >> /tmp/events
}
# Waits (at most 120 s) until the running plmd (pid $PLMD_PID) says it records both sensors: a slow software CPU
# can take seconds to start it, and a stop or the night's end before that would test nothing.
wait_recording() {
  k=0
  while [ "$k" -lt 1200 ]; do
    if grep -q "\"pid\" : $PLMD_PID," /data/status.json 2>/dev/null && grep -q '"state" : "recording"' /data/status.json \
        && [ "$(grep -c '"connected" : true' /data/status.json)" = 2 ]; then
      return 0
    fi
    usleep 100000; k=$((k + 1))
  done
  log "plmd $PLMD_PID is not recording both sensors after 120 s"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime, clock ticks (USER_HZ 100)

start_plmd
sleep 1
kill -0 "$PLMD_PID" 2>/dev/null || finish "plmd did not start: $(tail -3 /tmp/plmd.log)"

# (a) a stretch of recording, measuring plmd's CPU time and peak memory over it (after its start-up).
wait_recording
sleep 5
c0=$(cpu_ticks "$PLMD_PID"); t0=$(now)
log "soak: ${SOAK}s of two-leg recording"
sleep "$SOAK"
c1=$(cpu_ticks "$PLMD_PID"); t1=$(now)
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$PLMD_PID/status")
echo "soak_cpu_ticks=$((c1 - c0)) soak_seconds=$(awk "BEGIN {print $t1 - $t0}") plmd_vmhwm_kb=$hwm" >> /tmp/figures
log "soak done: cpu $((c1 - c0)) ticks over $(awk "BEGIN {print $t1 - $t0}") s, VmHWM $hwm kB"

# (b) unplug/replug by unbinding the UDC, at random moments (URBs are always in flight: every unplug is
# mid-transfer for the host), one leg or both, unplugged for 0.1-2 s, the next unplug 1.5-4 s after the replug
# (sometimes before plmd has re-attached: a random moment of the attach too).
n=0
while [ "$n" -lt "$REPLUGS" ]; do
  n=$((n + 1))
  case $(rnd 0 2) in 0) legs=left ;; 1) legs=right ;; *) legs="left right" ;; esac
  for leg in $legs; do echo "" > "/sys/kernel/config/usb_gadget/$leg/UDC"; done
  echo "unplug $(now) $legs" >> /tmp/events
  usleep $(( $(rnd 100 2000) * 1000 ))
  for leg in $legs; do cat "/tmp/$leg.udc" > "/sys/kernel/config/usb_gadget/$leg/UDC"; done
  echo "replug $(now) $legs" >> /tmp/events
  usleep $(( $(rnd 1500 4000) * 1000 ))
  [ $((n % 10)) = 0 ] && log "replugs: $n of $REPLUGS"
done
[ "$REPLUGS" -gt 0 ] && log "replugs: $REPLUGS done" && sleep 5

# (c) kill -9 of plmd at random moments, restarted after a random pause.
n=0
while [ "$n" -lt "$KILLS" ]; do
  n=$((n + 1))
  usleep $(( $(rnd 2000 6000) * 1000 ))
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
# (the FunctionFS sensor does one of each per SIGUSR1). plmd's clock anchors (GET_DEVICE_TIME every 10 s) are
# the IN vendor requests that get the nonsense, so a round lasts 12 s.
n=0
while [ "$n" -lt "$FAULTS" ]; do
  n=$((n + 1))
  for p in $SENSOR_PIDS; do kill -USR1 "$p"; done
  echo "faults $(now)" >> /tmp/events
  sleep 12
done
if [ "$FAULTS" -gt 0 ]; then
  sleep 4
  cp /data/status.json /out/status-faults.json 2>/dev/null # the counters of the plmd run that saw the faults
fi

# (f) graceful stops (SIGTERM, what systemctl stop sends) at random moments of a recording plmd and restarts: plmd
# drains the streams, notes its stop and closes the file; nothing may be lost.
stop_plmd() {
  kill -TERM "$PLMD_PID"
  echo "stop $(now) $PLMD_PID" >> /tmp/events
  k=0
  while kill -0 "$PLMD_PID" 2>/dev/null && [ "$k" -lt 300 ]; do usleep 100000; k=$((k + 1)); done
  kill -0 "$PLMD_PID" 2>/dev/null && { log "plmd did not stop within 30 s"; kill -KILL "$PLMD_PID"; }
  wait "$PLMD_PID" 2>/dev/null
}
n=0
while [ "$n" -lt "$RESTARTS" ]; do
  n=$((n + 1))
  wait_recording
  usleep $(( $(rnd 2000 6000) * 1000 ))
  stop_plmd
  echo "restart $(now)" >> /tmp/events
  usleep $(( $(rnd 200 2000) * 1000 ))
  start_plmd
done
[ "$RESTARTS" -gt 0 ] && log "graceful stops: $RESTARTS done" && sleep 5

# (g) the night ends: the wall clock jumps to the morning after morning_time; plmd stops the sensors, closes the
# recording and writes the night's outputs (plm-replay's code); the host compares them with plm-replay's.
wait_recording
c2=$(cpu_ticks "$PLMD_PID")
date -s "2026-01-06 07:31:00" >/dev/null
echo "nightend $(now)" >> /tmp/events
log "night end: waiting for plmd's summary"
k=0
while ! grep -q '"finished"\|"waiting"' /data/status.json 2>/dev/null && [ "$k" -lt 600 ]; do
  sleep 1; k=$((k + 1))
done
log "night end: status $(grep -o '"state" *: *"[a-z]*"' /data/status.json) after ${k}s"
stop_plmd
echo "plmd_runs=$PLMD_RUNS last_run_cpu_ticks=$c2" >> /tmp/figures
cp /tmp/sensors.log /tmp/plmd-debug*.log /out/ 2>/dev/null
trap - EXIT
finish "ok"
