#!/usr/bin/env python3
"""Cross-check of plm's research-device readers against reference readers (not run in CI).

plm's decoders (Sources/RecordingFormats: GT3X.swift, CWA.swift, GENEActiv.swift) dump every sample with its
time (Tests/RecordingFormatsTests/DeviceDumpTests.swift, enabled by environment variables); this script compares
them with
  - pygt3x (ActiGraph's own reader, PyPI) for .gt3x, and ActiLife's CSV export neo.csv for neo.gt3x (read both
    with pandas and with plm's own ActiLife CSV reader: same times, within 1 mg);
  - actipy (OxWearables, PyPI; Java readers for .cwa and GENEActiv .bin) for .cwa and .bin.

Usage:
  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install pygt3x actipy
  scripts/realdata/devices.py DATA_DIR            # DATA_DIR holds the public files named in docs/recording-format.md

The public files (fetch them yourself; licences differ, none is committed except GGIRread's Apache-2.0 ones):
  actigraph/pygt3x tests/resources: neo.gt3x neo.csv small.gt3x ISM_Enabled.gt3x ISM_Disabled.gt3x (GPL-3.0)
  childmindresearch/wristpy tests/sample_data: example_actigraph*.gt3x example_geneactiv.bin (LGPL-2.1)
  THLfi/read.gt3x inst/extdata: TAS1H30182785_2019-09-17.gt3x and ActiLife's export of it,
                                TAS1H30182785_2019-09-17.csv.gz (gunzip it) (EUPL)
  wadpac/GGIRread inst/testfiles: ax3_testfile.cwa ax6_testfile.cwa ax3_testfile_corrupt_blocks_*.cwa
                                   GENEActiv_testfile.bin (Apache-2.0)
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def plm_dump(files, out):
    env = dict(os.environ, PLM_DEVICE_DUMP=out, PLM_DEVICE_FILES=":".join(files))
    subprocess.run(
        ["swift", "test", "--filter", "DeviceDumpTests"], cwd=REPO, env=env, check=True,
        stdout=subprocess.DEVNULL)
    result = {}
    for f in files:
        base = os.path.join(out, os.path.basename(f))
        df = pd.read_csv(base + ".samples.csv")
        with open(base + ".findings.txt") as h:
            findings = [l for l in h.read().splitlines() if l]
        result[f] = (df, findings)
    return result


def compare(name, ours, ref_t_us, ref_xyz, lsb_g):
    """Matches samples by time (µs, device clock); returns a one-line figure."""
    t = ours["time_us"].to_numpy()
    xyz = ours[["x", "y", "z"]].to_numpy()
    idx = np.searchsorted(ref_t_us, t)
    idx = np.clip(idx, 1, len(ref_t_us) - 1)
    left = ref_t_us[idx - 1]
    right = ref_t_us[idx]
    nearest = np.where(np.abs(t - left) <= np.abs(right - t), idx - 1, idx)
    dt = np.abs(ref_t_us[nearest] - t)
    matched = dt <= 1000  # same time stamp within 1 ms
    diff = np.abs(ref_xyz[nearest[matched]] - xyz[matched])
    within = (diff <= lsb_g * 1.0001).all(axis=1)
    return (
        f"{name}: plm {len(t)} samples, reference {len(ref_t_us)}; same time (±1 ms) {matched.sum()}; "
        f"max |time diff| of matched {dt[matched].max() if matched.any() else float('nan'):.0f} µs; "
        f"within one LSB ({lsb_g * 1000:.2f} mg) {within.sum()} of {matched.sum()}; "
        f"max |diff| {diff.max() * 1000 if diff.size else float('nan'):.3f} mg"
    )


def gt3x_reference(path):
    from pygt3x.reader import FileReader
    with FileReader(path) as r:
        df = r.to_pandas()
        scale = r.info.acceleration_scale or 341.0
    # pygt3x fills idle sleep mode with the last sample; plm reads it as missing: compare only real samples.
    if "IdleSleepMode" in df:
        df = df[~df["IdleSleepMode"]]
    t = np.round(df.index.to_numpy(dtype=float) * 1e6).astype(np.int64)
    return t, df[["X", "Y", "Z"]].to_numpy(dtype=float), 1.0 / scale


def actipy_reference(path):
    import actipy
    data, info = actipy.read_device(
        path, lowpass_hz=None, calibrate_gravity=False, detect_nonwear=False, resample_hz=None, verbose=False)
    t = data.index.to_numpy().astype("datetime64[us]").astype(np.int64)
    return t, data[["x", "y", "z"]].to_numpy(dtype=float), info


def actilife_csv(path):
    """neo.csv: ActiLife's export of neo.gt3x (10 header lines, then Accelerometer X,Y,Z at 30 Hz)."""
    with open(path) as h:
        head = [next(h) for _ in range(10)]
    df = pd.read_csv(path, skiprows=10)
    return head, df.to_numpy(dtype=float)


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else "/tmp/i16data"
    gt3x = [f for f in ["neo.gt3x", "small.gt3x", "ISM_Enabled.gt3x", "ISM_Disabled.gt3x", "example_actigraph.gt3x",
                        "example_actigraph_idle_sleep_mode.gt3x", "TAS1H30182785_2019-09-17.gt3x"]
            if os.path.exists(os.path.join(data, f))]
    cwa = [f for f in sorted(os.listdir(data)) if f.endswith(".cwa")]
    genea = [f for f in ["GENEActiv_testfile.bin", "example_geneactiv.bin"] if os.path.exists(os.path.join(data, f))]
    pairs = [("neo.gt3x", "neo.csv"), ("TAS1H30182785_2019-09-17.gt3x", "TAS1H30182785_2019-09-17.csv")]
    actilife = [c for g, c in pairs if os.path.exists(os.path.join(data, c))]
    files = [os.path.join(data, f) for f in gt3x + cwa + genea + actilife]
    with tempfile.TemporaryDirectory() as out:
        ours = plm_dump(files, out)
    for f in files:
        if f.endswith(".csv"):
            continue  # compared with its .gt3x below
        df, findings = ours[f]
        name = os.path.basename(f)
        print(f"== {name}: {len(df)} samples; {len(findings)} findings")
        for l in findings[:8]:
            print("   ", l)
        try:
            if f.endswith(".gt3x"):
                t, xyz, lsb = gt3x_reference(f)
                print("  ", compare("pygt3x " + __import__("pygt3x").__version__ if hasattr(__import__("pygt3x"), "__version__") else "pygt3x", df, t, xyz, lsb))
            else:
                t, xyz, info = actipy_reference(f)
                lsb = 1 / 256 if f.endswith(".cwa") else 1 / 256  # AX3 packed/unpacked 1/256 g; GENEActiv ~1/256 g
                if "ax6" in name:
                    lsb = 1 / 2048
                print("  ", compare("actipy", df, t, xyz, lsb))
                if f.endswith(".cwa") and len(t) == len(df):
                    # Same samples in file order: how far apart the two readers place them in time
                    # (docs/recording-format.md, "Which .cwa time placement is right").
                    d = (t - df["time_us"].to_numpy()) / 1000
                    print(f"   actipy - plm time, sample by sample in file order: median {np.median(d):.2f} ms, "
                          f"min {d.min():.2f}, max {d.max():.2f}")
        except Exception as e:  # a reference reader that cannot read the file is a figure too
            print(f"   reference reader failed: {type(e).__name__}: {e}")
    for gname, cname in pairs:
        gpath, cpath = os.path.join(data, gname), os.path.join(data, cname)
        if not (os.path.exists(gpath) and os.path.exists(cpath)):
            continue
        # plm's ActiLife CSV reader (times from Start Date + Start Time + i / rate; ActiLife's fill of idle sleep
        # mode and its 0,0,0 rows read as missing) against plm's .gt3x reader (times from info.txt's Start Date
        # ticks), matched by time stamp to the µs: the same samples at the same times, within 1 mg.
        g, _ = ours[gpath]
        c, cf = ours[cpath]
        c = c.dropna()  # rows read as missing (ActiLife's 0,0,0) are dumped as NaN
        gt = dict(zip(g["time_us"].to_numpy(), g[["x", "y", "z"]].to_numpy()))
        ct = dict(zip(c["time_us"].to_numpy(), c[["x", "y", "z"]].to_numpy()))
        both = sorted(set(gt) & set(ct))
        d = np.array([np.abs(gt[k] - ct[k]) for k in both]) if both else np.zeros((1, 3))
        print(f"== {cname} (plm's ActiLife reader) against {gname} (plm's .gt3x reader): {len(c)} and {len(g)} "
              f"samples; at the same time stamp (µs) {len(both)}; only in the CSV {len(set(ct) - set(gt))}, only in the "
              f".gt3x {len(set(gt) - set(ct))}; max |diff| {d.max() * 1000:.3f} mg; within 1 mg "
              f"{(d <= 0.001 + 1e-9).all(axis=1).sum()} of {len(both)}; findings {len(cf)}")
        for l in cf[:4]:
            print("   ", l)
        # The .gt3x against the CSV's own rows as ActiLife wrote them (row i at i / rate from the first sample).
        head, ref = actilife_csv(cpath)
        rate = float(head[0].split(" at ")[1].split(" Hz")[0])
        t0 = g["time_us"].to_numpy()[0]
        idx = np.rint((g["time_us"].to_numpy() - t0) * rate / 1e6).astype(int)
        ok = idx < len(ref)
        diff = np.abs(ref[idx[ok]] - g[["x", "y", "z"]].to_numpy()[ok])
        print(f"== {gname} against ActiLife's {cname}: {len(g)} plm samples, {len(ref)} CSV rows; "
              f"max |diff| {diff.max() * 1000:.3f} mg; within 1 mg: {(diff <= 0.001 + 1e-9).all(axis=1).sum()} of {ok.sum()}")


if __name__ == "__main__":
    main()
