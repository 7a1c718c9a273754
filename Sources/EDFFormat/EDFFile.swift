import Foundation

/// A problem with an EDF/EDF+ file, naming the file, the byte offset and what was expected.
public struct EDFError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var offset: Int
    public var message: String

    public init(file: String, offset: Int, message: String) {
        self.file = file
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(file): byte \(offset): \(message)" }
}

/// One signal's header fields (EDF specification, Kemp 1992; EDF+, Kemp & Olivan 2003).
public struct EDFSignalHeader: Sendable, Equatable {
    public var label: String
    public var transducer: String
    public var physicalDimension: String
    public var physicalMinimum: Double
    public var physicalMaximum: Double
    public var digitalMinimum: Int
    public var digitalMaximum: Int
    public var prefiltering: String
    public var samplesPerRecord: Int

    public var isAnnotations: Bool { label == "EDF Annotations" }

    /// Physical units per digital step.
    public var gain: Double {
        Double(physicalMaximum - physicalMinimum) / Double(digitalMaximum - digitalMinimum)
    }
}

/// One annotation of a Time-stamped Annotation List.
public struct EDFAnnotation: Sendable, Equatable {
    /// Seconds from the file's start time.
    public var onset: Double
    /// Seconds, when given.
    public var duration: Double?
    public var text: String
    /// Byte offset of the TAL in the file, for error messages.
    public var byteOffset: Int

    public init(onset: Double, duration: Double?, text: String, byteOffset: Int = 0) {
        self.onset = onset
        self.duration = duration
        self.text = text
        self.byteOffset = byteOffset
    }
}

/// An EDF or EDF+ file read into memory.
public struct EDFFile: Sendable {
    public var path: String
    public var version: String
    public var patient: String
    public var recording: String
    public var startDate: String
    public var startTime: String
    /// `EDF+C`, `EDF+D`, or empty for plain EDF.
    public var reserved: String
    public var recordCount: Int
    public var recordDuration: Double
    public var signals: [EDFSignalHeader]
    let data: [UInt8]
    let headerBytes: Int

    public var isEDFPlus: Bool { reserved.hasPrefix("EDF+") }
    /// Seconds covered by the data records.
    public var duration: Double { Double(recordCount) * recordDuration }

    /// Reads and checks a file's header; the data records are read on demand.
    public init(contentsOf url: URL) throws {
        let name = url.path
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw EDFError(file: name, offset: 0, message: "cannot read the file (\(error.localizedDescription))")
        }
        try self.init(bytes: bytes, path: name)
    }

    public init(bytes: [UInt8], path: String) throws {
        self.path = path
        self.data = bytes
        var cursor = 0
        func field(_ width: Int, _ what: String) throws -> String {
            guard cursor + width <= bytes.count else {
                throw EDFError(
                    file: path, offset: cursor,
                    message: "file ends inside the header: expected \(width) bytes of \(what)")
            }
            let slice = bytes[cursor..<(cursor + width)]
            guard slice.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
                throw EDFError(file: path, offset: cursor, message: "expected printable ASCII in \(what)")
            }
            cursor += width
            return String(decoding: slice, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        }
        func number(_ width: Int, _ what: String) throws -> Double {
            let at = cursor
            let text = try field(width, what)
            guard let v = Double(text), v.isFinite else {
                throw EDFError(file: path, offset: at, message: "expected a number for \(what), found '\(text)'")
            }
            return v
        }
        func integer(_ width: Int, _ what: String) throws -> Int {
            let at = cursor
            let text = try field(width, what)
            guard let v = Int(text) else {
                throw EDFError(file: path, offset: at, message: "expected a whole number for \(what), found '\(text)'")
            }
            return v
        }

        version = try field(8, "the version")
        guard version == "0" else {
            throw EDFError(file: path, offset: 0, message: "expected an EDF file (version '0'), found '\(version)'")
        }
        patient = try field(80, "the patient identification")
        recording = try field(80, "the recording identification")
        startDate = try field(8, "the start date")
        startTime = try field(8, "the start time")
        let headerAt = cursor
        headerBytes = try integer(8, "the header size")
        reserved = try field(44, "the reserved field")
        let recordsAt = cursor
        var records = try integer(8, "the number of data records")
        let durationAt = cursor
        recordDuration = try number(8, "the data record duration")
        let countAt = cursor
        let ns = try integer(4, "the number of signals")
        guard ns >= 0, ns <= 4096 else {
            throw EDFError(file: path, offset: countAt, message: "expected 0 to 4096 signals, found \(ns)")
        }
        guard headerBytes == 256 * (ns + 1) else {
            throw EDFError(
                file: path, offset: headerAt,
                message: "header size \(headerBytes) does not match \(ns) signals (expected \(256 * (ns + 1)))")
        }
        guard recordDuration >= 0 else {
            throw EDFError(file: path, offset: durationAt, message: "expected a non-negative record duration")
        }
        func each<T>(_ read: () throws -> T) rethrows -> [T] { try (0..<ns).map { _ in try read() } }
        let labels = try each { try field(16, "a signal label") }
        let transducers = try each { try field(80, "a transducer type") }
        let dims = try each { try field(8, "a physical dimension") }
        let pmin = try each { try number(8, "a physical minimum") }
        let pmax = try each { try number(8, "a physical maximum") }
        let dmin = try each { try integer(8, "a digital minimum") }
        let dmax = try each { try integer(8, "a digital maximum") }
        let filters = try each { try field(80, "a prefiltering field") }
        let samplesAt = cursor
        let samples = try each { try integer(8, "a number of samples per record") }
        _ = try each { try field(32, "a signal's reserved field") }
        var signals: [EDFSignalHeader] = []
        for i in 0..<ns {
            guard samples[i] >= 0 else {
                throw EDFError(file: path, offset: samplesAt + 8 * i, message: "expected a non-negative sample count")
            }
            guard dmax[i] > dmin[i] || labels[i] == "EDF Annotations" else {
                throw EDFError(
                    file: path, offset: headerBytes - 256 * ns + 16 * ns,
                    message: "signal '\(labels[i])': digital maximum must exceed digital minimum")
            }
            signals.append(
                EDFSignalHeader(
                    label: labels[i], transducer: transducers[i], physicalDimension: dims[i],
                    physicalMinimum: pmin[i], physicalMaximum: pmax[i], digitalMinimum: dmin[i],
                    digitalMaximum: dmax[i], prefiltering: filters[i], samplesPerRecord: samples[i]))
        }
        self.signals = signals
        let recordSize = 2 * signals.reduce(0) { $0 + $1.samplesPerRecord }
        let available = bytes.count - headerBytes
        if records == -1, recordSize > 0 {
            records = available / recordSize  // a recording still being written
        }
        guard records >= 0 else {
            throw EDFError(file: path, offset: recordsAt, message: "expected a non-negative number of data records")
        }
        if recordSize > 0, available < records * recordSize {
            throw EDFError(
                file: path, offset: bytes.count,
                message: "file is truncated: header promises \(records) data records of \(recordSize) bytes, "
                    + "only \(max(available, 0) / recordSize) are complete")
        }
        recordCount = records
    }

    var recordSize: Int { 2 * signals.reduce(0) { $0 + $1.samplesPerRecord } }

    func signalOffset(_ index: Int) -> Int {
        2 * signals[..<index].reduce(0) { $0 + $1.samplesPerRecord }
    }

    /// Digital samples of one signal, all records in order.
    public func digitalSamples(_ index: Int) -> [Int16] {
        let s = signals[index]
        var out: [Int16] = []
        out.reserveCapacity(s.samplesPerRecord * recordCount)
        let base = signalOffset(index)
        for r in 0..<recordCount {
            var p = headerBytes + r * recordSize + base
            for _ in 0..<s.samplesPerRecord {
                out.append(Int16(bitPattern: UInt16(data[p]) | UInt16(data[p + 1]) << 8))
                p += 2
            }
        }
        return out
    }

    /// Physical samples of one signal (digital mapped linearly from the digital to the physical range).
    public func physicalSamples(_ index: Int) -> [Double] {
        let s = signals[index]
        let g = s.gain
        return digitalSamples(index).map { s.physicalMinimum + (Double($0) - Double(s.digitalMinimum)) * g }
    }

    /// Every annotation of every `EDF Annotations` signal, time-keeping TALs left out, in file order.
    public func annotations() throws -> [EDFAnnotation] {
        var out: [EDFAnnotation] = []
        for (index, s) in signals.enumerated() where s.isAnnotations {
            let base = signalOffset(index)
            let size = 2 * s.samplesPerRecord
            for r in 0..<recordCount {
                let start = headerBytes + r * recordSize + base
                out += try TALParser.parse(data[start..<(start + size)], file: path)
            }
        }
        return out
    }
}

