import AccelerationSignal
import LegMovementScoring

/// Where a leg is in a movement.
struct MovementState: Sendable {
    var inMovement = false
    /// First frame of the movement in progress.
    var onset: Int64 = 0
    /// Last frame below the lower (offset) thresholds.
    var lastQuiet: Int64 = -1
    /// Frames in a row below the lower thresholds, and without motion above them.
    var quietRun = 0
    var stillRun = 0
    /// Largest deviation so far, g.
    var peak: Float = 0
    /// The resting orientation when the movement began.
    var restAtOnset = SIMD4<Float>(repeating: 0)
    /// First and last frames above the onset thresholds.
    var firstStrong: Int64 = 0
    var lastStrong: Int64 = 0
    /// The orientation path when the present still stretch began, and its unit vector.
    var anchor = SIMD4<Float>(repeating: 0)
    var anchorUnit = SIMD4<Float>(repeating: 0)
}
