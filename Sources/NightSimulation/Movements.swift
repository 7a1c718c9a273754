import Foundation
import LegMovementScoring

/// The drawn parameters of one leg movement of one leg.
struct MovementDraw {
    var shape: MovementShape
    var duration: Double
    /// Flexion: peak angle; clonic: angular amplitude (rad).
    var peak: Double
    var rise: Double, plateau: Double, fall: Double
    var radius: Double
    var tremorG: Double
    var frequency: Double
    var accelerationG: Double
}

extension Planner {
    /// Separation between motions of one leg, s: more than the 0.5 s that merges same-leg LMs.
    static let margin = 0.6
    /// An isolated LM is this far (onset to onset, s) from any other LM, beyond the 90 s IMI limit.
    static let isolation = 95.0

    // MARK: - Drawing leg movements

    func drawShape(rng: inout Xoshiro) -> MovementShape {
        let a = settings.activity
        let i = rng.pick(weights: [max(0, 1 - a.slowSmallFraction - a.clonicFraction), a.slowSmallFraction, a.clonicFraction])
        return [MovementShape.flexion, .slowSmall, .clonic][i]
    }

    /// A leg movement of the given shape (docs/simulator.md, "Leg movements").
    static func draw(
        _ shape: MovementShape, medianAngle: Double, medianDuration: Double, longFraction: Double,
        angleRange: ClosedRange<Double> = 5...40, rng: inout Xoshiro
    ) -> MovementDraw {
        switch shape {
        case .flexion:
            let peak = rng.logNormal(median: medianAngle, logSD: 0.35, in: angleRange) * degree
            let duration =
                rng.chance(longFraction)
                ? rng.uniform(10.5, 15) : rng.logNormal(median: medianDuration, logSD: 0.4, in: 0.5...10)
            var rf = rng.uniform(0.2, 0.45)
            var ff = rng.uniform(0.3, 0.55)
            if rf + ff > 1 {
                let k = 1 / (rf + ff)
                rf *= k
                ff *= k
            }
            let rise = rf * duration
            let fall = ff * duration
            return MovementDraw(
                shape: shape, duration: duration, peak: peak, rise: rise, plateau: max(0, duration - rise - fall),
                fall: fall, radius: -rng.uniform(0.05, 0.15), tremorG: rng.uniform(0.003, 0.015), frequency: 0,
                accelerationG: 0)
        case .slowDorsiflexion: return slowDorsiflexion(rng: &rng)
        case .smallRotation: return smallRotation(rng: &rng)
        case .horizontalFlexion: return horizontalFlexion(rng: &rng)
        case .slowSmall:
            let peak = rng.uniform(2, 5) * degree
            let duration = rng.uniform(2, 8)
            let rise = rng.uniform(0.35, 0.5) * duration
            let fall = rng.uniform(0.35, 0.5) * duration
            return MovementDraw(
                shape: shape, duration: duration, peak: peak, rise: rise, plateau: max(0, duration - rise - fall),
                fall: fall, radius: -0.1, tremorG: 0, frequency: 0, accelerationG: 0)
        case .clonic:
            // Peak dynamic acceleration 0.05–0.3 g at 3–7 Hz about a pivot 0.4 m away: the angular amplitude
            // follows (a = r A ω², well under a degree).
            let f = rng.uniform(3, 7)
            let accel = rng.uniform(0.05, 0.3)
            let omega = 2 * Double.pi * f
            let amplitude = accel * standardGravity / (0.4 * omega * omega)
            return MovementDraw(
                shape: shape, duration: rng.uniform(0.5, 3), peak: amplitude, rise: 0, plateau: 0, fall: 0,
                radius: 0.4, tremorG: 0, frequency: f, accelerationG: accel)
        }
    }

