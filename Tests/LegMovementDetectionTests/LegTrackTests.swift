import AccelerationSignal
import Foundation
import Testing

@testable import LegMovementDetection

@Suite("Detector internals: selection, legs apart, drain order")
struct LegTrackTests {
    /// SplitMix64, so the cases are the same on every run.
    struct Numbers: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("selection gives the value sorting gives, for every rank, with ties, sorted and reversed input")
    func selection() {
        var g = Numbers(state: 42)
        var cases: [[Float]] = [[0], [3, 3], [1, 2], [2, 1]]
        for n in [5, 12, 13, 50, 99, 100, 101, 256] {
            cases.append((0..<n).map { _ in Float.random(in: 0..<1, using: &g) })
            // Quantised still data: few distinct values, many ties.
            cases.append((0..<n).map { _ in Float(Int.random(in: 0..<3, using: &g)) * 0.001 })
            cases.append((0..<n).map { Float($0) })
            cases.append((0..<n).map { Float(n - $0) })
            cases.append([Float](repeating: 0.25, count: n))
        }
        for values in cases {
            let sorted = values.sorted()
            for k in Set([0, values.count / 2, values.count - 1, values.count / 3]) {
                var copy = values
                let v = copy.withUnsafeMutableBufferPointer { RunningFloor.select(rank: k, in: $0) }
                #expect(v == sorted[k], "rank \(k) of \(values.count) values")
            }
        }
    }

    func frames(rate: Double, seconds: Double) -> [Float] {
        // Both legs at rest with noise, a few rotations, and a 10 s gap on the right leg.
        var g = Numbers(state: 7)
        let n = Int(rate * seconds)
        var out = [Float](repeating: 0, count: n * 6)
        for i in 0..<n {
            let t = Double(i) / rate
            for leg in 0..<2 {
                let start = leg == 0 ? 40.0 : 71.0
                let phase = (t - start) / 2
                let angle = (0 <= phase && phase < 1) ? 0.4 * (1 - cos(2 * Double.pi * phase)) / 2 : 0
                let noise = { Float.random(in: -0.004...0.004, using: &g) }
                out[6 * i + 3 * leg] = noise()
                out[6 * i + 3 * leg + 1] = Float(sin(angle)) + noise()
                out[6 * i + 3 * leg + 2] = Float(cos(angle)) + noise()
                if leg == 1 && t >= 100 && t < 110 {
                    for c in 3..<6 { out[6 * i + c] = .nan }
                }
            }
        }
        return out
    }

    @Test("legs pushed apart (all of the left, then all of the right) equal one push, drain order included",
        arguments: [50.0, 100.0])
    func legsApart(rate: Double) {
        let values = frames(rate: rate, seconds: 180)
        let description = SignalDescription(sampleRate: rate, legs: [.left, .right])
        var together = LegMovementDetector(description: description)
        var drainedTogether: [DetectedMovement] = []
        var apart = LegMovementDetector(description: description)
        values.withUnsafeBufferPointer { all in
            let second = Int(rate) * 6
            var i = 0
            while i < all.count {
                let chunk = UnsafeBufferPointer(rebasing: all[i..<min(all.count, i + 7 * second)])
                together.push(chunk)
                drainedTogether += together.drainCompleted()
                i += 7 * second
            }
            apart.withLegs { left, right in
                left.push(all)
                right.push(all)
            }
        }
        let drainedApart = apart.drainCompleted()
        let a = together.finish()
        let b = apart.finish()
        #expect(a.movements.count >= 2)
        #expect(a.movements == b.movements)
        #expect(a.postureChanges == b.postureChanges)
        #expect(a.quality == b.quality)
        #expect(a.inBedEpochs == b.inBedEpochs)
        // Drained in the order the movements ended, whichever leg: by end frame here.
        #expect(drainedApart == drainedTogether)
        #expect(drainedApart.map(\.endFrame) == drainedApart.map(\.endFrame).sorted())
    }
}
