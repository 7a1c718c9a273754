#!/usr/bin/env python3
"""Generate random but realistic full nights for the PLMScoRe cross-check.

Python 3 standard library only.  Deterministic for a given seed.

For every night NAME two files are written into OUTDIR:

  NAME.tsv  BIDS-style events table read by `plm score`
            (onset<TAB>duration<TAB>trial_type; LM/left, LM/right, W N1 N2 N3 R
            one row per 30 s epoch, arousal, Obstructive apnea, Hypopnea,
            lights_off, lights_on)
  NAME.edf  the same night as an annotation-only EDF+ file (one signal,
            "EDF Annotations"), labelled the way Polyman / REMLogic exports are
            labelled ("Limb movement@@EMG LAT", "Sleep stage N2", "EEG arousal",
            ...), which is what PLMScoRe's StartPLMScoRe_edf() reads.
  NAME.truth.tsv  the generator's own record of which construct every LM
            belongs to (used by compare.py to explain disagreements).

All times are handled as integer centiseconds, so every onset/duration is on a
0.01 s grid and written exactly.  Episodes that test an exact boundary (IMI of
exactly 10 s / 90 s, gap of exactly 0.5 s, duration exactly 0.5 / 10 / 15 s,
breathing window edges -2.0 / +10.25 s, arousal gap exactly 0.5 s) are placed on
a 0.25 s grid by default: those values are exact binary fractions, so an
implementation that uses IEEE doubles (PLMScoRe does) and one that uses exact
arithmetic must agree on them.  `--boundary-grid-cs 1` puts them on the 0.01 s
grid instead, which exposes floating-point tie behaviour.

Usage:
  gen_nights.py OUTDIR [--n 20] [--seed 1] [--boundary-grid-cs 25] [--golden]
"""

import argparse
import math
import os
import random

EPOCH = 3000  # cs

STAGE_EDF = {"W": "Sleep stage W", "N1": "Sleep stage N1", "N2": "Sleep stage N2",
             "N3": "Sleep stage N3", "R": "Sleep stage R"}
RESP_EDF = {"Obstructive apnea": "Obstructive apnea", "Hypopnea": "Hypopnea"}


