import AccelerationSignal
import Foundation
import LegMovementDetection
import LegMovementScoring
import ScoreExport

/// One night's frames through detector and scoring into a report whose `detector` and `data_quality` sections
/// are typed (`DetectorSection`, `DataQualitySection`). NightPipeline runs it for `plm-replay` and the daemon alike;
/// it reads no file and writes none.
public enum NightAnalysis {
    /// How fast to feed the frames: as fast as possible, or paced against the recording's own clock.
    public enum Pace: Sendable, Equatable {
        case max
        /// Times real time (1 = real time).
        case factor(Double)

        /// `max`, `realtime`, or `Nx` such as `60x`.
        public init?(argument: String) {
            switch argument.lowercased() {
            case "max": self = .max
            case "realtime": self = .factor(1)
            default:
                guard argument.lowercased().hasSuffix("x"), let f = Double(argument.dropLast()), f > 0, f.isFinite
                else { return nil }
                self = .factor(f)
            }
        }
    }

    public struct Options: Sendable {
        public var rules: ScoringRules
        public var detector: DetectorParameters
        /// Frames per chunk read from the source.
        public var chunkFrames: Int
        public var pace: Pace
        /// Work the two legs on two threads and read ahead on a third (one night at a time); off when several
        /// nights already run side by side on the cores.
        public var legsConcurrently: Bool
        /// Time in bed given by the user (`plm-replay --in-bed`), seconds from the recording's start: replaces
        /// the time in bed the detector finds from the legs' posture.
        public var inBed: [InBedInterval]?

        public init(
            rules: ScoringRules = .wasm2016, detector: DetectorParameters = .standard, chunkFrames: Int = 16384,
            pace: Pace = .max, legsConcurrently: Bool = true, inBed: [InBedInterval]? = nil
        ) {
            self.rules = rules
            self.detector = detector
            self.chunkFrames = chunkFrames
            self.pace = pace
            self.legsConcurrently = legsConcurrently
            self.inBed = inBed
        }
    }

    /// A stretch of time in bed, seconds from the recording's start.
    public struct InBedInterval: Sendable, Equatable {
        public var start: Double
        public var end: Double
        public init(start: Double, end: Double) {
            self.start = start
            self.end = end
        }
    }

    /// The night's results.
    public struct Night: Sendable {
        public var detection: DetectionResult
        public var scoring: ScoringResult
        public var report: ScoreReport
        /// What was scored: the detector's leg movements and the time in bed (the detector's, or the user's).
        public var scoringInput: ScoringInput
    }

    /// Reads the source to its end through the detector, then scores. `progress` gets the frames done so far.
    public static func analyse<S: FrameSource>(
        _ source: inout S, file: String, format: String, options: Options,
        recordingFile: DataQualitySection.RecordingFile? = nil, progress: ((Int64) -> Void)? = nil
    ) throws -> Night {
        var detector = LegMovementDetector(description: source.description, parameters: options.detector)
        // Two buffers: the detector works one chunk (both legs at once) while the next is read into the other.
        var current: [Float] = []
        var next: [Float] = []
        current.reserveCapacity(options.chunkFrames * TwoLegFrame.channels)
        next.reserveCapacity(options.chunkFrames * TwoLegFrame.channels)
        let started = DispatchTime.now().uptimeNanoseconds
        var count = try source.read(into: &current, maxFrames: options.chunkFrames)
        while count > 0 {
            var nextCount = 0
            var readError: (any Error)? = nil
            next.removeAll(keepingCapacity: true)
            current.withUnsafeBufferPointer { chunk in
                if options.legsConcurrently {
                    detector.pushConcurrently(chunk) {
                        do {
                            nextCount = try source.read(into: &next, maxFrames: options.chunkFrames)
                        } catch {
                            readError = error
                        }
                    }
                } else {
                    detector.push(chunk)
                }
            }
            if !options.legsConcurrently { nextCount = try source.read(into: &next, maxFrames: options.chunkFrames) }
            if let readError { throw readError }
            swap(&current, &next)
            count = nextCount
            progress?(detector.frameCount)
            if case .factor(let f) = options.pace {
                let due = Double(detector.frameCount) / source.description.sampleRate / f
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                if due > elapsed { usleep(UInt32(min((due - elapsed) * 1e6, 1e6))) }
            }
        }
        let detection = detector.finish()
        return try night(detection, file: file, format: format, options: options, recordingFile: recordingFile)
    }

