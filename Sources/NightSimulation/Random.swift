import Foundation
import PLMVocabulary

/// xoshiro256** (Blackman & Vigna 2018): the simulator's only source of randomness.
///
/// The system RNG is never used, and neither are the standard library's `random(in:using:)` helpers (their
/// algorithms are not promised to stay the same between Swift versions): every draw is computed here, so the
/// same settings and seed give the same night bit for bit (on the same libm, see docs/simulator.md).
struct Xoshiro: Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    /// The second value of the last Box-Muller pair, if unused.
    private var spareNormal: Double?

    /// A generator for one independent stream of the night: `stream` names what it is used for, so that
    /// switching one part of the model on or off does not change the draws of another.
    init(seed: UInt64, stream: UInt64) {
        var sm = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        s0 = sm.next()
        s1 = sm.next()
        s2 = sm.next()
        s3 = sm.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    @inline(__always)
    mutating func next() -> UInt64 {
        let result = Xoshiro.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Xoshiro.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1), 53 random bits.
    @inline(__always)
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * uniform() }

    mutating func uniform(_ r: ClosedRange<Double>) -> Double { uniform(r.lowerBound, r.upperBound) }

    /// Uniform integer in the closed range.
    mutating func integer(_ r: ClosedRange<Int>) -> Int {
        let span = UInt64(r.upperBound - r.lowerBound) + 1
        return r.lowerBound + Int(next() % span)
    }

    mutating func chance(_ p: Double) -> Bool { uniform() < p }

    /// Standard normal (Box-Muller; the second value of each pair is kept for the next call).
    @inline(__always)
    mutating func normal() -> Double {
        if let s = spareNormal {
            spareNormal = nil
            return s
        }
        var u1 = uniform()
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = uniform()
        let radius = (-2 * log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        spareNormal = radius * sin(angle)
        return radius * cos(angle)
    }

    mutating func normal(mean: Double, sd: Double) -> Double { mean + sd * normal() }

    /// Log-normal with the given median and log-standard deviation.
    mutating func logNormal(median: Double, logSD: Double) -> Double { median * exp(logSD * normal()) }

    /// Log-normal, redrawn (up to a limit, then clamped) until inside `range`: a truncated distribution.
    mutating func logNormal(median: Double, logSD: Double, in range: ClosedRange<Double>) -> Double {
        for _ in 0..<64 {
            let v = logNormal(median: median, logSD: logSD)
            if range.contains(v) { return v }
        }
        return min(max(median, range.lowerBound), range.upperBound)
    }

    /// Exponential with the given mean.
    mutating func exponential(mean: Double) -> Double {
        var u = uniform()
        if u < 1e-300 { u = 1e-300 }
        return -mean * log(u)
    }

    /// Poisson count (Knuth's method for small means, a rounded normal approximation for large ones).
    mutating func poisson(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean > 50 { return max(0, Int((mean + mean.squareRoot() * normal()).rounded())) }
        let limit = exp(-mean)
        var k = 0
        var p = uniform()
        while p > limit {
            k += 1
            p *= uniform()
        }
        return k
    }

    /// An index drawn with the given (non-negative) weights.
    mutating func pick(weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        guard total > 0 else { return 0 }
        var x = uniform() * total
        for (i, w) in weights.enumerated() {
            if x < w { return i }
            x -= w
        }
        return weights.count - 1
    }

    /// A uniformly distributed unit vector.
    mutating func unitVector() -> Vec3 {
        while true {
            let v = Vec3(normal(), normal(), normal())
            let n = v.length
            if n > 1e-6 { return v / n }
        }
    }
}

/// Independent random streams of a night (one per part of the model).
enum Stream: UInt64 {
    case timeline = 1, turns, restless, episodes, isolated, partner, fan, dropouts, notWorn, sensorLeft, sensorRight,
        noiseLeft, noiseRight, mountingLeft, mountingRight, severity, lmClass, slowDorsiflexion, smallRotation,
        horizontalFlexion, partnerPLM, strapSlides, spikes, warmUpLeft, warmUpRight
}
