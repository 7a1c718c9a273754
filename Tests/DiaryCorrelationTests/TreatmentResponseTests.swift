import Foundation
import NightStatistics
import SleepDiary
import Testing

@testable import DiaryCorrelation

@Suite("Treatment response at a medicine change")
struct TreatmentResponseTests {
    /// 20 nights without ropinirole at about 30/h, then 20 nights on 0.25 mg at about 18/h; the first 3 nights on
    /// the drug still at 30/h (it takes a few nights to work).
    func course() -> (nights: [NightOutcome], diary: [DiaryEntry]) {
        let wobble: [Double] = [0.8, -1.2, 0.4, 1.5, -0.7, -0.1, 1.1, -1.4, 0.2]
        var nights: [NightOutcome] = []
        var diary: [DiaryEntry] = []
        for d in 0..<40 {
            var e = DiaryEntry(night: night(d))
            if d >= 20 { e.medications = [Medication(name: "ropinirole", doseMg: 0.25, time: nil)] }
            diary.append(e)
            let level = d >= 23 ? 18.0 : 30.0
            nights.append(NightOutcome(night: night(d), plmIndex: level + 2 * wobble[d % wobble.count]))
        }
        return (nights, diary)
    }

    @Test("a start: before/after with the wash-in left out, the effect and interval from the AR(1) regression")
    func started() throws {
        let (nights, diary) = course()
        let (changes, missing) = TreatmentResponse.analyse(nights: nights, diary: diary)
        #expect(missing.isEmpty)
        let c = try #require(changes.first)
        #expect(changes.count == 1)
        #expect(c.kind == .started)
        #expect(c.night == night(20))
        #expect(c.doseBefore == 0 && c.doseAfter == 0.25)
        // Before: the 14 nights 6..19; after: from night 23 (3 nights of wash-in) for 14 nights, 23..36.
        #expect(c.nightsBefore == 14)
        #expect(c.nightsAfter == 14)
        var x: [[Double]] = []
        var y: [Double] = []
        var days: [Int] = []
        for d in Array(6...19) + Array(23...36) {
            x.append([1, d >= 20 ? 1 : 0])
            y.append(nights[d].plmIndex)
            days.append(night(d).dayNumber)
        }
        let fit = try #require(AR1Regression.fit(y: y, x: x, days: days))
        #expect(c.effect == fit.coefficients[1])
        #expect(c.lower == fit.lower[1])
        #expect(abs((c.effect ?? 0) + 12) < 2)
        #expect(c.sentence(confidence: 0.95).hasPrefix("ropinirole started, 0.25 mg on 2026-01-25: "))
        #expect(c.sentence(confidence: 0.95).contains("fewer PLMs per hour after than before"))
    }

    @Test("a dose change and a stop; a few odd nights are not a change")
    func changedAndStopped() throws {
        var diary: [DiaryEntry] = []
        var nights: [NightOutcome] = []
        for d in 0..<30 {
            var e = DiaryEntry(night: night(d))
            let dose: Double? = d < 10 ? 300 : d < 20 ? 600 : nil
            // One missed tablet on night 5 and an extra one on night 14: single nights, not changes.
            if let dose, d != 5 { e.medications = [Medication(name: "gabapentin", doseMg: d == 14 ? 900 : dose)] }
            diary.append(e)
            nights.append(NightOutcome(night: night(d), plmIndex: 20 + Double(d % 3)))
        }
        let (changes, _) = TreatmentResponse.analyse(nights: nights, diary: diary)
        #expect(changes.map(\.kind) == [.changed, .stopped])
        #expect(changes[0].label == "gabapentin 300 → 600 mg")
        #expect(changes[1].label == "gabapentin stopped (was 600 mg)")
        #expect(changes[1].night == night(20))
    }

    @Test("a medicine without a dose: named, with the nights and what to write")
    func missingDose() throws {
        var (nights, diary) = course()
        diary[25].medications = [Medication(name: "ropinirole", doseMg: nil)]
        nights.removeLast()
        let (changes, missing) = TreatmentResponse.analyse(nights: nights, diary: diary)
        #expect(changes.isEmpty)
        let m = try #require(missing.first)
        #expect(m.medicine == "ropinirole")
        #expect(m.description.hasPrefix("ropinirole has no dose on 1 night (2026-01-30): write it with its dose, e.g. 'ropinirole 0.25 mg 21:00'"))
    }

    @Test("too few nights after the change: how many more")
    func tooFew() throws {
        let (nights, diary) = course()
        let (changes, _) = TreatmentResponse.analyse(nights: Array(nights.prefix(26)), diary: Array(diary.prefix(26)))
        let c = try #require(changes.first)
        #expect(c.nightsAfter == 3)
        #expect(c.effect == nil)
        #expect(c.notTested?.contains("about 2 more nights") == true)
    }
}
