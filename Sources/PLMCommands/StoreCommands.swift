import ArgumentParser
import DiaryCorrelation
import Foundation
import NightStore
import ScoreExport
import SleepDiary

/// `plm nights`: the stored nights with their PLM index and diary highlights.
public struct Nights: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "List the stored nights: PLM index (and its 7-night rolling median), data quality, diary highlights.")

    @OptionGroup var location: StoreLocation

    public init() {}

    public func run() throws {
        let store = try location.openForReading()
        let nights = try store.nights()
        let diary = Dictionary(try store.diary().map { ($0.night, $0) }, uniquingKeysWith: { a, _ in a })
        if nights.isEmpty {
            print("no nights stored yet in \(store.url.path) (plm-replay --store, plm score --store)")
            return
        }
        let report = try CorrelationCommand.analyse(store, settings: .init())
        let rolling = Dictionary(report.rolling.map { ($0.night, $0.median) }, uniquingKeysWith: { a, _ in a })
        print(Nights.table(nights, diary: diary, rolling: rolling), terminator: "")
    }

    static func table(_ nights: [NightRecord], diary: [NightDate: DiaryEntry], rolling: [NightDate: Double?]) -> String {
        func f(_ v: Double?, _ d: Int) -> String { v.map { NumberFormat.fixed($0, decimals: d) } ?? "-" }
        let header = ["night", "in bed h", "PLMI /h", "basis", "7-night", "PLMs", "quality", "diary"]
        var rows: [[String]] = []
        for n in nights {
            let fig = n.figures
            rows.append([
                n.night.description + " " + NightExport.weekday(n.night), f(fig.inBedHours, 1),
                f(fig.plmIndex, 1), fig.plmIndexBasis, f(rolling[n.night] ?? nil, 1), String(fig.plmCount),
                fig.dataQuality.replacingOccurrences(of: "_", with: " "), diary[n.night].map(Nights.highlights) ?? "",
            ])
        }
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ r: [String]) -> String {
            r.enumerated().map { i, c in
                i == r.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// A few words on what the diary says of a night (`DiaryEntry.highlights`).
    static func highlights(_ e: DiaryEntry) -> String { e.highlights }
}

/// `plm correlate`: each diary factor against the nightly PLM index.
public struct CorrelationCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "correlate",
        abstract: "Relate each diary factor to the nightly PLM index (same night and the night before).",
        discussion: """
            Yes/no factors (a bath, a medicine): Mann-Whitney U with the Hodges-Lehmann shift of the PLM index and \
            its confidence interval. Amounts (cups of caffeine, minutes of exercise): Spearman's rho with its \
            interval. p-values are adjusted by Benjamini-Hochberg across all factors and lags. Factors with too \
            few nights say "not enough nights yet". docs/statistics.md explains each statistic.
            """)

    @Option(help: "Yes/no factors: nights needed with and without.")
    var minNights = 5

    @Option(help: "Amounts: nights needed.")
    var minDoseNights = 10

    @Option(help: "Also write the table as CSV.")
    var csv: String?

    @OptionGroup var location: StoreLocation

    public init() {}

    public func run() throws {
        let store = try location.openForReading()
        let settings = CorrelationSettings(minimumNightsPerGroup: minNights, minimumNightsForDose: minDoseNights)
        let report = try CorrelationCommand.analyse(store, settings: settings)
        print(CorrelationCommand.text(report), terminator: "")
        if let csv {
            let url = URL(fileURLWithPath: csv)
            try AtomicFiles.write(
                [(url.lastPathComponent, CorrelationCommand.csv(report))], into: url.deletingLastPathComponent())
        }
    }

    /// The store's nights with a usable PLM index (`NightFigures.usablePLMIndex`: not those without a basis or
    /// whose sensors were not worn), against its diary.
    static func analyse(_ store: NightStore, settings: CorrelationSettings) throws -> CorrelationReport {
        let nights = try store.nights().compactMap { n in
            n.figures.usablePLMIndex.map { NightOutcome(night: n.night, plmIndex: $0) }
        }
        return DiaryCorrelation.analyse(nights: nights, diary: try store.diary(), settings: settings)
    }

    static func text(_ r: CorrelationReport) -> String {
        let s = r.settings
        var out = "\(r.nightCount) nights with a PLM index, \(r.diaryNightCount) of them with a diary entry.\n"
        if let last = r.rolling.last {
            out += "Last night \(last.night): PLM index \(NumberFormat.fixed(last.plmIndex, decimals: 1))/h"
            out += last.median.map { ", \(s.rollingWindowNights)-night median \(NumberFormat.fixed($0, decimals: 1))/h" } ?? ""
            out += ".\n"
        }
        let tested = r.results.filter { $0.notTested == nil }.sorted {
            ($0.qValue ?? 1, $0.factor, $0.lag) < ($1.qValue ?? 1, $1.factor, $1.lag)
        }
        out += "\n"
        if tested.isEmpty {
            out += "No factor has enough nights yet.\n"
        } else {
            for t in tested { out += "- " + t.sentence(confidence: s.confidence, falseDiscoveryRate: s.falseDiscoveryRate) + "\n" }
        }
        let waiting = r.results.filter { $0.notTested != nil && $0.lag == 0 && $0.nights > 0 }
        if !waiting.isEmpty {
            out += "\nNot enough nights yet:\n"
            for w in waiting { out += "- \(w.factor): \(w.notTested ?? "")\n" }
        }
        return out
    }

    static let csvColumns = [
        "factor", "kind", "lag_nights", "nights", "nights_with", "nights_without", "median_with", "median_without",
        "effect", "effect_measure", "ci_lower", "ci_upper", "cliffs_delta", "p_value", "q_value", "status", "sentence",
    ]

    static func csv(_ r: CorrelationReport) -> String {
        var out = csvColumns.joined(separator: ",") + "\n"
        func f(_ v: Double?, _ d: Int = 4) -> String { v.map { NumberFormat.fixed($0, decimals: d) } ?? "" }
        for t in r.results {
            let fields = [
                t.factor, t.kind.rawValue, String(t.lag), String(t.nights), t.nightsWith.map(String.init) ?? "",
                t.nightsWithout.map(String.init) ?? "", f(t.medianWith, 3), f(t.medianWithout, 3), f(t.effect),
                t.kind == .binary ? "hodges_lehmann_shift_per_h" : "spearman_rho", f(t.lower), f(t.upper),
                f(t.cliffsDelta), f(t.pValue, 6), f(t.qValue, 6), t.notTested == nil ? "tested" : "not_enough_nights",
                t.sentence(confidence: r.settings.confidence, falseDiscoveryRate: r.settings.falseDiscoveryRate),
            ]
            out += fields.map(CSVField.escape).joined(separator: ",") + "\n"
        }
        return out
    }

    /// summary.json's `correlation` section: the store's factors and the night's rolling median.
    static func json(_ r: CorrelationReport, night: NightDate?) -> JSONValue {
        func f(_ v: Double?, _ d: Int = 4) -> JSONValue { v.map { .fixed($0, decimals: d) } ?? .null }
        let this = r.rolling.first { $0.night == night }
        let factors: [JSONValue] = r.results.filter { $0.nights > 0 }.map { t in
            .object([
                "factor": .string(t.factor), "kind": .string(t.kind.rawValue), "lag_nights": .integer(t.lag),
                "nights": .integer(t.nights), "nights_with": t.nightsWith.map { .integer($0) } ?? .null,
                "nights_without": t.nightsWithout.map { .integer($0) } ?? .null, "effect": f(t.effect),
                "ci_lower": f(t.lower), "ci_upper": f(t.upper), "p_value": f(t.pValue, 6), "q_value": f(t.qValue, 6),
                "sentence": .string(
                    t.sentence(confidence: r.settings.confidence, falseDiscoveryRate: r.settings.falseDiscoveryRate)),
            ])
        }
        return .object([
            "nights": .integer(r.nightCount),
            "diary_nights": .integer(r.diaryNightCount),
            "rolling_median_plm_index": f(this?.median ?? nil, 3),
            "rolling_window_nights": .integer(r.settings.rollingWindowNights),
            "factors": .array(factors),
        ])
    }
}

