import AccelerationSignal
import Foundation
import LegMovementScoring

/// A time span in seconds from the recording start.
struct Span: Sendable {
    var start: Double
    var end: Double
    var length: Double { end - start }
    func overlaps(_ a: Double, _ b: Double) -> Bool { start < b && a < end }
}

/// The motions of one leg, sorted by start and never overlapping.
struct LegTimeline: Sendable {
    var motions: [Motion] = []
    var initialPose: Pose

    /// Index of the first motion whose start is >= t.
    func firstIndex(startingAtOrAfter t: Double) -> Int {
        motions.partitionIndex { $0.start < t }
    }

    /// The end of a motion that comes within `margin` of [a, b), or nil when that span is free.
    func conflict(_ a: Double, _ b: Double, margin: Double) -> Double? {
        let i = firstIndex(startingAtOrAfter: b + margin)
        if i > 0, motions[i - 1].end + margin > a { return motions[i - 1].end }
        return nil
    }

    /// The resting pose at t (t outside any motion).
    func pose(at t: Double) -> Pose {
        let i = firstIndex(startingAtOrAfter: t)
        return i == 0 ? initialPose : motions[i - 1].to
    }

    var lastPose: Pose { motions.last?.to ?? initialPose }

    mutating func insert(_ m: Motion) {
        motions.insert(m, at: firstIndex(startingAtOrAfter: m.start))
    }
}

/// A sensor lying on a table: its specific force in the sensor frame.
struct TableSpan: Sendable {
    var span: Span
    var vector: Vec3
}

/// A bed partner's movement felt through the mattress: a sum of damped mattress modes, mostly vertical.
struct PartnerEvent: Sendable {
    var start: Double
    var end: Double
    var amplitudeG: Double
    var frequencies: (Double, Double, Double)
    var phases: (Double, Double, Double)
    /// Per leg: gain of the transmission and delay, s.
    var gain: (Double, Double)
    var delay: (Double, Double)
    /// Share of the movement that is horizontal (along the leg's e2/e3 in the rest frame).
    var horizontal: Vec3
    /// 0: a partner turning or shifting (mattress modes only). 1: a jolt of a partner's leg movement — the
    /// mattress pressed down and released (displacement D (1 − cos u)² / 4, u = 2π τ / length, whose
    /// acceleration is ∝ cos u − cos 2u, peak `amplitudeG`) with the mattress modes ringing at a quarter of it.
    var jolt: Double = 0

    /// Vertical acceleration (g) felt by leg `leg` at time t (0 outside the event).
    @inline(__always)
    func vertical(leg: Int, at t: Double) -> Double {
        let tau = t - start - (leg == 0 ? delay.0 : delay.1)
        let length = end - start
        guard tau > 0, tau < length else { return 0 }
        if jolt != 0 {
            let u = 2 * Double.pi * tau / length
            let w = 2 * Double.pi * tau
            let ring = (sin(w * frequencies.0 + phases.0) + 0.6 * sin(w * frequencies.1 + phases.1)) / 1.6
            let decay = exp(-3 * tau / length)
            return amplitudeG * (leg == 0 ? gain.0 : gain.1) * ((cos(u) - cos(2 * u)) / 2 + 0.25 * decay * ring)
        }
        let x = tau / length
        let env = x < 0.1 ? x / 0.1 : ((1 - x) / 0.9) * ((1 - x) / 0.9)
        let w = 2 * Double.pi * tau
        let v = sin(w * frequencies.0 + phases.0) + 0.6 * sin(w * frequencies.1 + phases.1)
            + 0.35 * sin(w * frequencies.2 + phases.2)
        return amplitudeG * (leg == 0 ? gain.0 : gain.1) * env * v / 1.95
    }
}

/// A fan or motor vibrating the bed: a continuous sinusoid (and harmonic), sampled at the frame times so that
/// frequencies above half the sample rate alias exactly as in a sensor without an anti-aliasing filter.
struct FanPeriod: Sendable {
    var span: Span
    var frequency: Double
    var amplitudeG: Double
    var harmonic: Double
    var phase: Double
    /// Per leg: horizontal share direction (leg frame).
    var horizontal: (Vec3, Vec3)

    /// A wandering speed: f(t) = f (1 + wander sin(2π t / wanderPeriod + phase)).
    var wander: Double = 0
    var wanderPeriod: Double = 300

