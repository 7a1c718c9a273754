#!/usr/bin/env python3
"""Compare per-LM results of `plm score` with PLMScoRe's.

  compare.py NIGHTS_DIR PLMSCORE_DIR OURS_DIR [--tol 0.05] [--max-list 40]
             [--disagreements FILE.tsv]

NIGHTS_DIR    what gen_nights.py wrote (NAME.tsv, NAME.truth.tsv)
PLMSCORE_DIR  what run_plmscore.R wrote (NAME_plmscore.csv)
OURS_DIR      one sub-directory per night with `plm score`'s output:
              OURS_DIR/NAME/lm_events.tsv

LMs are matched by onset (nearest, within --tol seconds; one-to-one).  For
each night the script prints counts, agreement of the PLM / CLM / side /
breathing / arousal flags, and every disagreement with its context
(neighbouring LMs with onsets, durations and IMIs, the annotated LMs it was
built from, nearby breathing events and arousals, the lights) and a guessed
class.  A total table ends the report.  Python 3 standard library only.
"""

import argparse
import bisect
import csv
import os
import sys
from collections import Counter, defaultdict

TRUE = {"1", "true", "t", "yes", "y", "1.0"}
FALSE = {"0", "false", "f", "no", "n", "0.0"}
EPS = 1e-6


def flag(v):
    if v is None:
        return None
    v = str(v).strip().lower()
    if v in TRUE:
        return 1
    if v in FALSE:
        return 0
    return None


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def norm_side(v):
    v = (v or "").strip().upper()
    return {"LEFT": "L", "RIGHT": "R", "BOTH": "B", "BILATERAL": "B"}.get(v, v[:1])


def read_table(path, delim):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter=delim))


def load_ours(path):
    out = []
    for r in read_table(path, "\t"):
        on = num(r.get("onset"))
        if on is None:
            continue
        out.append({
            "onset": on,
            "duration": num(r.get("duration")),
            "side": norm_side(r.get("side")),
            "n": int(num(r.get("n_components")) or 1),
            "clm": flag(r.get("is_clm")),
            "plm": flag(r.get("is_plm")),
            "resp": flag(r.get("resp_related")),
            "ar": flag(r.get("arousal")),
            "stage": (r.get("stage") or "").strip(),
            "imi": num(r.get("imi")),
            "series": r.get("series_id", ""),
            "why": r.get("nonclm_reason", ""),
            "state": r.get("state", ""),
            "plm_nr": flag(r.get("is_plm_nr")),
            "has_nr": "is_plm_nr" in r,
        })
    out.sort(key=lambda x: x["onset"])
    return out


def load_peer(path):
    out = []
    for r in read_table(path, ","):
        out.append({
            "onset": float(r["onset"]),
            "duration": float(r["duration"]),
            "side": r["side"],
            "n": int(float(r["n_components"] or 1)),
            "clm": flag(r["is_clm"]),
            "plm": flag(r["is_plm"]),
            "plm_nr": flag(r["is_plm_nr"]),
            "resp": flag(r["resp_related"]),
            "ar": flag(r["arousal"]),
            "stage": r["stage"],
            "imi": num(r["imi"]),
            "series": r["series"],
            "has_nr": True,
        })
    out.sort(key=lambda x: x["onset"])
    return out


def load_night(path):
    lms, resp, ar, lights = [], [], [], {}
    for r in read_table(path, "\t"):
        on, du, tt = float(r["onset"]), num(r["duration"]) or 0.0, r["trial_type"]
        if tt.startswith("LM/"):
            lms.append((on, du, tt[3:4].upper()))
        elif tt in ("Obstructive apnea", "Hypopnea", "Central apnea", "Mixed apnea"):
            resp.append((on, du, tt))
        elif tt == "arousal":
            ar.append((on, du))
        elif tt in ("lights_off", "lights_on"):
            lights[tt] = on
    return sorted(lms), sorted(resp), sorted(ar), lights


def load_truth(path):
    if not os.path.exists(path):
        return []
    return sorted((float(r["onset"]), float(r["duration"]), r["side"], r["construct"])
                  for r in read_table(path, "\t"))


