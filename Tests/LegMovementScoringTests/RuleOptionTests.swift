import LegMovementScoring
import Testing

/// One test per named option: each shows the decision the option changes, on the smallest input that
/// shows it, with the expected outcome worked out from the rule's text.
@Suite("Rule options")
struct RuleOptionTests {
    /// Four LMs 20 s apart, a plain series, appended to whatever a test needs.
    static func series(from t: Double, count: Int = 4, every: Double = 20, leg: Leg = .left) -> [LegMovementEvent] {
        (0..<count).map { lm(t + Double($0) * every, 1.5, leg) }
    }

    @Test("lm_min_duration_s: a 0.4 s LM is dropped; two 0.3 s bursts 0.2 s apart merge into a 0.8 s LM")
    func minimumDuration() throws {
        let r = try score(ScoringInput(legMovements: [lm(10, 0.4), lm(50, 0.3), lm(50.5, 0.3)]))
        #expect(r.onsets == [50])
        #expect(r.movements[0].duration == us(0.8))
        #expect(r.preparation.tooShort == 1)
        let lower = try score(
            ScoringInput(legMovements: [lm(10, 0.4)]), rules { $0.minimumDuration = 0.25 })
        #expect(lower.onsets == [10])
    }

    @Test("same_leg_merge_gap_s and _inclusive: a gap of exactly 0.5 s keeps LMs apart unless inclusive")
    func sameLegMerge() throws {
        let input = ScoringInput(legMovements: [lm(10, 1.0), lm(11.5, 1.0)])
        #expect(try score(input).onsets == [10, 11.5])
        #expect(try score(input, rules { $0.sameLegMergeGapInclusive = true }).onsets == [10])
        #expect(try score(input, rules { $0.sameLegMergeGap = 0.6 }).onsets == [10])
        // 0.49 s always merges.
        #expect(try score(ScoringInput(legMovements: [lm(10, 1.0), lm(11.49, 1.0)])).onsets == [10])
    }

    @Test("clm_max_duration_monolateral_s and long_lm_handling: a 12 s LM breaks a run or is ignored")
    func longMovements() throws {
        // 0, 20, 40 (12 s), 60, 80: with break_series the runs are 2 and 2 -> no series; ignored -> 0..80 minus 40
        // gives IMIs 20, 40, 20, 20 -> one series of 4.
        let input = ScoringInput(legMovements: [lm(0), lm(20), lm(40, 12), lm(60), lm(80)])
        let breaks = try score(input)
        #expect(breaks.summary.plmCount == 0)
        #expect(breaks.movement(at: 40)?.nonCandidateReason == .tooLong)
        let ignored = try score(input, rules { $0.longMovementHandling = .ignore })
        #expect(ignored.plmOnsets == [0, 20, 60, 80])
        #expect(ignored.movement(at: 40) == nil)
        // A 12 s LM is a candidate when the limit is raised.
        let raised = try score(input, rules { $0.maxMonolateralCandidateDuration = 12 })
        #expect(raised.summary.plmCount == 5)
        // Exactly 10 s is still a candidate (the limit is inclusive: "0.5-10 s").
        #expect(try score(ScoringInput(legMovements: [lm(0, 10)])).movements[0].isCandidate)
    }

    @Test("bilateral_gap_s and _inclusive: opposite legs 0.3 s apart combine; exactly 0.5 s does not")
    func bilateralGap() throws {
        let near = try score(ScoringInput(legMovements: [lm(10, 1), lm(11.3, 1, .right)]))
        #expect(near.movements.count == 1 && near.movements[0].side == .both && near.movements[0].components == 2)
        let exact = ScoringInput(legMovements: [lm(10, 1), lm(11.5, 1, .right)])
        #expect(try score(exact).movements.map(\.side) == [.left, .right])
        #expect(try score(exact, rules { $0.bilateralGapInclusive = true }).movements.map(\.side) == [.both])
        #expect(try score(exact, rules { $0.bilateralGap = 1.0 }).movements.map(\.side) == [.both])
        // Overlapping legs combine; the bilateral LM spans both.
        let overlap = try score(ScoringInput(legMovements: [lm(10, 2), lm(11, 3, .right)]))
        #expect(overlap.movements.count == 1 && overlap.movements[0].end == us(14))
    }

