/// The rule options by the names users write on the command line (`--set imi_max_inclusive=false`) and in
/// profile files. Keys carry their unit (`_s` for seconds, `_per_h` for per hour).
public enum RuleKey: String, Sendable, CaseIterable {
    case minimumDuration = "lm_min_duration_s"
    case sameLegMergeGap = "same_leg_merge_gap_s"
    case sameLegMergeGapInclusive = "same_leg_merge_gap_inclusive"
    case maxMonolateralCandidateDuration = "clm_max_duration_monolateral_s"
    case longMovementHandling = "long_lm_handling"
    case bilateralRule = "bilateral_rule"
    case bilateralGap = "bilateral_gap_s"
    case bilateralGapInclusive = "bilateral_gap_inclusive"
    case bilateralOnsetWindow = "bilateral_onset_window_s"
    case maxBilateralCandidateDuration = "clm_max_duration_bilateral_s"
    case maxBilateralComponents = "bilateral_max_components"
    case imiMin = "imi_min_s"
    case imiMax = "imi_max_s"
    case imiMaxInclusive = "imi_max_inclusive"
    case minimumSeriesLength = "series_min_length"
    case shortIntervalMovementMayStartSeries = "short_imi_lm_may_start_series"
    case dropLastMovementOfRecording = "drop_last_lm_of_recording"
    case respiratoryAnchor = "resp_window_anchor"
    case respiratoryWindowBefore = "resp_window_before_s"
    case respiratoryWindowAfter = "resp_window_after_s"
    case respiratoryRemoval = "resp_removal"
    case respiratoryRemovalScope = "resp_removal_scope"
    case arousalGap = "arousal_gap_s"
    case arousalGapInclusive = "arousal_gap_inclusive"
    case lightsInclusion = "lights_lm_inclusion"
    case plmIndexCutoff = "plm_index_cutoff_per_h"
    case plmIndexCutoffInclusive = "plm_index_cutoff_inclusive"
    case defaultEpochDuration = "stage_epoch_default_s"

    /// One line for `plm rules --explain`.
    public var summary: String {
        switch self {
        case .minimumDuration: return "minimum LM duration (WASM 2016, AASM: 0.5 s)"
        case .sameLegMergeGap: return "same-leg LMs closer than this merge (WASM 2016: 0.5 s)"
        case .sameLegMergeGapInclusive: return "a same-leg gap of exactly the limit merges (PLMScoRe: no; MATPLM: yes)"
        case .maxMonolateralCandidateDuration: return "longest monolateral candidate LM (WASM 2016, AASM: 10 s)"
        case .longMovementHandling:
            return "LMs over the monolateral limit: break_series (WASM 2016) or ignore (AASM)"
        case .bilateralRule: return "combine legs by end-to-start gap (WASM 2016) or onset_window (AASM)"
        case .bilateralGap: return "legs combine when closer than this, end to start (WASM 2016: 0.5 s)"
        case .bilateralGapInclusive: return "a bilateral gap of exactly the limit combines (PLMScoRe: no; MATPLM: yes)"
        case .bilateralOnsetWindow: return "legs combine when onsets are closer than this (AASM: 5 s)"
        case .maxBilateralCandidateDuration:
            return "longest bilateral candidate LM (WASM 2016: 15 s; null for no limit)"
        case .maxBilateralComponents:
            return "most monolateral LMs in a bilateral candidate (WASM 2016: 4; null for no limit)"
        case .imiMin: return "shortest IMI in a series, onset to onset (WASM 2016: 10 s; AASM: 5 s)"
        case .imiMax: return "longest IMI in a series (90 s)"
        case .imiMaxInclusive: return "an IMI of exactly imi_max_s stays in a series (PLMScoRe, MATPLM, Luna: yes; SOMAS: no)"
        case .minimumSeriesLength: return "fewest LMs in a PLM series (4)"
        case .shortIntervalMovementMayStartSeries:
            return "an LM after a short IMI may start a new series (PLMScoRe, MATPLM, Luna: yes; SOMAS: no)"
        case .dropLastMovementOfRecording: return "leave the recording's last LM out of series (SOMAS: yes; others: no)"
        case .respiratoryAnchor:
            return "breathing window anchored on the event_end (WASM 2016) or the event_span (AASM)"
        case .respiratoryWindowBefore:
            return "breathing window start before the anchor (WASM 2016: 2.0 s before the end; AASM: 0.5 s before the start)"
        case .respiratoryWindowAfter: return "breathing window end after the event end (WASM 2016: 10.25 s; AASM: 0.5 s)"
        case .respiratoryRemoval:
            return "nr figures: remove_and_recompute IMIs (PLMScoRe, SOMAS) or flag_only (MATPLM)"
        case .respiratoryRemovalScope:
            return "nr figures remove breathing-related candidates only (PLMScoRe) or all breathing-related LMs"
        case .lightsInclusion:
            return "with lights: score LMs whose onset_within lights off..on, or any that overlap (PLMScoRe)"
        case .arousalGap: return "an LM and an arousal closer than this are associated (0.5 s)"
        case .arousalGapInclusive: return "an arousal gap of exactly the limit associates (no)"
        case .plmIndexCutoff: return "clinical PLM index cut-off per hour (ICSD-3: 15 adults, 5 children)"
        case .plmIndexCutoffInclusive: return "an index equal to the cut-off is above it (ICSD-3: no)"
        case .defaultEpochDuration: return "duration of a stage annotation that has none (30 s)"
        }
    }
}