    /// A rotation axis perpendicular to gravity (so that the drawn angle is the tilt the sensor sees), near the
    /// flexion axis e3 projected onto the horizontal plane, else near the shank axis's projection.
    static func flexionAxis(up u: Vec3, rng: inout Xoshiro) -> Vec3 {
        let c = Vec3(0, 0, 1) + Vec3(0.35 * rng.normal(), 0.35 * rng.normal(), 0.35 * rng.normal())
        var k = c - c.dot(u) * u
        if k.length < 0.2 {
            let e1 = Vec3(1, 0, 0)
            k = e1 - e1.dot(u) * u
        }
        if k.length < 0.2 {
            let e2 = Vec3(0, 1, 0)
            k = e2 - e2.dot(u) * u
        }
        return k.normalized
    }

    func isFree(_ leg: Int, _ start: Double, _ duration: Double) -> Bool {
        legs[leg].conflict(start, start + duration, margin: Planner.margin) == nil
    }

    /// Puts a drawn movement on a leg at `start` (the caller checked that the leg is free).
    mutating func place(
        _ draw: MovementDraw, leg: Int, at start: Double, context: MovementContext, episode: Int?, isLM: Bool = true,
        jitterG: Double? = nil, rng: inout Xoshiro
    ) {
        var d = draw
        let pose = legs[leg].pose(at: start)
        var axis = Planner.flexionAxis(up: pose.up, rng: &rng)
        // A side-lying flexion swings the shank mostly in the horizontal plane: about an axis 10–25° from the
        // vertical (the knee and hip do not flex in exactly horizontal planes; the foot lifts a little), so the
        // tilt the sensor sees is the angle × sin(10–25°). Drawn from the class's own stream.
        if d.shape == .horizontalFlexion {
            let up = pose.up.normalized
            axis = up.rotated(about: axis, angle: classes.horizontal.uniform(10, 25) * degree)
        }
        var m = Motion(start: start, end: start + d.duration, at: pose)
        switch d.shape {
        case .flexion, .slowSmall, .slowDorsiflexion, .smallRotation, .horizontalFlexion:
            m.flexion = Flexion(axis: axis, peak: d.peak, rise: d.rise, plateau: d.plateau, fall: d.fall, radius: d.radius)
            let j = jitterG ?? d.tremorG
            if j > 0 {
                // Muscle tremor during the contraction (8–12 Hz) or, for voluntary movements, sliding (2–8 Hz).
                let voluntary = jitterG != nil
                m.jitter = Jitter(
                    direction: rng.unitVector(), amplitudeG: j, f1: voluntary ? rng.uniform(2, 4) : rng.uniform(8, 10),
                    f2: voluntary ? rng.uniform(4, 8) : rng.uniform(10, 12), p1: rng.uniform(0, 6.283),
                    p2: rng.uniform(0, 6.283))
            }
        case .clonic:
            // The foot beats up and down: the axis is perpendicular to gravity and to the shank where the shank
            // lies (then the tangential acceleration r A ω² is the drawn one); otherwise scale A for the axis.
            let across = pose.up.cross(Vec3(1, 0, 0))
            let k = across.length > 0.3 ? across.normalized : axis
            d.peak /= max(0.3, k.cross(Vec3(1, 0, 0)).length)
            m.oscillation = Oscillation(
                axis: k, amplitude: d.peak, frequency: d.frequency, taper: min(0.15, d.duration / 4), radius: d.radius)
        }
        legs[leg].insert(m)
        guard isLM else { return }
        let plateauStart = start + d.rise
        movements.append(
            SimulatedMovement(
                event: LegMovementEvent(
                    onset: Planner.micro(start), duration: Planner.micro(start + d.duration) - Planner.micro(start),
                    leg: Planner.legName(leg)),
                context: context, shape: d.shape, peakAngleDegrees: d.peak / degree, peakAccelerationG: d.accelerationG,
                plateau: d.shape == .clonic
                    ? Planner.interval(start, start, leg: Planner.legName(leg))
                    : Planner.interval(plateauStart, plateauStart + d.plateau, leg: Planner.legName(leg)),
                episode: episode, observable: true))
        let i = lowerBound(onsets, start)
        onsets.insert(start, at: i)
    }

