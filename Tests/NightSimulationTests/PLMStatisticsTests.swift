import Foundation
import LegMovementScoring
import NightSimulation
import Testing

@Suite struct PLMStatisticsTests {
    static func score(_ t: GroundTruth) throws -> NightSummary {
        try Scorer.score(
            ScoringInput(legMovements: t.legMovements(), lightsOff: t.lightsOff, lightsOn: t.lightsOn),
            rules: .wasm2016
        ).summary
    }

    @Test(arguments: [
        (Severity.mild, 5.0...10.0), (.moderate, 15.0...30.0), (.severe, 40.0...60.0),
    ])
    func severityPresetsGivePLMRatesInRange(severity: Severity, range: ClosedRange<Double>) throws {
        for seed: UInt64 in 1...8 {
            let t = try NightGenerator(settings: .typical(seed: seed, severity: severity)).truth
            let summary = try Self.score(t)
            let index = try #require(summary.plmIndex)
            #expect(range.contains(index), "\(severity) seed \(seed): PLM index \(index)")
            #expect(abs(index - t.targetPLMRatePerHour) < 0.1 * t.targetPLMRatePerHour + 1)
        }
    }

    @Test func noneHasNoPLMSeries() throws {
        for seed: UInt64 in 1...12 {
            let t = try NightGenerator(settings: .typical(seed: seed, severity: .none)).truth
            let summary = try Self.score(t)
            #expect(summary.seriesCount == 0)
            #expect(summary.plmCount == 0)
            #expect(t.plmEpisodes.isEmpty)
            // A few LMs per hour: isolated ones, short-IMI doublets and restless awake movements.
            let perHour = Double(t.movements.count) / (Double(t.lightsOn - t.lightsOff) / 3.6e9)
            #expect(perHour > 2 && perHour < 25)
            #expect(t.movements.contains { $0.context == .isolated })
        }
    }

    /// IMIs inside PLM episodes, onset to onset of combined LMs (bilateral pairs count once).
    static func episodeIMIs(_ t: GroundTruth) -> [Double] {
        var out: [Double] = []
        for e in t.plmEpisodes.indices {
            let onsets = t.movements.filter { $0.episode == e && $0.context == .periodic }.map(\.event.onset).sorted()
            var combined: [Microseconds] = []
            for o in onsets where combined.last.map({ o - $0 >= 500_000 }) ?? true { combined.append(o) }
            for (a, b) in zip(combined, combined.dropFirst()) { out.append(Double(b - a) / 1e6) }
        }
        return out
    }

    @Test(arguments: [22.0, 35.0])
    func theIMIDistributionHasTheConfiguredMedian(median: Double) throws {
        var imis: [Double] = []
        for seed: UInt64 in 1...6 {
            var s = SimulationSettings.clean(seed: seed, severity: .severe)
            s.activity.medianIMISeconds = median
            s.activity.shortIMIInEpisodeFraction = 0
            imis += Self.episodeIMIs(try NightGenerator(settings: s).truth)
        }
        #expect(imis.count > 500)
        imis.sort()
        let observed = imis[imis.count / 2]
        #expect(abs(observed - median) < 0.06 * median, "median IMI \(observed) s, configured \(median) s")
        // Log-normal spread: the quartiles sit about exp(±0.674 × log-SD) around the median.
        let q1 = imis[imis.count / 4]
        let q3 = imis[3 * imis.count / 4]
        let spread = log(q3 / q1) / (2 * 0.674)
        #expect(spread > 0.2 && spread < 0.35, "log-SD \(spread)")
        // Nearly all within 10–90 s (an LM skipped at a turn or a trip leaves a longer interval).
        #expect(Double(imis.filter { $0 >= 10 && $0 <= 90 }.count) > 0.97 * Double(imis.count))
    }

    @Test func episodesUseEveryLaterality() throws {
        var patterns = Set<String>()
        for seed: UInt64 in 1...5 {
            let t = try NightGenerator(settings: .clean(seed: seed, severity: .severe)).truth
            for e in t.plmEpisodes.indices {
                let lms = t.movements.filter { $0.episode == e && $0.context == .periodic }
                let legs = Set(lms.map(\.event.leg))
                if legs.count == 1 { patterns.insert("one leg") }
                if legs.count == 2 { patterns.insert("both legs") }
            }
        }
        #expect(patterns == ["one leg", "both legs"])
    }

    @Test func episodeLengthsAreMinutesToAnHour() throws {
        var lengths: [Double] = []
        for seed: UInt64 in 1...6 {
            let t = try NightGenerator(settings: .clean(seed: seed, severity: .moderate)).truth
            lengths += t.plmEpisodes.map { Double($0.duration) / 60e6 }
        }
        #expect(lengths.count >= 10)
        #expect(lengths.allSatisfy { $0 < 65 })
        #expect(lengths.contains { $0 > 10 })
    }
}
