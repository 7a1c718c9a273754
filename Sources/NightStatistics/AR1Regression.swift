import Foundation

/// The fit of a linear model of the nightly PLM index with first-order autoregressive (AR(1)) errors.
public struct RegressionFit: Sendable, Equatable {
    /// One coefficient per column of the design matrix, in its order.
    public var coefficients: [Double]
    public var standardErrors: [Double]
    public var tValues: [Double]
    /// Two-sided p-values from Student's t with `residualDegreesOfFreedom`.
    public var pValues: [Double]
    /// The interval at the requested confidence: coefficient ± t_{1−α/2, df}·SE.
    public var lower: [Double]
    public var upper: [Double]
    /// n − p (less any further estimated parameters): the degrees of freedom of the t tests and intervals.
    public var residualDegreesOfFreedom: Int
    /// The AR(1) correlation of neighbouring nights used (one day apart), 0 for ordinary least squares.
    public var rho: Double
    /// The residual standard deviation of the whitened model (PLM/h).
    public var sigma: Double
}

/// Linear regression of one person's nightly values on diary factors with errors that follow an AR(1) process in
/// calendar days: the errors of nights `g` days apart correlate `rho^g` (Prais & Winsten 1954, extended to gaps:
/// the process is a sampled continuous-time AR(1), so a missing night simply lengthens the gap).
///
/// Fitting is generalised least squares by whitening: with nights sorted by day and gap g_i = d_i − d_{i−1},
/// u_1 = e_1 and u_i = (e_i − rho^{g_i}·e_{i−1}) / √(1 − rho^{2g_i}) are independent with equal variance; the same
/// transform is applied to y and to every column of X, and ordinary least squares on the transformed data gives
/// the GLS estimate, its covariance σ²(X'Σ⁻¹X)⁻¹ with σ² = RSS/(n − p), and t-based tests and intervals. This is
/// `statsmodels.api.GLS(y, X, sigma=Σ)` with Σ_ij = rho^|d_i − d_j| (the fixture checks it).
public enum AR1Regression {
    /// Fits `y` on the design `x` (one row per night, the intercept column included by the caller).
    ///
    /// - Parameters:
    ///   - days: the nights' day numbers, strictly increasing.
    ///   - rho: the AR(1) correlation at one day, in [0, 1); 0 is ordinary least squares.
    /// - Returns: nil when the shapes disagree, days are not strictly increasing, n ≤ p, rho is outside [0, 1),
    ///   or the columns are (numerically) collinear.
    ///   - estimatedParameters: further parameters estimated from the same data (1 when rho was), each taking one
    ///     degree of freedom from the t tests and intervals; 0 gives statsmodels' GLS exactly.
    ///   - robust: standard errors by HC3 (MacKinnon & White 1985) on the whitened regression, which holds when the
    ///     spread of the PLM index differs between nights (it grows with the index): statsmodels' GLS
    ///     `fit(cov_type='HC3', use_t=True)`.
    public static func fit(
        y: [Double], x: [[Double]], days: [Int], rho: Double, confidence: Double = 0.95, estimatedParameters: Int = 0,
        robust: Bool = false
    ) -> RegressionFit? {
        let n = y.count
        guard n > 0, x.count == n, days.count == n, let p = x.first?.count, p > 0, n > p + max(0, estimatedParameters),
            rho >= 0, rho < 1, confidence > 0, confidence < 1,
            x.allSatisfy({ $0.count == p }), y.allSatisfy(\.isFinite), x.allSatisfy({ $0.allSatisfy(\.isFinite) })
        else { return nil }
        for i in 1..<n where days[i] <= days[i - 1] { return nil }
        // Whitening.
        var wy = y
        var wx = x
        for i in stride(from: n - 1, through: 1, by: -1) {
            let g = Double(days[i] - days[i - 1])
            let r = pow(rho, g)
            let s = (1 - r * r).squareRoot()
            wy[i] = (y[i] - r * y[i - 1]) / s
            for j in 0..<p { wx[i][j] = (x[i][j] - r * x[i - 1][j]) / s }
        }
        // Normal equations, solved by Cholesky (p is small: a factor, its companions, a trend).
        var xtx = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        var xty = [Double](repeating: 0, count: p)
        for i in 0..<n {
            for a in 0..<p {
                xty[a] += wx[i][a] * wy[i]
                for b in 0...a { xtx[a][b] += wx[i][a] * wx[i][b] }
            }
        }
        for a in 0..<p { for b in 0..<a { xtx[b][a] = xtx[a][b] } }
        guard let inverse = symmetricInverse(xtx) else { return nil }
        var beta = [Double](repeating: 0, count: p)
        for a in 0..<p { for b in 0..<p { beta[a] += inverse[a][b] * xty[b] } }
        var rss = 0.0
        for i in 0..<n {
            var fitted = 0.0
            for j in 0..<p { fitted += wx[i][j] * beta[j] }
            rss += (wy[i] - fitted) * (wy[i] - fitted)
        }
        let sigma2 = rss / Double(n - p)
        let df = n - p - max(0, estimatedParameters)
        let tq = Distributions.studentTQuantile(1 - (1 - confidence) / 2, degreesOfFreedom: Double(df))
        var se: [Double] = []
        var t: [Double] = []
        var pv: [Double] = []
        var lo: [Double] = []
        var hi: [Double] = []
        // HC3: (X'X)⁻¹ X' diag(u_i² / (1 − h_ii)²) X (X'X)⁻¹ on the whitened data.
        var covariance = inverse.map { $0.map { $0 * sigma2 } }
        if robust {
            var meat = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
            for i in 0..<n {
                var fitted = 0.0
                for j in 0..<p { fitted += wx[i][j] * beta[j] }
                let u = wy[i] - fitted
                var h = 0.0
                for a in 0..<p { for b in 0..<p { h += wx[i][a] * inverse[a][b] * wx[i][b] } }
                guard h < 1 - 1e-12 else { return nil }
                let w = u * u / ((1 - h) * (1 - h))
                for a in 0..<p { for b in 0..<p { meat[a][b] += w * wx[i][a] * wx[i][b] } }
            }
            for a in 0..<p {
                for b in 0..<p {
                    var v = 0.0
                    for k in 0..<p { for l in 0..<p { v += inverse[a][k] * meat[k][l] * inverse[l][b] } }
                    covariance[a][b] = v
                }
            }
        }
        for j in 0..<p {
            let s = max(0, covariance[j][j]).squareRoot()
            se.append(s)
            let tv = s > 0 ? beta[j] / s : (beta[j] == 0 ? 0 : .infinity)
            t.append(tv)
            pv.append(tv.isFinite ? min(1, 2 * Distributions.studentTCDF(-abs(tv), degreesOfFreedom: Double(df))) : 0)
            lo.append(beta[j] - tq * s)
            hi.append(beta[j] + tq * s)
        }
        return RegressionFit(
            coefficients: beta, standardErrors: se, tValues: t, pValues: pv, lower: lo, upper: hi,
            residualDegreesOfFreedom: df, rho: rho, sigma: sigma2.squareRoot())
    }

