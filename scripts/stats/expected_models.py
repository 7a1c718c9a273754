#!/usr/bin/env python3
"""Expected values for the models and randomisation test of NightStatistics, computed with statsmodels/scipy.

Run from the package root:

    python3 scripts/stats/expected_models.py

It writes Tests/NightStatisticsTests/Fixtures/models.json (sorted keys, floats with repr). Datasets are made by
numpy's seeded generator (PCG64, fixed seeds), so re-running gives the same file. Needs numpy, scipy, statsmodels
(pip install statsmodels).

What comes from where:
  * Student's t quantiles: scipy.stats.t.ppf.
  * The AR(1) regression (AR1Regression.fit with a given rho): statsmodels.api.GLS(y, X, sigma=S) with
    S_ij = rho ** |d_i - d_j| (the full covariance matrix, inverted by statsmodels through its Cholesky
    factor - not the Swift code's gap-aware whitening): params, bse, tvalues, pvalues, conf_int(alpha).
    rho = 0 is checked against statsmodels.api.OLS.
  * The residual autocorrelation (AR1Regression.residualRho): OLS residuals from numpy.linalg.lstsq, the sum of
    products of residuals of nights one day apart over the sum of squares, plus (p + 3r)/n with p the number of
    columns, clamped to [0, 0.9].
  * HC3 standard errors (AR1Regression.fit(..., robust: true)): statsmodels' GLS/OLS fit(cov_type='HC3',
    use_t=True) - computed on statsmodels' own whitened design and residuals - bse, pvalues, conf_int.
  * With rho counted as an estimated parameter (estimatedParameters = 1): the same GLS estimates and standard
    errors, t tests and intervals with df_resid - 1 degrees of freedom (scipy.stats.t).
  * The sign-flip randomisation test (SignFlipTest): p from scipy.stats.permutation_test((d,), np.mean,
    permutation_type='samples', n_resamples=np.inf, alternative='two-sided') (all 2^m sign patterns). The
    interval's ends: p(delta) only changes at the means of subsets of d (where a flipped pattern's sum equals the
    observed one in size), so the ends are found by evaluating scipy's p between consecutive subset means and
    taking the outermost subset means bounding the region where p > alpha.
"""

import itertools
import json
import os

import numpy as np
import scipy
import statsmodels
import statsmodels.api as sm
from scipy import stats

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "NightStatisticsTests", "Fixtures", "models.json")


def t_quantiles():
    out = []
    for p in [0.5, 0.975, 0.025, 0.95, 0.995, 0.9995, 1e-6, 0.7]:
        for df in [1, 2, 3.5, 5, 10, 27, 100, 1000]:
            out.append({"p": p, "df": df, "q": float(stats.t.ppf(p, df))})
    return out


def dataset(seed, n, gap_share, rho_true, companions):
    rng = np.random.default_rng(seed)
    days = []
    d = 20454
    while len(days) < n:
        days.append(d)
        d += 1 + (rng.integers(1, 4) if rng.random() < gap_share else 0)
    days = np.array(days)
    factor = (rng.random(n) < 0.4).astype(float)
    cols = [np.ones(n), factor]
    for _ in range(companions):
        cols.append(np.round(np.clip(factor * 1.5 + rng.normal(1, 1, n), 0, None)))
    cols.append((days - days[0]) / 30.0)
    X = np.column_stack(cols)
    e = np.zeros(n)
    e[0] = rng.normal()
    for i in range(1, n):
        r = rho_true ** (days[i] - days[i - 1])
        e[i] = r * e[i - 1] + np.sqrt(1 - r * r) * rng.normal()
    y = np.round(20 - 6 * factor + 2 * (X[:, 2] if companions else 0) + 5 * e, 1)
    return days, X, y


