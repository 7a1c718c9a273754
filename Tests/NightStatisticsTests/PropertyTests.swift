import Foundation
import PLMVocabulary
import Testing

@testable import NightStatistics

@Suite("Mann–Whitney properties")
struct MannWhitneyPropertyTests {
    /// Random pairs of samples: with ties (small grid) and without (distinct values), small and large.
    static func samples(seed: UInt64) -> [([Double], [Double])] {
        var rng = SplitMix64(seed: seed)
        var out: [([Double], [Double])] = []
        for _ in 0..<40 {
            let n1 = Int.random(in: 1...25, using: &rng)
            let n2 = Int.random(in: 1...25, using: &rng)
            if Bool.random(using: &rng) {
                let levels = Int.random(in: 2...30, using: &rng)
                out.append(
                    (quarterGridSample(count: n1, levels: levels, using: &rng),
                     quarterGridSample(count: n2, levels: levels, using: &rng)))
            } else {
                // Odd quarters for x, even for y: no ties anywhere in the pooled sample.
                out.append(
                    (distinctQuarterSample(count: n1, offset: 1, using: &rng),
                     distinctQuarterSample(count: n2, offset: 0, using: &rng)))
            }
        }
        return out
    }

    @Test("U1 + U2 = n1·n2, and U1 counts pairs x > y plus half the ties")
    func uSum() throws {
        for (x, y) in Self.samples(seed: 1) {
            let a = try #require(MannWhitney.test(x, y))
            let b = try #require(MannWhitney.test(y, x))
            #expect(a.u + b.u == Double(x.count * y.count), "\(x) \(y)")
            var pairs = 0.0
            for xi in x { for yj in y { pairs += xi > yj ? 1 : (xi == yj ? 0.5 : 0) } }
            #expect(a.u == pairs)
        }
    }

    @Test("swapping the samples negates shift, interval and Cliff's delta and keeps p")
    func swap() throws {
        for (x, y) in Self.samples(seed: 2) {
            let a = try #require(MannWhitney.test(x, y))
            let b = try #require(MannWhitney.test(y, x))
            #expect(abs(a.pValue - b.pValue) <= 1e-12, "\(x) \(y)")
            #expect(a.method == b.method)
            #expect(a.shift == -b.shift)
            #expect(abs(a.cliffsDelta + b.cliffsDelta) <= 1e-14)
            #expect(a.shiftLower == b.shiftUpper.map { -$0 })
            #expect(a.shiftUpper == b.shiftLower.map { -$0 })
        }
    }

