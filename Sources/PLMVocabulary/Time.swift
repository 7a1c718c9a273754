/// Time as the scoring engine, the detector and the recording readers count it.
///
/// Times are whole microseconds from the recording start (`Microseconds`). Scoring arithmetic is integer so
/// that every rule boundary (a gap of exactly 0.5 s, an IMI of exactly 90 s) is decided exactly, and shifting
/// every event by the same constant cannot change any decision.
public typealias Microseconds = Int64

/// Conversions between seconds (how people, files and the standards speak) and `Microseconds`.
/// This is the one place where seconds become integer time.
public enum Seconds {
    /// The largest magnitude accepted: about 31 years, far beyond any recording.
    public static let limit: Double = 1e9

    /// Seconds to microseconds, rounded to the nearest microsecond; nil when not finite or beyond `limit`.
    public static func microseconds(_ seconds: Double) -> Microseconds? {
        guard seconds.isFinite, abs(seconds) <= limit else { return nil }
        return Microseconds((seconds * 1_000_000).rounded())
    }

    /// Microseconds to seconds.
    public static func from(_ microseconds: Microseconds) -> Double {
        Double(microseconds) / 1_000_000
    }
}
