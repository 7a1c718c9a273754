import AccelerationSignal
import LegMovementScoring

/// Per-epoch sums for posture and quality.
struct EpochStat: Sendable {
    var sum = SIMD4<Double>(repeating: 0)
    var motion: Double = 0
    var count = 0

    @inline(__always)
    mutating func add(raw: SIMD4<Float>, motion m: Float) {
        sum += SIMD4<Double>(Double(raw[0]), Double(raw[1]), Double(raw[2]), 0)
        motion += Double(m)
        count += 1
    }
}
