import Foundation

/// The files every scoring path writes: lm_events.tsv and its sidecar lm_events.json, summary.json, summary.csv.
public enum ScoreOutput {
    /// Writes the night's files as one set into `directory` (`AtomicFiles.writeFolder`).
    public static func write(_ report: ScoreReport, to directory: URL) throws {
        try AtomicFiles.writeFolder(directory) { staging in try writeFiles(report, into: staging) }
    }

    /// Writes the files into a new folder (each file created new, never through a link, and flushed).
    public static func writeFiles(_ report: ScoreReport, into staging: URL) throws {
        for (name, contents) in [
            ("lm_events.tsv", report.eventsTSV()),
            ("lm_events.json", report.eventsSidecar().rendered()),
            ("summary.json", report.summaryJSON().rendered()),
            ("summary.csv", report.summaryCSV()),
        ] {
            try AtomicFiles.writeNew(staging.appendingPathComponent(name), Data(contents.utf8))
        }
    }
}