/// `plm export --csv FILE` / `--events FILE`
public struct Export: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Export the store as CSV: one row per night (figures and diary), or one row per leg movement.",
        discussion: "The columns are described in docs/export.md.")

    @Option(help: "One row per night: figures, data quality, rule profile, diary.")
    var csv: String?

    @Option(help: "One row per leg movement.")
    var events: String?

    @OptionGroup var location: StoreLocation

    public init() {}

    public func validate() throws {
        if csv == nil && events == nil { throw ValidationError("give --csv FILE, --events FILE, or both") }
    }

    public func run() throws {
        let store = try location.openForReading()
        let settings = try store.settings()
        let nights = try store.nights()
        if let csv {
            let url = URL(fileURLWithPath: csv)
            let text = NightExport.nightsCSV(nights: nights, diary: try store.diary(), settings: settings)
            try AtomicFiles.write([(url.lastPathComponent, text)], into: url.deletingLastPathComponent())
            print("wrote \(url.path): \(max(text.split(separator: "\n").count - 1, 0)) nights")
        }
        if let events {
            let url = URL(fileURLWithPath: events)
            let rows = try store.events()
            let text = NightExport.eventsCSV(events: rows, nights: nights, settings: settings)
            try AtomicFiles.write([(url.lastPathComponent, text)], into: url.deletingLastPathComponent())
            print("wrote \(url.path): \(rows.count) leg movements")
        }
    }
}

/// `plm settings [--night-cutoff-hour H] [--time-zone TZ]`
public struct Settings: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Show or change the store's settings: when a night ends, and the time zone of the nights.")

    @Option(help: "A recording starting before this local hour (0-23) belongs to the previous evening's night.")
    var nightCutoffHour: Int?

    @Option(help: "IANA time zone of the nights, e.g. Europe/Berlin.")
    var timeZone: String?

    @OptionGroup var location: StoreLocation

    public init() {}

    public func run() throws {
        let changing = nightCutoffHour != nil || timeZone != nil
        let store = try changing ? location.open() : location.openForReading()
        var s = try store.settings()
        if let h = nightCutoffHour {
            guard (0...23).contains(h) else { throw ValidationError("--night-cutoff-hour: expected 0-23, found \(h)") }
            s.nightCutoffHour = h
        }
        if let z = timeZone {
            guard TimeZone(identifier: z) != nil else {
                throw ValidationError("--time-zone: '\(z)' is not a known IANA time zone (e.g. Europe/Berlin)")
            }
            s.timeZone = z
        }
        if nightCutoffHour != nil || timeZone != nil { try store.update(settings: s) }
        print("store: \(store.url.path)\nnight_cutoff_hour: \(s.nightCutoffHour)\ntime_zone: \(s.timeZone)")
    }
}
