#!/usr/bin/env python3
"""Expected values for the NightStatistics module, computed independently with scipy/numpy.

Run from the package root:

    python3 scripts/stats/expected.py

It writes Tests/NightStatisticsTests/Fixtures/expected.json (sorted keys, floats written with repr, i.e. full
precision). All datasets are written literally below; nothing is random, so re-running gives the same file.

The committed file was produced with Python 3, numpy 2.4.6 and scipy 1.17.1.

What comes from where:
  * Mann-Whitney U and p-value: scipy.stats.mannwhitneyu(x, y, alternative='two-sided', method=M,
    use_continuity=True), where M is chosen by our rule: 'exact' when the pooled sample has no ties and
    n1*n2 <= 400, else 'asymptotic'.
  * Hodges-Lehmann shift: numpy median of all n1*n2 differences x_i - y_j.
  * Hodges-Lehmann interval (Lehmann 1975): computed here, independently of the Swift code. The exact null
    distribution of U is taken from the Gaussian binomial coefficient [n1+n2 choose n1]_q (polynomial
    product/division with Python integers) - a different algorithm from the Swift recurrence - and is checked
    against scipy's exact p-values below.
  * Cliff's delta: counted directly from the pairs, P(x > y) - P(x < y).
  * Spearman: scipy.stats.spearmanr (rho, p); interval: scipy.stats.pearsonr on scipy.stats.rankdata ranks,
    .confidence_interval(confidence) (Fisher z, SE 1/sqrt(n-3)).
  * Benjamini-Hochberg: scipy.stats.false_discovery_control(p, method='bh').
  * Distributions: scipy.stats.norm.cdf / norm.ppf / t.cdf; numpy.median.
  * Rolling medians: brute force numpy.median over each trailing calendar window.
"""

import json
import math
import os
import sys
import warnings

import numpy as np
import scipy
from scipy import stats

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "NightStatisticsTests", "Fixtures", "expected.json")

# ----------------------------------------------------------------------------------------------------------------
# Datasets
# ----------------------------------------------------------------------------------------------------------------

