import ArgumentParser
import Foundation
import NightStore
import ScoreExport
import SleepDiary

/// `plm diary add|template|import|show`
public struct DiaryCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "diary",
        abstract: "The sleep diary: add a night's entry, write a template, import a CSV, show entries (docs/diary.md).",
        subcommands: [DiaryAdd.self, DiaryTemplate.self, DiaryImport.self, DiaryShow.self])

    public init() {}
}

/// `plm diary add [--night DATE] [--FIELD VALUE ...]`: flags for every field; asks for each on a terminal when
/// none is given. Fields given replace the stored ones of that night; the others stay.
public struct DiaryAdd: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add to or change one night's diary entry (asks for every field on a terminal when no field is given).")

    @Option(help: "The night, YYYY-MM-DD: the date of its evening (default: last night).")
    var night: String?

    @Option(name: .customLong("medication"), help: "A medicine taken, e.g. 'ropinirole 0.25 mg 21:00' (repeatable).")
    var medications: [String] = []

    @Option(name: .customLong("sensation"), help: "A sensation felt: \(Sensation.allCases.map(\.rawValue).joined(separator: ", ")) (repeatable).")
    var sensations: [String] = []

    @Option(help: DiaryAdd.help("bed_time")) var bedTime: String?
    @Option(help: DiaryAdd.help("lights_out_time")) var lightsOutTime: String?
    @Option(help: DiaryAdd.help("sleep_latency_min")) var sleepLatencyMin: String?
    @Option(help: DiaryAdd.help("awakenings")) var awakenings: String?
    @Option(help: DiaryAdd.help("awake_min")) var awakeMin: String?
    @Option(help: DiaryAdd.help("final_wake_time")) var finalWakeTime: String?
    @Option(help: DiaryAdd.help("out_of_bed_time")) var outOfBedTime: String?
    @Option(help: DiaryAdd.help("sleep_quality")) var sleepQuality: String?
    @Option(help: DiaryAdd.help("caffeine_cups")) var caffeineCups: String?
    @Option(help: DiaryAdd.help("caffeine_last_time")) var caffeineLastTime: String?
    @Option(help: DiaryAdd.help("alcohol_drinks")) var alcoholDrinks: String?
    @Option(help: DiaryAdd.help("nicotine")) var nicotine: String?
    @Option(help: DiaryAdd.help("exercise_min")) var exerciseMin: String?
    @Option(help: DiaryAdd.help("exercise_type")) var exerciseType: String?
    @Option(help: DiaryAdd.help("exercise_intensity")) var exerciseIntensity: String?
    @Option(help: DiaryAdd.help("exercise_time")) var exerciseTime: String?
    @Option(help: DiaryAdd.help("iron_mg")) var ironMg: String?
    @Option(help: DiaryAdd.help("iron_time")) var ironTime: String?
    @Option(help: DiaryAdd.help("ferritin_ng_ml")) var ferritinNgMl: String?
    @Option(help: DiaryAdd.help("tsat_percent")) var tsatPercent: String?
    @Option(help: DiaryAdd.help("iron_lab_date")) var ironLabDate: String?
    @Option(help: DiaryAdd.help("bath_min")) var bathMin: String?
    @Option(help: DiaryAdd.help("bath_time")) var bathTime: String?
    @Option(help: DiaryAdd.help("massage_min")) var massageMin: String?
    @Option(help: DiaryAdd.help("massage_time")) var massageTime: String?
    @Option(help: DiaryAdd.help("compression_min")) var compressionMin: String?
    @Option(help: DiaryAdd.help("compression_time")) var compressionTime: String?
    @Option(help: DiaryAdd.help("stretching_min")) var stretchingMin: String?
    @Option(help: DiaryAdd.help("stretching_time")) var stretchingTime: String?
    @Option(help: DiaryAdd.help("symptom_severity")) var symptomSeverity: String?
    @Option(help: DiaryAdd.help("symptom_onset_time")) var symptomOnsetTime: String?
    @Option(help: DiaryAdd.help("ms_spasms")) var msSpasms: String?
    @Option(help: DiaryAdd.help("ms_dysesthesia")) var msDysesthesia: String?
    @Option(help: DiaryAdd.help("fatigue")) var fatigue: String?
    @Option(help: DiaryAdd.help("irls_total")) var irlsTotal: String?
    @Option(help: DiaryAdd.help("notes")) var notes: String?

    @OptionGroup var location: StoreLocation

    public init() {}

    static func help(_ column: String) -> ArgumentHelp {
        guard let c = DiaryColumn.named(column) else { return ArgumentHelp(column) }
        let unit = c.unit.isEmpty ? "" : " (\(c.unit))"
        return ArgumentHelp("\(c.description)\(unit); \(c.allowed).")
    }

    var fields: [(String, String?)] {
        [
            ("bed_time", bedTime),
            ("lights_out_time", lightsOutTime),
            ("sleep_latency_min", sleepLatencyMin),
            ("awakenings", awakenings),
            ("awake_min", awakeMin),
            ("final_wake_time", finalWakeTime),
            ("out_of_bed_time", outOfBedTime),
            ("sleep_quality", sleepQuality),
            ("caffeine_cups", caffeineCups),
            ("caffeine_last_time", caffeineLastTime),
            ("alcohol_drinks", alcoholDrinks),
            ("nicotine", nicotine),
            ("exercise_min", exerciseMin),
            ("exercise_type", exerciseType),
            ("exercise_intensity", exerciseIntensity),
            ("exercise_time", exerciseTime),
            ("iron_mg", ironMg),
            ("iron_time", ironTime),
            ("ferritin_ng_ml", ferritinNgMl),
            ("tsat_percent", tsatPercent),
            ("iron_lab_date", ironLabDate),
            ("bath_min", bathMin),
            ("bath_time", bathTime),
            ("massage_min", massageMin),
            ("massage_time", massageTime),
            ("compression_min", compressionMin),
            ("compression_time", compressionTime),
            ("stretching_min", stretchingMin),
            ("stretching_time", stretchingTime),
            ("symptom_severity", symptomSeverity),
            ("symptom_onset_time", symptomOnsetTime),
            ("ms_spasms", msSpasms),
            ("ms_dysesthesia", msDysesthesia),
            ("fatigue", fatigue),
            ("irls_total", irlsTotal),
            ("notes", notes),
            ("medications", medications.isEmpty ? nil : medications.joined(separator: "; ")),
            ("sensations", sensations.isEmpty ? nil : sensations.joined(separator: "; ")),
        ]
    }

    public func run() throws {
        let store = try location.open()
        let settings = try store.settings()
        let date: NightDate
        if let night {
            date = try NightStoring.date(night, option: "--night")
        } else {
            let now = Int64(Date().timeIntervalSince1970 * 1e6)
            date = NightDate(
                unixMicroseconds: now, utcOffsetSeconds: settings.utcOffset(at: now),
                cutoffHour: settings.nightCutoffHour)
        }
        var entry = DiaryEntry(night: date)
        let given = fields.compactMap { name, value in value.map { (name, $0) } }
        if given.isEmpty {
            guard isatty(0) != 0 else {
                throw ValidationError("no field given: name at least one (plm diary add --help), or run it on a terminal to be asked")
            }
            entry = try DiaryAdd.ask(entry, stored: try store.diaryEntry(date))
        } else {
            for (name, value) in given {
                do { try entry.set(name, to: value) } catch {
                    throw ValidationError("--\(name.replacingOccurrences(of: "_", with: "-")): \(error)")
                }
            }
        }
        let merged = try store.mergeDiary(entry)
        print("diary of the night of \(date):")
        print(DiaryShow.describe(merged), terminator: "")
    }

    /// Asks for each field on the terminal; Enter keeps what is stored (or leaves it blank).
    static func ask(_ start: DiaryEntry, stored: DiaryEntry?) throws -> DiaryEntry {
        var entry = start
        print("Diary for the night of \(start.night). Enter skips a field (keeping the value in brackets); Ctrl-D stores what is entered so far.")
        for c in DiaryColumn.all where c.name != "date" {
            let current = stored?.text(of: c.name) ?? ""
            while true {
                let unit = c.unit.isEmpty ? "" : ", \(c.unit)"
                let words = c.description.hasSuffix(".") ? String(c.description.dropLast()) : c.description
                print("\(words) (\(c.allowed)\(unit))\(current.isEmpty ? "" : " [\(current)]"): ", terminator: "")
                guard let line = readLine() else { return entry }
                let text = line.trimmingCharacters(in: .whitespaces)
                if text.isEmpty { break }
                do {
                    try entry.set(c.name, to: text)
                    break
                } catch {
                    print("  \(error)")
                }
            }
        }
        return entry
    }
}

