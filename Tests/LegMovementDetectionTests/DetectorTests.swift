import AccelerationSignal
import Foundation
import LegMovementDetection
import LegMovementScoring
import TestSupport
import Testing

/// A hand-made signal: a leg lying still (gravity along the sensor's z), white noise, and movements as
/// rotations about the sensor's x axis with a raised-cosine angle profile (out and back), written independently
/// of the simulator.
struct Synth {
    var rate: Double
    var seconds: Double
    var noise: Float = 0.004
    var seed: UInt64 = 1
    var legs: [Leg] = [.left, .right]

    struct Bump {
        var leg: Leg
        var start: Double
        var duration: Double
        var degrees: Double
        var returns = true
    }

    func frames(_ bumps: [Bump], vibration: (hz: Double, g: Double)? = nil, clonic: [(leg: Leg, start: Double, duration: Double, hz: Double, g: Double)] = [], gaps: [(leg: Leg, start: Double, end: Double)] = []) -> [Float] {
        let n = Int(seconds * rate)
        var out = [Float](repeating: 0, count: n * 6)
        var rng = SplitMix64(seed: seed)
        func gauss() -> Float { Float(rng.gaussian()) }
        for i in 0..<n {
            let t = Double(i) / rate
            for (li, leg) in [Leg.left, .right].enumerated() {
                let base = li * 3
                guard legs.contains(leg) else {
                    out[6 * i + base] = .nan; out[6 * i + base + 1] = .nan; out[6 * i + base + 2] = .nan
                    continue
                }
                if gaps.contains(where: { $0.leg == leg && t >= $0.start && t < $0.end }) {
                    out[6 * i + base] = .nan; out[6 * i + base + 1] = .nan; out[6 * i + base + 2] = .nan
                    continue
                }
                var angle = 0.0
                for b in bumps where b.leg == leg {
                    if t >= b.start && t < b.start + b.duration {
                        let phase = (t - b.start) / b.duration
                        angle += b.returns ? b.degrees * 0.5 * (1 - cos(2 * .pi * phase)) : b.degrees * 0.5 * (1 - cos(.pi * phase))
                    } else if !b.returns && t >= b.start + b.duration {
                        angle += b.degrees
                    }
                }
                let a = angle * .pi / 180
                var x = 0.0, y = sin(a), z = cos(a)
                if let v = vibration { x += v.g * sin(2 * .pi * v.hz * t) }
                for c in clonic where c.leg == leg && t >= c.start && t < c.start + c.duration {
                    y += c.g * sin(2 * .pi * c.hz * (t - c.start))
                }
                out[6 * i + base] = Float(x) + noise * gauss()
                out[6 * i + base + 1] = Float(y) + noise * gauss()
                out[6 * i + base + 2] = Float(z) + noise * gauss()
            }
        }
        return out
    }

    var description: SignalDescription { SignalDescription(sampleRate: rate, legs: legs, rangeG: 4) }

    func detect(_ frames: [Float], chunk: Int? = nil) -> DetectionResult {
        var d = LegMovementDetector(description: description)
        if let chunk {
            var i = 0
            while i < frames.count {
                let j = min(frames.count, i + chunk * 6)
                d.push(Array(frames[i..<j]))
                i = j
            }
        } else {
            d.push(frames)
        }
        return d.finish()
    }
}

@Suite("Detector on hand-made signals")
struct DetectorTests {
    static let rates: [Double] = [50, 100]

    func seconds(_ frames: Int64, _ rate: Double) -> Double { Double(frames) / rate }

    @Test("rotations of 10-40 degrees over 0.8-4 s are found with onset and offset within 0.25 s", arguments: rates)
    func bumps(rate: Double) {
        let s = Synth(rate: rate, seconds: 400)
        let bumps = [
            Synth.Bump(leg: .left, start: 60, duration: 1.5, degrees: 20),
            Synth.Bump(leg: .left, start: 90, duration: 4, degrees: 40),
            Synth.Bump(leg: .right, start: 120, duration: 0.8, degrees: 10),
            Synth.Bump(leg: .left, start: 200, duration: 2, degrees: 15),
            Synth.Bump(leg: .right, start: 200.2, duration: 2, degrees: 15),
            Synth.Bump(leg: .right, start: 300, duration: 3, degrees: 4),  // a few degrees, slowly
        ]
        let r = s.detect(s.frames(bumps))
        #expect(r.movements.count == bumps.count, "\(r.movements.map { (seconds($0.onsetFrame, rate), $0.leg) })")
        for b in bumps {
            let m = r.movements.first { $0.leg == b.leg && abs(seconds($0.onsetFrame, rate) - b.start) < 1 }
            #expect(m != nil, "missed \(b)")
            guard let m else { continue }
            // The raised cosine starts and ends with zero slope: the sensor notices it a little late and loses it
            // a little early; a quarter of a second either way.
            #expect(abs(seconds(m.onsetFrame, rate) - b.start) < 0.25 + b.duration * 0.15, "onset \(b)")
            #expect(abs(seconds(m.endFrame, rate) - (b.start + b.duration)) < 0.25 + b.duration * 0.15, "end \(b)")
            #expect(m.kind == .legMovement)
        }
        #expect(r.postureChanges.isEmpty)
    }

