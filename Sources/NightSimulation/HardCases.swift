import Foundation

// The classes a detector finds hardest (docs/simulator.md, "Hard cases"): slow tonic dorsiflexions, small
// rotations near the noise floor, side-lying flexions seen as dynamic acceleration only, a bed partner's own
// periodic leg movements, a sensor sliding on its strap, impulsive spikes, and the warm-up after strapping on.
// Each class draws from a random stream of its own, and every class is off by default: with them off, a night
// is bit for bit the night it was before they existed.

/// The sensor slides on its strap: the sensor turns relative to the leg by `angle` about `axis` (leg frame)
/// over `end - start` seconds (minimum-jerk) and stays there.
struct StrapSlide: Sendable {
    var start: Double
    var end: Double
    var axis: Vec3
    var angle: Double
}

/// A short impulse (a knock on the bed frame, the sensor's case bumped): a half-sine of `length` seconds.
struct Spike: Sendable {
    var start: Double
    var length: Double
    /// Peak acceleration per leg (g; zero for a leg that does not feel it), in the leg frame.
    var vector: (Vec3, Vec3)

    @inline(__always)
    func value(at t: Double) -> Double {
        let tau = t - start
        guard tau >= 0, tau < length else { return 0 }
        return sin(Double.pi * tau / length)
    }
}

/// The random streams of the movement classes, kept by the planner.
struct ClassStreams: Sendable {
    var choice: Xoshiro
    var slow: Xoshiro
    var small: Xoshiro
    var horizontal: Xoshiro

    init(seed: UInt64) {
        choice = Xoshiro(seed: seed, stream: Stream.lmClass.rawValue)
        slow = Xoshiro(seed: seed, stream: Stream.slowDorsiflexion.rawValue)
        small = Xoshiro(seed: seed, stream: Stream.smallRotation.rawValue)
        horizontal = Xoshiro(seed: seed, stream: Stream.horizontalFlexion.rawValue)
    }
}

extension Planner {
    /// An LM of a PLM episode, an isolated LM or a doublet: the shape drawn as before; a flexion becomes one of
    /// the hard classes with their fractions (drawn from the classes' own streams).
    mutating func drawLM(
        _ shape: MovementShape, medianAngle: Double, medianDuration: Double, longFraction: Double, rng: inout Xoshiro
    ) -> MovementDraw {
        let d = Planner.draw(
            shape, medianAngle: medianAngle, medianDuration: medianDuration, longFraction: longFraction, rng: &rng)
        let a = settings.activity
        let total = a.slowDorsiflexionFraction + a.smallRotationFraction + a.horizontalFlexionFraction
        guard shape == .flexion, total > 0, d.duration <= 10 else { return d }
        let u = classes.choice.uniform()
        if u < a.slowDorsiflexionFraction { return Planner.slowDorsiflexion(rng: &classes.slow) }
        if u < a.slowDorsiflexionFraction + a.smallRotationFraction {
            return Planner.smallRotation(degrees: a.smallRotationDegrees, rise: a.smallRotationRiseSeconds, rng: &classes.small)
        }
        if u < total { return Planner.horizontalFlexion(rng: &classes.horizontal) }
        return d
    }

    /// A slow tonic dorsiflexion (the "Babinski-like" extension of the toe with ankle dorsiflexion that PLMs
    /// typically are: Coleman 1982; Smirne et al. 1980), the heel on the mattress: the shank tilts by only
    /// 3–8°, rising over 1–2.5 s (minimum-jerk: peak angular acceleration 5.77 × angle / rise² ≤ 0.8 rad/s²),
    /// held 0–2 s, returning over 1–3 s; the pivot is the heel, 5–15 cm from the sensor, so the dynamic
    /// acceleration is a few mg; a weak tonic contraction adds 0–2 mg of tremor.
    static func slowDorsiflexion(rng: inout Xoshiro) -> MovementDraw {
        let peak = rng.uniform(3, 8) * degree
        let rise = rng.uniform(1, 2.5)
        let plateau = rng.uniform(0, 2)
        let fall = rng.uniform(1, 3)
        return MovementDraw(
            shape: .slowDorsiflexion, duration: rise + plateau + fall, peak: peak, rise: rise, plateau: plateau,
            fall: fall, radius: -rng.uniform(0.05, 0.15), tremorG: rng.uniform(0, 0.002), frequency: 0,
            accelerationG: 0)
    }

    /// A small rotation of 3–5° at an ordinary LM's pace (duration log-normal, median 2 s, kept in 0.7–6 s;
    /// rise 20–45 %, return 30–55 %), a weak contraction (0–3 mg tremor).
    static func smallRotation(
        degrees: ClosedRange<Double> = 3...5, rise riseRange: ClosedRange<Double>? = nil, rng: inout Xoshiro
    ) -> MovementDraw {
        let peak = rng.uniform(degrees) * degree
        if let riseRange {
            let rise = rng.uniform(riseRange)
            let plateau = rng.uniform(0, 1)
            return MovementDraw(
                shape: .smallRotation, duration: 2 * rise + plateau, peak: peak, rise: rise, plateau: plateau,
                fall: rise, radius: -rng.uniform(0.05, 0.15), tremorG: rng.uniform(0, 0.003), frequency: 0,
                accelerationG: 0)
        }
        let duration = rng.logNormal(median: 2, logSD: 0.4, in: 0.7...6)
        let rise = rng.uniform(0.2, 0.45) * duration
        let fall = rng.uniform(0.3, 0.55) * duration
        return MovementDraw(
            shape: .smallRotation, duration: duration, peak: peak, rise: rise, plateau: max(0, duration - rise - fall),
            fall: fall, radius: -rng.uniform(0.05, 0.15), tremorG: rng.uniform(0, 0.003), frequency: 0,
            accelerationG: 0)
    }

