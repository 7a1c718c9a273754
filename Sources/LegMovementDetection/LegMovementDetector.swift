import AccelerationSignal
import LegMovementScoring

/// The leg-movement detector. One implementation for streaming and batch: `push` frames in chunks of any
/// size, then `finish`; the result is the same, to the bit, for every chunking.
///
/// Per frame and leg: the leg's three channels pass a 2nd-order Butterworth low-pass, then a slower second
/// stage (the orientation path). Perpendicular to gravity, the *motion* measure is the change of the fast signal
/// over `motionLag`, and the *deviation* is the orientation path's distance from the leg's resting orientation.
/// A movement starts when either exceeds its threshold — a multiple of one of the leg's adaptive noise floors
/// (running medians of per-second medians) — and ends at the start of `quietToEnd` below the lower
/// (hysteresis) thresholds, or, when the leg comes to rest somewhere else, at the start of `settleTime` of
/// stillness (then the new orientation is the resting one, and a large change of orientation makes it a posture
/// change). See docs/detector.md.
///
/// Each leg is a `LegTrack` of its own, and the legs share nothing until `finish`: a caller with threads may
/// push the two at the same time (`withLegs`); the result is the same.
public struct LegMovementDetector: Sendable {
    public let description: SignalDescription
    public let parameters: DetectorParameters
    let p: ResolvedDetectorParameters
    public private(set) var left: LegTrack
    public private(set) var right: LegTrack

    public init(description: SignalDescription, parameters: DetectorParameters = .standard) {
        self.description = description
        self.parameters = parameters
        let p = ResolvedDetectorParameters(parameters, sampleRate: description.sampleRate)
        self.p = p
        let rangeG = Float(description.rangeG ?? 0)
        left = LegTrack(leg: .left, present: description.legs.contains(.left), p: p, rangeG: rangeG)
        right = LegTrack(leg: .right, present: description.legs.contains(.right), p: p, rangeG: rangeG)
    }

    /// Frames pushed so far.
    public var frameCount: Int64 { max(left.frameCount, right.frameCount) }

    /// Processes frames (six values each, in g, NaN for missing).
    public mutating func push(_ values: [Float]) {
        values.withUnsafeBufferPointer { push($0) }
    }

    public mutating func push(_ values: UnsafeBufferPointer<Float>) {
        left.push(values)
        right.push(values)
    }

    /// Both legs, for a caller that pushes them itself, e.g. on two threads at once. Each leg must be given
    /// the same six-channel frames, in the same order, as `push` would give it.
    public mutating func withLegs<R>(_ body: (inout LegTrack, inout LegTrack) throws -> R) rethrows -> R {
        try body(&left, &right)
    }

    /// Movements completed since the last call (for live use), in the order they ended (left leg first when
    /// both end on the same frame).
    public mutating func drainCompleted() -> [DetectedMovement] {
        let a = left.drain()
        let b = right.drain()
        if b.isEmpty { return a.map(\.movement) }
        if a.isEmpty { return b.map(\.movement) }
        var out: [DetectedMovement] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i].frame <= b[j].frame) {
                out.append(a[i].movement)
                i += 1
            } else {
                out.append(b[j].movement)
                j += 1
            }
        }
        return out
    }

    /// Ends the stream and returns everything found.
    public mutating func finish() -> DetectionResult {
        let frame = frameCount
        left.finish(frame: frame)
        right.finish(frame: frame)
        let sorted = (left.all + right.all).sorted {
            ($0.onsetFrame, $0.leg.rawValue) < ($1.onsetFrame, $1.leg.rawValue)
        }
        let lms = sorted.filter { $0.kind == .legMovement }
        let turns = sorted.filter { $0.kind == .postureChange }
        let posture = PostureAnalysis(legs: [left.state, right.state], movements: sorted, p: p)
        return DetectionResult(
            description: description, parameters: parameters, frameCount: frame, movements: lms,
            postureChanges: turns, inBedEpochs: posture.inBed, epochFrames: p.epochFrames,
            quality: posture.quality(frameCount: frame, rate: p.rate))
    }
}