    @Test("noise, a 30 Hz motor vibration and 1 mg of drift alone give no movement", arguments: rates)
    func quiet(rate: Double) {
        var s = Synth(rate: rate, seconds: 600)
        s.noise = 0.006
        let r = s.detect(s.frames([], vibration: (30, 0.01)))
        #expect(r.movements.isEmpty, "\(r.movements.prefix(5))")
    }

    @Test("a clonic burst of 5 Hz without net rotation is a leg movement", arguments: rates)
    func clonic(rate: Double) {
        let s = Synth(rate: rate, seconds: 120)
        let r = s.detect(s.frames([], clonic: [(.left, 50, 2, 5, 0.15)]))
        #expect(r.movements.count == 1)
        if let m = r.movements.first {
            #expect(abs(seconds(m.onsetFrame, rate) - 50) < 0.3, "onset \(seconds(m.onsetFrame, rate))")
            // The orientation path's 2 Hz low-pass rings on for a few tenths of a second after an abrupt stop.
            #expect(abs(seconds(m.endFrame, rate) - 52) < 0.7, "end \(seconds(m.endFrame, rate))")
        }
    }

    @Test("turning over (90 degrees, staying) is a posture change, not a leg movement", arguments: rates)
    func turning(rate: Double) {
        let s = Synth(rate: rate, seconds: 200)
        let r = s.detect(s.frames([
            Synth.Bump(leg: .left, start: 60, duration: 4, degrees: 90, returns: false),
            Synth.Bump(leg: .right, start: 60.3, duration: 4, degrees: 90, returns: false),
            Synth.Bump(leg: .left, start: 120, duration: 1.5, degrees: 20),
        ]))
        #expect(r.postureChanges.count == 2)
        #expect(r.movements.count == 1)
        #expect(r.movements.first.map { abs(seconds($0.onsetFrame, rate) - 120) < 0.5 } == true)
    }

    @Test("streaming in random chunks equals one push, bit for bit")
    func chunking() {
        let s = Synth(rate: 100, seconds: 300)
        let frames = s.frames(
            [Synth.Bump(leg: .left, start: 50, duration: 2, degrees: 20),
             Synth.Bump(leg: .right, start: 150, duration: 3, degrees: 30, returns: false)],
            gaps: [(.left, 100, 110)])
        let whole = s.detect(frames)
        var g = SystemRandomNumberGenerator()
        for _ in 0..<5 {
            var d = LegMovementDetector(description: s.description)
            var i = 0
            while i < frames.count {
                let n = Int.random(in: 1...3000, using: &g)
                let j = min(frames.count, i + n * 6)
                d.push(Array(frames[i..<j]))
                i = j
            }
            let r = d.finish()
            #expect(r.movements == whole.movements)
            #expect(r.postureChanges == whole.postureChanges)
            #expect(r.inBedEpochs == whole.inBedEpochs)
            #expect(r.quality == whole.quality)
        }
    }

    @Test("gaps and a missing leg are reported; a movement cut by a gap is marked truncated")
    func quality() {
        var s = Synth(rate: 50, seconds: 300)
        s.legs = [.left]
        let r = s.detect(
            s.frames([Synth.Bump(leg: .left, start: 99, duration: 3, degrees: 30)], gaps: [(.left, 100, 130)]))
        let left = r.quality.legs[0]
        #expect(left.gapCount == 1)
        #expect(abs(left.gapSeconds - 30) < 0.05)
        #expect(r.movements.count == 1 && r.movements[0].truncated)
        #expect(r.quality.legs[1].declared == false)
        var both = Synth(rate: 50, seconds: 60)
        both.legs = [.left, .right]
        var frames = both.frames([])
        for i in 0..<(frames.count / 6) { for c in 3..<6 { frames[6 * i + c] = .nan } }
        let missing = both.detect(frames)
        #expect(missing.quality.legs[1].missing)
        #expect(missing.quality.findings.contains { $0.contains("right leg: no data") })
    }

    @Test("a still leg lies: a quiet recording without walking is all in bed; the result becomes scoring input")
    func inBed() {
        let s = Synth(rate: 50, seconds: 1200)
        let r = s.detect(s.frames([Synth.Bump(leg: .left, start: 600, duration: 2, degrees: 20)]))
        #expect(r.inBedEpochs == [0..<240])
        let input = r.scoringInput()
        #expect(input.inBedIntervals == [IntervalEvent(onset: 0, duration: 1_200_000_000)])
        #expect(input.legMovements.count == 1)
        #expect(input.recordingDuration == 1_200_000_000)
    }
}
