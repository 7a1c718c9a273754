import Foundation
import Testing

@testable import NightStatistics

/// Every statistic against values computed by scipy/numpy in scripts/stats/expected.py
/// (Fixtures/expected.json). Nothing here comes from the Swift code's own output.
@Suite("Against scipy (Fixtures/expected.json)")
struct ScipyFixtureTests {
    let fixture: Fixture

    init() throws {
        fixture = try Fixture.load()
    }

    @Test("the fixture holds every dataset the script writes")
    func fixtureIsComplete() {
        #expect(fixture.mannWhitney.count >= 15)
        #expect(fixture.spearman.count >= 8)
        #expect(fixture.benjaminiHochberg.count >= 5)
        #expect(fixture.rollingMedian.count >= 4)
        #expect(fixture.distributions.normalQuantile.count >= 20)
        #expect(fixture.generator.scipy.hasPrefix("1."))
        // The rule boundaries and paths the brief asks for are all present.
        let methods = Set(fixture.mannWhitney.values.map(\.method))
        #expect(methods == ["exact", "asymptotic"])
        #expect(fixture.mannWhitney.values.contains { $0.shiftLower == nil })
        #expect(fixture.spearman.values.contains { $0.lower == nil })
    }

    @Test("Mann–Whitney: U, p, method, Cliff's delta, Hodges–Lehmann shift and interval")
    func mannWhitney() throws {
        for (name, c) in fixture.mannWhitney.sorted(by: { $0.key < $1.key }) {
            let r = try #require(MannWhitney.test(c.x, c.y, confidence: c.confidence), "\(name)")
            #expect(r.n1 == c.n1, "\(name)")
            #expect(r.n2 == c.n2, "\(name)")
            #expect(r.method.rawValue == c.method, "\(name)")
            #expect(statisticClose(r.u, c.u), "\(name): U \(r.u) vs \(c.u)")
            #expect(pValueClose(r.pValue, c.pValue), "\(name): p \(r.pValue) vs \(c.pValue)")
            #expect(statisticClose(r.cliffsDelta, c.cliffsDelta), "\(name): delta \(r.cliffsDelta) vs \(c.cliffsDelta)")
            #expect(statisticClose(r.shift, c.shift), "\(name): shift \(r.shift) vs \(c.shift)")
            #expect(
                optionalClose(r.shiftLower, c.shiftLower, statisticClose),
                "\(name): lower \(String(describing: r.shiftLower)) vs \(String(describing: c.shiftLower))")
            #expect(
                optionalClose(r.shiftUpper, c.shiftUpper, statisticClose),
                "\(name): upper \(String(describing: r.shiftUpper)) vs \(String(describing: c.shiftUpper))")
            #expect(r.confidence == c.confidence, "\(name)")
        }
    }

    @Test("Mann–Whitney: nil for an empty sample")
    func mannWhitneyNil() {
        #expect(fixture.mannWhitneyNil.count >= 2)
        for (name, c) in fixture.mannWhitneyNil {
            #expect(MannWhitney.test(c.x, c.y) == nil, "\(name)")
        }
    }

    @Test("Spearman: rho, p and Fisher-z interval")
    func spearman() throws {
        for (name, c) in fixture.spearman.sorted(by: { $0.key < $1.key }) {
            let r = try #require(Spearman.test(c.x, c.y, confidence: c.confidence), "\(name)")
            #expect(r.n == c.n, "\(name)")
            #expect(statisticClose(r.rho, c.rho), "\(name): rho \(r.rho) vs \(c.rho)")
            #expect(pValueClose(r.pValue, c.pValue), "\(name): p \(r.pValue) vs \(c.pValue)")
            #expect(
                optionalClose(r.lower, c.lower, statisticClose),
                "\(name): lower \(String(describing: r.lower)) vs \(String(describing: c.lower))")
            #expect(
                optionalClose(r.upper, c.upper, statisticClose),
                "\(name): upper \(String(describing: r.upper)) vs \(String(describing: c.upper))")
        }
    }

    @Test("Spearman: nil for constant variables, n < 3 and unequal lengths")
    func spearmanNil() {
        #expect(fixture.spearmanNil.count >= 4)
        for (name, c) in fixture.spearmanNil {
            #expect(Spearman.test(c.x, c.y) == nil, "\(name)")
        }
    }

    @Test("Benjamini–Hochberg: scipy.stats.false_discovery_control")
    func benjaminiHochberg() {
        for (name, c) in fixture.benjaminiHochberg.sorted(by: { $0.key < $1.key }) {
            let q = BenjaminiHochberg.adjust(c.p)
            #expect(q.count == c.adjusted.count, "\(name)")
            for (a, b) in zip(q, c.adjusted) {
                #expect(pValueClose(a, b), "\(name): \(q) vs \(c.adjusted)")
            }
        }
    }

    @Test("rolling median over trailing calendar windows")
    func rollingMedian() {
        for (name, c) in fixture.rollingMedian.sorted(by: { $0.key < $1.key }) {
            let m = RollingMedian.trailing(
                days: c.days, values: c.values, window: c.window, minimumCount: c.minimumCount)
            #expect(m.count == c.medians.count, "\(name)")
            for (i, (a, b)) in zip(m, c.medians).enumerated() {
                #expect(optionalClose(a, b, statisticClose), "\(name)[\(i)]: \(String(describing: a)) vs \(String(describing: b))")
            }
        }
    }

    @Test("average ranks: scipy.stats.rankdata")
    func ranks() {
        for (name, c) in fixture.ranks {
            #expect(Ranks.average(c.x) == c.ranks, "\(name)")
        }
    }

    @Test("normal distribution function")
    func normalCDF() {
        for c in fixture.distributions.normalCDF {
            let v = Distributions.normalCDF(c.z)
            #expect(distributionClose(v, c.cdf), "Φ(\(c.z)) = \(v) vs \(c.cdf)")
        }
    }

    @Test("normal quantile (AS 241)")
    func normalQuantile() {
        for c in fixture.distributions.normalQuantile {
            let v = Distributions.normalQuantile(c.p)
            // AS 241 is good to ~1e-16; scipy's ndtri is Cephes. Ask for 1e-12 relative.
            #expect(abs(v - c.z) <= 1e-12 * max(1, abs(c.z)), "Φ⁻¹(\(c.p)) = \(v) vs \(c.z)")
        }
    }

    @Test("Student t distribution function")
    func studentT() {
        for c in fixture.distributions.studentTCDF {
            let v = Distributions.studentTCDF(c.t, degreesOfFreedom: c.df)
            #expect(distributionClose(v, c.cdf), "T(\(c.t); \(c.df)) = \(v) vs \(c.cdf)")
        }
    }

    @Test("median: numpy.median")
    func median() {
        for (name, c) in fixture.distributions.median {
            #expect(Distributions.median(c.x) == c.median, "\(name)")
        }
        #expect(Distributions.median([]) == nil)
    }
}
