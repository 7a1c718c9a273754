import ArgumentParser
import Foundation
import NightAnalysis
import NightPipeline
import RecordingFormats
import NightStore
import ScoreExport
import SleepDiary

/// `plm-replay RECORDING... --rules wasm2016 --out DIR [--speed max|realtime|Nx]`
public struct Replay: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "plm-replay",
        abstract: "Replay recordings (.plmrec, EDF+, CSV, .gt3x, .cwa, GENEActiv .bin; files or folders) through the detector and the scoring rules.",
        discussion: """
            For each recording writes lm_events.tsv (+ .json), summary.json, summary.csv and annotations.edf \
            (EDF+ with Luna labels) — into DIR for a single recording, into DIR/NAME/ for several. Recordings are \
            processed on all cores. Problems in a file are reported with byte offsets and counted in summary.json. \
            One device per ankle: --left FILE --right FILE (any two formats; clocks aligned from each file's own \
            start and rate, the offset and drift in summary.json). A study folder: a plm-study.csv manifest \
            (participant,night,left,right) or files named NAME_left.* and NAME_right.* (docs/recording-format.md).
            """,
        version: SoftwareVersion.version)

    @Argument(help: "Recordings or folders holding them (a study folder: plm-study.csv, or NAME_left/NAME_right pairs).")
    public var recordings: [String] = []

    @Option(help: ArgumentHelp("The left ankle's recording of a night recorded with one device per ankle.", valueName: "FILE"))
    public var left: String?

    @Option(help: ArgumentHelp("The right ankle's recording (with --left).", valueName: "FILE"))
    public var right: String?

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

    /// Recordings named on the command line, folders expanded (sorted, recursively; `_left`/`_right` pairs joined,
    /// or a folder's `plm-study.csv` manifest followed: `StudyFolder`).
    public static func expand(_ paths: [String]) throws -> [ReplayJob] {
        var out: [ReplayJob] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else {
                throw ValidationError("\(p): no such file or folder")
            }
            if isDir.boolValue {
                // In a folder, files that are not recordings (a diary, an events table) are skipped, one line each.
                out += try StudyFolder.jobs(in: URL(fileURLWithPath: p)) { file, why in
                    FileHandle.standardError.write(Data("skipped: \(file.path): \(why)\n".utf8))
                }
            } else {
                out.append(.single(URL(fileURLWithPath: p)))
            }
        }
        return out
    }

    public func run() throws {
        let rules = try ProfileFile.rules(profile: self.rules, overrides: overrides)
        guard let pace = NightAnalysis.Pace(argument: speed) else {
            throw ValidationError("--speed: expected max, realtime or a factor such as 60x, found '\(speed)'")
        }
        let files: [ReplayJob]
        switch (left, right) {
        case let (l?, r?):
            guard recordings.isEmpty else {
                throw ValidationError("--left and --right name one night's two files: give no other recordings with them")
            }
            for p in [l, r] where !FileManager.default.fileExists(atPath: p) {
                throw ValidationError("\(p): no such file")
            }
            let (lu, ru) = (URL(fileURLWithPath: l), URL(fileURLWithPath: r))
            files = [.pair(name: LegPair.outputName(left: lu, right: ru), left: lu, right: ru)]
        case (nil, nil):
            guard !recordings.isEmpty else { throw ValidationError("give recordings or folders, or --left FILE --right FILE") }
            files = try Replay.expand(recordings)
        default:
            throw ValidationError("--left and --right go together: give both files of the night")
        }
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
        let names = files.map(\.name)
        guard Set(names).count == names.count || files.count == 1 else {
            throw ValidationError("two recordings would write to the same folder name: \(names.sorted())")
        }
        @Sendable func target(_ i: Int) -> URL { files.count == 1 ? outDir : outDir.appendingPathComponent(names[i]) }
        let progress = ProgressDisplay(enabled: !quiet && isatty(2) != 0, names: names)
        // Without a store only the terminal text is kept of each night.
        let results = Results<(text: String, replayed: NightPipeline.ReplayedNight?)>(count: files.count)
        // One recording: its two legs on two cores. Several: the recordings side by side on all cores.
        let options = NightAnalysis.Options(rules: rules, pace: pace, legsConcurrently: files.count == 1)
        // Recordings are analysed on all cores. Without a store each writes its outputs at once; with one, the
        // nights are stored in file order and then written with the store's correlation section, so that the
        // outputs do not depend on which recording finished first.
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            do {
                let report: (Int64, Int64?) -> Void = { done, total in progress.update(i, done: done, total: total) }
                let replayed: NightPipeline.ReplayedNight
                var text = ""
                switch files[i] {
                case .single(let url, _):
                    replayed = try NightPipeline.analyse(url, options: options, inBed: givenInBed, zone: zone, progress: report)
                case .pair(_, let l, let r):
                    replayed = try NightPipeline.analyse(
                        left: l, right: r, options: options, inBed: givenInBed, zone: zone, progress: report)
                    if let files = replayed.night.report.dataQuality?.legFiles { text = LegPair.line(files) }
                }
                text = replayed.night.report.humanSummary() + text
                if store == nil {
                    try NightPipeline.write(replayed, to: target(i))
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
        var stored: [(replayed: NightPipeline.ReplayedNight, night: NightDate, outputs: URL)] = []
        for (i, r) in results.all.enumerated() {
            switch r {
            case .success(let (text, replayed)):
                texts[i] = text
                if let store, let replayed {
                    do {
                        let (date, line) = try NightPipeline.file(replayed, night: storing.night, into: store)
                        texts[i] += line
                        stored.append((replayed, date, target(i)))
                    } catch {
                        texts[i] = ""
                        failed += 1
                        FileHandle.standardError.write(Data("error: \(files[i].label): \(error)\n".utf8))
                    }
                }
            case .failure(let e):
                failed += 1
                // Every failure names its recording; the other nights are still stored and written.
                let text = "\(e)"
                let named = text.contains(files[i].label) ? text : "\(files[i].label): \(text)"
                FileHandle.standardError.write(Data("error: \(named)\n".utf8))
            case .none: break
            }
        }
        if let store {
            // The nights are written with the store's correlation section, after all of them are stored.
            for case let error? in try NightPipeline.writeFiled(stored, store: store) {
                failed += 1
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            }
        }
        if !quiet { for t in texts { print(t, terminator: "") } }
        if failed > 0 { throw ExitCode.failure }
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
