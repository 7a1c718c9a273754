import DiaryCorrelation
import DiaryStudy
import Foundation
import NightPipeline
import NightStatistics
import NightStore
import SelfExperiment
import SleepDiary
import Testing

@testable import PLMCommands

/// `plm trial plan/result` and `plm correlate` end to end on the sample month: event tables scored into a store by
/// `plm score --store`, the diary imported, the trial planned with the month's seed.
@Suite("Self-experiment commands on the sample month", .serialized)
struct TrialCommandTests {
    static func run(_ args: [String]) throws {
        var cmd = try PLM.parseAsRoot(args)
        try cmd.run()
    }

    static func monthStore() throws -> (base: URL, data: String) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("plm-trial-\(UUID().uuidString)")
        let month = base.appendingPathComponent("month")
        try SampleMonth.write(to: month)
        let data = base.appendingPathComponent("data").path
        try run(["settings", "--data-dir", data, "--time-zone", "UTC"])
        for name in try FileManager.default.contentsOfDirectory(atPath: month.path).sorted() where name.hasPrefix("night-") {
            let night = String(name.dropFirst(6).dropLast(4))
            try run([
                "score", month.appendingPathComponent(name).path, "--rules", "wasm2016", "--out",
                base.appendingPathComponent("out/\(night)").path, "--store", "--night", night, "--data-dir", data, "--quiet",
            ])
        }
        try run(["diary", "import", month.appendingPathComponent("diary.csv").path, "--data-dir", data])
        return (base, data)
    }

    @Test("plan, then result: the exact randomisation test over all orders, and the effect from the store's nights")
    func endToEnd() throws {
        let (base, data) = try TrialCommandTests.monthStore()
        defer { try? FileManager.default.removeItem(at: base) }
        try TrialCommandTests.run([
            "trial", "plan", "--remedy", "bath", "--nights", String(SampleMonth.nights), "--block", "2", "--start", "2026-02-02", "--seed",
            String(SampleMonth.trialSeed), "--data-dir", data,
        ])
        let store = try NightStore(url: NightStore.defaultURL(dataDir: data))
        let trials = try store.trials()
        #expect(trials.count == 1)
        let plan = try #require(trials.first?.plan)
        #expect(plan == (try SampleMonth.plan()))
        let result = try TrialResultCommand.result(store, trial: plan)
        let test = try #require(result.test)
        #expect(test.exact)
        #expect(test.patterns == 1 << plan.pairs)
        // The pairs' differences from the store's PLM indices, computed here.
        let index = Dictionary(try store.nights().compactMap { n in n.figures.plmIndex.map { (n.night, $0) } }, uniquingKeysWith: { a, _ in a })
        var differences: [Double] = []
        for pair in 0..<plan.pairs {
            let nights = plan.schedule.filter { $0.pair == pair }
            let with = nights.filter { $0.arm == .remedy }.compactMap { index[$0.night] }
            let without = nights.filter { $0.arm == .without }.compactMap { index[$0.night] }
            guard !with.isEmpty, !without.isEmpty else { continue }
            differences.append(with.reduce(0, +) / Double(with.count) - without.reduce(0, +) / Double(without.count))
        }
        #expect(abs(test.meanDifference - differences.reduce(0, +) / Double(differences.count)) < 1e-9)
        #expect(test.meanDifference < 0)
        #expect(try #require(test.upper) < 0)
        #expect(result.notAsPlanned.isEmpty)
        // The diary analysis names the bath and alcohol, and nothing else.
        let report = try NightCorrelation.analyse(store, settings: .init())
        #expect(Set(report.clearFindings.map(\.factor)) == ["bath", "alcohol_drinks"])
        #expect(report.clearFindings.allSatisfy { $0.lag == 0 })
        // The nights list shows the schedule.
        let table = Nights.table(try store.nights(), diary: [:], rolling: [:], trials: [plan])
        #expect(table.contains("without bath"))
        // A second, overlapping plan is refused, naming the first.
        #expect(throws: (any Error).self) {
            try TrialCommandTests.run([
                "trial", "plan", "--remedy", "massage", "--nights", "4", "--start", "2026-02-10", "--seed", "1", "--data-dir", data,
            ])
        }
    }

    @Test("bad input: a plan with no nights, a diary outside the plan, no trial yet — each error says what to fix")
    func badInput() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("plm-trial-bad-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let data = base.appendingPathComponent("data").path
        func message(_ args: [String]) -> String {
            do {
                try TrialCommandTests.run(args)
                return ""
            } catch { return "\(error)" }
        }
        #expect(message(["trial", "result", "--data-dir", data]).contains("no trial planned yet: plan one with plm trial plan"))
        #expect(message(["trial", "plan", "--remedy", "bath", "--data-dir", data]).contains("the trial has no nights: give --nights"))
        #expect(message(["trial", "plan", "--remedy", "bath", "--nights", "6", "--block", "2", "--data-dir", data])
            .contains("use 4 or 8 nights"))
        #expect(message(["trial", "plan", "--remedy", "bath", "--nights", "4", "--start", "2026-02-30", "--data-dir", data])
            .contains("--start: expected a date YYYY-MM-DD"))
        try TrialCommandTests.run(["trial", "plan", "--remedy", "bath", "--nights", "4", "--start", "2026-02-02", "--seed", "5", "--data-dir", data])
        let diary = base.appendingPathComponent("diary.csv")
        try Data("date,bath_min\n2026-02-02,20\n2026-02-09,20\n".utf8).write(to: diary)
        #expect(message(["trial", "result", "--diary", diary.path, "--data-dir", data])
            .contains("1 night outside the trial (2026-02-02 to 2026-02-05): 2026-02-09"))
        #expect(message(["trial", "result", "--data-dir", data]).contains("no night of the trial (2026-02-02 to 2026-02-05) has a PLM index yet"))
    }
}
