import AccelerationSignal
import Testing

@testable import LegMovementDetection

@Suite("Detector internals: selection, legs apart, drain order")
struct LegTrackTests {
    @Test("selection gives the value sorting gives, for every rank, with ties, sorted and reversed input")
    func selection() {
        var cases: [[Float]] = [[0], [3, 3], [1, 2], [2, 1]]
        for n in [5, 12, 13, 50, 99, 100, 101, 256] {
            // A scrambled order (7919 is prime to every n here), quantised values with many ties, sorted,
            // reversed, and all equal.
            cases.append((0..<n).map { Float(($0 * 7919 + 13) % n) / Float(n) })
            cases.append((0..<n).map { Float(($0 * 7919) % 3) * 0.001 })
            cases.append((0..<n).map { Float($0) })
            cases.append((0..<n).map { Float(n - $0) })
            cases.append([Float](repeating: 0.25, count: n))
        }
        for values in cases {
            let sorted = values.sorted()
            for k in Set([0, values.count / 2, values.count - 1, values.count / 3]) {
                var copy = values
                var scratch = [Float](repeating: 0, count: values.count)
                let v = copy.withUnsafeMutableBufferPointer { a in
                    scratch.withUnsafeMutableBufferPointer { RunningFloor.select(rank: k, in: a, scratch: $0.baseAddress!) }
                }
                #expect(v == sorted[k], "rank \(k) of \(values.count) values")
            }
        }
    }

    @Test("legs pushed apart (all of the left, then all of the right) equal one push, drain order included",
        arguments: [50.0, 100.0])
    func legsApart(rate: Double) {
        let s = Synth(rate: rate, seconds: 180)
        let values = s.frames(
            [Synth.Bump(leg: .left, start: 40, duration: 2, degrees: 25),
             Synth.Bump(leg: .right, start: 71, duration: 3, degrees: 20),
             Synth.Bump(leg: .left, start: 120, duration: 1.5, degrees: 30),
             Synth.Bump(leg: .right, start: 121, duration: 2, degrees: 30)],
            gaps: [(.right, 100, 110)])
        var together = LegMovementDetector(description: s.description)
        var drainedTogether: [DetectedMovement] = []
        var apart = LegMovementDetector(description: s.description)
        values.withUnsafeBufferPointer { all in
            let chunk = 7 * Int(rate) * 6
            var i = 0
            while i < all.count {
                together.push(UnsafeBufferPointer(rebasing: all[i..<min(all.count, i + chunk)]))
                drainedTogether += together.drainCompleted()
                i += chunk
            }
            apart.withLegs { left, right in
                left.push(all)
                right.push(all)
            }
        }
        let drainedApart = apart.drainCompleted()
        let a = together.finish()
        let b = apart.finish()
        #expect(a.movements.count == 4)
        #expect(a.movements == b.movements)
        #expect(a.postureChanges == b.postureChanges)
        #expect(a.quality == b.quality)
        #expect(a.inBedEpochs == b.inBedEpochs)
        // Drained in the order the movements ended, whichever leg pushed first.
        #expect(drainedApart == drainedTogether)
        #expect(drainedApart.map(\.leg) == [.left, .right, .left, .right])
    }
}