    @inline(__always)
    func value(at t: Double) -> Double {
        if wander != 0 {
            // Phase = ∫ f dt, in cycles.
            let w = 2 * Double.pi / wanderPeriod
            let c = frequency * t - frequency * wander / w * (cos(w * t + phase) - cos(phase))
            var cycles = c.truncatingRemainder(dividingBy: 1)
            if cycles < 0 { cycles += 1 }
            let x = 2 * Double.pi * cycles + phase
            return amplitudeG * (sin(x) + harmonic * sin(2 * x + 0.7))
        }
        var cycles = (frequency * t).truncatingRemainder(dividingBy: 1)
        if cycles < 0 { cycles += 1 }
        let x = 2 * Double.pi * cycles + phase
        return amplitudeG * (sin(x) + harmonic * sin(2 * x + 0.7))
    }
}

/// A planned night: every leg's motions, the disturbances, and the ground truth.
struct NightPlan: Sendable {
    var duration: Double
    var legs: [LegTimeline]
    var gapFrames: [[Range<Int64>]]
    var notWorn: [[TableSpan]]
    var inBed: [Span]
    var partner: [PartnerEvent]
    var fan: [FanPeriod]
    var truth: GroundTruth
    var slides: [[StrapSlide]] = [[], []]
    var spikes: [Spike] = []
}

/// A trip out of bed: its parts in order (seconds).
private struct Trip {
    var start: Double
    var sitUp: Double, edgeSit: Double, standUp: Double, walk1: Double, bathroom: Double, bathroomSits: Bool,
        walk2: Double, sitDown: Double, edgeSit2: Double, lieDown: Double
    var length: Double {
        sitUp + edgeSit + standUp + walk1 + bathroom + walk2 + sitDown + edgeSit2 + lieDown
    }
    var end: Double { start + length }
}

struct RestlessPeriod {
    var span: Span
    /// Mean time between voluntary movements, s.
    var meanInterval: Double
    var turns: Int
    var shifts: Int
}

/// Per-leg state of the lying posture.
private struct LyingState {
    var posture: Posture
    /// Each leg's roll beyond the posture's base roll (external rotation of the feet etc.), rad.
    var offsets: [Double]
}

/// Builds a `NightPlan` from settings: first the macro timeline (upright, lying, trips, turns), then restless
/// movements, PLM episodes, isolated LMs and short-IMI doublets, then disturbances.
struct Planner {
    let settings: SimulationSettings
    var legs: [LegTimeline] = [LegTimeline(initialPose: .standing), LegTimeline(initialPose: .standing)]
    var movements: [SimulatedMovement] = []
    /// Onsets of all LMs (both legs), sorted: for keeping isolated LMs isolated.
    var onsets: [Double] = []
    var postureChanges: [PostureChange] = []
    var outOfBed: [TruthInterval] = []
    var inBedSpans: [Span] = []
    var restlessSpans: [Span] = []
    var episodes: [TruthInterval] = []
    /// The random streams of the hard movement classes (HardCases.swift).
    var classes: ClassStreams

    init(settings: SimulationSettings) {
        self.settings = settings
        classes = ClassStreams(seed: settings.seed)
    }

    static func micro(_ s: Double) -> Microseconds { Microseconds((s * 1_000_000).rounded()) }
    static func interval(_ a: Double, _ b: Double, leg: Leg? = nil) -> TruthInterval {
        TruthInterval(onset: micro(a), duration: micro(b) - micro(a), leg: leg)
    }
    static func legName(_ i: Int) -> Leg { i == 0 ? .left : .right }

    // MARK: - Poses

    static func baseRoll(_ p: Posture) -> Double {
        switch p {
        case .supine: return 0
        case .rightSide: return 90 * degree
        case .prone: return 180 * degree
        case .leftSide: return -90 * degree
        }
    }

    /// A leg's roll offset in a posture: feet fall outwards in supine (external rotation, 10–35°: left leg
    /// negative roll, right leg positive), anything within ±30° in prone, ±15° (SD) in side lying.
    static func rollOffset(_ p: Posture, leg: Int, rng: inout Xoshiro) -> Double {
        switch p {
        case .supine:
            let e = rng.uniform(10, 35) * degree
            return leg == 0 ? -e : e
        case .prone: return rng.uniform(-30, 30) * degree
        case .leftSide, .rightSide: return max(-35, min(35, rng.normal(mean: 0, sd: 15))) * degree
        }
    }

