import Foundation
import LegMovementScoring

/// Rule profiles: a built-in name (`wasm2016`, `aasm`) or a JSON file of options over a base profile:
///
///     { "base": "wasm2016", "profile": "sleep-lab-2026", "imi_max_inclusive": false, "imi_min_s": 5 }
///
/// `plm rules wasm2016` prints a complete profile in this format.
public enum ProfileFile {
    public struct ProfileError: Error, CustomStringConvertible {
        public var description: String
    }

    /// A built-in profile or a profile file, then `NAME=VALUE` overrides in order.
    public static func rules(profile: String, overrides: [String]) throws -> ScoringRules {
        var rules: ScoringRules
        if let builtIn = ScoringRules.builtInProfiles[profile] {
            rules = builtIn
        } else if FileManager.default.fileExists(atPath: profile) {
            rules = try load(URL(fileURLWithPath: profile))
        } else {
            let names = ScoringRules.builtInProfiles.keys.sorted().joined(separator: ", ")
            throw ProfileError(description: "unknown rules '\(profile)': expected \(names) or a profile file (JSON)")
        }
        for o in overrides {
            guard let eq = o.firstIndex(of: "=") else {
                throw ProfileError(description: "--set '\(o)': expected NAME=VALUE, e.g. imi_max_inclusive=false")
            }
            do {
                try rules.set(option: String(o[..<eq]), from: String(o[o.index(after: eq)...]))
            } catch {
                throw ProfileError(description: "--set '\(o)': \(error)")
            }
        }
        return rules
    }

    /// One value of a profile file: JSON true/false, a number, a name, or null.
    enum Value: Decodable {
        case text(String)

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() {
                self = .text("null")
            } else if let b = try? c.decode(Bool.self) {
                self = .text(b ? "true" : "false")
            } else if let i = try? c.decode(Int.self) {
                self = .text(String(i))
            } else if let d = try? c.decode(Double.self) {
                self = .text(String(d))
            } else {
                self = .text(try c.decode(String.self))
            }
        }

        var text: String {
            switch self {
            case .text(let t): return t
            }
        }
    }

    static func load(_ url: URL) throws -> ScoringRules {
        let name = url.path
        let dict: [String: Value]
        do {
            dict = try JSONDecoder().decode([String: Value].self, from: try Data(contentsOf: url))
        } catch {
            throw ProfileError(
                description: "\(name): expected a JSON object of rule options such as {\"imi_min_s\": 5} (\(error))")
        }
        let baseName = dict["base"]?.text ?? "wasm2016"
        guard var rules = ScoringRules.builtInProfiles[baseName] else {
            throw ProfileError(description: "\(name): key 'base': expected wasm2016 or aasm, found '\(baseName)'")
        }
        rules.profile = dict["profile"]?.text ?? url.deletingPathExtension().lastPathComponent
        for key in dict.keys.sorted() where key != "base" && key != "profile" {
            do {
                try rules.set(option: key, from: dict[key]?.text ?? "null")
            } catch {
                throw ProfileError(description: "\(name): \(error)")
            }
        }
        return rules
    }

    /// A complete profile file for `rules`.
    public static func render(_ rules: ScoringRules) -> String {
        var lines: [String] = []
        lines.append("  \"base\": \"\(rules.profile == "aasm" ? "aasm" : "wasm2016")\"")
        lines.append("  \"profile\": \"\(rules.profile)\"")
        for key in RuleKey.allCases.sorted(by: { $0.rawValue < $1.rawValue }) {
            let v: String
            switch rules.value(of: key) {
            case .number(let x): v = String(x)
            case .integer(let i): v = String(i)
            case .bool(let b): v = b ? "true" : "false"
            case .choice(let c): v = "\"\(c)\""
            case .none: v = "null"
            }
            lines.append("  \"\(key.rawValue)\": \(v)")
        }
        return "{\n" + lines.joined(separator: ",\n") + "\n}\n"
    }
}
