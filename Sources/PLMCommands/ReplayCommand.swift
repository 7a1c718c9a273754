import AccelerationSignal
import ArgumentParser
import EDFFormat
import Foundation
import LegMovementScoring
import NightAnalysis
import NightStore
import RecordingFormats
import ScoreExport
import SleepDiary

/// An opened recording of any supported format, as one frame source.
public struct OpenedRecording {
    public var source: any FrameSource
    public var format: String
    /// Recording start, µs since the Unix epoch, when the file says.
    public var startUnixMicroseconds: Int64?
    /// Problems found in the file (byte offsets), for summary.json's `data_quality.recording`.
    public var problems: [String: JSONValue]
    /// The sensors the file names (.plmrec).
    public var sensors: [SensorInfo] = []
    var start: RecordingStart = .unknown
    var temporary: URL?

    public static let extensions = RecordingFile.extensions

    /// Opens `.plmrec`, `.edf`, `.csv`, each optionally gzip-compressed (`.gz`).
    public static func open(_ url: URL) throws -> OpenedRecording {
        var file = url
        var temporary: URL? = nil
        if url.pathExtension.lowercased() == "gz" {
            file = try Gzip.inflate(url)
            temporary = file.deletingLastPathComponent()
        }
        do {
            var r: OpenedRecording
            switch try RecordingFile.open(file) {
            case .plmrec(let s):
                r = OpenedRecording(
                    source: s, format: "plmrec", startUnixMicroseconds: s.header.startUnixMicroseconds,
                    problems: ["recording": plmrecQuality(s.quality)])
                r.sensors = s.header.sensors.map {
                    SensorInfo(
                        serial: $0.serialNumber,
                        side: $0.side == .left ? "left" : $0.side == .right ? "right" : "unknown",
                        firmware: $0.firmwareVersion.map(String.init).joined(separator: "."))
                }
                r.start = .utc(s.header.startUnixMicroseconds)
            case .edf(let s):
                r = OpenedRecording(source: s, format: "edf", startUnixMicroseconds: nil, problems: [:])
                r.start = RecordingStart.edf(s.header)
            case .csv(let s):
                r = OpenedRecording(
                    source: s, format: "csv", startUnixMicroseconds: s.startUnixMicroseconds, problems: [:])
                r.start = s.startUnixMicroseconds.map { .utc($0) } ?? .unknown
            case let device:
                // Research devices (ActiGraph, Axivity, GENEActiv): one leg, the device's own clock.
                r = OpenedRecording(
                    source: device.source, format: device.format,
                    startUnixMicroseconds: device.deviceStartUnixMicroseconds, problems: [:])
                r.start = r.startUnixMicroseconds.map { .utc($0) }
                    ?? device.deviceStartMicroseconds.map { .localClock($0) } ?? .unknown
            }
            r.temporary = temporary
            return r
        } catch {
            if let temporary { try? FileManager.default.removeItem(at: temporary) }
            throw temporary == nil ? error : OpenedRecording.naming(url, error)
        }
    }

    /// A reader's error about the inflated copy of a `.gz` file, naming the user's file instead.
    static func naming(_ url: URL, _ error: Error) -> Error {
        if var e = error as? RecordingFormatError {
            e.file = url.path
            e.location = e.location.isEmpty ? "inflated" : "\(e.location) of the inflated data"
            return e
        }
        if var e = error as? EDFError {
            e.file = url.path
            e.message += " (offset in the inflated data)"
            return e
        }
        return error
    }

    public func close() {
        if let temporary { try? FileManager.default.removeItem(at: temporary) }
    }

    static func plmrecQuality(_ q: RecordingQuality) -> JSONValue {
        .object([
            "blocks_ok": .integer(q.blocksOK),
            "blocks_corrupt": .integer(q.blocksCorrupt),
            "torn_tail_offset": q.tornTail.map { .integer($0.offset) } ?? .null,
            "frames_ok": .integer(q.framesOK),
            "frames_bad": .integer(q.framesBad),
            "frames_duplicate": .integer(q.framesDuplicate),
            "sequence_jumps": .integer(q.sequenceJumps),
            "device_restarts": .integer(q.restarts),
            "samples_lost": .integer(Int(clamping: q.samplesLost)),
            "problem_count": .integer(q.problemCount),
            "problems": .array(q.problems.prefix(20).map { .string($0.description) }),
        ])
    }
}

