import ArgumentParser
import Foundation
import NightReports
import NightStore
import ScoreExport
import SleepDiary

/// `plm report NIGHT --html FILE` and `plm report --trend --html FILE [--from DATE] [--to DATE]`.
public struct Report: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Write a night's report, or the trend over the nights, as one self-contained HTML file.",
        discussion: """
            The nightly report shows the night's key figures, its timeline (in bed, each leg's movements, PLM \
            series, gaps in the data), the IMI histograms, PLMs per clock hour and the night's diary. The trend \
            report shows the PLM index per night with its rolling median and the 15/h line, the diary's factors \
            on the same dates, their correlation in words, and the nights. The file has no external resources \
            and prints on A4 or Letter. docs/reports.md explains how to read them.
            """)

    @Argument(help: "The night, YYYY-MM-DD (the date of its evening); not with --trend.")
    var night: String?

    @Flag(help: "The trend over the stored nights instead of one night.")
    var trend = false

    @Option(help: "The HTML file to write.")
    var html: String

    @Option(help: "Trend: first night, YYYY-MM-DD.")
    var from: String?

    @Option(help: "Trend: last night, YYYY-MM-DD.")
    var to: String?

    @OptionGroup var location: StoreLocation

    public init() {}

    static func date(_ text: String?, _ what: String) throws -> NightDate? {
        guard let text else { return nil }
        guard let d = NightDate(text) else { throw ValidationError("\(what): expected a date YYYY-MM-DD, found '\(text)'") }
        return d
    }

    public func validate() throws {
        if trend {
            if night != nil { throw ValidationError("give either a NIGHT or --trend, not both") }
        } else {
            if night == nil { throw ValidationError("give the NIGHT (YYYY-MM-DD) to report, or --trend") }
            if from != nil || to != nil { throw ValidationError("--from and --to go with --trend") }
        }
        _ = try Report.date(night, "NIGHT")
        if let f = try Report.date(from, "--from"), let t = try Report.date(to, "--to"), f > t {
            throw ValidationError("--from \(f) is after --to \(t)")
        }
    }

    public func run() throws {
        let store = try location.openForReading()
        let url = URL(fileURLWithPath: html)
        let text: String
        let what: String
        if trend {
            let input = try TrendReport.Input.load(
                from: store, from: try Report.date(from, "--from"), to: try Report.date(to, "--to"))
            text = TrendReport.html(input)
            what = "trend over \(input.nights.count) night\(input.nights.count == 1 ? "" : "s")"
        } else {
            guard let night = try Report.date(night, "NIGHT") else { throw ValidationError("give the NIGHT to report") }
            guard let input = try NightlyReport.Input.load(from: store, night: night) else {
                throw ReportError(Report.unknownNight(night, stored: try store.nights().map(\.night), store: store))
            }
            text = NightlyReport.html(input)
            what = "night \(night)"
        }
        try AtomicFiles.write([(url.lastPathComponent, text)], into: url.deletingLastPathComponent())
        print("wrote \(url.path): \(what)")
    }

    /// "no night 2026-01-09 in the store …; the nearest stored nights: …" (up to 3, nearest first).
    static func unknownNight(_ night: NightDate, stored: [NightDate], store: NightStore) -> String {
        var message = "no night \(night) in the store \(store.url.path)"
        if stored.isEmpty { return message + " (it has no nights yet: plm-replay --store, plm score --store)" }
        let nearest = stored.sorted {
            (abs($0.dayNumber - night.dayNumber), $0.dayNumber) < (abs($1.dayNumber - night.dayNumber), $1.dayNumber)
        }.prefix(3)
        message += "; the nearest stored night\(nearest.count == 1 ? "" : "s"): "
            + nearest.map(\.description).joined(separator: ", ")
        return message + " (plm nights lists them all)"
    }
}

/// A report that cannot be made (no such night): said without the usage text.
public struct ReportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