    /// Shank elevation while lying: nearly horizontal (heel on the mattress, knee a little higher: 5 ± 4°);
    /// in supine 8 % of the time knees up (25–45°).
    static func lyingPitch(_ p: Posture, rng: inout Xoshiro) -> Double {
        if p == .supine, rng.chance(0.08) { return rng.uniform(25, 45) * degree }
        if p == .supine || p == .prone { return max(-5, min(15, rng.normal(mean: 5, sd: 4))) * degree }
        return max(-20, min(20, rng.normal(mean: 0, sd: 8))) * degree
    }

    static func drawPosture(excluding: Posture?, rng: inout Xoshiro) -> Posture {
        let all: [Posture] = [.supine, .leftSide, .rightSide, .prone]
        let weights: [Double] = [0.4, 0.25, 0.25, 0.1].enumerated().map { all[$0.offset] == excluding ? 0 : $0.element }
        return all[rng.pick(weights: weights)]
    }

    /// The body's roll from one posture to another, rad: ±90° to or from a side; supine <-> prone ±180° either
    /// way; side to side through supine.
    static func bodyRotation(from a: Posture, to b: Posture, rng: inout Xoshiro) -> Double {
        var d = baseRoll(b) - baseRoll(a)
        while d > Double.pi + 1e-9 { d -= 2 * Double.pi }
        while d < -Double.pi - 1e-9 { d += 2 * Double.pi }
        if abs(abs(d) - Double.pi) < 1e-6 {
            if a == .leftSide { return Double.pi }
            if a == .rightSide { return -Double.pi }
            return rng.chance(0.5) ? Double.pi : -Double.pi
        }
        return d
    }

    static func sittingPose(rng: inout Xoshiro) -> Pose {
        Pose(roll: rng.uniform(-20, 20) * degree, pitch: rng.uniform(65, 85) * degree)
    }

    // MARK: - Macro timeline

    /// Appends a motion to both legs (second leg optionally lagging).
    private mutating func appendBoth(_ make: (Int, Pose) -> Motion) {
        for leg in 0..<2 {
            let m = make(leg, legs[leg].lastPose)
            legs[leg].motions.append(m)
        }
    }

    /// A pose transition of both legs over [t, t + length) with some shaking.
    private mutating func transition(at t: Double, length: Double, to poses: [Pose], jitterG: Double, rng: inout Xoshiro) {
        for leg in 0..<2 {
            let from = legs[leg].lastPose
            var to = poses[leg]
            // Unwrap the roll to the nearest turn of the previous roll.
            while to.roll - from.roll > Double.pi { to.roll -= 2 * Double.pi }
            while to.roll - from.roll < -Double.pi { to.roll += 2 * Double.pi }
            var m = Motion(start: t, end: t + length, from: from, to: to)
            if jitterG > 0 {
                m.jitter = Jitter(
                    direction: rng.unitVector(), amplitudeG: jitterG * rng.uniform(0.7, 1.3), f1: rng.uniform(1.5, 4),
                    f2: rng.uniform(4, 9), p1: rng.uniform(0, 6.283), p2: rng.uniform(0, 6.283))
            }
            legs[leg].motions.append(m)
        }
    }

    /// Walking over [t, t + length): legs in anti-phase.
    private mutating func walk(at t: Double, length: Double, rng: inout Xoshiro) {
        // Gait: stride 0.8–1.0 Hz (cadence 96–120 steps/min); shank sagittal swing ±18–28° about the knee/hip
        // (radius 0.45 m) gives ~0.5–0.9 g; heel strike 0.3–0.8 g ringing at 12–20 Hz, decaying in ~25 ms.
        let stride = rng.uniform(0.8, 1.0)
        let a1 = rng.uniform(18, 28) * degree
        let a2 = rng.uniform(3, 7) * degree
        let phase = rng.uniform(0, 2 * Double.pi)
        let phase2 = rng.uniform(0, 2 * Double.pi)
        for leg in 0..<2 {
            var m = Motion(start: t, end: t + length, at: .standing)
            m.gait = Gait(
                strideHz: stride, amplitude1: a1 * rng.uniform(0.9, 1.1), amplitude2: a2,
                phase1: phase + (leg == 0 ? 0 : Double.pi), phase2: phase2 + (leg == 0 ? 0 : Double.pi),
                heelG: rng.uniform(0.3, 0.8), heelHz: rng.uniform(12, 20), heelDecay: 0.025, radius: 0.45)
            legs[leg].motions.append(m)
        }
    }

