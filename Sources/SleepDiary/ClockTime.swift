/// A clock time of day on the 24-hour clock, 00:00-23:59, without a date.
///
/// Read from `HH:MM` or `H:MM` (e.g. `7:05`, `23:30`); always written as `HH:MM`. Encoded with `Codable` as that
/// string. Times are ordered within one day (00:00 first), which is not bedtime order across midnight.
public struct ClockTime: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// Minutes after midnight, 0-1439.
    public let minutes: Int

    /// Parses `HH:MM` or `H:MM` (hours 0-23, minutes 00-59 with two digits). Returns nil for anything else,
    /// e.g. `25:00`, `7pm`, `7.30` or `24:00`.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        let isDigit = { (b: UInt8) in b >= 0x30 && b <= 0x39 }
        guard bytes.count == 4 || bytes.count == 5, bytes[bytes.count - 3] == 0x3A,
            bytes.enumerated().allSatisfy({ $0.offset == bytes.count - 3 || isDigit($0.element) })
        else { return nil }
        let value = { (slice: ArraySlice<UInt8>) in slice.reduce(0) { $0 * 10 + Int($1 - 0x30) } }
        let hours = value(bytes[0..<(bytes.count - 3)])
        let mins = value(bytes[(bytes.count - 2)...])
        guard hours < 24, mins < 60 else { return nil }
        self.minutes = hours * 60 + mins
    }

    /// A time from minutes after midnight; nil outside 0-1439.
    public init?(minutes: Int) {
        guard (0..<1440).contains(minutes) else { return nil }
        self.minutes = minutes
    }

    /// The hour, 0-23.
    public var hour: Int { minutes / 60 }
    /// The minute within the hour, 0-59.
    public var minute: Int { minutes % 60 }

    /// `HH:MM`.
    public var description: String {
        NightDate.pad(hour, 2) + ":" + NightDate.pad(minute, 2)
    }

    public static func < (lhs: ClockTime, rhs: ClockTime) -> Bool { lhs.minutes < rhs.minutes }

    /// Decodes the `HH:MM` string form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let time = ClockTime(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected a clock time HH:MM, found '\(text)'")
        }
        self = time
    }

    /// Encodes the `HH:MM` string form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