def regression_cases():
    out = []
    specs = [
        ("no_gaps_rho_0.35", 1, 40, 0.0, 0.4, 1, 0.35, 0.95),
        ("gaps_rho_0.5", 2, 35, 0.2, 0.5, 2, 0.5, 0.95),
        ("gaps_rho_0.2_90", 3, 28, 0.15, 0.3, 0, 0.2, 0.90),
        ("ols", 4, 30, 0.1, 0.3, 1, 0.0, 0.95),
        ("long_rho_0.8", 5, 120, 0.1, 0.7, 3, 0.8, 0.95),
    ]
    for name, seed, n, gaps, rho_true, comp, rho, conf in specs:
        days, X, y = dataset(seed, n, gaps, rho_true, comp)
        if rho == 0:
            fit = sm.OLS(y, X).fit()
            robust = sm.OLS(y, X).fit(cov_type="HC3", use_t=True)
        else:
            S = rho ** np.abs(np.subtract.outer(days, days)).astype(float)
            fit = sm.GLS(y, X, sigma=S).fit()
            robust = sm.GLS(y, X, sigma=S).fit(cov_type="HC3", use_t=True)
        ci = fit.conf_int(alpha=1 - conf)
        # Residual rho as AR1Regression.residualRho defines it.
        beta, *_ = np.linalg.lstsq(X, y, rcond=None)
        res = y - X @ beta
        num = sum(res[i] * res[i - 1] for i in range(1, n) if days[i] - days[i - 1] == 1)
        r = num / float(res @ res)
        r = min(0.9, max(0.0, r + (X.shape[1] + 3 * r) / n))
        out.append({
            "name": name, "days": [int(v) for v in days], "x": X.tolist(), "y": y.tolist(), "rho": rho,
            "confidence": conf, "params": fit.params.tolist(), "bse": fit.bse.tolist(),
            "tvalues": fit.tvalues.tolist(), "pvalues": fit.pvalues.tolist(), "lower": ci[:, 0].tolist(),
            "upper": ci[:, 1].tolist(), "df_resid": int(fit.df_resid), "residual_rho": r,
            "pvalues_df_minus_1": [float(2 * stats.t.sf(abs(t), fit.df_resid - 1)) for t in fit.tvalues],
            "bse_hc3": robust.bse.tolist(), "pvalues_hc3": robust.pvalues.tolist(),
            "lower_hc3": robust.conf_int(alpha=1 - conf)[:, 0].tolist(),
            "lower_df_minus_1": [float(b - stats.t.ppf(1 - (1 - conf) / 2, fit.df_resid - 1) * se)
                                 for b, se in zip(fit.params, fit.bse)],
        })
    return out


def flip_p(d, shift):
    x = np.asarray(d, dtype=float) - shift
    res = stats.permutation_test((x,), np.mean, permutation_type="samples", n_resamples=np.inf,
                                 alternative="two-sided")
    return float(res.pvalue)


def sign_flip_cases():
    out = []
    specs = [
        ("six_pairs", [-8.5, -3.0, -6.25, 1.5, -4.0, -7.75], 0.95),
        ("eight_pairs", [-2.1, 3.4, -5.6, -1.2, -7.9, 0.6, -3.3, -4.8], 0.95),
        ("eight_pairs_90", [-2.1, 3.4, -5.6, -1.2, -7.9, 0.6, -3.3, -4.8], 0.90),
        ("ten_pairs_null", [1.2, -0.8, 2.5, -3.1, 0.4, -1.9, 2.2, -0.3, 1.1, -2.6], 0.95),
        ("five_pairs_no_interval", [-3.0, -2.0, -4.5, -1.0, -6.0], 0.95),
        ("twelve_pairs", [-5.2, -1.1, -7.4, 2.3, -3.8, -6.1, -0.9, -4.4, -2.7, 1.4, -5.9, -3.2], 0.95),
    ]
    for name, d, conf in specs:
        m = len(d)
        alpha = 1 - conf
        entry = {"name": name, "d": d, "confidence": conf, "p": flip_p(d, 0.0), "mean": float(np.mean(d))}
        if 2 / 2 ** m <= alpha:
            crit = sorted({float(np.mean(s)) for k in range(1, m + 1) for s in itertools.combinations(d, k)})
            # p is constant on each open interval between critical points; test each interval's midpoint.
            accepted = []
            for a, b in zip(crit, crit[1:]):
                if flip_p(d, (a + b) / 2) > alpha:
                    accepted.append((a, b))
            entry["lower"] = accepted[0][0]
            entry["upper"] = accepted[-1][1]
        else:
            entry["lower"] = None
            entry["upper"] = None
        out.append(entry)
    return out


def main():
    data = {
        "generator": f"scripts/stats/expected_models.py with numpy {np.__version__}, scipy {scipy.__version__}, "
                     f"statsmodels {statsmodels.__version__}",
        "t_quantiles": t_quantiles(),
        "regressions": regression_cases(),
        "sign_flip": sign_flip_cases(),
    }
    with open(OUT, "w") as f:
        json.dump(data, f, sort_keys=True, indent=1)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