/// `plm-replay RECORDING... --rules wasm2016 --out DIR [--speed max|realtime|Nx]`
public struct Replay: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "plm-replay",
        abstract: "Replay recordings (.plmrec, EDF+, CSV; files or folders) through the detector and the scoring rules.",
        discussion: """
            For each recording writes lm_events.tsv (+ .json), summary.json, summary.csv and annotations.edf \
            (EDF+ with Luna labels) — into DIR for a single recording, into DIR/NAME/ for several. Recordings are \
            processed on all cores. Problems in a file are reported with byte offsets and counted in summary.json.
            """,
        version: SoftwareVersion.version)

    @Argument(help: "Recordings or folders holding them.")
    public var recordings: [String]

    @Option(help: "Rule profile: wasm2016 (default), aasm, or a profile file (JSON).")
    public var rules: String = "wasm2016"

    @Option(name: .customLong("set"), help: "Override one rule option, NAME=VALUE (repeatable).")
    public var overrides: [String] = []

    @Option(help: "Output directory.")
    public var out: String

    @Option(help: "max (default), realtime, or a factor such as 60x.")
    public var speed: String = "max"

    @Flag(help: "No progress and no summaries on the terminal.")
    public var quiet = false

    @Option(name: .customLong("in-bed"), help: ArgumentHelp(InBedOption.help, valueName: "START-END"))
    public var inBed: String?

    @OptionGroup public var storing: StoreNightOptions

    public init() {}

    /// Recordings named on the command line, folders expanded (sorted, recursively).
    public static func expand(_ paths: [String]) throws -> [URL] {
        var out: [URL] = []
        let fm = FileManager.default
        func isRecording(_ u: URL) -> Bool {
            let name = u.lastPathComponent.lowercased()
            return OpenedRecording.extensions.contains { name.hasSuffix(".\($0)") || name.hasSuffix(".\($0).gz") }
        }
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else {
                throw ValidationError("\(p): no such file or folder")
            }
            if isDir.boolValue {
                let base = URL(fileURLWithPath: p)
                let all = (fm.enumerator(atPath: p)?.allObjects as? [String] ?? []).sorted()
                for file in all.map({ base.appendingPathComponent($0) }).filter(isRecording) {
                    // In a folder, files that are not recordings (a diary, an events table) are skipped, one line each.
                    if let why = RecordingFile.notARecording(file) {
                        FileHandle.standardError.write(Data("skipped: \(file.path): \(why)\n".utf8))
                    } else {
                        out.append(file)
                    }
                }
            } else {
                out.append(URL(fileURLWithPath: p))
            }
        }
        return out
    }

    /// The name of a recording's output folder: its file name without the extensions.
    static func name(_ url: URL) -> String {
        var n = url.lastPathComponent
        if n.lowercased().hasSuffix(".gz") { n = String(n.dropLast(3)) }
        if let dot = n.lastIndex(of: ".") { n = String(n[..<dot]) }
        return n
    }

    public func run() throws {
        let rules = try ProfileFile.rules(profile: self.rules, overrides: overrides)
        guard let pace = NightAnalysis.Pace(argument: speed) else {
            throw ValidationError("--speed: expected max, realtime or a factor such as 60x, found '\(speed)'")
        }
        let files = try Replay.expand(recordings)
        guard !files.isEmpty else { throw ValidationError("no recordings found in \(recordings.joined(separator: ", "))") }
        if storing.night != nil && files.count > 1 {
            throw ValidationError("--night names one night: give it with a single recording")
        }
        let givenInBed: InBedOption?
        do { givenInBed = try inBed.map(InBedOption.init) } catch { throw ValidationError("\(error)") }
        if givenInBed != nil && files.count > 1 {
            throw ValidationError("--in-bed is one night's time in bed: give it with a single recording")
        }
        let store = storing.store ? try storing.location.open() : nil
        // Clock times of --in-bed are local time: the store's time zone, else the system's.
        let zone = try store.flatMap { TimeZone(identifier: try $0.settings().timeZone) } ?? .current
        let outDir = URL(fileURLWithPath: out)
        let names = files.map(Replay.name)
        guard Set(names).count == names.count || files.count == 1 else {
            throw ValidationError("two recordings would write to the same folder name: \(names.sorted())")
        }
        @Sendable func target(_ i: Int) -> URL { files.count == 1 ? outDir : outDir.appendingPathComponent(names[i]) }
        let progress = ProgressDisplay(enabled: !quiet && isatty(2) != 0, names: names)
        // Without a store only the terminal text is kept of each night.
        let results = Results<(text: String, replayed: Replayed?)>(count: files.count)
        // One recording: its two legs on two cores. Several: the recordings side by side on all cores.
        let options = NightAnalysis.Options(rules: rules, pace: pace, legsConcurrently: files.count == 1)
        // Recordings are analysed on all cores. Without a store each writes its outputs at once; with one, the
        // nights are stored in file order and then written with the store's correlation section, so that the
        // outputs do not depend on which recording finished first.
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            do {
                let replayed = try Replay.analyse(files[i], options: options, inBed: givenInBed, zone: zone) { done, total in
                    progress.update(i, done: done, total: total)
                }
                let text = replayed.night.report.humanSummary()
                if store == nil {
                    try Replay.write(replayed, to: target(i))
                    results.set(i, .success((text, nil)))
                } else {
                    results.set(i, .success((text, replayed)))
                }
            } catch {
                results.set(i, .failure(error))
            }
            progress.finish(i)
        }
        progress.clear()
        var texts = Array(repeating: "", count: files.count)
        var failed = 0
        var stored: [(Int, Replayed, NightDate)] = []
        for (i, r) in results.all.enumerated() {
            switch r {
            case .success(let (text, replayed)):
                texts[i] = text
                if let store, let replayed {
                    do {
                        let (date, line) = try NightStoring.store(
                            replayed.night.report, recording: replayed.recording, start: replayed.start,
                            options: storing, into: store, intervals: NightStoring.intervals(replayed.night))
                        texts[i] += line
                        stored.append((i, replayed, date))
                    } catch {
                        texts[i] = ""
                        failed += 1
                        FileHandle.standardError.write(Data("error: \(files[i].path): \(error)\n".utf8))
                    }
                }
            case .failure(let e):
                failed += 1
                // Every failure names its recording; the other nights are still stored and written.
                let text = "\(e)"
                let named = text.contains(files[i].path) ? text : "\(files[i].path): \(text)"
                FileHandle.standardError.write(Data("error: \(named)\n".utf8))
            case .none: break
            }
        }
        if let store {
            let correlation = try CorrelationCommand.analyse(store, settings: .init())
            for (i, replayed, night) in stored {
                var r = replayed
                r.night.report.sections["correlation"] = CorrelationCommand.json(correlation, night: night)
                do { try Replay.write(r, to: target(i)) } catch {
                    failed += 1
                    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                }
            }
        }
        if !quiet { for t in texts { print(t, terminator: "") } }
        if failed > 0 { throw ExitCode.failure }
    }

    /// A recording read and scored, with what the store needs to know of it.
    public struct Replayed: Sendable {
        public var night: NightAnalysis.Night
        public var recording: RecordingInfo
        var start: RecordingStart
        var startDate: Date?
        var duration: Double
    }

    /// Reads and scores one recording.
    public static func analyse(
        _ url: URL, options: NightAnalysis.Options, inBed: InBedOption? = nil, zone: TimeZone = .current,
        progress: ((Int64, Int64?) -> Void)? = nil
    ) throws -> Replayed {
        let opened = try OpenedRecording.open(url)
        defer { opened.close() }
        var options = options
        if let inBed {
            let clock: Double?
            switch opened.start {
            case .utc(let us):
                let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(us) / 1e6))
                clock = (Double(us) / 1e6 + Double(offset)).truncatingRemainder(dividingBy: 86_400)
            case .localClock(let us): clock = (Double(us) / 1e6).truncatingRemainder(dividingBy: 86_400)
            case .unknown: clock = nil
            }
            options.inBed = [
                try inBed.resolve(startClockSeconds: clock.map { $0 < 0 ? $0 + 86_400 : $0 }, file: url.lastPathComponent)
            ]
        }
        var source = opened.source
        var night: NightAnalysis.Night
        do {
            night = try NightAnalysis.analyse(
                &source, file: url.lastPathComponent, format: opened.format, options: options,
                problems: opened.problems, progress: { progress?($0, nil) })
        } catch {
            // An error found while reading a .gz names the user's file, not the inflated copy.
            throw opened.temporary == nil ? error : OpenedRecording.naming(url, error)
        }
        if let reading = source as? any ReadingFindings { night.report.add(reading) }
        let key: String
        switch opened.start {
        case .utc(let us) where opened.format == "plmrec":
            key = "plmrec:\(us):" + opened.sensors.map(\.serial).joined(separator: "+")
        case .utc(let us), .localClock(let us): key = "\(opened.format):\(Replay.name(url)):\(us)"
        case .unknown: key = "\(opened.format):\(Replay.name(url))"
        }
        let recording = RecordingInfo(
            sourceKey: key, fileName: url.lastPathComponent, format: opened.format,
            startUnixMicroseconds: opened.startUnixMicroseconds, sampleRateHz: night.detection.description.sampleRate,
            sensors: opened.sensors)
        return Replayed(
            night: night, recording: recording, start: opened.start,
            startDate: opened.startUnixMicroseconds.map { Date(timeIntervalSince1970: Double($0) / 1e6) },
            duration: Double(night.detection.frameCount) / night.detection.description.sampleRate)
    }

    /// Writes a replayed night's files into `directory`, as one set (`AtomicFiles.writeFolder`).
    public static func write(_ r: Replayed, to directory: URL) throws {
        let annotations = ReplayAnnotations.edf(r.night)
        try AtomicFiles.writeFolder(directory) { staging in
            try ScoreOutput.writeFiles(r.night.report, into: staging)
            try EDFExport.writeAnnotations(
                annotations, duration: r.duration, to: staging.appendingPathComponent("annotations.edf"),
                start: SimulatedRecording.edfStart(r.startDate ?? Date(timeIntervalSince1970: 473_385_600)))
        }
    }

    /// Replays one recording into `directory`; returns the human summary.
    public static func replay(
        _ url: URL, to directory: URL, options: NightAnalysis.Options,
        progress: ((Int64, Int64?) -> Void)? = nil
    ) throws -> String {
        let r = try analyse(url, options: options, progress: progress)
        try write(r, to: directory)
        return r.night.report.humanSummary()
    }
}