def match(a, b, tol):
    """One-to-one nearest matching of two onset-sorted lists."""
    pairs = []
    cand = []
    bon = [x["onset"] for x in b]
    for i, x in enumerate(a):
        j = bisect.bisect_left(bon, x["onset"] - tol)
        while j < len(b) and bon[j] <= x["onset"] + tol:
            cand.append((abs(bon[j] - x["onset"]), i, j))
            j += 1
    cand.sort()
    ua, ub = set(), set()
    for _, i, j in cand:
        if i not in ua and j not in ub:
            ua.add(i)
            ub.add(j)
            pairs.append((i, j))
    pairs.sort()
    return pairs, [i for i in range(len(a)) if i not in ua], [j for j in range(len(b)) if j not in ub]


def near(x, v):
    return x is not None and abs(x - v) < EPS


def fmt(v, nd=2):
    if v is None:
        return "-"
    if isinstance(v, float):
        return ("%%.%df" % nd) % v
    return str(v)


def lm_str(x):
    return "%s%s %.2f+%.2f%s clm=%s plm=%s r=%s a=%s %s" % (
        x["side"], "" if x["n"] <= 1 else "x%d" % x["n"], x["onset"], x["duration"] or 0.0,
        "", fmt(x["clm"]), fmt(x["plm"]), fmt(x["resp"]), fmt(x["ar"]), x["stage"])


def neighbours(lst, idx, k=2):
    lo, hi = max(0, idx - k), min(len(lst), idx + k + 1)
    parts = []
    for t in range(lo, hi):
        x = lst[t]
        imi = x["onset"] - lst[t - 1]["onset"] if t > 0 else None
        mark = "*" if t == idx else " "
        parts.append("%s[imi %s] %s" % (mark, fmt(imi), lm_str(x)))
    return parts


def classify(kind, o, p, ctx):
    """Guess why the tools disagree (a hint for the reader, not a verdict)."""
    lights = ctx["lights"]
    x = o or p
    lo, ln = lights.get("lights_off"), lights.get("lights_on")
    if kind.startswith("only"):
        if lo is not None and x["onset"] < lo:
            return "lights: LM starting before lights off (PLMScoRe keeps an LM whose offset is after lights off)"
        if ln is not None and x["onset"] >= ln - EPS:
            return "lights: LM starting at/after lights on (PLMScoRe keeps onset <= lights on)"
        if x["duration"] is not None and x["duration"] < 0.5:
            return "LM shorter than 0.5 s"
        if not ctx["comps"]:
            return "no annotated LM at this time"
        if len(ctx["comps"]) == 1:
            return "one annotated LM, scored by one tool only"
        return "merging/bilateral combination differs (see components)"
    comp_lights = [c for c in ctx["comps"] if (lo is not None and c[0] < lo) or (ln is not None and c[0] >= ln - EPS)]
    if kind in ("side/components", "plm", "plm_nr", "clm") and comp_lights:
        return "lights: a component starts before lights off or at/after lights on"
    if kind in ("plm", "plm_nr") and ctx["unmatched_near"]:
        return "a neighbouring LM exists in one tool only (see 'only ...' entries, e.g. lights)"
    if kind == "plm_nr" and ctx["nr_breaker"]:
        return "breathing-related non-candidate LM: kept as series breaker in PLMScoRe's nr analysis, removed by ours"
    if kind == "side/components":
        gaps = ctx["gaps"]
        if any(near(g, 0.5) for g in gaps):
            return "component gap exactly 0.5 s"
        return "merging/bilateral combination differs"
    if kind == "clm":
        d = p["duration"]
        if near(d, 10.0) or near(d, 15.0):
            return "duration exactly at the 10/15 s CLM limit"
        if p["n"] > 4 or o["n"] > 4:
            return "more than 4 components"
        return "candidate (CLM) rule differs"
    if kind == "plm":
        imis = ctx["imis"]
        if any(near(v, 10.0) or near(v, 90.0) for v in imis):
            return "IMI exactly 10 s or 90 s nearby"
        if ctx["clm_diff_near"]:
            return "a neighbouring LM's CLM/merge status differs"
        if lo is not None and abs(x["onset"] - lo) < 200 or ln is not None and abs(x["onset"] - ln) < 200:
            return "series at the lights"
        return "series rule differs"
    if kind == "plm_nr":
        if o["resp"] != p["resp"]:
            return "breathing-related flag differs (changes the nr series)"
        imis = ctx["imis"]
        if any(near(v, 10.0) or near(v, 90.0) for v in imis):
            return "IMI exactly 10 s or 90 s nearby"
        return "nr series rule differs (removal of breathing-related LMs / IMI recomputation)"
    if kind == "resp":
        if any(near(a, -2.0) or near(a, 10.25) or near(b, -2.0) or near(b, 10.25) for a, b in ctx["resp_rel"]):
            return "LM exactly at an edge of the -2.0/+10.25 s window"
        return "breathing-related window differs"
    if kind == "arousal":
        if any(near(g, 0.5) for g in ctx["ar_gaps"]):
            return "arousal exactly 0.5 s before/after the LM (PLMScoRe: inclusive)"
        return "arousal association differs"
    if kind == "stage":
        return "stage assignment differs"
    return kind


