import Foundation

/// The orientation of a resting shank against gravity, in the leg frame (docs/simulator.md, "Frames").
///
/// Leg frame: e1 along the shank towards the knee, e2 anterior (out of the shin), e3 = e1 × e2 (towards the
/// body's left). `pitch` is the shank's elevation above the horizontal (the knee end up; upright = 90°);
/// `roll` is the leg's rotation about its own axis while lying (0 = anterior side up, 90° = the body's left
/// side up, i.e. lying on the right side). Radians; `roll` is kept unwrapped so that a turn can run past ±180°.
struct Pose: Sendable, Equatable {
    var roll: Double
    var pitch: Double

    /// The specific force at rest (1 g pointing up, opposite to gravity) in the leg frame.
    var up: Vec3 {
        let c = cos(pitch)
        return Vec3(sin(pitch), c * cos(roll), c * sin(roll))
    }

    static let standing = Pose(roll: 0, pitch: Double.pi / 2)
}

/// A rotation of the shank about a pivot away from the sensor (knee, hip), in the rest leg frame.
struct Flexion: Sendable {
    /// Unit rotation axis, rest leg frame.
    var axis: Vec3
    /// Peak angle, rad.
    var peak: Double
    /// Minimum-jerk rise, hold and return times, s.
    var rise: Double, plateau: Double, fall: Double
    /// Distance from the pivot to the sensor along the shank, m: positive when the pivot is proximal (knee,
    /// hip), negative when it is distal (the heel resting on the mattress while the knee rises).
    var radius: Double

    /// Angle, angular velocity and angular acceleration `tau` seconds after the start.
    @inline(__always)
    func profile(_ tau: Double) -> (Double, Double, Double) {
        if tau < rise {
            let m = minimumJerk(tau / rise)
            return (peak * m.s, peak * m.v / rise, peak * m.a / (rise * rise))
        }
        let t2 = tau - rise - plateau
        if t2 < 0 { return (peak, 0, 0) }
        if t2 < fall {
            let m = minimumJerk(t2 / fall)
            return (peak * (1 - m.s), -peak * m.v / fall, -peak * m.a / (fall * fall))
        }
        return (0, 0, 0)
    }
}

/// A sinusoidal rotation about a pivot with tapered ends: clonic bursts, rhythmic fidgeting, standing sway.
struct Oscillation: Sendable {
    var axis: Vec3
    /// Angular amplitude, rad.
    var amplitude: Double
    /// Frequency, Hz.
    var frequency: Double
    /// Length of the raised-cosine taper at each end, s.
    var taper: Double
    var radius: Double
}

/// Shank kinematics of walking: swing about the knee/hip at the stride frequency and a heel-strike transient.
struct Gait: Sendable {
    /// Strides per second (one stride = two steps).
    var strideHz: Double
    /// Amplitudes of the first and second harmonics of the shank's sagittal angle, rad.
    var amplitude1: Double, amplitude2: Double
    var phase1: Double, phase2: Double
    /// Heel-strike transient: peak g, ringing frequency Hz, decay time constant s.
    var heelG: Double, heelHz: Double, heelDecay: Double
    var radius: Double
}

/// Band-limited shaking that is not a rotation (sliding on the sheet, muscle tremor), in g, leg frame.
struct Jitter: Sendable {
    var direction: Vec3
    var amplitudeG: Double
    var f1: Double, f2: Double
    var p1: Double, p2: Double
}

/// One movement of one leg: a pose change (min-jerk from `from` to `to` over the whole motion) plus any of a
/// flexion, an oscillation, a gait pattern and jitter. Motions of one leg never overlap.
struct Motion: Sendable {
    var start: Double
    var end: Double
    var from: Pose
    var to: Pose
    /// `to.up`, cached.
    var toUp: Vec3
    var flexion: Flexion?
    var oscillation: Oscillation?
    var gait: Gait?
    var jitter: Jitter?

    init(start: Double, end: Double, from: Pose, to: Pose) {
        self.start = start
        self.end = end
        self.from = from
        self.to = to
        self.toUp = to.up
    }

    /// A motion that keeps the pose.
    init(start: Double, end: Double, at pose: Pose) {
        self.init(start: start, end: end, from: pose, to: pose)
    }

