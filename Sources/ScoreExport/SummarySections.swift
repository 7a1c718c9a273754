import LegMovementScoring

// The typed sections of summary.json beyond the scoring figures: the detector's, the data quality's and the
// store's correlation. Each is encoded once, here, into the byte-stable `JSONValue` (sorted keys, fixed decimals)
// and decoded with `Decodable` through the same `CodingKeys`, so that a key renamed on one side fails to compile
// or fails the round-trip tests (ScoreExportTests, NightAnalysisTests) instead of silently blanking a reader.

/// A typed section of summary.json: written through `JSONValueEncoder` (fractions as `Fixed`), read with
/// `Decodable` through the same coding keys.
public protocol SummarySection: Sendable, Equatable, Codable {}

extension SummarySection {
    /// The section as written into summary.json. Encoding a section cannot fail (every fraction is `Fixed`;
    /// ScoreExportTests encodes each one), so the null fallback is never written.
    public var json: JSONValue { (try? JSONValueEncoder.encode(self)) ?? .null }
}

/// summary.json's `detector` section: the detector's parameters (docs/detector.md), in physical units, and what it
/// found.
public struct DetectorSection: SummarySection {
    public var sampleRateHz: Double
    /// The legs the recording declares, `left` / `right`.
    public var legs: [String]
    public var lowPassCutoffHz: Double
    public var motionLagSeconds: Double
    public var baselineTimeConstantSeconds: Double
    public var noiseWindowSeconds: Double
    public var deviationOnsetFactor: Double
    public var motionOnsetFactor: Double
    public var offsetFraction: Double
    public var minimumDeviationThresholdG: Double
    public var minimumMotionThresholdG: Double
    public var minimumAlongThresholdG: Double
    public var spikeLimitG: Double
    public var minimumStrongSpanSeconds: Double
    public var restSettleTimeSeconds: Double
    public var shiftFraction: Double
    public var noiseFloorValuesPerSecond: Double
    public var quietToEndSeconds: Double
    public var settleTimeSeconds: Double
    public var minimumDurationSeconds: Double
    public var postureChangeAngleDegrees: Double
    public var epochLengthSeconds: Double
    public var lyingMaxElevationDegrees: Double
    public var walkingMotionG: Double
    public var inBedMinimumSeconds: Double
    public var inBedBridgeSeconds: Double
    public var stillFlagSeconds: Double
    /// Leg movements the detector found (before scoring).
    public var lmDetectedCount: Int
    public var postureChangeCount: Int

    public init(
        sampleRateHz: Double, legs: [String], lowPassCutoffHz: Double, motionLagSeconds: Double,
        baselineTimeConstantSeconds: Double, noiseWindowSeconds: Double, deviationOnsetFactor: Double,
        motionOnsetFactor: Double, offsetFraction: Double, minimumDeviationThresholdG: Double,
        minimumMotionThresholdG: Double, minimumAlongThresholdG: Double, spikeLimitG: Double,
        minimumStrongSpanSeconds: Double, restSettleTimeSeconds: Double, shiftFraction: Double,
        noiseFloorValuesPerSecond: Double, quietToEndSeconds: Double, settleTimeSeconds: Double,
        minimumDurationSeconds: Double, postureChangeAngleDegrees: Double, epochLengthSeconds: Double,
        lyingMaxElevationDegrees: Double, walkingMotionG: Double, inBedMinimumSeconds: Double,
        inBedBridgeSeconds: Double, stillFlagSeconds: Double, lmDetectedCount: Int, postureChangeCount: Int
    ) {
        self.sampleRateHz = sampleRateHz
        self.legs = legs
        self.lowPassCutoffHz = lowPassCutoffHz
        self.motionLagSeconds = motionLagSeconds
        self.baselineTimeConstantSeconds = baselineTimeConstantSeconds
        self.noiseWindowSeconds = noiseWindowSeconds
        self.deviationOnsetFactor = deviationOnsetFactor
        self.motionOnsetFactor = motionOnsetFactor
        self.offsetFraction = offsetFraction
        self.minimumDeviationThresholdG = minimumDeviationThresholdG
        self.minimumMotionThresholdG = minimumMotionThresholdG
        self.minimumAlongThresholdG = minimumAlongThresholdG
        self.spikeLimitG = spikeLimitG
        self.minimumStrongSpanSeconds = minimumStrongSpanSeconds
        self.restSettleTimeSeconds = restSettleTimeSeconds
        self.shiftFraction = shiftFraction
        self.noiseFloorValuesPerSecond = noiseFloorValuesPerSecond
        self.quietToEndSeconds = quietToEndSeconds
        self.settleTimeSeconds = settleTimeSeconds
        self.minimumDurationSeconds = minimumDurationSeconds
        self.postureChangeAngleDegrees = postureChangeAngleDegrees
        self.epochLengthSeconds = epochLengthSeconds
        self.lyingMaxElevationDegrees = lyingMaxElevationDegrees
        self.walkingMotionG = walkingMotionG
        self.inBedMinimumSeconds = inBedMinimumSeconds
        self.inBedBridgeSeconds = inBedBridgeSeconds
        self.stillFlagSeconds = stillFlagSeconds
        self.lmDetectedCount = lmDetectedCount
        self.postureChangeCount = postureChangeCount
    }

