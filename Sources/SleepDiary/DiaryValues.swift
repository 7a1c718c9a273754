import Foundation

/// The text forms of diary values: one parser and one writer per kind of value, shared by `DiaryEntry.set(_:to:)`,
/// the CSV import and the CSV writer.
enum DiaryValues {
    // MARK: Text

    /// Canonical free text: `\r\n` and `\r` become `\n`, surrounding white space and line breaks are removed.
    static func canonicalText(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: Numbers

    /// Whether `text` is a plain decimal number: optional sign, digits with an optional `.`, optional exponent.
    /// Rejects what `Double.init?(_:)` would also take: `nan`, `inf`, hexadecimal.
    static func isPlainNumber(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        if let first = bytes.first, first == 0x2B || first == 0x2D { bytes = bytes.dropFirst() }
        let isDigit = { (b: UInt8) in b >= 0x30 && b <= 0x39 }
        var mantissaDigits = 0
        var sawPoint = false
        while let b = bytes.first, isDigit(b) || (b == 0x2E && !sawPoint) {
            if b == 0x2E { sawPoint = true } else { mantissaDigits += 1 }
            bytes = bytes.dropFirst()
        }
        guard mantissaDigits > 0 else { return false }
        if let b = bytes.first, b == 0x65 || b == 0x45 {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == 0x2B || sign == 0x2D { bytes = bytes.dropFirst() }
            guard !bytes.isEmpty, bytes.allSatisfy(isDigit) else { return false }
            return true
        }
        return bytes.isEmpty
    }

    static func number(_ text: String) -> Double? {
        guard isPlainNumber(text), let value = Double(text), value.isFinite else { return nil }
        return value
    }

    static func whole(_ text: String, in range: ClosedRange<Int>) throws(FieldFailure) -> Int {
        let expected = "a whole number \(range.lowerBound)-\(range.upperBound)"
        guard let value = number(text) else { throw FieldFailure(.notANumber, expected: expected) }
        guard value.rounded() == value else { throw FieldFailure(.notWholeNumber, expected: expected) }
        guard value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
            throw FieldFailure(.outOfRange, expected: expected)
        }
        return Int(value)
    }

    static func decimal(_ text: String, in range: ClosedRange<Double>) throws(FieldFailure) -> Double {
        let expected = "a number \(format(range.lowerBound))-\(format(range.upperBound)) (decimal point '.')"
        guard let value = number(text) else { throw FieldFailure(.notANumber, expected: expected) }
        guard range.contains(value) else { throw FieldFailure(.outOfRange, expected: expected) }
        return value == 0 ? 0 : value  // no "-0"
    }

