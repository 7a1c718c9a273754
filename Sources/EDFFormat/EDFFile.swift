import PLMVocabulary
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

    public init(
        label: String, transducer: String = "", physicalDimension: String, physicalMinimum: Double,
        physicalMaximum: Double, digitalMinimum: Int = -32768, digitalMaximum: Int = 32767,
        prefiltering: String = "", samplesPerRecord: Int
    ) {
        self.label = label
        self.transducer = transducer
        self.physicalDimension = physicalDimension
        self.physicalMinimum = physicalMinimum
        self.physicalMaximum = physicalMaximum
        self.digitalMinimum = digitalMinimum
        self.digitalMaximum = digitalMaximum
        self.prefiltering = prefiltering
        self.samplesPerRecord = samplesPerRecord
    }

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
    /// The header fields of this file.
    public let header: EDFHeader
    let data: [UInt8]

    public var path: String { header.path }
    public var version: String { header.version }
    public var patient: String { header.patient }
    public var recording: String { header.recording }
    public var startDate: String { header.startDate }
    public var startTime: String { header.startTime }
    /// `EDF+C`, `EDF+D`, or empty for plain EDF.
    public var reserved: String { header.reserved }
    public var recordCount: Int { header.recordCount }
    public var recordDuration: Double { header.recordDuration }
    public var signals: [EDFSignalHeader] { header.signals }
    var headerBytes: Int { header.headerBytes }

    public var isEDFPlus: Bool { reserved.hasPrefix("EDF+") }
    /// Seconds covered by the data records.
    public var duration: Double { Double(recordCount) * recordDuration }

    /// Reads and checks a file's header; the data records are read on demand.
    public init(contentsOf url: URL) throws {
        let name = url.path
        if let problem = RegularFile.problem(name) { throw EDFError(file: name, offset: 0, message: problem) }
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw EDFError(file: name, offset: 0, message: "cannot read the file (\(error.localizedDescription))")
        }
        try self.init(bytes: bytes, path: name)
    }

    public init(bytes: [UInt8], path: String) throws {
        let header = try EDFHeader(bytes: bytes[...], fileSize: bytes.count, path: path)
        self.init(header: header, bytes: bytes)
    }

    init(header: EDFHeader, bytes: [UInt8]) {
        self.header = header
        self.data = bytes
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
    static func parse(_ bytes: ArraySlice<UInt8>, file: String, shift: Int = 0) throws -> [EDFAnnotation] {
        var out: [EDFAnnotation] = []
        var i = bytes.startIndex
        while i < bytes.endIndex {
            if bytes[i] == 0 {
                i += 1
                continue
            }
            let talStart = i
            guard let end = bytes[i...].firstIndex(of: 0) else {
                throw EDFError(file: file, offset: talStart + shift, message: "annotation list is not terminated by a zero byte")
            }
            let tal = bytes[talStart..<end]
            guard let firstSep = tal.firstIndex(of: 0x14) else {
                throw EDFError(file: file, offset: talStart + shift, message: "expected a 0x14 byte after the annotation onset")
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
            guard let sign = onsetText.first, sign == "+" || sign == "-", let onset = PlainDecimal.parse(onsetText)
            else {
                throw EDFError(
                    file: file, offset: talStart + shift,
                    message: "expected an onset like +12.5 at the start of an annotation, found '\(onsetText)'")
            }
            var duration: Double? = nil
            if let durationText {
                guard let d = PlainDecimal.parse(durationText), d >= 0 else {
                    throw EDFError(
                        file: file, offset: talStart + shift,
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
                        byteOffset: talStart + shift))
            }
            i = end + 1
        }
        return out
    }
}
