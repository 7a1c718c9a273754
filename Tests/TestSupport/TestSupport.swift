import Foundation
import PLMVocabulary
import Testing

// What many test suites need and none should define again: seeded random numbers, temporary folders, and the
// tags that let the fast loop leave out slow and external tests (README.md, "Tests").

extension Tag {
    /// A test that takes seconds or more (whole simulated nights, validation sets, the USB emulator, processes).
    /// The fast loop skips the suites tagged so; `swift test` runs them.
    @Tag public static var slow: Self
    /// A test that needs something outside the package (a browser, a downloaded recording); it skips itself when
    /// that is not there.
    @Tag public static var external: Self
}

extension SplitMix64 {
    /// Uniform in (0, 1), never 0 or 1: the top 53 bits of `next()`, offset by half a step.
    public mutating func openUnit() -> Double {
        (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992
    }

    /// A standard normal deviate by Box–Muller (the cosine branch) from two `openUnit()` draws, in that order.
    public mutating func gaussian() -> Double {
        let radius = (-2 * log(openUnit())).squareRoot()
        return radius * cos(2 * .pi * openUnit())
    }
}

/// A new, empty folder under the system's temporary folder, named after the calling test (`name`) and unique;
/// remove it with `FileManager.default.removeItem(at:)` when done.
public func temporaryDirectory(_ name: String = #function, prefix: String = "plm-test") throws -> URL {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(safe)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
