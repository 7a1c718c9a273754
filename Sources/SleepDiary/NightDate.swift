import CivilCalendar

/// A night, labelled by the date of its evening: the night from Monday evening to Tuesday morning is Monday's.
///
/// Written strictly as `YYYY-MM-DD` (a valid Gregorian date in the years 1900-2200). Calendar arithmetic is done
/// with integer day numbers (days since 1970-01-01), so it does not depend on Foundation's `Calendar`, the locale or
/// the time zone database. Encoded with `Codable` as its `YYYY-MM-DD` string.
public struct NightDate: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The year of the evening (1900-2200 when parsed from text).
    public let year: Int
    /// The month of the evening, 1-12.
    public let month: Int
    /// The day of the month of the evening, 1-31.
    public let day: Int

    /// The years a diary date may have when it is read from text.
    public static let allowedYears: ClosedRange<Int> = 1900...2200

    /// Parses strict `YYYY-MM-DD` text (four-digit year, two-digit month and day, no surrounding spaces).
    /// Returns nil for any other form, for impossible dates such as 2026-02-30, and for years outside 1900-2200.
    public init?(_ text: String) {
        guard case .success(let date) = NightDate.parse(text) else { return nil }
        self = date
    }

    /// A date from its parts; nil unless it is a real Gregorian date in the years 1900-2200.
    public init?(year: Int, month: Int, day: Int) {
        guard NightDate.allowedYears.contains(year), (1...12).contains(month),
            (1...NightDate.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `dayNumber` days after 1970-01-01 (negative numbers are before it).
    ///
    /// Uses the proleptic Gregorian calendar (H. Hinnant's `civil_from_days`); the result is not limited to the
    /// years 1900-2200.
    public init(dayNumber: Int) {
        (year, month, day) = CivilCalendar.date(dayNumber: dayNumber)
    }

    /// The night a moment belongs to.
    ///
    /// The local time is `unixMicroseconds` (since 1970-01-01T00:00:00Z) plus `utcOffsetSeconds`. A moment before
    /// `cutoffHour` o'clock local time (0-23; values outside are clamped) still belongs to the previous evening's
    /// night: with a cutoff of 12, 02:30 on Tuesday belongs to Monday's night and 12:00 on Tuesday to Tuesday's.
    public init(unixMicroseconds: Int64, utcOffsetSeconds: Int, cutoffHour: Int) {
        let seconds = NightDate.floorDivide(unixMicroseconds, 1_000_000) + Int64(utcOffsetSeconds)
        let days = NightDate.floorDivide(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let cutoff = Int64(min(max(cutoffHour, 0), 23)) * 3600
        self.init(dayNumber: Int(days) - (secondOfDay < cutoff ? 1 : 0))
    }

    /// Days since 1970-01-01 (H. Hinnant's `days_from_civil`).
    public var dayNumber: Int { CivilCalendar.dayNumber(year: year, month: month, day: day) }

    /// The date `days` later (or earlier, when negative).
    public func adding(days: Int) -> NightDate {
        NightDate(dayNumber: dayNumber + days)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        let yearText = year < 0 ? "-" + NightDate.pad(-year, 4) : NightDate.pad(year, 4)
        return "\(yearText)-\(NightDate.pad(month, 2))-\(NightDate.pad(day, 2))"
    }

    public static func < (lhs: NightDate, rhs: NightDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Decodes the `YYYY-MM-DD` string form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = NightDate(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected a date YYYY-MM-DD (1900-2200), found '\(text)'")
        }
        self = date
    }

    /// Encodes the `YYYY-MM-DD` string form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    // MARK: - Internals

    /// Parses with a reason for failure: bad form, impossible date, or year out of range.
    static func parse(_ text: String) -> Result<NightDate, FieldFailure> {
        let bytes = Array(text.utf8)
        let isDigit = { (b: UInt8) in b >= 0x30 && b <= 0x39 }
        guard bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D,
            bytes.enumerated().allSatisfy({ $0.offset == 4 || $0.offset == 7 || isDigit($0.element) })
        else {
            return .failure(FieldFailure(.badDate, expected: "a date YYYY-MM-DD, e.g. 2026-03-14"))
        }
        let number = { (range: Range<Int>) in bytes[range].reduce(0) { $0 * 10 + Int($1 - 0x30) } }
        let year = number(0..<4)
        let month = number(5..<7)
        let day = number(8..<10)
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else {
            return .failure(FieldFailure(.impossibleDate, expected: "a real calendar date YYYY-MM-DD"))
        }
        guard let date = NightDate(year: year, month: month, day: day) else {
            return .failure(FieldFailure(.outOfRange, expected: "a date in the years 1900-2200"))
        }
        return .success(date)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
