import AccelerationSignal
import EDFFormat
import Foundation
import LegMovementScoring
import PLMVocabulary
import RecordingFormats

/// `plm convert IN --out OUT`: any recording `OpenedRecording` reads (`.plmrec`, `.edf`, `.csv`, `.gt3x`, `.cwa`,
/// `.bin`, each optionally `.gz`), or two legs' files (`LegPair`), written as `.edf`, `.csv` or `.plmrec` by OUT's
/// extension (docs/recording-format.md, "Converting"). The frames written are the frames a replay of IN reads,
/// so replaying OUT scores the same movements; what each format cannot keep is listed in the report's notes.
public enum RecordingConversion {
    /// Extensions that can be written.
    public static let outputExtensions = ["edf", "csv", "plmrec"]

    /// What a conversion wrote.
    public struct Report: Sendable {
        public var input: String
        public var inputFormat: String
        public var output: String
        public var outputFormat: String
        public var frames: Int64
        public var sampleRate: Double
        public var legs: [Leg]
        /// Stretches of a leg without samples, kept as missing.
        public var gaps: Int
        /// What the output cannot keep, and how samples were stored.
        public var notes: [String]
        /// What the reader found in the input (damaged blocks, gaps with their byte offsets).
        public var readingFindings: [String]

        /// Lines for the terminal.
        public var text: String {
            let seconds = Double(frames) / sampleRate
            var out = "wrote \(output) (\(outputFormat)) from \(input) (\(inputFormat)): \(frames) frames, "
                + "\(String(format: "%.1f", seconds / 3600)) h at \(sampleRate == sampleRate.rounded() ? "\(Int(sampleRate))" : "\(sampleRate)") Hz, "
                + "legs \(legs.map(\.name).joined(separator: " and ")), \(gaps) gap\(gaps == 1 ? "" : "s")\n"
            for n in notes { out += "  note: \(n)\n" }
            for f in readingFindings.prefix(20) { out += "  reading: \(f)\n" }
            if readingFindings.count > 20 { out += "  reading: \(readingFindings.count - 20) more findings\n" }
            return out
        }
    }

    /// Converts one recording.
    public static func convert(_ input: URL, to output: URL) throws -> Report {
        try convert(name: input.lastPathComponent, inputs: [input], to: output) { try OpenedRecording.open(input) }
    }

    /// Converts two legs' files (`LegPair`) into one two-leg recording.
    public static func convert(left: URL, right: URL, to output: URL) throws -> Report {
        try convert(
            name: "\(left.lastPathComponent) + \(right.lastPathComponent)", inputs: [left, right], to: output
        ) { try LegPair.open(left: left, right: right) }
    }