    /// Scores a finished detection (also used by the daemon at the end of a night).
    ///
    /// The PLM index needs a basis (docs/scoring.md, "No index without a basis"): with no time in bed found,
    /// nothing is scored; with neither leg's sensor worn, or less than `NightSummary.minimumBasisHours` of valid
    /// time in bed (in bed with data from a worn sensor), the index and every other per-hour figure are null, and
    /// a finding says why and how to give the time in bed.
    /// - Parameter recordingFile: the problems found in a `.plmrec` file, for `data_quality.recording`.
    public static func night(
        _ detection: DetectionResult, file: String, format: String, options: Options,
        recordingFile: DataQualitySection.RecordingFile? = nil
    ) throws -> Night {
        var input = detection.scoringInput()
        var outsideRecording = false
        if let given = options.inBed {
            // Clipped to the recording: time in bed after its end has no data.
            let end = detection.description.time(ofFrame: detection.frameCount)
            input.inBedIntervals = given.compactMap {
                let onset = min(max(Seconds.microseconds($0.start) ?? 0, 0), end)
                let stop = min(max(Seconds.microseconds($0.end) ?? 0, 0), end)
                return stop > onset ? IntervalEvent(onset: onset, duration: stop - onset) : nil
            }
            outsideRecording = input.inBedIntervals.isEmpty
        }
        let noTimeInBed = input.inBedIntervals.isEmpty
        if noTimeInBed {
            // Nothing is scored: an empty window (lights off and on at the start).
            input.lightsOff = 0
            input.lightsOn = 0
        }
        var scoring = try Scorer.score(input, rules: options.rules)
        var warnings = detection.quality.findings
        let howToGive = "give the time in bed with plm-replay --in-bed START-END"
        let worn = detection.quality.legs.filter { $0.declared && !$0.missing && !$0.possiblyNotWorn }
        if outsideRecording {
            warnings.append(
                "the time in bed given (--in-bed) lies outside the recording: nothing was scored and there is no "
                    + "PLM index")
            scoring.summary.withholdIndices()
        } else if noTimeInBed {
            warnings.append(
                "no time in bed found (the legs were never seen lying long enough): nothing was scored and there is "
                    + "no PLM index; \(howToGive)")
            scoring.summary.withholdIndices()
        } else if worn.isEmpty {
            warnings.append(
                "no leg's sensor was worn (no data, or no movement at all the whole night): no PLM index")
            scoring.summary.withholdIndices()
        } else if let short = NightSummary.shortBasisFinding(
            hours: validInBedHours(detection, inBed: input.inBedIntervals, legs: worn),
            of: "valid time in bed (in bed, with data from a worn sensor)", howToGive: howToGive)
        {
            warnings.append(short)
            scoring.summary.withholdIndices()
        }
        let report = ScoreReport(
            result: scoring,
            source: InputDescription(file: file, format: format, warnings: warnings),
            detector: detectorSection(detection),
            dataQuality: qualitySection(detection, recordingFile: recordingFile))
        return Night(detection: detection, scoring: scoring, report: report, scoringInput: input)
    }