def compare_night(name, nights_dir, peer_dir, ours_dir, tol, max_list, dis_rows):
    peer = load_peer(os.path.join(peer_dir, name + "_plmscore.csv"))
    ours_path = os.path.join(ours_dir, name, "lm_events.tsv")
    ours = load_ours(ours_path)
    lms, resp, ar, lights = load_night(os.path.join(nights_dir, name + ".tsv"))
    truth = load_truth(os.path.join(nights_dir, name + ".truth.tsv"))
    pairs, only_o, only_p = match(ours, peer, tol)

    st = Counter()
    st["ours"], st["peer"], st["matched"] = len(ours), len(peer), len(pairs)
    st["only_ours"], st["only_peer"] = len(only_o), len(only_p)
    st["plm_ours"] = sum(1 for x in ours if x["plm"] == 1)
    st["plm_peer"] = sum(1 for x in peer if x["plm"] == 1)
    st["plms_ours"] = sum(1 for x in ours if x["plm"] == 1 and x["stage"] not in ("W", "wake", ""))
    st["plms_peer"] = sum(1 for x in peer if x["plm"] == 1 and x["stage"] != "W")
    st["plmnr_ours"] = sum(1 for x in ours if x.get("plm_nr") == 1)
    st["plmnr_peer"] = sum(1 for x in peer if x["plm_nr"] == 1)
    st["clm_ours"] = sum(1 for x in ours if x["clm"] == 1)
    st["clm_peer"] = sum(1 for x in peer if x["clm"] == 1)

    items = []  # (onset, kind, o, p, oi, pj)
    for i, j in pairs:
        o, p = ours[i], peer[j]
        if o["has_nr"]:
            # a movement removed from the "nr" analysis (n/a) counts as not-PLM there
            st["nr_cmp"] += 1
            if (o["plm_nr"] or 0) == (p["plm_nr"] or 0):
                st["agree_nr"] += 1
            else:
                items.append((p["onset"], "plm_nr", o, p, i, j))
        for key, kind in (("plm", "plm"), ("clm", "clm"), ("resp", "resp"), ("ar", "arousal")):
            if o[key] is None:
                st["na_" + key] += 1
            elif o[key] == p[key]:
                st["agree_" + key] += 1
            else:
                items.append((p["onset"], kind, o, p, i, j))
        if o["side"] == p["side"] and o["n"] == p["n"] and abs((o["duration"] or 0) - p["duration"]) < tol:
            st["agree_side"] += 1
        else:
            items.append((p["onset"], "side/components", o, p, i, j))
        if o["stage"] and o["stage"] == p["stage"]:
            st["agree_stage"] += 1
        elif o["stage"]:
            items.append((p["onset"], "stage", o, p, i, j))
    for i in only_o:
        items.append((ours[i]["onset"], "only ours", ours[i], None, i, None))
    for j in only_p:
        items.append((peer[j]["onset"], "only PLMScoRe", None, peer[j], None, j))
    items.sort(key=lambda t: (t[0], t[1]))

    # map for neighbour context
    o2p = {i: j for i, j in pairs}
    p2o = {j: i for i, j in pairs}
    classes = Counter()
    lines = []
    for on, kind, o, p, i, j in items:
        x = o or p
        end = x["onset"] + (x["duration"] or 0)
        comps = [t for t in truth if t[0] < end + 0.6 and t[0] + t[1] > x["onset"] - 0.6] or \
                [(a, b, c, "") for a, b, c in lms if a < end + 0.6 and a + b > x["onset"] - 0.6]
        comps.sort()
        gaps = []
        for u in range(1, len(comps)):
            gaps.append(round(comps[u][0] - max(c[0] + c[1] for c in comps[:u]), 6))
        imis = []
        clm_diff_near = False
        for lst, idx in ((peer, j), (ours, i)):
            if idx is None:
                continue
            for t in range(max(1, idx - 1), min(len(lst), idx + 2)):
                imis.append(lst[t]["onset"] - lst[t - 1]["onset"])
        if j is not None:
            for t in range(max(0, j - 4), min(len(peer), j + 5)):
                oi = p2o.get(t)
                if oi is None or ours[oi]["clm"] != peer[t]["clm"] or ours[oi]["n"] != peer[t]["n"]:
                    clm_diff_near = True if t != j or kind != "clm" else clm_diff_near
        unmatched_near = False
        if j is not None:
            unmatched_near = any(t not in p2o for t in range(max(0, j - 4), min(len(peer), j + 5)))
        if i is not None:
            unmatched_near = unmatched_near or any(t not in o2p for t in range(max(0, i - 4), min(len(ours), i + 5)))
        nr_breaker = False
        if j is not None and kind == "plm_nr":
            for step in (-1, 1):
                t, prev = j, peer[j]["onset"]
                while 0 <= t + step < len(peer):
                    t += step
                    y = peer[t]
                    if y["clm"] == 1 and y["resp"] == 1:
                        continue
                    gap = abs(y["onset"] - prev)
                    prev = y["onset"]
                    if y["clm"] == 0:
                        nr_breaker = nr_breaker or y["resp"] == 1
                        break
                    if gap < 10 or gap > 90:
                        break
        ar_gaps = [max(r[0] - end, x["onset"] - r[0] - r[1]) for r in ar
                   if r[0] < end + 1 and r[0] + r[1] > x["onset"] - 1]
        resp_rel = [(x["onset"] - r[0] - r[1], end - r[0] - r[1]) for r in resp
                    if r[0] + r[1] > x["onset"] - 11 and r[0] + r[1] < end + 3]
        ctx = {"lights": lights, "gaps": gaps, "comps": comps, "unmatched_near": unmatched_near,
               "ar_gaps": ar_gaps, "resp_rel": resp_rel,
               "nr_breaker": nr_breaker, "imis": imis, "clm_diff_near": clm_diff_near}
        cls = classify(kind, o, p, ctx)
        classes[(kind, cls)] += 1
        dis_rows.append({"night": name, "onset": "%.2f" % on, "kind": kind, "class": cls,
                         "ours": lm_str(o) if o else "", "plmscore": lm_str(p) if p else "",
                         "components": " ".join("%s%.2f+%.2f" % (c[2], c[0], c[1]) for c in comps),
                         "construct": " ".join(sorted({c[3] for c in comps if c[3]}))})
        if len(lines) < max_list * 12:
            lines.append("  - %.2f s  [%s]  %s" % (on, kind, cls))
            if o:
                lines.append("      ours     : %s%s" % (lm_str(o), ("  nonclm_reason=" + o["why"]) if o["why"] else ""))
            if o and o["has_nr"]:
                lines[-1] += "  plm_nr=%s" % fmt(o["plm_nr"])
            if p:
                lines.append("      PLMScoRe : %s imi=%s plm_nr=%s series=%s" % (
                    lm_str(p), fmt(p["imi"]), fmt(p["plm_nr"]), p["series"] or "-"))
            lines.append("      annotated: %s  %s" % (
                " ".join("%s %.2f+%.2f" % (c[2], c[0], c[1]) for c in comps),
                " ".join(sorted({c[3] for c in comps if c[3]}))))
            if gaps:
                lines.append("      gaps between annotated components: %s" % " ".join(fmt(g, 3) for g in gaps))
            if j is not None:
                lines.append("      PLMScoRe neighbours:")
                lines += ["        " + s for s in neighbours(peer, j)]
            if i is not None:
                lines.append("      ours neighbours:")
                lines += ["        " + s for s in neighbours(ours, i)]
            rr = [r for r in resp if r[0] + r[1] > x["onset"] - 12 and r[0] + r[1] < end + 3]
            if rr:
                lines.append("      breathing events ending near: %s" % ", ".join(
                    "%s %.2f-%.2f (LM onset-end %+.2f, LM offset-end %+.2f)" % (
                        r[2], r[0], r[0] + r[1], x["onset"] - r[0] - r[1], end - r[0] - r[1]) for r in rr))
            aa = [r for r in ar if r[0] < end + 2 and r[0] + r[1] > x["onset"] - 2]
            if aa:
                lines.append("      arousals near: %s" % ", ".join(
                    "%.2f-%.2f (start-LMend %+.2f, LMstart-end %+.2f)" % (
                        r[0], r[0] + r[1], r[0] - end, x["onset"] - r[0] - r[1]) for r in aa))
    return st, classes, lines


