import Foundation  // only for log/sqrt in the independent expectations
import LegMovementScoring
import Testing

/// A night whose every figure is worked out by hand below.
///
/// Hypnogram: W 0-600 s, N2 600-4200 s (1 h), W 4200-4800 s. Lights off 300 s, lights on 4500 s.
/// LMs (left, 1.5 s): 100 (before lights off); a series 540 560 580 600 620 (three in wake, two in sleep);
/// 1000 (isolated); 2000, 2005 (2005 has a 5 s IMI); a series 3000 3030 3060 3090 with an arousal at
/// 3031-3040; 4600 (after lights on).
@Suite("Night figures")
struct NightFigureTests {
    static var input: ScoringInput {
        ScoringInput(
            legMovements: [100, 540, 560, 580, 600, 620, 1000, 2000, 2005, 3000, 3030, 3060, 3090, 4600].map { lm($0) },
            stages: epochs(.wake, from: 0, count: 20) + epochs(.n2, from: 600, count: 120)
                + epochs(.wake, from: 4200, count: 20),
            arousals: [interval(3031, 9)],
            lightsOff: us(300),
            lightsOn: us(4500))
    }

    @Test("counts, hours and the sleep basis")
    func countsAndHours() throws {
        let r = try score(NightFigureTests.input)
        let s = r.summary
        #expect(r.preparation.outsideLights == 2)
        #expect(s.lmCount == 12 && s.clmCount == 12 && s.plmCount == 9 && s.seriesCount == 2)
        #expect(s.plmsCount == 6 && s.plmwCount == 3)
        #expect(s.basis == .sleep)
        #expect(s.sleepHours == 1)
        #expect(abs((s.wakeHours ?? 0) - 600.0 / 3600) < 1e-12)
        #expect(abs((s.inBedHours ?? 0) - 4200.0 / 3600) < 1e-12)
        #expect(abs(s.recordingHours - 4800.0 / 3600) < 1e-12)
        #expect(s.plmIndex == 6 && s.plmsIndex == 6)
        #expect(abs((s.plmwIndex ?? 0) - 18) < 1e-9)
        #expect(s.plmsArousalIndex == 1 && s.plmArousalIndex == 1)
        #expect(s.clmIndex == 9)
        #expect(s.shortIMILMCount == 1 && s.shortIMIIndex == 1)
        #expect(s.isolatedLMCount == 2 && s.isolatedLMIndex == 2)
        #expect(s.plmIndexLeft == 6 && s.plmIndexRight == 0 && s.plmIndexBilateral == 0)
        #expect(s.plmNonRespiratoryCount == 9 && s.plmsIndexNonRespiratory == 6)
        // Series run across the wake-to-sleep change: 540..620 is one series.
        #expect(r.movement(at: 540)?.seriesID == r.movement(at: 620)?.seriesID)
        #expect(r.movement(at: 580)?.state == .wake && r.movement(at: 600)?.state == .sleep)
        #expect(r.movement(at: 600)?.stage == .n2)
    }

    @Test("periodicity, log IMI and histograms")
    func distributions() throws {
        let s = try score(NightFigureTests.input).summary
        // IMIs: 20 20 20 20 | 380 1000 5 995 | 30 30 30 -> runs of 4 and 3 in 10-90 s: 7 of 11.
        #expect(abs((s.periodicityIndexFerri2006 ?? 0) - 7.0 / 11) < 1e-12)
        #expect(s.periodicityIndexPLMPerCLM == 0.75)
        let logs = [20.0, 20, 20, 20, 30, 30, 30].map { Foundation.log($0) }
        let mean = logs.reduce(0, +) / 7
        let sd = (logs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 6).squareRoot()
        #expect(s.logIMICount == 7)
        #expect(abs((s.logIMIMean ?? 0) - mean) < 1e-12)
        #expect(abs((s.logIMISD ?? 0) - sd) < 1e-12)
        var linear = [Int](repeating: 0, count: 45)
        linear[2] = 1  // 5 s
        linear[10] = 4  // 20 s
        linear[15] = 3  // 30 s
        #expect(s.imiHistogram.counts == linear && s.imiHistogram.above == 3 && s.imiHistogram.below == 0)
        var log = [Int](repeating: 0, count: 30)
        log[6] = 1  // log10 5 = 0.70
        log[13] = 4  // log10 20 = 1.30
        log[14] = 3  // log10 30 = 1.48
        log[25] = 1  // log10 380 = 2.58
        log[29] = 2  // log10 995 = 2.998 and log10 1000 = 3 (the last edge belongs to the last bin)
        #expect(s.imiLogHistogram.counts == log && s.imiLogHistogram.above == 0)
    }

