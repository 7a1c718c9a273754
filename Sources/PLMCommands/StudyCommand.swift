import ArgumentParser
import DiaryStudy
import Foundation

/// `plm study`: the study (`run`, the default) and the sample month (`sample-month`).
public struct StudyCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "The diary analysis on simulated people with known effects, and the README's sample month.",
        subcommands: [StudyRun.self, StudySampleMonth.self], defaultSubcommand: StudyRun.self)

    public init() {}
}

/// `plm study sample-month --out DIR`: SampleRecordings/month/ (event tables and diary of the sample month).
public struct StudySampleMonth: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sample-month",
        abstract: "Write the sample month: one event table per night and the diary (SampleRecordings/month).")

    @Option(help: "The folder to write.") var out: String
    @Option(help: "Seed of the person's nights and diary.") var seed: UInt64 = SampleMonth.seed
    public init() {}

    public func run() throws {
        try SampleMonth.write(to: URL(fileURLWithPath: out), seed: seed)
        print("wrote \(out)")
    }
}

/// `plm study run`: the diary analysis on simulated people with planted effects (docs/statistics.md, "The study").
/// `scripts/stats/study.sh` runs it and puts its tables into docs/statistics.md.
public struct StudyRun: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the diary analysis on simulated people with known effects: false alarms, companions, power.",
        discussion: "Prints Markdown tables (docs/statistics.md). Deterministic for a given seed and number of people.")

    @Option(help: "Seed of the study.") var seed: UInt64 = 18
    @Option(help: "Simulated people per cell.") var people = 1000
    @Option(help: "Nights for the false-alarm and companion tables, comma-separated.") var nights = "28,56,84"
    @Option(help: "Nights for the power table, comma-separated.") var powerNights = "14,28,56,84,112,168,224,280"
    @Option(help: "Nights for the self-experiment power table, comma-separated.") var trialNights = "14,28,56,84,112"

    public init() {}

    public func validate() throws {
        guard people > 0 else { throw ValidationError("--people must be at least 1, found \(people)") }
        for (name, list) in [("--nights", nights), ("--power-nights", powerNights), ("--trial-nights", trialNights)] {
            guard let values = Self.list(list), !values.isEmpty else {
                throw ValidationError("\(name) must be whole numbers of nights of at least 7, comma-separated, found '\(list)'")
            }
            _ = values
        }
    }

    static func list(_ text: String) -> [Int]? {
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.allSatisfy({ ($0 ?? 0) >= 7 }) else { return nil }
        return parts.compactMap { $0 }
    }

    public func run() throws {
        let study = DiaryStudy(seed: seed, people: people)
        print(
            study.markdown(
                nightCounts: Self.list(nights) ?? [], powerNights: Self.list(powerNights) ?? [],
                trialNights: Self.list(trialNights) ?? []),
            terminator: "")
    }
}
