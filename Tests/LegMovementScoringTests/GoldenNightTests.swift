import LegMovementScoring
import Testing

/// The golden night of ../shared/reference/scoring-rules.md: two hours of N2, left leg unless noted,
/// durations 1.5 s unless noted. Expected counts are derived from the written rules (PLMScoRe and MATPLM
/// agree on every number), not from this implementation.
enum GoldenNight {
    static let segments: [(name: String, range: ClosedRange<Double>)] = [
        ("A", 0...299), ("B", 300...599), ("C", 600...899), ("D", 900...1199), ("E", 1200...1499),
        ("F", 1500...1899), ("G", 1900...2200),
    ]

    static var input: ScoringInput {
        var lms: [LegMovementEvent] = []
        lms += [100, 120, 140, 160, 180].map { lm($0) }
        lms += [400, 415, 422, 437, 452, 467, 482].map { lm($0) }
        lms += [lm(700), lm(720), lm(740, 12), lm(760), lm(780), lm(800), lm(820)]
        lms += [lm(1000, 1.0), lm(1001.3, 1.0, .right), lm(1020), lm(1040), lm(1060)]
        lms += [lm(1300, 1.0), lm(1301.3, 1.0), lm(1320), lm(1340), lm(1360)]
        lms += [1600, 1690, 1700, 1790].map { lm($0) }
        lms += [2011, 2031, 2051, 2071, 2091].map { lm($0) }
        return ScoringInput(
            legMovements: lms.reversed(),  // order must not matter
            stages: epochs(.n2, from: 0, count: 240),
            respiratoryEvents: [interval(2010, 20)])
    }

    static func perSegment(_ r: ScoringResult, nonRespiratory: Bool = false) -> [String: Int] {
        var out: [String: Int] = [:]
        for s in segments {
            out[s.name] = r.movements.filter {
                s.range.contains(Seconds.from($0.onset)) && (nonRespiratory ? $0.isPLMNonRespiratory : $0.isPLM)
            }.count
        }
        return out
    }
}

@Suite("Golden night")
struct GoldenNightTests {
    @Test("wasm2016: A 5, B 5, C 4, D 4, E 4, F 4, G 5 = 31; 30 without breathing-related LMs")
    func wasm2016() throws {
        let r = try score(GoldenNight.input, .wasm2016)
        #expect(GoldenNight.perSegment(r) == ["A": 5, "B": 5, "C": 4, "D": 4, "E": 4, "F": 4, "G": 5])
        #expect(r.summary.plmCount == 31)
        #expect(r.summary.plmNonRespiratoryCount == 30)
        #expect(GoldenNight.perSegment(r, nonRespiratory: true)["G"] == 4)
        // 2031 is the breathing-related one; the series 2011-2051-2071-2091 holds without it.
        #expect(r.movements.filter(\.respiratoryRelated).map(\.onset) == [us(2031)])
        #expect(r.movement(at: 2051)?.imiNonRespiratory == us(40))
        // Two hours of sleep: 31 PLMS / 2 h.
        #expect(r.summary.basis == .sleep)
        #expect(r.summary.plmsIndex == 15.5)
        #expect(r.summary.plmIndex == 15.5)
        #expect(r.summary.plmIndexNonRespiratory == 15.0)
    }

    @Test("aasm: 35, and 34 with the AASM breathing rule")
    func aasm() throws {
        let r = try score(GoldenNight.input, .aasm)
        #expect(GoldenNight.perSegment(r) == ["A": 5, "B": 7, "C": 6, "D": 4, "E": 4, "F": 4, "G": 5])
        #expect(r.summary.plmCount == 35)
        #expect(r.summary.plmNonRespiratoryCount == 34)
        // The AASM window (0.5 s before the start to 0.5 s after the end of 2010-2030) catches 2011, not 2031.
        #expect(r.movements.filter(\.respiratoryRelated).map(\.onset) == [us(2011)])
        // The 12 s LM is not an LM under AASM.
        #expect(r.movement(at: 740) == nil)
        #expect(r.preparation.ignoredTooLong == 1)
    }

    @Test("segment details: bilateral, merge, non-candidate")
    func details() throws {
        let r = try score(GoldenNight.input)
        let d = try #require(r.movement(at: 1000))
        #expect(d.side == .both && d.components == 2 && d.end == us(1002.3))
        let e = try #require(r.movement(at: 1300))
        #expect(e.side == .left && e.components == 1 && e.end == us(1302.3))
        #expect(r.movement(at: 1301.3) == nil)
        #expect(r.preparation.mergedSameLeg == 1)
        let c = try #require(r.movement(at: 740))
        #expect(c.nonCandidateReason == .tooLong && !c.isPLM)
        // B: 422 follows a 7 s IMI and starts the series; 400 and 415 are left out.
        #expect(r.movement(at: 400)?.isPLM == false)
        #expect(r.movement(at: 415)?.isPLM == false)
        #expect(r.movement(at: 422)?.isPLM == true)
        #expect(r.summary.seriesCount == 7)
        #expect(r.summary.lmCount == 36)
        #expect(r.summary.clmCount == 35)
    }
}
