import AccelerationSignal
import Foundation
import LegMovementScoring
import NightAnalysis
import PLMVocabulary
import RecordingFormats
import ScoreExport

/// One device per ankle: two recordings (any formats `RecordingFile` reads, e.g. a `.cwa` on the left and a
/// `.gt3x` on the right) scored as one two-leg night (`plm-replay --left A --right B`; docs/recording-format.md,
/// "One device per ankle").
///
/// Clocks: each file's first sample is placed by the start the file states — in UTC when both files state UTC
/// (a `.gt3x` `TimeZone`, a `.cwa` time zone, a GENEActiv `Time Zone`, a `.plmrec`, a CSV with time stamps), else
/// on the devices' local clocks when both state one (research devices keep local time; EDF's start date and time
/// is local). The earlier start is the origin; frames are placed on one grid at the higher of the two rates by
/// `MergedLegSource`. The offset between the starts and each file's drift (its time stamps against its stated
/// rate) go into summary.json's `data_quality.leg_files`.
public enum LegPair {
    /// How the two files were aligned.
    public struct Alignment: Sendable {
        public var clock: String
        public var left: (file: String, format: String, start: Int64, rate: Double)
        public var right: (file: String, format: String, start: Int64, rate: Double)
        public var origin: Int64 { min(left.start, right.start) }
        /// Right start − left start, s.
        public var offsetSeconds: Double { Double(right.start - left.start) / 1e6 }

        /// summary.json's `data_quality.leg_files` after the night was read (drift needs the whole file).
        func section(_ merged: MergedLegSource) -> DataQualitySection.LegFiles {
            func iso(_ us: Int64) -> String {
                let text = HostClock.iso8601(unixMicroseconds: us, offsetSeconds: 0)
                // A device's local clock has no zone: leave "+00:00" off.
                return clock == "utc" ? text : String(text.dropLast(6))
            }
            func file(
                _ f: (file: String, format: String, start: Int64, rate: Double), _ drift: Double?, _ offset: Double
            ) -> DataQualitySection.LegFiles.File {
                .init(
                    file: f.file, format: f.format, start: iso(f.start), sampleRateHz: f.rate, offsetSeconds: offset,
                    timeStampRateHz: drift.map { f.rate * (1 + $0 / 1e6) }, driftPPM: drift)
            }
            return .init(
                clock: clock, startOffsetSeconds: offsetSeconds, sampleRateHz: merged.description.sampleRate,
                left: file(left, merged.leftDriftPPM, merged.leftOffset),
                right: file(right, merged.rightDriftPPM, merged.rightOffset))
        }

        static func formatRate(_ r: Double) -> String {
            r == r.rounded() ? "\(Int(r)) Hz" : String(format: "%.3f Hz", r)
        }
    }

    /// Lines for the terminal: the two files, the offset between their starts, the grid and each file's drift.
    public static func line(_ s: DataQualitySection.LegFiles) -> String {
        func drift(_ f: DataQualitySection.LegFiles.File) -> String {
            f.driftPPM.map { String(format: ", time stamps %+.1f ppm from the stated rate", $0) } ?? ""
        }
        let later = s.startOffsetSeconds >= 0 ? "right" : "left"
        return "  legs: left \(s.left.file) (\(Alignment.formatRate(s.left.sampleRateHz))\(drift(s.left))), "
            + "right \(s.right.file) (\(Alignment.formatRate(s.right.sampleRateHz))\(drift(s.right)))\n"
            + "  clocks (\(s.clock == "utc" ? "UTC" : "the devices' own")): the \(later) file starts "
            + String(format: "%.6f", abs(s.startOffsetSeconds)) + " s later; scored on one grid at "
            + "\(Alignment.formatRate(s.sampleRateHz))\n"
    }