    enum CodingKeys: String, CodingKey {
        case sampleRateHz = "sample_rate_hz"
        case legs
        case lowPassCutoffHz = "low_pass_cutoff_hz"
        case motionLagSeconds = "motion_lag_s"
        case baselineTimeConstantSeconds = "baseline_time_constant_s"
        case noiseWindowSeconds = "noise_window_s"
        case deviationOnsetFactor = "deviation_onset_factor"
        case motionOnsetFactor = "motion_onset_factor"
        case offsetFraction = "offset_fraction"
        case minimumDeviationThresholdG = "minimum_deviation_threshold_g"
        case minimumMotionThresholdG = "minimum_motion_threshold_g"
        case minimumAlongThresholdG = "minimum_along_threshold_g"
        case spikeLimitG = "spike_limit_g"
        case minimumStrongSpanSeconds = "minimum_strong_span_s"
        case restSettleTimeSeconds = "rest_settle_time_s"
        case shiftFraction = "shift_fraction"
        case noiseFloorValuesPerSecond = "noise_floor_values_per_second"
        case quietToEndSeconds = "quiet_to_end_s"
        case settleTimeSeconds = "settle_time_s"
        case minimumDurationSeconds = "minimum_duration_s"
        case postureChangeAngleDegrees = "posture_change_angle_deg"
        case epochLengthSeconds = "epoch_length_s"
        case lyingMaxElevationDegrees = "lying_max_elevation_deg"
        case walkingMotionG = "walking_motion_g"
        case inBedMinimumSeconds = "in_bed_minimum_s"
        case inBedBridgeSeconds = "in_bed_bridge_s"
        case stillFlagSeconds = "still_flag_s"
        case lmDetectedCount = "lm_detected_count"
        case postureChangeCount = "posture_change_count"
    }

    /// Every parameter with three decimals.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        for (key, value) in parameters { try c.encode(Fixed(value, 3), forKey: key) }
        try c.encode(legs, forKey: .legs)
        try c.encode(lmDetectedCount, forKey: .lmDetectedCount)
        try c.encode(postureChangeCount, forKey: .postureChangeCount)
    }

    /// The numeric parameters by key (sample rate included).
    var parameters: [(CodingKeys, Double)] {
        [
            (.sampleRateHz, sampleRateHz), (.lowPassCutoffHz, lowPassCutoffHz), (.motionLagSeconds, motionLagSeconds),
            (.baselineTimeConstantSeconds, baselineTimeConstantSeconds), (.noiseWindowSeconds, noiseWindowSeconds),
            (.deviationOnsetFactor, deviationOnsetFactor), (.motionOnsetFactor, motionOnsetFactor),
            (.offsetFraction, offsetFraction), (.minimumDeviationThresholdG, minimumDeviationThresholdG),
            (.minimumMotionThresholdG, minimumMotionThresholdG), (.minimumAlongThresholdG, minimumAlongThresholdG),
            (.spikeLimitG, spikeLimitG), (.minimumStrongSpanSeconds, minimumStrongSpanSeconds),
            (.restSettleTimeSeconds, restSettleTimeSeconds), (.shiftFraction, shiftFraction),
            (.noiseFloorValuesPerSecond, noiseFloorValuesPerSecond), (.quietToEndSeconds, quietToEndSeconds),
            (.settleTimeSeconds, settleTimeSeconds), (.minimumDurationSeconds, minimumDurationSeconds),
            (.postureChangeAngleDegrees, postureChangeAngleDegrees), (.epochLengthSeconds, epochLengthSeconds),
            (.lyingMaxElevationDegrees, lyingMaxElevationDegrees), (.walkingMotionG, walkingMotionG),
            (.inBedMinimumSeconds, inBedMinimumSeconds), (.inBedBridgeSeconds, inBedBridgeSeconds),
            (.stillFlagSeconds, stillFlagSeconds),
        ]
    }
}

