import Foundation
import NightAnalysis

/// `plm-replay --in-bed START-END`: the time in bed given by hand, for a night whose time in bed the legs' posture
/// does not show (no time in bed found, or too little), or to score a known lights-off to lights-on.
///
/// `START-END` is either two clock times `HH:MM[:SS]`, local time at the recording (past midnight is the next day:
/// `23:10-06:45`), or two offsets in seconds from the recording's start (`1800-30600`).
public enum InBedOption: Sendable, Equatable {
    /// Seconds from the recording's start.
    case offsets(start: Double, end: Double)
    /// Seconds after local midnight.
    case clock(start: Int, end: Int)

    public static let help =
        "Time in bed, START-END: clock times HH:MM[:SS] at the recording (23:10-06:45) or seconds from its start "
        + "(1800-30600); replaces the time in bed found from the legs' posture."

    /// The longest a recording's time in bed can be, seconds (a day).
    static let day = 86_400.0

    public init(_ text: String) throws {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        func bad(_ why: String) -> InBedOptionError {
            InBedOptionError(description: "--in-bed '\(text)': \(why); expected START-END, clock times HH:MM[:SS] (23:10-06:45) or seconds from the recording's start (1800-30600)")
        }
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw bad("not two times joined by '-'") }
        if parts.allSatisfy({ $0.contains(":") }) {
            guard let a = Self.clockSeconds(parts[0]), let b = Self.clockSeconds(parts[1]) else {
                throw bad("a clock time must be HH:MM or HH:MM:SS with hours 0-23 and minutes, seconds 0-59")
            }
            guard a != b else { throw bad("start and end are the same time") }
            self = .clock(start: a, end: b)
        } else {
            guard let a = Self.seconds(parts[0]), let b = Self.seconds(parts[1]) else {
                throw bad("an offset must be a number of seconds, 0 or more")
            }
            guard b > a else { throw bad("the end must come after the start") }
            guard b - a <= Self.day else { throw bad("longer than a day") }
            self = .offsets(start: a, end: b)
        }
    }

    static func seconds(_ s: String) -> Double? {
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let v = Double(s), v.isFinite,
            v >= 0, v <= 1e9
        else { return nil }
        return v
    }

    static func clockSeconds(_ s: String) -> Int? {
        let p = s.split(separator: ":", omittingEmptySubsequences: false)
        guard p.count == 2 || p.count == 3, p.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let h = Int(p[0]), let m = Int(p[1]), h < 24, m < 60
        else { return nil }
        let sec = p.count == 3 ? Int(p[2]) ?? 60 : 0
        guard sec < 60 else { return nil }
        return h * 3600 + m * 60 + sec
    }

    /// The interval in seconds from the recording's start. `startClockSeconds`: the recording's start as seconds
    /// after local midnight, nil when the recording does not say when it started.
    public func resolve(startClockSeconds: Double?, file: String) throws -> NightAnalysis.InBedInterval {
        switch self {
        case .offsets(let a, let b):
            return .init(start: a, end: b)
        case .clock(let a, let b):
            guard let start = startClockSeconds else {
                throw InBedOptionError(
                    description: "\(file): the recording does not say when it started, so --in-bed cannot use clock "
                        + "times: give seconds from its start (e.g. 1800-30600)")
            }
            var from = (Double(a) - start).truncatingRemainder(dividingBy: Self.day)
            if from < 0 { from += Self.day }
            // A clock time up to 4 h before the recording's start means that evening, not the next one.
            if from > Self.day - 4 * 3600 { from -= Self.day }
            var length = Double(b - a).truncatingRemainder(dividingBy: Self.day)
            if length <= 0 { length += Self.day }
            return .init(start: max(0, from), end: from + length)
        }
    }
}

public struct InBedOptionError: Error, CustomStringConvertible, Sendable {
    public var description: String
}