def night_summary(name, peer_dir, ours_dir):
    """Night-level figures from PLMScoRe's statistics table and our summary.json."""
    import json
    out = {}
    ps = os.path.join(peer_dir, name + "_plmscore_summary.csv")
    if os.path.exists(ps):
        rows = read_table(ps, ",")

        def g(t, stat, col):
            for r in rows:
                if r["LMtype"] == t and r["Statistic"] == stat:
                    return num(r[col])
            return None
        def gi(t, col):
            v = g(t, "number", col)
            return int(v) if v is not None else None
        out["peer"] = {"tib_h": (g("Sleep/Wake", "duration; s", "TIB") or 0) / 3600,
                       "tst_h": (g("Sleep/Wake", "duration; s", "TST") or 0) / 3600,
                       "wake_h": (g("Sleep/Wake", "duration; s", "Wake") or 0) / 3600,
                       "plm": gi("PLM", "TIB"), "plms": gi("PLM", "TST"),
                       "plmw": gi("PLM", "Wake"), "plm_nr": gi("PLMnr", "TIB"),
                       "plms_nr": gi("PLMnr", "TST"), "plms_idx": g("PLM", "no./hour", "TST")}
    os_ = os.path.join(ours_dir, name, "summary.json")
    if os.path.exists(os_):
        with open(os_, encoding="utf-8") as f:
            j = json.load(f)
        out["ours"] = {"tib_h": j.get("in_bed_hours"), "tst_h": j.get("sleep_hours"),
                       "wake_h": j.get("wake_hours"), "plm": j.get("plm_count"), "plms": j.get("plms_count"),
                       "plmw": j.get("plmw_count"), "plm_nr": j.get("plm_nr_count"), "plms_nr": None,
                       "plms_idx": j.get("plms_index")}
    return out