    func lowerBound(_ a: [Double], _ x: Double) -> Int { a.partitionIndex { $0 < x } }

    /// No LM onset within `Planner.isolation` of [a, b].
    func isIsolated(_ a: Double, _ b: Double) -> Bool {
        let i = lowerBound(onsets, a - Planner.isolation)
        return i == onsets.count || onsets[i] > b + Planner.isolation
    }

    // MARK: - Restless awake periods

    /// Irregular voluntary movements, larger than PLMs (10–60°, 0.8–20 s), on one or both legs (the second leg
    /// −0.3..1.5 s after the first). Intervals mix fidgeting (2–8 s) and pauses (5 s + exponential). They are
    /// made non-periodic: never three IMIs in a row within 9–92 s (a PLM series needs three within 10–90 s).
    mutating func restlessMovements(in r: RestlessPeriod, rng: inout Xoshiro) {
        let isLM = settings.behaviour.restlessMovementsAreLMs
        var lastOnset: Double? = nil
        var lastEnd = r.span.start
        var inRange = 0
        var t = r.span.start + rng.exponential(mean: r.meanInterval)
        var guardCount = 0
        while t < r.span.end - 2, guardCount < 10_000 {
            guardCount += 1
            let which = rng.pick(weights: [0.325, 0.325, 0.35])
            var draws: [MovementDraw] = []
            for _ in 0..<(which == 2 ? 2 : 1) {
                var d = Planner.draw(
                    .flexion, medianAngle: 25, medianDuration: 2.5, longFraction: 0, angleRange: 10...60, rng: &rng)
                d.duration = rng.logNormal(median: 2.5, logSD: 0.6, in: 0.8...20)
                d.rise = rng.uniform(0.15, 0.4) * d.duration
                d.fall = rng.uniform(0.2, 0.45) * d.duration
                d.plateau = max(0, d.duration - d.rise - d.fall)
                // Voluntary: the heel may slide (pivot near the sensor) or the whole leg lift from the hip.
                d.radius = (rng.chance(0.5) ? -1 : 1) * rng.uniform(0.05, 0.5)
                draws.append(d)
            }
            let secondDelay = rng.uniform(-0.3, 1.5)
            let jitter = rng.uniform(0.02, 0.06)
            if let lo = lastOnset, t - lo >= 9, t - lo <= 92, inRange >= 2 {
                let short = lastEnd + rng.uniform(0.8, 2)
                t = short - lo < 9 ? short : lo + 95 + rng.uniform(0, 30)
            }
            if t >= r.span.end - 2 { break }
            var starts: [(Int, Double, MovementDraw)] = []
            if which == 2 {
                let lead = rng.integer(0...1)
                starts = [(lead, t, draws[0]), (1 - lead, t + secondDelay, draws[1])]
            } else {
                starts = [(which, t, draws[0])]
            }
            var blocked: Double? = nil
            for (leg, s, d) in starts {
                if let c = legs[leg].conflict(s, s + d.duration, margin: Planner.margin) { blocked = max(blocked ?? c, c) }
            }
            if let c = blocked {
                t = c + rng.uniform(1, 5)
                continue
            }
            for (leg, s, d) in starts {
                place(d, leg: leg, at: s, context: .restless, episode: nil, isLM: isLM, jitterG: jitter, rng: &rng)
            }
            let onset = starts.map(\.1).min() ?? t
            if let lo = lastOnset, onset - lo >= 9, onset - lo <= 92 { inRange += 1 } else { inRange = 0 }
            lastOnset = onset
            lastEnd = starts.map { $0.1 + $0.2.duration }.max() ?? t
            let next = rng.chance(0.3) ? rng.uniform(2, 8) : 5 + rng.exponential(mean: r.meanInterval)
            t = max(onset + next, lastEnd + 0.8)
        }
    }

