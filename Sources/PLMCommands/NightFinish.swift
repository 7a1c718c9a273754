import Foundation
import LegMovementScoring
import NightAnalysis
import NightStore
import ScoreExport
import SleepDiary

/// A finished night's recording into the store and the nightly files: what `plm-replay RECORDING --out DIR
/// --store [--night DATE]` does for one recording, through the same functions (`Replay.analyse`,
/// `NightStoring.store`, the store's correlation section, `Replay.write`). The daemon runs this at the end of a
/// night on the recording it wrote, so its outputs are plm-replay's, byte for byte (docs/daemon.md).
public enum NightFinish {
    /// What was stored and written.
    public struct Outcome: Sendable {
        public var night: NightDate
        public var report: ScoreReport
        /// The terminal line plm-replay prints for the store (e.g. "stored as the night of ...").
        public var storeLine: String
        /// Leg movements the detector found in the recording (summary.json's `detector.lm_detected_count`).
        public var detectedLegMovements: Int
    }

    /// Reads and scores `recording`, stores the night in `store` (replacing a stored night of the same date) and
    /// writes lm_events.tsv/.json, summary.json, summary.csv and annotations.edf into `outputs`.
    /// - Parameters:
    ///   - night: the night's date YYYY-MM-DD; nil: from the recording's start and the store's settings.
    public static func run(
        recording: URL, outputs: URL, store: NightStore, options: NightAnalysis.Options, night: String? = nil
    ) throws -> Outcome {
        var replayed = try Replay.analyse(recording, options: options)
        let (date, line) = try NightStoring.store(
            replayed.night.report, recording: replayed.recording, start: replayed.start, night: night, into: store,
            intervals: NightStoring.intervals(replayed.night))
        let correlation = try CorrelationCommand.analyse(store, settings: .init())
        replayed.night.report.sections["correlation"] = CorrelationCommand.json(correlation, night: date)
        try Replay.write(replayed, to: outputs)
        return Outcome(
            night: date, report: replayed.night.report, storeLine: line,
            detectedLegMovements: replayed.night.detection.movements.count)
    }
}