/// summary.json's `data_quality` section: how much of the night each leg's sensor saw, and what went wrong.
public struct DataQualitySection: SummarySection {
    public var recordingSeconds: Double
    public var inBedSeconds: Double
    public var legs: Legs
    public var findings: [String]
    /// Problems in a `.plmrec` file (byte offsets), when the recording is one.
    public var recording: RecordingFile?
    /// What the reader found while reading (time jumps, impossible samples), when it found anything.
    public var reading: Reading?
    /// Two recordings, one per leg (`plm-replay --left A --right B`): how their clocks were aligned.
    public var legFiles: LegFiles?

    public init(
        recordingSeconds: Double, inBedSeconds: Double, legs: Legs, findings: [String], recording: RecordingFile? = nil,
        reading: Reading? = nil
    ) {
        self.recordingSeconds = recordingSeconds
        self.inBedSeconds = inBedSeconds
        self.legs = legs
        self.findings = findings
        self.recording = recording
        self.reading = reading
    }

    enum CodingKeys: String, CodingKey {
        case recordingSeconds = "recording_s"
        case inBedSeconds = "in_bed_s"
        case legs, findings, recording, reading
        case legFiles = "leg_files"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Fixed(recordingSeconds, 1), forKey: .recordingSeconds)
        try c.encode(Fixed(inBedSeconds, 1), forKey: .inBedSeconds)
        try c.encode(legs, forKey: .legs)
        try c.encode(findings, forKey: .findings)
        try c.encodeIfPresent(recording, forKey: .recording)
        try c.encodeIfPresent(reading, forKey: .reading)
        try c.encodeIfPresent(legFiles, forKey: .legFiles)
    }

    /// Two recordings, one per leg, on one grid (docs/recording-format.md, "One device per ankle"): which clock
    /// the files' starts were compared on, the offset between them, and each file's rate and drift.
    public struct LegFiles: Sendable, Equatable, Codable {
        /// `utc` when both files state their start in UTC, else `device` (both devices' local clocks).
        public var clock: String
        /// The right file's first sample minus the left file's, s (positive: the right device started later).
        public var startOffsetSeconds: Double
        /// The rate of the common grid (the higher of the two), Hz.
        public var sampleRateHz: Double
        public var left: File
        public var right: File

        public init(clock: String, startOffsetSeconds: Double, sampleRateHz: Double, left: File, right: File) {
            self.clock = clock
            self.startOffsetSeconds = startOffsetSeconds
            self.sampleRateHz = sampleRateHz
            self.left = left
            self.right = right
        }

        enum CodingKeys: String, CodingKey {
            case clock
            case startOffsetSeconds = "start_offset_s"
            case sampleRateHz = "sample_rate_hz"
            case left, right
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(clock, forKey: .clock)
            try c.encode(Fixed(startOffsetSeconds, 6), forKey: .startOffsetSeconds)
            try c.encode(Fixed(sampleRateHz, 3), forKey: .sampleRateHz)
            try c.encode(left, forKey: .left)
            try c.encode(right, forKey: .right)
        }

        /// One of the two files.
        public struct File: Sendable, Equatable, Codable {
            public var file: String
            public var format: String
            /// The first sample's time on the compared clock (ISO 8601).
            public var start: String
            /// The rate the file states, Hz.
            public var sampleRateHz: Double
            /// The first sample's offset from the common origin (the earlier start), s.
            public var offsetSeconds: Double
            /// The rate the file's own time stamps show, Hz; nil when the format has no per-block stamps.
            public var timeStampRateHz: Double?
            /// (time-stamp rate ÷ stated rate − 1) × 10⁶; nil as above.
            public var driftPPM: Double?

            public init(
                file: String, format: String, start: String, sampleRateHz: Double, offsetSeconds: Double,
                timeStampRateHz: Double?, driftPPM: Double?
            ) {
                self.file = file
                self.format = format
                self.start = start
                self.sampleRateHz = sampleRateHz
                self.offsetSeconds = offsetSeconds
                self.timeStampRateHz = timeStampRateHz
                self.driftPPM = driftPPM
            }

            enum CodingKeys: String, CodingKey {
                case file, format, start
                case sampleRateHz = "sample_rate_hz"
                case offsetSeconds = "offset_s"
                case timeStampRateHz = "time_stamp_rate_hz"
                case driftPPM = "drift_ppm"
            }

            public func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(file, forKey: .file)
                try c.encode(format, forKey: .format)
                try c.encode(start, forKey: .start)
                try c.encode(Fixed(sampleRateHz, 3), forKey: .sampleRateHz)
                try c.encode(Fixed(offsetSeconds, 6), forKey: .offsetSeconds)
                try c.encode(timeStampRateHz.map { Fixed($0, 6) }, forKey: .timeStampRateHz)
                try c.encode(driftPPM.map { Fixed($0, 1) }, forKey: .driftPPM)
            }
        }
    }

    /// The legs the recording declares (an undeclared leg has no entry).
    public struct Legs: Sendable, Equatable, Codable {
        public var left: LegFigures?
        public var right: LegFigures?

        public init(left: LegFigures? = nil, right: LegFigures? = nil) {
            self.left = left
            self.right = right
        }

        public subscript(leg: Leg) -> LegFigures? {
            get { leg == .left ? left : right }
            set { if leg == .left { left = newValue } else { right = newValue } }
        }

        /// The declared legs' figures, left first.
        public var all: [LegFigures] { [left, right].compactMap { $0 } }
    }

    /// One leg's data quality.
    public struct LegFigures: Sendable, Equatable, Codable {
        /// Seconds with data.
        public var validSeconds: Double
        public var gapSeconds: Double
        public var gapCount: Int
        public var clippedSamples: Int
        /// The noise floor the detector learned, g; nil when it learned none.
        public var noiseFloorG: Double?
        public var legAxisLearned: Bool
        public var stillStretchCount: Int
        public var possiblyNotWorn: Bool
        public var missing: Bool
        public var lmCount: Int
        public var postureChangeCount: Int

        public init(
            validSeconds: Double, gapSeconds: Double, gapCount: Int, clippedSamples: Int, noiseFloorG: Double?,
            legAxisLearned: Bool, stillStretchCount: Int, possiblyNotWorn: Bool, missing: Bool, lmCount: Int,
            postureChangeCount: Int
        ) {
            self.validSeconds = validSeconds
            self.gapSeconds = gapSeconds
            self.gapCount = gapCount
            self.clippedSamples = clippedSamples
            self.noiseFloorG = noiseFloorG
            self.legAxisLearned = legAxisLearned
            self.stillStretchCount = stillStretchCount
            self.possiblyNotWorn = possiblyNotWorn
            self.missing = missing
            self.lmCount = lmCount
            self.postureChangeCount = postureChangeCount
        }

        enum CodingKeys: String, CodingKey {
            case validSeconds = "valid_s"
            case gapSeconds = "gap_s"
            case gapCount = "gap_count"
            case clippedSamples = "clipped_samples"
            case noiseFloorG = "noise_floor_g"
            case legAxisLearned = "leg_axis_learned"
            case stillStretchCount = "still_stretch_count"
            case possiblyNotWorn = "possibly_not_worn"
            case missing
            case lmCount = "lm_count"
            case postureChangeCount = "posture_change_count"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(Fixed(validSeconds, 1), forKey: .validSeconds)
            try c.encode(Fixed(gapSeconds, 1), forKey: .gapSeconds)
            try c.encode(gapCount, forKey: .gapCount)
            try c.encode(clippedSamples, forKey: .clippedSamples)
            // Written as null when there is none.
            try c.encode(noiseFloorG.map { Fixed($0, 4) }, forKey: .noiseFloorG)
            try c.encode(legAxisLearned, forKey: .legAxisLearned)
            try c.encode(stillStretchCount, forKey: .stillStretchCount)
            try c.encode(possiblyNotWorn, forKey: .possiblyNotWorn)
            try c.encode(missing, forKey: .missing)
            try c.encode(lmCount, forKey: .lmCount)
            try c.encode(postureChangeCount, forKey: .postureChangeCount)
        }
    }

    /// A `.plmrec` file's blocks and frames: what was read, what was damaged (docs/recording-format.md).
    public struct RecordingFile: Sendable, Equatable, Codable {
        public var blocksOK: Int
        public var blocksCorrupt: Int
        /// Byte offset where a torn last block starts, if the file ends in one.
        public var tornTailOffset: Int?
        public var framesOK: Int
        public var framesBad: Int
        public var framesDuplicate: Int
        public var sequenceJumps: Int
        public var deviceRestarts: Int
        public var samplesLost: Int
        public var problemCount: Int
        /// The first problems, each with its byte offset.
        public var problems: [String]

        public init(
            blocksOK: Int, blocksCorrupt: Int, tornTailOffset: Int?, framesOK: Int, framesBad: Int,
            framesDuplicate: Int, sequenceJumps: Int, deviceRestarts: Int, samplesLost: Int, problemCount: Int,
            problems: [String]
        ) {
            self.blocksOK = blocksOK
            self.blocksCorrupt = blocksCorrupt
            self.tornTailOffset = tornTailOffset
            self.framesOK = framesOK
            self.framesBad = framesBad
            self.framesDuplicate = framesDuplicate
            self.sequenceJumps = sequenceJumps
            self.deviceRestarts = deviceRestarts
            self.samplesLost = samplesLost
            self.problemCount = problemCount
            self.problems = problems
        }

        enum CodingKeys: String, CodingKey {
            case blocksOK = "blocks_ok"
            case blocksCorrupt = "blocks_corrupt"
            case tornTailOffset = "torn_tail_offset"
            case framesOK = "frames_ok"
            case framesBad = "frames_bad"
            case framesDuplicate = "frames_duplicate"
            case sequenceJumps = "sequence_jumps"
            case deviceRestarts = "device_restarts"
            case samplesLost = "samples_lost"
            case problemCount = "problem_count"
            case problems
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(blocksOK, forKey: .blocksOK)
            try c.encode(blocksCorrupt, forKey: .blocksCorrupt)
            try c.encode(tornTailOffset, forKey: .tornTailOffset)
            try c.encode(framesOK, forKey: .framesOK)
            try c.encode(framesBad, forKey: .framesBad)
            try c.encode(framesDuplicate, forKey: .framesDuplicate)
            try c.encode(sequenceJumps, forKey: .sequenceJumps)
            try c.encode(deviceRestarts, forKey: .deviceRestarts)
            try c.encode(samplesLost, forKey: .samplesLost)
            try c.encode(problemCount, forKey: .problemCount)
            try c.encode(problems, forKey: .problems)
        }
    }

    /// What the reader found while reading.
    public struct Reading: Sendable, Equatable, Codable {
        public var findings: [String]
        public var samplesExcluded: Int

        public init(findings: [String], samplesExcluded: Int) {
            self.findings = findings
            self.samplesExcluded = samplesExcluded
        }

        enum CodingKeys: String, CodingKey {
            case findings
            case samplesExcluded = "samples_excluded"
        }
    }
}