    /// A knee and hip flexion in side lying: the shank swings 10–30° mostly in the horizontal plane about the
    /// knee (pivot 30–45 cm proximal; the axis 10–25° from the vertical, so the tilt is 2–13°); what the sensor
    /// sees is mostly the tangential and centripetal acceleration (α̈ r: 10–30° over a 0.4–1.2 s minimum-jerk
    /// rise gives 0.03–0.5 g).
    static func horizontalFlexion(rng: inout Xoshiro) -> MovementDraw {
        let peak = rng.uniform(10, 30) * degree
        let duration = rng.logNormal(median: 2, logSD: 0.4, in: 1...8)
        let rise = rng.uniform(0.2, 0.4) * duration
        let fall = rng.uniform(0.3, 0.5) * duration
        return MovementDraw(
            shape: .horizontalFlexion, duration: duration, peak: peak, rise: rise,
            plateau: max(0, duration - rise - fall), fall: fall, radius: rng.uniform(0.3, 0.45),
            tremorG: rng.uniform(0.003, 0.015), frequency: 0, accelerationG: 0)
    }

    /// A partner's PLM episodes: jolts at the partner's IMIs (Ferri 2006: 10–90 s), both ankles, same
    /// waveform (gain 0.6–1, delay 0–30 ms), along gravity plus ≤ 30 % horizontal; no rotation.
    func partnerPLMJolts(inBed: [Span], rng: inout Xoshiro) -> [PartnerEvent] {
        guard let q = settings.disturbances.partnerPLM else { return [] }
        let total = inBed.reduce(0) { $0 + $1.length }
        guard total > 0 else { return [] }
        var events: [PartnerEvent] = []
        let gain = (rng.uniform(0.6, 1), rng.uniform(0.6, 1))
        let delay = (rng.uniform(0, 0.03), rng.uniform(0, 0.03))
        for _ in 0..<rng.integer(q.episodes) {
            let length = rng.logNormal(median: q.episodeMedianMinutes * 60, logSD: 0.5, in: 180...2400)
            guard let (t0, end) = Planner.mapSleep(rng.uniform(0, total), inBed) else { continue }
            let imi = rng.uniform(q.medianIMISeconds)
            let horizontal = rng.uniform(0, 0.3) * rng.unitVector()
            var t = t0
            while t < min(end - 10, t0 + length) {
                let duration = rng.logNormal(median: 1.5, logSD: 0.5, in: q.durationSeconds)
                let lo = log(q.peakMilliG.lowerBound / 1000)
                let hi = log(q.peakMilliG.upperBound / 1000)
                events.append(
                    PartnerEvent(
                        start: t, end: t + duration, amplitudeG: exp(rng.uniform(lo, hi)),
                        frequencies: (rng.uniform(3, 15), rng.uniform(3, 15), rng.uniform(3, 15)),
                        phases: (rng.uniform(0, 6.283), rng.uniform(0, 6.283), rng.uniform(0, 6.283)), gain: gain,
                        delay: delay, horizontal: horizontal, jolt: 1))
                t += rng.logNormal(median: imi, logSD: 0.25, in: 10...90)
            }
        }
        events.sort { $0.start < $1.start }
        return events
    }

    /// The sensor slides on its strap (a strap turns most easily around the leg): 5–25° about the shank's
    /// axis (tilted up to ~17° off it) over 0.2–1 s, at random times in bed, one leg each.
    func strapSlides(inBed: [Span], rng: inout Xoshiro) -> [[StrapSlide]] {
        var out: [[StrapSlide]] = [[], []]
        let total = inBed.reduce(0) { $0 + $1.length }
        guard total > 0 else { return out }
        for _ in 0..<settings.disturbances.strapSlides {
            guard let (t, end) = Planner.mapSleep(rng.uniform(0, total), inBed) else { continue }
            let leg = rng.integer(0...1)
            let length = rng.uniform(0.2, 1)
            let axis = (Vec3(1, 0, 0) + 0.3 * rng.unitVector()).normalized
            let angle = (rng.chance(0.5) ? -1 : 1) * rng.uniform(5, 25) * degree
            guard t + length < end else { continue }
            out[leg].append(StrapSlide(start: t, end: t + length, axis: axis, angle: angle))
        }
        for leg in 0..<2 { out[leg].sort { $0.start < $1.start } }
        return out
    }

    /// Impulses: Poisson in time in bed; 2–10 ms half-sines of 0.1–1 g (log-uniform) in a random direction;
    /// a knock on the bed (both legs, 50 %) or one sensor bumped.
    func spikes(inBed: [Span], rng: inout Xoshiro) -> [Spike] {
        let total = inBed.reduce(0) { $0 + $1.length }
        guard total > 0, settings.disturbances.spikesPerHour > 0 else { return [] }
        var out: [Spike] = []
        for _ in 0..<rng.poisson(mean: settings.disturbances.spikesPerHour * total / 3600) {
            guard let (t, _) = Planner.mapSleep(rng.uniform(0, total), inBed) else { continue }
            let peak = exp(rng.uniform(log(0.1), log(1)))
            let v = peak * rng.unitVector()
            let which = rng.pick(weights: [0.25, 0.25, 0.5])
            out.append(
                Spike(
                    start: t, length: rng.uniform(0.002, 0.01),
                    vector: (which == 1 ? .zero : v, which == 0 ? .zero : v)))
        }
        out.sort { $0.start < $1.start }
        return out
    }
}
