/// Logarithms with the standard library alone (the scoring core imports nothing, not even the C library).
///
/// x = m · 2^e with m in [1, 2); ln x = e · ln 2 + ln m, and ln m = 2 · atanh(z) with z = (m − 1)/(m + 1)
/// in [0, 1/3), summed as z + z³/3 + z⁵/5 + … until the terms no longer change the sum (about 17 terms).
/// Accurate to a few units in the last place: ample for the log-IMI statistics and histogram bins.
public enum Logarithm {
    static let ln2 = 0.693147180559945309417232121458176568
    static let ln10 = 2.302585092994045684017991454684364208

    /// Natural logarithm; nan for negative or nan input, -infinity for 0, +infinity for +infinity.
    public static func ln(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x.isInfinite { return .infinity }
        let e = Double(x.exponent)
        let m = x.significand  // in [1, 2)
        let z = (m - 1) / (m + 1)
        let z2 = z * z
        var term = z
        var sum = 0.0
        var k = 1.0
        while true {
            let next = sum + term / k
            if next == sum { break }
            sum = next
            term *= z2
            k += 2
        }
        return e * ln2 + 2 * sum
    }

    /// Base-10 logarithm.
    public static func log10(_ x: Double) -> Double { ln(x) / ln10 }
}
