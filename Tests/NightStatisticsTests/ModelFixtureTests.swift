import Foundation
import Testing

@testable import NightStatistics

/// The AR(1) regression, the t quantile and the sign-flip randomisation test against statsmodels and scipy
/// (scripts/stats/expected_models.py → Fixtures/models.json). Nothing here comes from the Swift code's output.
struct ModelFixture: Decodable {
    struct Quantile: Decodable {
        var p: Double
        var df: Double
        var q: Double
    }

    struct Regression: Decodable {
        var name: String
        var days: [Int]
        var x: [[Double]]
        var y: [Double]
        var rho: Double
        var confidence: Double
        var params: [Double]
        var bse: [Double]
        var tvalues: [Double]
        var pvalues: [Double]
        var lower: [Double]
        var upper: [Double]
        var df_resid: Int
        var residual_rho: Double
        var pvalues_df_minus_1: [Double]
        var bse_hc3: [Double]
        var pvalues_hc3: [Double]
        var lower_hc3: [Double]
        var lower_df_minus_1: [Double]
    }

    struct Flip: Decodable {
        var name: String
        var d: [Double]
        var confidence: Double
        var p: Double
        var mean: Double
        var lower: Double?
        var upper: Double?
    }

    var generator: String
    var t_quantiles: [Quantile]
    var regressions: [Regression]
    var sign_flip: [Flip]

    static func load() throws -> ModelFixture {
        let url = try #require(Bundle.module.url(forResource: "models", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(ModelFixture.self, from: Data(contentsOf: url))
    }
}

@Suite("Against statsmodels and scipy (Fixtures/models.json)")
struct ModelFixtureTests {
    let fixture: ModelFixture

    init() throws { fixture = try ModelFixture.load() }

    @Test("Student's t quantile = scipy.stats.t.ppf")
    func tQuantile() {
        #expect(fixture.t_quantiles.count >= 60)
        for c in fixture.t_quantiles {
            let q = Distributions.studentTQuantile(c.p, degreesOfFreedom: c.df)
            #expect(abs(q - c.q) <= 1e-9 * max(1, abs(c.q)), "p \(c.p) df \(c.df): \(q) vs \(c.q)")
        }
        #expect(Distributions.studentTQuantile(0, degreesOfFreedom: 3) == -.infinity)
        #expect(Distributions.studentTQuantile(1.5, degreesOfFreedom: 3).isNaN)
    }

