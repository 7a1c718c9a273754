import Foundation
import LegMovementScoring
import NightSimulation

/// Helpers shared by the simulator tests.
enum Support {
    /// A short clean night (no disturbances) for the geometry tests.
    static func clean(seed: UInt64, hours: Double = 1.5, rate: Double = 50, severity: Severity = .severe)
        -> SimulationSettings
    {
        var s = SimulationSettings.clean(seed: seed, severity: severity)
        s.hoursInBed = hours
        s.sampleRate = rate
        return s
    }

    static func channel(_ frames: [Float], frame: Int, leg: Leg, axis: Int) -> Float {
        frames[frame * 6 + (leg == .right ? 3 : 0) + axis]
    }

    /// Mean specific-force vector of a leg over frames [a, b).
    static func meanVector(_ frames: [Float], leg: Leg, from a: Int, to b: Int) -> (Double, Double, Double) {
        var x = 0.0, y = 0.0, z = 0.0
        let o = leg == .right ? 3 : 0
        for i in a..<b {
            x += Double(frames[i * 6 + o])
            y += Double(frames[i * 6 + o + 1])
            z += Double(frames[i * 6 + o + 2])
        }
        let n = Double(b - a)
        return (x / n, y / n, z / n)
    }

    static func angleDegrees(_ a: (Double, Double, Double), _ b: (Double, Double, Double)) -> Double {
        let dot = a.0 * b.0 + a.1 * b.1 + a.2 * b.2
        let na = (a.0 * a.0 + a.1 * a.1 + a.2 * a.2).squareRoot()
        let nb = (b.0 * b.0 + b.1 * b.1 + b.2 * b.2).squareRoot()
        return acos(max(-1, min(1, dot / (na * nb)))) * 180 / Double.pi
    }

    static func frame(_ t: Microseconds, rate: Double) -> Int { Int((Double(t) / 1e6 * rate).rounded(.down)) }

    /// Everything that moves a leg (or the bed) in the truth, per leg, as [onset, end) in µs.
    static func busy(_ truth: GroundTruth, leg: Leg) -> [(Microseconds, Microseconds)] {
        var out: [(Microseconds, Microseconds)] = []
        for m in truth.movements where m.event.leg == leg { out.append((m.event.onset, m.event.end)) }
        for p in truth.postureChanges { out.append((p.interval.onset, p.interval.end)) }
        for r in truth.restless { out.append((r.onset, r.end)) }
        for i in truth.partnerMovements { out.append((i.onset, i.end)) }
        for i in truth.fanPeriods { out.append((i.onset, i.end)) }
        for g in truth.gaps where g.leg == nil || g.leg == leg { out.append((g.onset, g.end)) }
        for n in truth.notWorn where n.leg == leg { out.append((n.onset, n.end)) }
        return out
    }

    /// Windows of `length` µs inside time in bed with nothing going on within `margin` µs.
    static func quietWindows(
        _ truth: GroundTruth, leg: Leg, length: Microseconds = 5_000_000, margin: Microseconds = 5_000_000,
        limit: Int = 40
    ) -> [(Microseconds, Microseconds)] {
        let b = busy(truth, leg: leg)
        var out: [(Microseconds, Microseconds)] = []
        for bed in truth.inBed {
            var t = bed.onset + 60_000_000
            while t + length < bed.end - 60_000_000, out.count < limit {
                let a = t - margin
                let z = t + length + margin
                if !b.contains(where: { $0.0 < z && a < $0.1 }) { out.append((t, t + length)) }
                t += 97_000_000
            }
        }
        return out
    }
}