/// Parses the Time-stamped Annotation Lists of one data record's annotation bytes (EDF+ section 2.2).
/// `+onset[\u{15}duration]\u{14}text\u{14}[text\u{14}...]\0`, padded with zero bytes.
enum TALParser {
    static func parse(_ bytes: ArraySlice<UInt8>, file: String) throws -> [EDFAnnotation] {
        var out: [EDFAnnotation] = []
        var i = bytes.startIndex
        while i < bytes.endIndex {
            if bytes[i] == 0 {
                i += 1
                continue
            }
            let talStart = i
            guard let end = bytes[i...].firstIndex(of: 0) else {
                throw EDFError(file: file, offset: talStart, message: "annotation list is not terminated by a zero byte")
            }
            let tal = bytes[talStart..<end]
            guard let firstSep = tal.firstIndex(of: 0x14) else {
                throw EDFError(file: file, offset: talStart, message: "expected a 0x14 byte after the annotation onset")
            }
            let stamp = tal[talStart..<firstSep]
            let onsetText: String
            var durationText: String? = nil
            if let d = stamp.firstIndex(of: 0x15) {
                onsetText = String(decoding: stamp[stamp.startIndex..<d], as: UTF8.self)
                durationText = String(decoding: stamp[(d + 1)...], as: UTF8.self)
            } else {
                onsetText = String(decoding: stamp, as: UTF8.self)
            }
            guard let sign = onsetText.first, sign == "+" || sign == "-", let onset = Double(onsetText),
                onset.isFinite
            else {
                throw EDFError(
                    file: file, offset: talStart,
                    message: "expected an onset like +12.5 at the start of an annotation, found '\(onsetText)'")
            }
            var duration: Double? = nil
            if let durationText {
                guard let d = Double(durationText), d.isFinite, d >= 0 else {
                    throw EDFError(
                        file: file, offset: talStart,
                        message: "expected a non-negative duration after 0x15, found '\(durationText)'")
                }
                duration = d
            }
            let texts = tal[(firstSep + 1)...].split(separator: 0x14, omittingEmptySubsequences: false)
            // The record's first TAL keeps time and has no text; empty texts carry nothing.
            for t in texts where !t.isEmpty {
                out.append(
                    EDFAnnotation(
                        onset: onset, duration: duration, text: String(decoding: t, as: UTF8.self),
                        byteOffset: talStart))
            }
            i = end + 1
        }
        return out
    }
}
