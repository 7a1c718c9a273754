import AccelerationSignal
import EDFFormat
import Foundation
import LegMovementScoring
import NightAnalysis
import NightStore
import RecordingFormats
import ScoreExport
import SleepDiary

/// One night end to end: a recording opened (`OpenedRecording`), analysed (`NightAnalysis`), its outputs written
/// as one folder set, the night filed in the store with the store's correlation section. `plm-replay`,
/// `plm score --store` and the daemon `plmd` all run these functions, so their outputs agree byte for byte; the
/// command line only parses arguments and prints.
public enum NightPipeline {
    /// A recording read and scored, with what the store needs to know of it.
    public struct ReplayedNight: Sendable {
        public var night: NightAnalysis.Night
        public var recording: RecordingInfo
        public var start: RecordingStart
        public var startDate: Date?
        /// Seconds of recording.
        public var duration: Double
    }

    /// Reads and scores one recording. `inBed`: the time in bed given by hand (clock times are read in `zone`).
    public static func analyse(
        _ url: URL, options: NightAnalysis.Options, inBed: InBedOption? = nil, zone: TimeZone = .current,
        progress: ((Int64, Int64?) -> Void)? = nil
    ) throws -> ReplayedNight {
        let opened = try OpenedRecording.open(url)
        defer { opened.close() }
        return try analyse(
            opened, fileName: url.lastPathComponent, name: outputName(url), options: options, inBed: inBed, zone: zone,
            progress: progress
        ) { error in
            // An error found while reading a .gz names the user's file, not the inflated copy.
            opened.temporary == nil ? error : OpenedRecording.naming(url, error)
        }
    }

    /// Scores an opened recording (one file, or two legs' files merged by `LegPair`): `fileName` and `name` name it
    /// in the outputs and the store's key; `naming` rewrites a reading error.
    static func analyse(
        _ opened: OpenedRecording, fileName: String, name: String, options: NightAnalysis.Options, inBed: InBedOption?,
        zone: TimeZone, progress: ((Int64, Int64?) -> Void)?, naming: (Error) -> Error = { $0 }
    ) throws -> ReplayedNight {
        var options = options
        if let inBed {
            options.inBed = [try inBed.resolve(startClockSeconds: opened.start.clockSeconds(zone: zone), file: fileName)]
        }
        var source = opened.source
        var night: NightAnalysis.Night
        do {
            night = try NightAnalysis.analyse(
                &source, file: fileName, format: opened.format, options: options, progress: { progress?($0, nil) })
        } catch {
            throw naming(error)
        }
        // A .plmrec file's reading figures are complete once its frames are read (`PlmrecFrameSource.quality`).
        if let plmrec = source as? PlmrecFrameSource { night.report.dataQuality?.recording = .init(plmrec.quality) }
        if let reading = source as? any ReadingFindings { night.report.add(reading) }
        if let merged = source as? MergedLegSource, let pair = opened.pair {
            night.report.dataQuality?.legFiles = pair.section(merged)
        }
        let key: String
        switch opened.start {
        case .utc(let us) where opened.format == "plmrec":
            key = "plmrec:\(us):" + opened.sensors.map(\.serial).joined(separator: "+")
        case .utc(let us), .localClock(let us): key = "\(opened.format):\(name):\(us)"
        case .unknown: key = "\(opened.format):\(name)"
        }
        let recording = RecordingInfo(
            sourceKey: key, fileName: fileName, format: opened.format,
            startUnixMicroseconds: opened.startUnixMicroseconds, sampleRateHz: night.detection.description.sampleRate,
            sensors: opened.sensors)
        return ReplayedNight(
            night: night, recording: recording, start: opened.start,
            startDate: opened.startUnixMicroseconds.map { Date(timeIntervalSince1970: Double($0) / 1e6) },
            duration: Double(night.detection.frameCount) / night.detection.description.sampleRate)
    }

