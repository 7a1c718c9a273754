import CSVFormat
import EDFFormat
import Foundation
import LegMovementScoring
import PLMVocabulary

/// The events read from one file, ready for scoring, with what was not understood.
public struct ImportedEvents: Sendable {
    public var input: ScoringInput
    /// "events-table" or "edf+".
    public var format: String
    /// Labels that mean nothing to scoring, with how often each occurred.
    public var unknownLabels: [String: Int]
    /// Known labels that scoring does not use (e.g. another scorer's PLM marks), with counts.
    public var ignoredLabels: [String: Int]
    /// Notes about the input worth telling the user (e.g. several lights-off marks).
    public var warnings: [String]

    public var unknownLabelCount: Int { unknownLabels.values.reduce(0, +) }
}

/// Reads events tables (BIDS TSV/CSV with `onset duration trial_type`) and EDF+ annotations.
public enum EventFileReader {
    /// Columns accepted as the label column, in order of preference.
    public static let labelColumns = ["trial_type", "description", "label", "annotation", "event"]

    /// Reads a file, choosing the format by content: EDF/EDF+ when it starts like one, else a table.
    /// - Parameter defaultEpoch: seconds given to a stage annotation without a duration.
    public static func read(_ url: URL, defaultEpoch: Double = 30) throws -> ImportedEvents {
        let name = url.path
        if let problem = RegularFile.problem(name) { throw InputError(file: name, message: problem) }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw InputError(file: name, message: "cannot read the file (\(error.localizedDescription))")
        }
        if data.count >= 8, data.prefix(8) == Data("0       ".utf8) {
            return try readEDF([UInt8](data), path: name, defaultEpoch: defaultEpoch)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError(file: name, message: "expected UTF-8 text or an EDF+ file")
        }
        let lower = url.pathExtension.lowercased()
        let delimiter: UnicodeScalar
        if lower == "tsv" {
            delimiter = "\t"
        } else if lower == "csv" {
            delimiter = ","
        } else {
            let firstLine = text.prefix { $0 != "\n" && $0 != "\r\n" }
            delimiter = firstLine.contains("\t") ? "\t" : ","
        }
        return try readTable(text, path: name, delimiter: delimiter, defaultEpoch: defaultEpoch)
    }

    /// Reads an events table from text.
    public static func readTable(
        _ text: String, path: String, delimiter: UnicodeScalar, defaultEpoch: Double = 30
    ) throws -> ImportedEvents {
        var body = text
        if body.hasPrefix("\u{FEFF}") { body.removeFirst() }
        let layout = "expected a header with columns onset, duration and trial_type (or description/label)"
        if body.allSatisfy(\.isWhitespace) {
            throw InputError(file: path, location: .line(1), message: "unknown column layout: \(layout); the file is empty")
        }
        guard delimiter.isASCII else {
            throw InputError(file: path, message: "expected a one-byte delimiter, found '\(delimiter)'")
        }
        var reader = CSVReader(bytes: Array(body.utf8), file: path, delimiter: UInt8(delimiter.value))
        _ = try reader.next()
        if let p = reader.problems.first {
            throw InputError(file: path, location: .line(p.line), message: "expected \(p.expected), found '\(p.text)'")
        }
        let header = reader.fields.map { $0.lowercased() }
        let found = header.joined(separator: ", ")
        guard let onsetColumn = header.firstIndex(of: "onset"),
            let durationColumn = header.firstIndex(of: "duration"),
            let labelColumn = labelColumns.lazy.compactMap({ header.firstIndex(of: $0) }).first
        else {
            throw InputError(
                file: path, location: .line(1),
                message: "unknown column layout: \(layout); found \(found.isEmpty ? "no header" : found)")
        }
        var builder = InputBuilder(path: path, defaultEpoch: defaultEpoch)
        while try reader.next() {
            if let p = reader.problems.first {
                throw InputError(file: path, location: .line(p.line), message: "expected \(p.expected), found '\(p.text)'")
            }
            let row = reader.fields
            if row.allSatisfy({ $0.isEmpty }) { continue }
            let at = InputError.Location.line(reader.line)
            guard row.count == header.count else {
                throw InputError(
                    file: path, location: at,
                    message: "expected \(header.count) fields (\(found)), found \(row.count)")
            }
            let onset = try builder.seconds(row[onsetColumn], column: "onset", at: at)
            let durationText = row[durationColumn]
            let duration: Double?
            if durationText.isEmpty || durationText.lowercased() == "n/a" {
                duration = nil
            } else {
                duration = try builder.seconds(durationText, column: "duration", at: at)
            }
            try builder.add(label: row[labelColumn], onset: onset, duration: duration, at: at)
        }
        return builder.finish(format: "events-table", recordingDuration: nil)
    }

    static func readEDF(_ bytes: [UInt8], path: String, defaultEpoch: Double) throws -> ImportedEvents {
        let edf: EDFFile
        let annotations: [EDFAnnotation]
        do {
            edf = try EDFFile(bytes: bytes, path: path)
            guard edf.signals.contains(where: \.isAnnotations) else {
                throw InputError(
                    file: path,
                    message: "expected an EDF+ file with an 'EDF Annotations' signal; this file has none")
            }
            annotations = try edf.annotations()
        } catch let e as EDFError {
            throw InputError(file: e.file, location: .byte(e.offset), message: e.message)
        }
        var builder = InputBuilder(path: path, defaultEpoch: defaultEpoch)
        for a in annotations {
            let at = InputError.Location.byte(a.byteOffset)
            guard a.onset >= 0 else {
                throw InputError(
                    file: path, location: at, message: "expected an onset at or after the start, found \(a.onset)")
            }
            try builder.add(label: a.text, onset: a.onset, duration: a.duration, at: at)
        }
        return builder.finish(format: "edf+", recordingDuration: Seconds.microseconds(edf.duration))
    }
}

