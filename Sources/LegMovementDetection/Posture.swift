import AccelerationSignal
import LegMovementScoring

/// What the detector found in one recording.
public struct DetectionResult: Sendable {
    public var description: SignalDescription
    public var parameters: DetectorParameters
    public var frameCount: Int64
    /// Leg movements, by onset.
    public var movements: [DetectedMovement]
    /// Changes of posture (turning over), not leg movements.
    public var postureChanges: [DetectedMovement]
    /// Time in bed as ranges of epochs.
    public var inBedEpochs: [Range<Int>]
    public var epochFrames: Int
    public var quality: DataQuality

    /// Time in bed as frame ranges.
    public var inBedFrames: [Range<Int64>] {
        inBedEpochs.map {
            Int64($0.lowerBound * epochFrames)..<min(frameCount, Int64($0.upperBound * epochFrames))
        }
    }

    /// The scoring engine's input: the leg movements, time in bed, and the recording's length.
    public func scoringInput() -> ScoringInput {
        let d = description
        let lms = movements.map {
            let onset = d.time(ofFrame: $0.onsetFrame)
            return LegMovementEvent(onset: onset, duration: d.time(ofFrame: $0.endFrame) - onset, leg: $0.leg)
        }
        let bed = inBedFrames.map {
            let onset = d.time(ofFrame: $0.lowerBound)
            return IntervalEvent(onset: onset, duration: d.time(ofFrame: $0.upperBound) - onset)
        }
        return ScoringInput(
            legMovements: lms, inBedIntervals: bed, recordingDuration: d.time(ofFrame: frameCount))
    }
}

/// Data quality of one leg.
public struct LegQuality: Sendable, Equatable {
    public var leg: Leg
    /// The recording says a sensor was on this leg.
    public var declared: Bool
    public var validSeconds: Double
    public var gapSeconds: Double
    /// Separate stretches without data.
    public var gapCount: Int
    public var clippedSamples: Int
    /// Median of the adaptive noise floor over the night, g.
    public var noiseFloor: Double?
    /// The leg's long axis was learned from walking (so lying and upright could be told apart).
    public var legAxisLearned: Bool
    /// Stretches of at least `stillFlag` without any movement (possibly not worn), as frame ranges.
    public var stillIntervals: [Range<Int64>]
    /// Stretches without data for this leg, frames.
    public var gapIntervals: [Range<Int64>]
    public var movementCount: Int
    public var postureChangeCount: Int

    /// No data at all although the leg was declared.
    public var missing: Bool { declared && validSeconds == 0 }
    /// Not a single movement over at least `stillFlag` of data.
    public var possiblyNotWorn: Bool
}

/// Data quality of the recording.
public struct DataQuality: Sendable, Equatable {
    public var recordingSeconds: Double
    public var legs: [LegQuality]
    public var inBedSeconds: Double
    /// Plain-language findings, for summaries.
    public var findings: [String]
}

/// Time in bed from leg posture, and the quality report, computed at the end from per-epoch sums.
///
/// Lying vs upright: the leg's long axis `u` (in the sensor's frame) is learned from walking epochs, where
/// gravity runs along the shank. A leg lies when gravity is within `lyingMaxElevation` of perpendicular to
/// `u`. Without walking, a still leg is taken to lie (and the quality report says so). Time in bed is the
/// stretches where every leg with data lies, with interruptions shorter than `inBedBridge` bridged and
/// stretches shorter than `inBedMinimum` dropped.
struct PostureAnalysis {
    enum State { case unknown, lying, upright }

    let inBed: [Range<Int>]
    let legs: [LegState]
    let movements: [DetectedMovement]
    let p: ResolvedDetectorParameters
    let axisLearned: [Bool]

