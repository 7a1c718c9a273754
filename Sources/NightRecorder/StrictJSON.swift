/// A check of a configuration file's JSON text that JSONSerialization does not make: no key twice in one object
/// (JSONSerialization keeps the last silently), the top-level keys' values as written (so `"rate_hz": 100.5` can be
/// refused rather than truncated), and a bounded nesting depth. Problems name the line and the key.
struct StrictJSON {
    /// A top-level key, the text of its value and the line it starts on.
    struct Member {
        var key: String
        var raw: String
        var line: Int
    }

    struct Problem: Error {
        var line: Int
        var message: String
    }

    /// Deepest nesting of objects and arrays accepted (a configuration file has two levels).
    static let maxDepth = 32

    private let b: [UInt8]
    private var i = 0
    private var line = 1

    private init(_ bytes: [UInt8]) { b = bytes }

    /// The top-level members of a JSON object, or the first problem.
    static func members(_ bytes: [UInt8]) throws(Problem) -> [Member] {
        var s = StrictJSON(bytes)
        if s.b.starts(with: [0xEF, 0xBB, 0xBF]) { s.i = 3 }
        s.space()
        guard s.peek == UInt8(ascii: "{") else { throw Problem(line: s.line, message: "expected a JSON object") }
        let out = try s.object(depth: 1, path: "")
        s.space()
        guard s.i == s.b.count else { throw Problem(line: s.line, message: "unexpected text after the JSON object") }
        return out
    }

    private var peek: UInt8? { i < b.count ? b[i] : nil }

    private mutating func space() {
        while let c = peek, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D {
            if c == 0x0A { line += 1 }
            i += 1
        }
    }

    private mutating func expect(_ c: UInt8, _ what: String) throws(Problem) {
        space()
        guard peek == c else { throw Problem(line: line, message: "expected \(what)") }
        i += 1
    }

    private mutating func object(depth: Int, path: String) throws(Problem) -> [Member] {
        guard depth <= StrictJSON.maxDepth else { throw Problem(line: line, message: "nested too deeply") }
        try expect(UInt8(ascii: "{"), "'{'")
        var seen: Set<String> = []
        var members: [Member] = []
        space()
        if peek == UInt8(ascii: "}") {
            i += 1
            return members
        }
        while true {
            space()
            let keyLine = line
            let key = try string()
            let name = path.isEmpty ? key : "\(path).\(key)"
            guard seen.insert(key).inserted else {
                throw Problem(line: keyLine, message: "duplicate key \"\(name)\" (each key may appear once)")
            }
            try expect(UInt8(ascii: ":"), "':' after the key \"\(name)\"")
            space()
            let start = i
            try value(depth: depth, path: name)
            members.append(Member(key: key, raw: String(decoding: b[start..<i], as: UTF8.self), line: keyLine))
            space()
            if peek == UInt8(ascii: ",") {
                i += 1
                continue
            }
            try expect(UInt8(ascii: "}"), "',' or '}' after the value of \"\(name)\"")
            return members
        }
    }

    private mutating func value(depth: Int, path: String) throws(Problem) {
        space()
        guard let c = peek else { throw Problem(line: line, message: "the file ends where a value of \"\(path)\" was expected") }
        switch c {
        case UInt8(ascii: "{"):
            _ = try object(depth: depth + 1, path: path)
        case UInt8(ascii: "["):
            guard depth + 1 <= StrictJSON.maxDepth else { throw Problem(line: line, message: "nested too deeply") }
            i += 1
            space()
            if peek == UInt8(ascii: "]") {
                i += 1
                return
            }
            while true {
                try value(depth: depth + 1, path: path)
                space()
                if peek == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                try expect(UInt8(ascii: "]"), "',' or ']' in the array of \"\(path)\"")
                return
            }
        case UInt8(ascii: "\""):
            _ = try string()
        default:
            // A number or a literal: the JSON parser checks its form; here it is only delimited.
            let start = i
            while let d = peek, d != UInt8(ascii: ","), d != UInt8(ascii: "}"), d != UInt8(ascii: "]"), d > 0x20 {
                i += 1
            }
            guard i > start else { throw Problem(line: line, message: "expected a value for \"\(path)\"") }
        }
    }

    /// A string, its escapes decoded (so `"rate\u005fhz"` and `"rate_hz"` are the same key).
    private mutating func string() throws(Problem) -> String {
        guard peek == UInt8(ascii: "\"") else { throw Problem(line: line, message: "expected a string in double quotes") }
        i += 1
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() {
            if !raw.isEmpty { scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars) }
            raw = []
        }
        while let c = peek {
            i += 1
            switch c {
            case UInt8(ascii: "\""):
                flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush()
                guard let e = peek else { break }
                i += 1
                switch e {
                case UInt8(ascii: "u"):
                    guard i + 4 <= b.count, let v = UInt32(String(decoding: b[i..<(i + 4)], as: UTF8.self), radix: 16)
                    else { throw Problem(line: line, message: "expected four hex digits after \\u") }
                    i += 4
                    scalars.append(Unicode.Scalar(v) ?? "\u{FFFD}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "b"): scalars.append("\u{8}")
                case UInt8(ascii: "f"): scalars.append("\u{C}")
                default: scalars.append(Unicode.Scalar(e))
                }
            case 0x0A:
                throw Problem(line: line, message: "a string runs past the end of its line")
            default:
                raw.append(c)
            }
        }
        throw Problem(line: line, message: "a string is not closed")
    }
}