    @Test("bilateral_rule onset_window (AASM): onsets < 5 s apart combine, whatever the gap")
    func bilateralOnsetWindow() throws {
        let input = ScoringInput(legMovements: [lm(10, 1), lm(14, 1, .right), lm(30, 1), lm(35, 1, .right)])
        let gap = try score(input)
        #expect(gap.movements.count == 4)
        let window = try score(input, rules { $0.bilateralRule = .onsetWindow })
        #expect(window.movements.map(\.side) == [.both, .left, .right])  // 35 - 30 = 5 s is not < 5 s
        #expect(try score(input, rules { $0.bilateralRule = .onsetWindow; $0.bilateralOnsetWindow = 6 }).movements.count == 2)
    }

    @Test("bilateral_max_components: a chain of 5 alternating LMs is not a candidate; null lifts the limit")
    func bilateralComponents() throws {
        // L 0-1, R 1.2-2.2, L 2.4-3.4, R 3.6-4.6, L 4.8-5.8: each 0.2 s from the other leg -> one chain of 5.
        let chain = [lm(0, 1), lm(1.2, 1, .right), lm(2.4, 1), lm(3.6, 1, .right), lm(4.8, 1)]
        let r = try score(ScoringInput(legMovements: chain))
        #expect(r.movements.count == 1)
        #expect(r.movements[0].components == 5)
        #expect(r.movements[0].nonCandidateReason == .tooManyComponents)
        let four = try score(ScoringInput(legMovements: Array(chain.prefix(4))))
        #expect(four.movements[0].isCandidate && four.movements[0].components == 4)
        let unlimited = try score(ScoringInput(legMovements: chain), rules { $0.maxBilateralComponents = nil })
        #expect(unlimited.movements[0].isCandidate)
    }

    @Test("clm_max_duration_bilateral_s: a 16 s bilateral LM is not a candidate; 15 s is")
    func bilateralDuration() throws {
        let long = try score(ScoringInput(legMovements: [lm(0, 8), lm(8.2, 7.8, .right)]))
        #expect(long.movements[0].duration == us(16) && long.movements[0].nonCandidateReason == .tooLong)
        let ok = try score(ScoringInput(legMovements: [lm(0, 8), lm(8.2, 6.8, .right)]))
        #expect(ok.movements[0].duration == us(15) && ok.movements[0].isCandidate)
        let raised = try score(
            ScoringInput(legMovements: [lm(0, 8), lm(8.2, 7.8, .right)]), rules { $0.maxBilateralCandidateDuration = 20 })
        #expect(raised.movements[0].isCandidate)
    }

    @Test("a bilateral LM with a component over 10 s is not a candidate")
    func bilateralLongComponent() throws {
        let r = try score(ScoringInput(legMovements: [lm(0, 11), lm(10.8, 2, .right)]))
        #expect(r.movements.count == 1)
        #expect(r.movements[0].nonCandidateReason == .componentTooLong)
    }

    @Test("imi_min_s: IMIs of 7 s make no series at 10 s, one at 5 s")
    func imiMin() throws {
        let input = ScoringInput(legMovements: RuleOptionTests.series(from: 0, count: 5, every: 7))
        #expect(try score(input).summary.plmCount == 0)
        #expect(try score(input, rules { $0.imiMin = 5 }).summary.plmCount == 5)
        // Exactly imi_min is in range.
        #expect(try score(ScoringInput(legMovements: RuleOptionTests.series(from: 0, every: 10))).summary.plmCount == 4)
    }

    @Test("imi_max_s and imi_max_inclusive: IMIs of exactly 90 s stay in a series unless exclusive")
    func imiMax() throws {
        let input = ScoringInput(legMovements: [lm(0), lm(90), lm(100), lm(190)])
        #expect(try score(input).summary.plmCount == 4)
        #expect(try score(input, rules { $0.imiMaxInclusive = false }).summary.plmCount == 0)
        #expect(try score(input, rules { $0.imiMax = 89 }).summary.plmCount == 0)
        #expect(try score(ScoringInput(legMovements: [lm(0), lm(90.001), lm(100), lm(190)])).summary.plmCount == 0)
    }

