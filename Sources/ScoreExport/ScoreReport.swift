import CSVFormat
import LegMovementScoring

/// The software's name and version as written into every output.
public enum SoftwareVersion {
    public static let name = "plm"
    public static let version = "0.1.0"
}

/// Where the scored events came from, for the summary's `input` section.
public struct InputDescription: Sendable {
    public var file: String
    public var format: String
    public var unknownLabels: [String: Int]
    public var ignoredLabels: [String: Int]
    public var warnings: [String]

    public init(
        file: String, format: String, unknownLabels: [String: Int] = [:], ignoredLabels: [String: Int] = [:],
        warnings: [String] = []
    ) {
        self.file = file
        self.format = format
        self.unknownLabels = unknownLabels
        self.ignoredLabels = ignoredLabels
        self.warnings = warnings
    }
}

/// Renders a scoring result as the files of `plm score` and `plm-replay`: `lm_events.tsv` (with its BIDS
/// sidecar `lm_events.json`), `summary.json` and `summary.csv`. Everything is byte-stable: fixed decimals,
/// sorted keys, `\n` line ends, no locale.
public struct ScoreReport: Sendable {
    public var result: ScoringResult
    public var source: InputDescription
    /// A recording's detector (`detector` in summary.json); nil for an event table.
    public var detector: DetectorSection?
    /// A recording's data quality (`data_quality`); nil for an event table.
    public var dataQuality: DataQualitySection?
    /// The store's diary factors, for a night filed in a store (`correlation`).
    public var correlation: CorrelationSection?

    public init(
        result: ScoringResult, source: InputDescription, detector: DetectorSection? = nil,
        dataQuality: DataQualitySection? = nil, correlation: CorrelationSection? = nil
    ) {
        self.result = result
        self.source = source
        self.detector = detector
        self.dataQuality = dataQuality
        self.correlation = correlation
    }

    /// Decimals per kind of figure.
    enum Digits {
        static let seconds = 3
        static let hours = 4
        static let index = 3
        static let ratio = 4
        static let rule = 3
    }

    // MARK: lm_events.tsv

    public static let eventColumns = [
        "onset", "duration", "side", "n_components", "is_clm", "nonclm_reason", "imi", "series_id", "is_plm",
        "state", "stage", "resp_related", "arousal", "imi_nr", "is_plm_nr",
    ]

    /// One row per leg movement after merging and bilateral combination, in onset order.
    public func eventsTSV() -> String {
        var out = ScoreReport.eventColumns.joined(separator: "\t") + "\n"
        func s(_ us: Microseconds?) -> String {
            guard let us else { return "n/a" }
            return NumberFormat.fixed(Seconds.from(us), decimals: Digits.seconds)
        }
        func flag(_ b: Bool) -> String { b ? "1" : "0" }
        for m in result.movements {
            let fields = [
                s(m.onset), s(m.duration), m.side.rawValue, String(m.components), flag(m.isCandidate),
                m.nonCandidateReason?.rawValue ?? "n/a", s(m.imi), m.seriesID.map(String.init) ?? "n/a",
                flag(m.isPLM), m.state.rawValue, m.stage.map { $0 == .unscored ? "n/a" : $0.rawValue } ?? "n/a",
                flag(m.respiratoryRelated), flag(m.arousal),
                m.excludedFromNonRespiratory ? "n/a" : s(m.imiNonRespiratory),
                m.excludedFromNonRespiratory ? "n/a" : flag(m.isPLMNonRespiratory),
            ]
            out += fields.joined(separator: "\t") + "\n"
        }
        return out
    }

