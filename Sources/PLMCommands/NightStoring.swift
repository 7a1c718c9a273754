import ArgumentParser
import Foundation
import NightStore
import SleepDiary

/// `--data-dir`: where the store lives (default `$PLM_DATA_DIR`, else `$XDG_DATA_HOME/plm`, else
/// `~/.local/share/plm`).
public struct StoreLocation: ParsableArguments {
    @Option(help: "Data folder holding the store plm.sqlite (default $PLM_DATA_DIR or ~/.local/share/plm).")
    public var dataDir: String?

    public init() {}

    public var url: URL { NightStore.defaultURL(dataDir: dataDir) }

    /// Opens the store to write to it (created if needed, brought up to date).
    public func open() throws -> NightStore {
        do { return try NightStore(url: url) } catch let e as StoreError { throw ValidationError(e.description) }
    }

    /// Opens the store only to read it: a store the user cannot write (or on a read-only file system) is read
    /// read-only.
    public func openForReading() throws -> NightStore {
        do { return try NightStore(url: url, access: .read) } catch let e as StoreError {
            throw ValidationError(e.description)
        }
    }
}

/// `--store`, `--night`: what `plm-replay` and `plm score` need to put a night into the store.
public struct StoreNightOptions: ParsableArguments {
    @Flag(help: "Also store the night in the store (replacing a stored night of the same date).")
    public var store = false

    @Option(help: "The night's date, YYYY-MM-DD (the date of its evening); default from the recording's start.")
    public var night: String?

    @OptionGroup public var location: StoreLocation

    public init() {}

    public func validate() throws {
        if let night { _ = try NightStoring.date(night, option: "--night") }
        if night != nil && !store { throw ValidationError("--night is only used with --store") }
    }
}

/// Night dates given on the command line.
enum NightStoring {
    /// A night given on the command line, YYYY-MM-DD.
    static func date(_ text: String, option: String) throws -> NightDate {
        guard let d = NightDate(text) else {
            throw ValidationError("\(option): expected a date YYYY-MM-DD, found '\(text)'")
        }
        return d
    }
}