    @Test("series_min_length: three LMs are a series only when the minimum is 3")
    func seriesLength() throws {
        let input = ScoringInput(legMovements: RuleOptionTests.series(from: 0, count: 3))
        #expect(try score(input).summary.plmCount == 0)
        #expect(try score(input, rules { $0.minimumSeriesLength = 3 }).summary.plmCount == 3)
    }

    @Test("short_imi_lm_may_start_series: golden segment B gives 5 PLMs, or 4 the SOMAS way")
    func shortIMIStart() throws {
        let input = ScoringInput(legMovements: [400, 415, 422, 437, 452, 467, 482].map { lm($0) })
        #expect(try score(input).plmOnsets == [422, 437, 452, 467, 482])
        #expect(try score(input, rules { $0.shortIntervalMovementMayStartSeries = false }).plmOnsets == [437, 452, 467, 482])
    }

    @Test("drop_last_lm_of_recording: a series of 4 ending the recording is lost the SOMAS way")
    func dropLast() throws {
        let input = ScoringInput(legMovements: RuleOptionTests.series(from: 0))
        #expect(try score(input).summary.plmCount == 4)
        #expect(try score(input, rules { $0.dropLastMovementOfRecording = true }).summary.plmCount == 0)
        let five = ScoringInput(legMovements: RuleOptionTests.series(from: 0, count: 5))
        #expect(try score(five, rules { $0.dropLastMovementOfRecording = true }).plmOnsets == [0, 20, 40, 60])
    }

    @Test("resp_window_anchor, _before_s, _after_s: which LMs around an apnea 100-120 s are breathing-related")
    func respiratoryWindow() throws {
        // WASM 2016 window: 118.0 .. 130.25. AASM window: 99.5 .. 120.5.
        let lms = [lm(90, 1), lm(99, 0.6), lm(116, 2.5), lm(121, 1), lm(130.2, 0.5), lm(131.5, 1)]
        let input = ScoringInput(legMovements: lms, respiratoryEvents: [interval(100, 20)])
        let wasm = try score(input)
        #expect(wasm.movements.filter(\.respiratoryRelated).map { Seconds.from($0.onset) } == [116, 121, 130.2])
        let aasm = try score(input, rules(.aasm) { $0.bilateralRule = .gap })
        #expect(aasm.movements.filter(\.respiratoryRelated).map { Seconds.from($0.onset) } == [99, 116])
        let shorter = try score(input, rules { $0.respiratoryWindowAfter = 5 })
        #expect(shorter.movements.filter(\.respiratoryRelated).map { Seconds.from($0.onset) } == [116, 121])
        let earlier = try score(input, rules { $0.respiratoryWindowBefore = 25 })
        #expect(earlier.movements.filter(\.respiratoryRelated).map { Seconds.from($0.onset) } == [99, 116, 121, 130.2])
    }

    @Test("resp_removal: removing a breathing-related LM from a series of 4 breaks it; flag_only keeps 3")
    func respiratoryRemoval() throws {
        // Series 0, 20, 40, 60; apnea ends at 19 so 20 is breathing-related (window 17..29.25).
        let input = ScoringInput(legMovements: RuleOptionTests.series(from: 0), respiratoryEvents: [interval(10, 9)])
        let recompute = try score(input)
        #expect(recompute.summary.plmCount == 4)
        #expect(recompute.movements.filter(\.respiratoryRelated).count == 1)
        #expect(recompute.summary.plmNonRespiratoryCount == 0)  // 0, 40, 60: only 3 left
        #expect(recompute.movement(at: 40)?.imiNonRespiratory == us(40))
        let flag = try score(input, rules { $0.respiratoryRemoval = .flagOnly })
        #expect(flag.summary.plmNonRespiratoryCount == 3)
        #expect(flag.movement(at: 40)?.imiNonRespiratory == us(20))
    }

