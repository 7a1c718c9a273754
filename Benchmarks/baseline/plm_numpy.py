#!/usr/bin/env python3
"""The numpy/scipy baseline: the straightforward leg-movement pipeline a researcher would write.

band-pass filter (Butterworth, zero-phase) -> per-leg vector magnitude -> moving RMS -> two-threshold
hysteresis (onset above `on`, offset below `off`, thresholds relative to the night's own noise) -> duration
filter (0.5-10 s) -> bilateral merge -> PLM series (>= 4 LMs, 10-90 s apart). Vectorised numpy/scipy for the
signal path; plain Python loops over the detected events for the rules.

Used three ways by Benchmarks/run.sh:
  plm_numpy.py replay NIGHT.edf OUTDIR   end to end: EDF in (pyedflib, or CSV), lm_events.tsv + summary.json out
  plm_numpy.py detector NIGHT.edf        detector throughput on the night held in memory (repetitions)
  plm_numpy.py stream NIGHT.edf          cost of one second of two-leg data processed incrementally
"""
import json
import os
import sys
import time

import numpy as np
from scipy import signal

BAND = (0.5, 10.0)  # Hz
RMS_WINDOW = 0.25  # s
ON_FACTOR, OFF_FACTOR = 8.0, 4.0  # x the night's median RMS
MIN_ON, MIN_OFF = 0.02, 0.01  # g
MIN_DUR, MAX_DUR = 0.5, 10.0  # s
MERGE_GAP = 0.5  # s, gaps shorter than this join two movements of one leg
BILATERAL_GAP = 0.5  # s
IMI_MIN, IMI_MAX, SERIES_MIN = 10.0, 90.0, 4


def read_night(path):
    """(rate, data[n, 6] in g) from an EDF (pyedflib) or a CSV (numpy)."""
    if path.endswith(".csv"):
        table = np.genfromtxt(path, delimiter=",", names=True)
        rate = 1.0 / np.median(np.diff(table["time"][:1000]))
        cols = ["left_x", "left_y", "left_z", "right_x", "right_y", "right_z"]
        return rate, np.column_stack([table[c] for c in cols]).astype(np.float64)
    import pyedflib

    with pyedflib.EdfReader(path) as f:
        labels = f.getSignalLabels()
        wanted = ["ACC L X", "ACC L Y", "ACC L Z", "ACC R X", "ACC R Y", "ACC R Z"]
        idx = [labels.index(w) for w in wanted]
        rate = f.getSampleFrequency(idx[0])
        data = np.column_stack([f.readSignal(i) for i in idx])
    return rate, data


def design(rate):
    return signal.butter(4, BAND, btype="bandpass", fs=rate, output="sos")


def leg_activity(data, rate, sos):
    """Moving RMS of the band-passed magnitude, per leg: array [2, n]."""
    filtered = signal.sosfiltfilt(sos, np.nan_to_num(data), axis=0)
    out = []
    w = max(1, int(round(RMS_WINDOW * rate)))
    kernel = np.ones(w) / w
    for leg in (0, 1):
        mag = np.sqrt((filtered[:, 3 * leg : 3 * leg + 3] ** 2).sum(axis=1))
        out.append(np.sqrt(np.convolve(mag**2, kernel, mode="same")))
    return np.vstack(out)


def thresholds(rms):
    noise = np.median(rms)
    return max(ON_FACTOR * noise, MIN_ON), max(OFF_FACTOR * noise, MIN_OFF)


def hysteresis(x, on, off):
    """Runs above `off` that reach `on` somewhere: [(start, end)] in samples."""
    above = x > off
    edges = np.flatnonzero(np.diff(np.concatenate(([0], above.astype(np.int8), [0]))))
    events = []
    for start, end in zip(edges[::2], edges[1::2]):
        if x[start:end].max() > on:
            events.append((int(start), int(end)))
    return events


def merge_and_filter(events, rate):
    merged = []
    for s, e in events:
        if merged and (s - merged[-1][1]) / rate < MERGE_GAP:
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return [(s, e) for s, e in merged if MIN_DUR <= (e - s) / rate <= MAX_DUR]


def bilateral(left, right, rate):
    both = sorted([(s, e, "left") for s, e in left] + [(s, e, "right") for s, e in right])
    out = []
    for s, e, leg in both:
        if out and (s - out[-1][1]) / rate < BILATERAL_GAP:
            ps, pe, pleg = out[-1]
            out[-1] = (ps, max(pe, e), pleg if pleg == leg else "both")
        else:
            out.append((s, e, leg))
    return out


def plm_series(lms, rate):
    flags = [False] * len(lms)
    run = [0] if lms else []
    for i in range(1, len(lms)):
        imi = (lms[i][0] - lms[i - 1][0]) / rate
        if IMI_MIN <= imi <= IMI_MAX:
            run.append(i)
        else:
            if len(run) >= SERIES_MIN:
                for k in run:
                    flags[k] = True
            run = [i]
    if len(run) >= SERIES_MIN:
        for k in run:
            flags[k] = True
    return flags


