import AccelerationSignal
import Foundation
import LegMovementScoring

/// A hand-made night for the tests (written independently of the detector and the simulator): both legs lying
/// still (gravity along the sensor's z) with a little noise, leg movements as 30° raised-cosine rotations about x
/// out and back, and stretches without data (NaN) on a leg.
struct QuietNight {
    var rate = 25.0
    var seconds = 1200.0
    /// (leg, start s); each movement lasts 2 s.
    var movements: [(leg: Leg, start: Double)] = []
    var gaps: [(leg: Leg, start: Double, end: Double)] = []

    var description: SignalDescription { SignalDescription(sampleRate: rate, legs: [.left, .right], rangeG: 4) }

    func frames() -> [Float] {
        let n = Int(seconds * rate)
        var out = [Float](repeating: 0, count: n * 6)
        var state: UInt64 = 7
        func noise() -> Float {
            // SplitMix64, uniform in ±0.004 g.
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Float(Double((z ^ (z >> 31)) >> 11) / 9_007_199_254_740_992 - 0.5) * 0.008
        }
        for i in 0..<n {
            let t = Double(i) / rate
            for (base, leg) in [(0, Leg.left), (3, Leg.right)] {
                if gaps.contains(where: { $0.leg == leg && t >= $0.start && t < $0.end }) {
                    for c in 0..<3 { out[6 * i + base + c] = .nan }
                    continue
                }
                var degrees = 0.0
                for m in movements where m.leg == leg && t >= m.start && t < m.start + 2 {
                    degrees += 30 * 0.5 * (1 - cos(2 * .pi * (t - m.start) / 2))
                }
                let a = degrees * .pi / 180
                out[6 * i + base] = noise()
                out[6 * i + base + 1] = Float(sin(a)) + noise()
                out[6 * i + base + 2] = Float(cos(a)) + noise()
            }
        }
        return out
    }
}