    @Test("resp_removal_scope: a breathing-related non-candidate still breaks nr series unless scope is all")
    func respiratoryRemovalScope() throws {
        // 0 20 40 60(12 s, breathing-related: apnea 50-61, window 59..71.25) 80 100 120.
        let lms = [lm(0), lm(20), lm(40), lm(60, 12), lm(80), lm(100), lm(120)]
        let input = ScoringInput(legMovements: lms, respiratoryEvents: [interval(50, 11)])
        let r = try score(input)
        #expect(r.movements.filter(\.respiratoryRelated).map(\.onset) == [us(60)])
        #expect(r.summary.plmCount == 0)
        #expect(r.summary.plmNonRespiratoryCount == 0)
        #expect(r.movement(at: 60)?.excludedFromNonRespiratory == false)
        let all = try score(input, rules { $0.respiratoryRemovalScope = .all })
        #expect(all.summary.plmNonRespiratoryCount == 6)
        #expect(all.movement(at: 80)?.imiNonRespiratory == us(40))
    }

    @Test("lights_lm_inclusion: an LM straddling lights off or starting at lights on counts only with overlap")
    func lightsInclusion() throws {
        let input = ScoringInput(
            legMovements: [lm(99, 2), lm(150), lm(200), lm(250)], lightsOff: us(100), lightsOn: us(200))
        let within = try score(input)
        #expect(within.onsets == [150])
        #expect(within.preparation.outsideLights == 3)
        let overlap = try score(input, rules { $0.lightsInclusion = .overlap })
        #expect(overlap.onsets == [99, 150, 200])
    }

    @Test("arousal_gap_s and _inclusive: an arousal 0.4 s after an LM associates, exactly 0.5 s does not")
    func arousalGap() throws {
        let input = ScoringInput(
            legMovements: [lm(10, 1), lm(50, 1), lm(90, 1), lm(130, 1)],
            arousals: [interval(11.4, 3), interval(48.5, 1), interval(91.5, 3), interval(130.5, 0.2)])
        let r = try score(input)
        #expect(r.movements.map(\.arousal) == [true, false, false, true])
        let inclusive = try score(input, rules { $0.arousalGapInclusive = true })
        #expect(inclusive.movements.map(\.arousal) == [true, true, true, true])
        let wider = try score(input, rules { $0.arousalGap = 0.6 })
        #expect(wider.movements.map(\.arousal) == [true, true, true, true])
    }

    @Test("plm_index_cutoff_per_h and _inclusive: an index of exactly 15/h is above only when inclusive")
    func cutoff() throws {
        // 15 PLMs in one hour of recording (three series of 5 far apart).
        var lms: [LegMovementEvent] = []
        for start in [0.0, 1000, 2000] { lms += RuleOptionTests.series(from: start, count: 5) }
        let input = ScoringInput(legMovements: lms, recordingDuration: us(3600))
        let r = try score(input)
        #expect(r.summary.plmIndex == 15)
        #expect(r.summary.plmIndexAboveCutoff == false)
        #expect(try score(input, rules { $0.plmIndexCutoffInclusive = true }).summary.plmIndexAboveCutoff == true)
        #expect(try score(input, rules { $0.plmIndexCutoff = 5 }).summary.plmIndexAboveCutoff == true)
    }

    @Test("every option round-trips through its text form, and bad values name the option")
    func optionText() throws {
        for base in [ScoringRules.wasm2016, .aasm] {
            var copy = ScoringRules.wasm2016
            copy.profile = base.profile
            for key in RuleKey.allCases {
                let text: String
                switch base.value(of: key) {
                case .number(let v): text = String(v)
                case .integer(let v): text = String(v)
                case .bool(let v): text = String(v)
                case .choice(let v): text = v
                case .none: text = "null"
                }
                try copy.set(key, from: text)
            }
            #expect(copy == base)
        }
        var r = ScoringRules.wasm2016
        #expect(throws: RuleError.self) { try r.set(option: "imi_min_s", from: "ten") }
        #expect(throws: RuleError.self) { try r.set(option: "no_such_option", from: "1") }
        #expect(throws: RuleError.self) { try r.set(option: "bilateral_rule", from: "sideways") }
        do {
            try r.set(option: "imi_max_inclusive", from: "maybe")
            Issue.record("expected an error")
        } catch {
            #expect(error.key == "imi_max_inclusive")
            #expect(error.description.contains("true or false"))
        }
        r.imiMin = 100
        #expect(throws: RuleError.self) { try r.resolved() }
        r = .wasm2016
        r.arousalGap = -1
        #expect(throws: RuleError.self) { try r.resolved() }
    }
}
