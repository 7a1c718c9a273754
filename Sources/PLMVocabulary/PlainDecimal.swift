/// Plain decimal numbers as EDF headers, annotation onsets and tables write them: an optional sign, digits with at
/// most one decimal point, an optional exponent (`-12.5`, `+3`, `.25`, `1e-3`). Unlike `Double(String)` it refuses
/// hexadecimal (`0x10`), `inf`, `nan`, decimal commas and surrounding spaces, so a value is never read as
/// something its writer did not mean.
public enum PlainDecimal {
    /// The value of `text`, or nil when it is not a plain decimal number or its value is not finite.
    public static func parse<S: StringProtocol>(_ text: S) -> Double? {
        var text = String(text)
        return text.withUTF8 { parse(bytes: $0) }
    }

    /// Powers of ten that are exact doubles (10^0 ... 10^22), written out: each literal is exactly its power.
    private static let exactPowers: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ]

    /// The value of the UTF-8 `bytes`, or nil when they are not a plain decimal number or the value is not finite.
    ///
    /// Numbers of at most 19 significant digits whose digits fit in 2^53 and whose decimal exponent is within ±22
    /// are computed as one correctly rounded multiplication or division of two exact doubles (Clinger's fast
    /// path), which gives the same double as the standard library's conversion; every other number goes through
    /// `Double(String)`.
    public static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        // The common case first: an optional sign, at most 19 digits with at most one point, no exponent, digits
        // within 2^53: the same correctly rounded division as below, without the general loop's bookkeeping.
        let n = bytes.count
        if n > 0, n <= 21, let p = bytes.baseAddress {
            var i = 0
            let negative = p[0] == UInt8(ascii: "-")
            if negative || p[0] == UInt8(ascii: "+") { i = 1 }
            var mantissa: UInt64 = 0
            // Digits two at a time while there are two (half the dependent multiply-adds), then one.
            @inline(__always) func digitRun(_ i: inout Int) {
                while i + 1 < n {
                    let d0 = p[i] &- UInt8(ascii: "0"), d1 = p[i + 1] &- UInt8(ascii: "0")
                    if d0 >= 10 || d1 >= 10 { break }
                    mantissa = mantissa &* 100 &+ UInt64(d0 &* 10 &+ d1)
                    i += 2
                }
                if i < n {
                    let d = p[i] &- UInt8(ascii: "0")
                    if d < 10 {
                        mantissa = mantissa &* 10 &+ UInt64(d)
                        i += 1
                    }
                }
            }
            let intStart = i
            digitRun(&i)
            var digits = i - intStart
            var fraction = 0
            if i < n, p[i] == UInt8(ascii: ".") {
                i += 1
                let fractionStart = i
                digitRun(&i)
                fraction = i - fractionStart
                digits += fraction
            }
            // (`mantissa` may have wrapped only with more than 19 digits, which take the general path.)
            if i == n, digits > 0, digits <= 19, mantissa <= 1 << 53 {
                var v = Double(mantissa)
                if fraction > 0 { v /= exactPowers[fraction] }
                return negative ? -v : v
            }
        }
        return parseGeneral(bytes)
    }

    /// Every plain decimal number: exponents, more than 19 digits, leading zeros beyond them.
    private static func parseGeneral(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        var digits = 0
        var seenPoint = false
        var seenExponent = false
        var exponentDigits = 0
        var previous: UInt8 = 0
        var negative = false
        var mantissa: UInt64 = 0
        var significant = 0
        var fractionDigits = 0
        var exponent = 0
        var exponentNegative = false
        for i in 0..<bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if seenExponent {
                    exponentDigits += 1
                    if exponent < 100_000 { exponent = exponent * 10 + Int(c &- 48) }
                } else {
                    digits += 1
                    if mantissa != 0 || c != UInt8(ascii: "0") { significant += 1 }
                    if significant <= 19 { mantissa = mantissa &* 10 &+ UInt64(c &- 48) }
                    if seenPoint { fractionDigits += 1 }
                }
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard i == 0 || previous == UInt8(ascii: "e") || previous == UInt8(ascii: "E") else { return nil }
                if i == 0 { negative = c == UInt8(ascii: "-") } else { exponentNegative = c == UInt8(ascii: "-") }
            case UInt8(ascii: "."):
                guard !seenPoint, !seenExponent else { return nil }
                seenPoint = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                guard digits > 0, !seenExponent else { return nil }
                seenExponent = true
            default:
                return nil
            }
            previous = c
        }
        guard digits > 0, !seenExponent || exponentDigits > 0 else { return nil }
        let power = (exponentNegative ? -exponent : exponent) - fractionDigits
        if significant <= 19, mantissa <= 1 << 53, (-22...22).contains(power) {
            var v = Double(mantissa)
            if power < 0 { v /= exactPowers[-power] } else { v *= exactPowers[power] }
            return negative ? -v : v
        }
        guard let v = Double(String(decoding: bytes, as: UTF8.self)), v.isFinite else { return nil }
        return v
    }
}