    /// The two files opened on their legs and merged onto one grid. Close the result with `close()`.
    public static func open(left: URL, right: URL) throws -> OpenedRecording {
        let l = try OpenedRecording.open(left, leg: .left)
        let r: OpenedRecording
        do { r = try OpenedRecording.open(right, leg: .right) } catch {
            l.close()
            throw error
        }
        do {
            let clock: String
            let ls: Int64, rs: Int64
            if let a = l.startUnixMicroseconds, let b = r.startUnixMicroseconds {
                (clock, ls, rs) = ("utc", a, b)
            } else if let a = l.localClockMicroseconds, let b = r.localClockMicroseconds {
                (clock, ls, rs) = ("device", a, b)
            } else {
                throw InputError(
                    file: (l.startUnixMicroseconds == nil && l.localClockMicroseconds == nil ? left : right).path,
                    message: "cannot align the two legs' files: "
                        + describe(l, left) + "; " + describe(r, right)
                        + "; both must state their start in UTC, or both on the devices' clocks")
            }
            let origin = min(ls, rs)
            // Files whose starts lie further apart than the longest gap read are not one night (or a clock is
            // wrong): refused, rather than filled with hours of missing frames.
            let apart = Double(abs(rs - ls)) / 1e6
            if apart > RecordingLimits.maxGap {
                throw InputError(
                    file: right.path,
                    message: String(format: "starts %.1f h ", apart / 3600)
                        + (rs > ls ? "after" : "before") + " \(left.lastPathComponent) (compared on "
                        + (clock == "utc" ? "UTC" : "the devices' clocks")
                        + "); two files of one night start less than \(Int(RecordingLimits.maxGap / 3600)) h apart")
            }
            let merged = try MergedLegSource(
                left: l.source, leftPath: left.path, leftOffset: Double(ls - origin) / 1e6, right: r.source,
                rightPath: right.path, rightOffset: Double(rs - origin) / 1e6)
            var opened = OpenedRecording(
                source: merged, format: "\(l.format)+\(r.format)",
                startUnixMicroseconds: clock == "utc" ? origin : nil)
            opened.start = clock == "utc" ? .utc(origin) : .localClock(origin)
            opened.localClockMicroseconds = clock == "utc" ? nil : origin
            opened.sensors = l.sensors + r.sensors
            opened.pair = Alignment(
                clock: clock,
                left: (left.lastPathComponent, l.format, ls, l.source.description.sampleRate),
                right: (right.lastPathComponent, r.format, rs, r.source.description.sampleRate))
            opened.parts = [l, r]
            return opened
        } catch {
            l.close()
            r.close()
            throw error
        }
    }

    static func describe(_ o: OpenedRecording, _ url: URL) -> String {
        if o.startUnixMicroseconds != nil { return "\(url.lastPathComponent) states its start in UTC" }
        if o.localClockMicroseconds != nil { return "\(url.lastPathComponent) only on its local clock" }
        return "\(url.lastPathComponent) does not say when it started"
    }

    /// The output name of a pair: the common part of the two file names without `_left`/`_right` and extensions
    /// (`p01_night1_left.cwa` + `p01_night1_right.gt3x` → `p01_night1`), else `LEFT+RIGHT`.
    public static func outputName(left: URL, right: URL) -> String {
        let a = NightPipeline.outputName(left), b = NightPipeline.outputName(right)
        for (l, r) in [("_left", "_right"), ("-left", "-right"), (".left", ".right"), ("_l", "_r"), ("_L", "_R")]
        where a.hasSuffix(l) && b.hasSuffix(r) && a.dropLast(l.count) == b.dropLast(r.count) {
            return String(a.dropLast(l.count))
        }
        return "\(a)+\(b)"
    }
}

extension NightPipeline {
    /// Reads and scores two files, one per leg, as one night (`LegPair`).
    public static func analyse(
        left: URL, right: URL, options: NightAnalysis.Options, inBed: InBedOption? = nil, zone: TimeZone = .current,
        progress: ((Int64, Int64?) -> Void)? = nil
    ) throws -> ReplayedNight {
        let opened = try LegPair.open(left: left, right: right)
        defer { opened.close() }
        return try analyse(
            opened, fileName: "\(left.lastPathComponent) + \(right.lastPathComponent)",
            name: LegPair.outputName(left: left, right: right), options: options, inBed: inBed, zone: zone,
            progress: progress)
    }
}