# name -> (x, y, confidence, method our rule must pick)
MANN_WHITNEY = {
    "exact_5v5": ([1.1, 2.3, 3.5, 4.2, 5.9], [2.0, 3.1, 6.4, 7.7, 8.2], 0.95, "exact"),
    "exact_3v7": ([12.5, 30.1, 8.4], [3.3, 5.0, 7.9, 9.6, 11.2, 14.8, 2.2], 0.95, "exact"),
    "exact_8v6": (
        [14.2, 22.8, 9.1, 31.5, 17.3, 25.0, 12.6, 19.9],
        [8.7, 11.4, 6.2, 15.5, 10.3, 13.1],
        0.95,
        "exact",
    ),
    "exact_8v6_90": (
        [14.2, 22.8, 9.1, 31.5, 17.3, 25.0, 12.6, 19.9],
        [8.7, 11.4, 6.2, 15.5, 10.3, 13.1],
        0.90,
        "exact",
    ),
    # Every x above every y: U1 = n1*n2, p = 2 / C(12, 6).
    "exact_separated_6v6": ([20.1, 22.4, 25.3, 21.7, 30.2, 27.9], [3.2, 5.6, 1.4, 8.8, 4.1, 6.3], 0.95, "exact"),
    # Too small for a 95 % interval: P(U <= 0) = 1/5 > 0.025.
    "exact_1v4_no_interval": ([4.5], [1.0, 2.0, 7.5, 9.0], 0.95, "exact"),
    # Too small for 99 %: P(U <= 0) = 1/C(9,4) = 1/126 > 0.005.
    "exact_4v5_99_no_interval": ([3.1, 4.7, 9.9, 12.0], [1.2, 2.5, 5.5, 6.1, 7.0], 0.99, "exact"),
    # n1*n2 = 400, no ties: still exact (rule boundary).
    "exact_20v20_boundary": (
        [28.76, 20.3, 31.37, 15.08, 21.96, 18.58, 23.43, 14.29, 13.41, 27.7,
         26.38, 23.37, 15.79, 23.55, 22.68, 27.4, 21.4, 10.31, 18.7, 19.84],
        [27.75, 21.51, 16.65, 29.9, 25.31, 16.42, 19.02, 28.51, 14.9, 28.81,
         23.14, 22.09, 28.2, 20.46, 23.33, 32.81, 17.93, 33.93, 12.88, 17.86],
        0.95,
        "exact",
    ),
    # n1*n2 = 420 > 400, no ties: asymptotic (rule boundary).
    "asymptotic_21v20_no_ties": (
        [24.87, 20.98, 27.43, 17.26, 20.3, 28.4, 12.45, 21.16, 25.85, 13.62, 15.8,
         12.5, 27.08, 18.86, 18.11, 11.52, 13.63, 25.56, 18.87, 17.59, 24.75],
        [18.56, 33.68, 21.79, 20.92, 22.41, 24.22, 28.21, 19.81, 19.06, 24.23,
         26.03, 29.26, 21.14, 29.8, 17.88, 32.31, 17.45, 23.48, 25.17, 30.08],
        0.95,
        "asymptotic",
    ),
    # Small samples with ties (within and across groups): asymptotic.
    "ties_7v8": (
        [3.0, 5.0, 5.0, 7.0, 9.0, 9.0, 12.0],
        [1.0, 2.0, 3.0, 3.0, 5.0, 6.0, 6.0, 8.0],
        0.95,
        "asymptotic",
    ),
    # One tie only, small: asymptotic, 90 %.
    "ties_5v4_90": ([2.5, 4.0, 6.5, 8.0, 10.5], [1.0, 4.0, 3.5, 5.0], 0.90, "asymptotic"),
    # Integer-valued nightly counts with many ties, x entirely above y: asymptotic.
    "ties_separated_6v5": ([10.0, 12.0, 12.0, 15.0, 10.0, 11.0], [2.0, 2.0, 4.0, 5.0, 5.0], 0.95, "asymptotic"),
    # Every value equal: SD of U is 0, p = 1.
    "all_tied_3v2": ([3.0, 3.0, 3.0], [3.0, 3.0], 0.95, "asymptotic"),
    # PLM-index-like values (0-80, one decimal), 30 vs 25 nights.
    "plm_30v25": (
        [12.7, 21.0, 16.8, 18.6, 8.0, 1.8, 8.0, 20.8, 6.6, 7.6, 27.3, 15.4, 17.4, 18.0, 27.3,
         37.2, 25.6, 44.6, 27.6, 7.0, 3.4, 9.9, 2.0, 13.4, 8.5, 9.8, 7.4, 10.8, 27.3, 27.7],
        [5.9, 23.2, 14.3, 21.1, 37.7, 40.9, 7.9, 20.9, 33.4, 34.0, 36.3, 28.6, 14.3, 13.4, 29.0,
         8.9, 45.4, 25.0, 9.7, 40.0, 28.9, 68.5, 14.3, 26.8, 45.8],
        0.95,
        "asymptotic",
    ),
    # The same nights, other order of the samples.
    "plm_25v30_swapped": (
        [5.9, 23.2, 14.3, 21.1, 37.7, 40.9, 7.9, 20.9, 33.4, 34.0, 36.3, 28.6, 14.3, 13.4, 29.0,
         8.9, 45.4, 25.0, 9.7, 40.0, 28.9, 68.5, 14.3, 26.8, 45.8],
        [12.7, 21.0, 16.8, 18.6, 8.0, 1.8, 8.0, 20.8, 6.6, 7.6, 27.3, 15.4, 17.4, 18.0, 27.3,
         37.2, 25.6, 44.6, 27.6, 7.0, 3.4, 9.9, 2.0, 13.4, 8.5, 9.8, 7.4, 10.8, 27.3, 27.7],
        0.95,
        "asymptotic",
    ),
}