/// Collects classified events into a `ScoringInput`.
struct InputBuilder {
    let path: String
    let defaultEpoch: Double
    var input = ScoringInput()
    var unknown: [String: Int] = [:]
    var ignored: [String: Int] = [:]
    var warnings: [String] = []
    var lightsOff: [Microseconds] = []
    var lightsOn: [Microseconds] = []

    init(path: String, defaultEpoch: Double) {
        self.path = path
        self.defaultEpoch = defaultEpoch
    }

    func seconds(_ text: String, column: String, at: InputError.Location) throws -> Double {
        guard let v = PlainDecimal.parse(text), abs(v) <= Seconds.limit else {
            throw InputError(
                file: path, location: at, message: "expected a number of seconds in column '\(column)', found '\(text)'")
        }
        guard v >= 0 else {
            throw InputError(
                file: path, location: at,
                message: "expected a non-negative number of seconds in column '\(column)', found '\(text)'")
        }
        return v
    }

    func us(_ seconds: Double, at: InputError.Location) throws -> Microseconds {
        guard let v = Seconds.microseconds(seconds) else {
            throw InputError(file: path, location: at, message: "time \(seconds) s is out of range")
        }
        return v
    }

    /// Latest end of an event, seconds from the start: 48 h, the longest recording the readers accept
    /// (docs/recording-format.md, section 5). An event table reaching further is not one night's: its onsets or
    /// durations are broken, and an index over such a span would be near zero without a word.
    static let maxEventEnd: Double = 48 * 3600

    mutating func add(label: String, onset: Double, duration: Double?, at: InputError.Location) throws {
        guard onset + (duration ?? 0) <= InputBuilder.maxEventEnd else {
            throw InputError(
                file: path, location: at,
                message: "an event ('\(label)') from \(onset) s" + (duration.map { " lasting \($0) s" } ?? "")
                    + " ends more than 48 h after the start; expected one night's events")
        }
        let kind = LabelCatalog.classify(label)
        let t = try us(onset, at: at)
        switch kind {
        case .legMovement(let leg):
            guard let duration else {
                throw InputError(
                    file: path, location: at, message: "a leg movement ('\(label)') needs a duration in seconds, found n/a")
            }
            input.legMovements.append(LegMovementEvent(onset: t, duration: try us(duration, at: at), leg: leg))
        case .stage(let stage):
            let d = duration.flatMap { $0 > 0 ? $0 : nil } ?? defaultEpoch
            input.stages.append(StageInterval(onset: t, duration: try us(d, at: at), stage: stage))
        case .arousal:
            input.arousals.append(IntervalEvent(onset: t, duration: try us(duration ?? 0, at: at)))
        case .respiratory:
            input.respiratoryEvents.append(IntervalEvent(onset: t, duration: try us(duration ?? 0, at: at)))
        case .lightsOff:
            lightsOff.append(t)
        case .lightsOn:
            lightsOn.append(t)
        case .inBed:
            guard let duration, duration > 0 else {
                throw InputError(
                    file: path, location: at, message: "an in_bed interval needs a positive duration in seconds")
            }
            input.inBedIntervals.append(IntervalEvent(onset: t, duration: try us(duration, at: at)))
        case .ignored:
            ignored[label, default: 0] += 1
        case .unknown:
            unknown[label, default: 0] += 1
        }
    }

    func finish(format: String, recordingDuration: Microseconds?) -> ImportedEvents {
        var input = self.input
        var warnings = self.warnings
        input.recordingDuration = recordingDuration
        input.lightsOff = lightsOff.min()
        input.lightsOn = lightsOn.max()
        if lightsOff.count > 1 { warnings.append("\(lightsOff.count) lights-off marks: the earliest is used") }
        if lightsOn.count > 1 { warnings.append("\(lightsOn.count) lights-on marks: the latest is used") }
        if let off = input.lightsOff, let on = input.lightsOn, on <= off {
            warnings.append("lights on is not after lights off: nothing between them is scored")
        }
        return ImportedEvents(
            input: input, format: format, unknownLabels: unknown, ignoredLabels: ignored, warnings: warnings)
    }
}
