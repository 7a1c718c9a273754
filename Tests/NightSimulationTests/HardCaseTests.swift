import Foundation
import LegMovementScoring
import Testing

import NightSimulation

/// The hard-case classes of issue 13 (docs/simulator.md, "Hard cases").
@Suite struct HardCaseTests {
    static func everything(_ s: inout SimulationSettings) {
        var q = PartnerPLM()
        q.episodes = 3...3
        s.disturbances.partnerPLM = q
        s.disturbances.strapSlides = 3
        s.disturbances.spikesPerHour = 10
        s.sensor.warmUpCoefficientSDMilliG = 1
    }

    @Test func theDisturbancesAddNothingToTheLegMovements() throws {
        var s = SimulationSettings.typical(seed: 31, severity: .moderate)
        let before = try NightGenerator(settings: s).truth
        HardCaseTests.everything(&s)
        let after = try NightGenerator(settings: s).truth
        #expect(before.legMovements() == after.legMovements())
        #expect(before.postureChanges == after.postureChanges)
        #expect(!after.partnerPLMJolts.isEmpty && !after.strapSlides.isEmpty && !after.spikes.isEmpty)
        #expect(before.partnerPLMJolts.isEmpty && before.strapSlides.isEmpty && before.spikes.isEmpty)
    }

    @Test func theMovementClassesHaveTheirDrawnRanges() throws {
        var s = SimulationSettings.clean(seed: 32, severity: .severe)
        s.activity.slowDorsiflexionFraction = 0.4
        s.activity.smallRotationFraction = 0.3
        s.activity.horizontalFlexionFraction = 0.1
        let truth = try NightGenerator(settings: s).truth
        var counts: [MovementShape: Int] = [:]
        for m in truth.movements where m.context != .restless {
            counts[m.shape, default: 0] += 1
            let rise = Double(m.plateau.onset - m.event.onset) / 1e6
            let hold = Double(m.plateau.duration) / 1e6
            let d = Double(m.event.duration) / 1e6
            switch m.shape {
            case .slowDorsiflexion:
                #expect((3...8).contains(m.peakAngleDegrees))
                #expect((0.999...2.501).contains(rise) && (0...2.001).contains(hold) && d <= 7.501)
            case .smallRotation:
                #expect((3...5).contains(m.peakAngleDegrees))
                #expect((0.7...6.001).contains(d))
            case .horizontalFlexion:
                #expect((10...30).contains(m.peakAngleDegrees))
            default: break
            }
        }
        let lms = counts.values.reduce(0, +)
        // Fractions of the flexions (clonic and slow-small LMs are drawn first and stay as they are).
        let share = { (shape: MovementShape) in Double(counts[shape, default: 0]) / Double(lms) }
        #expect(abs(share(.slowDorsiflexion) - 0.4 * 0.87) < 0.06, "\(counts)")
        #expect(abs(share(.smallRotation) - 0.3 * 0.87) < 0.06, "\(counts)")
        #expect(share(.horizontalFlexion) > 0.04, "\(counts)")
    }

    @Test func aSlowDorsiflexionTiltsTheShankByItsAngle() throws {
        var s = Support.clean(seed: 33, hours: 1.5, rate: 50, severity: .severe)
        s.sensor = .ideal
        s.activity.slowDorsiflexionFraction = 1
        let (_, frames, truth) = try simulate(s)
        var checked = 0
        for m in truth.movements where m.shape == .slowDorsiflexion && m.observable && m.plateau.duration > 200_000 {
            let a = Support.frame(m.event.onset, rate: 50)
            let p = Support.frame(m.plateau.onset, rate: 50)
            let before = Support.meanVector(frames, leg: m.event.leg, from: a - 25, to: a - 1)
            let held = Support.meanVector(frames, leg: m.event.leg, from: p + 1, to: p + 8)
            #expect(abs(Support.angleDegrees(before, held) - m.peakAngleDegrees) < 0.3 + 0.03 * m.peakAngleDegrees)
            checked += 1
        }
        #expect(checked > 5)
    }

