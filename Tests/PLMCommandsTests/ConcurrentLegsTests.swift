import AccelerationSignal
import Foundation
import LegMovementDetection
import NightAnalysis
import Testing

@Suite("Both legs on two threads")
struct ConcurrentLegsTests {
    /// Two legs at rest with noise, rotations out and back at different times on each leg, and a gap on the
    /// right leg that cuts one of its movements.
    func night(rate: Double, seconds: Double) -> [Float] {
        var state: UInt64 = 11
        func noise() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 8001 - 4000) * 1e-6
        }
        let n = Int(rate * seconds)
        var out = [Float](repeating: 0, count: n * 6)
        for i in 0..<n {
            let t = Double(i) / rate
            for leg in 0..<2 {
                var angle = 0.0
                for start in stride(from: leg == 0 ? 30.0 : 47.0, to: seconds, by: 23) {
                    let phase = (t - start) / 2.5
                    if 0 <= phase && phase < 1 { angle += 0.35 * (1 - cos(2 * Double.pi * phase)) / 2 }
                }
                out[6 * i + 3 * leg] = noise()
                out[6 * i + 3 * leg + 1] = Float(sin(angle)) + noise()
                out[6 * i + 3 * leg + 2] = Float(cos(angle)) + noise()
            }
            if t >= 186 && t < 200 { for c in 3..<6 { out[6 * i + c] = .nan } }
        }
        return out
    }

    @Test("pushConcurrently gives exactly what push gives, at two sample rates", arguments: [50.0, 128.0])
    func sameResult(rate: Double) {
        let values = night(rate: rate, seconds: 400)
        let description = SignalDescription(sampleRate: rate, legs: [.left, .right], rangeG: 4)
        var one = LegMovementDetector(description: description)
        var two = LegMovementDetector(description: description)
        var drainedOne: [DetectedMovement] = []
        var drainedTwo: [DetectedMovement] = []
        var reads = 0
        values.withUnsafeBufferPointer { all in
            one.push(all)
            drainedOne = one.drainCompleted()
            var i = 0
            let chunk = 5000 * 6
            while i < all.count {
                two.pushConcurrently(UnsafeBufferPointer(rebasing: all[i..<min(all.count, i + chunk)])) { reads += 1 }
                drainedTwo += two.drainCompleted()
                i += chunk
            }
        }
        #expect(reads == (values.count + 5000 * 6 - 1) / (5000 * 6))
        let a = one.finish()
        let b = two.finish()
        // 16 rotations per leg over 400 s; the right leg's one in the gap is cut short.
        #expect(a.movements.filter { $0.leg == .left && !$0.truncated }.count == 16)
        #expect(a.movements.contains { $0.leg == .right && $0.truncated })
        #expect(a.movements == b.movements)
        #expect(a.postureChanges == b.postureChanges)
        #expect(a.quality == b.quality)
        #expect(a.inBedEpochs == b.inBedEpochs)
        #expect(drainedOne == drainedTwo)
    }
}