# name -> (x, y, confidence)
SPEARMAN = {
    "ties_12": (
        [1.0, 2.0, 2.0, 3.0, 4.0, 4.0, 4.0, 5.0, 6.0, 7.0, 7.0, 8.0],
        [2.1, 1.9, 3.5, 3.5, 4.0, 6.2, 5.5, 5.5, 7.1, 6.9, 9.0, 8.8],
        0.95,
    ),
    "negative_10": (
        [0.5, 1.2, 2.3, 2.9, 4.1, 5.0, 5.8, 7.2, 8.1, 9.4],
        [41.0, 38.5, 39.9, 30.2, 28.8, 31.5, 20.1, 22.4, 15.0, 12.2],
        0.95,
    ),
    "n4": ([1.0, 2.0, 3.0, 4.0], [1.5, 0.5, 3.5, 2.5], 0.95),
    "n3_no_interval": ([1.0, 2.0, 3.0], [2.0, 1.0, 3.0], 0.95),
    # Monotone but non-linear: rho exactly 1, p = 0, interval [1, 1].
    "rho_one": ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [1.0, 4.0, 9.0, 16.0, 25.0, 36.0], 0.95),
    "rho_minus_one": ([0.1, 0.2, 0.4, 0.8, 1.6], [50.0, 20.0, 10.0, 5.0, 1.0], 0.95),
    "ties_30_90": (
        [0.9, -0.7, -0.3, 0.8, 1.0, 0.5, -0.5, 0.6, 0.2, 1.2, 0.4, -0.8, -0.1, -1.6, 0.6,
         0.4, 0.0, -1.3, -0.4, 0.7, -0.2, 0.1, 1.1, 0.6, -1.6, 0.4, -0.9, -2.2, 1.2, -1.5],
        [0.1, 0.9, 0.6, 0.3, -0.4, 0.5, -0.3, 1.1, 0.5, 1.3, -1.3, -1.3, 0.1, -0.4, -0.3,
         -0.5, 0.0, -0.5, 1.8, 0.0, 0.4, -1.7, 0.4, 0.0, -2.1, -0.8, -1.1, -1.9, -1.3, -1.1],
        0.90,
    ),
    # Binary diary factor (e.g. caffeine yes/no) against the PLM index.
    "binary_factor_9": (
        [0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0],
        [12.3, 25.1, 8.7, 30.4, 18.9, 14.2, 22.0, 27.5, 9.8],
        0.95,
    ),
}

# Cases where the Swift API must return nil.
SPEARMAN_NIL = {
    "constant_x": ([2.0, 2.0, 2.0, 2.0], [1.0, 2.0, 3.0, 4.0]),
    "constant_y": ([1.0, 2.0, 3.0, 4.0], [5.0, 5.0, 5.0, 5.0]),
    "n2": ([1.0, 2.0], [2.0, 1.0]),
    "unequal_length": ([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0]),
}
MANN_WHITNEY_NIL = {
    "empty_x": ([], [1.0, 2.0]),
    "empty_y": ([1.0], []),
}

BH = {
    "twelve": [0.01, 0.04, 0.03, 0.005, 0.5, 0.04, 1.0, 0.2, 0.0001, 0.04, 0.9, 0.06],
    "all_one": [1.0, 1.0, 1.0],
    "single": [0.03],
    "monotonicity_matters": [0.02, 0.021, 0.022, 0.9, 0.023],
    "empty": [],
}

# name -> (days, values, window, minimum count)
ROLLING = {
    "gappy_7_3": (
        [19000, 19001, 19002, 19004, 19005, 19009, 19010, 19011, 19012, 19020, 19021, 19022, 19023, 19024],
        [10.0, 14.0, 8.0, 20.0, 11.0, 30.0, 12.0, 9.0, 15.0, 5.0, 7.0, 40.0, 6.0, 8.0],
        7,
        3,
    ),
    # Unsorted input with a repeated day (two recordings attributed to one date).
    "unsorted_duplicates_7_3": (
        [19010, 19003, 19005, 19004, 19010, 19001, 19008, 19002, 19012],
        [22.5, 10.0, 18.0, 12.5, 7.5, 30.0, 16.0, 11.0, 19.5],
        7,
        3,
    ),
    "window3_min1": (
        [5, 6, 8, 9, 10, 15, 16],
        [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0],
        3,
        1,
    ),
    "window14_min4": (
        [0, 2, 3, 5, 7, 8, 10, 13, 14, 20, 27, 28],
        [20.1, 18.4, 25.0, 30.2, 12.8, 16.6, 21.0, 19.9, 24.4, 15.5, 17.0, 22.2],
        14,
        4,
    ),
}

RANKS = {
    "no_ties": [3.5, 1.2, 9.9, -4.0, 0.0],
    "ties": [2.0, 1.0, 2.0, 3.0, 1.0, 2.0, 5.0],
    "all_equal": [7.0, 7.0, 7.0, 7.0],
    "single": [42.0],
}

