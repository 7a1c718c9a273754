import Foundation
import NightStatistics
import SleepDiary
import Testing

@testable import SelfExperiment

let day0 = NightDate(dayNumber: 20_486)  // 2026-02-02

@Suite("Self-experiments: plans and results")
struct SelfExperimentTests {
    @Test("bad plans get an error naming what to change")
    func badPlans() {
        func message(_ body: () throws -> TrialPlan) -> String {
            do {
                _ = try body()
                return ""
            } catch { return "\(error)" }
        }
        #expect(message { try TrialPlan.make(remedy: "bath", first: day0, nights: 0, blockNights: 1, washoutNights: 0, seed: 1) }
            .contains("the trial has no nights: give --nights"))
        #expect(message { try TrialPlan.make(remedy: " ", first: day0, nights: 8, blockNights: 1, washoutNights: 0, seed: 1) }
            .contains("needs a remedy"))
        #expect(message { try TrialPlan.make(remedy: "bath", first: day0, nights: 10, blockNights: 2, washoutNights: 0, seed: 1) }
            == "--nights 10 is not a whole number of pairs of 2-night blocks: use 8 or 12 nights, or another --block")
        #expect(message { try TrialPlan.make(remedy: "bath", first: day0, nights: 8, blockNights: 2, washoutNights: 2, seed: 1) }
            .contains("shorter than a block"))
        #expect(message { try TrialPlan.make(remedy: "bath", first: day0, nights: 8, blockNights: 0, washoutNights: 0, seed: 1) }
            .contains("at least one night"))
        #expect(message { try TrialPlan.make(remedy: "bath", first: day0, nights: 8, blockNights: .max, washoutNights: 0, seed: 1) }
            .contains("at most 183 nights per block"))
        #expect(message { try TrialPlan.make(remedy: "bath", first: day0, nights: .max, blockNights: 1, washoutNights: 0, seed: 1) }
            .contains("plan at most 366 nights"))
    }

    @Test("the schedule: consecutive nights, one block of each arm per pair, wash-out after each switch, same seed same order")
    func schedule() throws {
        let plan = try TrialPlan.make(remedy: "bath", first: day0, nights: 24, blockNights: 3, washoutNights: 1, seed: 42)
        #expect(plan.schedule.count == 24)
        #expect(plan.pairs == 4)
        #expect(plan.last == day0.adding(days: 23))
        for (i, n) in plan.schedule.enumerated() { #expect(n.night == day0.adding(days: i)) }
        for pair in 0..<4 {
            let nights = plan.schedule.filter { $0.pair == pair }
            #expect(nights.count == 6)
            #expect(nights.filter { $0.arm == .remedy }.count == 3)
            // Each block is one arm.
            #expect(Set(nights.prefix(3).map(\.arm)).count == 1)
            #expect(Set(nights.suffix(3).map(\.arm)).count == 1)
        }
        // Wash-out: the first night of every block whose arm differs from the block before (and of the first).
        var previous: TrialArm?
        for b in 0..<8 {
            let block = Array(plan.schedule[(b * 3)..<(b * 3 + 3)])
            #expect(block[0].washout == (block[0].arm != previous))
            #expect(!block[1].washout && !block[2].washout)
            previous = block[0].arm
        }
        #expect(try TrialPlan.make(remedy: "bath", first: day0, nights: 24, blockNights: 3, washoutNights: 1, seed: 42) == plan)
        // Over many seeds both orders occur about equally often in the first pair.
        var remedyFirst = 0
        for seed in UInt64(1)...400 {
            let p = try TrialPlan.make(remedy: "bath", first: day0, nights: 2, blockNights: 1, washoutNights: 0, seed: seed)
            if p.schedule[0].arm == .remedy { remedyFirst += 1 }
        }
        #expect(remedyFirst > 160 && remedyFirst < 240, "\(remedyFirst) of 400")
    }

    @Test("the result: mean of the pairs' differences, exact randomisation p, wash-out and missing nights left out")
    func result() throws {
        let plan = try TrialPlan.make(remedy: "bath", first: day0, nights: 28, blockNights: 2, washoutNights: 1, seed: 7)
        var nights: [(night: NightDate, plmIndex: Double)] = []
        for (i, n) in plan.schedule.enumerated() {
            if i == 5 && !n.washout { continue }  // one night not worn
            // 10/h fewer with the bath; a wash-out night is absurd so that counting it would show.
            let value = n.washout ? 500 : (n.arm == .remedy ? 12 : 22) + Double(i % 3)
            nights.append((n.night, value))
        }
        let r = try TrialResult.analyse(plan: plan, nights: nights)
        let counted = plan.schedule.filter { !$0.washout }
        #expect(r.washoutNights == plan.schedule.count - counted.count)
        #expect(r.pairsUsed == 7)
        let t = try #require(r.test)
        #expect(t.exact)
        #expect(t.pairs == 7)
        // Every pair's difference is negative: only the observed pattern and its mirror are as extreme.
        #expect(t.pValue == 2.0 / 128.0)
        // The mean difference from the pairs, computed here directly.
        var diffs: [Double] = []
        let index = Dictionary(nights.map { ($0.night, $0.plmIndex) }, uniquingKeysWith: { a, _ in a })
        for pair in 0..<7 {
            let with = counted.filter { $0.pair == pair && $0.arm == .remedy }.compactMap { index[$0.night] }
            let without = counted.filter { $0.pair == pair && $0.arm == .without }.compactMap { index[$0.night] }
            diffs.append(with.reduce(0, +) / Double(with.count) - without.reduce(0, +) / Double(without.count))
        }
        #expect(abs(t.meanDifference - diffs.reduce(0, +) / 7) < 1e-12)
        #expect(t.meanDifference < -8 && t.meanDifference > -12)
        let lower = try #require(t.lower)
        let upper = try #require(t.upper)
        #expect(lower <= t.meanDifference && t.meanDifference <= upper && upper < 0)
        #expect(r.text().contains("With bath: "))
        #expect(r.text().contains("fewer PLMs per hour than without"))
        #expect(r.text().contains("exact, all 128 orders"))
    }

    @Test("the diary's own record of the remedy: nights not as planned are listed; a diary outside the plan is refused")
    func diary() throws {
        let plan = try TrialPlan.make(remedy: "bath", first: day0, nights: 4, blockNights: 1, washoutNights: 0, seed: 3)
        let nights = plan.schedule.map { (night: $0.night, plmIndex: 10.0) }
        let wrong = plan.schedule[0]
        let r = try TrialResult.analyse(plan: plan, nights: nights, followed: [wrong.night: wrong.arm != .remedy])
        #expect(r.notAsPlanned == [wrong.night])
        let outside = [DiaryEntry(night: day0.adding(days: -1)), DiaryEntry(night: day0), DiaryEntry(night: day0.adding(days: 9))]
        #expect(throws: TrialError.self) { try TrialResult.checkDiary(outside, plan: plan, file: "d.csv") }
        do {
            try TrialResult.checkDiary(outside, plan: plan, file: "d.csv")
        } catch {
            #expect("\(error)" == "d.csv: 2 nights outside the trial (2026-02-02 to 2026-02-05): 2026-02-01, 2026-02-11; remove those rows or import them with plm diary import")
        }
        #expect(throws: TrialError.self) { try TrialResult.analyse(plan: plan, nights: []) }
    }
}