    // MARK: - PLM episodes

    /// Maps a position in concatenated sleep time to the recording's time; also returns the end of its span.
    static func mapSleep(_ x: Double, _ sleep: [Span]) -> (Double, Double)? {
        var x = x
        for s in sleep {
            if x < s.length { return (s.start + x, s.end) }
            x -= s.length
        }
        return nil
    }

    /// PLM episodes until `targetCount` PLMs (a bilateral LM counts once), laid out at random over the sleep time.
    mutating func plmEpisodes(targetCount: Double, sleep: [Span], rng: inout Xoshiro) {
        let a = settings.activity
        guard targetCount >= 1 else { return }
        let total = sleep.reduce(0) { $0 + $1.length }
        struct Draft {
            var imis: [Double]
            var pattern: Int
            var angle: Double
            var duration: Double
            var span: Double
        }
        var drafts: [Draft] = []
        var planned = 0.0
        var used = 0.0
        while planned < targetCount {
            let median = a.medianIMISeconds * exp(a.episodeIMILogSD * rng.normal())
            let length = rng.logNormal(
                median: a.episodeMedianMinutes * 60, logSD: 0.7,
                in: (a.episodeMinutes.lowerBound * 60)...(a.episodeMinutes.upperBound * 60))
            var n = max(4, Int(length / median) + 1)
            n = min(n, max(4, Int((targetCount - planned).rounded(.up))))
            var imis: [Double] = []
            for _ in 0..<(n - 1) { imis.append(rng.logNormal(median: median, logSD: a.imiLogSD, in: 10.5...88)) }
            let span = imis.reduce(0, +) + 12
            if used + span > 0.92 * total { break }
            drafts.append(
                Draft(
                    imis: imis, pattern: rng.pick(weights: a.laterality.weights),
                    angle: a.medianAngleDegrees * exp(0.25 * rng.normal()),
                    duration: a.medianDurationSeconds * exp(0.25 * rng.normal()), span: span))
            planned += Double(n)
            used += span
        }
        guard !drafts.isEmpty else { return }
        var weights: [Double] = []
        for _ in 0...drafts.count { weights.append(rng.exponential(mean: 1)) }
        let wsum = weights.reduce(0, +)
        let free = total - used
        var x = 0.0
        for (i, draft) in drafts.enumerated() {
            x += free * weights[i] / wsum
            placeEpisode(draft.imis, pattern: draft.pattern, angle: draft.angle, duration: draft.duration, at: x,
                sleep: sleep, rng: &rng)
            x += draft.span
        }
    }

    private mutating func placeEpisode(
        _ imis: [Double], pattern: Int, angle: Double, duration: Double, at x0: Double, sleep: [Span],
        rng: inout Xoshiro
    ) {
        let a = settings.activity
        let id = episodes.count
        var first: Double? = nil
        var last = 0.0
        var x = x0
        var alternate = rng.integer(0...1)
        let fixedLeg = pattern == 1 ? 1 : 0
        for j in 0...imis.count {
            defer { if j < imis.count { x += imis[j] } }
            guard let (t, segmentEnd) = Planner.mapSleep(x, sleep) else { break }
            var legsHere: [Int]
            switch pattern {
            case 0, 1: legsHere = [fixedLeg]
            case 2:
                legsHere = [alternate]
                alternate = 1 - alternate
            case 3: legsHere = [0, 1]
            default:
                let p = rng.pick(weights: [0.4, 0.4, 0.2])
                legsHere = p == 2 ? [0, 1] : [p]
            }
            if legsHere.count == 2, rng.chance(0.5) { legsHere.reverse() }
            var plan: [(Int, Double, MovementDraw)] = []
            for (k, leg) in legsHere.enumerated() {
                let shape = drawShape(rng: &rng)
                let d = drawLM(
                    shape, medianAngle: angle, medianDuration: duration, longFraction: a.longLMFraction, rng: &rng)
                plan.append((leg, t + (k == 0 ? 0 : rng.uniform(0, 0.35)), d))
            }
            let fits = plan.allSatisfy { $0.1 + $0.2.duration < segmentEnd && isFree($0.0, $0.1, $0.2.duration) }
            guard fits else { continue }
            for (leg, s, d) in plan {
                place(d, leg: leg, at: s, context: .periodic, episode: id, rng: &rng)
                first = min(first ?? s, s)
                last = max(last, s + d.duration)
            }
            // Now and then a second LM 2–8 s later: a short-IMI LM, which breaks the series.
            if j < imis.count, rng.chance(a.shortIMIInEpisodeFraction) {
                let leg = rng.integer(0...1)
                let d = drawLM(
                    drawShape(rng: &rng), medianAngle: angle, medianDuration: duration, longFraction: 0, rng: &rng)
                let s = max(t + rng.uniform(2, 8), (plan.filter { $0.0 == leg }.map { $0.1 + $0.2.duration }.max() ?? t) + 0.8)
                if s - t < 9.5, s + d.duration + 1 < t + imis[j], s + d.duration < segmentEnd, isFree(leg, s, d.duration) {
                    place(d, leg: leg, at: s, context: .shortIMI, episode: id, rng: &rng)
                    last = max(last, s + d.duration)
                }
            }
        }
        if let first { episodes.append(Planner.interval(first, last)) }
    }