    /// Taper envelope: raised-cosine ramps of length `taper` at both ends of [0, length].
    @inline(__always)
    static func taper(_ tau: Double, length: Double, taper: Double) -> Double {
        guard taper > 0 else { return 1 }
        let edge = min(tau, length - tau)
        if edge <= 0 { return 0 }
        if edge >= taper { return 1 }
        let s = sin(0.5 * Double.pi * edge / taper)
        return s * s
    }

    /// The specific force (g) the shank experiences at time `t` inside the motion, in the current leg frame.
    ///
    /// A rotation by angle α(t) about a unit axis k through a pivot at `p = -r e1` from the sensor gives the
    /// sensor a linear acceleration α̈ (k × p) + α̇² (k × (k × p)) (tangential + centripetal, rest frame); the
    /// accelerometer measures that plus the 1 g "up" vector, seen from the rotated frame (rotation by -α).
    func specificForce(at t: Double) -> Vec3 {
        let length = end - start
        let tau = t - start
        var pose = from
        if from != to {
            let s = minimumJerk(tau / length).s
            pose = Pose(roll: from.roll + (to.roll - from.roll) * s, pitch: from.pitch + (to.pitch - from.pitch) * s)
        }
        var f = pose.up
        var rot1: (Vec3, Double)? = nil
        var rot2: (Vec3, Double)? = nil

        if let j = jitter {
            let e = sin(Double.pi * tau / length)
            let w = e * e * j.amplitudeG
            let value = sin(2 * Double.pi * j.f1 * tau + j.p1) + 0.6 * sin(2 * Double.pi * j.f2 * tau + j.p2)
            f = f + (w * value) * j.direction
        }
        if let fl = flexion {
            let (a, ad, add) = fl.profile(tau)
            if a != 0 || ad != 0 || add != 0 {
                f = f + Motion.pivotAcceleration(axis: fl.axis, radius: fl.radius, velocity: ad, acceleration: add)
                rot1 = (fl.axis, a)
            }
        }
        if let o = oscillation {
            let w = Motion.taper(tau, length: length, taper: o.taper)
            let omega = 2 * Double.pi * o.frequency
            let s = sin(omega * tau)
            let c = cos(omega * tau)
            let a = o.amplitude * w * s
            f = f + Motion.pivotAcceleration(
                axis: o.axis, radius: o.radius, velocity: o.amplitude * w * omega * c,
                acceleration: -o.amplitude * w * omega * omega * s)
            rot2 = (o.axis, a)
        }
        if let g = gait {
            let w = Motion.taper(tau, length: length, taper: 1.0)
            let omega = 2 * Double.pi * g.strideHz
            let x1 = omega * tau + g.phase1
            let x2 = 2 * omega * tau + g.phase2
            let a = w * (g.amplitude1 * sin(x1) + g.amplitude2 * sin(x2))
            let ad = w * omega * (g.amplitude1 * cos(x1) + 2 * g.amplitude2 * cos(x2))
            let add = -w * omega * omega * (g.amplitude1 * sin(x1) + 4 * g.amplitude2 * sin(x2))
            let k = Vec3(0, 0, 1)
            f = f + Motion.pivotAcceleration(axis: k, radius: g.radius, velocity: ad, acceleration: add)
            // Heel strike once per stride, as the swing (x1 rising through 0) ends.
            var cycle = (tau * g.strideHz + g.phase1 / (2 * Double.pi)).truncatingRemainder(dividingBy: 1)
            if cycle < 0 { cycle += 1 }
            let th = cycle / g.strideHz
            let heel = w * g.heelG * exp(-th / g.heelDecay) * sin(2 * Double.pi * g.heelHz * th)
            f = f + Vec3(heel, 0.5 * heel, 0)
            rot2 = (k, a)
        }
        if let (k, a) = rot1 { f = f.rotated(about: k, angle: -a) }
        if let (k, a) = rot2 { f = f.rotated(about: k, angle: -a) }
        return f
    }

    /// Linear acceleration (g) of a point at `-radius e1` from a pivot rotating about `axis`.
    @inline(__always)
    static func pivotAcceleration(axis k: Vec3, radius: Double, velocity: Double, acceleration: Double) -> Vec3 {
        let p = Vec3(-radius, 0, 0)
        let kp = k.cross(p)
        let kkp = k.cross(kp)
        return (1 / standardGravity) * (acceleration * kp + (velocity * velocity) * kkp)
    }
}