/// `plm diary template FILE.csv`: the header row, and FILE-columns.csv, the column dictionary.
public struct DiaryTemplate: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "template",
        abstract: "Write a diary CSV template (header row) and its column dictionary (NAME-columns.csv).")

    @Argument(help: "The template to write, e.g. diary.csv.")
    var file: String

    public init() {}

    public func run() throws {
        let url = URL(fileURLWithPath: file)
        let stem = url.deletingPathExtension().lastPathComponent
        let folder = url.deletingLastPathComponent()
        let dictionary = stem + "-columns.csv"
        try AtomicFiles.write(
            [(url.lastPathComponent, DiaryCSV.template()), (dictionary, DiaryCSV.dictionary())], into: folder)
        print("wrote \(url.path) and \(folder.appendingPathComponent(dictionary).path)")
    }
}

/// `plm diary import FILE.csv`: all rows or none.
public struct DiaryImport: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a diary CSV: each row replaces the stored entry of its night; any bad row imports nothing.")

    @Argument(help: "The diary CSV (see plm diary template).")
    var file: String

    @OptionGroup var location: StoreLocation

    public init() {}

    public func run() throws {
        let entries: [DiaryEntry]
        do {
            entries = try DiaryCSV.read(URL(fileURLWithPath: file))
        } catch {
            throw ValidationError(error.description)
        }
        let store = try location.open()
        try store.replaceDiary(entries)
        let nights = entries.map(\.night).sorted()
        if let first = nights.first, let last = nights.last {
            print("imported \(entries.count) diary entries, nights \(first) to \(last)")
        } else {
            print("the diary file has no entries")
        }
    }
}

