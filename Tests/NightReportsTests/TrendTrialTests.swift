import DiaryCorrelation
import Foundation
import NightStore
import SelfExperiment
import SleepDiary
import Testing

@testable import NightReports

@Suite("Trend report: self-experiments and medicine changes")
struct TrendTrialTests {
    @Test("the trial's remedy nights shaded, its result in words, the medicine change marked and compared")
    func trialAndChange() throws {
        let (store, dir) = try Fixtures.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try Fixtures.date("2026-03-01")
        let plan = try TrialPlan.make(remedy: "bath", first: first, nights: 12, blockNights: 1, washoutNights: 0, seed: 9)
        try store.saveTrial(plan)
        var entries: [DiaryEntry] = []
        for i in 0..<24 {
            let night = first.adding(days: i)
            let bath = plan.arm(of: night)?.arm == .remedy
            _ = try Fixtures.storeNight(store, night, series: bath ? 1 : 3 + i % 2)
            var e = DiaryEntry(night: night)
            if bath { e.remedies[.bath] = RemedyUse(minutes: 20) }
            if i >= 12 { e.medications = [Medication(name: "pramipexole", doseMg: 0.125)] }
            entries.append(e)
        }
        try store.replaceDiary(entries)
        let input = try TrendReport.Input.load(from: store)
        #expect(input.trials.count == 1)
        let result = try #require(input.trials.first?.result)
        #expect(result.nightsWith == 6 && result.nightsWithout == 6)
        #expect(input.treatmentChanges.map(\.label) == ["pramipexole started, 0.125 mg"])
        let html = TrendReport.html(input)
        #expect(html.contains("<section id=\"trials\">"))
        #expect(html.contains(Markup.escape("With bath: ")))
        // One green slot per night with the bath.
        #expect(html.components(separatedBy: "fill=\"#d9f0d3\"").count - 1 == 6)
        #expect(html.contains("<section id=\"treatment\">"))
        #expect(html.contains(">pramipexole started, 0.125 mg</text>"))
        #expect(html.contains("<th>Trial</th>"))
        #expect(html.contains("<td>without bath</td>"))
        #expect(try Fixtures.htmlProblems(html) == "ok")
    }
}