/// A rule option's value, for profile files, `--set` and the summary.
public enum RuleValue: Sendable, Equatable {
    case number(Double)
    case integer(Int)
    case bool(Bool)
    case choice(String)
    case none
}

extension ScoringRules {
    /// The value of one option.
    public func value(of key: RuleKey) -> RuleValue {
        switch key {
        case .minimumDuration: return .number(minimumDuration)
        case .sameLegMergeGap: return .number(sameLegMergeGap)
        case .sameLegMergeGapInclusive: return .bool(sameLegMergeGapInclusive)
        case .maxMonolateralCandidateDuration: return .number(maxMonolateralCandidateDuration)
        case .longMovementHandling: return .choice(longMovementHandling.rawValue)
        case .bilateralRule: return .choice(bilateralRule.rawValue)
        case .bilateralGap: return .number(bilateralGap)
        case .bilateralGapInclusive: return .bool(bilateralGapInclusive)
        case .bilateralOnsetWindow: return .number(bilateralOnsetWindow)
        case .maxBilateralCandidateDuration: return maxBilateralCandidateDuration.map { .number($0) } ?? .none
        case .maxBilateralComponents: return maxBilateralComponents.map { .integer($0) } ?? .none
        case .imiMin: return .number(imiMin)
        case .imiMax: return .number(imiMax)
        case .imiMaxInclusive: return .bool(imiMaxInclusive)
        case .minimumSeriesLength: return .integer(minimumSeriesLength)
        case .shortIntervalMovementMayStartSeries: return .bool(shortIntervalMovementMayStartSeries)
        case .dropLastMovementOfRecording: return .bool(dropLastMovementOfRecording)
        case .respiratoryAnchor: return .choice(respiratoryAnchor.rawValue)
        case .respiratoryWindowBefore: return .number(respiratoryWindowBefore)
        case .respiratoryWindowAfter: return .number(respiratoryWindowAfter)
        case .respiratoryRemoval: return .choice(respiratoryRemoval.rawValue)
        case .respiratoryRemovalScope: return .choice(respiratoryRemovalScope.rawValue)
        case .lightsInclusion: return .choice(lightsInclusion.rawValue)
        case .arousalGap: return .number(arousalGap)
        case .arousalGapInclusive: return .bool(arousalGapInclusive)
        case .plmIndexCutoff: return .number(plmIndexCutoff)
        case .plmIndexCutoffInclusive: return .bool(plmIndexCutoffInclusive)
        case .defaultEpochDuration: return .number(defaultEpochDuration)
        }
    }

