import AccelerationSignal
import Foundation
import PLMVocabulary

/// A hand-made night for the tests (written independently of the detector and the simulator): both legs lying
/// still (gravity along the sensor's z) with a little noise, leg movements as 30° raised-cosine rotations about x
/// out and back, and stretches without data (NaN) on a leg.
public struct QuietNight {
    public var rate = 25.0
    public var seconds = 1200.0
    /// (leg, start s); each movement lasts 2 s.
    public var movements: [(leg: Leg, start: Double)] = []
    public var gaps: [(leg: Leg, start: Double, end: Double)] = []

    public init(rate: Double = 25, seconds: Double = 1200, movements: [(leg: Leg, start: Double)] = [],
                gaps: [(leg: Leg, start: Double, end: Double)] = []) {
        self.rate = rate
        self.seconds = seconds
        self.movements = movements
        self.gaps = gaps
    }

    public var description: SignalDescription { SignalDescription(sampleRate: rate, legs: [.left, .right], rangeG: 4) }

    public func frames() -> [Float] {
        let n = Int(seconds * rate)
        var out = [Float](repeating: 0, count: n * 6)
        var random = SplitMix64(seed: 7)
        func noise() -> Float {
            // Uniform in ±0.004 g.
            Float(Double(random.next() >> 11) / 9_007_199_254_740_992 - 0.5) * 0.008
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
