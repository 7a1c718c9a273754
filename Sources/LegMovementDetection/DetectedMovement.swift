import AccelerationSignal
import LegMovementScoring

/// A movement found by the detector.
public struct DetectedMovement: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// A leg movement: the leg moved and came back to rest near where it was.
        case legMovement = "lm"
        /// The leg came to rest in a clearly different orientation (turning over): not an LM.
        case postureChange = "posture_change"
    }

    public var leg: Leg
    /// First frame of the movement.
    public var onsetFrame: Int64
    /// First frame after it.
    public var endFrame: Int64
    public var kind: Kind
    /// Largest deviation from the resting orientation, g.
    public var peakDeviation: Float
    /// The movement was cut short by a gap in the data or the end of the recording.
    public var truncated: Bool
}