/// summary.json's `correlation` section (nights filed in a store): the store's diary factors against the nightly
/// PLM index (docs/statistics.md) and this night's rolling median.
public struct CorrelationSection: SummarySection {
    public var nights: Int
    public var diaryNights: Int
    /// The rolling median of the PLM index at this night, when it has one.
    public var rollingMedianPLMIndex: Double?
    public var rollingWindowNights: Int
    /// Every factor with at least one night.
    public var factors: [Factor]

    public init(
        nights: Int, diaryNights: Int, rollingMedianPLMIndex: Double?, rollingWindowNights: Int, factors: [Factor]
    ) {
        self.nights = nights
        self.diaryNights = diaryNights
        self.rollingMedianPLMIndex = rollingMedianPLMIndex
        self.rollingWindowNights = rollingWindowNights
        self.factors = factors
    }

    enum CodingKeys: String, CodingKey {
        case nights
        case diaryNights = "diary_nights"
        case rollingMedianPLMIndex = "rolling_median_plm_index"
        case rollingWindowNights = "rolling_window_nights"
        case factors
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(nights, forKey: .nights)
        try c.encode(diaryNights, forKey: .diaryNights)
        try c.encode(rollingMedianPLMIndex.map { Fixed($0, 3) }, forKey: .rollingMedianPLMIndex)
        try c.encode(rollingWindowNights, forKey: .rollingWindowNights)
        try c.encode(factors, forKey: .factors)
    }