    @Test("AR(1) regression with a given rho = statsmodels GLS with the full AR(1) covariance (OLS at rho 0)")
    func regression() throws {
        #expect(fixture.regressions.count >= 5)
        for c in fixture.regressions {
            let fit = try #require(AR1Regression.fit(y: c.y, x: c.x, days: c.days, rho: c.rho, confidence: c.confidence), "\(c.name)")
            #expect(fit.residualDegreesOfFreedom == c.df_resid, "\(c.name)")
            for j in c.params.indices {
                func close(_ a: Double, _ b: Double, _ what: String) {
                    #expect(abs(a - b) <= 1e-8 * max(1, abs(b)), "\(c.name) \(what)[\(j)]: \(a) vs \(b)")
                }
                close(fit.coefficients[j], c.params[j], "coefficient")
                close(fit.standardErrors[j], c.bse[j], "SE")
                close(fit.tValues[j], c.tvalues[j], "t")
                #expect(abs(fit.pValues[j] - c.pvalues[j]) <= 1e-7 * c.pvalues[j] + 1e-14, "\(c.name) p[\(j)]")
                close(fit.lower[j], c.lower[j], "lower")
                close(fit.upper[j], c.upper[j], "upper")
            }
            // HC3 standard errors = statsmodels' cov_type='HC3' with use_t.
            let robust = try #require(
                AR1Regression.fit(y: c.y, x: c.x, days: c.days, rho: c.rho, confidence: c.confidence, robust: true))
            for j in c.params.indices {
                #expect(abs(robust.standardErrors[j] - c.bse_hc3[j]) <= 1e-8 * max(1, c.bse_hc3[j]), "\(c.name) HC3 SE[\(j)]")
                #expect(abs(robust.pValues[j] - c.pvalues_hc3[j]) <= 1e-7 * c.pvalues_hc3[j] + 1e-14, "\(c.name) HC3 p[\(j)]")
                #expect(abs(robust.lower[j] - c.lower_hc3[j]) <= 1e-8 * max(1, abs(c.lower_hc3[j])), "\(c.name) HC3 lower[\(j)]")
            }
            // rho counted as estimated: one degree of freedom fewer for tests and intervals.
            let lost = try #require(
                AR1Regression.fit(y: c.y, x: c.x, days: c.days, rho: c.rho, confidence: c.confidence, estimatedParameters: 1))
            #expect(lost.residualDegreesOfFreedom == c.df_resid - 1)
            for j in c.params.indices {
                #expect(abs(lost.coefficients[j] - c.params[j]) <= 1e-8 * max(1, abs(c.params[j])))
                #expect(abs(lost.pValues[j] - c.pvalues_df_minus_1[j]) <= 1e-7 * c.pvalues_df_minus_1[j] + 1e-14)
                #expect(abs(lost.lower[j] - c.lower_df_minus_1[j]) <= 1e-8 * max(1, abs(c.lower_df_minus_1[j])))
            }
            let rho = try #require(AR1Regression.residualRho(y: c.y, x: c.x, days: c.days))
            #expect(abs(rho - c.residual_rho) <= 1e-10, "\(c.name) residual rho \(rho) vs \(c.residual_rho)")
        }
    }

    @Test("the regression refuses what it cannot fit: collinear columns, unsorted days, too few nights, rho 1")
    func regressionRefuses() {
        let y: [Double] = [1, 2, 3, 4, 5]
        let days = [0, 1, 2, 3, 4]
        #expect(AR1Regression.fit(y: y, x: y.map { [1, $0, 2 * $0] }, days: days, rho: 0.3) == nil)
        #expect(AR1Regression.fit(y: y, x: y.map { [1, $0] }, days: [0, 2, 1, 3, 4], rho: 0.3) == nil)
        #expect(AR1Regression.fit(y: [1, 2], x: [[1, 0], [1, 1]], days: [0, 1], rho: 0.3) == nil)
        #expect(AR1Regression.fit(y: y, x: y.map { [1, $0] }, days: days, rho: 1) == nil)
    }

    @Test("sign-flip randomisation test: exact p = scipy permutation_test, interval ends = subset means bounding p > alpha")
    func signFlip() throws {
        #expect(fixture.sign_flip.contains { $0.lower == nil })
        for c in fixture.sign_flip {
            let r = try #require(SignFlipTest.test(differences: c.d, confidence: c.confidence), "\(c.name)")
            #expect(r.exact)
            #expect(r.patterns == 1 << c.d.count)
            #expect(abs(r.pValue - c.p) <= 1e-12, "\(c.name): p \(r.pValue) vs \(c.p)")
            #expect(abs(r.meanDifference - c.mean) <= 1e-12)
            #expect(optionalClose(r.lower, c.lower) { abs($0 - $1) <= 1e-7 }, "\(c.name) lower \(String(describing: r.lower)) vs \(String(describing: c.lower))")
            #expect(optionalClose(r.upper, c.upper) { abs($0 - $1) <= 1e-7 }, "\(c.name) upper \(String(describing: r.upper)) vs \(String(describing: c.upper))")
        }
    }

    @Test("sign-flip test above 16 pairs: fixed random patterns, deterministic, close to the exact p")
    func signFlipRandom() throws {
        let d = (0..<20).map { Double(($0 * 7) % 11) - 6.5 }
        let a = try #require(SignFlipTest.test(differences: d))
        let b = try #require(SignFlipTest.test(differences: d))
        #expect(!a.exact)
        #expect(a == b)
        // Exact p by enumeration here (2^20 patterns), independently of the Monte Carlo path.
        let observed = abs(d.reduce(0, +))
        var count = 0
        for pattern in 0..<(1 << 20) {
            var s = 0.0
            for i in 0..<20 { s += (pattern >> i) & 1 == 0 ? d[i] : -d[i] }
            if abs(s) >= observed - 1e-9 { count += 1 }
        }
        let exact = Double(count) / Double(1 << 20)
        // 50 000 patterns: standard error at most 0.0023.
        #expect(abs(a.pValue - exact) < 0.01, "\(a.pValue) vs \(exact)")
    }
}
