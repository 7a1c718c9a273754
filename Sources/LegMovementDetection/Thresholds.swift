import AccelerationSignal
import LegMovementScoring

/// A leg's thresholds, g, from its noise floors (they change once a second).
struct Thresholds: Sendable {
    var deviationOn: Float
    var motionOn: Float
    var deviationOff: Float
    var motionOff: Float
    /// The motion along gravity: a shank bouncing on the mattress in a clonic burst moves mostly along
    /// gravity, as does the mattress under a bed partner or a fan, but these far more weakly.
    var alongOn: Float
    var alongOff: Float
    /// Below this squared distance from the resting orientation the deviation cannot exceed either deviation
    /// threshold (with a margin far above the rounding of the deviation's arithmetic).
    var deviationSafeSquared: Float
    /// No movement starts before the first second has given a noise floor.
    var canStart: Bool

    init(state: LegState, p: ResolvedDetectorParameters) {
        let q = p.parameters
        deviationOn = max(
            Float(q.deviationOnsetFactor) * state.deviationFloor.value, Float(q.minimumDeviationThreshold))
        motionOn = max(Float(q.motionOnsetFactor) * state.motionFloor.value, Float(q.minimumMotionThreshold))
        let f = Float(q.offsetFraction)
        deviationOff = deviationOn * f
        motionOff = motionOn * f
        alongOn = max(Float(q.motionOnsetFactor) * state.motionFloor.value, Float(q.minimumAlongThreshold))
        alongOff = alongOn * f
        let lower = min(deviationOn, deviationOff)
        deviationSafeSquared = lower * lower * 0.998
        canStart = !state.motionFloor.history.isEmpty
    }
}