    /// One diary factor's test.
    public struct Factor: Sendable, Equatable, Codable {
        public var factor: String
        public var kind: String
        public var lagNights: Int
        public var nights: Int
        public var nightsWith: Int?
        public var nightsWithout: Int?
        public var effect: Double?
        public var ciLower: Double?
        public var ciUpper: Double?
        public var pValue: Double?
        public var qValue: Double?
        /// What `effect` measures, e.g. `hodges_lehmann_shift_per_h`.
        public var effectMeasure: String
        public var method: String
        public var adjustedFor: [String]
        public var moreNightsNeeded: Int?
        public var sentence: String

        public init(
            factor: String, kind: String, lagNights: Int, nights: Int, nightsWith: Int?, nightsWithout: Int?,
            effect: Double?, ciLower: Double?, ciUpper: Double?, pValue: Double?, qValue: Double?,
            effectMeasure: String, method: String, adjustedFor: [String], moreNightsNeeded: Int?, sentence: String
        ) {
            self.factor = factor
            self.kind = kind
            self.lagNights = lagNights
            self.nights = nights
            self.nightsWith = nightsWith
            self.nightsWithout = nightsWithout
            self.effect = effect
            self.ciLower = ciLower
            self.ciUpper = ciUpper
            self.pValue = pValue
            self.qValue = qValue
            self.effectMeasure = effectMeasure
            self.method = method
            self.adjustedFor = adjustedFor
            self.moreNightsNeeded = moreNightsNeeded
            self.sentence = sentence
        }

