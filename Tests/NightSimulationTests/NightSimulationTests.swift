import AccelerationSignal
import Foundation
import LegMovementScoring
import NightSimulation
import Testing

@Suite struct DeterminismTests {
    @Test func sameSeedGivesTheSameBytes() throws {
        var s = SimulationSettings.typical(seed: 7, severity: .moderate)
        s.hoursInBed = 1
        s.sampleRate = 50
        s.disturbances = .challenging
        let a = try simulate(s)
        let b = try simulate(s)
        #expect(a.frames.count == b.frames.count)
        #expect(a.frames.map(\.bitPattern) == b.frames.map(\.bitPattern))
        #expect(a.truth.eventsTable() == b.truth.eventsTable())
        s.seed = 8
        let c = try simulate(s)
        #expect(a.frames.map(\.bitPattern) != c.frames.map(\.bitPattern))
        #expect(a.truth.eventsTable() != c.truth.eventsTable())
    }

    @Test func streamingInChunksEqualsTheWhole() throws {
        var s = SimulationSettings.typical(seed: 11, severity: .severe)
        s.hoursInBed = 0.5
        s.sampleRate = 50
        let whole = try simulate(s)
        var g = try NightGenerator(settings: s)
        var chunked: [Float] = []
        let sizes = [1, 7, 1000, 3, 4096, 13]
        var i = 0
        while g.read(into: &chunked, maxFrames: sizes[i % sizes.count]) > 0 { i += 1 }
        #expect(g.remainingFrames == 0)
        #expect(g.read(into: &chunked, maxFrames: 10) == 0)
        #expect(chunked.map(\.bitPattern) == whole.frames.map(\.bitPattern))
        #expect(Int64(whole.frames.count) == 6 * g.frameCount)
    }

    @Test func rawCountsMatchTheFrames() throws {
        var s = SimulationSettings.typical(seed: 12, severity: .mild)
        s.hoursInBed = 0.5
        s.sampleRate = 50
        s.range = .g2
        s.legs = [.right]
        let whole = try simulate(s)
        var g = try NightGenerator(settings: s)
        var raw = RawCounts()
        while g.readCounts(into: &raw, maxFrames: 999) > 0 {}
        #expect(raw.right.count == whole.frames.count / 2)
        #expect(raw.leftPresent.allSatisfy { !$0 })
        let scale = 2.0 / 32768
        for f in 0..<(whole.frames.count / 6) {
            for axis in 0..<3 {
                let v = whole.frames[f * 6 + 3 + axis]
                let c = raw.right[f * 3 + axis]
                if raw.rightPresent[f] {
                    #expect(c % 16 == 0)
                    #expect(Double(c) * scale == Double(v))
                } else {
                    #expect(v.isNaN && c == 0)
                }
            }
        }
    }

    @Test func switchingADisturbanceOffKeepsTheLegMovements() throws {
        let a = try NightGenerator(settings: .typical(seed: 5, severity: .moderate)).truth
        let b = try NightGenerator(settings: .clean(seed: 5, severity: .moderate)).truth
        #expect(a.legMovements() == b.legMovements())
        #expect(a.postureChanges == b.postureChanges)
    }

    @Test func invalidSettingsThrow() {
        var s = SimulationSettings(seed: 1)
        s.sampleRate = 0
        #expect(throws: SimulationError.self) { try NightGenerator(settings: s) }
        s = SimulationSettings(seed: 1)
        s.hoursInBed = -1
        #expect(throws: SimulationError.self) { try NightGenerator(settings: s) }
        s = SimulationSettings(seed: 1)
        s.legs = [.both]
        #expect(throws: SimulationError.self) { try NightGenerator(settings: s) }
    }
}