    /// BIDS-style sidecar describing the columns of `lm_events.tsv`.
    public func eventsSidecar() -> JSONValue {
        func col(_ description: String, units: String? = nil, levels: [String: String]? = nil) -> JSONValue {
            var d: [String: JSONValue] = ["Description": .string(description)]
            if let units { d["Units"] = .string(units) }
            if let levels { d["Levels"] = .object(levels.mapValues { .string($0) }) }
            return .object(d)
        }
        return .object([
            "onset": col("Start of the leg movement from the recording start", units: "s"),
            "duration": col("Duration of the leg movement", units: "s"),
            "side": col(
                "Leg", levels: ["L": "left", "R": "right", "B": "bilateral (combined)", "U": "side not given"]),
            "n_components": col("Monolateral leg movements combined into this one"),
            "is_clm": col("Candidate leg movement (WASM 2016)", levels: ["0": "no", "1": "yes"]),
            "nonclm_reason": col(
                "Why the movement is not a candidate",
                levels: [
                    "too_long": "over 10 s monolateral or 15 s bilateral",
                    "component_too_long": "a bilateral movement with a component over 10 s",
                    "too_many_components": "a bilateral movement of more than 4 monolateral movements",
                ]),
            "imi": col("Inter-movement interval from the previous movement's onset", units: "s"),
            "series_id": col("Number of the PLM series the movement belongs to"),
            "is_plm": col("Member of a PLM series, in any state", levels: ["0": "no", "1": "yes"]),
            "state": col("Sleep state at onset", levels: ["sleep": "N1-N3 or R", "wake": "W", "unknown": "no stage"]),
            "stage": col("Sleep stage at onset (W, N1, N2, N3, R)"),
            "resp_related": col("Breathing-related by the profile's window", levels: ["0": "no", "1": "yes"]),
            "arousal": col("Associated with an arousal", levels: ["0": "no", "1": "yes"]),
            "imi_nr": col("IMI with breathing-related movements removed", units: "s"),
            "is_plm_nr": col(
                "Member of a PLM series with breathing-related movements removed", levels: ["0": "no", "1": "yes"]),
        ])
    }

    // MARK: summary.json