    @Test("shifting y by c moves the Hodges–Lehmann estimate by −c; with the same tie pattern, the interval too")
    func translation() throws {
        var comparedIntervals = 0
        for (i, (x, y)) in Self.samples(seed: 3).enumerated() {
            let c = Double(i % 7) * 1.25 - 3.5  // on the quarter grid, so y + c is exact
            let shifted = y.map { $0 + c }
            let a = try #require(MannWhitney.test(x, y))
            let b = try #require(MannWhitney.test(x, shifted))
            #expect(abs(b.shift - (a.shift - c)) <= 1e-9 * max(1, abs(a.shift)), "\(x) \(y) \(c)")
            // The interval's k depends on the ties in the pooled sample (method rule, tie-corrected σ_U), which a
            // shift can create or remove; when the tie pattern is unchanged, the interval moves by exactly −c.
            let before = Ranks.tieGroupSizes(x + y).sorted()
            let after = Ranks.tieGroupSizes(x + shifted).sorted()
            if before == after {
                comparedIntervals += 1
                #expect(a.method == b.method)
                #expect(optionalClose(b.shiftLower, a.shiftLower.map { $0 - c }, statisticClose), "\(x) \(y) \(c)")
                #expect(optionalClose(b.shiftUpper, a.shiftUpper.map { $0 - c }, statisticClose), "\(x) \(y) \(c)")
                #expect(abs(a.pValue - b.pValue) <= 1e-12 || c != 0)
            }
            if c == 0 { #expect(a == b) }
        }
        #expect(comparedIntervals >= 10)
    }

    @Test("the interval contains the estimate, and a higher level gives a wider interval")
    func intervalNesting() throws {
        for (x, y) in Self.samples(seed: 4) {
            let r90 = try #require(MannWhitney.test(x, y, confidence: 0.90))
            let r99 = try #require(MannWhitney.test(x, y, confidence: 0.99))
            if let lo = r90.shiftLower, let hi = r90.shiftUpper {
                #expect(lo <= r90.shift && r90.shift <= hi)
                if let lo99 = r99.shiftLower, let hi99 = r99.shiftUpper {
                    #expect(lo99 <= lo && hi <= hi99)
                }
            } else {
                #expect(r99.shiftLower == nil)
            }
        }
    }

    @Test("method rule: exact without ties up to n1·n2 = 400, asymptotic otherwise")
    func methodRule() throws {
        let x20 = (0..<20).map { Double($0) * 2 }
        let y20 = (0..<20).map { Double($0) * 2 + 1 }
        let y21 = (0..<21).map { Double($0) * 2 + 1 }
        #expect(try #require(MannWhitney.test(x20, y20)).method == .exact)
        #expect(try #require(MannWhitney.test(x20, y21)).method == .asymptotic)
        #expect(try #require(MannWhitney.test([1, 2, 3], [3, 4])).method == .asymptotic)
        #expect(try #require(MannWhitney.test([1, 1, 3], [4, 5])).method == .asymptotic)
        #expect(try #require(MannWhitney.test([1, 2, 3], [4, 5])).method == .exact)
    }

    @Test("exact null distribution equals brute-force enumeration of all rank assignments")
    func exactDistributionByEnumeration() {
        for (m, n) in [(1, 1), (1, 4), (2, 3), (3, 3), (4, 5), (5, 5), (3, 8), (6, 6)] {
            // Enumerate every subset of {0, …, m+n−1} of size m as the positions of the first sample.
            var brute = [Double](repeating: 0, count: m * n + 1)
            for mask in 0..<(1 << (m + n)) where mask.nonzeroBitCount == m {
                // U1 = number of (first, second) pairs with first above second.
                var u = 0
                for i in 0..<(m + n) where mask & (1 << i) != 0 {
                    for j in 0..<i where mask & (1 << j) == 0 { u += 1 }
                }
                brute[u] += 1
            }
            #expect(ExactUDistribution.counts(n1: m, n2: n) == brute, "\(m)x\(n)")
        }
    }

    @Test("all values equal: p = 1, no effect")
    func allTied() throws {
        let r = try #require(MannWhitney.test([4, 4, 4, 4], [4, 4, 4]))
        #expect(r.pValue == 1)
        #expect(r.cliffsDelta == 0)
        #expect(r.shift == 0)
    }
}

@Suite("Spearman properties")
struct SpearmanPropertyTests {
    @Test("invariant under strictly increasing transforms; sign flips under decreasing ones")
    func monotoneInvariance() throws {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<30 {
            let n = Int.random(in: 4...40, using: &rng)
            let x = quarterGridSample(count: n, levels: 40, using: &rng)
            let y = x.map { $0 + Double(Int.random(in: -20...20, using: &rng)) / 4 }
            guard let a = Spearman.test(x, y) else { continue }
            let b = try #require(Spearman.test(x.map { exp($0 / 4) }, y.map { $0 * $0 * $0 + 2 * $0 }))
            #expect(a == b, "\(x) \(y)")
            let c = try #require(Spearman.test(x.map { -$0 }, y))
            #expect(abs(c.rho + a.rho) <= 1e-14)
            #expect(abs(c.pValue - a.pValue) <= 1e-12)
        }
    }

    @Test("perfect monotone association: rho = 1, p = 0, interval [1, 1]")
    func perfect() throws {
        let x: [Double] = [3, 1, 4, 1.5, 9, 2.6]
        let r = try #require(Spearman.test(x, x.map { exp($0) }))
        #expect(r.rho == 1)
        #expect(r.pValue == 0)
        #expect(r.lower == 1 && r.upper == 1)
        let s = try #require(Spearman.test(x, x.map { -$0 }))
        #expect(s.rho == -1 && s.pValue == 0 && s.lower == -1 && s.upper == -1)
    }