@Suite struct SensorTests {
    @Test(arguments: [50.0, 100.0])
    func atRestTheMagnitudeIsOneGWithinNoise(rate: Double) throws {
        var s = Support.clean(seed: 21, hours: 2, rate: rate, severity: .mild)
        s.sensor.offsetSDMilliG = 0
        s.sensor.gainErrorSD = 0
        let night = try simulate(s)
        let windows = Support.quietWindows(night.truth, leg: .left)
        #expect(windows.count >= 10)
        let expectedNoise = s.sensor.noiseDensityMicroG * 1e-6 * (rate / 2).squareRoot()
        let q = s.range.quantumG
        let expectedSD = (expectedNoise * expectedNoise + q * q / 12).squareRoot()
        for (a, b) in windows {
            let f0 = Support.frame(a, rate: rate)
            let f1 = Support.frame(b, rate: rate)
            let m = Support.meanVector(night.frames, leg: .left, from: f0, to: f1)
            let magnitude = (m.0 * m.0 + m.1 * m.1 + m.2 * m.2).squareRoot()
            // Thermal drift is at most a few mg.
            #expect(abs(magnitude - 1) < 0.01, "at \(a) µs: |g| = \(magnitude)")
            // Per-axis scatter is the sensor noise (plus quantisation).
            var ss = 0.0
            for f in f0..<f1 {
                let d = Double(Support.channel(night.frames, frame: f, leg: .left, axis: 0)) - m.0
                ss += d * d
            }
            let sd = (ss / Double(f1 - f0 - 1)).squareRoot()
            #expect(sd > 0.75 * expectedSD && sd < 1.3 * expectedSD, "sd \(sd) vs \(expectedSD)")
        }
    }

    @Test func withDefaultErrorsTheMagnitudeStaysNearOneG() throws {
        let s = Support.clean(seed: 22, hours: 2, rate: 50, severity: .none)
        let night = try simulate(s)
        for leg in [Leg.left, .right] {
            for (a, b) in Support.quietWindows(night.truth, leg: leg) {
                let m = Support.meanVector(
                    night.frames, leg: leg, from: Support.frame(a, rate: 50), to: Support.frame(b, rate: 50))
                let magnitude = (m.0 * m.0 + m.1 * m.1 + m.2 * m.2).squareRoot()
                #expect(abs(magnitude - 1) < 0.12)
            }
        }
    }

    @Test func everyValueIsAMultipleOfTheQuantumAndClippedAtFullScale() throws {
        for range in [SensorRange.g2, .g4] {
            var s = SimulationSettings.typical(seed: 31, severity: .severe)
            s.hoursInBed = 0.5
            s.sampleRate = 100
            s.range = range
            let night = try simulate(s)
            let q = range.quantumG
            #expect(night.description.resolutionG == q)
            #expect(night.description.rangeG == range.fullScaleG)
            var atTop = 0
            var atBottom = 0
            for v in night.frames where !v.isNaN {
                let c = Double(v) / q
                #expect(c == c.rounded())
                #expect(c >= -2048 && c <= 2047)
                if c == 2047 { atTop += 1 }
                if c == -2048 { atBottom += 1 }
            }
            if range == .g2 {
                // Walking (swing plus heel strike) exceeds ±2 g: the values are held at full scale.
                #expect(atTop + atBottom > 0)
            }
        }
    }

    @Test func gapsAreNaNAndOnlyThere() throws {
        var s = SimulationSettings.typical(seed: 41, severity: .moderate)
        s.hoursInBed = 1
        s.sampleRate = 50
        s.disturbances.dropouts = 6
        s.disturbances.notWornPeriods = 0
        let night = try simulate(s)
        let d = night.description
        #expect(night.truth.gaps.count == 6)
        let frames = night.frames.count / 6
        for leg in [Leg.left, .right] {
            let legGaps = night.truth.gaps.filter { $0.leg == nil || $0.leg == leg }
            let o = leg == .right ? 3 : 0
            for f in 0..<frames {
                let t = d.time(ofFrame: Int64(f))
                let inGap = legGaps.contains { $0.onset <= t && t < $0.end }
                #expect(night.frames[f * 6 + o].isNaN == inGap)
                if night.frames[f * 6 + o].isNaN != inGap { return }
            }
        }
    }