    @Test("basis in_bed with lights only, recording with neither")
    func bases() throws {
        var input = NightFigureTests.input
        input.stages = []
        let inBed = try score(input).summary
        #expect(inBed.basis == .inBed)
        #expect(abs((inBed.plmIndex ?? 0) - 9 / (4200.0 / 3600)) < 1e-9)
        #expect(inBed.plmsIndex == nil && inBed.plmsCount == nil)
        input.lightsOff = nil
        input.lightsOn = nil
        let whole = try score(input).summary
        #expect(whole.basis == .recording)
        // Without lights, 100 and 4600 are scored too; the recording ends at 4601.5 s.
        #expect(whole.lmCount == 14)
        #expect(abs(whole.recordingHours - 4601.5 / 3600) < 1e-12)
        input.recordingDuration = us(7200)
        #expect(try score(input).summary.plmIndex == Double(whole.plmCount) / 2)
    }

    @Test("in-bed intervals: LMs out of bed are not scored, series stop at a trip out of bed, hours add up")
    func inBed() throws {
        // In bed 0-1000 s and 1100-2000 s (a 100 s trip). LMs every 20 s from 900 to 1200: 900..980 (5) are in
        // the first interval, 1000..1080 out of bed, 1100..1200 (6) in the second.
        let lms = stride(from: 900.0, through: 1200, by: 20).map { lm($0) }
        let input = ScoringInput(legMovements: lms, inBedIntervals: [interval(0, 1000), interval(1100, 900)])
        let r = try score(input)
        #expect(r.onsets == [900, 920, 940, 960, 980, 1100, 1120, 1140, 1160, 1180, 1200])
        #expect(r.preparation.outsideLights == 5)
        #expect(r.summary.basis == .inBed)
        #expect(r.summary.inBedHours == 1900.0 / 3600)
        #expect(r.summary.plmCount == 11)
        // A 20 s trip out of bed between LMs 30 s apart: two series of 4, not one of 8.
        let close = [0.0, 30, 60, 90, 120, 150, 180, 210].map { lm(1000 + $0) }
        let trip = ScoringInput(legMovements: close, inBedIntervals: [interval(0, 1100), interval(1120, 1000)])
        let t = try score(trip)
        #expect(t.summary.plmCount == 8)
        #expect(t.summary.seriesCount == 2)
        // Lights clip the in-bed intervals.
        var lit = input
        lit.lightsOff = us(500)
        lit.lightsOn = us(1500)
        #expect(try score(lit).summary.inBedHours == 900.0 / 3600)
    }

    @Test("an unscored epoch gives state unknown; a night of only unscored epochs has no sleep basis")
    func unscored() throws {
        let input = ScoringInput(
            legMovements: RuleOptionTests.series(from: 10),
            stages: epochs(.unscored, from: 0, count: 10))
        let r = try score(input)
        #expect(r.movements.allSatisfy { $0.state == .unknown && $0.stage == .unscored })
        #expect(r.summary.basis == .recording)
    }

    @Test("natural and decimal logarithms from the standard library alone")
    func logarithms() {
        for x in [1e-300, 0.001, 0.5, 1, 2, 2.718281828459045, 10, 20, 90, 12345.678, 1e300] {
            #expect(abs(Logarithm.ln(x) - Foundation.log(x)) <= 1e-15 * max(1, abs(Foundation.log(x))))
            #expect(abs(Logarithm.log10(x) - Foundation.log10(x)) <= 1e-15 * max(1, abs(Foundation.log10(x))))
        }
        #expect(Logarithm.ln(0) == -.infinity)
        #expect(Logarithm.ln(-1).isNaN)
    }
}
