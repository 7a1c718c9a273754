import AccelerationSignal
import Foundation
import LegMovementDetection
import LegMovementScoring
import TestSupport
import Testing

/// Hand-made signals for the hard cases of issue 13, written independently of the simulator: a leg lying with
/// gravity along the sensor's z, rotations about the sensor's x (tilting gravity towards y), white noise, and
/// additive accelerations.
struct Scene {
    var rate: Double
    var seconds: Double
    var noise: Float
    var legs: [Leg] = [.left, .right]
    /// Rotation about x, degrees, per leg and time.
    var angle: (Leg, Double) -> Double = { _, _ in 0 }
    /// Added acceleration (x, y, z), g, per leg, frame index and time.
    var extra: (Leg, Int, Double) -> (Double, Double, Double) = { _, _, _ in (0, 0, 0) }

    func frames(seed: UInt64 = 7) -> [Float] {
        let n = Int(seconds * rate)
        var out = [Float](repeating: .nan, count: n * 6)
        var rng = SplitMix64(seed: seed)
        func gauss() -> Float { Float(rng.gaussian()) }
        for i in 0..<n {
            let t = Double(i) / rate
            for (li, leg) in [Leg.left, .right].enumerated() where legs.contains(leg) {
                let a = angle(leg, t) * .pi / 180
                let e = extra(leg, i, t)
                out[6 * i + 3 * li] = Float(e.0) + noise * gauss()
                out[6 * i + 3 * li + 1] = Float(sin(a) + e.1) + noise * gauss()
                out[6 * i + 3 * li + 2] = Float(cos(a) + e.2) + noise * gauss()
            }
        }
        return out
    }

    func detect() -> DetectionResult {
        var d = LegMovementDetector(description: SignalDescription(sampleRate: rate, legs: legs, rangeG: 4))
        d.push(frames())
        return d.finish()
    }

    /// Minimum-jerk step from 0 to 1 over [0, 1].
    static func step(_ x: Double) -> Double {
        let s = min(1, max(0, x))
        return s * s * s * (10 - 15 * s + 6 * s * s)
    }
}

@Suite("Detector: slow and small movements, and what is not a leg movement")
struct HardCaseTests {
    static let rates: [Double] = [25, 100]

    @Test("a slow dorsiflexion (5 degrees, 2 s rise, 2.5 s hold, 2 s return) at 6 mg noise is one LM", arguments: rates)
    func slowHeld(rate: Double) {
        let starts = [60.0, 120, 180]
        var s = Scene(rate: rate, seconds: 260, noise: 0.006, legs: [.left])
        s.angle = { _, t in
            for a in starts where t >= a && t < a + 6.5 {
                let tau = t - a
                return 5 * (tau < 2 ? Scene.step(tau / 2) : tau < 4.5 ? 1 : 1 - Scene.step((tau - 4.5) / 2))
            }
            return 0
        }
        let r = s.detect()
        #expect(r.movements.count == starts.count, "\(r.movements.map { Double($0.onsetFrame) / rate })")
        for a in starts {
            let m = r.movements.first { abs(Double($0.onsetFrame) / rate - a) < 1 }
            #expect(m != nil, "missed \(a)")
            guard let m else { continue }
            // One LM over rise, hold and return: it ends near 6.5 s after the start (the minimum-jerk ends are
            // below the noise for a few tenths of a second).
            #expect(abs(Double(m.endFrame) / rate - (a + 6.5)) < 1, "end \(Double(m.endFrame) / rate)")
        }
        #expect(r.postureChanges.isEmpty)
    }

