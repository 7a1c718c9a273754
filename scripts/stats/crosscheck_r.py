#!/usr/bin/env python3
"""Optional cross-check of the Mann-Whitney fixture against R's wilcox.test (not needed by the tests).

    python3 scripts/stats/expected.py        # first, so the fixture is current
    python3 scripts/stats/crosscheck_r.py    # needs Rscript (e.g. apt-get install -y r-base-core)

For every Mann-Whitney dataset in Tests/NightStatisticsTests/Fixtures/expected.json it runs
wilcox.test(x, y, conf.int = TRUE, conf.level = confidence, exact = <our method is exact>, correct = TRUE)
and prints R's W (= U1), p-value, estimate and interval next to the fixture's values.

Expected agreement: W, p-value and, on the exact path, the interval and estimate agree. On the asymptotic path
R's interval comes from inverting the continuity-corrected normal approximation with uniroot and its estimate is
the root of the standardized statistic (not the median of the differences), so small differences there are
expected; R also returns a one-point "interval" instead of none when the samples are too small.
"""

import json
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE = os.path.join(ROOT, "Tests", "NightStatisticsTests", "Fixtures", "expected.json")


def r_vector(values):
    return "c(" + ", ".join(repr(float(v)) for v in values) + ")"


def main():
    with open(FIXTURE) as f:
        cases = json.load(f)["mann_whitney"]
    script = ["options(digits = 17, warn = -1)"]
    names = sorted(cases)
    for name in names:
        c = cases[name]
        exact = "TRUE" if c["method"] == "exact" else "FALSE"
        script.append(
            "tryCatch({r <- wilcox.test(%s, %s, conf.int = TRUE, conf.level = %r, exact = %s, correct = TRUE); "
            "cat(%r, unname(r$statistic), r$p.value, unname(r$estimate), r$conf.int[1], r$conf.int[2], '\\n')}, "
            "error = function(e) cat(%r, 'NA NA NA NA NA\\n'))"
            % (r_vector(c["x"]), r_vector(c["y"]), c["confidence"], exact, name, name))
    out = subprocess.run(["Rscript", "-e", "\n".join(script)], capture_output=True, text=True, check=True).stdout
    worst = {}
    for line in out.strip().splitlines():
        name, w, p, est, lo, hi = line.split()
        c = cases[name]
        if w == "NA":
            print("%-26s %-10s R gives no result (wilcox.test fails when every value is tied)" % (name, c["method"]))
            worst[name] = (False, False, False)
            continue
        w, p, est, lo, hi = map(float, (w, p, est, lo, hi))
        print("%-26s %-10s W %7.1f/%7.1f  p %.10g/%.10g  est %.6g/%.6g  CI [%.6g, %.6g]/[%s, %s]" % (
            name, c["method"], w, c["u"], p, c["p_value"], est, c["shift"], lo, hi, c["shift_lower"],
            c["shift_upper"]))
        same_ci = c["shift_lower"] is not None and abs(lo - c["shift_lower"]) < 1e-9 and abs(hi - c["shift_upper"]) < 1e-9
        worst[name] = (abs(w - c["u"]) < 1e-9, abs(p - c["p_value"]) <= 1e-9 * max(1, p), same_ci)
    print()
    for method in ("exact", "asymptotic"):
        sel = [n for n in names if cases[n]["method"] == method]
        print("%s: W agrees %d/%d, p agrees %d/%d, interval identical %d/%d (of which %d have no interval here)" % (
            method, sum(worst[n][0] for n in sel), len(sel), sum(worst[n][1] for n in sel), len(sel),
            sum(worst[n][2] for n in sel), len(sel), sum(cases[n]["shift_lower"] is None for n in sel)))


if __name__ == "__main__":
    main()
