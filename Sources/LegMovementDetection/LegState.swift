import AccelerationSignal
import LegMovementScoring

/// One leg's movement state and its bookkeeping for posture and quality.
struct LegState: Sendable {
    let leg: Leg
    let present: Bool
    var running = false

    var movement = MovementState()

    // Adaptive noise floors of the motion and of the deviation, and the second in progress.
    var motionFloor: RunningFloor
    var deviationFloor: RunningFloor
    /// Values of the second in progress (kept in the track's working memory).
    var secondFilled = 0
    /// First frame of the next second of the stream.
    var secondEnd: Int64
    /// The next frame that feeds the noise floors.
    var floorNext: Int64 = 0

    // Quality and posture, per epoch.
    var epochs = BlockArray<EpochStat>()
    /// First frame of the epoch after the last one in `epochs`.
    var epochEnd: Int64 = 0
    var clipped = 0
    var gapFrames: Int64 = 0
    var gapCount = 0
    /// Stretches without data, frames (the last may still be open: `openGap`).
    var gaps: [Range<Int64>] = []
    var openGap: Int64? = nil
    var validFrames: Int64 = 0

    init(leg: Leg, present: Bool, p: ResolvedDetectorParameters) {
        self.leg = leg
        self.present = present
        secondEnd = Int64(p.framesPerSecond)
        motionFloor = RunningFloor(framesPerSecond: p.floorValuesPerSecond, seconds: p.noiseSeconds)
        deviationFloor = RunningFloor(
            framesPerSecond: p.floorValuesPerSecond, seconds: p.noiseSeconds, keepsHistory: false)
    }

    var floorHistory: BlockArray<Float> { motionFloor.history }

    /// The first frame with data after a gap (or at the start); the caller sets `movement.lastQuiet`.
    mutating func resume(at t: Int64) {
        running = true
        if let start = openGap {
            gaps.append(start..<t)
            openGap = nil
        }
    }

    /// A frame without data for this leg.
    mutating func gap(frame t: Int64) -> DetectedMovement? {
        gapFrames += 1
        guard running else {
            if validFrames == 0 && t == 0 {
                gapCount += 1
                openGap = 0
            }
            return nil
        }
        running = false
        gapCount += 1
        openGap = t
        return cut(at: t)
    }

    /// Ends a movement in progress at frame `t` (exclusive), marked truncated.
    mutating func cut(at t: Int64) -> DetectedMovement? {
        guard movement.inMovement else { return nil }
        movement.inMovement = false
        return DetectedMovement(
            leg: leg, onsetFrame: movement.onset, endFrame: t, kind: .legMovement, peakDeviation: movement.peak,
            truncated: true)
    }
}
