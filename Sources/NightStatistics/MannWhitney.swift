import Foundation

/// The result of a two-sided Mann–Whitney U test together with the effect sizes reported alongside it.
public struct MannWhitneyResult: Sendable, Equatable {
    /// How the p-value was obtained.
    public enum Method: String, Sendable {
        /// The exact permutation distribution of U (no ties and n1·n2 ≤ 400).
        case exact
        /// Normal approximation with tie-corrected variance and continuity correction 0.5.
        case asymptotic
    }

    /// Size of the first sample (`x`).
    public var n1: Int
    /// Size of the second sample (`y`).
    public var n2: Int
    /// U statistic of the first sample, U1 = R1 − n1(n1 + 1)/2 with R1 the sum of x's mid-ranks in the pooled
    /// sample: the number of pairs with x > y plus half the number of tied pairs (scipy's convention).
    public var u: Double
    /// Two-sided p-value.
    public var pValue: Double
    /// Whether `pValue` is exact or asymptotic.
    public var method: Method
    /// Cliff's delta, 2·U1/(n1·n2) − 1 = P(x > y) − P(x < y), in [−1, 1] (Cliff 1993).
    public var cliffsDelta: Double
    /// Hodges–Lehmann estimate of the shift x − y: the median of all n1·n2 differences x_i − y_j.
    public var shift: Double
    /// Lower end of the confidence interval for the shift; `nil` when the samples are too small for the level.
    public var shiftLower: Double?
    /// Upper end of the confidence interval for the shift; `nil` when the samples are too small for the level.
    public var shiftUpper: Double?
    /// Confidence level of the interval, e.g. 0.95.
    public var confidence: Double

    /// Memberwise initializer.
    public init(
        n1: Int, n2: Int, u: Double, pValue: Double, method: Method, cliffsDelta: Double, shift: Double,
        shiftLower: Double?, shiftUpper: Double?, confidence: Double
    ) {
        self.n1 = n1
        self.n2 = n2
        self.u = u
        self.pValue = pValue
        self.method = method
        self.cliffsDelta = cliffsDelta
        self.shift = shift
        self.shiftLower = shiftLower
        self.shiftUpper = shiftUpper
        self.confidence = confidence
    }
}

/// The Mann–Whitney U (Wilcoxon rank-sum) test with the Hodges–Lehmann shift estimate, its distribution-free
/// confidence interval and Cliff's delta.
///
/// References:
/// - Mann, H. B. & Whitney, D. R. (1947). "On a test of whether one of two random variables is stochastically
///   larger than the other." *Annals of Mathematical Statistics* 18(1), 50–60.
/// - Hodges, J. L. & Lehmann, E. L. (1963). "Estimates of location based on rank tests."
///   *Annals of Mathematical Statistics* 34(2), 598–611.
/// - Lehmann, E. L. (1975). *Nonparametrics: Statistical Methods Based on Ranks.* Holden-Day, §2.6
///   (the Moses interval from the ordered differences).
/// - Cliff, N. (1993). "Dominance statistics: Ordinal analyses to answer ordinal questions."
///   *Psychological Bulletin* 114(3), 494–509.
public enum MannWhitney {
    /// The largest n1·n2 for which the exact null distribution is used (when there are no ties).
    static let exactLimit = 400