    // MARK: - Isolated LMs and short-IMI doublets

    mutating func isolatedMovements(sleep: [Span], rng: inout Xoshiro) {
        let a = settings.activity
        let total = sleep.reduce(0) { $0 + $1.length }
        guard total > 0 else { return }
        let count = rng.poisson(mean: a.isolatedLMsPerHour * total / 3600)
        for _ in 0..<count {
            for _ in 0..<30 {
                guard let (t, segmentEnd) = Planner.mapSleep(rng.uniform(0, total), sleep) else { continue }
                let which = rng.pick(weights: [0.4, 0.4, 0.2])
                var plan: [(Int, Double, MovementDraw)] = []
                for (k, leg) in (which == 2 ? [0, 1] : [which] as [Int]).enumerated() {
                    let d = drawLM(
                        drawShape(rng: &rng), medianAngle: a.medianAngleDegrees, medianDuration: a.medianDurationSeconds,
                        longFraction: 0.03, rng: &rng)
                    plan.append((leg, t + (k == 0 ? 0 : rng.uniform(0, 0.35)), d))
                }
                let last = plan.map(\.1).max() ?? t
                guard isIsolated(t, last),
                    plan.allSatisfy({ $0.1 + $0.2.duration < segmentEnd && isFree($0.0, $0.1, $0.2.duration) })
                else { continue }
                for (leg, s, d) in plan { place(d, leg: leg, at: s, context: .isolated, episode: nil, rng: &rng) }
                break
            }
        }
        let doublets = rng.poisson(mean: a.shortIMIDoubletsPerHour * total / 3600)
        for _ in 0..<doublets {
            for _ in 0..<30 {
                guard let (t, segmentEnd) = Planner.mapSleep(rng.uniform(0, total), sleep) else { continue }
                let leg1 = rng.integer(0...1)
                let leg2 = rng.integer(0...1)
                let d1 = drawLM(
                    drawShape(rng: &rng), medianAngle: a.medianAngleDegrees, medianDuration: a.medianDurationSeconds,
                    longFraction: 0, rng: &rng)
                let d2 = drawLM(
                    drawShape(rng: &rng), medianAngle: a.medianAngleDegrees, medianDuration: a.medianDurationSeconds,
                    longFraction: 0, rng: &rng)
                var t2 = t + rng.uniform(2, 8)
                if leg1 == leg2 { t2 = max(t2, t + d1.duration + 0.8) }
                guard t2 - t < 9.5, t2 + d2.duration < segmentEnd, t + d1.duration < segmentEnd, isIsolated(t, t2),
                    isFree(leg1, t, d1.duration), isFree(leg2, t2, d2.duration)
                else { continue }
                // Different legs may overlap in time: then they are one bilateral LM, which is fine.
                place(d1, leg: leg1, at: t, context: .shortIMI, episode: nil, rng: &rng)
                place(d2, leg: leg2, at: t2, context: .shortIMI, episode: nil, rng: &rng)
                break
            }
        }
    }