/// `plm diary show [--night DATE] [--csv]`
public struct DiaryShow: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show diary entries (all, or one night), as text or as CSV.")

    @Option(help: "Only this night, YYYY-MM-DD.")
    var night: String?

    @Flag(help: "Print CSV (the import format) instead of text.")
    var csv = false

    @OptionGroup var location: StoreLocation

    public init() {}

    public func run() throws {
        let store = try location.openForReading()
        var entries = try store.diary()
        if let night {
            let d = try NightStoring.date(night, option: "--night")
            entries = entries.filter { $0.night == d }
        }
        if csv {
            print(DiaryCSV.write(entries), terminator: "")
            return
        }
        if entries.isEmpty { print("no diary entries") }
        for e in entries {
            print("night of \(e.night)")
            print(DiaryShow.describe(e), terminator: "")
        }
    }

    /// The fields of an entry that are filled in, one per line.
    static func describe(_ e: DiaryEntry) -> String {
        var out = ""
        for c in DiaryColumn.all where c.name != "date" {
            let t = e.text(of: c.name)
            if t.isEmpty { continue }
            out += "  \(c.name): \(t)\(c.unit.isEmpty ? "" : " " + c.unit)\n"
        }
        return out.isEmpty ? "  (nothing recorded)\n" : out
    }
}