    @Test func aPartnersJoltIsTheSameOnBothLegsAlongGravityAndPeriodic() throws {
        var s = Support.clean(seed: 34, hours: 3, rate: 100, severity: .none)
        s.sensor = .ideal
        s.range = .g2
        var q = PartnerPLM()
        q.episodes = 2...2
        s.disturbances.partnerPLM = q
        let (_, frames, truth) = try simulate(s)
        let jolts = truth.partnerPLMJolts
        #expect(jolts.count >= 8)
        // Within an episode, jolts follow each other after 10–90 s.
        let gaps = zip(jolts.dropFirst(), jolts).map { Double($0.onset - $1.onset) / 1e6 }
        #expect(gaps.filter { $0 < 10 }.isEmpty)
        #expect(Double(gaps.filter { $0 <= 90 }.count) >= 0.8 * Double(gaps.count))
        // Pick jolts with no LM or turn near: the magnitude changes alike on both legs, the direction does not.
        var checked = 0
        for j in jolts {
            let busy = truth.movements.contains { $0.event.onset < j.end + 3_000_000 && $0.event.end + 3_000_000 > j.onset }
                || truth.postureChanges.contains { $0.interval.onset < j.end + 3_000_000 && $0.interval.end + 3_000_000 > j.onset }
            guard !busy else { continue }
            let a = Support.frame(j.onset, rate: 100)
            let b = Support.frame(j.end, rate: 100)
            var l: [Double] = []
            var r: [Double] = []
            for f in a..<b {
                func mag(_ leg: Leg) -> Double {
                    let v = (0..<3).map { Double(Support.channel(frames, frame: f, leg: leg, axis: $0)) }
                    return (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).squareRoot() - 1
                }
                l.append(mag(.left))
                r.append(mag(.right))
            }
            let ml = l.reduce(0, +) / Double(l.count)
            let mr = r.reduce(0, +) / Double(r.count)
            let cov = zip(l, r).map { ($0 - ml) * ($1 - mr) }.reduce(0, +)
            let vl = l.map { ($0 - ml) * ($0 - ml) }.reduce(0, +)
            let vr = r.map { ($0 - mr) * ($0 - mr) }.reduce(0, +)
            guard vl > 0, vr > 0, (l.map(abs).max() ?? 0) > 0.004 else { continue }
            #expect(cov / (vl * vr).squareRoot() > 0.8)
            let before = Support.meanVector(frames, leg: .left, from: a - 100, to: a - 1)
            let after = Support.meanVector(frames, leg: .left, from: b + 1, to: b + 100)
            #expect(Support.angleDegrees(before, after) < 0.3)
            checked += 1
        }
        #expect(checked >= 3)
    }

    @Test func aStrapSlideTurnsTheSensorAndItStays() throws {
        var s = Support.clean(seed: 35, hours: 3, rate: 50, severity: .none)
        s.sensor = .ideal
        s.disturbances.strapSlides = 4
        let (_, frames, truth) = try simulate(s)
        #expect(truth.strapSlides.count == 4)
        var checked = 0
        for slide in truth.strapSlides {
            guard let leg = slide.leg else { continue }
            let quiet = !truth.movements.contains { $0.event.leg == leg && $0.event.onset < slide.end + 6_000_000 && $0.event.end + 2_000_000 > slide.onset }
                && !truth.postureChanges.contains { $0.interval.onset < slide.end + 6_000_000 && $0.interval.end + 2_000_000 > slide.onset }
            guard quiet else { continue }
            let a = Support.frame(slide.onset, rate: 50)
            let b = Support.frame(slide.end, rate: 50)
            let before = Support.meanVector(frames, leg: leg, from: a - 50, to: a - 1)
            let after = Support.meanVector(frames, leg: leg, from: b + 1, to: b + 50)
            let later = Support.meanVector(frames, leg: leg, from: b + 200, to: b + 250)
            // The slide turns about an axis near the shank's; gravity turns by up to the slide's angle.
            #expect(Support.angleDegrees(before, after) > 0.5)
            #expect(Support.angleDegrees(before, after) < 26)
            #expect(Support.angleDegrees(after, later) < 0.2)
            checked += 1
        }
        #expect(checked >= 2)
    }

    @Test func warmUpIsAnOffsetThatDecaysAfterStrappingOn() throws {
        var s = Support.clean(seed: 36, hours: 3, rate: 25, severity: .none)
        s.sensor = .ideal
        s.range = .g2
        let (_, plain, _) = try simulate(s)
        s.sensor.warmUpCoefficientSDMilliG = 1.5
        let (_, warm, _) = try simulate(s)
        func largestDifference(at seconds: Double) -> Double {
            let f = Int(seconds * 25)
            return (0..<3).map {
                abs(Double(Support.channel(warm, frame: f, leg: .left, axis: $0))
                    - Double(Support.channel(plain, frame: f, leg: .left, axis: $0)))
            }.max() ?? 0
        }
        // ΔT 8–14 °C × normal coefficients of SD 1.5 mg/°C: tens of mg at first (the largest of three axes),
        // less than a quantum (0.98 mg) after 5 time constants of at most 40 min.
        #expect(largestDifference(at: 1) > 0.004)
        #expect(largestDifference(at: 3.3 * 3600) < 0.002)
    }

    @Test func spikesAreShortImpulses() throws {
        var s = Support.clean(seed: 37, hours: 2, rate: 100, severity: .none)
        s.disturbances.spikesPerHour = 20
        let truth = try NightGenerator(settings: s).truth
        #expect(truth.spikes.count > 10)
        #expect(truth.spikes.allSatisfy { $0.duration >= 2000 && $0.duration <= 10_000 })
        #expect(truth.eventsTable().contains("\tspike\n"))
    }
}