    /// Standing still with postural sway (0.2–0.5 Hz, 0.5–1.5°) over [t, t + length).
    private mutating func stand(at t: Double, length: Double, rng: inout Xoshiro) {
        let f = rng.uniform(0.2, 0.5)
        let a = rng.uniform(0.5, 1.5) * degree
        for leg in 0..<2 {
            var m = Motion(start: t, end: t + length, at: .standing)
            m.oscillation = Oscillation(axis: Vec3(0, 0, 1), amplitude: a, frequency: f, taper: 1, radius: 0.9)
            legs[leg].motions.append(m)
        }
    }

    private func isStanding(_ leg: Int = 0) -> Bool { legs[leg].lastPose.pitch > 89 * degree }

    private mutating func standUp(at t: Double, length: Double, rng: inout Xoshiro) {
        transition(at: t, length: length, to: [.standing, .standing], jitterG: 0.05, rng: &rng)
    }

    private mutating func sitDown(at t: Double, length: Double, rng: inout Xoshiro) {
        let p = Planner.sittingPose(rng: &rng)
        var q = p
        q.roll += rng.uniform(-5, 5) * degree
        transition(at: t, length: length, to: [p, q], jitterG: 0.05, rng: &rng)
    }

    /// Upright activity over [t0, t1): walking bouts, standing, sitting (with the transitions between them).
    private mutating func upright(from t0: Double, to t1: Double, rng: inout Xoshiro) {
        var t = t0
        while t1 - t > 4 {
            let choice = rng.pick(weights: [0.4, 0.3, 0.3])
            if choice == 2 {  // sit
                if isStanding() {
                    let d = rng.uniform(1.5, 3)
                    sitDown(at: t, length: d, rng: &rng)
                    t += d
                }
                t += min(rng.uniform(30, 180), max(0, t1 - t))
                continue
            }
            if !isStanding() {
                let d = min(rng.uniform(1.5, 3), t1 - t)
                standUp(at: t, length: d, rng: &rng)
                t += d
            }
            let d = min(choice == 0 ? rng.uniform(10, 60) : rng.uniform(20, 120), t1 - t)
            if d < 2 { break }
            if choice == 0 { walk(at: t, length: d, rng: &rng) } else { stand(at: t, length: d, rng: &rng) }
            t += d
        }
    }

    /// Lies down over [t, t + length) into `posture`.
    private mutating func lieDown(at t: Double, length: Double, posture: Posture, rng: inout Xoshiro) -> LyingState {
        var offsets = [0.0, 0.0]
        var poses: [Pose] = []
        for leg in 0..<2 {
            offsets[leg] = Planner.rollOffset(posture, leg: leg, rng: &rng)
            poses.append(
                Pose(roll: Planner.baseRoll(posture) + offsets[leg], pitch: Planner.lyingPitch(posture, rng: &rng)))
        }
        transition(at: t, length: length, to: poses, jitterG: 0.08, rng: &rng)
        return LyingState(posture: posture, offsets: offsets)
    }

