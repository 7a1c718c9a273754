import ArgumentParser
import DiaryCorrelation
import EDFFormat
import Foundation
import LegMovementDetection
import LegMovementScoring
import NightAnalysis
import NightStore
import ScoreExport
import SleepDiary

/// `--data-dir`: where the store lives (default `$PLM_DATA_DIR`, else `$XDG_DATA_HOME/plm`, else
/// `~/.local/share/plm`).
public struct StoreLocation: ParsableArguments {
    @Option(help: "Data folder holding the store plm.sqlite (default $PLM_DATA_DIR or ~/.local/share/plm).")
    public var dataDir: String?

    public init() {}

    public var url: URL { NightStore.defaultURL(dataDir: dataDir) }

    /// Opens the store to write to it (created if needed, brought up to date).
    public func open() throws -> NightStore {
        do { return try NightStore(url: url) } catch let e as StoreError { throw ValidationError(e.description) }
    }

    /// Opens the store only to read it: a store the user cannot write (or on a read-only file system) is read
    /// read-only.
    public func openForReading() throws -> NightStore {
        do { return try NightStore(url: url, access: .read) } catch let e as StoreError {
            throw ValidationError(e.description)
        }
    }
}

/// `--store`, `--night`: what `plm-replay` and `plm score` need to put a night into the store.
public struct StoreNightOptions: ParsableArguments {
    @Flag(help: "Also store the night in the store (replacing a stored night of the same date).")
    public var store = false

    @Option(help: "The night's date, YYYY-MM-DD (the date of its evening); default from the recording's start.")
    public var night: String?

    @OptionGroup public var location: StoreLocation

    public init() {}

    public func validate() throws {
        if let night { _ = try NightStoring.date(night, option: "--night") }
        if night != nil && !store { throw ValidationError("--night is only used with --store") }
    }
}

/// Where a recording's night starts: a UTC moment, or (EDF) the clock time written in the file.
enum RecordingStart {
    case utc(Int64)
    /// EDF's start date and time, the local clock at the recording site, as µs of that clock.
    case localClock(Int64)
    case unknown

    /// EDF's `dd.mm.yy` and `hh.mm.ss` (years 85–99 are 1985–1999, as the EDF specification says).
    static func edf(_ header: EDFHeader) -> RecordingStart {
        let d = header.startDate.split(separator: ".").compactMap { Int($0) }
        let t = header.startTime.split(separator: ".").compactMap { Int($0) }
        guard d.count == 3, t.count == 3 else { return .unknown }
        let year = d[2] >= 85 ? 1900 + d[2] : 2000 + d[2]
        guard let date = NightDate(String(format: "%04d-%02d-%02d", year, d[1], d[0])) else { return .unknown }
        let seconds = Int64(date.dayNumber) * 86_400 + Int64(t[0] * 3600 + t[1] * 60 + t[2])
        return .localClock(seconds * 1_000_000)
    }
}

/// The one way every path stores a night: the same `StoredNight`, the same night date rule.
enum NightStoring {
    /// A night given on the command line, YYYY-MM-DD.
    static func date(_ text: String, option: String) throws -> NightDate {
        guard let d = NightDate(text) else {
            throw ValidationError("\(option): expected a date YYYY-MM-DD, found '\(text)'")
        }
        return d
    }

    /// The night's date: `--night` when given, else from the recording's start and the store's settings.
    static func night(_ given: String?, start: RecordingStart, settings: StoreSettings, file: String) throws
        -> NightDate
    {
        if let given, let date = NightDate(given) { return date }
        switch start {
        case .utc(let us): return try settings.night(startingAt: us)
        case .localClock(let us):
            return NightDate(unixMicroseconds: us, utcOffsetSeconds: 0, cutoffHour: settings.nightCutoffHour)
        case .unknown:
            throw ValidationError("\(file): the recording does not say when it started: give the night with --night YYYY-MM-DD")
        }
    }

    /// Stores the night; returns its date and a line for the terminal.
    static func store(
        _ report: ScoreReport, recording: RecordingInfo, start: RecordingStart, options: StoreNightOptions,
        into store: NightStore, intervals: [StoredInterval]
    ) throws -> (NightDate, String) {
        try self.store(
            report, recording: recording, start: start, night: options.night, into: store, intervals: intervals)
    }

    /// Stores the night (`night` YYYY-MM-DD, or nil for the date from the recording's start); returns its date and
    /// a line for the terminal.
    static func store(
        _ report: ScoreReport, recording: RecordingInfo, start: RecordingStart, night given: String?,
        into store: NightStore, intervals: [StoredInterval]
    ) throws -> (NightDate, String) {
        let settings = try store.settings()
        let date = try night(given, start: start, settings: settings, file: recording.fileName)
        let outcome = try store.save(
            StoredNight(report: report, night: date, recording: recording, intervals: intervals))
        switch outcome {
        case .added: return (date, "  stored as the night of \(date)\n")
        case .replaced(let previous):
            return (
                date,
                previous == recording.fileName
                    ? "  stored as the night of \(date) (replacing its earlier figures)\n"
                    : "  stored as the night of \(date), replacing the figures from \(previous)\n"
            )
        }
    }

    /// A recording's time in bed (from the legs' posture, or as given with `--in-bed`) and each leg's gaps, for
    /// the night's timeline.
    static func intervals(_ night: NightAnalysis.Night) -> [StoredInterval] {
        let d = night.detection
        let rate = d.description.sampleRate
        var out = night.scoringInput.inBedIntervals.map {
            StoredInterval(kind: .inBed, onsetSeconds: Seconds.from($0.onset), endSeconds: Seconds.from($0.end))
        }
        for q in d.quality.legs where q.declared {
            for g in q.gapIntervals {
                out.append(
                    StoredInterval(
                        kind: .gap, leg: q.leg == .left ? "left" : "right", onsetSeconds: Double(g.lowerBound) / rate,
                        endSeconds: Double(g.upperBound) / rate))
            }
        }
        return out
    }

    /// An event table's time in bed: its in-bed annotations, else lights off to on.
    static func intervals(_ input: ScoringInput) -> [StoredInterval] {
        if !input.inBedIntervals.isEmpty {
            return input.inBedIntervals.map {
                StoredInterval(kind: .inBed, onsetSeconds: Seconds.from($0.onset), endSeconds: Seconds.from($0.end))
            }
        }
        guard input.lightsOff != nil || input.lightsOn != nil else { return [] }
        let from = input.lightsOff ?? 0
        let to = input.lightsOn ?? input.effectiveRecordingDuration
        return to > from ? [StoredInterval(kind: .inBed, onsetSeconds: Seconds.from(from), endSeconds: Seconds.from(to))] : []
    }

    /// The store's correlation of diary factors with the PLM index, for summary.json's `correlation` section.
    static func correlationSection(_ store: NightStore, night: NightDate?) throws -> JSONValue {
        let report = try CorrelationCommand.analyse(store, settings: .init())
        return CorrelationCommand.json(report, night: night)
    }
}