    @Test func oneLegSettingsGiveNaNOnTheOtherLeg() throws {
        var s = SimulationSettings.singleLeg(seed: 51, leg: .right, severity: .moderate)
        s.hoursInBed = 0.5
        s.sampleRate = 50
        s.disturbances.dropouts = 0
        let night = try simulate(s)
        #expect(night.description.legs == [.right])
        #expect(night.truth.recordedLegs == [.right])
        for f in 0..<(night.frames.count / 6) {
            for c in 0..<3 { #expect(night.frames[f * 6 + c].isNaN) }
            for c in 3..<6 { #expect(!night.frames[f * 6 + c].isNaN) }
        }
        // Left-leg movements happened but no recording shows them.
        #expect(night.truth.movements.contains { $0.event.leg == .left })
        #expect(night.truth.legMovements(observableOnly: true).allSatisfy { $0.leg == .right })
    }

    @Test func theRecordedLegDoesNotDependOnWhetherTheOtherIsRecorded() throws {
        var s = Support.clean(seed: 52, hours: 0.5, rate: 50)
        let both = try simulate(s)
        s.legs = [.left]
        let one = try simulate(s)
        for f in 0..<(both.frames.count / 6) {
            for c in 0..<3 { #expect(both.frames[f * 6 + c].bitPattern == one.frames[f * 6 + c].bitPattern) }
        }
    }

    @Test func anUnwornSensorLiesStill() throws {
        var s = Support.clean(seed: 61, hours: 1, rate: 50)
        s.disturbances.notWornPeriods = 1
        s.disturbances.notWornMinutes = 5...5
        let night = try simulate(s)
        let period = try #require(night.truth.notWorn.first)
        let leg = try #require(period.leg)
        #expect(period.onset == 0)
        let f0 = Support.frame(period.onset, rate: 50)
        let f1 = Support.frame(period.end, rate: 50) - 1
        let m = Support.meanVector(night.frames, leg: leg, from: f0, to: f1)
        // Lying on a table face up or down: gravity on z, within 2° plus the sensor's offset.
        #expect(abs(abs(m.2) - 1) < 0.1)
        let noise = s.sensor.noiseDensityMicroG * 1e-6 * 5
        for axis in 0..<3 {
            let mean = axis == 0 ? m.0 : axis == 1 ? m.1 : m.2
            var maxDev = 0.0
            for f in f0..<f1 {
                maxDev = max(maxDev, abs(Double(Support.channel(night.frames, frame: f, leg: leg, axis: axis)) - mean))
            }
            // No movement at all: only noise (and a drift towards room temperature) within ~6 sigma.
            #expect(maxDev < 6 * noise + 0.005)
        }
        // The other leg was worn and walking about meanwhile.
        let other: Leg = leg == .left ? .right : .left
        var range = (Float.infinity, -Float.infinity)
        for f in f0..<f1 {
            let v = Support.channel(night.frames, frame: f, leg: other, axis: 0)
            range = (min(range.0, v), max(range.1, v))
        }
        #expect(range.1 - range.0 > 0.5)
    }

    @Test func aFanAliasesAtLowSampleRates() throws {
        var s = Support.clean(seed: 71, hours: 1, rate: 25, severity: .none)
        s.sensor = .ideal
        s.sensor.noiseDensityMicroG = 0
        var fan = FanVibration()
        fan.frequencyHz = 30...30
        fan.harmonic = 0
        fan.amplitudeMilliG = 20
        fan.wholeNight = true
        s.disturbances.fan = fan
        let night = try simulate(s)
        // 30 Hz sampled at 25 Hz appears at 5 Hz: project a quiet 20 s window onto 5 Hz and onto 7 Hz.
        var truth = night.truth
        truth.fanPeriods = []
        let windows = Support.quietWindows(truth, leg: .left, length: 20_000_000, limit: 3)
        let (a, b) = try #require(windows.first)
        let f0 = Support.frame(a, rate: 25)
        let f1 = Support.frame(b, rate: 25)
        func amplitude(_ hz: Double) -> Double {
            var best = 0.0
            for axis in 0..<3 {
                var re = 0.0, im = 0.0, mean = 0.0
                for f in f0..<f1 { mean += Double(Support.channel(night.frames, frame: f, leg: .left, axis: axis)) }
                mean /= Double(f1 - f0)
                for f in f0..<f1 {
                    let v = Double(Support.channel(night.frames, frame: f, leg: .left, axis: axis)) - mean
                    let x = 2 * Double.pi * hz * Double(f) / 25
                    re += v * cos(x)
                    im += v * sin(x)
                }
                best = max(best, 2 * (re * re + im * im).squareRoot() / Double(f1 - f0))
            }
            return best
        }
        #expect(amplitude(5) > 0.008)
        #expect(amplitude(7) < 0.002)
    }
}

@Suite struct MovementTests {
    @Test func duringALegMovementTheOrientationChangesByTheDrawnAngle() throws {
        var s = Support.clean(seed: 81, hours: 1.5, rate: 100, severity: .severe)
        s.sensor = .ideal
        let night = try simulate(s)
        var checked = 0
        for m in night.truth.movements where m.shape != .clonic && m.observable {
            guard m.plateau.duration >= 300_000 else { continue }
            let leg = m.event.leg
            // Nothing else on this leg from 1.5 s before the onset to the end of the plateau.
            let before = m.event.onset - 1_500_000
            let others = Support.busy(night.truth, leg: leg).filter { b in
                b != (m.event.onset, m.event.end) && !night.truth.restless.contains(where: { r in r.onset == b.0 && r.end == b.1 })
            }
            guard !others.contains(where: { $0.0 < m.plateau.end && before < $0.1 }) else { continue }
            let rest = Support.meanVector(
                night.frames, leg: leg, from: Support.frame(before, rate: 100),
                to: Support.frame(m.event.onset, rate: 100))
            let peak = Support.meanVector(
                night.frames, leg: leg, from: Support.frame(m.plateau.onset, rate: 100) + 1,
                to: Support.frame(m.plateau.end, rate: 100))
            let angle = Support.angleDegrees(rest, peak)
            #expect(abs(angle - m.peakAngleDegrees) < 0.3 + 0.02 * m.peakAngleDegrees, "LM at \(m.event.onset): \(angle)° vs \(m.peakAngleDegrees)°")
            checked += 1
        }
        #expect(checked >= 30)
    }

    @Test func withTheDefaultSensorTheAngleIsStillClose() throws {
        let s = Support.clean(seed: 82, hours: 1.5, rate: 50, severity: .severe)
        let night = try simulate(s)
        var errors: [Double] = []
        for m in night.truth.movements where m.shape == .flexion && m.context == .periodic && m.observable {
            guard m.plateau.duration >= 400_000 else { continue }
            let leg = m.event.leg
            let rest = Support.meanVector(
                night.frames, leg: leg, from: Support.frame(m.event.onset - 1_000_000, rate: 50),
                to: Support.frame(m.event.onset, rate: 50))
            let peak = Support.meanVector(
                night.frames, leg: leg, from: Support.frame(m.plateau.onset, rate: 50) + 1,
                to: Support.frame(m.plateau.end, rate: 50))
            errors.append(abs(Support.angleDegrees(rest, peak) - m.peakAngleDegrees))
        }
        #expect(errors.count >= 20)
        errors.sort()
        #expect(errors[errors.count / 2] < 1.5)
    }

    @Test func aClonicBurstOscillatesWithoutNetRotation() throws {
        var s = Support.clean(seed: 83, hours: 2, rate: 100, severity: .severe)
        s.activity.clonicFraction = 0.5
        s.sensor = .ideal
        let night = try simulate(s)
        var checked = 0
        for m in night.truth.movements where m.shape == .clonic && m.observable && m.event.duration >= 1_000_000 {
            let leg = m.event.leg
            let f0 = Support.frame(m.event.onset, rate: 100)
            let f1 = Support.frame(m.event.end, rate: 100)
            let before = Support.meanVector(night.frames, leg: leg, from: f0 - 50, to: f0)
            let after = Support.meanVector(night.frames, leg: leg, from: f1 + 1, to: f1 + 51)
            let busyAfter = Support.busy(night.truth, leg: leg).contains {
                $0.0 != m.event.onset && $0.0 < m.event.end + 600_000 && m.event.onset - 600_000 < $0.1
            }
            if busyAfter { continue }
            #expect(Support.angleDegrees(before, after) < 0.5)
            // The burst itself shakes the sensor by its drawn acceleration.
            var peak = 0.0
            for f in f0..<f1 {
                let x = Double(Support.channel(night.frames, frame: f, leg: leg, axis: 0)) - before.0
                let y = Double(Support.channel(night.frames, frame: f, leg: leg, axis: 1)) - before.1
                let z = Double(Support.channel(night.frames, frame: f, leg: leg, axis: 2)) - before.2
                peak = max(peak, (x * x + y * y + z * z).squareRoot())
            }
            #expect(peak > 0.6 * m.peakAccelerationG && peak < 1.5 * m.peakAccelerationG + 0.02,
                "peak \(peak) g vs drawn \(m.peakAccelerationG) g")
            checked += 1
        }
        #expect(checked >= 5)
    }

    @Test func legMovementsLastAsDrawnAndNeverOverlapOnALeg() throws {
        let t = try NightGenerator(settings: .typical(seed: 91, severity: .severe)).truth
        for leg in [Leg.left, .right] {
            let lms = t.legMovements(on: leg)
            #expect(zip(lms, lms.dropFirst()).allSatisfy { $0.end + 500_000 < $1.onset })
        }
        let periodic = t.movements.filter { $0.context == .periodic }
        #expect(periodic.allSatisfy { $0.event.duration >= 500_000 && $0.event.duration <= 15_000_000 })
        #expect(periodic.filter { $0.shape == .flexion }.allSatisfy { (5...40).contains($0.peakAngleDegrees) })
        // Mostly 0.5–10 s, a few longer.
        let long = periodic.filter { $0.event.duration > 10_000_000 }.count
        #expect(Double(long) < 0.05 * Double(periodic.count))
        // Bilateral LMs: both legs within 0.5 s.
        let left = t.movements.filter { $0.event.leg == .left && $0.context == .periodic }.map(\.event.onset)
        let right = Set(t.movements.filter { $0.event.leg == .right && $0.context == .periodic }.map(\.event.onset))
        let bilateral = left.filter { l in right.contains { abs($0 - l) < 500_000 } }
        #expect(!bilateral.isEmpty)
    }

    @Test func turningOverRollsBothLegsIntoANewPosture() throws {
        let t = try NightGenerator(settings: .clean(seed: 92, severity: .moderate)).truth
        let turns = t.postureChanges.filter { $0.from != $0.to }
        #expect(turns.count >= 6)
        for p in turns {
            #expect(p.interval.duration >= 1_800_000 && p.interval.duration <= 9_500_000)
            for r in p.rollDegrees { #expect(abs(r) >= 30 - 1e-9 && abs(r) <= 180 + 1e-9, "roll \(r)°") }
        }
        // While asleep, about every 15–60 min.
        let sleepTurns = turns.count
        let hours = Double(t.lightsOn - t.lightsOff) / 3.6e9
        #expect(Double(sleepTurns) / hours >= 1 && Double(sleepTurns) / hours <= 6)
    }

    @Test func aTurnEndsInADifferentOrientation() throws {
        var s = Support.clean(seed: 93, hours: 3, rate: 50, severity: .none)
        s.sensor = .ideal
        let night = try simulate(s)
        var checked = 0
        for p in night.truth.postureChanges where p.from != p.to {
            let leg = Leg.left
            let a = Support.frame(p.interval.onset, rate: 50)
            let b = Support.frame(p.interval.end, rate: 50)
            let others = Support.busy(night.truth, leg: leg).filter { b in
                b.0 != p.interval.onset && !night.truth.restless.contains(where: { r in r.onset == b.0 })
            }
            if others.contains(where: { $0.0 < p.interval.end + 3_000_000 && p.interval.onset - 3_000_000 < $0.1 }) {
                continue
            }
            let before = Support.meanVector(night.frames, leg: leg, from: a - 100, to: a)
            let after = Support.meanVector(night.frames, leg: leg, from: b + 5, to: b + 100)
            #expect(Support.angleDegrees(before, after) > 10)
            checked += 1
        }
        #expect(checked >= 2)
    }
}

@Suite struct NightStructureTests {
    @Test func theNightStartsAndEndsUprightWithTimeInBedBetween() throws {
        var s = SimulationSettings.clean(seed: 101, severity: .mild)
        s.hoursInBed = 6
        s.sampleRate = 25
        s.behaviour.outOfBedTrips = 2...2
        s.sensor = .ideal
        let night = try simulate(s)
        let t = night.truth
        #expect(t.outOfBed.count == 2)
        #expect(t.inBed.count == 3)
        #expect(abs(Double(t.lightsOn - t.lightsOff) / 3.6e9 - 6) < 1e-6)
        #expect(t.lightsOff > 5 * 60_000_000)
        #expect(t.recordingDuration - t.lightsOn > 5 * 60_000_000)
        // Upright: the shank axis (sensor x) carries gravity; lying: it does not.
        func meanX(_ a: Microseconds, _ b: Microseconds) -> Double {
            Support.meanVector(night.frames, leg: .left, from: Support.frame(a, rate: 25), to: Support.frame(b, rate: 25)).0
        }
        #expect(meanX(0, t.lightsOff - 180_000_000) > 0.6)
        #expect(meanX(t.lightsOn + 120_000_000, t.recordingDuration) > 0.6)
        for bed in t.inBed { #expect(abs(meanX(bed.onset + 10_000_000, bed.end - 10_000_000)) < 0.5) }
        // Walking during each trip: big accelerations.
        for trip in t.outOfBed {
            var lo = Float.infinity, hi = -Float.infinity
            for f in Support.frame(trip.onset, rate: 25)..<Support.frame(trip.end, rate: 25) {
                let v = Support.channel(night.frames, frame: f, leg: .left, axis: 0)
                lo = min(lo, v)
                hi = max(hi, v)
            }
            #expect(hi - lo > 0.6)
        }
        // In-bed and out-of-bed intervals tile the time in bed.
        for (trip, (before, after)) in zip(t.outOfBed, zip(t.inBed, t.inBed.dropFirst())) {
            #expect(before.end == trip.onset && trip.end == after.onset)
            #expect(trip.duration >= 100_000_000 && trip.duration <= 660_000_000)
        }
    }

    @Test func eventsTableIsBIDSAndSorted() throws {
        let t = try NightGenerator(settings: .typical(seed: 111, severity: .moderate)).truth
        let table = t.eventsTable()
        var lines = table.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "onset\tduration\ttrial_type")
        #expect(lines.last == "")
        lines = Array(lines.dropFirst().dropLast())
        var previous: (Double, String) = (-1, "")
        var counts: [String: Int] = [:]
        for line in lines {
            let f = line.split(separator: "\t").map(String.init)
            #expect(f.count == 3)
            #expect(f[0].split(separator: ".").last?.count == 3 && f[1].split(separator: ".").last?.count == 3)
            let onset = try #require(Double(f[0]))
            #expect(onset > previous.0 || (onset == previous.0 && f[2] >= previous.1))
            previous = (onset, f[2])
            counts[f[2], default: 0] += 1
        }
        #expect(counts["in_bed"] == t.inBed.count)
        #expect((counts["LM/left"] ?? 0) + (counts["LM/right"] ?? 0) == t.legMovements(observableOnly: true).count)
        #expect(counts["posture_change"] == t.postureChanges.count)
        #expect(counts["restless"] == t.restless.count)
        #expect((counts["partner_movement"] ?? 0) > 0)
        #expect((counts["not_worn/left"] ?? 0) + (counts["not_worn/right"] ?? 0) == 1)
        let all = t.eventsTable(includeUnobservable: true)
        #expect(all.split(separator: "\n").filter { $0.hasSuffix("\tLM/left") || $0.hasSuffix("\tLM/right") }.count
            == t.movements.count)
    }

    @Test(arguments: [25.0, 50.0, 100.0, 200.0])
    func sampleRatesShareOneNight(rate: Double) throws {
        var s = Support.clean(seed: 121, hours: 0.5, rate: rate)
        let g = try NightGenerator(settings: s)
        s.sampleRate = 100
        let reference = try NightGenerator(settings: s)
        #expect(g.truth.movements == reference.truth.movements)
        #expect(g.frameCount == Int64((Double(g.truth.recordingDuration) / 1e6 * rate).rounded(.down)))
        #expect(g.description.sampleRate == rate)
    }
}
