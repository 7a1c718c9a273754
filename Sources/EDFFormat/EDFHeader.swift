import PLMVocabulary
import Foundation

/// The header of an EDF/EDF+ file, without its data records (EDF specification, Kemp 1992; EDF+, Kemp & Olivan 2003).
public struct EDFHeader: Sendable, Equatable {
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
    /// Bytes of the header: 256 × (signals + 1).
    public var headerBytes: Int

    public init(
        path: String, version: String, patient: String, recording: String, startDate: String, startTime: String,
        reserved: String, recordCount: Int, recordDuration: Double, signals: [EDFSignalHeader], headerBytes: Int
    ) {
        self.path = path
        self.version = version
        self.patient = patient
        self.recording = recording
        self.startDate = startDate
        self.startTime = startTime
        self.reserved = reserved
        self.recordCount = recordCount
        self.recordDuration = recordDuration
        self.signals = signals
        self.headerBytes = headerBytes
    }

    public var isEDFPlus: Bool { reserved.hasPrefix("EDF+") }
    /// EDF+D: data records need not be contiguous; each starts at the onset of its time-keeping TAL.
    public var isDiscontinuous: Bool { reserved.hasPrefix("EDF+D") }
    /// Bytes of one data record.
    public var recordSize: Int { 2 * signals.reduce(0) { $0 + $1.samplesPerRecord } }

    /// Byte offset of signal `index` inside a data record.
    public func signalOffset(_ index: Int) -> Int {
        2 * signals[..<index].reduce(0) { $0 + $1.samplesPerRecord }
    }

    /// Byte offset of data record `index` in the file.
    public func recordOffset(_ index: Int) -> Int { headerBytes + index * recordSize }