    // MARK: - Disturbances

    /// A bed partner's movements: Poisson in time in bed, 40 % followed by 1–4 more within seconds (a partner
    /// turning over jolts the mattress several times). Each: 0.2–3 s, 5–50 mg peak (log-uniform), three
    /// mattress modes at 3–15 Hz, the same waveform at both ankles (gain 0.6–1, delay 0–30 ms), mostly vertical.
    func partnerEvents(inBed: [Span], rng: inout Xoshiro) -> [PartnerEvent] {
        let total = inBed.reduce(0) { $0 + $1.length }
        let count = rng.poisson(mean: settings.disturbances.partnerMovementsPerHour * total / 3600)
        var events: [PartnerEvent] = []
        func make(at t: Double, rng: inout Xoshiro) -> PartnerEvent {
            let length = rng.logNormal(median: 0.8, logSD: 0.5, in: 0.2...3)
            return PartnerEvent(
                start: t, end: t + length, amplitudeG: exp(rng.uniform(log(0.005), log(0.05))),
                frequencies: (rng.uniform(3, 15), rng.uniform(3, 15), rng.uniform(3, 15)),
                phases: (rng.uniform(0, 6.283), rng.uniform(0, 6.283), rng.uniform(0, 6.283)),
                gain: (rng.uniform(0.6, 1), rng.uniform(0.6, 1)), delay: (rng.uniform(0, 0.03), rng.uniform(0, 0.03)),
                horizontal: rng.uniform(0, 0.3) * rng.unitVector())
        }
        for _ in 0..<count {
            guard let (t, end) = Planner.mapSleep(rng.uniform(0, total), inBed) else { continue }
            var s = t
            events.append(make(at: s, rng: &rng))
            if rng.chance(0.4) {
                for _ in 0..<rng.integer(1...4) {
                    s += rng.uniform(1, 8)
                    if s + 3 < end { events.append(make(at: s, rng: &rng)) }
                }
            }
        }
        events.sort { $0.start < $1.start }
        return events
    }

    func fanPeriods(inBed: [Span], rng: inout Xoshiro) -> [FanPeriod] {
        guard let f = settings.disturbances.fan, let first = inBed.first, let last = inBed.last else { return [] }
        let frequency = rng.uniform(f.frequencyHz)
        let phase = rng.uniform(0, 2 * Double.pi)
        let h = (0.3 * rng.unitVector(), 0.3 * rng.unitVector())
        var spans: [Span] = []
        if f.wholeNight {
            spans = [Span(start: first.start, end: last.end)]
        } else {
            for _ in 0..<rng.integer(1...3) {
                let start = rng.uniform(first.start, last.end)
                spans.append(Span(start: start, end: min(last.end, start + rng.uniform(30, 180) * 60)))
            }
            spans.sort { $0.start < $1.start }
            var merged: [Span] = []
            for s in spans {
                if let l = merged.last, s.start <= l.end {
                    merged[merged.count - 1].end = max(l.end, s.end)
                } else {
                    merged.append(s)
                }
            }
            spans = merged
        }
        // The wander period comes from the fan's own stream after every earlier draw, so a steady fan is unchanged.
        let period = f.wanderFraction > 0 ? rng.uniform(120, 600) : 300
        return spans.map {
            FanPeriod(
                span: $0, frequency: frequency, amplitudeG: f.amplitudeMilliG / 1000, harmonic: f.harmonic, phase: phase,
                horizontal: h, wander: f.wanderFraction, wanderPeriod: period)
        }
    }
}