        enum CodingKeys: String, CodingKey {
            case factor, kind
            case lagNights = "lag_nights"
            case nights
            case nightsWith = "nights_with"
            case nightsWithout = "nights_without"
            case effect
            case ciLower = "ci_lower"
            case ciUpper = "ci_upper"
            case pValue = "p_value"
            case qValue = "q_value"
            case effectMeasure = "effect_measure"
            case method
            case adjustedFor = "adjusted_for"
            case moreNightsNeeded = "more_nights_needed"
            case sentence
        }

        /// Effects and intervals with four decimals, p and q values with six; absent values as null.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(factor, forKey: .factor)
            try c.encode(kind, forKey: .kind)
            try c.encode(lagNights, forKey: .lagNights)
            try c.encode(nights, forKey: .nights)
            try c.encode(nightsWith, forKey: .nightsWith)
            try c.encode(nightsWithout, forKey: .nightsWithout)
            try c.encode(effect.map { Fixed($0, 4) }, forKey: .effect)
            try c.encode(ciLower.map { Fixed($0, 4) }, forKey: .ciLower)
            try c.encode(ciUpper.map { Fixed($0, 4) }, forKey: .ciUpper)
            try c.encode(pValue.map { Fixed($0, 6) }, forKey: .pValue)
            try c.encode(qValue.map { Fixed($0, 6) }, forKey: .qValue)
            try c.encode(effectMeasure, forKey: .effectMeasure)
            try c.encode(method, forKey: .method)
            try c.encode(adjustedFor, forKey: .adjustedFor)
            try c.encode(moreNightsNeeded, forKey: .moreNightsNeeded)
            try c.encode(sentence, forKey: .sentence)
        }
    }
}

