#!/usr/bin/env python3
"""Convert a Daphnet Freezing-of-Gait session (S01R02.txt ...) into plm's accelerometer CSV.

Daphnet (Baechlin et al., IEEE TITB 14(2):436-446, 2010; CC BY 4.0) rows are whitespace-separated:
time (ms), ankle/shank forward, vertical, lateral (mg), thigh x3, trunk x3 (mg), annotation (0 not in the
experiment, 1 experiment, 2 freeze). Only the shank sensor is a leg sensor in plm's sense; it is written as
the left leg (the data set does not say which leg), in g, at the recorded times (about 64 Hz).

    daphnet_to_csv.py S01R02.txt S01R02.csv [--minutes-from A --minutes-to B]

Standard library only.
"""
import argparse
import sys


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source")
    ap.add_argument("target")
    ap.add_argument("--minutes-from", type=float, default=None, help="excerpt: first minute (from the first row)")
    ap.add_argument("--minutes-to", type=float, default=None, help="excerpt: last minute")
    ap.add_argument("--mg", action="store_true", help="write integer mg in a compact fixture (time_ms x y z)")
    a = ap.parse_args()
    rows = 0
    t0 = None
    tmp = a.target + ".tmp"
    with open(a.source, encoding="ascii") as src, open(tmp, "w", encoding="ascii", newline="\n") as out:
        out.write("time_ms x_mg y_mg z_mg\n" if a.mg else "time,left_x,left_y,left_z\n")
        for n, line in enumerate(src, 1):
            f = line.split()
            if not f:
                continue
            if len(f) != 11:
                print(f"{a.source}:{n}: expected 11 columns, got {len(f)}", file=sys.stderr)
                return 1
            try:
                ms = int(f[0])
                x, y, z = (int(v) for v in f[1:4])
            except ValueError:
                print(f"{a.source}:{n}: expected integers", file=sys.stderr)
                return 1
            if t0 is None:
                t0 = ms
            minute = (ms - t0) / 60000
            if a.minutes_from is not None and minute < a.minutes_from:
                continue
            if a.minutes_to is not None and minute >= a.minutes_to:
                break
            if a.mg:
                out.write(f"{ms} {x} {y} {z}\n")
            else:
                out.write(f"{ms / 1000:.3f},{x / 1000:.3f},{y / 1000:.3f},{z / 1000:.3f}\n")
            rows += 1
    import os
    os.replace(tmp, a.target)
    print(f"{a.target}: {rows} rows", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