    /// Turning over (or, `small`, a repositioning that keeps the posture) at t.
    private mutating func turn(at t: Double, state: inout LyingState, small: Bool, rng: inout Xoshiro) {
        let length = small ? rng.uniform(1.5, 4) : rng.uniform(2, 8)
        let newPosture = small ? state.posture : Planner.drawPosture(excluding: state.posture, rng: &rng)
        let body = small ? 0 : Planner.bodyRotation(from: state.posture, to: newPosture, rng: &rng)
        let smallRoll = (rng.chance(0.5) ? 1.0 : -1.0) * rng.uniform(15, 40) * degree
        let lag = rng.uniform(0, 0.6)
        let lagLeg = rng.integer(0...1)
        var starts = [t, t]
        var ends = [t, t]
        var rolls = [0.0, 0.0]
        for leg in 0..<2 {
            let from = legs[leg].lastPose
            var offset: Double
            if small {
                offset = state.offsets[leg] + smallRoll
                if abs(offset) > 45 * degree { offset = state.offsets[leg] - smallRoll }
            } else {
                offset = Planner.rollOffset(newPosture, leg: leg, rng: &rng)
            }
            var roll = from.roll + body + (offset - state.offsets[leg])
            if !small {
                // A leg rolls 30–180° in a turn: keep the leg's own roll change within that.
                let delta = roll - from.roll
                let direction: Double = body >= 0 ? 1 : -1
                let clamped = direction * min(180 * degree, max(30 * degree, abs(delta)))
                if delta * direction < 0 || abs(delta) != abs(clamped) {
                    roll = from.roll + clamped
                    offset = state.offsets[leg] + clamped - body
                }
            }
            var pitch = small ? from.pitch + rng.normal(mean: 0, sd: 3) * degree : Planner.lyingPitch(newPosture, rng: &rng)
            pitch = max(-20 * degree, min(45 * degree, pitch))
            state.offsets[leg] = offset
            let s = t + (leg == lagLeg ? lag : 0)
            let d = length * rng.uniform(0.9, 1.1)
            var m = Motion(start: s, end: s + d, from: from, to: Pose(roll: roll, pitch: pitch))
            // The legs are lifted a little while the body rolls (10–25°), and slide on the sheet.
            let lift = (small ? rng.uniform(3, 10) : rng.uniform(10, 25)) * degree
            m.flexion = Flexion(axis: Vec3(0, 0, 1), peak: lift, rise: d / 2, plateau: 0, fall: d / 2, radius: 0.4)
            m.jitter = Jitter(
                direction: rng.unitVector(), amplitudeG: rng.uniform(0.03, 0.1), f1: rng.uniform(2, 4),
                f2: rng.uniform(5, 8), p1: rng.uniform(0, 6.283), p2: rng.uniform(0, 6.283))
            legs[leg].motions.append(m)
            starts[leg] = s
            ends[leg] = s + d
            rolls[leg] = (roll - from.roll) / degree
        }
        postureChanges.append(
            PostureChange(
                interval: Planner.interval(starts.min() ?? t, ends.max() ?? t), from: state.posture, to: newPosture,
                rollDegrees: rolls))
        state.posture = newPosture
    }

    // MARK: - Plan