    /// The name of a recording's output folder: its file name without the extensions.
    public static func outputName(_ url: URL) -> String {
        var n = url.lastPathComponent
        if n.lowercased().hasSuffix(".gz") { n = String(n.dropLast(3)) }
        if let dot = n.lastIndex(of: ".") { n = String(n[..<dot]) }
        return n
    }

    /// Writes a replayed night's files into `directory` as one set (`AtomicFiles.writeFolder`): lm_events.tsv
    /// and .json, summary.json, summary.csv and annotations.edf.
    public static func write(_ r: ReplayedNight, to directory: URL) throws {
        let annotations = ReplayAnnotations.edf(r.night)
        try AtomicFiles.writeFolder(directory) { staging in
            try ScoreOutput.writeFiles(r.night.report, into: staging)
            try EDFExport.writeAnnotations(
                annotations, duration: r.duration, to: staging.appendingPathComponent("annotations.edf"),
                start: EDFStartTime(utc: r.startDate ?? Date(timeIntervalSince1970: 473_385_600)))
        }
    }

    /// Replays one recording into `directory` (no store); returns the human summary.
    public static func replay(
        _ url: URL, to directory: URL, options: NightAnalysis.Options, progress: ((Int64, Int64?) -> Void)? = nil
    ) throws -> String {
        let r = try analyse(url, options: options, progress: progress)
        try write(r, to: directory)
        return r.night.report.humanSummary()
    }

    // MARK: The store

    /// The recording does not say when it started and no night date was given.
    public struct UnknownNightError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The night's date: `given` (YYYY-MM-DD) when there is one, else from the recording's start and the store's
    /// settings.
    public static func nightDate(_ given: String?, start: RecordingStart, settings: StoreSettings, file: String)
        throws -> NightDate
    {
        if let given, let date = NightDate(given) { return date }
        switch start {
        case .utc(let us): return try settings.night(startingAt: us)
        case .localClock(let us):
            return NightDate(unixMicroseconds: us, utcOffsetSeconds: 0, cutoffHour: settings.nightCutoffHour)
        case .unknown:
            throw UnknownNightError(
                description: "\(file): the recording does not say when it started: give the night with --night YYYY-MM-DD")
        }
    }