    static func convert(name: String, inputs: [URL], to output: URL, open: () throws -> OpenedRecording) throws -> Report {
        let ext = output.pathExtension.lowercased()
        guard outputExtensions.contains(ext) else {
            throw InputError(
                file: output.path, message: "expected an output file ending in .edf, .csv or .plmrec (the format is chosen by the extension)")
        }
        let target = output.standardizedFileURL.resolvingSymlinksInPath().path
        for i in inputs where i.standardizedFileURL.resolvingSymlinksInPath().path == target {
            throw InputError(file: output.path, message: "the output would overwrite the input; choose another file name")
        }
        var isDir: ObjCBool = false
        let folder = output.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw InputError(file: output.path, message: "the folder \(folder.path) does not exist")
        }
        // EDF needs each gap before its first frame is written (its annotation goes into the record holding its
        // onset), so an EDF conversion reads the input twice: once for the gaps and the samples' grid, once to write.
        var scan: LegGap.Scan?
        if ext == "edf" {
            let first = try open()
            defer { first.close() }
            var source = first.source
            scan = try LegGap.scan(&source)
        }
        let opened = try open()
        defer { opened.close() }
        let source = opened.source
        let d = source.description
        var notes: [String] = []
        var counter = CountingSource(source)
        let localStart = opened.localClockMicroseconds ?? opened.startUnixMicroseconds
        switch ext {
        case "edf":
            let start: EDFStartTime
            if let us = localStart {
                start = EDFExport.startTime(unixMicroseconds: us, offsetSeconds: 0)
                if us % 1_000_000 != 0 {
                    notes.append(
                        "EDF keeps the start time in whole seconds: \(String(format: "%.6f", Double(us % 1_000_000) / 1e6)) s of it dropped")
                }
                if opened.localClockMicroseconds == nil {
                    notes.append("EDF's start date and time are local time; the file states UTC only, written as UTC")
                }
            } else {
                start = EDFStartTime(year: 1985, month: 1, day: 1, hour: 0, minute: 0, second: 0)
                notes.append("the input does not say when it started: EDF start written as 01.01.85 00.00.00")
            }
            let s = scan ?? LegGap.Scan(gaps: [], frames: 0, gridStepG: nil)
            notes.append("missing samples written as 0 g with gap/left or gap/right annotations (\(s.gaps.count))")
            try EDFExport.writeRecording(
                &counter, gaps: s.gaps, resolution: s.gridStepG, to: output, start: start,
                recordingID: "X X plm-convert-\(opened.format.replacingOccurrences(of: " ", with: "_"))")
            if let storage = edfStorage(output) { notes.append(storage) }
        case "csv":
            try CSVExport.write(&counter, to: output, timeDecimals: 6, values: .exact, finalLineEnd: true)
            notes.append("CSV keeps no start time: the time column counts seconds from the first frame")
        default:
            let us: Int64
            if let utc = opened.startUnixMicroseconds {
                us = utc
            } else if let local = opened.localClockMicroseconds {
                us = local
                notes.append("the input states its start on the device's local clock only: written as if UTC")
            } else {
                us = 0
                notes.append("the input does not say when it started: .plmrec start written as 1970-01-01T00:00:00Z")
            }
            try PlmrecExport.write(&counter, to: output, startUnixMicroseconds: us)
            notes.append(
                "samples stored as counts of \(Int(PlmrecExport.sensorRange(d.rangeG))) g / 32768 "
                    + "(exact for samples on a power-of-two grid down to that step)")
        }
        var findings: [String] = []
        if let reading = counter.base as? any ReadingFindings { findings = reading.readingFindings }
        return Report(
            input: name, inputFormat: opened.format, output: output.path, outputFormat: ext, frames: counter.frames,
            sampleRate: d.sampleRate, legs: d.legs, gaps: scan?.gaps.count ?? counter.gaps, notes: notes,
            readingFindings: findings)
    }

    /// How the EDF signals store the samples (as `EDFExport.legSignals` chose).
    static func edfStorage(_ url: URL) -> String? {
        guard let header = try? EDFHeader.read(contentsOf: url), let s = header.signals.first else { return nil }
        let step = s.gain
        let exact = s.digitalMaximum != 32767
        return "samples stored as 16-bit steps of \(String(format: "%.9g", step)) g over ±\(EDFWriter.number(s.physicalMaximum)) g"
            + (exact ? " (the samples' own grid: stored exactly)" : " (within half a step)")
    }
}

/// A frame source that counts what passes through it (frames, and gaps as runs of a leg's missing frames).
struct CountingSource: FrameSource {
    var base: any FrameSource
    var frames: Int64 = 0
    var gaps = 0
    private var inGap: [Bool] = [false, false]
    private let legs: [(Int, Leg)]

    init(_ base: any FrameSource) {
        self.base = base
        legs = [Leg.left, .right].enumerated().filter { base.description.legs.contains($0.element) }.map { ($0.offset, $0.element) }
    }

    var description: SignalDescription { base.description }

    mutating func read(into buffer: inout [Float], maxFrames: Int) throws -> Int {
        let start = buffer.count
        let n = try base.read(into: &buffer, maxFrames: maxFrames)
        for i in 0..<n {
            for (k, leg) in legs {
                let missing = buffer[start + i * TwoLegFrame.channels + TwoLegFrame.offset(of: leg)].isNaN
                if missing && !inGap[k] { gaps += 1 }
                inGap[k] = missing
            }
        }
        frames += Int64(n)
        return n
    }
}