def fmt(cs):
    """centiseconds -> shortest exact decimal string."""
    neg = cs < 0
    cs = abs(cs)
    s = "%d.%02d" % (cs // 100, cs % 100)
    s = s.rstrip("0").rstrip(".")
    return ("-" if neg else "") + s


def snap(x, grid):
    return int(round(x / grid)) * grid


# --------------------------------------------------------------------------
# hypnogram
# --------------------------------------------------------------------------

def make_hypnogram(rng, n_epochs, lo_ep, ln_ep):
    st = ["W"] * n_epochs
    i = lo_ep + rng.randint(4, 40)  # sleep latency
    cycle = 0
    end_sleep = ln_ep - rng.randint(2, 20)
    seq = []
    while len(seq) < end_sleep - i:
        cycle += 1
        seq += ["N1"] * rng.randint(1, 6)
        seq += ["N2"] * rng.randint(15, 50)
        seq += ["N3"] * max(0, rng.randint(0, 50) - 10 * (cycle - 1))
        seq += ["N2"] * rng.randint(5, 25)
        seq += ["R"] * min(60, rng.randint(5, 20) + 6 * cycle)
    seq = seq[: end_sleep - i]
    # awakenings
    k = 0
    out = []
    while k < len(seq):
        if rng.random() < 0.012:
            out += ["W"] * rng.randint(1, 10)
            if rng.random() < 0.5:
                out += ["N1"] * rng.randint(1, 3)
        out.append(seq[k])
        k += 1
    out = out[: end_sleep - i]
    st[i: i + len(out)] = out
    return st


# --------------------------------------------------------------------------
# LM constructs
# --------------------------------------------------------------------------

def rdur(rng):
    """Typical LM duration in cs: mostly 0.5-5 s, skewed short."""
    d = math.exp(rng.gauss(math.log(1.6), 0.55))
    d = min(max(d, 0.5), 9.5)
    return int(round(d * 100))


def other(side):
    return "R" if side == "L" else "L"


class Night:
    def __init__(self, name, rng, bgrid):
        self.name = name
        self.rng = rng
        self.bgrid = bgrid
        self.lms = []      # (onset, dur, side, tag)
        self.events = []   # (onset, dur, label)  arousal / resp
        self.tag_id = 0

    def new_tag(self, kind):
        self.tag_id += 1
        return "%s#%d" % (kind, self.tag_id)

    # a "slot" is one scored LM position inside a run; returns (end_cs)
    def slot(self, a, side, kind, boundary):
        rng = self.rng
        g = self.bgrid if boundary else 1
        tag = self.new_tag(kind)
        add = lambda on, du, sd: self.lms.append((on, du, sd, tag))
        if kind == "single":
            d = rdur(rng)
            if boundary:
                d = max(50, snap(d, g))
            add(a, d, side)
            return a + d
        if kind == "min05":           # exactly 0.5 s: still an LM
            add(a, 50, side)
            return a + 50
        if kind == "short":           # < 0.5 s: not an LM at all
            d = rng.randint(20, 49)
            add(a, d, side)
            return a + d
        if kind == "d10":             # exactly 10 s: still a CLM
            add(a, 1000, side)
            return a + 1000
        if kind == "long":            # 10-15 s monolateral: non-candidate
            d = rng.randint(1001, 1499)
            add(a, d, side)
            return a + d
        if kind == "vlong":           # > 15 s
            d = rng.randint(1501, 3000)
            add(a, d, side)
            return a + d
        if kind == "bil":             # bilateral, gap < 0.5 s or overlap
            d1, d2 = rdur(rng), rdur(rng)
            gap = rng.choice([rng.randint(-min(d1 - 1, 80), -1), rng.randint(0, 49)])
            add(a, d1, side)
            add(a + d1 + gap, d2, other(side))
            return max(a + d1, a + d1 + gap + d2)
        if kind == "bilsim":          # near-simultaneous onsets
            d1, d2 = rdur(rng), rdur(rng)
            off = rng.randint(0, 30)
            add(a, d1, side)
            add(a + off, d2, other(side))
            return max(a + d1, a + off + d2)
        if kind == "bilnear":         # contralateral gap 0.49 / 0.51 / 0.6-2 s: kept apart unless < 0.5
            d1, d2 = rdur(rng), rdur(rng)
            gap = rng.choice([49, 51, rng.randint(60, 200)])
            add(a, d1, side)
            add(a + d1 + gap, d2, other(side))
            return a + d1 + gap + d2
        if kind == "bil05":           # contralateral gap exactly 0.5 s
            d1, d2 = snap(rdur(rng), g), snap(rdur(rng), g)
            add(a, d1, side)
            add(a + d1 + 50, d2, other(side))
            return a + d1 + 50 + d2
        if kind == "frag":            # same leg, gap < 0.5 s -> merge
            d1, d2 = rdur(rng), rdur(rng)
            gap = rng.choice([rng.randint(5, 49), 49])
            add(a, d1, side)
            add(a + d1 + gap, d2, side)
            return a + d1 + gap + d2
        if kind == "frag05":          # same leg, gap exactly 0.5 s -> stay apart
            d1, d2 = snap(rdur(rng), g), snap(rdur(rng), g)
            add(a, d1, side)
            add(a + d1 + 50, d2, side)
            return a + d1 + 50 + d2
        if kind == "fragnear":        # same leg, gap 0.51 s
            d1, d2 = rdur(rng), rdur(rng)
            add(a, d1, side)
            add(a + d1 + 51, d2, side)
            return a + d1 + 51 + d2
        if kind in ("chain4", "chain5", "chain3", "chain6"):
            k = int(kind[-1])         # alternating legs, every gap < 0.5 s
            t, sd = a, side
            for _ in range(k):
                d = rng.randint(50, 200)
                add(t, d, sd)
                t = t + d + rng.randint(5, 40)
                sd = other(sd)
            return max(on + du for on, du, _, tg in self.lms if tg == tag)
        if kind == "bil15":           # bilateral, total exactly 15.0 s
            d1 = snap(rng.randint(800, 1000), g)
            add(a, d1, side)
            s2 = a + d1 - snap(rng.randint(25, 200), g)
            add(s2, a + 1500 - s2, other(side))
            return a + 1500
        if kind == "bil15p":          # bilateral, total 15.01-18 s
            d1 = rng.randint(800, 1000)
            tot = rng.randint(1501, 1800)
            add(a, d1, side)
            s2 = a + d1 - rng.randint(10, 200)
            add(s2, a + tot - s2, other(side))
            return a + tot
        if kind == "billong":         # bilateral with a > 10 s component
            d1 = rng.randint(1010, 1200)
            add(a, d1, side)
            add(a + rng.randint(100, 500), rng.randint(80, 200), other(side))
            return a + d1
        if kind == "frag_short":      # 0.3 s fragment merging into a real LM
            d1 = rng.randint(20, 45)
            gap = rng.randint(5, 40)
            d2 = rdur(rng)
            add(a, d1, side)
            add(a + d1 + gap, d2, side)
            return a + d1 + gap + d2
        raise ValueError(kind)

    def episode(self, t0, boundary, resp):
        """A run of LMs with IMIs mostly 15-40 s.  Returns end time (cs)."""
        rng = self.rng
        g = self.bgrid if boundary else 1
        n = rng.randint(4, 32)
        side_mode = rng.choice(["L", "R", "alt", "alt", "L", "R"])
        a = snap(t0, g) if boundary else t0
        end = a
        last_resp_end = -10 ** 9
        kinds_plain = ["single"] * 60 + ["bil", "bilsim", "frag", "bilnear", "fragnear",
                                          "chain3", "chain4", "chain5", "long", "vlong",
                                          "short", "bil15p", "billong", "frag_short", "chain6"]
        kinds_bound = ["single"] * 36 + ["min05", "d10", "bil05", "frag05", "bil15",
                                          "bil", "frag", "chain4", "chain5"]
        for i in range(n):
            side = side_mode if side_mode in ("L", "R") else rng.choice("LR")
            kind = rng.choice(kinds_bound if boundary else kinds_plain)
            if i == 0 and kind in ("short",):
                kind = "single"
            n_before = len(self.lms)
            end = self.slot(a, side, kind, boundary)
            slot_lms = self.lms[n_before:]
            s_on = min(x[0] for x in slot_lms)
            s_end = max(x[0] + x[1] for x in slot_lms)
            # breathing events anchored on this LM
            if resp and rng.random() < 0.45:
                variant = rng.random()
                rd = rng.randint(1000, 3000)
                if boundary:
                    rd = snap(rd, g)        # event start on the grid too (onset + duration = end exactly)
                if boundary and variant < 0.5:
                    sub = rng.choice(["on_hi", "on_hi_out", "off_lo", "off_lo_out"])
                    if sub == "on_hi":       # LM onset exactly at event end + 10.25
                        E = s_on - 1025
                    elif sub == "on_hi_out":  # onset at end + 10.50: outside
                        E = s_on - 1050
                    elif sub == "off_lo":    # LM offset exactly at event end - 2.0
                        E = s_end + 200
                    else:                    # LM offset at end - 2.25: outside
                        E = s_end + 225
                    E = E  # already on grid when boundary
                else:
                    E = s_on - rng.randint(-400, 1200)
                    # random anchors never land exactly on a window edge (those are
                    # tested on the exact grid above)
                    while s_on - E == 1025 or E - s_end == 200:
                        E -= 1
                S = E - rd
                if S > last_resp_end + 500 and S > 0:
                    lab = rng.choice(["Obstructive apnea", "Hypopnea", "Hypopnea"])
                    self.events.append((S, rd, lab))
                    last_resp_end = E
            # arousals anchored on this LM
            r = rng.random()
            if r < 0.18:
                ad = rng.randint(300, 1500)
                ao = s_on + rng.randint(-200, 300)
                while ao - s_end == 50 or s_on - (ao + ad) == 50:
                    ao += 1
                self.events.append((ao, ad, "arousal"))
            elif boundary and r < 0.26:
                sub = rng.choice(["after05", "after_out", "before05", "before_out"])
                ad = snap(rng.randint(300, 1500), g)
                if sub == "after05":
                    self.events.append((s_end + 50, ad, "arousal"))
                elif sub == "after_out":
                    self.events.append((s_end + 75, ad, "arousal"))
                elif sub == "before05":
                    self.events.append((s_on - 50 - ad, ad, "arousal"))
                else:
                    self.events.append((s_on - 75 - ad, ad, "arousal"))
            # IMI to the next slot
            u = rng.random()
            if boundary:
                if u < 0.10:
                    imi = 1000
                elif u < 0.20:
                    imi = 9000
                elif u < 0.24:
                    imi = 975           # 9.75 s
                elif u < 0.28:
                    imi = 9025          # 90.25 s
                else:
                    imi = snap(rng.randint(1500, 4000), g)
            else:
                if u < 0.05:
                    imi = rng.randint(200, 999)      # short IMI < 10 s
                elif u < 0.08:
                    imi = rng.randint(9001, 15000)   # > 90 s
                elif u < 0.10:
                    imi = rng.choice([999, 1001, 8999, 9001])
                elif u < 0.16:
                    imi = rng.randint(4000, 9000)
                else:
                    imi = rng.randint(1500, 4000)
            nxt = a + imi
            if nxt < s_end + 100:      # keep constructs from running into each other
                nxt = s_end + 100
                if boundary:
                    nxt = snap(nxt + g, g)
            if i < n - 1:
                a = nxt
            end = max(end, s_end)
        return end

    def isolated(self, t0):
        rng = self.rng
        t = t0
        for _ in range(rng.randint(1, 3)):
            side = rng.choice("LR")
            kind = rng.choice(["single"] * 8 + ["bil", "frag", "long"])
            end = self.slot(t, side, kind, False)
            t = end + rng.randint(300, 20000)
        return end


def make_night(name, seed, bgrid):
    rng = random.Random(seed)
    nt = Night(name, rng, bgrid)
    lo = EPOCH * rng.randint(10, 40)                     # lights off
    tib = EPOCH * rng.randint(7 * 120, 9 * 120)           # 7-9 h
    ln = lo + tib                                         # lights on
    rec_end = ln + EPOCH * rng.randint(2, 20)
    n_ep = rec_end // EPOCH
    hyp = make_hypnogram(rng, n_ep, lo // EPOCH, ln // EPOCH)

    # a few LMs before lights off and after lights on (must be ignored)
    t = rng.randint(3000, 6000)
    while t < lo - 3000:
        nt.slot(t, rng.choice("LR"), "single", False)
        t += rng.randint(1500, 6000)
    t = ln + rng.randint(1500, 3000)
    while t < rec_end - 500:
        nt.slot(t, rng.choice("LR"), "single", False)
        t += rng.randint(1500, 6000)
    # edge cases at the lights (PLMScoRe keeps these, see README)
    if rng.random() < 0.5:
        nt.slot(lo - 50, rng.choice("LR"), "single", False)   # straddles lights off
    if rng.random() < 0.5:
        nt.slot(ln - 100, rng.choice("LR"), "single", False)  # straddles lights on
    elif rng.random() < 0.5:
        nt.slot(ln, rng.choice("LR"), "single", False)        # starts exactly at lights on

    # the night between the lights
    t = lo + rng.randint(3000, 30000)
    while t < ln - 6000:
        u = rng.random()
        if u < 0.45:
            boundary = rng.random() < 0.4
            resp = rng.random() < 0.35
            end = nt.episode(t, boundary, resp)
        elif u < 0.8:
            end = nt.isolated(t)
        else:
            end = t
        t = end + rng.randint(500, 60000)

    # random arousals and breathing events during sleep
    for ep in range(n_ep):
        if hyp[ep] != "W":
            if rng.random() < 0.06:
                nt.events.append((ep * EPOCH + rng.randint(0, 2999), rng.randint(300, 1500), "arousal"))
            if rng.random() < 0.025:
                nt.events.append((ep * EPOCH + rng.randint(0, 2999), rng.randint(1000, 4000),
                                  rng.choice(["Obstructive apnea", "Hypopnea"])))
    return nt, hyp, lo, ln, rec_end


# --------------------------------------------------------------------------
# writers
# --------------------------------------------------------------------------

def write_tsv(path, nt, hyp, lo, ln):
    rows = []
    for i, s in enumerate(hyp):
        rows.append((i * EPOCH, EPOCH, s, 0))
    for on, du, sd, _ in nt.lms:
        rows.append((on, du, "LM/left" if sd == "L" else "LM/right", 1))
    for on, du, lab in nt.events:
        rows.append((on, du, lab, 2))
    rows.append((lo, 0, "lights_off", 3))
    rows.append((ln, 0, "lights_on", 3))
    rows.sort(key=lambda r: (r[0], r[3], r[2]))
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("onset\tduration\ttrial_type\n")
        for on, du, lab, _ in rows:
            f.write("%s\t%s\t%s\n" % (fmt(on), fmt(du), lab))


def write_truth(path, nt):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("onset\tduration\tside\tconstruct\n")
        for on, du, sd, tag in sorted(nt.lms):
            f.write("%s\t%s\t%s\t%s\n" % (fmt(on), fmt(du), sd, tag))


def write_edf_annotations(path, anns, rec_len_s):
    """Minimal EDF+C file with one 'EDF Annotations' signal and one data record.

    anns: list of (onset_cs, dur_cs_or_None, text).  Spec: Kemp & Olivan 2003.
    """
    tal = [b"+0\x14\x14\x00"]  # time-keeping TAL of the (only) data record
    for on, du, text in sorted(anns, key=lambda x: x[0]):
        s = ("+" if on >= 0 else "") + fmt(on)
        if du is not None:
            s += "\x15" + fmt(du)
        s += "\x14" + text + "\x14"
        tal.append(s.encode("ascii") + b"\x00")
    data = b"".join(tal)
    nsamp = (len(data) + 1) // 2 + 8
    data = data + b"\x00" * (2 * nsamp - len(data))

    def field(v, n):
        b = str(v).encode("ascii")
        assert len(b) <= n, (v, n)
        return b + b" " * (n - len(b))

    hdr = b"".join([
        field("0", 8),
        field("X X X X", 80),
        field("Startdate 01-JAN-2020 X X X", 80),
        field("01.01.20", 8),
        field("22.00.00", 8),
        field(256 + 256, 8),
        field("EDF+C", 44),
        field(1, 8),                 # one data record
        field(int(rec_len_s), 8),    # its duration in s
        field(1, 4),
        field("EDF Annotations", 16),
        field("", 80),
        field("", 8),
        field(-1, 8), field(1, 8),
        field(-32768, 8), field(32767, 8),
        field("", 80),
        field(nsamp, 8),
        field("", 32),
    ])
    assert len(hdr) == 512
    with open(path, "wb") as f:
        f.write(hdr + data)


def write_edf(path, nt, hyp, lo, ln, rec_end):
    anns = []
    for i, s in enumerate(hyp):
        anns.append((i * EPOCH, EPOCH, STAGE_EDF[s]))
    for on, du, sd, _ in nt.lms:
        anns.append((on, du, "Limb movement@@EMG LAT" if sd == "L" else "Limb movement@@EMG RAT"))
    for on, du, lab in nt.events:
        anns.append((on, du, "EEG arousal" if lab == "arousal" else RESP_EDF[lab]))
    anns.append((lo, None, "Lights off"))
    anns.append((ln, None, "Lights on"))
    write_edf_annotations(path, anns, rec_end // 100)


def golden():
    """The golden night of scoring-rules.md: 2 h of N2, left leg, 1.5 s LMs."""
    nt = Night("golden", random.Random(0), 25)
    L = []
    seg = {
        "A": [100, 120, 140, 160, 180],
        "B": [400, 415, 422, 437, 452, 467, 482],
        "C": [700, 720, 740, 760, 780, 800, 820],
        "E": [1320, 1340, 1360],
        "F": [1600, 1690, 1700, 1790],
        "G": [2011, 2031, 2051, 2071, 2091],
    }
    for k, v in seg.items():
        for x in v:
            d = 1200 if (k == "C" and x == 740) else 150
            L.append((x * 100, d, "L", "golden-" + k))
    L += [(100000, 100, "L", "golden-D"), (100130, 100, "R", "golden-D")]
    L += [(x * 100, 150, "L", "golden-D") for x in (1020, 1040, 1060)]
    L += [(130000, 100, "L", "golden-E"), (130130, 100, "L", "golden-E")]
    nt.lms = L
    nt.events = [(201000, 2000, "Obstructive apnea")]
    hyp = ["N2"] * 240
    return nt, hyp


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--boundary-grid-cs", type=int, default=25,
                    help="grid (cs) for exact-boundary episodes; 25 = binary-exact (default), 1 = 0.01 s")
    ap.add_argument("--golden", action="store_true", help="also write golden.tsv/.edf")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    master = random.Random(a.seed)
    for i in range(a.n):
        name = "night%02d" % (i + 1)
        nt, hyp, lo, ln, rec_end = make_night(name, master.randrange(2 ** 31), a.boundary_grid_cs)
        write_tsv(os.path.join(a.outdir, name + ".tsv"), nt, hyp, lo, ln)
        write_edf(os.path.join(a.outdir, name + ".edf"), nt, hyp, lo, ln, rec_end)
        write_truth(os.path.join(a.outdir, name + ".truth.tsv"), nt)
        print("%s: %.2f h in bed, %d LM annotations, %d other events" % (
            name, (ln - lo) / 360000.0, len(nt.lms), len(nt.events)))
    if a.golden:
        nt, hyp = golden()
        # no lights events: the whole 2 h are scored
        rows = [(i * EPOCH, EPOCH, s) for i, s in enumerate(hyp)]
        with open(os.path.join(a.outdir, "golden.tsv"), "w", encoding="utf-8", newline="\n") as f:
            f.write("onset\tduration\ttrial_type\n")
            allr = rows + [(on, du, "LM/left" if sd == "L" else "LM/right") for on, du, sd, _ in nt.lms] \
                + [(on, du, lab) for on, du, lab in nt.events]
            for on, du, lab in sorted(allr, key=lambda r: (r[0], r[2])):
                f.write("%s\t%s\t%s\n" % (fmt(on), fmt(du), lab))
        anns = [(on, du, STAGE_EDF[s]) for on, du, s in rows]
        anns += [(on, du, "Limb movement@@EMG LAT" if sd == "L" else "Limb movement@@EMG RAT")
                 for on, du, sd, _ in nt.lms]
        anns += [(on, du, lab) for on, du, lab in nt.events]
        write_edf_annotations(os.path.join(a.outdir, "golden.edf"), anns, 7200)
        write_truth(os.path.join(a.outdir, "golden.truth.tsv"), nt)
        print("golden: 2 h N2, %d LM annotations" % len(nt.lms))


if __name__ == "__main__":
    main()