    mutating func plan() -> NightPlan {
        let s = settings
        let b = s.behaviour
        var rng = Xoshiro(seed: s.seed, stream: Stream.timeline.rawValue)
        let tib = s.hoursInBed * 3600

        // 1. Schedule: upright before bed, time in bed with trips, upright after.
        let preBed = rng.uniform(b.minutesUprightBeforeBed) * 60
        let edgeSit = rng.uniform(30, 120)
        let lieLength = rng.uniform(3, 6)
        let firstInBed = max(preBed, edgeSit + lieLength + 5)
        let lastInBedEnd = firstInBed + tib
        var trips: [Trip] = []
        if tib >= 2 * 3600 {
            let n = rng.integer(b.outOfBedTrips)
            for _ in 0..<n {
                for _ in 0..<50 {
                    let start = rng.uniform(firstInBed + 45 * 60, max(firstInBed + 45 * 60 + 1, lastInBedEnd - 45 * 60))
                    let target = rng.uniform(b.tripMinutes) * 60
                    var trip = Trip(
                        start: start, sitUp: rng.uniform(3, 5), edgeSit: rng.uniform(10, 40), standUp: rng.uniform(1.5, 3),
                        walk1: rng.uniform(15, 40), bathroom: 0, bathroomSits: rng.chance(0.5),
                        walk2: rng.uniform(15, 40), sitDown: rng.uniform(1.5, 3), edgeSit2: rng.uniform(10, 30),
                        lieDown: rng.uniform(3, 6))
                    trip.bathroom = max(20, target - trip.length)
                    let clash = trips.contains { abs($0.start - start) < 30 * 60 + max($0.length, trip.length) }
                    if !clash && trip.end < lastInBedEnd - 40 * 60 {
                        trips.append(trip)
                        break
                    }
                }
            }
            trips.sort { $0.start < $1.start }
        }
        var inBed: [Span] = []
        var a = firstInBed
        for trip in trips {
            inBed.append(Span(start: a, end: trip.start))
            outOfBed.append(Planner.interval(trip.start, trip.end))
            a = trip.end
        }
        inBed.append(Span(start: a, end: lastInBedEnd))
        inBedSpans = inBed
        let postBed = rng.uniform(b.minutesUprightAfterBed) * 60
        let duration = lastInBedEnd + postBed

        // 2. Awake periods in bed.
        var restless: [RestlessPeriod] = []
        let latency = min(rng.uniform(b.sleepLatencyMinutes) * 60, 0.25 * tib)
        restless.append(
            RestlessPeriod(span: Span(start: firstInBed, end: firstInBed + latency), meanInterval: 60, turns: 1, shifts: 0))
        let finalWake = min(rng.uniform(b.finalWakeMinutes) * 60, 0.2 * tib)
        restless.append(
            RestlessPeriod(
                span: Span(start: lastInBedEnd - finalWake, end: lastInBedEnd), meanInterval: 60, turns: 0, shifts: 0))
        for i in 1..<inBed.count {
            let span = inBed[i]
            restless.append(
                RestlessPeriod(
                    span: Span(start: span.start, end: min(span.end, span.start + rng.uniform(3, 15) * 60)),
                    meanInterval: 60, turns: 1, shifts: 0))
        }
        if tib >= 3600 {
            let n = rng.integer(b.restlessPeriods)
            for _ in 0..<n {
                for _ in 0..<50 {
                    let length = rng.uniform(b.restlessMinutes) * 60
                    let total = inBed.reduce(0) { $0 + $1.length }
                    var x = rng.uniform(0, total)
                    var start = inBed[0].start
                    var fits = false
                    for span in inBed {
                        if x < span.length {
                            start = span.start + x
                            fits = start + length < span.end - 60
                            break
                        }
                        x -= span.length
                    }
                    let clash = restless.contains { $0.span.overlaps(start - 300, start + length + 300) }
                    if fits && !clash {
                        restless.append(
                            RestlessPeriod(
                                span: Span(start: start, end: start + length), meanInterval: rng.uniform(15, 30),
                                turns: rng.integer(1...2), shifts: rng.integer(0...2)))
                        break
                    }
                }
            }
        }
        restless.sort { $0.span.start < $1.span.start }
        restlessSpans = restless.map(\.span)

        // 3. Motions of the macro timeline, in order.
        upright(from: 0, to: firstInBed - edgeSit - lieLength, rng: &rng)
        var t = legs[0].lastPoseEnd(default: 0)
        if isStanding() {
            let d = rng.uniform(1.5, 3)
            sitDown(at: max(t, firstInBed - edgeSit - lieLength - d), length: d, rng: &rng)
        }
        var turnRng = Xoshiro(seed: s.seed, stream: Stream.turns.rawValue)
        var state = lieDown(
            at: firstInBed - lieLength, length: lieLength, posture: Planner.drawPosture(excluding: nil, rng: &turnRng),
            rng: &rng)
        for (k, span) in inBed.enumerated() {
            // Turn times: every 15–60 min asleep, plus the turns and shifts of the awake periods.
            var times: [(Double, Bool)] = []
            var x = span.start + turnRng.uniform(b.minutesBetweenTurns) * 60
            while x < span.end - 60 {
                times.append((x, false))
                x += turnRng.uniform(b.minutesBetweenTurns) * 60
            }
            for r in restless where r.span.start >= span.start && r.span.end <= span.end + 1 {
                for _ in 0..<r.turns {
                    times.append((turnRng.uniform(r.span.start + 20, max(r.span.start + 21, r.span.end - 30)), false))
                }
                for _ in 0..<r.shifts {
                    times.append((turnRng.uniform(r.span.start + 20, max(r.span.start + 21, r.span.end - 30)), true))
                }
            }
            times.sort { $0.0 < $1.0 }
            var last = span.start
            for (time, small) in times where time >= last + 20 && time < span.end - 20 {
                turn(at: time, state: &state, small: small, rng: &turnRng)
                last = legs.map { $0.motions.last?.end ?? time }.max() ?? time
            }
            if k < trips.count {
                let trip = trips[k]
                t = trip.start
                sitUpFromBed(at: t, length: trip.sitUp, rng: &rng)
                t += trip.sitUp + trip.edgeSit
                standUp(at: t, length: trip.standUp, rng: &rng)
                t += trip.standUp
                walk(at: t, length: trip.walk1, rng: &rng)
                t += trip.walk1
                if trip.bathroomSits {
                    let d = rng.uniform(1.5, 3)
                    sitDown(at: t, length: d, rng: &rng)
                    standUp(at: t + trip.bathroom - d, length: d, rng: &rng)
                } else {
                    stand(at: t, length: trip.bathroom, rng: &rng)
                }
                t += trip.bathroom
                walk(at: t, length: trip.walk2, rng: &rng)
                t += trip.walk2
                sitDown(at: t, length: trip.sitDown, rng: &rng)
                t += trip.sitDown + trip.edgeSit2
                state = lieDown(
                    at: t, length: trip.lieDown, posture: Planner.drawPosture(excluding: nil, rng: &turnRng), rng: &rng)
            } else {
                let up = rng.uniform(3, 5)
                sitUpFromBed(at: span.end, length: up, rng: &rng)
                let edge = rng.uniform(10, 60)
                standUp(at: span.end + up + edge, length: rng.uniform(1.5, 3), rng: &rng)
                upright(from: legs[0].lastPoseEnd(default: span.end), to: duration, rng: &rng)
            }
        }

        // 4. Leg movements.
        var restlessRng = Xoshiro(seed: s.seed, stream: Stream.restless.rawValue)
        for r in restless { restlessMovements(in: r, rng: &restlessRng) }
        var sleep: [Span] = []
        for span in inBed {
            var cuts = [span]
            for r in restless {
                cuts = cuts.flatMap { c -> [Span] in
                    guard c.overlaps(r.span.start, r.span.end) else { return [c] }
                    var out: [Span] = []
                    if r.span.start > c.start { out.append(Span(start: c.start, end: r.span.start)) }
                    if r.span.end < c.end { out.append(Span(start: r.span.end, end: c.end)) }
                    return out
                }
            }
            sleep += cuts.filter { $0.length > 30 }
        }
        var severityRng = Xoshiro(seed: s.seed, stream: Stream.severity.rawValue)
        let targetRate = severityRng.uniform(s.activity.plmRatePerHour)
        var episodeRng = Xoshiro(seed: s.seed, stream: Stream.episodes.rawValue)
        plmEpisodes(targetCount: targetRate * s.hoursInBed, sleep: sleep, rng: &episodeRng)
        var isolatedRng = Xoshiro(seed: s.seed, stream: Stream.isolated.rawValue)
        isolatedMovements(sleep: sleep, rng: &isolatedRng)

        // 5. Disturbances and the sensor's absences.
        let fs = s.sampleRate
        let description = SignalDescription(sampleRate: fs, legs: [.left, .right])
        var gapRng = Xoshiro(seed: s.seed, stream: Stream.dropouts.rawValue)
        var gapFrames: [[Range<Int64>]] = [[], []]
        var gaps: [TruthInterval] = []
        for _ in 0..<s.disturbances.dropouts {
            let which = gapRng.pick(weights: [0.35, 0.35, 0.3])
            let length = gapRng.logNormal(median: s.disturbances.dropoutMedianSeconds, logSD: 1.2, in: 1...600)
            let start = gapRng.uniform(0, max(0, duration - length))
            let n0 = Int64((start * fs).rounded(.up))
            let n1 = max(n0 + 1, Int64(((start + length) * fs).rounded(.up)))
            for leg in 0..<2 where which == 2 || which == leg { gapFrames[leg].append(n0..<n1) }
            let onset = description.time(ofFrame: n0)
            gaps.append(
                TruthInterval(
                    onset: onset, duration: description.time(ofFrame: n1) - onset,
                    leg: which == 2 ? nil : Planner.legName(which)))
        }
        for leg in 0..<2 { gapFrames[leg].sort { $0.lowerBound < $1.lowerBound } }

        var nwRng = Xoshiro(seed: s.seed, stream: Stream.notWorn.rawValue)
        var notWorn: [[TableSpan]] = [[], []]
        var notWornTruth: [TruthInterval] = []
        for i in 0..<s.disturbances.notWornPeriods {
            let leg = nwRng.integer(0...1)
            let length = nwRng.uniform(s.disturbances.notWornMinutes) * 60
            var start = 0.0
            if i > 0 {
                let span = inBed[nwRng.integer(0...(inBed.count - 1))]
                start = nwRng.uniform(span.start, max(span.start, span.end - length))
            }
            let end = min(duration, start + length)
            // Lying on a table face up or face down, within 2° of level.
            let face: Double = nwRng.chance(0.5) ? 1 : -1
            let tilt = nwRng.unitVector()
            let v = Vec3(0, 0, face).rotated(about: tilt, angle: nwRng.uniform(0, 2) * degree)
            notWorn[leg].append(TableSpan(span: Span(start: start, end: end), vector: v))
            notWornTruth.append(Planner.interval(start, end, leg: Planner.legName(leg)))
        }
        for leg in 0..<2 { notWorn[leg].sort { $0.span.start < $1.span.start } }

        var partnerRng = Xoshiro(seed: s.seed, stream: Stream.partner.rawValue)
        var partner = partnerEvents(inBed: inBed, rng: &partnerRng)
        var partnerPLMRng = Xoshiro(seed: s.seed, stream: Stream.partnerPLM.rawValue)
        let jolts = partnerPLMJolts(inBed: inBed, rng: &partnerPLMRng)
        if !jolts.isEmpty {
            partner += jolts
            partner.sort { $0.start < $1.start }
        }
        var slideRng = Xoshiro(seed: s.seed, stream: Stream.strapSlides.rawValue)
        let slides = strapSlides(inBed: inBed, rng: &slideRng)
        var spikeRng = Xoshiro(seed: s.seed, stream: Stream.spikes.rawValue)
        let spikeList = spikes(inBed: inBed, rng: &spikeRng)
        var fanRng = Xoshiro(seed: s.seed, stream: Stream.fan.rawValue)
        let fan = fanPeriods(inBed: inBed, rng: &fanRng)

        // 6. Ground truth.
        let recorded = [Leg.left, .right].filter { s.legs.contains($0) }
        var truthMovements = movements
        for i in truthMovements.indices {
            let e = truthMovements[i].event
            let leg = e.leg == .left ? 0 : 1
            let a = Seconds.from(e.onset)
            let z = Seconds.from(e.end)
            var ok = recorded.contains(e.leg)
            if ok {
                let n0 = Int64((a * fs).rounded(.down))
                let n1 = Int64((z * fs).rounded(.up))
                if gapFrames[leg].contains(where: { $0.lowerBound < n1 && n0 < $0.upperBound }) { ok = false }
                if notWorn[leg].contains(where: { $0.span.overlaps(a, z) }) { ok = false }
            }
            truthMovements[i].observable = ok
        }
        truthMovements.sort { ($0.event.onset, $0.event.leg.rawValue) < ($1.event.onset, $1.event.leg.rawValue) }
        let truth = GroundTruth(
            recordingDuration: Planner.micro(duration), recordedLegs: recorded, targetPLMRatePerHour: targetRate,
            movements: truthMovements, inBed: inBed.map { Planner.interval($0.start, $0.end) }, outOfBed: outOfBed,
            postureChanges: postureChanges, restless: restless.map { Planner.interval($0.span.start, $0.span.end) },
            plmEpisodes: episodes, gaps: gaps.sorted { $0.onset < $1.onset }, notWorn: notWornTruth,
            partnerMovements: partner.map { Planner.interval($0.start, $0.end + max($0.delay.0, $0.delay.1)) },
            fanPeriods: fan.map { Planner.interval($0.span.start, $0.span.end) },
            partnerPLMJolts: jolts.map { Planner.interval($0.start, $0.end + max($0.delay.0, $0.delay.1)) },
            strapSlides: (0..<2).flatMap { leg in
                slides[leg].map { Planner.interval($0.start, $0.end, leg: Planner.legName(leg)) }
            }.sorted { $0.onset < $1.onset },
            spikes: spikeList.map { Planner.interval($0.start, $0.start + $0.length) })
        return NightPlan(
            duration: duration, legs: legs, gapFrames: gapFrames, notWorn: notWorn, inBed: inBed, partner: partner,
            fan: fan, truth: truth, slides: slides, spikes: spikeList)
    }

    private mutating func sitUpFromBed(at t: Double, length: Double, rng: inout Xoshiro) {
        let p = Planner.sittingPose(rng: &rng)
        var q = p
        q.roll += rng.uniform(-5, 5) * degree
        transition(at: t, length: length, to: [p, q], jitterG: 0.08, rng: &rng)
    }
}

extension LegTimeline {
    /// The end of the last motion, or `default`.
    func lastPoseEnd(default d: Double) -> Double { motions.last?.end ?? d }
}