def detect(data, rate, sos):
    rms = leg_activity(data, rate, sos)
    legs = []
    for leg in (0, 1):
        on, off = thresholds(rms[leg])
        legs.append(merge_and_filter(hysteresis(rms[leg], on, off), rate))
    lms = bilateral(legs[0], legs[1], rate)
    return lms, plm_series(lms, rate)


def replay(path, outdir):
    rate, data = read_night(path)
    lms, flags = detect(data, rate, design(rate))
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "lm_events.tsv"), "w") as f:
        f.write("onset\tduration\tleg\tplm\n")
        for (s, e, leg), plm in zip(lms, flags):
            f.write(f"{s / rate:.2f}\t{(e - s) / rate:.2f}\t{leg}\t{int(plm)}\n")
    hours = len(data) / rate / 3600
    summary = {"lm_count": len(lms), "plm_count": sum(flags), "hours": hours, "plm_index": sum(flags) / hours}
    with open(os.path.join(outdir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(json.dumps(summary))


def bench_detector(path, repetitions):
    rate, data = read_night(path)
    sos = design(rate)
    times = []
    for _ in range(repetitions):
        t = time.perf_counter()
        lms, flags = detect(data, rate, sos)
        times.append(time.perf_counter() - t)
    med = float(np.median(times))
    print(f"frames {len(data)}")
    print(f"detector_movements {len(lms)}")
    print(f"detector_seconds_best {min(times)}")
    print(f"detector_seconds_median {med}")
    print(f"detector_frames_per_second {len(data) / med}")
    print(f"detector_samples_per_second {data.size / med}")


class Streamer:
    """The same pipeline incrementally, one chunk at a time: causal band-pass (sosfilt with carried state),
    moving RMS over a carried tail, hysteresis with an open event carried between chunks, thresholds from a
    running noise estimate (median of the past second's RMS values, 300 s window)."""

    def __init__(self, rate):
        self.rate = rate
        self.sos = design(rate)
        self.zi = np.zeros((self.sos.shape[0], 2, 6))
        self.w = max(1, int(round(RMS_WINDOW * rate)))
        self.tail = np.zeros((2, self.w - 1))
        self.noise = [[], []]
        self.open = [None, None]
        self.peak = [0.0, 0.0]
        self.t = 0
        self.done = []

    def push(self, chunk):
        y, self.zi = signal.sosfilt(self.sos, np.nan_to_num(chunk), axis=0, zi=self.zi)
        n = len(chunk)
        for leg in (0, 1):
            sq = (y[:, 3 * leg : 3 * leg + 3] ** 2).sum(axis=1)
            ext = np.concatenate((self.tail[leg], sq))
            self.tail[leg] = ext[-(self.w - 1) :] if self.w > 1 else self.tail[leg]
            rms = np.sqrt(np.convolve(ext, np.ones(self.w) / self.w, mode="valid"))
            hist = self.noise[leg]
            hist.append(float(np.median(rms)))
            if len(hist) > 300:
                del hist[0]
            noise = float(np.median(hist))
            on, off = max(ON_FACTOR * noise, MIN_ON), max(OFF_FACTOR * noise, MIN_OFF)
            above = rms > off
            edges = np.flatnonzero(np.diff(np.concatenate(([int(self.open[leg] is not None)], above.astype(np.int8), [0]))))
            for start, end in zip(edges[::2], edges[1::2]):
                s0 = self.open[leg] if (start == 0 and self.open[leg] is not None) else self.t + int(start)
                peak = max(self.peak[leg] if s0 == self.open[leg] else 0.0, float(rms[start:end].max()))
                if end == n:  # still above at the chunk's end: carry it
                    self.open[leg], self.peak[leg] = s0, peak
                    break
                self.open[leg] = None
                if peak > on and MIN_DUR <= (self.t + end - s0) / self.rate <= MAX_DUR:
                    self.done.append((s0, self.t + int(end), leg))
            else:
                if self.open[leg] is not None and not above[-1]:
                    self.open[leg] = None
        self.t += n

    def drain(self):
        out, self.done = self.done, []
        return out


def bench_stream(path, max_seconds):
    rate, data = read_night(path)
    per = int(round(rate))
    seconds = min(len(data) // per, max_seconds)
    s = Streamer(rate)
    found = 0
    t = time.perf_counter()
    for k in range(seconds):
        s.push(data[k * per : (k + 1) * per])
        found += len(s.drain())
    el = time.perf_counter() - t
    print(f"stream_seconds_of_data {seconds}")
    print(f"stream_movements {found}")
    print(f"stream_microseconds_per_second_of_data {el / seconds * 1e6}")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "replay":
        replay(sys.argv[2], sys.argv[3])
    elif mode == "detector":
        bench_detector(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 3)
    elif mode == "stream":
        bench_stream(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 10**9)
    else:
        sys.exit(__doc__)