    /// Hours in bed in which at least one of `legs` (the worn ones) has data: time in bed (merged) less the time
    /// in it when every one of them is in a gap.
    static func validInBedHours(_ d: DetectionResult, inBed: [IntervalEvent], legs: [LegQuality]) -> Double {
        typealias Span = (start: Microseconds, end: Microseconds)
        func merged(_ spans: [Span]) -> [Span] {
            var out: [Span] = []
            for s in spans.sorted(by: { $0.start < $1.start }) where s.end > s.start {
                if let last = out.last, s.start <= last.end {
                    out[out.count - 1].end = max(last.end, s.end)
                } else {
                    out.append(s)
                }
            }
            return out
        }
        func intersect(_ a: [Span], _ b: [Span]) -> [Span] {
            var out: [Span] = []
            var i = 0
            var j = 0
            while i < a.count && j < b.count {
                let lo = max(a[i].start, b[j].start)
                let hi = min(a[i].end, b[j].end)
                if hi > lo { out.append((lo, hi)) }
                if a[i].end < b[j].end { i += 1 } else { j += 1 }
            }
            return out
        }
        let desc = d.description
        let bed = merged(inBed.map { ($0.onset, $0.end) })
        var noData: [Span]? = nil
        for leg in legs {
            let gaps = merged(leg.gapIntervals.map { (desc.time(ofFrame: $0.lowerBound), desc.time(ofFrame: $0.upperBound)) })
            noData = noData.map { intersect($0, gaps) } ?? gaps
        }
        let total = bed.reduce(Microseconds(0)) { $0 + ($1.end - $1.start) }
        let lost = intersect(bed, noData ?? []).reduce(Microseconds(0)) { $0 + ($1.end - $1.start) }
        return Seconds.from(total - lost) / 3600
    }

    /// The detector's parameters and counts, for summary.json's `detector` section.
    public static func detectorSection(_ d: DetectionResult) -> DetectorSection {
        let p = d.parameters
        return DetectorSection(
            sampleRateHz: d.description.sampleRate, legs: d.description.legs.map(\.rawValue),
            lowPassCutoffHz: p.lowPassCutoff, motionLagSeconds: p.motionLag,
            baselineTimeConstantSeconds: p.baselineTimeConstant, noiseWindowSeconds: p.noiseWindow,
            deviationOnsetFactor: p.deviationOnsetFactor, motionOnsetFactor: p.motionOnsetFactor,
            offsetFraction: p.offsetFraction, minimumDeviationThresholdG: p.minimumDeviationThreshold,
            minimumMotionThresholdG: p.minimumMotionThreshold, minimumAlongThresholdG: p.minimumAlongThreshold,
            spikeLimitG: p.spikeLimit, minimumStrongSpanSeconds: p.minimumStrongSpan,
            restSettleTimeSeconds: p.restSettleTime, shiftFraction: p.shiftFraction,
            noiseFloorValuesPerSecond: p.noiseFloorValuesPerSecond, quietToEndSeconds: p.quietToEnd,
            settleTimeSeconds: p.settleTime, minimumDurationSeconds: p.minimumDuration,
            postureChangeAngleDegrees: p.postureChangeAngle, epochLengthSeconds: p.epochLength,
            lyingMaxElevationDegrees: p.lyingMaxElevation, walkingMotionG: p.walkingMotion,
            inBedMinimumSeconds: p.inBedMinimum, inBedBridgeSeconds: p.inBedBridge, stillFlagSeconds: p.stillFlag,
            lmDetectedCount: d.movements.count, postureChangeCount: d.postureChanges.count)
    }

    /// The recording's data quality per declared leg, for summary.json's `data_quality` section.
    public static func qualitySection(
        _ d: DetectionResult, recordingFile: DataQualitySection.RecordingFile? = nil
    ) -> DataQualitySection {
        let q = d.quality
        var legs = DataQualitySection.Legs()
        for l in q.legs where l.declared {
            legs[l.leg] = DataQualitySection.LegFigures(
                validSeconds: l.validSeconds, gapSeconds: l.gapSeconds, gapCount: l.gapCount,
                clippedSamples: l.clippedSamples, noiseFloorG: l.noiseFloor, legAxisLearned: l.legAxisLearned,
                stillStretchCount: l.stillIntervals.count, possiblyNotWorn: l.possiblyNotWorn, missing: l.missing,
                lmCount: l.movementCount, postureChangeCount: l.postureChangeCount)
        }
        return DataQualitySection(
            recordingSeconds: q.recordingSeconds, inBedSeconds: q.inBedSeconds, legs: legs, findings: q.findings,
            recording: recordingFile)
    }
}
