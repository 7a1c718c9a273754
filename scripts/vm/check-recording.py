#!/usr/bin/env python3
"""Checks what the VM system test's guest left (scripts/vm/system-test.sh) against what the sensors say they sent.

Reads the .plmrec independently of the project's Swift reader, from docs/recording-format.md section 1 and
docs/protocol.md section 2 (block and frame CRCs with zlib's CRC-32, the same CRC-32/ISO-HDLC), and the
FunctionFS sensors' own records: <leg>.stats (counters) and <leg>.acks (every frame the host acknowledged, with
the guest's CLOCK_MONOTONIC time), and the guest's event log (unplugs, kills, the full disk, faults).

Assertions, each printed as "ok"/"FAILED" with its figures:
  file      every block valid (magic, version, header and payload CRC, sequence +1), no torn tail, nothing after
  order     per sensor, the valid frames' sequence numbers strictly increase (in order, no duplicates)
  complete  every frame a sensor's host acknowledged is in the file, except frames the sensor garbled on purpose
            (stored, but failing their CRC): nothing lost at unplugs, stops, the night's end or kill -9 (the
            sensors keep each frame until plmd has written and COMMITted it, docs/protocol.md "Acknowledgement")
  no-overflow  no frame carries a GAP flag: the sensors never lost a sample
  diskfull  plmd logged the write error and status.json showed it while the disk was full
  faults    corrupt frames, STALLs counted by plmd, nonsense control replies logged (and anchors taken after them)
  kills     no frame lost to a kill -9 (the uncommitted frames are read again by the restarted plmd)
  stops     a graceful stop (SIGTERM) loses no frame
  replay    the night's outputs plmd wrote equal plm-replay's on the final recording, byte for byte
Per-scenario figures (frames sent, recorded, lost per kill and per stop, replugs) are printed.
Closing line: "vm system test: N passed, M failed".
"""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib

LOSS_WINDOW_S = 1.0   # only to attribute a missing frame to a kill in the figures: none may be missing
SLACK_S = 0.5         # scheduling slack of a loaded emulated CPU, and /proc/uptime's 10 ms steps


def read_plmrec(path):
    data = open(path, "rb").read()
    problems, records = [], []
    off, expect_seq = 0, 0
    while off < len(data):
        if len(data) - off < 24:
            problems.append(f"{path}: torn tail at byte {off} ({len(data) - off} bytes, less than a block header)")
            break
        magic, version, _res, seq, length, pcrc, hcrc = struct.unpack_from("<4sHHIIII", data, off)
        if magic != b"PLMB" or version != 1:
            problems.append(f"{path}: byte {off}: expected block magic PLMB version 1, found {magic!r} v{version}")
            break
        if zlib.crc32(data[off:off + 20]) != hcrc:
            problems.append(f"{path}: byte {off}: block header CRC mismatch")
            break
        if off + 24 + length > len(data):
            problems.append(f"{path}: torn tail at byte {off} (block {seq} promises {length} bytes)")
            break
        payload = data[off + 24:off + 24 + length]
        if zlib.crc32(payload) != pcrc:
            problems.append(f"{path}: byte {off}: block {seq} payload CRC mismatch")
        if seq != expect_seq:
            problems.append(f"{path}: byte {off}: block sequence {seq}, expected {expect_seq}")
        expect_seq = seq + 1
        p = 0
        while p < len(payload):
            if len(payload) - p < 12:
                problems.append(f"{path}: block {seq}: record header cut at payload byte {p}")
                break
            rtype, sensor, rlen, htime = struct.unpack_from("<BBHq", payload, p)
            records.append((rtype, sensor, htime, payload[p + 12:p + 12 + rlen]))
            p += 12 + rlen
        off += 24 + length
    return records, problems, expect_seq, len(data)


def frame_ok(fr):
    if len(fr) < 24 or fr[0:2] != b"PL" or fr[2] != 1:
        return False
    count = fr[18]
    if not 1 <= count <= 6 or len(fr) < 28 + 6 * count:
        return False
    (crc,) = struct.unpack_from("<I", fr, 24 + 6 * count)
    return zlib.crc32(fr[:24 + 6 * count]) == crc