    /// Files a night in the store (`night` YYYY-MM-DD, or nil for the date from the recording's start), replacing
    /// a stored night of the same date, through the one `StoredNight.init(report:…)`; returns its date and a line
    /// for the terminal.
    public static func file(
        _ report: ScoreReport, recording: RecordingInfo, start: RecordingStart, night given: String?,
        into store: NightStore, intervals: [StoredInterval]
    ) throws -> (night: NightDate, line: String) {
        let settings = try store.settings()
        let date = try nightDate(given, start: start, settings: settings, file: recording.fileName)
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

    /// Files a replayed recording's night in the store, with its time in bed and gaps.
    public static func file(_ r: ReplayedNight, night given: String?, into store: NightStore) throws
        -> (night: NightDate, line: String)
    {
        try file(
            r.night.report, recording: r.recording, start: r.start, night: given, into: store,
            intervals: intervals(r.night))
    }

    /// Puts the store's correlation section into the reports of nights just filed in it (one analysis of the
    /// store for all of them): what makes their summary.json differ from one written without a store.
    public static func addCorrelation(to reports: inout [ScoreReport], nights: [NightDate], store: NightStore) throws {
        let analysis = try NightCorrelation.analyse(store)
        for i in reports.indices where i < nights.count {
            reports[i].correlation = NightCorrelation.section(analysis, night: nights[i])
        }
    }

    /// Writes nights just filed in `store` into their folders, each with the store's correlation section.
    /// Returns each night's write error (nil when written); throws when the store cannot be analysed.
    public static func writeFiled(_ nights: [(replayed: ReplayedNight, night: NightDate, outputs: URL)], store: NightStore)
        throws -> [(any Error)?]
    {
        var reports = nights.map(\.replayed.night.report)
        try addCorrelation(to: &reports, nights: nights.map(\.night), store: store)
        return nights.indices.map { i in
            var r = nights[i].replayed
            r.night.report = reports[i]
            do {
                try write(r, to: nights[i].outputs)
                return nil
            } catch {
                return error
            }
        }
    }

    /// What the daemon's night ended in.
    public struct Finished: Sendable {
        public var night: NightDate
        public var report: ScoreReport
        /// The terminal line plm-replay prints for the store (e.g. "stored as the night of ...").
        public var storeLine: String
        /// Leg movements the detector found in the recording (summary.json's `detector.lm_detected_count`).
        public var detectedLegMovements: Int
    }

    /// A finished night's recording into the store and the nightly files: what `plm-replay RECORDING --out DIR
    /// --store [--night DATE]` does for one recording. The daemon runs this at the end of a night on the recording
    /// it wrote, so its outputs are plm-replay's, byte for byte (docs/daemon.md).
    /// - Parameters:
    ///   - night: the night's date YYYY-MM-DD; nil: from the recording's start and the store's settings.
    public static func finish(
        recording: URL, outputs: URL, store: NightStore, options: NightAnalysis.Options, night: String? = nil
    ) throws -> Finished {
        var replayed = try analyse(recording, options: options)
        let (date, line) = try file(replayed, night: night, into: store)
        var reports = [replayed.night.report]
        try addCorrelation(to: &reports, nights: [date], store: store)
        replayed.night.report = reports[0]
        try write(replayed, to: outputs)
        return Finished(
            night: date, report: replayed.night.report, storeLine: line,
            detectedLegMovements: replayed.night.detection.movements.count)
    }

    /// A recording's time in bed (from the legs' posture, or as given with `--in-bed`) and each leg's gaps, for
    /// the night's timeline.
    public static func intervals(_ night: NightAnalysis.Night) -> [StoredInterval] {
        let d = night.detection
        let rate = d.description.sampleRate
        var out = night.scoringInput.inBedIntervals.map {
            StoredInterval(kind: .inBed, onsetSeconds: Seconds.from($0.onset), endSeconds: Seconds.from($0.end))
        }
        for q in d.quality.legs where q.declared {
            for g in q.gapIntervals {
                out.append(
                    StoredInterval(
                        kind: .gap, leg: q.leg.name, onsetSeconds: Double(g.lowerBound) / rate,
                        endSeconds: Double(g.upperBound) / rate))
            }
        }
        return out
    }

    /// An event table's time in bed: its in-bed annotations, else lights off to on.
    public static func intervals(_ input: ScoringInput) -> [StoredInterval] {
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
}

extension ScoreReport {
    /// What the reader found while reading (time jumps that ended the recording, impossible samples read as
    /// missing): warnings, and `data_quality.reading` in summary.json.
    mutating func add(_ reading: any ReadingFindings) {
        guard !reading.readingFindings.isEmpty || reading.samplesExcluded > 0 else { return }
        source.warnings += reading.readingFindings
        dataQuality?.reading = .init(findings: reading.readingFindings, samplesExcluded: reading.samplesExcluded)
    }
}

/// The night's scored movements and time in bed as EDF+ annotations with Luna labels.
enum ReplayAnnotations {
    static func edf(_ night: NightAnalysis.Night) -> [EDFAnnotation] {
        var out: [EDFAnnotation] = []
        for b in night.scoringInput.inBedIntervals {
            out.append(EDFAnnotation(onset: Seconds.from(b.onset), duration: nil, text: LunaLabels.lightsOff))
            out.append(EDFAnnotation(onset: Seconds.from(b.end), duration: nil, text: LunaLabels.lightsOn))
        }
        for m in night.scoring.movements {
            out.append(
                EDFAnnotation(
                    onset: Seconds.from(m.onset), duration: Seconds.from(m.duration),
                    text: LunaLabels.legMovement(m.side, periodic: m.isPLM)))
        }
        return out.sorted { ($0.onset, $0.text) < ($1.onset, $1.text) }
    }
}