    /// Two-sided Mann–Whitney U test of `x` against `y`, with effect sizes.
    ///
    /// - Method: **exact** when the pooled sample has no ties and n1·n2 ≤ 400, otherwise **asymptotic**.
    ///   - Exact: the null distribution of U is counted by the recurrence
    ///     c(u; m, n) = c(u − n; m − 1, n) + c(u; m, n − 1) (Mann & Whitney 1947);
    ///     p = min(1, 2·min(P(U ≤ U1), P(U ≥ U1))).
    ///   - Asymptotic: z = (max(U1, U2) − n1n2/2 − 0.5)/σ_U with the tie-corrected
    ///     σ_U² = n1n2/12·((n + 1) − Σ(t³ − t)/(n(n − 1))), p = min(1, 2·(1 − Φ(z))); p = 1 when σ_U = 0.
    ///   This is `scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method=<the chosen method>,
    ///   use_continuity=True)`.
    /// - Shift: the Hodges–Lehmann estimate, the median of the n1·n2 differences x_i − y_j.
    /// - Interval (Lehmann 1975): with the differences sorted D(1) ≤ … ≤ D(N), N = n1·n2 and α = 1 − confidence,
    ///   the interval is [D(k), D(N + 1 − k)] where, on the exact path, k = 1 + the largest u with
    ///   P(U ≤ u) ≤ α/2 (no interval if there is none), and on the asymptotic path
    ///   k = ⌊N/2 − z_{1−α/2}·σ_U⌋ (no interval if k < 1). There is also no interval if `confidence` is not
    ///   strictly between 0 and 1.
    ///
    /// - Returns: `nil` when either sample is empty.
    public static func test(_ x: [Double], _ y: [Double], confidence: Double = 0.95) -> MannWhitneyResult? {
        let n1 = x.count
        let n2 = y.count
        guard n1 > 0, n2 > 0 else { return nil }
        let n = n1 + n2
        let pooled = x + y
        let ranks = Ranks.average(pooled)
        let r1 = ranks[0..<n1].reduce(0, +)
        let u1 = r1 - Double(n1 * (n1 + 1)) / 2
        let pairs = Double(n1 * n2)

        let ties = Ranks.tieGroupSizes(pooled)
        let hasTies = ties.contains { $0 > 1 }
        let tieTerm = ties.reduce(0.0) { sum, t in
            let tt = Double(t)
            return sum + (tt * tt * tt - tt)
        }
        let variance = pairs / 12 * (Double(n + 1) - tieTerm / Double(n * (n - 1)))
        let sigma = max(0, variance).squareRoot()

        let method: MannWhitneyResult.Method = (!hasTies && n1 * n2 <= exactLimit) ? .exact : .asymptotic
        let alpha = 1 - confidence
        let validLevel = confidence > 0 && confidence < 1

        let pValue: Double
        var k: Int? = nil
        switch method {
        case .exact:
            let null = ExactUDistribution(n1: n1, n2: n2)
            let u = Int(u1.rounded())
            pValue = min(1, 2 * min(null.cdf(u), null.sf(u)))
            if validLevel, let largest = null.largestU(withCDFAtMost: alpha / 2) { k = largest + 1 }
        case .asymptotic:
            if sigma > 0 {
                let z = (max(u1, pairs - u1) - pairs / 2 - 0.5) / sigma
                pValue = min(1, max(0, 2 * Distributions.normalCDF(-z)))
            } else {
                pValue = 1
            }
            if validLevel {
                let zCrit = Distributions.normalQuantile(1 - alpha / 2)
                let kk = (pairs / 2 - zCrit * sigma).rounded(.down)
                if kk >= 1 { k = Int(kk) }
            }
        }

        var differences: [Double] = []
        differences.reserveCapacity(n1 * n2)
        for a in x { for b in y { differences.append(a - b) } }
        differences.sort()
        let shift = Distributions.sortedMedian(differences)

        var lower: Double? = nil
        var upper: Double? = nil
        let count = differences.count
        if let k, k >= 1, k <= count + 1 - k {
            lower = differences[k - 1]
            upper = differences[count - k]
        }

        return MannWhitneyResult(
            n1: n1, n2: n2, u: u1, pValue: pValue, method: method, cliffsDelta: 2 * u1 / pairs - 1, shift: shift,
            shiftLower: lower, shiftUpper: upper, confidence: confidence)
    }
}

/// The exact null distribution of U for sample sizes n1, n2 without ties: all C(n1 + n2, n1) arrangements of
/// the pooled ranks equally likely (Mann & Whitney 1947).
struct ExactUDistribution: Sendable {
    /// Cumulative counts: `cumulative[u]` = number of arrangements with U ≤ u, for u = 0 … n1·n2.
    /// Counts are whole numbers held exactly in Double (C(40, 20) ≈ 1.4e11 ≪ 2^53 for n1·n2 ≤ 400).
    let cumulative: [Double]
    let total: Double

    init(n1: Int, n2: Int) {
        let counts = Self.counts(n1: n1, n2: n2)
        var running = 0.0
        cumulative = counts.map { c in
            running += c
            return running
        }
        total = running
    }

    /// Frequencies of U = 0 … m·n, by the recurrence c_{i,j}(u) = c_{i−1,j}(u − j) + c_{i,j−1}(u)
    /// (the largest of the i + j values belongs either to the first sample, adding j to U, or to the second).
    static func counts(n1 m: Int, n2 n: Int) -> [Double] {
        // previous[j] holds the frequencies for sizes (i − 1, j); current[j] for (i, j).
        var previous = [[Double]](repeating: [1], count: n + 1)
        for i in 1...max(m, 1) where m >= 1 {
            var current = [[Double]](repeating: [], count: n + 1)
            current[0] = [1]
            for j in 1...max(n, 1) where n >= 1 {
                var f = [Double](repeating: 0, count: i * j + 1)
                let left = current[j - 1]  // (i, j − 1): degree i(j − 1)
                for u in 0..<left.count { f[u] += left[u] }
                let up = previous[j]  // (i − 1, j): degree (i − 1)j, shifted by j
                for u in 0..<up.count { f[u + j] += up[u] }
                current[j] = f
            }
            previous = current
        }
        return previous[n]
    }

    /// P(U ≤ u).
    func cdf(_ u: Int) -> Double {
        if u < 0 { return 0 }
        if u >= cumulative.count { return 1 }
        return cumulative[u] / total
    }

    /// P(U ≥ u).
    func sf(_ u: Int) -> Double {
        if u <= 0 { return 1 }
        if u >= cumulative.count { return 0 }
        return (total - cumulative[u - 1]) / total
    }

    /// The largest u with P(U ≤ u) ≤ level, or `nil` if even P(U ≤ 0) exceeds it.
    func largestU(withCDFAtMost level: Double) -> Int? {
        var result: Int? = nil
        for u in cumulative.indices {
            if cumulative[u] / total <= level { result = u } else { break }
        }
        return result
    }
}