    @Test("a small rotation of 3 degrees over 1.5 s at 6 mg noise is found", arguments: rates)
    func small(rate: Double) {
        var s = Scene(rate: rate, seconds: 200, noise: 0.006, legs: [.left])
        s.angle = { _, t in
            guard t >= 100, t < 101.5 else { return 0 }
            return 3 * 0.5 * (1 - cos(2 * .pi * (t - 100) / 1.5))
        }
        let r = s.detect()
        #expect(r.movements.count == 1)
        if let m = r.movements.first { #expect(abs(Double(m.onsetFrame) / rate - 100) < 0.5) }
    }

    @Test("a clonic burst along gravity (0.1 g at 5 Hz, 1.5 s) is an LM", arguments: rates)
    func clonicAlongGravity(rate: Double) {
        var s = Scene(rate: rate, seconds: 120, noise: 0.004, legs: [.left])
        s.extra = { _, _, t in
            guard t >= 60, t < 61.5 else { return (0, 0, 0) }
            return (0, 0, 0.1 * sin(2 * .pi * 5 * (t - 60)))
        }
        let r = s.detect()
        #expect(r.movements.count == 1)
        if let m = r.movements.first { #expect(abs(Double(m.onsetFrame) / rate - 60) < 0.3) }
    }

    @Test("a partner's periodic jolts (20 mg along gravity, 1.5 s, every 25 s, both legs alike) are no LM", arguments: rates)
    func partnerJolts(rate: Double) {
        var s = Scene(rate: rate, seconds: 600, noise: 0.004)
        s.extra = { leg, _, t in
            let tau = (t - 30).truncatingRemainder(dividingBy: 25) - (leg == .left ? 0 : 0.02)
            guard t >= 30, tau >= 0, tau < 1.5 else { return (0, 0, 0) }
            let u = 2 * Double.pi * tau / 1.5
            // The mattress pressed and released: displacement ∝ (1 - cos u)², acceleration ∝ cos u - cos 2u.
            let a = 0.02 * (cos(u) - cos(2 * u)) / 2
            return (0.1 * a, 0.1 * a, a)
        }
        let r = s.detect()
        #expect(r.movements.isEmpty, "\(r.movements.prefix(5).map { Double($0.onsetFrame) / rate })")
    }

    @Test("knocks: one-sample spikes of 0.3-1 g are no LM; a fan of 20-30 Hz wandering is none either", arguments: rates)
    func spikesAndFan(rate: Double) {
        var s = Scene(rate: rate, seconds: 600, noise: 0.004)
        let spikeFrames = Set(stride(from: 40.0, to: 580, by: 23).map { Int($0 * rate) })
        s.extra = { leg, i, t in
            // A fan whose speed wanders 20–30 Hz over 5 minutes, 10 mg along gravity.
            let phase = 25 * t - 5 * 300 / (2 * .pi) * cos(2 * .pi * t / 300)
            var z = 0.01 * sin(2 * .pi * phase)
            var x = 0.0
            if spikeFrames.contains(i) {
                let g = 0.3 + 0.7 * Double(i % 7) / 6
                if leg == .left { x += g } else { z += g }
            }
            return (x, 0, z)
        }
        let r = s.detect()
        #expect(r.movements.isEmpty, "\(r.movements.prefix(5).map { Double($0.onsetFrame) / rate })")
    }

    @Test("a sensor sliding 12 degrees on its strap and staying there is not an LM", arguments: rates)
    func strapSlide(rate: Double) {
        var s = Scene(rate: rate, seconds: 200, noise: 0.004, legs: [.left])
        s.angle = { _, t in 12 * Scene.step((t - 100) / 0.5) }
        let r = s.detect()
        #expect(r.movements.isEmpty, "\(r.movements.map { Double($0.onsetFrame) / rate })")
        #expect(r.postureChanges.count == 1)
    }

    @Test("out 8 degrees and back to 2 off the rest is an LM; out 6 and back to 4 off is a shift (not an LM)")
    func cameBackOrNot() {
        // The leg stays where it ended; after 10 s of stillness that is its rest. Whether the movement was an
        // LM depends on whether it came most of the way back.
        for (out, back, isLM) in [(8.0, 6.0, true), (6.0, 2.0, false)] {
            var s = Scene(rate: 50, seconds: 200, noise: 0.004, legs: [.left])
            s.angle = { _, t in out * Scene.step((t - 100) / 1) - back * Scene.step((t - 101) / 1) }
            let r = s.detect()
            #expect(r.movements.count == (isLM ? 1 : 0), "\(out) \(back)")
            #expect(r.postureChanges.count == (isLM ? 0 : 1), "\(out) \(back)")
        }
    }
}

/// A real recording: Daphnet Freezing of Gait, session S02R02, minutes 6.5–9.5 (Bächlin et al., IEEE TITB
/// 2010, CC BY 4.0; scripts/realdata/fixtures/README.md): a person with Parkinson's disease walking, turning,
/// standing and freezing, with the shank sensor at about 64 Hz. Nobody is in bed.
@Suite("Detector on a real recording (Daphnet)")
struct RealRecordingTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/realdata/fixtures/daphnet-S02R02-6.5-9.5min.txt")

    @Test("walking, standing and freezing are upright: no time in bed, even with a 1 min minimum")
    func uprightIsNotInBed() throws {
        let text = try String(contentsOf: RealRecordingTests.fixture, encoding: .utf8)
        var times: [Double] = []
        var frames: [Float] = []
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: " ").compactMap { Double($0) }
            try #require(f.count == 4, "bad line \(line)")
            times.append(f[0] / 1000)
            frames += [Float(f[1] / 1000), Float(f[2] / 1000), Float(f[3] / 1000), .nan, .nan, .nan]
        }
        try #require(times.count > 10_000)
        let rate = Double(times.count - 1) / (times[times.count - 1] - times[0])
        #expect(abs(rate - 64) < 1)
        var p = DetectorParameters()
        p.inBedMinimum = 60
        var d = LegMovementDetector(
            description: SignalDescription(sampleRate: rate, legs: [.left]), parameters: p)
        d.push(frames)
        let r = d.finish()
        #expect(r.quality.legs.first { $0.leg == .left }?.legAxisLearned == true)
        #expect(r.inBedEpochs.isEmpty, "\(r.inBedEpochs)")
        // Not a quiet excerpt: the shank moves (the detector reports movements, which are no PLMs in bed).
        #expect(!r.movements.isEmpty)
    }
}