NORMAL_Z = [-30.0, -12.0, -8.5, -5.0, -3.0, -1.959963984540054, -1.0, -0.3, 0.0, 0.25, 1.0, 1.6448536269514722,
            2.5, 4.0, 7.5, 9.0]
NORMAL_P = [1e-300, 1e-100, 1e-20, 1e-10, 1e-6, 0.001, 0.01, 0.025, 0.05, 0.1, 0.3, 0.425, 0.5, 0.575, 0.7, 0.9,
            0.95, 0.975, 0.99, 0.999, 0.999999, 1 - 1e-10]
T_CASES = [(-3.2, 1.0), (0.0, 1.0), (0.5, 1.0), (2.0, 2.0), (-1.5, 3.0), (2.2281388519649385, 10.0),
           (1.0, 4.5), (-0.7, 7.25), (3.0, 28.0), (-2.0, 50.0), (1.96, 1000.0), (6.0, 5.0), (-40.0, 3.0),
           (12.0, 30.0), (0.1, 0.5)]
MEDIANS = {
    "odd": [5.0, 1.0, 3.0],
    "even": [4.0, 1.0, 3.0, 2.0],
    "single": [2.5],
    "with_ties": [1.0, 2.0, 2.0, 2.0, 9.0, 10.0],
}

# ----------------------------------------------------------------------------------------------------------------
# Independent reference computations
# ----------------------------------------------------------------------------------------------------------------


def u_null_counts(m, n):
    """Number of arrangements giving each U = 0..m*n: coefficients of the Gaussian binomial [m+n choose m]_q,
    built as prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i) with exact integer polynomial arithmetic."""
    poly = [1]
    for i in range(1, m + 1):
        # multiply by (1 - q^(n+i))
        shifted = [0] * (n + i) + poly
        poly = poly + [0] * (n + i)
        poly = [a - b for a, b in zip(poly, shifted)]
        # divide by (1 - q^i): c[k] = a[k] + c[k-i]
        out = []
        for k, a in enumerate(poly):
            out.append(a + (out[k - i] if k >= i else 0))
        poly = out
        # drop the zero tail the division leaves (degree is now i*n)
        poly = poly[: i * n + 1]
        assert all(c >= 0 for c in poly)
    assert len(poly) == m * n + 1
    assert sum(poly) == math.comb(m + n, m)
    return poly


def has_ties(values):
    return len(set(values)) != len(values)


def tie_corrected_sd_u(x, y):
    n1, n2 = len(x), len(y)
    n = n1 + n2
    _, counts = np.unique(np.concatenate([x, y]), return_counts=True)
    t = counts.astype(float)
    tie_term = float(np.sum(t ** 3 - t))
    return math.sqrt(n1 * n2 / 12.0 * ((n + 1) - tie_term / (n * (n - 1))))


def hodges_lehmann(x, y, confidence, method):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n1, n2 = len(x), len(y)
    diffs = np.sort(np.subtract.outer(x, y).ravel())
    big_n = n1 * n2
    shift = float(np.median(diffs))
    alpha = 1.0 - confidence
    if method == "exact":
        counts = u_null_counts(n1, n2)
        total = math.comb(n1 + n2, n1)
        k = None
        cumulative = 0
        for u, c in enumerate(counts):
            cumulative += c
            if cumulative / total <= alpha / 2:
                k = u + 1
            else:
                break
    else:
        z = float(stats.norm.ppf(1.0 - alpha / 2))
        k = math.floor(big_n / 2.0 - z * tie_corrected_sd_u(x, y))
        if k < 1:
            k = None
    if k is None:
        return shift, None, None
    return shift, float(diffs[k - 1]), float(diffs[big_n - k])


def exact_p_from_counts(u, n1, n2):
    counts = u_null_counts(n1, n2)
    total = math.comb(n1 + n2, n1)
    u = int(round(u))
    cdf = sum(counts[: u + 1]) / total
    sf = sum(counts[u:]) / total
    return min(1.0, 2.0 * min(cdf, sf))


def cliffs_delta(x, y):
    greater = sum(1 for a in x for b in y if a > b)
    less = sum(1 for a in x for b in y if a < b)
    return (greater - less) / (len(x) * len(y))