    /// Sets one option from its text form (`10`, `true`, `onset_window`, `null`).
    public mutating func set(_ key: RuleKey, from text: String) throws(RuleError) {
        func number() throws(RuleError) -> Double {
            guard let v = Double(text), v.isFinite else {
                throw RuleError(key: key.rawValue, message: "expected a number, got '\(text)'")
            }
            return v
        }
        func optionalNumber() throws(RuleError) -> Double? {
            if text == "null" || text == "none" { return nil }
            return try number()
        }
        func integer() throws(RuleError) -> Int {
            guard let v = Int(text) else {
                throw RuleError(key: key.rawValue, message: "expected a whole number, got '\(text)'")
            }
            return v
        }
        func bool() throws(RuleError) -> Bool {
            switch text.lowercased() {
            case "true", "yes", "1": return true
            case "false", "no", "0": return false
            default: throw RuleError(key: key.rawValue, message: "expected true or false, got '\(text)'")
            }
        }
        func choice<T: RawRepresentable & CaseIterable>(_: T.Type) throws(RuleError) -> T where T.RawValue == String {
            guard let v = T(rawValue: text) else {
                let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
                throw RuleError(key: key.rawValue, message: "expected one of \(allowed), got '\(text)'")
            }
            return v
        }
        switch key {
        case .minimumDuration: minimumDuration = try number()
        case .sameLegMergeGap: sameLegMergeGap = try number()
        case .sameLegMergeGapInclusive: sameLegMergeGapInclusive = try bool()
        case .maxMonolateralCandidateDuration: maxMonolateralCandidateDuration = try number()
        case .longMovementHandling: longMovementHandling = try choice(LongMovementHandling.self)
        case .bilateralRule: bilateralRule = try choice(BilateralRule.self)
        case .bilateralGap: bilateralGap = try number()
        case .bilateralGapInclusive: bilateralGapInclusive = try bool()
        case .bilateralOnsetWindow: bilateralOnsetWindow = try number()
        case .maxBilateralCandidateDuration: maxBilateralCandidateDuration = try optionalNumber()
        case .maxBilateralComponents:
            maxBilateralComponents = (text == "null" || text == "none") ? nil : try integer()
        case .imiMin: imiMin = try number()
        case .imiMax: imiMax = try number()
        case .imiMaxInclusive: imiMaxInclusive = try bool()
        case .minimumSeriesLength: minimumSeriesLength = try integer()
        case .shortIntervalMovementMayStartSeries: shortIntervalMovementMayStartSeries = try bool()
        case .dropLastMovementOfRecording: dropLastMovementOfRecording = try bool()
        case .respiratoryAnchor: respiratoryAnchor = try choice(RespiratoryAnchor.self)
        case .respiratoryWindowBefore: respiratoryWindowBefore = try number()
        case .respiratoryWindowAfter: respiratoryWindowAfter = try number()
        case .respiratoryRemoval: respiratoryRemoval = try choice(RespiratoryRemoval.self)
        case .respiratoryRemovalScope: respiratoryRemovalScope = try choice(RespiratoryRemovalScope.self)
        case .lightsInclusion: lightsInclusion = try choice(LightsInclusion.self)
        case .arousalGap: arousalGap = try number()
        case .arousalGapInclusive: arousalGapInclusive = try bool()
        case .plmIndexCutoff: plmIndexCutoff = try number()
        case .plmIndexCutoffInclusive: plmIndexCutoffInclusive = try bool()
        case .defaultEpochDuration: defaultEpochDuration = try number()
        }
    }

    /// Sets an option by its name; an unknown name is an error that lists the names.
    public mutating func set(option name: String, from text: String) throws(RuleError) {
        guard let key = RuleKey(rawValue: name) else {
            throw RuleError(
                key: name,
                message: "unknown option; known options: " + RuleKey.allCases.map(\.rawValue).joined(separator: ", "))
        }
        try set(key, from: text)
    }
}