    /// Shortest text that reads back as the same value: whole values without a decimal point (`300`), others as
    /// Swift's shortest round-trip form (`0.25`).
    static func format(_ value: Double) -> String {
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    // MARK: Times, dates, yes/no

    static let clockExpected = "a clock time HH:MM (24-hour, 00:00-23:59)"

    static func clock(_ text: String) throws(FieldFailure) -> ClockTime {
        guard let time = ClockTime(text) else { throw FieldFailure(.badClockTime, expected: clockExpected) }
        return time
    }

    static func date(_ text: String) throws(FieldFailure) -> NightDate {
        switch NightDate.parse(text) {
        case .success(let date): return date
        case .failure(let failure): throw failure
        }
    }

    static let yesNoExpected = "yes or no (also y/n, true/false, 1/0)"

    static func yesNo(_ text: String) throws(FieldFailure) -> Bool {
        switch text.lowercased() {
        case "yes", "y", "true", "1": return true
        case "no", "n", "false", "0": return false
        default: throw FieldFailure(.badYesNo, expected: yesNoExpected)
        }
    }

    static func format(_ value: Bool) -> String { value ? "yes" : "no" }

    // MARK: Choices and lists

    static let intensityExpected =
        "one of " + ExerciseIntensity.allCases.map(\.rawValue).joined(separator: ", ")

    static func intensity(_ text: String) throws(FieldFailure) -> ExerciseIntensity {
        guard let value = ExerciseIntensity(rawValue: text.lowercased()) else {
            throw FieldFailure(.unknownExerciseIntensity, expected: intensityExpected)
        }
        return value
    }

    static let sensationsExpected =
        "sensations from " + Sensation.allCases.map(\.rawValue).joined(separator: ", ") + ", separated by ';'"

    /// Sensations separated by `;` (`,` also accepted), any case; `shock-like` and `shock like` mean `shock_like`.
    static func sensations(_ text: String) throws(FieldFailure) -> Set<Sensation> {
        var result: Set<Sensation> = []
        for part in text.split(whereSeparator: { $0 == ";" || $0 == "," }) {
            let item = part.trimmingCharacters(in: .whitespacesAndNewlines)
            if item.isEmpty { continue }
            let key = item.lowercased().replacingOccurrences(of: "-", with: "_")
                .split(whereSeparator: \.isWhitespace).joined(separator: "_")
            guard let sensation = Sensation(rawValue: key) else {
                throw FieldFailure(.unknownSensation, expected: sensationsExpected, found: item)
            }
            result.insert(sensation)
        }
        return result
    }

    /// In catalogue order, `; ` between.
    static func format(_ sensations: Set<Sensation>) -> String {
        Sensation.allCases.filter(sensations.contains).map(\.rawValue).joined(separator: "; ")
    }

    // MARK: Medications

    static let medicationForm = "'name [dose unit] [HH:MM]', e.g. 'ropinirole 0.25 mg 21:00'"

    /// Milligrams per unit; keys lowercased.
    static let doseUnits: [String: Double] = ["mg": 1, "mcg": 0.001, "ug": 0.001, "µg": 0.001, "μg": 0.001, "g": 1000]
    static let unitNames = "mg, mcg, µg, ug or g"
    static let maximumDoseMg = 100_000.0

    /// Medications separated by `;`. Each is `name [dose unit] [HH:MM]`: the name starts with a letter and may
    /// have several words; the dose is a number and a unit (`0.25 mg` or `0.25mg`); an `at` before the time is
    /// allowed.
    static func medications(_ text: String) throws(FieldFailure) -> [Medication] {
        var result: [Medication] = []
        for part in text.split(separator: ";") {
            let item = part.trimmingCharacters(in: .whitespacesAndNewlines)
            if item.isEmpty { continue }
            result.append(try medication(item))
        }
        return result
    }

    static func medication(_ item: String) throws(FieldFailure) -> Medication {
        var tokens = item.split(whereSeparator: \.isWhitespace).map(String.init)
        if let at = tokens.firstIndex(where: { $0.lowercased() == "at" }), at > 0, at + 1 < tokens.count,
            tokens[at + 1].contains(":")
        {
            tokens.remove(at: at)
        }
        let isUnit = { (token: String) in doseUnits[token.lowercased()] != nil }
        guard let first = tokens.first, first.first?.isLetter == true, !isUnit(first), !first.contains(":") else {
            throw FieldFailure(.medicationMissingName, expected: "a medication name first: \(medicationForm)", found: item)
        }
        var index = 1
        while index < tokens.count, let c = tokens[index].first,
            !(c.isNumber || c == "." || c == "-" || c == "+"), !tokens[index].contains(":")
        {
            if isUnit(tokens[index]) {
                throw FieldFailure(.medicationBadDose, expected: "a dose number before the unit: \(medicationForm)", found: item)
            }
            index += 1
        }
        let name = tokens[0..<index].joined(separator: " ").lowercased()
        let rest = tokens[index...]
        let timeTokens = rest.filter { $0.contains(":") }
        let doseTokens = rest.filter { !$0.contains(":") }
        var time: ClockTime?
        if let timeText = timeTokens.first {
            guard timeTokens.count == 1, let parsed = ClockTime(timeText) else {
                throw FieldFailure(.medicationBadTime, expected: "one time \(clockExpected) in \(medicationForm)", found: timeText)
            }
            time = parsed
        }
        var dose: Double?
        if !doseTokens.isEmpty {
            let numberText: String
            let unitText: String
            switch doseTokens.count {
            case 1:
                let token = doseTokens[doseTokens.startIndex]
                let split = token.firstIndex { !($0.isNumber || $0 == "." || $0 == "-" || $0 == "+") } ?? token.endIndex
                numberText = String(token[..<split])
                unitText = String(token[split...])
            case 2:
                numberText = doseTokens[doseTokens.startIndex]
                unitText = doseTokens[doseTokens.startIndex + 1]
            default:
                throw FieldFailure(.medicationBadDose, expected: "one dose with its unit: \(medicationForm)", found: item)
            }
            let doseExpected = "a dose above 0 and at most 100 g, written as a number and a unit (\(unitNames))"
            guard let amount = number(numberText) else {
                throw FieldFailure(.medicationBadDose, expected: doseExpected, found: numberText)
            }
            guard !unitText.isEmpty else {
                throw FieldFailure(
                    .medicationUnknownUnit, expected: "a unit after the dose: \(unitNames)", found: doseTokens.joined(separator: " "))
            }
            guard let perUnit = doseUnits[unitText.lowercased()] else {
                throw FieldFailure(.medicationUnknownUnit, expected: "a dose unit: \(unitNames)", found: unitText)
            }
            let mg = amount * perUnit
            guard mg > 0, mg <= maximumDoseMg else {
                throw FieldFailure(.medicationBadDose, expected: doseExpected, found: doseTokens.joined(separator: " "))
            }
            dose = mg
        }
        return Medication(name: name, doseMg: dose, time: time)
    }

    /// `name [dose mg] [HH:MM]`, `; ` between, in the order given.
    static func format(_ medications: [Medication]) -> String {
        medications.map { medication in
            var parts = [medication.name]
            if let dose = medication.doseMg { parts.append("\(format(dose)) mg") }
            if let time = medication.time { parts.append(time.description) }
            return parts.joined(separator: " ")
        }.joined(separator: "; ")
    }
}
