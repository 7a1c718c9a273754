import Foundation
import PLMVocabulary
import Testing

@testable import NightStatistics

// MARK: - Tolerances

/// Statistics (U, ρ, shifts, interval ends, medians, ranks): 1e-9 relative, with a 1e-12 floor near zero.
func statisticClose(_ a: Double, _ b: Double) -> Bool {
    abs(a - b) <= 1e-9 * max(abs(a), abs(b)) + 1e-12
}

/// p-values: 1e-7 relative, with a 1e-14 floor (scipy gives 1.4e-24 where ρ rounds to −0.9999999999999999).
func pValueClose(_ a: Double, _ b: Double) -> Bool {
    abs(a - b) <= 1e-7 * abs(b) + 1e-14
}

/// Distribution functions: purely 1e-7 relative, so tail values as small as 1e-316 are really checked.
func distributionClose(_ a: Double, _ b: Double) -> Bool {
    if a == b { return true }
    return abs(a - b) <= 1e-7 * abs(b)
}

func optionalClose(_ a: Double?, _ b: Double?, _ close: (Double, Double) -> Bool) -> Bool {
    switch (a, b) {
    case (nil, nil): return true
    case (let a?, let b?): return close(a, b)
    default: return false
    }
}

// MARK: - Deterministic pseudo-random data for property tests

// SplitMix64 (PLMVocabulary): a fixed, seedable generator so property tests are reproducible.

/// Values on a grid of quarters (exact in binary, so adding a quarter-grid constant is exact), with ties likely
/// when `levels` is small.
func quarterGridSample(count: Int, levels: Int, using rng: inout SplitMix64) -> [Double] {
    (0..<count).map { _ in Double(Int.random(in: 0..<levels, using: &rng)) / 4 }
}

/// Distinct values (no ties) on a quarter grid: a shuffled prefix of 0, 0.25, 0.5, …
func distinctQuarterSample(count: Int, offset: Int, using rng: inout SplitMix64) -> [Double] {
    Array((0..<(count * 3)).shuffled(using: &rng).prefix(count)).map { Double($0 * 2 + offset) / 4 }
}

// MARK: - The scipy fixture

struct Fixture: Decodable {
    struct MannWhitneyCase: Decodable {
        var x: [Double]
        var y: [Double]
        var confidence: Double
        var n1: Int
        var n2: Int
        var u: Double
        var pValue: Double
        var method: String
        var cliffsDelta: Double
        var shift: Double
        var shiftLower: Double?
        var shiftUpper: Double?
        enum CodingKeys: String, CodingKey {
            case x, y, confidence, n1, n2, u, method, shift
            case pValue = "p_value"
            case cliffsDelta = "cliffs_delta"
            case shiftLower = "shift_lower"
            case shiftUpper = "shift_upper"
        }
    }
    struct Pair: Decodable {
        var x: [Double]
        var y: [Double]
    }
    struct SpearmanCase: Decodable {
        var x: [Double]
        var y: [Double]
        var confidence: Double
        var n: Int
        var rho: Double
        var pValue: Double
        var lower: Double?
        var upper: Double?
        enum CodingKeys: String, CodingKey {
            case x, y, confidence, n, rho, lower, upper
            case pValue = "p_value"
        }
    }
    struct BHCase: Decodable {
        var p: [Double]
        var adjusted: [Double]
    }
    struct RollingCase: Decodable {
        var days: [Int]
        var values: [Double]
        var window: Int
        var minimumCount: Int
        var medians: [Double?]
        enum CodingKeys: String, CodingKey {
            case days, values, window, medians
            case minimumCount = "minimum_count"
        }
    }
    struct RanksCase: Decodable {
        var x: [Double]
        var ranks: [Double]
    }
    struct Distributions: Decodable {
        struct NormalCDF: Decodable {
            var z: Double
            var cdf: Double
        }
        struct NormalQuantile: Decodable {
            var p: Double
            var z: Double
        }
        struct StudentT: Decodable {
            var t: Double
            var df: Double
            var cdf: Double
        }
        struct Median: Decodable {
            var x: [Double]
            var median: Double
        }
        var normalCDF: [NormalCDF]
        var normalQuantile: [NormalQuantile]
        var studentTCDF: [StudentT]
        var median: [String: Median]
        enum CodingKeys: String, CodingKey {
            case median
            case normalCDF = "normal_cdf"
            case normalQuantile = "normal_quantile"
            case studentTCDF = "student_t_cdf"
        }
    }
    struct Generator: Decodable {
        var scipy: String
        var numpy: String
    }

    var generator: Generator
    var mannWhitney: [String: MannWhitneyCase]
    var mannWhitneyNil: [String: Pair]
    var spearman: [String: SpearmanCase]
    var spearmanNil: [String: Pair]
    var benjaminiHochberg: [String: BHCase]
    var rollingMedian: [String: RollingCase]
    var ranks: [String: RanksCase]
    var distributions: Distributions

    enum CodingKeys: String, CodingKey {
        case generator, spearman, ranks, distributions
        case mannWhitney = "mann_whitney"
        case mannWhitneyNil = "mann_whitney_nil"
        case spearmanNil = "spearman_nil"
        case benjaminiHochberg = "benjamini_hochberg"
        case rollingMedian = "rolling_median"
    }

    struct Missing: Error {}

    /// The fixture written by scripts/stats/expected.py.
    static func load() throws -> Fixture {
        guard let url = Bundle.module.url(forResource: "expected", withExtension: "json", subdirectory: "Fixtures")
        else { throw Missing() }
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }
}
