import Foundation

/// A 3-vector of Doubles (leg frame, sensor frame or world frame as stated where used).
struct Vec3: Sendable, Equatable {
    var x: Double, y: Double, z: Double

    init(_ x: Double, _ y: Double, _ z: Double) {
        self.x = x
        self.y = y
        self.z = z
    }

    static let zero = Vec3(0, 0, 0)

    @inline(__always) static func + (a: Vec3, b: Vec3) -> Vec3 { Vec3(a.x + b.x, a.y + b.y, a.z + b.z) }
    @inline(__always) static func - (a: Vec3, b: Vec3) -> Vec3 { Vec3(a.x - b.x, a.y - b.y, a.z - b.z) }
    @inline(__always) static func * (s: Double, a: Vec3) -> Vec3 { Vec3(s * a.x, s * a.y, s * a.z) }
    @inline(__always) static func / (a: Vec3, s: Double) -> Vec3 { Vec3(a.x / s, a.y / s, a.z / s) }
    @inline(__always) func dot(_ b: Vec3) -> Double { x * b.x + y * b.y + z * b.z }
    @inline(__always) func cross(_ b: Vec3) -> Vec3 {
        Vec3(y * b.z - z * b.y, z * b.x - x * b.z, x * b.y - y * b.x)
    }
    var length: Double { dot(self).squareRoot() }
    var normalized: Vec3 {
        let n = length
        return n > 0 ? self / n : self
    }

    /// This vector rotated by `angle` radians about the unit `axis` (Rodrigues' formula).
    @inline(__always)
    func rotated(about axis: Vec3, angle: Double) -> Vec3 {
        let c = cos(angle)
        let s = sin(angle)
        return c * self + s * axis.cross(self) + ((1 - c) * axis.dot(self)) * axis
    }
}

/// A 3x3 rotation stored as its three rows.
struct Mat3: Sendable, Equatable {
    var r0: Vec3, r1: Vec3, r2: Vec3

    static let identity = Mat3(r0: Vec3(1, 0, 0), r1: Vec3(0, 1, 0), r2: Vec3(0, 0, 1))

    /// The matrix whose rows are the given vectors (e.g. sensor axes expressed in the leg frame: then
    /// `m * v` gives a leg-frame vector's components along the sensor axes).
    init(r0: Vec3, r1: Vec3, r2: Vec3) {
        self.r0 = r0
        self.r1 = r1
        self.r2 = r2
    }

    @inline(__always) static func * (m: Mat3, v: Vec3) -> Vec3 { Vec3(m.r0.dot(v), m.r1.dot(v), m.r2.dot(v)) }

    var transposed: Mat3 {
        Mat3(r0: Vec3(r0.x, r1.x, r2.x), r1: Vec3(r0.y, r1.y, r2.y), r2: Vec3(r0.z, r1.z, r2.z))
    }

    static func * (a: Mat3, b: Mat3) -> Mat3 {
        let bt = b.transposed
        return Mat3(
            r0: Vec3(a.r0.dot(bt.r0), a.r0.dot(bt.r1), a.r0.dot(bt.r2)),
            r1: Vec3(a.r1.dot(bt.r0), a.r1.dot(bt.r1), a.r1.dot(bt.r2)),
            r2: Vec3(a.r2.dot(bt.r0), a.r2.dot(bt.r1), a.r2.dot(bt.r2)))
    }

    /// The rotation by `angle` radians about the unit `axis` (active: `rotation * v` is `v.rotated(...)`).
    static func rotation(about axis: Vec3, angle: Double) -> Mat3 {
        let ex = Vec3(1, 0, 0).rotated(about: axis, angle: angle)
        let ey = Vec3(0, 1, 0).rotated(about: axis, angle: angle)
        let ez = Vec3(0, 0, 1).rotated(about: axis, angle: angle)
        // Columns are the rotated basis vectors.
        return Mat3(r0: Vec3(ex.x, ey.x, ez.x), r1: Vec3(ex.y, ey.y, ez.y), r2: Vec3(ex.z, ey.z, ez.z))
    }
}

/// The minimum-jerk position profile (Flash & Hogan 1985), the standard model of a smooth voluntary or
/// reflex limb movement between two rest positions: s(0) = 0, s(1) = 1, zero velocity and acceleration at both
/// ends. Returns s, ds/dτ and d²s/dτ².
@inline(__always)
func minimumJerk(_ tau: Double) -> (s: Double, v: Double, a: Double) {
    if tau <= 0 { return (0, 0, 0) }
    if tau >= 1 { return (1, 0, 0) }
    let t2 = tau * tau
    let t3 = t2 * tau
    let s = t3 * (10 - 15 * tau + 6 * t2)
    let v = 30 * t2 * (1 - 2 * tau + t2)
    let a = 60 * tau * (1 - 3 * tau + 2 * t2)
    return (s, v, a)
}

let degree = Double.pi / 180
/// Standard gravity, m/s² (to express linear accelerations in g).
let standardGravity = 9.80665
