import Foundation
import PLMVocabulary

/// The randomisation test of a self-experiment whose nights come in pairs of blocks, one block with the remedy and
/// one without, the order inside each pair drawn at random (Edgington & Onghena 2007, ch. 11; Kravitz et al. 2014,
/// *Design and Implementation of N-of-1 Trials*).
///
/// The data are the pairs' differences d_i = (mean PLM index of the block with the remedy) − (mean of the block
/// without). If the remedy does nothing, every night would have had the same index whichever order had been drawn,
/// so each d_i would merely change sign: all 2^m sign patterns were equally likely. The p-value is the share of
/// those patterns whose mean difference is at least as far from 0 as the observed one (two-sided). It needs no
/// assumption about the nights (autocorrelation, trends, skew): its only basis is the coin that was tossed.
public struct SignFlipTest: Sendable, Equatable {
    /// Pairs (m) used.
    public var pairs: Int
    /// The mean of the pairs' differences (PLM/h, remedy minus without).
    public var meanDifference: Double
    public var pValue: Double
    /// The interval of additive effects the test does not reject at the confidence level (test inversion);
    /// nil when no pattern count can reach it (2/2^m > 1 − confidence, i.e. fewer than 6 pairs at 95 %).
    public var lower: Double?
    public var upper: Double?
    /// true: all 2^m patterns were counted; false: `patterns` random patterns (fixed seed) were used.
    public var exact: Bool
    public var patterns: Int

    /// Pairs up to this count are counted exactly (2^16 = 65 536 patterns).
    public static let exactLimit = 16
    /// Random patterns used above `exactLimit` (a fixed, documented seed: the result is deterministic).
    public static let randomPatterns = 50_000

    /// - Returns: nil for no pairs or a non-finite difference.
    /// - Parameter interval: false skips the interval (the study's power runs need only p).
    public static func test(differences d: [Double], confidence: Double = 0.95, interval: Bool = true) -> SignFlipTest? {
        guard !d.isEmpty, d.allSatisfy(\.isFinite), confidence > 0, confidence < 1 else { return nil }
        let m = d.count
        let exact = m <= exactLimit
        let signs: [[Double]]
        if exact {
            signs = []
        } else {
            var rng = SplitMix64(seed: 0x5EED_2026_0018)
            signs = (0..<randomPatterns).map { _ in
                (0..<m).map { _ in rng.next() & 1 == 0 ? 1.0 : -1.0 }
            }
        }
        func pValue(shift: Double) -> Double {
            let x = d.map { $0 - shift }
            let observed = abs(x.reduce(0, +))
            let tolerance = 1e-9 * max(1, x.reduce(0) { $0 + abs($1) })
            var atLeast = 0
            var total = 0
            if exact {
                total = 1 << m
                for pattern in 0..<total {
                    var s = 0.0
                    for i in 0..<m { s += (pattern >> i) & 1 == 0 ? x[i] : -x[i] }
                    if abs(s) >= observed - tolerance { atLeast += 1 }
                }
            } else {
                // The observed pattern counts itself (so that p is never 0).
                total = signs.count + 1
                atLeast = 1
                for pattern in signs {
                    var s = 0.0
                    for i in 0..<m { s += pattern[i] * x[i] }
                    if abs(s) >= observed - tolerance { atLeast += 1 }
                }
            }
            return Double(atLeast) / Double(total)
        }
        let mean = d.reduce(0, +) / Double(m)
        let alpha = 1 - confidence
        var lower: Double?
        var upper: Double?
        let smallest = exact ? 2 / Double(1 << m) : 2 / Double(randomPatterns + 1)
        if interval, smallest <= alpha, let lo = d.min(), let hi = d.max() {
            // p(mean) = 1; beyond the data's range every difference has one sign, p = 2/2^m ≤ α. Bisect for the
            // outermost shift still accepted on each side (p rises towards the mean).
            func boundary(from accepted: Double, to rejected: Double) -> Double {
                var a = accepted
                var r = rejected
                for _ in 0..<60 {
                    let mid = (a + r) / 2
                    if pValue(shift: mid) > alpha { a = mid } else { r = mid }
                    if abs(r - a) <= 1e-9 * max(1, abs(a)) { break }
                }
                return (a + r) / 2
            }
            let span = max(1e-9, hi - lo)
            lower = boundary(from: mean, to: lo - span)
            upper = boundary(from: mean, to: hi + span)
        }
        return SignFlipTest(
            pairs: m, meanDifference: mean, pValue: pValue(shift: 0), lower: lower, upper: upper, exact: exact,
            patterns: exact ? 1 << m : randomPatterns + 1)
    }
}
