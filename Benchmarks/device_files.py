#!/usr/bin/env python3
"""Writes one leg of a simulated night as the research devices' files, for timing plm's readers of them
(Benchmarks/run.sh). No writer of these formats exists in plm; this follows the published layouts that
docs/recording-format.md section 6 cites, byte for byte as plm's readers and the reference readers read them:

- Axivity .cwa (Open Movement cwa.h): a 1024-byte "MD" header, then 512-byte "AX" blocks of 120 packed samples
  (three 10-bit values and a 2-bit exponent in 32 bits), scale 1/256 g, the checksum word making the block's 256
  little-endian u16 words sum to zero; time stamps with the index of the sample they belong to.
- ActiGraph .gt3x (actigraph/GT3X-File-Format): a zip (deflated) of info.txt and log.bin; log.bin holds one
  ACTIVITY record (type 0x00) a second: 12-bit two's-complement samples packed big-endian in Y X Z order,
  256 LSB/g ('Acceleration Scale'), checksum = one's complement of the XOR of header and payload.
- GENEActiv .bin (Activinsights, "binary file format"): a Key:Value header with calibration (gain 25600,
  offset 0, so g = raw / 256), then pages of 300 samples: 'Recorded Data', nine Key:Value lines (the last,
  Measurement Frequency) and a line of 3600 hex digits (x y z 12-bit two's complement, 12 bits light/button).
- ActiLife raw CSV export (as ActiLife 6.13 writes it, e.g. pygt3x's neo.csv): ten header lines (device, date
  format and rate in the first), then `Accelerometer X,Accelerometer Y,Accelerometer Z` and a row per sample in g
  with three decimals, CR LF line ends.

Usage: device_files.py NIGHT.edf OUTDIR   (writes OUTDIR/night8.cwa, night8.gt3x, night8.bin, night8-actilife.csv; prints
`samples N` lines: samples per axis written to each file)
"""
import io
import struct
import sys
import zipfile
from datetime import datetime, timedelta, timezone

import numpy as np
import pyedflib

START = datetime(2026, 1, 5, 22, 0, 0)  # device clock (local time), a whole second
RATE = 100


def left_leg(path):
    """The left leg's x y z in g (3 × n float64), and the rate."""
    r = pyedflib.EdfReader(path)
    try:
        labels = [l.lower() for l in r.getSignalLabels()]
        idx = []
        for axis in "xyz":
            # plm's EDF labels: "Acc L X" ... ("left" accepted too)
            k = [i for i, l in enumerate(labels)
                 if (" l " in f" {l} " or "left" in l) and l.rstrip().endswith(axis)]
            if not k:
                raise SystemExit(f"no left {axis} channel in {labels}")
            idx.append(k[0])
        rate = r.getSampleFrequency(idx[0])
        xyz = np.vstack([r.readSignal(i) for i in idx])
    finally:
        r.close()
    return xyz, rate


def counts(xyz, per_g, bits):
    """Quantised counts, clipped to the signed range of `bits`; NaN (gaps) as 0."""
    lim = 2 ** (bits - 1)
    c = np.rint(np.nan_to_num(xyz, nan=0.0) * per_g)
    return np.clip(c, -lim, lim - 1).astype(np.int64)


def cwa_time(t):
    return ((t.year - 2000) << 26) | (t.month << 22) | (t.day << 17) | (t.hour << 12) | (t.minute << 6) | t.second


