/// A JSON document written with sorted keys and fixed number formatting, so that the same figures always
/// give the same bytes (Foundation's encoders choose the shortest round-trip digits, which is stable but not
/// fixed-width, and differ between platforms in edge cases).
public indirect enum JSONValue: Sendable, Equatable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    /// A number written with exactly `decimals` digits after the point.
    case fixed(Double, decimals: Int)
    case integer(Int)
    case bool(Bool)
    case null

    /// Pretty-printed with two-space indentation, keys sorted by their UTF-8 bytes, a final newline.
    public func rendered() -> String {
        var out = ""
        write(into: &out, indent: 0)
        out.append("\n")
        return out
    }

    func write(into out: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent + 1)
        let closePad = String(repeating: "  ", count: indent)
        switch self {
        case .object(let dict):
            if dict.isEmpty {
                out.append("{}")
                return
            }
            out.append("{\n")
            let keys = dict.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            for (i, key) in keys.enumerated() {
                out.append(pad)
                JSONValue.string(key).write(into: &out, indent: indent + 1)
                out.append(": ")
                dict[key, default: .null].write(into: &out, indent: indent + 1)
                out.append(i == keys.count - 1 ? "\n" : ",\n")
            }
            out.append(closePad + "}")
        case .array(let items):
            if items.isEmpty {
                out.append("[]")
                return
            }
            // Arrays of plain numbers stay on one line (histogram counts).
            if items.allSatisfy({ $0.isScalar }) {
                out.append("[")
                for (i, item) in items.enumerated() {
                    if i > 0 { out.append(", ") }
                    item.write(into: &out, indent: indent + 1)
                }
                out.append("]")
                return
            }
            out.append("[\n")
            for (i, item) in items.enumerated() {
                out.append(pad)
                item.write(into: &out, indent: indent + 1)
                out.append(i == items.count - 1 ? "\n" : ",\n")
            }
            out.append(closePad + "]")
        case .string(let s):
            out.append("\"")
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out.append("\\\"")
                case "\\": out.append("\\\\")
                case "\n": out.append("\\n")
                case "\r": out.append("\\r")
                case "\t": out.append("\\t")
                default:
                    if scalar.value < 0x20 {
                        let hex = String(scalar.value, radix: 16)
                        out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            out.append("\"")
        case .fixed(let v, let decimals):
            out.append(v.isFinite ? NumberFormat.fixed(v, decimals: decimals) : "null")
        case .integer(let v):
            out.append(String(v))
        case .bool(let b):
            out.append(b ? "true" : "false")
        case .null:
            out.append("null")
        }
    }

    var isScalar: Bool {
        switch self {
        case .object, .array: return false
        default: return true
        }
    }
}

/// Locale-free fixed-point number formatting.
public enum NumberFormat {
    /// `v` rounded half away from zero to `decimals` digits after the point, without exponent; "-0.000"
    /// is written "0.000".
    public static func fixed(_ v: Double, decimals: Int) -> String {
        precondition(decimals >= 0 && decimals <= 9, "decimals must be 0...9")
        guard v.isFinite else { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(v) * scale).rounded(.toNearestOrAwayFromZero)
        // Beyond 2^63 the figure is meaningless for this project; clamp rather than trap.
        let units = scaled < 9.2e18 ? UInt64(scaled) : UInt64(9.2e18)
        let negative = v < 0 && units != 0
        var digits = String(units)
        if decimals > 0 {
            if digits.count <= decimals {
                digits = String(repeating: "0", count: decimals - digits.count + 1) + digits
            }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
        }
        return negative ? "-" + digits : digits
    }
}