    /// Every figure of the night, the rules and the software version.
    public func summaryJSON() -> JSONValue {
        let s = result.summary
        let p = result.preparation
        func fx(_ v: Double?, _ d: Int) -> JSONValue { v.map { .fixed($0, decimals: d) } ?? .null }
        func int(_ v: Int?) -> JSONValue { v.map { .integer($0) } ?? .null }
        var rules: [String: JSONValue] = ["profile": .string(result.rules.profile)]
        for key in RuleKey.allCases {
            switch result.rules.value(of: key) {
            case .number(let v): rules[key.rawValue] = .fixed(v, decimals: Digits.rule)
            case .integer(let v): rules[key.rawValue] = .integer(v)
            case .bool(let v): rules[key.rawValue] = .bool(v)
            case .choice(let v): rules[key.rawValue] = .string(v)
            case .none: rules[key.rawValue] = .null
            }
        }
        func histogram(_ h: Histogram, _ kind: SummaryHistogram.Kind) -> JSONValue {
            SummaryHistogram(start: h.start, width: h.binWidth, counts: h.counts, below: h.below, above: h.above)
                .json(kind)
        }
        var figures: [String: JSONValue] = [
            "software": .object([
                "name": .string(SoftwareVersion.name), "version": .string(SoftwareVersion.version),
            ]),
            "input": .object([
                "file": .string(source.file),
                "format": .string(source.format),
                "unknown_label_count": .integer(source.unknownLabels.values.reduce(0, +)),
                "unknown_labels": .object(source.unknownLabels.mapValues { .integer($0) }),
                "ignored_labels": .object(source.ignoredLabels.mapValues { .integer($0) }),
                "warnings": .array(source.warnings.map { .string($0) }),
                "lm_input_count": .integer(p.input),
                "lm_outside_lights_count": .integer(p.outsideLights),
                "lm_merged_same_leg_count": .integer(p.mergedSameLeg),
                "lm_too_short_count": .integer(p.tooShort),
                "lm_ignored_too_long_count": .integer(p.ignoredTooLong),
            ]),
            "rules": .object(rules),
            "recording_hours": .fixed(s.recordingHours, decimals: Digits.hours),
            "in_bed_hours": fx(s.inBedHours, Digits.hours),
            "sleep_hours": fx(s.sleepHours, Digits.hours),
            "wake_hours": fx(s.wakeHours, Digits.hours),
            "plm_index_basis": .string(s.basis.rawValue),
            "plm_index_hours": .fixed(s.basisHours, decimals: Digits.hours),
            "plm_index": fx(s.plmIndex, Digits.index),
            "plm_index_above_cutoff": s.plmIndexAboveCutoff.map { .bool($0) } ?? .null,
            "lm_count": .integer(s.lmCount),
            "clm_count": .integer(s.clmCount),
            "plm_count": .integer(s.plmCount),
            "plm_basis_count": .integer(s.basisPLMCount),
            "plm_series_count": .integer(s.seriesCount),
            "bilateral_lm_count": .integer(s.bilateralLMCount),
            "resp_related_lm_count": .integer(s.respiratoryRelatedLMCount),
            "arousal_lm_count": .integer(s.arousalLMCount),
            "clm_index": fx(s.clmIndex, Digits.index),
            "plms_count": int(s.plmsCount),
            "plmw_count": int(s.plmwCount),
            "plms_index": fx(s.plmsIndex, Digits.index),
            "plmw_index": fx(s.plmwIndex, Digits.index),
            "plm_arousal_index": fx(s.plmArousalIndex, Digits.index),
            "plms_arousal_index": fx(s.plmsArousalIndex, Digits.index),
            "plm_nr_count": .integer(s.plmNonRespiratoryCount),
            "plm_nr_index": fx(s.plmIndexNonRespiratory, Digits.index),
            "plms_nr_index": fx(s.plmsIndexNonRespiratory, Digits.index),
            "short_imi_lm_count": .integer(s.shortIMILMCount),
            "short_imi_lm_index": fx(s.shortIMIIndex, Digits.index),
            "isolated_lm_count": .integer(s.isolatedLMCount),
            "isolated_lm_index": fx(s.isolatedLMIndex, Digits.index),
            "plm_index_left": fx(s.plmIndexLeft, Digits.index),
            "plm_index_right": fx(s.plmIndexRight, Digits.index),
            "plm_index_bilateral": fx(s.plmIndexBilateral, Digits.index),
            "periodicity_index_ferri2006": fx(s.periodicityIndexFerri2006, Digits.ratio),
            "periodicity_index_plm_per_clm": fx(s.periodicityIndexPLMPerCLM, Digits.ratio),
            "log_imi_10_90_count": .integer(s.logIMICount),
            "log_imi_10_90_mean_ln_s": fx(s.logIMIMean, Digits.ratio),
            "log_imi_10_90_sd_ln_s": fx(s.logIMISD, Digits.ratio),
            SummaryHistogram.Kind.linear.rawValue: histogram(s.imiHistogram, .linear),
            SummaryHistogram.Kind.log.rawValue: histogram(s.imiLogHistogram, .log),
        ]
        typealias Key = SummarySections.CodingKeys
        if let detector { figures[Key.detector.rawValue] = detector.json }
        if let dataQuality { figures[Key.dataQuality.rawValue] = dataQuality.json }
        if let correlation { figures[Key.correlation.rawValue] = correlation.json }
        return .object(figures)
    }

    // MARK: summary.csv

    /// The summary's figures as one header row and one value row. Nested objects become prefixed columns,
    /// arrays numbered ones; the free-form parts (label lists, warnings) stay in summary.json.
    public func summaryCSV() -> String {
        let columns = summaryColumns().map { ($0.name, CSVField.escape($0.value)) }
        return columns.map(\.0).joined(separator: ",") + "\n" + columns.map(\.1).joined(separator: ",") + "\n"
    }