def pct(a, b):
    return "%.1f" % (100.0 * a / b) if b else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("nights_dir")
    ap.add_argument("plmscore_dir")
    ap.add_argument("ours_dir")
    ap.add_argument("--tol", type=float, default=0.05)
    ap.add_argument("--max-list", type=int, default=40, help="max disagreements printed per night")
    ap.add_argument("--disagreements", help="write every disagreement to this TSV")
    a = ap.parse_args()

    names = sorted(f[:-len("_plmscore.csv")] for f in os.listdir(a.plmscore_dir) if f.endswith("_plmscore.csv"))
    names = [n for n in names if os.path.exists(os.path.join(a.ours_dir, n, "lm_events.tsv"))]
    if not names:
        sys.exit("no night has both NAME_plmscore.csv and OURS_DIR/NAME/lm_events.tsv")
    total = Counter()
    all_classes = Counter()
    dis_rows = []
    rows = []
    for n in names:
        st, classes, lines = compare_night(n, a.nights_dir, a.plmscore_dir, a.ours_dir, a.tol, a.max_list, dis_rows)
        total.update(st)
        all_classes.update(classes)
        rows.append((n, st))
        print("=== %s: ours %d LMs, PLMScoRe %d, matched %d; PLM ours %d / PLMScoRe %d; "
              "PLM agreement %s%%, PLMnr %s%%, CLM %s%%, side %s%%, resp %s%%, arousal %s%%" % (
                  n, st["ours"], st["peer"], st["matched"], st["plm_ours"], st["plm_peer"],
                  pct(st["agree_plm"], st["matched"]), pct(st["agree_nr"], st["nr_cmp"]),
                  pct(st["agree_clm"], st["matched"]), pct(st["agree_side"], st["matched"]), pct(st["agree_resp"], st["matched"]),
                  pct(st["agree_ar"], st["matched"])))
        if lines:
            print("\n".join(lines))
        for (kind, cls), c in sorted(classes.items()):
            print("   %3d x %s: %s" % (c, kind, cls))
        print()

    hdr = ("night", "LM ours", "LM peer", "matched", "only o", "only p", "CLM o", "CLM p",
           "PLM o", "PLM p", "PLMS o", "PLMS p", "PLMnr o", "PLMnr p", "PLM agr%", "nr agr%", "CLM agr%", "side%", "resp%", "arous%", "stage%")
    print("=== TOTAL")
    w = [max(len(h), 7) for h in hdr]
    print("  ".join(h.rjust(x) for h, x in zip(hdr, w)))

    def row(n, st):
        v = (n, st["ours"], st["peer"], st["matched"], st["only_ours"], st["only_peer"],
             st["clm_ours"], st["clm_peer"], st["plm_ours"], st["plm_peer"], st["plms_ours"], st["plms_peer"],
             st["plmnr_ours"], st["plmnr_peer"],
             pct(st["agree_plm"], st["matched"]), pct(st["agree_nr"], st["nr_cmp"]),
             pct(st["agree_clm"], st["matched"]),
             pct(st["agree_side"], st["matched"]), pct(st["agree_resp"], st["matched"]),
             pct(st["agree_ar"], st["matched"]), pct(st["agree_stage"], st["matched"]))
        print("  ".join(str(x).rjust(y) for x, y in zip(v, w)))
    for n, st in rows:
        row(n, st)
    row("TOTAL", total)
    print("\nNight-level figures (ours / PLMScoRe; hours from summary.json and PLMScoRe's table):")
    keys = ("tib_h", "tst_h", "wake_h", "plm", "plms", "plmw", "plm_nr", "plms_idx")
    print("  %-8s " % "night" + "  ".join("%17s" % k for k in keys))
    for n in names:
        sm = night_summary(n, a.plmscore_dir, a.ours_dir)
        o, p = sm.get("ours", {}), sm.get("peer", {})
        cells = []
        for k in keys:
            ov, pv = o.get(k), p.get(k)
            mark = "" if (ov is None or pv is None or abs(ov - pv) < 0.01) else " !"
            cells.append("%17s" % ("%s/%s%s" % (fmt(ov, 3 if k.endswith("_h") else 1) if isinstance(ov, float) else fmt(ov),
                                              fmt(pv, 3 if k.endswith("_h") else 1) if isinstance(pv, float) else fmt(pv), mark)))
        print("  %-8s " % n + "  ".join(cells))
    print("\nDisagreement classes (all nights):")
    for (kind, cls), c in sorted(all_classes.items(), key=lambda t: -t[1]):
        print("  %5d  %-16s %s" % (c, kind, cls))
    if a.disagreements:
        with open(a.disagreements, "w", newline="", encoding="utf-8") as f:
            wr = csv.DictWriter(f, fieldnames=["night", "onset", "kind", "class", "ours", "plmscore",
                                               "components", "construct"], delimiter="\t")
            wr.writeheader()
            wr.writerows(dis_rows)
        print("\nall disagreements: %s" % a.disagreements)


if __name__ == "__main__":
    main()
