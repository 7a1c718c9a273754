import ArgumentParser
import DiaryStudy
import Foundation

/// `plm study`: the diary analysis on simulated people with planted effects (docs/statistics.md, "The study").
/// `scripts/stats/study.sh` runs it and puts its tables into docs/statistics.md.
public struct StudyCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Run the diary analysis on simulated people with known effects: false alarms, companions, power.",
        discussion: "Prints Markdown tables (docs/statistics.md). Deterministic for a given seed and number of people.")

    @Option(help: "Seed of the study.") var seed: UInt64 = 18
    @Option(help: "Simulated people per cell.") var people = 1000
    @Option(help: "Nights for the false-alarm and companion tables, comma-separated.") var nights = "28,56,84"
    @Option(help: "Nights for the power table, comma-separated.") var powerNights = "14,28,42,56,84,112,168"

    public init() {}

    public func validate() throws {
        guard people > 0 else { throw ValidationError("--people must be at least 1, found \(people)") }
        for (name, list) in [("--nights", nights), ("--power-nights", powerNights)] {
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
            study.markdown(nightCounts: Self.list(nights) ?? [], powerNights: Self.list(powerNights) ?? []),
            terminator: "")
    }
}