    /// The columns of summary.csv with their unquoted values.
    public func summaryColumns() -> [(name: String, value: String)] {
        var columns: [(name: String, value: String)] = []
        func flatten(_ v: JSONValue, _ name: String) {
            switch v {
            case .object(let d):
                for key in d.keys.sorted() {
                    let child = name.isEmpty ? key : "\(name)_\(key)"
                    if ScoreReport.freeFormKeys.contains(child) { continue }
                    flatten(d[key, default: .null], child)
                }
            case .array(let items):
                let width = String(max(items.count - 1, 0)).count
                for (i, item) in items.enumerated() {
                    let n = String(i)
                    flatten(item, name + "_" + String(repeating: "0", count: width - n.count) + n)
                }
            case .string(let s): columns.append((name, s))
            case .fixed(let x, let d): columns.append((name, x.isFinite ? NumberFormat.fixed(x, decimals: d) : ""))
            case .integer(let i): columns.append((name, String(i)))
            case .bool(let b): columns.append((name, b ? "true" : "false"))
            case .null: columns.append((name, ""))
            }
        }
        flatten(summaryJSON(), "")
        return columns
    }

    /// Parts of summary.json that are lists of words rather than figures, left out of summary.csv.
    public static let freeFormKeys: Set<String> = [
        "input_unknown_labels", "input_ignored_labels", "input_warnings", "data_quality_findings",
    ]

    // MARK: Human summary

    /// A few lines for the terminal.
    public func humanSummary() -> String {
        let s = result.summary
        func f(_ v: Double?, _ d: Int = 1) -> String { v.map { NumberFormat.fixed($0, decimals: d) } ?? "n/a" }
        var lines: [String] = []
        let basisText: String
        switch s.basis {
        case .sleep: basisText = "per hour of sleep"
        case .inBed: basisText = "per hour in bed"
        case .recording: basisText = "per hour of recording"
        }
        lines.append("\(source.file) — rules \(result.rules.profile)")
        if let index = s.plmIndex {
            lines.append(
                "  PLM index \(f(index))/h \(basisText) (\(f(s.basisHours, 2)) h)"
                    + (s.plmIndexAboveCutoff == true
                        ? ", above the \(f(result.rules.plmIndexCutoff, 0))/h cut-off" : ""))
        } else {
            // No unit on n/a: there is no figure (the notes below say why).
            let hoursOf: String
            switch s.basis {
            case .sleep: hoursOf = "of sleep"
            case .inBed: hoursOf = "in bed"
            case .recording: hoursOf = "of recording"
            }
            lines.append("  PLM index n/a (\(f(s.basisHours, 2)) h \(hoursOf))")
        }
        lines.append(
            "  \(s.lmCount) leg movements, \(s.clmCount) candidates, \(s.plmCount) periodic in \(s.seriesCount) series")
        if s.plmsCount != nil {
            lines.append(
                s.plmsIndex == nil && s.plmwIndex == nil && s.plmsArousalIndex == nil
                    ? "  PLMS index n/a, PLMW index n/a, PLMS-arousal index n/a"
                    : "  PLMS index \(f(s.plmsIndex)), PLMW index \(f(s.plmwIndex)), PLMS-arousal index \(f(s.plmsArousalIndex)) (per hour)")
        }
        if s.respiratoryRelatedLMCount > 0 {
            lines.append(
                "  \(s.respiratoryRelatedLMCount) breathing-related; PLM index without them "
                    + (s.plmIndexNonRespiratory.map { "\(f($0))/h" } ?? "n/a"))
        }
        let unknown = source.unknownLabels.values.reduce(0, +)
        if unknown > 0 {
            let top = source.unknownLabels.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(5)
                .map { "'\($0.key)' x\($0.value)" }.joined(separator: ", ")
            lines.append("  \(unknown) events with unknown labels ignored: \(top)")
        }
        for w in source.warnings { lines.append("  note: \(w)") }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// RFC 4180 quoting for one CSV field: CSVFormat's `CSVWriter.field`, the one quoting rule of every CSV plm writes.
public enum CSVField {
    public static func escape(_ s: String) -> String { CSVWriter.field(s) }
}
