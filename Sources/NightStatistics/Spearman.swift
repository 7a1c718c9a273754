import Foundation

/// The result of Spearman's rank correlation test.
public struct SpearmanResult: Sendable, Equatable {
    /// Number of pairs.
    public var n: Int
    /// Spearman's ρ: the Pearson correlation of the average ranks.
    public var rho: Double
    /// Two-sided p-value from Student's t with n − 2 degrees of freedom (0 when |ρ| = 1).
    public var pValue: Double
    /// Lower end of the Fisher-z confidence interval for ρ; `nil` when n < 4.
    public var lower: Double?
    /// Upper end of the Fisher-z confidence interval for ρ; `nil` when n < 4.
    public var upper: Double?
    /// Confidence level of the interval, e.g. 0.95.
    public var confidence: Double

    /// Memberwise initializer.
    public init(n: Int, rho: Double, pValue: Double, lower: Double?, upper: Double?, confidence: Double) {
        self.n = n
        self.rho = rho
        self.pValue = pValue
        self.lower = lower
        self.upper = upper
        self.confidence = confidence
    }
}

/// Spearman's rank correlation with a t-based p-value and a Fisher-z confidence interval.
///
/// References:
/// - Spearman, C. (1904). "The proof and measurement of association between two things."
///   *American Journal of Psychology* 15(1), 72–101.
/// - Fisher, R. A. (1921). "On the 'probable error' of a coefficient of correlation deduced from a small sample."
///   *Metron* 1, 3–32 (the z = atanh r transform).
/// - Student (1908) / Zar, J. H. (1972). "Significance testing of the Spearman rank correlation coefficient."
///   *Journal of the American Statistical Association* 67(339), 578–580 (the t approximation).
public enum Spearman {
    /// Spearman's ρ of the pairs (x_i, y_i), with p-value and confidence interval.
    ///
    /// - ρ = Pearson correlation of `Ranks.average(x)` and `Ranks.average(y)` (ties get mid-ranks).
    /// - p: t = ρ·√((n − 2)/((1 + ρ)(1 − ρ))) referred to Student's t with n − 2 degrees of freedom, two-sided;
    ///   p = 0 when |ρ| = 1. This is `scipy.stats.spearmanr(x, y)`.
    /// - Interval: atanh(ρ) ± z_{1−α/2}/√(n − 3), back-transformed with tanh (α = 1 − confidence); `nil` when
    ///   n < 4 or `confidence` is not strictly between 0 and 1; [ρ, ρ] when |ρ| = 1. This is
    ///   `scipy.stats.pearsonr(rankdata(x), rankdata(y)).confidence_interval(confidence)`.
    ///
    /// - Returns: `nil` when the arrays differ in length, n < 3, or either variable is constant.
    public static func test(_ x: [Double], _ y: [Double], confidence: Double = 0.95) -> SpearmanResult? {
        let n = x.count
        guard y.count == n, n >= 3 else { return nil }
        let rx = Ranks.average(x)
        let ry = Ranks.average(y)
        let mx = rx.reduce(0, +) / Double(n)
        let my = ry.reduce(0, +) / Double(n)
        var sxy = 0.0
        var sxx = 0.0
        var syy = 0.0
        for i in 0..<n {
            let dx = rx[i] - mx
            let dy = ry[i] - my
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return nil }
        let rho = max(-1, min(1, sxy / (sxx * syy).squareRoot()))

        let dof = Double(n - 2)
        let pValue: Double
        if abs(rho) == 1 {
            pValue = 0
        } else {
            let t = rho * (dof / ((1 + rho) * (1 - rho))).squareRoot()
            pValue = min(1, 2 * Distributions.studentTCDF(-abs(t), degreesOfFreedom: dof))
        }

        var lower: Double? = nil
        var upper: Double? = nil
        if n >= 4, confidence > 0, confidence < 1 {
            if abs(rho) == 1 {
                lower = rho
                upper = rho
            } else {
                let z = atanh(rho)
                let half = Distributions.normalQuantile(1 - (1 - confidence) / 2) / Double(n - 3).squareRoot()
                lower = tanh(z - half)
                upper = tanh(z + half)
            }
        }
        return SpearmanResult(n: n, rho: rho, pValue: pValue, lower: lower, upper: upper, confidence: confidence)
    }
}
