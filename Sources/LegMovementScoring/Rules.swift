/// The scoring rules: every choice where the standards or the open-source peers differ is a named option.
///
/// Sources (cited per option below):
/// - [WASM2016] Ferri R et al. World Association of Sleep Medicine (WASM) 2016 standards for recording and
///   scoring leg movements in polysomnograms developed by a joint task force from the IRLSSG, the EURLSSG and
///   the WASM. Sleep Med 2016;26:86–95.
/// - [WASM2006] Zucconi M et al. The official WASM standards for recording and scoring periodic leg movements
///   in sleep (PLMS) and wakefulness (PLMW). Sleep Med 2006;7:175–183.
/// - [AASM] Berry RB et al. The AASM Manual for the Scoring of Sleep and Associated Events, v2.x, Movement rules.
/// - [ICSD3] American Academy of Sleep Medicine. International Classification of Sleep Disorders, 3rd ed., 2014.
/// - [PEERS] Behaviour of PLMScoRe, MATPLM, Luna and SOMAS on identical input (docs/scoring.md).
///
/// All durations are in seconds here; `resolved()` converts them to microseconds in one place.
public struct ScoringRules: Sendable, Equatable {
    /// How monolateral LMs longer than `maxMonolateralCandidateDuration` are treated.
    public enum LongMovementHandling: String, Sendable, CaseIterable {
        /// [WASM2016] They stay LMs but are not candidates, and a non-candidate breaks a PLM series.
        case breakSeries = "break_series"
        /// [AASM] They are not LMs at all: dropped before bilateral combination and series detection.
        case ignore = "ignore"
    }

    /// How LMs on the two legs are combined into one bilateral LM.
    public enum BilateralRule: String, Sendable, CaseIterable {
        /// [WASM2016] Monolateral LMs on different legs that overlap or are separated by less than
        /// `bilateralGap` (end of one to start of the next).
        case gap = "gap"
        /// [AASM] LMs on different legs whose onsets are less than `bilateralOnsetWindow` apart.
        case onsetWindow = "onset_window"
    }

    /// Which part of a respiratory event the breathing-related LM window is anchored on.
    public enum RespiratoryAnchor: String, Sendable, CaseIterable {
        /// [WASM2016] The window runs from `respiratoryWindowBefore` before the event's end to
        /// `respiratoryWindowAfter` after it.
        case eventEnd = "event_end"
        /// [AASM] The window runs from `respiratoryWindowBefore` before the event's start to
        /// `respiratoryWindowAfter` after its end.
        case eventSpan = "event_span"
    }

    /// How breathing-related LMs enter the "nr" (non-respiratory) figures.
    public enum RespiratoryRemoval: String, Sendable, CaseIterable {
        /// [WASM2016, PEERS: PLMScoRe, SOMAS] Removed from the LM sequence; IMIs and series are recomputed
        /// across the gap they leave.
        case removeAndRecompute = "remove_and_recompute"
        /// [PEERS: MATPLM] The series stay as scored; PLMs that are breathing-related are just not counted.
        case flagOnly = "flag_only"
    }

    /// Which breathing-related LMs leave the sequence for the "nr" figures (with `remove_and_recompute`).
    public enum RespiratoryRemovalScope: String, Sendable, CaseIterable {
        /// [PEERS: PLMScoRe] Only breathing-related candidate LMs are removed; a breathing-related
        /// non-candidate stays and still breaks a series.
        case candidates = "candidates"
        /// Every breathing-related LM is removed, non-candidates too.
        case all = "all"
    }

    /// Which LMs count as between lights off and lights on.
    public enum LightsInclusion: String, Sendable, CaseIterable {
        /// An LM whose onset is at or after lights off and before lights on.
        case onsetWithin = "onset_within"
        /// [PEERS: PLMScoRe] An LM that ends at or after lights off and starts at or before lights on.
        case overlap = "overlap"
    }

    /// The profile these rules started from (`wasm2016`, `aasm`, or a user profile's name).
    public var profile: String

    // MARK: Leg movement definition

    /// Minimum LM duration, s. [WASM2016] [AASM] 0.5 s.
    public var minimumDuration: Double
    /// Same-leg LMs closer than this (end to next start) are one LM, s. [WASM2016] 0.5 s; [AASM] follows from
    /// the offset rule (0.5 s quiet ends an LM).
    public var sameLegMergeGap: Double
    /// Whether a same-leg gap of exactly `sameLegMergeGap` merges. [WASM2016, PEERS: PLMScoRe] no (strictly
    /// below); [PEERS: MATPLM] yes.
    public var sameLegMergeGapInclusive: Bool
    /// A monolateral LM longer than this is not a candidate LM, s. [WASM2016] [AASM] 10 s.
    public var maxMonolateralCandidateDuration: Double
    /// What becomes of monolateral LMs longer than `maxMonolateralCandidateDuration`.
    public var longMovementHandling: LongMovementHandling

