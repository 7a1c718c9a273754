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

    /// Powers of ten that are exact doubles (10^0 ... 10^22).
    private static let exactPowers: [Double] = (0...22).map { e in
        var p = 1.0
        for _ in 0..<e { p *= 10 }
        return p
    }

    /// The value of the UTF-8 `bytes`, or nil when they are not a plain decimal number or the value is not finite.
    ///
    /// Numbers of at most 19 significant digits whose digits fit in 2^53 and whose decimal exponent is within ±22
    /// are computed as one correctly rounded multiplication or division of two exact doubles (Clinger's fast
    /// path), which gives the same double as the standard library's conversion; every other number goes through
    /// `Double(String)`.
    public static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Double? {
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