def write_cwa(path, xyz):
    per_block = 120
    c = counts(xyz, 256, 14)  # up to 2^3 × 10 bits with the exponent
    n = c.shape[1] // per_block * per_block
    c = c[:, :n]
    # Smallest exponent e (0..3) per sample such that every axis >> e fits in 10 bits (-512..511).
    mag = np.max(np.abs(c), axis=0)
    e = np.zeros(n, dtype=np.int64)
    for k in (1, 2, 3):
        e[mag > (511 << (k - 1))] = k
    v = c >> e  # arithmetic shift
    v = np.clip(v, -512, 511) & 0x3FF
    words = (v[0] | (v[1] << 10) | (v[2] << 20) | (e << 30)).astype(np.uint32)
    header = bytearray(1024)
    header[0:2] = b"MD"
    struct.pack_into("<H", header, 2, 1020)
    header[4] = 0x17  # AX3
    struct.pack_into("<H", header, 5, 12345)
    struct.pack_into("<I", header, 7, 1)
    struct.pack_into("<H", header, 11, 0xFFFF)
    header[36] = 0x4A  # 100 Hz (3200 / 2^(15 - 10)), range 16 >> 1 = 8 g
    struct.pack_into("<h", header, 42, -1)
    blocks = n // per_block
    out = bytearray(1024 + 512 * blocks)
    out[0:1024] = header
    body = np.frombuffer(words.tobytes(), dtype=np.uint8).reshape(blocks, per_block * 4)
    for b in range(blocks):
        start = START + timedelta(seconds=b * per_block / RATE)
        stamp = start.replace(microsecond=0)
        if start.microsecond:
            stamp += timedelta(seconds=1)
        index = round((stamp - start).total_seconds() * RATE)  # the sample the stamp belongs to
        blk = bytearray(512)
        blk[0:2] = b"AX"
        struct.pack_into("<HHII I", blk, 2, 508, 0, 1, b, cwa_time(stamp))
        struct.pack_into("<H", blk, 18, 0)  # light; top 3 bits 0: scale 1/256 g
        blk[24] = 0x4A
        blk[25] = 0x30  # 3 axes, packed
        struct.pack_into("<hH", blk, 26, index, per_block)
        blk[30:510] = body[b].tobytes()
        s = sum(struct.unpack_from("<255H", blk, 0)) & 0xFFFF
        struct.pack_into("<H", blk, 510, (-s) & 0xFFFF)
        out[1024 + 512 * b : 1024 + 512 * (b + 1)] = blk
    with open(path, "wb") as f:
        f.write(out)
    return n


def pack12(c):
    """Samples (3 × n, Y X Z order already) as 12-bit big-endian nibbles, 4.5 bytes a sample (n even)."""
    flat = (c.T.reshape(-1) & 0xFFF).astype(np.uint32)  # y x z y x z ...
    a, b = flat[0::2], flat[1::2]
    three = np.empty((a.size, 3), dtype=np.uint8)
    three[:, 0] = a >> 4
    three[:, 1] = ((a & 0xF) << 4) | (b >> 8)
    three[:, 2] = b & 0xFF
    return three.reshape(-1).tobytes()


def write_gt3x(path, xyz):
    c = counts(xyz, 256, 12)
    seconds = c.shape[1] // RATE
    c = c[:, : seconds * RATE]
    yxz = c[[1, 0, 2]]
    payload = pack12(yxz)
    per_second = RATE * 9 // 2
    epoch = int(START.replace(tzinfo=timezone.utc).timestamp())
    log = io.BytesIO()
    for s in range(seconds):
        p = payload[s * per_second : (s + 1) * per_second]
        head = struct.pack("<BBIH", 0x1E, 0x00, epoch + s, len(p))
        x = 0
        for byte in head:
            x ^= byte
        x ^= int(np.bitwise_xor.reduce(np.frombuffer(p, dtype=np.uint8)))
        log.write(head + p + bytes([(~x) & 0xFF]))
    ticks = 621355968000000000 + epoch * 10_000_000
    info = (
        "Serial Number: MOS2E12345678\r\nDevice Type: wGT3XBT\r\nFirmware: 1.9.2\r\nBattery Voltage: 4.10\r\n"
        f"Sample Rate: {RATE}\r\nStart Date: {ticks}\r\nStop Date: {ticks + seconds * 10_000_000}\r\n"
        "Last Sample Time: 0\r\nTimeZone: 00:00:00\r\nAcceleration Scale: 256.0\r\nAcceleration Min: -8.0\r\n"
        "Acceleration Max: 8.0\r\n"
    )
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("info.txt", info)
        z.writestr("log.bin", log.getvalue())
    return seconds * RATE


