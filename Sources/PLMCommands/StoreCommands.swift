import ArgumentParser
import DiaryCorrelation
import Foundation
import NightPipeline
import NightStore
import ScoreExport
import SelfExperiment
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
        let report = try NightCorrelation.analyse(store, settings: .init())
        let rolling = Dictionary(report.rolling.map { ($0.night, $0.median) }, uniquingKeysWith: { a, _ in a })
        let trials = try store.trials().map(\.plan)
        print(Nights.table(nights, diary: diary, rolling: rolling, trials: trials), terminator: "")
        // Planned trial nights still to come.
        let last = nights.last?.night
        for t in trials where last.map({ t.last > $0 }) ?? true {
            let ahead = t.schedule.filter { n in last.map { n.night > $0 } ?? true }
            guard let next = ahead.first else { continue }
            print("Trial of \(t.remedy): \(ahead.count) planned nights to come; next \(next.night): "
                + Nights.trialWords(next, remedy: t.remedy) + " (plm trial show)")
        }
    }

    /// "bath", "without bath", "bath, wash-out".
    static func trialWords(_ n: TrialNight, remedy: String) -> String {
        (n.arm == .remedy ? remedy : "without \(remedy)") + (n.washout ? ", wash-out" : "")
    }

    static func table(
        _ nights: [NightRecord], diary: [NightDate: DiaryEntry], rolling: [NightDate: Double?], trials: [TrialPlan] = []
    ) -> String {
        func f(_ v: Double?, _ d: Int) -> String { v.map { NumberFormat.fixed($0, decimals: d) } ?? "-" }
        var header = ["night", "in bed h", "PLMI /h", "basis", "7-night", "PLMs", "quality", "diary"]
        if !trials.isEmpty { header.insert("trial", at: 7) }
        var rows: [[String]] = []
        for n in nights {
            let fig = n.figures
            var row = [
                n.night.description + " " + NightExport.weekday(n.night), f(fig.inBedHours, 1),
                f(fig.plmIndex, 1), fig.plmIndexBasis, f(rolling[n.night] ?? nil, 1), String(fig.plmCount),
                fig.dataQuality.replacingOccurrences(of: "_", with: " "), diary[n.night].map(Nights.highlights) ?? "",
            ]
            if !trials.isEmpty {
                let planned = trials.lazy.compactMap { t in t.arm(of: n.night).map { Nights.trialWords($0, remedy: t.remedy) } }.first
                row.insert(planned ?? "", at: 7)
            }
            rows.append(row)
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
            Each factor's effect is a difference in PLMs per hour with its 95 % interval: on nights with the factor \
            (yes/no), or per unit more of it (amounts), from a regression of the PLM index on the factor, the \
            factors that go with it, a linear trend and the weekly rhythm, with errors correlated between neighbouring \
            nights (AR(1)) and robust (HC3) standard errors. \
            p-values are adjusted by Benjamini-Hochberg across all factors and lags; only clear findings are listed \
            unless --all is given. Medicine changes in the diary get a before/after comparison. Factors with too \
            few nights say how many more are needed. docs/statistics.md explains each statistic and the study that \
            checks them.
            """)

    @Option(help: "Yes/no factors: nights needed with and without.")
    var minNights = 5

    @Option(help: "Amounts: nights needed.")
    var minDoseNights = 10

    @Option(help: "adjusted (default) or rank-tests (each factor alone, nights taken as independent).")
    var method = "adjusted"

    @Flag(help: "List every factor tested, not only the clear findings.")
    var all = false

    @Option(help: "Also write the table as CSV.")
    var csv: String?

    @OptionGroup var location: StoreLocation

    public init() {}

    public func run() throws {
        let store = try location.openForReading()
        let chosen: CorrelationSettings.Method
        switch method {
        case "adjusted": chosen = .adjustedModel
        case "rank-tests": chosen = .rankTests
        default: throw ValidationError("--method: expected adjusted or rank-tests, found '\(method)'")
        }
        let settings = CorrelationSettings(
            minimumNightsPerGroup: minNights, minimumNightsForDose: minDoseNights, method: chosen)
        let report = try NightCorrelation.analyse(store, settings: settings)
        print(CorrelationCommand.text(report, all: all), terminator: "")
        let treatment = try CorrelationCommand.treatments(store)
        if !treatment.changes.isEmpty || !treatment.missingDose.isEmpty {
            print("\nMedicine changes:")
            for c in treatment.changes { print("- " + c.sentence(confidence: 0.95)) }
            for m in treatment.missingDose { print("- \(m)") }
        }
        if let csv {
            let url = URL(fileURLWithPath: csv)
            try AtomicFiles.write(
                [(url.lastPathComponent, CorrelationCommand.csv(report))], into: url.deletingLastPathComponent())
        }
    }

    /// The medicine changes of the store's diary with their before/after comparison.
    static func treatments(_ store: NightStore) throws -> (changes: [TreatmentChange], missingDose: [TreatmentResponse.MissingDose]) {
        let nights = try store.nights().compactMap { n in
            n.figures.plmIndex.map { NightOutcome(night: n.night, plmIndex: $0) }
        }
        return TreatmentResponse.analyse(nights: nights, diary: try store.diary())
    }

    static func text(_ r: CorrelationReport, all: Bool = true) -> String {
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
        } else if all {
            for t in tested { out += "- " + t.sentence(confidence: s.confidence, falseDiscoveryRate: s.falseDiscoveryRate) + "\n" }
        } else {
            let clear = r.clearFindings
            let rate = NumberFormat.fixed(s.falseDiscoveryRate * 100, decimals: 0)
            if clear.isEmpty {
                out += "No clear finding yet (false discovery rate \(rate) %).\n"
            } else {
                out += "Clear findings (false discovery rate \(rate) %):\n"
                for t in clear { out += "- " + t.sentence(confidence: s.confidence, falseDiscoveryRate: s.falseDiscoveryRate) + "\n" }
            }
            let others = tested.count - clear.count
            if others > 0 {
                out += "\(others) other test\(others == 1 ? "" : "s") of a factor showed no clear difference "
                    + "(plm correlate --all lists them).\n"
            }
        }
        // A yes/no factor never used is not waiting for nights: it is left out.
        let waiting = r.results.filter {
            $0.notTested != nil && $0.lag == 0 && $0.nights > 0 && ($0.kind == .dose || ($0.nightsWith ?? 0) > 0)
        }
        if !waiting.isEmpty {
            out += "\nNot enough nights yet:\n"
            for w in waiting { out += "- \(w.factor): \(w.notTested ?? "")\n" }
        }
        return out
    }

    static let csvColumns = [
        "factor", "kind", "lag_nights", "nights", "nights_with", "nights_without", "median_with", "median_without",
        "effect", "effect_measure", "ci_lower", "ci_upper", "cliffs_delta", "p_value", "q_value", "status", "sentence",
        "method", "adjusted_for", "autocorrelation", "more_nights_needed",
    ]

    static func csv(_ r: CorrelationReport) -> String {
        var out = csvColumns.joined(separator: ",") + "\n"
        func f(_ v: Double?, _ d: Int = 4) -> String { v.map { NumberFormat.fixed($0, decimals: d) } ?? "" }
        for t in r.results {
            let sentence = t.sentence(confidence: r.settings.confidence, falseDiscoveryRate: r.settings.falseDiscoveryRate)
            let with: String = t.nightsWith.map(String.init) ?? ""
            let without: String = t.nightsWithout.map(String.init) ?? ""
            let more: String = t.moreNightsNeeded.map(String.init) ?? ""
            var fields: [String] = [
                t.factor, t.kind.rawValue, String(t.lag), String(t.nights), with,
                without, f(t.medianWith, 3), f(t.medianWithout, 3), f(t.effect),
                NightCorrelation.effectMeasure(t), f(t.lower), f(t.upper),
            ]
            fields += [
                f(t.cliffsDelta), f(t.pValue, 6), f(t.qValue, 6), t.notTested == nil ? "tested" : "not_enough_nights",
                sentence, t.method.rawValue, t.adjustedFor.joined(separator: "; "), f(t.autocorrelation, 3), more,
            ]
            out += fields.map(CSVField.escape).joined(separator: ",") + "\n"
        }
        return out
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
