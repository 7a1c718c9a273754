import ArgumentParser
import EDFFormat
import EventImport
import Foundation
import LegMovementScoring
import NightPipeline
import NightStore
import SleepDiary
import ScoreExport

/// `plm`: the command-line entry point.
public struct PLM: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "plm",
        abstract: "Periodic leg movements: score nights by the WASM 2016 or AASM rules, keep them with a diary, relate the two.",
        discussion: "Recordings are replayed through the detector with plm-replay.",
        version: SoftwareVersion.version,
        subcommands: [
            Score.self, Rules.self, Simulate.self, Validate.self, Nights.self, DiaryCommand.self, CorrelationCommand.self,
            Export.self, Convert.self, Settings.self, Report.self, SensorsCommand.self, StatusCommand.self, TrialCommand.self, StudyCommand.self,
        ])

    public init() {}
}

/// `plm score EVENTS --rules wasm2016 --out DIR`
public struct Score: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Score an events table (BIDS TSV/CSV) or EDF+ annotations into PLM series and indices.",
        discussion: """
            Writes lm_events.tsv (+ lm_events.json), summary.json and summary.csv into DIR and prints a short \
            summary. Every rule option can be set with --set NAME=VALUE; `plm rules --explain` lists them.
            """)

    @Argument(help: "Events table (.tsv/.csv with onset, duration, trial_type) or an EDF+ file.")
    public var events: String

    @Option(help: "Rule profile: wasm2016 (default), aasm, or a profile file (JSON).")
    public var rules: String = "wasm2016"

    @Option(name: .customLong("set"), help: "Override one rule option, NAME=VALUE (repeatable).")
    public var overrides: [String] = []

    @Option(help: "Output directory (created if missing).")
    public var out: String

    @Flag(help: "Print nothing on success.")
    public var quiet = false

    @OptionGroup public var storing: StoreNightOptions

    public init() {}

    public func run() throws {
        let rules = try ProfileFile.rules(profile: self.rules, overrides: overrides)
        let url = URL(fileURLWithPath: events)
        let imported = try EventFileReader.read(url, defaultEpoch: rules.defaultEpochDuration)
        var result = try Scorer.score(imported.input, rules: rules)
        var warnings = imported.warnings
        if let short = Score.shortBasis(result.summary) {
            warnings.append(short)
            result.summary.withholdIndices()
        }
        var report = ScoreReport(
            result: result,
            source: InputDescription(
                file: url.lastPathComponent, format: imported.format, unknownLabels: imported.unknownLabels,
                ignoredLabels: imported.ignoredLabels, warnings: warnings))
        var stored = ""
        if storing.store {
            let store = try storing.location.open()
            var start = RecordingStart.unknown
            if url.pathExtension.lowercased() == "edf" { start = .edf(try EDFHeader.read(contentsOf: url)) }
            let recording = RecordingInfo(
                sourceKey: "events:\(url.lastPathComponent)", fileName: url.lastPathComponent, format: imported.format)
            let filed: (night: NightDate, line: String)
            do {
                filed = try NightPipeline.file(
                    report, recording: recording, start: start, night: storing.night, into: store,
                    intervals: NightPipeline.intervals(imported.input))
            } catch let e as NightPipeline.UnknownNightError {
                throw ValidationError(e.description)
            }
            stored = filed.line
            var reports = [report]
            try NightPipeline.addCorrelation(to: &reports, nights: [filed.night], store: store)
            report = reports[0]
        }
        try ScoreOutput.write(report, to: URL(fileURLWithPath: out))
        if !quiet { print(report.humanSummary() + stored, terminator: "") }
    }
}

extension Score {
    /// The finding when an event table's basis is shorter than `NightSummary.minimumBasisHours` (the index is
    /// then withheld), else nil.
    static func shortBasis(_ s: NightSummary) -> String? {
        let what: String
        switch s.basis {
        case .sleep: what = "sleep (from the hypnogram)"
        case .inBed: what = "time in bed (lights off to on, or in-bed annotations)"
        case .recording: what = "recording (no lights or in-bed annotations)"
        }
        return NightSummary.shortBasisFinding(
            hours: s.basisHours, of: what,
            howToGive: "the table must cover the night; give lights-off and lights-on or in-bed annotations")
    }
}

/// `plm rules [PROFILE] [--explain]`
public struct Rules: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Print a rule profile as a profile file, or explain every option.")

    @Argument(help: "wasm2016, aasm, or a profile file.")
    public var profile: String = "wasm2016"

    @Option(name: .customLong("set"), help: "Override one rule option, NAME=VALUE (repeatable).")
    public var overrides: [String] = []

    @Flag(help: "List every option with its meaning and source.")
    public var explain = false

    public init() {}

    public func run() throws {
        let rules = try ProfileFile.rules(profile: profile, overrides: overrides)
        if explain {
            for key in RuleKey.allCases {
                print("\(key.rawValue)\n    \(key.summary)")
            }
        } else {
            print(ProfileFile.render(rules), terminator: "")
        }
    }
}