extension ScoreReport {
    /// What the reader found while reading (time jumps that ended the recording, impossible samples read as
    /// missing): warnings, and `data_quality.reading` in summary.json.
    mutating func add(_ reading: any ReadingFindings) {
        guard !reading.readingFindings.isEmpty || reading.samplesExcluded > 0 else { return }
        source.warnings += reading.readingFindings
        guard case .object(var quality)? = sections["data_quality"] else { return }
        quality["reading"] = .object([
            "findings": .array(reading.readingFindings.map { .string($0) }),
            "samples_excluded": .integer(reading.samplesExcluded),
        ])
        sections["data_quality"] = .object(quality)
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

/// Results of concurrent replays, one slot per recording.
final class Results<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, Error>?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<T, Error>) { lock.withLock { slots[i] = r } }
    var all: [Result<T, Error>?] { lock.withLock { slots } }
}

/// A one-line progress display on a terminal (standard error); silent otherwise.
final class ProgressDisplay: @unchecked Sendable {
    private let lock = NSLock()
    private let enabled: Bool
    private let names: [String]
    private var frames: [Int64]
    private var finished: [Bool]

    init(enabled: Bool, names: [String]) {
        self.enabled = enabled
        self.names = names
        frames = Array(repeating: 0, count: names.count)
        finished = Array(repeating: false, count: names.count)
    }

    func update(_ i: Int, done: Int64, total: Int64?) {
        guard enabled else { return }
        lock.withLock {
            frames[i] = done
            draw()
        }
    }

    func finish(_ i: Int) {
        guard enabled else { return }
        lock.withLock {
            finished[i] = true
            draw()
        }
    }

    func clear() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    private func draw() {
        let done = finished.filter { $0 }.count
        let width = 30
        let filled = names.isEmpty ? width : width * done / names.count
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let active = names.indices.filter { !finished[$0] && frames[$0] > 0 }.map { "\(names[$0]) \(frames[$0])" }
        FileHandle.standardError.write(
            Data("\r\u{1B}[K[\(bar)] \(done)/\(names.count) recordings \(active.prefix(2).joined(separator: ", "))".utf8))
    }
}