    @Test("rho equals the classic 1 − 6Σd²/(n(n²−1)) when there are no ties")
    func classicFormula() throws {
        var rng = SplitMix64(seed: 12)
        for _ in 0..<20 {
            let n = Int.random(in: 3...30, using: &rng)
            let x = distinctQuarterSample(count: n, offset: 0, using: &rng)
            let y = distinctQuarterSample(count: n, offset: 1, using: &rng)
            let rx = Ranks.average(x)
            let ry = Ranks.average(y)
            let d2 = zip(rx, ry).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            let nn = Double(n)
            let classic = 1 - 6 * d2 / (nn * (nn * nn - 1))
            let r = try #require(Spearman.test(x, y))
            #expect(abs(r.rho - classic) <= 1e-12)
        }
    }
}

@Suite("Benjamini–Hochberg properties")
struct BenjaminiHochbergPropertyTests {
    @Test("adjusted ≥ raw, ≤ 1, monotone in raw order, and equal to min over j ≥ i of m·p(j)/j")
    func properties() {
        var rng = SplitMix64(seed: 21)
        for _ in 0..<50 {
            let m = Int.random(in: 1...30, using: &rng)
            // Coarse grid: plenty of ties, some exact 1.0 and some 0.
            let p = (0..<m).map { _ in Double(Int.random(in: 0...40, using: &rng)) / 40 }
            let q = BenjaminiHochberg.adjust(p)
            #expect(q.count == m)
            let sortedP = p.sorted()
            for i in 0..<m {
                #expect(q[i] >= p[i])
                #expect(q[i] <= 1)
                // Brute-force definition by rank (ties: the smallest such value over all positions of p[i]).
                let ranks = (0..<m).filter { sortedP[$0] == p[i] }
                let definitions = ranks.map { r in
                    min(1, (r..<m).map { sortedP[$0] * Double(m) / Double($0 + 1) }.min() ?? 1)
                }
                let expected = definitions.min() ?? 1
                #expect(abs(q[i] - expected) <= 1e-15, "\(p)")
                for j in 0..<m where p[j] <= p[i] {
                    #expect(q[j] <= q[i])
                }
            }
        }
    }
}

@Suite("Distributions and helpers")
struct DistributionPropertyTests {
    @Test("normalQuantile(normalCDF(z)) ≈ z, and Φ(z) + Φ(−z) = 1")
    func roundTrip() {
        var z = -37.0
        while z <= 5.0 {
            let back = Distributions.normalQuantile(Distributions.normalCDF(z))
            #expect(abs(back - z) <= 1e-9 * max(1, abs(z)), "z = \(z): \(back)")
            #expect(abs(Distributions.normalCDF(z) + Distributions.normalCDF(-z) - 1) <= 1e-15)
            z += 0.37
        }
        #expect(Distributions.normalQuantile(0.5) == 0)
        #expect(Distributions.normalQuantile(0) == -.infinity)
        #expect(Distributions.normalQuantile(1) == .infinity)
        #expect(Distributions.normalQuantile(1.5).isNaN)
    }

    @Test("Student t against closed forms for 1 and 2 degrees of freedom, and symmetry")
    func studentClosedForms() {
        var t = -30.0
        while t <= 30 {
            let cauchy = 0.5 + atan(t) / Double.pi
            let two = 0.5 + t / (2 * (2 + t * t).squareRoot())
            #expect(abs(Distributions.studentTCDF(t, degreesOfFreedom: 1) - cauchy) <= 1e-13 * max(1e-3, cauchy))
            #expect(abs(Distributions.studentTCDF(t, degreesOfFreedom: 2) - two) <= 1e-13)
            for df in [0.7, 3.0, 9.5, 60.0] {
                let sum = Distributions.studentTCDF(t, degreesOfFreedom: df)
                    + Distributions.studentTCDF(-t, degreesOfFreedom: df)
                #expect(abs(sum - 1) <= 1e-14)
            }
            t += 0.73
        }
        // Large df approaches the normal.
        #expect(abs(Distributions.studentTCDF(1.3, degreesOfFreedom: 1e7) - Distributions.normalCDF(1.3)) < 1e-7)
    }

    @Test("average ranks equal #below + (#equal + 1)/2")
    func ranksDefinition() {
        var rng = SplitMix64(seed: 31)
        for _ in 0..<30 {
            let x = quarterGridSample(count: Int.random(in: 0...40, using: &rng), levels: 12, using: &rng)
            let r = Ranks.average(x)
            for i in x.indices {
                let below = x.filter { $0 < x[i] }.count
                let equal = x.filter { $0 == x[i] }.count
                #expect(r[i] == Double(below) + Double(equal + 1) / 2)
            }
        }
    }

    @Test("rolling median equals a brute-force window scan on unsorted, gappy days")
    func rollingBruteForce() {
        var rng = SplitMix64(seed: 41)
        for _ in 0..<30 {
            let n = Int.random(in: 0...60, using: &rng)
            let days = (0..<n).map { _ in 20_000 + Int.random(in: 0...90, using: &rng) }
            let values = (0..<n).map { _ in Double(Int.random(in: 0...800, using: &rng)) / 10 }
            let window = Int.random(in: 1...14, using: &rng)
            let minimum = Int.random(in: 1...5, using: &rng)
            let got = RollingMedian.trailing(days: days, values: values, window: window, minimumCount: minimum)
            for i in 0..<n {
                let inside = (0..<n).filter { days[$0] > days[i] - window && days[$0] <= days[i] }.map { values[$0] }
                    .sorted()
                var expected: Double? = nil
                if inside.count >= minimum {
                    let k = inside.count
                    expected = k % 2 == 1 ? inside[k / 2] : (inside[k / 2 - 1] + inside[k / 2]) / 2
                }
                #expect(got[i] == expected)
            }
        }
        #expect(RollingMedian.trailing(days: [1, 2, 3], values: [1, 2, 3]) == [nil, nil, 2])
        #expect(RollingMedian.trailing(days: [1, 2, 3], values: [1, 2, 3], window: 0, minimumCount: 1) == [nil, nil, nil])
    }
}