    /// The AR(1) correlation of the ordinary-least-squares residuals at one day:
    /// r = Σ e_i·e_{i+1} over pairs of nights one day apart / Σ e_i² over all nights, clamped to [0, `maximum`].
    /// nil when the OLS fit is impossible. A small sample underestimates the correlation (the residuals of a
    /// fitted model are pulled towards independence); `biasCorrected` adds (1 + 3r)/n, the first-order bias of the
    /// lag-one autocorrelation of a mean-centred AR(1) series (Marriott & Pope 1954), generalised to p fitted
    /// coefficients as (p + 3r)/n (each fitted coefficient pulls the residuals' correlation down by about 1/n),
    /// before clamping.
    public static func residualRho(
        y: [Double], x: [[Double]], days: [Int], biasCorrected: Bool = true, maximum: Double = 0.9
    ) -> Double? {
        guard let ols = fit(y: y, x: x, days: days, rho: 0) else { return nil }
        var e: [Double] = []
        for i in y.indices {
            var fitted = 0.0
            for j in ols.coefficients.indices { fitted += x[i][j] * ols.coefficients[j] }
            e.append(y[i] - fitted)
        }
        let denominator = e.reduce(0) { $0 + $1 * $1 }
        guard denominator > 0 else { return 0 }
        var numerator = 0.0
        for i in 1..<max(1, e.count) where days[i] - days[i - 1] == 1 { numerator += e[i] * e[i - 1] }
        var r = numerator / denominator
        if biasCorrected { r += (Double(ols.coefficients.count) + 3 * r) / Double(e.count) }
        return min(maximum, max(0, r))
    }

    /// Estimates rho from the OLS residuals (`residualRho`) and fits the AR(1) model with it; rho counts as an
    /// estimated parameter (one degree of freedom fewer for the t tests and intervals), and the standard errors are
    /// HC3 (robust to a spread that differs between nights).
    public static func fit(y: [Double], x: [[Double]], days: [Int], confidence: Double = 0.95) -> RegressionFit? {
        guard let rho = residualRho(y: y, x: x, days: days) else { return nil }
        return fit(y: y, x: x, days: days, rho: rho, confidence: confidence, estimatedParameters: 1, robust: true)
    }

    /// The inverse of a symmetric positive-definite matrix by Cholesky decomposition; nil when a pivot is not
    /// clearly positive (collinear columns): below 1e-10 of the largest diagonal element.
    static func symmetricInverse(_ a: [[Double]]) -> [[Double]]? {
        let p = a.count
        let scale = (0..<p).map { a[$0][$0] }.max() ?? 0
        guard scale > 0 else { return nil }
        var l = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for i in 0..<p {
            for j in 0...i {
                var s = a[i][j]
                for k in 0..<j { s -= l[i][k] * l[j][k] }
                if i == j {
                    guard s > 1e-10 * scale else { return nil }
                    l[i][i] = s.squareRoot()
                } else {
                    l[i][j] = s / l[j][j]
                }
            }
        }
        // L⁻¹ (lower triangular), then A⁻¹ = L⁻ᵀ L⁻¹.
        var li = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for i in 0..<p {
            li[i][i] = 1 / l[i][i]
            for j in 0..<i {
                var s = 0.0
                for k in j..<i { s -= l[i][k] * li[k][j] }
                li[i][j] = s / l[i][i]
            }
        }
        var inv = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for i in 0..<p {
            for j in 0...i {
                var s = 0.0
                for k in i..<p { s += li[k][i] * li[k][j] }
                inv[i][j] = s
                inv[j][i] = s
            }
        }
        return inv
    }
}