    // MARK: Bilateral combination

    public var bilateralRule: BilateralRule
    /// Bilateral gap, s (rule `gap`). [WASM2016] [WASM2006] 0.5 s.
    public var bilateralGap: Double
    /// Whether a gap of exactly `bilateralGap` combines. [WASM2016, PEERS: PLMScoRe] no; [PEERS: MATPLM] yes.
    public var bilateralGapInclusive: Bool
    /// Onset-to-onset window, s (rule `onset_window`). [AASM] 5 s.
    public var bilateralOnsetWindow: Double
    /// A bilateral LM longer than this is not a candidate, s; nil for no limit. [WASM2016] 15 s.
    public var maxBilateralCandidateDuration: Double?
    /// A bilateral LM of more monolateral LMs than this is not a candidate; nil for no limit. [WASM2016] 4.
    public var maxBilateralComponents: Int?

    // MARK: Inter-movement intervals and series

    /// Shortest IMI (onset to onset) inside a series, s. [WASM2016] 10 s; [AASM] [WASM2006] 5 s.
    public var imiMin: Double
    /// Longest IMI inside a series, s. [WASM2016] [AASM] 90 s.
    public var imiMax: Double
    /// Whether an IMI of exactly `imiMax` stays in a series. [WASM2016, PEERS: PLMScoRe, MATPLM, Luna] yes;
    /// [PEERS: SOMAS] no.
    public var imiMaxInclusive: Bool
    /// Fewest LMs that make a series. [WASM2016] [AASM] 4.
    public var minimumSeriesLength: Int
    /// Whether an LM that follows a short IMI (< `imiMin`) may start a new series.
    /// [PEERS: PLMScoRe, MATPLM, Luna] yes; [PEERS: SOMAS] no.
    public var shortIntervalMovementMayStartSeries: Bool
    /// Whether the last LM of the recording is left out of series detection. [PEERS: SOMAS] yes; others no.
    public var dropLastMovementOfRecording: Bool

    // MARK: Associations

    public var respiratoryAnchor: RespiratoryAnchor
    /// Breathing window start before the anchor, s. [WASM2016] 2.0 s before the event end; [AASM] 0.5 s
    /// before the event start.
    public var respiratoryWindowBefore: Double
    /// Breathing window end after the event end, s. [WASM2016] 10.25 s; [AASM] 0.5 s.
    public var respiratoryWindowAfter: Double
    public var respiratoryRemoval: RespiratoryRemoval
    public var respiratoryRemovalScope: RespiratoryRemovalScope
    /// An LM and an arousal closer than this (either order; overlap counts) are associated, s.
    /// [WASM2016] [AASM] 0.5 s.
    public var arousalGap: Double
    /// Whether a gap of exactly `arousalGap` associates. [WASM2016] no.
    public var arousalGapInclusive: Bool

    /// Which LMs are scored when lights off / on are given.
    public var lightsInclusion: LightsInclusion

    // MARK: Reporting

    /// Clinical cut-off of the PLM index, per hour. [ICSD3] > 15/h in adults (> 5/h in children).
    public var plmIndexCutoff: Double
    /// Whether an index equal to the cut-off counts as above it (some sources write >=). [ICSD3] no.
    public var plmIndexCutoffInclusive: Bool
    /// Duration given to a sleep-stage annotation without one, s. [AASM] 30 s epochs.
    public var defaultEpochDuration: Double

    /// WASM/IRLSSG 2016 (Ferri 2016) with the majority-of-peers choices (PLMScoRe, MATPLM, Luna). Default.
    public static let wasm2016 = ScoringRules(
        profile: "wasm2016",
        minimumDuration: 0.5,
        sameLegMergeGap: 0.5,
        sameLegMergeGapInclusive: false,
        maxMonolateralCandidateDuration: 10,
        longMovementHandling: .breakSeries,
        bilateralRule: .gap,
        bilateralGap: 0.5,
        bilateralGapInclusive: false,
        bilateralOnsetWindow: 5,
        maxBilateralCandidateDuration: 15,
        maxBilateralComponents: 4,
        imiMin: 10,
        imiMax: 90,
        imiMaxInclusive: true,
        minimumSeriesLength: 4,
        shortIntervalMovementMayStartSeries: true,
        dropLastMovementOfRecording: false,
        respiratoryAnchor: .eventEnd,
        respiratoryWindowBefore: 2.0,
        respiratoryWindowAfter: 10.25,
        respiratoryRemoval: .removeAndRecompute,
        respiratoryRemovalScope: .candidates,
        arousalGap: 0.5,
        arousalGapInclusive: false,
        lightsInclusion: .onsetWithin,
        plmIndexCutoff: 15,
        plmIndexCutoffInclusive: false,
        defaultEpochDuration: 30)

