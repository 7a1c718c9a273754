/// Plain decimal numbers as EDF headers, annotation onsets and tables write them: an optional sign, digits with at
/// most one decimal point, an optional exponent (`-12.5`, `+3`, `.25`, `1e-3`). Unlike `Double(String)` it refuses
/// hexadecimal (`0x10`), `inf`, `nan`, decimal commas and surrounding spaces, so a value is never read as
/// something its writer did not mean.
public enum PlainDecimal {
    /// The value of `text`, or nil when it is not a plain decimal number or its value is not finite.
    public static func parse<S: StringProtocol>(_ text: S) -> Double? {
        var digits = 0
        var seenPoint = false
        var seenExponent = false
        var exponentDigits = 0
        var previous: UInt8 = 0
        for (i, c) in text.utf8.enumerated() {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if seenExponent { exponentDigits += 1 } else { digits += 1 }
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard i == 0 || previous == UInt8(ascii: "e") || previous == UInt8(ascii: "E") else { return nil }
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
        guard let v = Double(String(text)), v.isFinite else { return nil }
        return v
    }
}
