#!/usr/bin/env python3
"""Reads an EDF+ file written by plm with pyedflib and MNE and compares it with the expected content.

usage: check_edf.py FILE EXPECTED.json

EXPECTED.json: {"signals": [{"label", "unit", "sample_rate", "step", "values": [...]}],
                "annotations": [{"onset", "duration" (null when none), "text"}]}
Signals must agree within one quantisation step (`step`, physical units), annotations exactly.
Exit status 0 when both readers agree, 1 on a mismatch, 2 when a module is missing.
"""
import json
import sys

try:
    import numpy as np
    import pyedflib
    import mne
except ImportError as e:  # pragma: no cover
    print(f"check_edf.py: missing Python module: {e.name} (pip install pyedflib mne)", file=sys.stderr)
    sys.exit(2)

errors = []


def check(cond, message):
    if not cond:
        errors.append(message)


def main(path, expected_path):
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    signals = expected["signals"]
    annotations = expected["annotations"]

    # pyedflib
    r = pyedflib.EdfReader(path)
    try:
        labels = r.getSignalLabels()
        check(labels == [s["label"] for s in signals], f"pyedflib labels {labels}")
        for i, s in enumerate(signals):
            if i >= len(labels):
                break
            got = r.readSignal(i)
            want = np.asarray(s["values"], dtype=float)
            check(len(got) >= len(want), f"pyedflib {s['label']}: {len(got)} samples, expected {len(want)}")
            n = min(len(got), len(want))
            err = float(np.max(np.abs(got[:n] - want[:n]))) if n else 0.0
            check(err <= s["step"] * 1.0001, f"pyedflib {s['label']}: max error {err} > step {s['step']}")
            check(r.getPhysicalDimension(i) == s["unit"], f"pyedflib {s['label']}: unit {r.getPhysicalDimension(i)}")
            check(abs(r.getSampleFrequency(i) - s["sample_rate"]) < 1e-9,
                  f"pyedflib {s['label']}: rate {r.getSampleFrequency(i)}")
        onsets, durations, texts = r.readAnnotations()
        got = [(round(float(o), 6), None if float(d) < 0 else round(float(d), 6), t)
               for o, d, t in zip(onsets, durations, texts)]
        want = [(a["onset"], a["duration"], a["text"]) for a in annotations]
        # pyedflib reports a missing duration as -1
        check(got == want, f"pyedflib annotations {got} != {want}")
    finally:
        r.close()

    # MNE
    if signals:
        raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
        check(raw.ch_names == [s["label"] for s in signals], f"MNE channels {raw.ch_names}")
        check(abs(raw.info["sfreq"] - signals[0]["sample_rate"]) < 1e-9, f"MNE sfreq {raw.info['sfreq']}")
        data = raw.get_data()
        for i, s in enumerate(signals):
            if i >= data.shape[0]:
                break
            want = np.asarray(s["values"], dtype=float)
            n = min(data.shape[1], len(want))
            err = float(np.max(np.abs(data[i, :n] - want[:n]))) if n else 0.0
            check(err <= s["step"] * 1.0001, f"MNE {s['label']}: max error {err} > step {s['step']}")
        mne_annotations = raw.annotations
    else:
        mne_annotations = mne.read_annotations(path)
    got = [(round(float(o), 6), round(float(d), 6), str(t))
           for o, d, t in zip(mne_annotations.onset, mne_annotations.duration, mne_annotations.description)]
    # MNE reports a missing duration as 0
    want = [(a["onset"], a["duration"] if a["duration"] is not None else 0.0, a["text"]) for a in annotations]
    check(got == want, f"MNE annotations {got} != {want}")

    if errors:
        for e in errors:
            print("MISMATCH: " + e, file=sys.stderr)
        return 1
    print(f"ok: {len(signals)} signals, {len(annotations)} annotations read back by pyedflib {pyedflib.__version__} "
          f"and MNE {mne.__version__}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