def read_kv(path):
    out = {}
    for line in open(path):
        k, _, v = line.strip().partition("=")
        if k:
            out[k] = v
    return out


def main(results, replay=None):
    checks = []

    def check(name, ok, text):
        checks.append(ok)
        print(f"  {'ok    ' if ok else 'FAILED'} {name}: {text}")

    recs = sorted(f for f in os.listdir(os.path.join(results, "recordings")) if f.endswith(".plmrec"))
    if len(recs) != 1:
        print(f"vm system test: 0 passed, 1 failed (expected one recording, found {recs})")
        return 1
    path = os.path.join(results, "recordings", recs[0])
    records, problems, blocks, size = read_plmrec(path)
    check("file", not problems, f"{recs[0]}: {size} bytes, {blocks} blocks, {len(records)} records"
          + ("" if not problems else "; " + "; ".join(problems[:5])))

    events = [line.split() for line in open(os.path.join(results, "events"))] if os.path.exists(
        os.path.join(results, "events")) else []
    kills = [float(e[1]) for e in events if e[0] == "kill"]
    stops = [float(e[1]) for e in events if e[0] == "stop"]
    unplugs = [e for e in events if e[0] == "unplug"]
    figures = {}
    if os.path.exists(os.path.join(results, "figures")):
        for tok in open(os.path.join(results, "figures")).read().split():
            k, _, v = tok.partition("=")
            figures[k] = v

    serial_of = {}
    for rtype, sensor, _t, d in records:
        if rtype == 2:
            (n,) = struct.unpack_from("<H", d, 0)
            serial_of[sensor] = d[2:2 + n].decode()
    frames, bad, flagged, gaps = {}, {}, {}, {}
    for rtype, sensor, _t, d in records:
        if rtype == 3:
            if frame_ok(d):
                frames.setdefault(sensor, []).append(struct.unpack_from("<I", d, 4)[0])
                if d[3] & 0x03:
                    flagged[sensor] = flagged.get(sensor, 0) + 1
            else:
                bad.setdefault(sensor, []).append(struct.unpack_from("<I", d, 4)[0] if len(d) >= 8 else None)
        elif rtype == 5:
            gaps[sensor] = gaps.get(sensor, 0) + 1

    total_sent = total_rec = 0
    lost_per_kill = {k: 0 for k in kills}
    lost_per_stop = {k: 0 for k in stops}
    worst_age = 0.0
    stop_lost = []
    in_flight, in_flight_used = [], {}
    both = ("left", "right")
    link_events = ([("unplug", float(e[1]), e[2:]) for e in events if e[0] == "unplug"]
                   + [("replug", float(e[1]), e[2:]) for e in events if e[0] == "replug"]
                   + [("stop", float(e[1]), both) for e in events if e[0] == "stop"]
                   + [("nightend", float(e[1]), both) for e in events if e[0] == "nightend"])
    for leg in ("left", "right"):
        st = read_kv(os.path.join(results, f"{leg}.stats"))
        acks = {}
        for line in open(os.path.join(results, f"{leg}.acks")):
            a, b = line.split()
            acks[int(a)] = int(b) / 1e6
        idx = [i for i, s in serial_of.items() if s == st["serial"]]
        seqs = frames.get(idx[0], []) if idx else []
        ordered = all(b > a for a, b in zip(seqs, seqs[1:]))
        check(f"order {leg}", bool(seqs) and ordered,
              f"{len(seqs)} valid frames, seq {seqs[0] if seqs else '-'}..{seqs[-1] if seqs else '-'}, "
              + ("strictly increasing" if ordered else "NOT strictly increasing (duplicates or reordering)"))
        recorded = set(seqs)
        garbled = {s for s in bad.get(idx[0], []) if s is not None} if idx else set()
        missing = sorted(set(acks) - recorded - garbled)
        sent_by_leg = len(acks)
        lost_at_kills = 0
        for m in missing:
            # attributed for the figures only: every missing frame fails the check
            t = acks[m]
            before = [k for k in kills if k - LOSS_WINDOW_S - SLACK_S <= t <= k + SLACK_S]
            if before:
                k = min(before, key=lambda k: abs(k - t))
                lost_per_kill[k] += 1
                worst_age = max(worst_age, k - t)
                lost_at_kills += 1
            else:
                near = [(kind, k) for kind, k, legs in link_events if leg in legs and k - 1.0 <= t <= k + 3.0]
                if near:
                    kind, k = min(near, key=lambda e: abs(e[1] - t))
                    in_flight.append((leg, m, t, kind))
                    if kind in ("stop", "nightend"):
                        lost_per_stop.setdefault(k, 0)
                        lost_per_stop[k] += 1
        extra = sorted(recorded - set(acks))
        total_sent += len(acks)
        total_rec += len(recorded)
        at_links = len([x for x in in_flight if x[0] == leg])
        check(f"complete {leg}", not missing and not extra,
              f"sensor {st['serial']}: produced {st['next_seq']}, acknowledged {len(acks)}, recorded {len(recorded)}"
              f" (+{len(garbled)} garbled on purpose), missing {len(missing)}"
              f" (near a kill {lost_at_kills}, near a link event {at_links}, elsewhere"
              f" {len(missing) - lost_at_kills - at_links}){' e.g. ' + str(missing[:5]) if missing else ''},"
              f" never acknowledged {len(extra)}; still buffered in the sensor {st['buffered_frames']},"
              f" sent and not committed {st.get('retained', '?')}, rewinds that withdrew a packet"
              f" {st.get('withdrawals', '?')}, gap records {gaps.get(idx[0], 0) if idx else 0}")
        check(f"no-overflow {leg}", flagged.get(idx[0] if idx else -1, 0) == 0 and st["dropped_frames"] == "0",
              f"frames with GAP flags {flagged.get(idx[0] if idx else -1, 0)}, sensor dropped {st['dropped_frames']}")

    if kills:
        losses = sorted(lost_per_kill.values())
        check("kills", losses[-1] == 0,
              f"{len(kills)} kill -9, frames lost per kill (both legs) min {losses[0]} median "
              f"{losses[len(losses) // 2]} max {losses[-1]} (in order: {[lost_per_kill[k] for k in kills]}; expected 0:"
              f" the restarted plmd reads again every frame the killed one had not written)")
    if stops:
        per = [lost_per_stop.get(k, 0) for k in stops]
        check("stops", all(n == 0 for n in per),
              f"{len(stops)} graceful stops (SIGTERM), frames lost per stop (both legs) {per} (expected 0)")
    if in_flight:
        kinds = {}
        for _leg, _m, _t, kind in in_flight:
            kinds[kind] = kinds.get(kind, 0) + 1
        print(f"  {len(in_flight)} frames acknowledged to a sensor near a link event are missing (by event: {kinds});"
              f" e.g. " + ", ".join(f"{leg} {m} at {t:.3f} s ({kind})" for leg, m, t, kind in in_flight[:4]))
    # plmd's log: plmd.log, and with --libusb-debug each run's own file (libusb's debug lines among plmd's)
    logs = ["plmd.log"] + sorted((f for f in os.listdir(results) if re.fullmatch(r"plmd-debug\d+\.log", f)),
                                 key=lambda f: int(re.sub(r"\D", "", f)))
    log = "".join(open(os.path.join(results, f), errors="replace").read() for f in logs
                  if os.path.exists(os.path.join(results, f)))
    if any(e[0] == "diskfull" for e in events):
        st = {}
        p = os.path.join(results, "status-diskfull.json")
        if os.path.exists(p):
            st = json.load(open(p))
        logged = re.search(r"(?i)(no space|write error|ENOSPC|could not write|cannot write)", log) is not None
        check("diskfull", logged and bool(st.get("write_error")),
              f"log mentions the write error: {logged}; status while full: write_error="
              f"{json.dumps(st.get('write_error'))}")
    if any(e[0] == "faults" for e in events):
        # the status of the plmd run that saw the faults (status counters are per plmd process; later runs follow)
        snap = os.path.join(results, "status-faults.json")
        final = json.load(open(snap if os.path.exists(snap) else os.path.join(results, "status.json")))
        crc = sum(s.get("crc_errors", 0) for s in final.get("sensors", []))
        stalls = sum(s.get("stalls_recovered", 0) for s in final.get("sensors", []))
        sent = {leg: read_kv(os.path.join(results, f"{leg}.stats")) for leg in ("left", "right")}
        corrupt = sum(int(s["faults_corrupt"]) for s in sent.values())
        halts = sum(int(s["faults_halt"]) for s in sent.values())
        ctrl = sum(int(s["faults_ctrl"]) for s in sent.values())
        nbad = sum(len(v) for v in bad.values())
        clock_errors = len(re.findall(r"cannot read the sensor's clock", log))
        last_fault = max(float(e[1]) for e in events if e[0] == "faults")
        check("faults", nbad == corrupt and crc >= corrupt and stalls >= halts and halts >= 1 and clock_errors >= ctrl,
              f"sensors garbled {corrupt} frames, halted the bulk endpoint {halts} times, sent {ctrl} nonsense "
              f"control replies; file holds {nbad} frames failing their CRC; plmd's status after the faults: "
              f"crc_errors {crc}, stalls_recovered {stalls}; plmd logged {clock_errors} unreadable clock replies "
              f"(the nonsense answers to GET_DEVICE_TIME) and kept recording (last fault round at {last_fault:.0f} s)")

    nights = os.path.join(results, "nights")
    if replay and any(e[0] == "nightend" for e in events):
        night = recs[0][:-len(".plmrec")]
        daemon_dir = os.path.join(nights, night)
        names = ["lm_events.tsv", "lm_events.json", "summary.json", "summary.csv", "annotations.edf"]
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, TZ="UTC")
            r = subprocess.run([replay, path, "--out", os.path.join(tmp, "out"), "--store", "--data-dir",
                                os.path.join(tmp, "data"), "--quiet"], env=env, capture_output=True, text=True)
            differ = []
            for n in names:
                a, b = os.path.join(daemon_dir, n), os.path.join(tmp, "out", n)
                if not (os.path.exists(a) and os.path.exists(b) and open(a, "rb").read() == open(b, "rb").read()):
                    differ.append(n)
            check("replay", r.returncode == 0 and not differ,
                  f"plmd's nights/{night}/ against plm-replay on the final recording: "
                  + (f"plm-replay exit {r.returncode} {r.stderr.strip()[:200]}; " if r.returncode else "")
                  + (f"differ or missing: {differ}" if differ else f"{len(names)} files byte-identical"))
    times = [t for rtype, _s, t, _d in records if rtype == 3]
    if times:
        print(f"  figures: recording spans {(max(times) - min(times)) / 60e6:.1f} min of host time; "
              f"{len(unplugs)} unplug/replug cycles ({sum(len(e) - 2 for e in unplugs)} leg unplugs)")
    cpu = figures.get("soak_cpu_ticks")
    if cpu is not None:
        secs = float(figures["soak_seconds"])
        pct = int(cpu) / 100.0 / secs * 100.0
        print(f"  figures: plmd CPU {int(cpu) / 100.0:.2f} s over {secs:.0f} s of two-leg recording = {pct:.3f} % of "
              f"one core ({int(cpu) / 100.0 * 3600 / secs:.1f} CPU s per hour), peak RSS "
              f"{int(figures['plmd_vmhwm_kb']) / 1024:.1f} MiB; replugs {len(unplugs)}, kills {len(kills)}, "
              f"graceful stops {len(stops)}, plmd runs {figures.get('plmd_runs', '?')}; frames acknowledged "
              f"{total_sent}, recorded {total_rec}")
    passed = sum(1 for c in checks if c)
    failed = len(checks) - passed
    print(f"vm system test: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