def write_geneactiv(path, xyz):
    per_page = 300
    c = counts(xyz, 256, 12)
    pages = c.shape[1] // per_page
    n = pages * per_page
    c = c[:, :n] & 0xFFF
    hexdigits = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
    digits = np.empty((n, 12), dtype=np.uint8)
    for a in range(3):
        for k in range(3):
            digits[:, a * 3 + k] = hexdigits[(c[a] >> (8 - 4 * k)) & 0xF]
    digits[:, 9:12] = hexdigits[0]  # light 0, button 0
    rows = digits.reshape(pages, per_page * 12)
    header = (
        "Device Identity\r\nDevice Unique Serial Code:012345\r\nDevice Type:GENEActiv\r\nDevice Model:1.1\r\n"
        "Device Firmware:Ver06.17 15June2016\r\nCalibration Date:2026-01-01 00:00:00:000\r\n\r\n"
        "Device Capabilities\r\nAccelerometer Range:-8 to 8\r\nAccelerometer Resolution:0.0039\r\n\r\n"
        "Configuration Info\r\nMeasurement Frequency:100 Hz\r\nMeasurement Period:9 Hours\r\n"
        "Start Time:2026-01-05 22:00:00:000\r\nStudy Centre:bench\r\nTime Zone:GMT +00:00\r\n\r\n"
        "Calibration Data\r\nx gain:25600\r\nx offset:0\r\ny gain:25600\r\ny offset:0\r\nz gain:25600\r\n"
        "z offset:0\r\nVolts:300\r\nLux:800\r\n\r\n"
        f"Memory Status\r\nNumber of Pages:{pages}\r\n\r\n"
    )
    with open(path, "wb") as f:
        f.write(header.encode())
        for p in range(pages):
            t = START + timedelta(seconds=p * per_page / RATE)
            stamp = t.strftime("%Y-%m-%d %H:%M:%S") + f":{t.microsecond // 1000:03d}"
            page = (
                f"Recorded Data\r\nDevice Unique Serial Code:012345\r\nSequence Number:{p}\r\nPage Time:{stamp}\r\n"
                "Unassigned:\r\nTemperature:25.0\r\nBattery voltage:4.0\r\nDevice Status:Recording\r\n"
                f"Measurement Frequency:{RATE}.0\r\n"
            )
            f.write(page.encode() + rows[p].tobytes() + b"\r\n")
    return n


def write_actilife_csv(path, xyz):
    g = counts(xyz, 256, 12) / 256.0  # the device's 12-bit grid, as a .gt3x of the same night holds it
    head = [
        f"------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.4 Firmware v2.5.0 date format M/d/yyyy "
        f"at {RATE} Hz  Filter Normal -----------",
        "Serial Number: MOS2E11180137",
        START.strftime("Start Time %H:%M:%S"),
        f"Start Date {START.month}/{START.day}/{START.year}",
        "Epoch Period (hh:mm:ss) 00:00:00",
        "Download Time 08:00:00",
        f"Download Date {START.month}/{START.day + 1}/{START.year}",
        "Current Memory Address: 0",
        "Current Battery Voltage: 4.11     Mode = 12",
        "--------------------------------------------------",
        "Accelerometer X,Accelerometer Y,Accelerometer Z",
    ]
    with open(path, "w", newline="") as f:
        f.write("\r\n".join(head) + "\r\n")
        buf = io.StringIO()
        np.savetxt(buf, g.T, fmt="%.3f", delimiter=",", newline="\r\n")
        f.write(buf.getvalue().replace("-0.000", "0.000"))
    return g.shape[1]


def main():
    edf, out = sys.argv[1], sys.argv[2]
    xyz, rate = left_leg(edf)
    if rate != RATE:
        raise SystemExit(f"expected a {RATE} Hz night, found {rate}")
    print("samples_cwa", write_cwa(f"{out}/night8.cwa", xyz))
    print("samples_gt3x", write_gt3x(f"{out}/night8.gt3x", xyz))
    print("samples_geneactiv", write_geneactiv(f"{out}/night8.bin", xyz))
    print("samples_actilife", write_actilife_csv(f"{out}/night8-actilife.csv", xyz))


if __name__ == "__main__":
    main()
