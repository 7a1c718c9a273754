import Foundation

/// Distribution functions and the sample median used by the tests in this module.
public enum Distributions {
    /// The standard normal distribution function Φ(z) = ½·erfc(−z/√2).
    ///
    /// Computed through the complementary error function so that both tails keep full relative precision
    /// (Abramowitz & Stegun 1964, *Handbook of Mathematical Functions*, 26.2.29). Matches `scipy.stats.norm.cdf`.
    public static func normalCDF(_ z: Double) -> Double {
        if z.isNaN { return .nan }
        return 0.5 * erfc(-z / 2.0.squareRoot())
    }

    /// The standard normal quantile Φ⁻¹(p), accurate to about 1e-16 relative.
    ///
    /// Wichura, M. J. (1988). "Algorithm AS 241: The percentage points of the normal distribution."
    /// *Applied Statistics* 37(3), 477–484 (PPND16). Returns −∞ for p = 0, +∞ for p = 1 and NaN outside [0, 1].
    public static func normalQuantile(_ p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        let q = p - 0.5
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            let num =
                (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r + 6.7265770927008700853e+4) * r
                    + 4.5921953931549871457e+4) * r + 1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r
                    + 1.3314166789178437745e+2) * r + 3.3871328727963666080e+0)
            let den =
                (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r + 3.9307895800092710610e+4) * r
                    + 2.1213794301586595867e+4) * r + 5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r
                    + 4.2313330701600911252e+1) * r + 1.0)
            return q * num / den
        }
        var r = (q < 0 ? p : 1 - p)
        r = (-log(r)).squareRoot()
        let value: Double
        if r <= 5 {
            r -= 1.6
            let num =
                (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r + 2.41780725177450611770e-1) * r
                    + 1.27045825245236838258e+0) * r + 3.64784832476320460504e+0) * r + 5.76949722146069140550e+0) * r
                    + 4.63033784615654529590e+0) * r + 1.42343711074968357734e+0)
            let den =
                (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r + 1.51986665636164571966e-2) * r
                    + 1.48103976427480074590e-1) * r + 6.89767334985100004550e-1) * r + 1.67638483018380384940e+0) * r
                    + 2.05319162663775882187e+0) * r + 1.0)
            value = num / den
        } else {
            r -= 5
            let num =
                (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 1.24266094738807843860e-3) * r
                    + 2.65321895265761230930e-2) * r + 2.96560571828504891230e-1) * r + 1.78482653991729133580e+0) * r
                    + 5.46378491116411436990e+0) * r + 6.65790464350110377720e+0)
            let den =
                (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r + 1.84631831751005468180e-5) * r
                    + 7.86869131145613259100e-4) * r + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r
                    + 5.99832206555887937690e-1) * r + 1.0)
            value = num / den
        }
        return q < 0 ? -value : value
    }

    /// The distribution function of Student's t with `degreesOfFreedom` ν > 0 (need not be an integer).
    ///
    /// P(T ≤ t) = 1 − ½·I_x(ν/2, ½) for t ≥ 0 (and ½·I_x(ν/2, ½) for t < 0) with x = ν/(ν + t²), where I is the
    /// regularized incomplete beta function (Abramowitz & Stegun 1964, 26.7.1 and 26.5.27), evaluated with its
    /// continued fraction by the modified Lentz method (Press et al. 2007, *Numerical Recipes*, 3rd ed., §6.4;
    /// Lentz 1976). Matches `scipy.stats.t.cdf`. Returns NaN for ν ≤ 0 or NaN input; ν = ∞ gives Φ(t).
    public static func studentTCDF(_ t: Double, degreesOfFreedom: Double) -> Double {
        let nu = degreesOfFreedom
        if t.isNaN || nu.isNaN || nu <= 0 { return .nan }
        if nu.isInfinite { return normalCDF(t) }
        if t.isInfinite { return t > 0 ? 1 : 0 }
        if t == 0 { return 0.5 }
        let t2 = t * t
        // x and 1 - x, each computed directly so neither suffers cancellation.
        let x = nu / (nu + t2)
        let y = t2 / (nu + t2)
        let tail = 0.5 * regularizedIncompleteBeta(a: nu / 2, b: 0.5, x: x, oneMinusX: y)
        return t > 0 ? 1 - tail : tail
    }

    /// The quantile of Student's t with ν > 0 degrees of freedom: the t with P(T ≤ t) = p.
    ///
    /// Newton's method on `studentTCDF` with the t density, started from the normal quantile and kept inside a
    /// bracket that bisection shrinks whenever a Newton step would leave it (a safeguarded Newton iteration), to a
    /// relative step of 1e-14. Matches `scipy.stats.t.ppf`. −∞/+∞ at p = 0/1, NaN outside [0, 1] or for ν ≤ 0.
    public static func studentTQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        if p.isNaN || nu.isNaN || nu <= 0 || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p == 0.5 { return 0 }
        if nu.isInfinite { return normalQuantile(p) }
        // Work in the lower tail for precision, then mirror.
        let target = min(p, 1 - p)
        var hi = 0.0
        var lo = min(-1, 2 * normalQuantile(target))
        while studentTCDF(lo, degreesOfFreedom: nu) > target { lo *= 2 }
        // log of the density's constant: Γ((ν+1)/2) / (√(νπ) Γ(ν/2)).
        let logC = lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * log(nu * Double.pi)
        var q = max(lo, min(hi, normalQuantile(target)))
        for _ in 0..<100 {
            let f = studentTCDF(q, degreesOfFreedom: nu) - target
            if f > 0 { hi = q } else { lo = q }
            let density = exp(logC - (nu + 1) / 2 * log1p(q * q / nu))
            var next = q - f / density
            if !(next > lo && next < hi) || !next.isFinite { next = (lo + hi) / 2 }
            if abs(next - q) <= 1e-14 * max(1, abs(q)) || hi - lo <= 1e-14 * max(1, abs(lo)) {
                q = next
                break
            }
            q = next
        }
        return p < 0.5 ? q : -q
    }

    /// The sample median: the middle value, or the mean of the two middle values for an even count.
    /// `nil` for an empty sample. Matches `numpy.median`.
    public static func median(_ x: [Double]) -> Double? {
        guard !x.isEmpty else { return nil }
        return sortedMedian(x.sorted())
    }

    /// Median of values already sorted ascending (non-empty).
    static func sortedMedian(_ s: [Double]) -> Double {
        let mid = s.count / 2
        if s.count % 2 == 1 { return s[mid] }
        return (s[mid - 1] + s[mid]) / 2
    }

    /// I_x(a, b), the regularized incomplete beta function, for a, b > 0 and 0 ≤ x ≤ 1 (`oneMinusX` = 1 − x).
    static func regularizedIncompleteBeta(a: Double, b: Double, x: Double, oneMinusX y: Double) -> Double {
        if x <= 0 { return 0 }
        if y <= 0 { return 1 }
        // Prefactor x^a (1-x)^b / B(a, b), in logs.
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(y)
        let front = exp(logFront)
        // The continued fraction converges fast for x < (a + 1)/(a + b + 2); use the symmetry otherwise.
        if x < (a + 1) / (a + b + 2) {
            return front * betaContinuedFraction(a: a, b: b, x: x) / a
        } else {
            return 1 - front * betaContinuedFraction(a: b, b: a, x: y) / b
        }
    }

    /// The continued fraction for I_x(a, b) (Abramowitz & Stegun 26.5.8), modified Lentz evaluation.
    private static func betaContinuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300
        let eps = 1e-16
        let qab = a + b
        let qap = a + 1
        let qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...100_000 {
            let mm = Double(m)
            let m2 = 2 * mm
            var aa = mm * (b - mm) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + mm) * (qab + mm) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < eps { break }
        }
        return h
    }
}
