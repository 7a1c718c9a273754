import EDFFormat
import Foundation
import PLMVocabulary

/// The plausible bounds every recording reader holds a file to (docs/recording-format.md, "Limits"). A value
/// beyond them is never trusted as a size, a length of time or a sample: it ends the recording with a finding,
/// is excluded as missing, or is an error naming the place in the file.
public enum RecordingLimits {
    /// Longest recording read, seconds (48 h): a night is at most about 14 h in bed; two nights and a day is
    /// beyond any single recording a leg sensor or a sleep lab makes. Data placed later than this after the
    /// recording start ends the recording there (a finding with its byte offset or line).
    public static let maxDuration: Double = 48 * 3600
    /// Longest gap without data inside a recording, seconds (12 h): a sensor unplugged for the rest of the night
    /// is under 12 h; a longer silence means the rest belongs to another night (or is a broken time stamp), so it
    /// ends the recording with a finding rather than filling the time with missing samples.
    public static let maxGap: Double = 12 * 3600
    /// Lowest sample rate read, Hz: the sensors' lowest rate (25 Hz, docs/protocol.md); the detector's 10 Hz
    /// low-pass (docs/detector.md) needs a rate above 20 Hz.
    public static let minSampleRate: Double = 25
    /// Highest sample rate read, Hz: 4096 Hz, twice the fastest accelerometer channel of polysomnography files
    /// seen (2048 Hz); leg movements have no content above about 10 Hz.
    public static let maxSampleRate: Double = 4096
    /// Largest acceleration believed in a file without a declared range (CSV), g: 50 g, three times the widest
    /// range of body-worn accelerometers (±16 g); larger values are not movements of a leg.
    public static let maxAccelerationG: Double = 50

    /// Nil when `rate` is a usable sample rate, else what is wrong with it.
    public static func sampleRateProblem(_ rate: Double) -> String? {
        guard rate.isFinite, rate >= minSampleRate, rate <= maxSampleRate else {
            return "sample rate \(rate.isFinite ? String(format: "%.6g", rate) : "\(rate)") Hz is outside "
                + "\(Int(minSampleRate))–\(Int(maxSampleRate)) Hz (docs/recording-format.md, \"Limits\")"
        }
        return nil
    }
}

extension RegularFile {
    /// Throws a `InputError` naming `url` unless it is a regular file.
    public static func check(_ url: URL) throws {
        if let p = problem(url.path) { throw InputError(file: url.path, message: p) }
    }
}

/// What a reader found wrong with a file while reading it, beyond what stops it: reported with the night's data
/// quality once the source has been read to its end (plm-replay, plmd).
public protocol ReadingFindings {
    /// Findings in file order, each naming its byte offset or line.
    var readingFindings: [String] { get }
    /// Samples excluded (read as missing) because they were not finite or lay beyond the file's declared range.
    var samplesExcluded: Int { get }
}