    /// Parses a header from the first bytes of a file; `fileSize` is the size of the whole file (to detect
    /// truncated data records).
    public init(bytes: ArraySlice<UInt8>, fileSize: Int, path: String) throws {
        self.path = path
        var cursor = 0
        let base = bytes.startIndex
        func field(_ width: Int, _ what: String) throws -> String {
            guard cursor + width <= bytes.count else {
                throw EDFError(
                    file: path, offset: cursor,
                    message: "file ends inside the header: expected \(width) bytes of \(what)")
            }
            let slice = bytes[(base + cursor)..<(base + cursor + width)]
            guard slice.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
                throw EDFError(file: path, offset: cursor, message: "expected printable ASCII in \(what)")
            }
            cursor += width
            return String(decoding: slice, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        }
        func number(_ width: Int, _ what: String) throws -> Double {
            let at = cursor
            let text = try field(width, what)
            guard let v = PlainDecimal.parse(text) else {
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
        guard EDFHeader.dateComponents(startDate) != nil else {
            throw EDFError(
                file: path, offset: 168,
                message: "expected a start date dd.mm.yy (a real calendar date), found '\(startDate)'")
        }
        startTime = try field(8, "the start time")
        guard EDFHeader.timeComponents(startTime) != nil else {
            throw EDFError(
                file: path, offset: 176, message: "expected a start time hh.mm.ss (00.00.00 to 23.59.59), found '\(startTime)'")
        }
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
        // Each count has at most 8 digits and there are at most 4096 signals, so this sum cannot overflow.
        let recordSize = 2 * signals.reduce(0) { $0 + $1.samplesPerRecord }
        let available = fileSize - headerBytes
        if records == -1, recordSize > 0 {
            records = available / recordSize  // a recording still being written
        }
        guard records >= 0 else {
            throw EDFError(file: path, offset: recordsAt, message: "expected a non-negative number of data records")
        }
        let (promised, overflow) = records.multipliedReportingOverflow(by: recordSize)
        if recordSize > 0, overflow || available < promised {
            throw EDFError(
                file: path, offset: fileSize,
                message: "file is truncated: header promises \(records) data records of \(recordSize) bytes, "
                    + "only \(max(available, 0) / recordSize) are complete")
        }
        recordCount = records
    }

    /// Day, month and full year of an EDF start date `dd.mm.yy` (years 85–99 are 1985–1999, 00–84 2000–2084, as
    /// the EDF specification says), or nil when it is not a real calendar date.
    public static func dateComponents(_ text: String) -> (day: Int, month: Int, year: Int)? {
        guard let p = twoDigitTriple(text) else { return nil }
        let year = p.2 >= 85 ? 1900 + p.2 : 2000 + p.2
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...12).contains(p.1), (1...days[p.1 - 1]).contains(p.0) else { return nil }
        return (p.0, p.1, year)
    }

    /// Hour, minute and second of an EDF start time `hh.mm.ss`, or nil when it is not a time of day.
    public static func timeComponents(_ text: String) -> (hour: Int, minute: Int, second: Int)? {
        guard let p = twoDigitTriple(text), p.0 < 24, p.1 < 60, p.2 < 60 else { return nil }
        return (p.0, p.1, p.2)
    }

    /// `nn.nn.nn` as three numbers.
    static func twoDigitTriple(_ text: String) -> (Int, Int, Int)? {
        let b = Array(text.utf8)
        guard b.count == 8, b[2] == 0x2E, b[5] == 0x2E else { return nil }
        var v: [Int] = []
        for i in [0, 3, 6] {
            guard (0x30...0x39).contains(b[i]), (0x30...0x39).contains(b[i + 1]) else { return nil }
            v.append(Int(b[i] - 0x30) * 10 + Int(b[i + 1] - 0x30))
        }
        return (v[0], v[1], v[2])
    }

    /// Digital samples of signal `index` in one data record's bytes.
    public func digitalSamples(_ index: Int, inRecord record: [UInt8]) -> [Int16] {
        let n = signals[index].samplesPerRecord
        var p = signalOffset(index)
        var out = [Int16](repeating: 0, count: n)
        guard p + 2 * n <= record.count else { return [] }
        for i in 0..<n {
            out[i] = Int16(bitPattern: UInt16(record[p]) | UInt16(record[p + 1]) << 8)
            p += 2
        }
        return out
    }

    /// The annotations of one data record (time-keeping TALs left out); `recordIndex` places byte offsets.
    public func annotations(inRecord record: [UInt8], recordIndex: Int) throws -> [EDFAnnotation] {
        var out: [EDFAnnotation] = []
        for (index, s) in signals.enumerated() where s.isAnnotations {
            let start = signalOffset(index)
            let slice = record[start..<(start + 2 * s.samplesPerRecord)]
            out += try TALParser.parse(slice, file: path, shift: recordOffset(recordIndex))
        }
        return out
    }

    /// Onset of the record's time-keeping TAL (the first TAL of the first `EDF Annotations` signal), seconds.
    public func recordStart(inRecord record: [UInt8], recordIndex: Int) throws -> Double? {
        guard let index = timekeepingSignal else { return nil }
        let start = signalOffset(index)
        return try recordStart(
            timekeeping: record[start..<(start + 2 * signals[index].samplesPerRecord)], recordIndex: recordIndex)
    }

    /// The signal whose first TAL in each record keeps time: the first `EDF Annotations` signal.
    public var timekeepingSignal: Int? { signals.firstIndex(where: \.isAnnotations) }

    /// Onset of a record's time-keeping TAL from the bytes of its time-keeping signal, seconds.
    public func recordStart(timekeeping bytes: ArraySlice<UInt8>, recordIndex: Int) throws -> Double? {
        guard let index = timekeepingSignal else { return nil }
        let start = signalOffset(index)
        guard let sep = bytes.firstIndex(of: 0x14) else {
            throw EDFError(
                file: path, offset: recordOffset(recordIndex) + start,
                message: "expected a time-keeping TAL at the start of the data record")
        }
        var stamp = bytes[bytes.startIndex..<sep]
        if let d = stamp.firstIndex(of: 0x15) { stamp = stamp[stamp.startIndex..<d] }
        let text = String(decoding: stamp, as: UTF8.self)
        guard let sign = text.first, sign == "+" || sign == "-", let v = PlainDecimal.parse(text) else {
            throw EDFError(
                file: path, offset: recordOffset(recordIndex) + start,
                message: "expected a time-keeping onset like +12 at the start of the data record, found '\(text)'")
        }
        return v
    }

    /// Reads just the header of a file.
    public static func read(contentsOf url: URL) throws -> EDFHeader {
        let name = url.path
        if let problem = RegularFile.problem(name) { throw EDFError(file: name, offset: 0, message: problem) }
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw EDFError(file: name, offset: 0, message: "cannot open the file (\(error.localizedDescription))")
        }
        defer { try? handle.close() }
        do {
            let size = try handle.seekToEnd()
            try handle.seek(toOffset: 0)
            var bytes = [UInt8](try handle.read(upToCount: 256) ?? Data())
            if bytes.count == 256, let ns = Int(String(decoding: bytes[252..<256], as: UTF8.self).trimmingCharacters(in: .whitespaces)),
                ns > 0, ns <= 4096
            {
                bytes += [UInt8](try handle.read(upToCount: 256 * ns) ?? Data())
            }
            return try EDFHeader(bytes: bytes[...], fileSize: Int(size), path: name)
        } catch let e as EDFError {
            throw e
        } catch {
            throw EDFError(file: name, offset: 0, message: "cannot read the file (\(error.localizedDescription))")
        }
    }
}

/// Reads an EDF/EDF+ file one data record at a time, so a night never has to be in memory.
public final class EDFRecordReader {
    public let header: EDFHeader
    private let handle: FileHandle

    public init(contentsOf url: URL) throws {
        header = try EDFHeader.read(contentsOf: url)
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw EDFError(file: url.path, offset: 0, message: "cannot open the file (\(error.localizedDescription))")
        }
    }

    deinit { try? handle.close() }

    /// `count` bytes at `offset` inside data record `index` (e.g. one signal's samples).
    public func bytes(inRecord index: Int, offset: Int, count: Int) throws -> [UInt8] {
        let at = header.recordOffset(index) + offset
        do {
            try handle.seek(toOffset: UInt64(at))
            let bytes = [UInt8](try handle.read(upToCount: count) ?? Data())
            guard bytes.count == count else {
                throw EDFError(
                    file: header.path, offset: at + bytes.count,
                    message: "file ends inside data record \(index): expected \(count) bytes")
            }
            return bytes
        } catch let e as EDFError {
            throw e
        } catch {
            throw EDFError(
                file: header.path, offset: at, message: "cannot read data record \(index) (\(error.localizedDescription))")
        }
    }

    /// The bytes of data record `index` (0-based).
    public func record(_ index: Int) throws -> [UInt8] {
        try bytes(inRecord: index, offset: 0, count: header.recordSize)
    }
}