/// One IMI histogram of summary.json (`imi_histogram_2s`, `imi_histogram_log10`): bins of `width` from `start`,
/// in the histogram's unit, and the counts that fell outside.
public struct SummaryHistogram: Sendable, Equatable {
    public var start: Double
    public var width: Double
    public var counts: [Int]
    public var below: Int
    public var above: Int

    public init(start: Double, width: Double, counts: [Int], below: Int, above: Int) {
        self.start = start
        self.width = width
        self.counts = counts
        self.below = below
        self.above = above
    }

    /// The two histograms of summary.json: their keys and units.
    public enum Kind: String, CaseIterable, Sendable {
        case linear = "imi_histogram_2s"
        case log = "imi_histogram_log10"

        var unit: String { self == .linear ? "s" : "log10_s" }
        static let decimals = 1
    }

    func json(_ kind: Kind) -> JSONValue {
        .object([
            "bin_start_\(kind.unit)": .fixed(start, decimals: Kind.decimals),
            "bin_width_\(kind.unit)": .fixed(width, decimals: Kind.decimals),
            "counts": .array(counts.map { .integer($0) }),
            "below": .integer(below),
            "above": .integer(above),
        ])
    }

    init(from c: KeyedDecodingContainer<AnyKey>, kind: Kind) throws {
        start = try c.decode(Double.self, forKey: AnyKey("bin_start_\(kind.unit)"))
        width = try c.decode(Double.self, forKey: AnyKey("bin_width_\(kind.unit)"))
        counts = try c.decode([Int].self, forKey: AnyKey("counts"))
        // Summaries of older versions may lack the out-of-range counts.
        below = try c.decodeIfPresent(Int.self, forKey: AnyKey("below")) ?? 0
        above = try c.decodeIfPresent(Int.self, forKey: AnyKey("above")) ?? 0
    }
}

/// The IMI histograms of a stored summary.json, decoded one by one: a histogram missing or malformed (a summary
/// written by an older version) is nil, the other still read.
public struct SummaryHistograms: Sendable, Equatable, Decodable {
    public var linear: SummaryHistogram?
    public var log: SummaryHistogram?

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        func read(_ kind: SummaryHistogram.Kind) -> SummaryHistogram? {
            guard let h = try? c.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey(kind.rawValue)) else { return nil }
            return try? SummaryHistogram(from: h, kind: kind)
        }
        linear = read(.linear)
        log = read(.log)
    }
}

/// The typed sections of a summary.json, decoded: those it has are decoded strictly (a renamed or mistyped key is
/// an error), those it lacks are nil.
public struct SummarySections: Sendable, Equatable, Decodable {
    public var detector: DetectorSection?
    public var dataQuality: DataQualitySection?
    public var correlation: CorrelationSection?

    enum CodingKeys: String, CodingKey {
        case detector
        case dataQuality = "data_quality"
        case correlation
    }
}

/// A coding key made of any string (the histograms' unit-named keys).
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A number to be written with exactly `decimals` digits after the point (`JSONValue.fixed`); it is read back as a
/// plain `Double`.
struct Fixed: Encodable {
    var value: Double
    var decimals: Int
    init(_ value: Double, _ decimals: Int) {
        self.value = value
        self.decimals = decimals
    }
    func encode(to encoder: any Encoder) throws {
        // Only `JSONValueEncoder` knows fixed decimals; any other encoder gets the plain number.
        if let e = encoder as? JSONValueEncoder.Node {
            e.set(.fixed(value, decimals: decimals))
        } else {
            var c = encoder.singleValueContainer()
            try c.encode(value)
        }
    }
}