def rolling_trailing(days, values, window, minimum):
    out = []
    for d in days:
        inside = [v for dd, v in zip(days, values) if d - (window - 1) <= dd <= d]
        out.append(float(np.median(inside)) if len(inside) >= minimum else None)
    return out


# ----------------------------------------------------------------------------------------------------------------
# Build the fixture
# ----------------------------------------------------------------------------------------------------------------


def build():
    result = {
        "generator": {
            "script": "scripts/stats/expected.py",
            "scipy": scipy.__version__,
            "numpy": np.__version__,
            "python": "%d.%d.%d" % sys.version_info[:3],
        }
    }

    mw = {}
    for name, (x, y, confidence, expected_method) in MANN_WHITNEY.items():
        n1, n2 = len(x), len(y)
        method = "exact" if (not has_ties(list(x) + list(y)) and n1 * n2 <= 400) else "asymptotic"
        assert method == expected_method, (name, method)
        res = stats.mannwhitneyu(x, y, alternative="two-sided", method=method, use_continuity=True)
        u1 = float(res.statistic)
        p = float(res.pvalue)
        if method == "exact":
            mine = exact_p_from_counts(u1, n1, n2)
            assert abs(mine - p) <= 1e-12 * max(1.0, p), (name, mine, p)
        shift, lower, upper = hodges_lehmann(x, y, confidence, method)
        delta = cliffs_delta(x, y)
        assert abs(delta - (2.0 * u1 / (n1 * n2) - 1.0)) < 1e-12, name
        mw[name] = {
            "x": x, "y": y, "confidence": confidence,
            "n1": n1, "n2": n2, "u": u1, "p_value": p, "method": method,
            "cliffs_delta": delta, "shift": shift, "shift_lower": lower, "shift_upper": upper,
        }
    result["mann_whitney"] = mw
    result["mann_whitney_nil"] = {k: {"x": x, "y": y} for k, (x, y) in MANN_WHITNEY_NIL.items()}

    sp = {}
    for name, (x, y, confidence) in SPEARMAN.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = stats.spearmanr(x, y)
            rho = float(res.statistic)
            p = float(res.pvalue)
            n = len(x)
            lower = upper = None
            if n >= 4:
                pr = stats.pearsonr(stats.rankdata(x), stats.rankdata(y))
                ci = pr.confidence_interval(confidence_level=confidence)
                lower, upper = float(ci.low), float(ci.high)
                assert abs(float(pr.statistic) - rho) < 1e-12
        if abs(rho) == 1.0:
            assert p == 0.0
        sp[name] = {"x": x, "y": y, "confidence": confidence, "n": n, "rho": rho, "p_value": p,
                    "lower": lower, "upper": upper}
    result["spearman"] = sp
    result["spearman_nil"] = {k: {"x": x, "y": y} for k, (x, y) in SPEARMAN_NIL.items()}

    result["benjamini_hochberg"] = {
        name: {"p": p, "adjusted": [float(v) for v in stats.false_discovery_control(p, method="bh")] if p else []}
        for name, p in BH.items()
    }

    result["rolling_median"] = {
        name: {"days": days, "values": values, "window": window, "minimum_count": minimum,
               "medians": rolling_trailing(days, values, window, minimum)}
        for name, (days, values, window, minimum) in ROLLING.items()
    }

    result["ranks"] = {name: {"x": x, "ranks": [float(v) for v in stats.rankdata(x, method="average")]}
                       for name, x in RANKS.items()}

    result["distributions"] = {
        "normal_cdf": [{"z": z, "cdf": float(stats.norm.cdf(z))} for z in NORMAL_Z],
        "normal_quantile": [{"p": p, "z": float(stats.norm.ppf(p))} for p in NORMAL_P],
        "student_t_cdf": [{"t": t, "df": df, "cdf": float(stats.t.cdf(t, df))} for t, df in T_CASES],
        "median": {name: {"x": x, "median": float(np.median(x))} for name, x in MEDIANS.items()},
    }
    return result


def main():
    data = build()
    text = json.dumps(data, sort_keys=True, indent=1) + "\n"
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(text)
    print("wrote", os.path.relpath(OUT, ROOT))


if __name__ == "__main__":
    main()