    /// AASM Scoring Manual v2.x: IMI 5–90 s, LMs > 10 s ignored, breathing window ±0.5 s around the event,
    /// legs combined when their onsets are < 5 s apart.
    public static let aasm: ScoringRules = {
        var r = ScoringRules.wasm2016
        r.profile = "aasm"
        r.longMovementHandling = .ignore
        r.bilateralRule = .onsetWindow
        r.maxBilateralCandidateDuration = nil
        r.maxBilateralComponents = nil
        r.imiMin = 5
        r.respiratoryAnchor = .eventSpan
        r.respiratoryWindowBefore = 0.5
        r.respiratoryWindowAfter = 0.5
        return r
    }()

    /// The built-in profiles by name.
    public static let builtInProfiles: [String: ScoringRules] = ["wasm2016": .wasm2016, "aasm": .aasm]
}

/// Rules with every time in microseconds: produced by `ScoringRules.resolved()`, used by the scorer.
public struct ResolvedRules: Sendable {
    public let rules: ScoringRules
    let minimumDuration: Microseconds
    let sameLegMergeGap: Microseconds
    let maxMonolateral: Microseconds
    let bilateralGap: Microseconds
    let bilateralOnsetWindow: Microseconds
    let maxBilateral: Microseconds?
    let imiMin: Microseconds
    let imiMax: Microseconds
    let respiratoryBefore: Microseconds
    let respiratoryAfter: Microseconds
    let arousalGap: Microseconds
    let defaultEpoch: Microseconds
}

/// A rule value that cannot be used, with the option's key and what was expected.
public struct RuleError: Error, Equatable, CustomStringConvertible {
    public var key: String
    public var message: String
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }
    public var description: String { "rule option '\(key)': \(message)" }
}

extension ScoringRules {
    /// Checks every value and converts times to microseconds. The only place rule seconds become integers.
    public func resolved() throws(RuleError) -> ResolvedRules {
        func us(_ key: RuleKey, _ seconds: Double, positive: Bool = false) throws(RuleError) -> Microseconds {
            guard let v = Seconds.microseconds(seconds), v >= 0, !(positive && v == 0) else {
                throw RuleError(
                    key: key.rawValue,
                    message: "expected a \(positive ? "positive" : "non-negative") number of seconds, got \(seconds)")
            }
            return v
        }
        let maxBilateral: Microseconds?
        if let m = maxBilateralCandidateDuration {
            maxBilateral = try us(.maxBilateralCandidateDuration, m, positive: true)
        } else {
            maxBilateral = nil
        }
        if let c = maxBilateralComponents, c < 1 {
            throw RuleError(key: RuleKey.maxBilateralComponents.rawValue, message: "expected at least 1, got \(c)")
        }
        guard minimumSeriesLength >= 2 else {
            throw RuleError(
                key: RuleKey.minimumSeriesLength.rawValue, message: "expected at least 2, got \(minimumSeriesLength)")
        }
        let imiMinUS = try us(.imiMin, imiMin)
        let imiMaxUS = try us(.imiMax, imiMax, positive: true)
        guard imiMinUS <= imiMaxUS else {
            throw RuleError(key: RuleKey.imiMin.rawValue, message: "must not exceed imi_max_s (\(imiMax) s)")
        }
        guard plmIndexCutoff.isFinite, plmIndexCutoff >= 0 else {
            throw RuleError(key: RuleKey.plmIndexCutoff.rawValue, message: "expected a non-negative number per hour")
        }
        return ResolvedRules(
            rules: self,
            minimumDuration: try us(.minimumDuration, minimumDuration),
            sameLegMergeGap: try us(.sameLegMergeGap, sameLegMergeGap),
            maxMonolateral: try us(.maxMonolateralCandidateDuration, maxMonolateralCandidateDuration, positive: true),
            bilateralGap: try us(.bilateralGap, bilateralGap),
            bilateralOnsetWindow: try us(.bilateralOnsetWindow, bilateralOnsetWindow),
            maxBilateral: maxBilateral,
            imiMin: imiMinUS,
            imiMax: imiMaxUS,
            respiratoryBefore: try us(.respiratoryWindowBefore, respiratoryWindowBefore),
            respiratoryAfter: try us(.respiratoryWindowAfter, respiratoryWindowAfter),
            arousalGap: try us(.arousalGap, arousalGap),
            defaultEpoch: try us(.defaultEpochDuration, defaultEpochDuration, positive: true))
    }
}