    init(legs: [LegState], movements: [DetectedMovement], p: ResolvedDetectorParameters) {
        self.legs = legs
        self.movements = movements
        self.p = p
        let half = p.epochFrames / 2
        var perLeg: [[State]] = []
        var learned: [Bool] = []
        // The direction of gravity in an epoch (nil: too few samples, or no clear direction), computed where it is
        // needed rather than kept per epoch: an array of them (48 bytes an epoch) grew with the night.
        func direction(_ e: EpochStat) -> SIMD4<Double>? {
            guard e.count > half else { return nil }
            let mean = e.sum / Double(e.count)
            let n = (mean * mean).sum().squareRoot()
            return n > 0.2 ? mean / n : nil
        }
        for leg in legs where leg.present {
            let epochs = leg.epochs
            var walking = epochs.map { e in e.count > half && e.motion / Double(e.count) > Double(p.walking) }
            // Only sustained walking teaches the axis: runs of at least `walkingRunEpochs` walking epochs
            // (a restless moment in bed can move as much as a step, but not for that long).
            var axis = SIMD4<Double>(repeating: 0)
            var walks = 0
            var k = 0
            while k < walking.count {
                guard walking[k] else {
                    k += 1
                    continue
                }
                var j = k
                while j < walking.count && walking[j] { j += 1 }
                if j - k >= p.walkingRunEpochs {
                    for i in k..<j { if let d = direction(epochs[i]) { axis += d; walks += 1 } }
                } else {
                    for i in k..<j { walking[i] = false }
                }
                k = j
            }
            let axisNorm = (axis * axis).sum().squareRoot()
            let u: SIMD4<Double>? = walks >= 6 && axisNorm > 0 ? axis / axisNorm : nil
            learned.append(u != nil)
            perLeg.append(
                zip(epochs, walking).map { e, w in
                    guard let d = direction(e) else { return .unknown }
                    if w { return .upright }
                    guard let u else { return .lying }
                    return abs((d * u).sum()) < Double(p.lyingSin) ? .lying : .upright
                })
        }
        axisLearned = learned
        let count = perLeg.map(\.count).max() ?? 0
        var lying = [Bool](repeating: false, count: count)
        for k in 0..<count {
            let states = perLeg.compactMap { k < $0.count ? $0[k] : nil }.filter { $0 != .unknown }
            lying[k] = !states.isEmpty && states.allSatisfy { $0 == .lying }
        }
        // Bridge short interruptions between lying stretches, then drop short stretches.
        var k = 0
        while k < count {
            if !lying[k] {
                var j = k
                while j < count && !lying[j] { j += 1 }
                if k > 0 && j < count && j - k <= p.inBedBridgeEpochs {
                    for i in k..<j { lying[i] = true }
                }
                k = j
            } else {
                k += 1
            }
        }
        var ranges: [Range<Int>] = []
        k = 0
        while k < count {
            guard lying[k] else {
                k += 1
                continue
            }
            var j = k
            while j < count && lying[j] { j += 1 }
            if j - k >= p.inBedMinimumEpochs { ranges.append(k..<j) }
            k = j
        }
        inBed = ranges
    }

    func quality(frameCount: Int64, rate: Double) -> DataQuality {
        var out: [LegQuality] = []
        var findings: [String] = []
        var learnedIndex = 0
        for leg in legs {
            let own = movements.filter { $0.leg == leg.leg }
            let learned = leg.present && learnedIndex < axisLearned.count ? axisLearned[learnedIndex] : false
            if leg.present { learnedIndex += 1 }
            // Epochs touched by a movement or by walking count as moving.
            var moving = [Bool](repeating: false, count: leg.epochs.count)
            let ef = Int64(p.epochFrames)
            for m in own {
                let a = Int(m.onsetFrame / ef)
                let b = Int((m.endFrame - 1) / ef)
                if a <= b { for k in a...b where k < moving.count { moving[k] = true } }
            }
            for (k, e) in leg.epochs.enumerated() where e.count > 0 && e.motion / Double(e.count) > Double(p.walking) {
                moving[k] = true
            }
            var still: [Range<Int64>] = []
            var k = 0
            while k < leg.epochs.count {
                guard !moving[k] && leg.epochs[k].count > p.epochFrames / 2 else {
                    k += 1
                    continue
                }
                var j = k
                while j < leg.epochs.count && !moving[j] && leg.epochs[j].count > p.epochFrames / 2 { j += 1 }
                if j - k >= p.stillEpochs { still.append(Int64(k) * ef..<min(frameCount, Int64(j) * ef)) }
                k = j
            }
            let history = leg.floorHistory.sorted()
            let stillFrames = still.reduce(Int64(0)) { $0 + Int64($1.count) }
            let q = LegQuality(
                leg: leg.leg, declared: leg.present, validSeconds: Double(leg.validFrames) / rate,
                gapSeconds: leg.present ? Double(leg.gapFrames) / rate : 0, gapCount: leg.gapCount,
                clippedSamples: leg.clipped,
                noiseFloor: history.isEmpty ? nil : Double(history[history.count / 2]),
                legAxisLearned: learned, stillIntervals: still,
                gapIntervals: leg.present ? leg.gaps + (leg.openGap.map { [$0..<frameCount] } ?? []) : [],
                movementCount: own.filter { $0.kind == .legMovement }.count,
                postureChangeCount: own.filter { $0.kind == .postureChange }.count,
                possiblyNotWorn: leg.validFrames > 0 && stillFrames * 10 >= leg.validFrames * 9)
            out.append(q)
            let side = leg.leg.name
            guard leg.present else { continue }
            if q.missing { findings.append("\(side) leg: no data at all") }
            if q.gapCount > 0 && q.gapSeconds > 0 {
                findings.append(
                    "\(side) leg: \(q.gapCount) gap(s), \(Int(q.gapSeconds.rounded())) s without data")
            }
            if q.clippedSamples > 0 { findings.append("\(side) leg: \(q.clippedSamples) clipped samples") }
            if q.possiblyNotWorn { findings.append("\(side) leg: no movement at all: sensor possibly not worn") }
            else if !still.isEmpty { findings.append("\(side) leg: \(still.count) stretch(es) of an hour or more without movement") }
            if !learned && !q.missing { findings.append("\(side) leg: no walking seen, lying assumed when still") }
        }
        let inBedFrames = inBed.reduce(0) { $0 + $1.count } * p.epochFrames
        return DataQuality(
            recordingSeconds: Double(frameCount) / rate, legs: out,
            inBedSeconds: Double(min(Int64(inBedFrames), frameCount)) / rate, findings: findings)
    }
}
