import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Start date and time of an EDF file (local time of the recording, whole seconds, as EDF stores it).
public struct EDFStartTime: Sendable, Equatable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// `dd.mm.yy`
    var dateField: String { String(format: "%02d.%02d.%02d", day, month, year % 100) }
    /// `hh.mm.ss`
    var timeField: String { String(format: "%02d.%02d.%02d", hour, minute, second) }
    /// `dd-MMM-yyyy` as the EDF+ recording field wants it.
    var edfPlusDate: String {
        let months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        let m = months[max(0, min(11, month - 1))]
        return String(format: "%02d-", day) + m + String(format: "-%04d", year)
    }
}

/// Writes an EDF+C file record by record: into a temporary file next to the destination, which `finish()`
/// completes (record count patched, fsync) and renames over the destination, so a reader never sees a
/// half-written file.
public final class EDFWriter {
    /// A signal to write (not the annotation signal, which the writer adds itself): the same header fields
    /// a reader finds.
    public typealias Signal = EDFSignalHeader

    public let destination: URL
    public let signals: [Signal]
    public let recordDuration: Double
    /// Bytes reserved for TALs in every data record (even).
    public let annotationBytesPerRecord: Int
    public private(set) var recordsWritten = 0
    private let temporary: URL
    private var handle: FileHandle?

    /// Creates the temporary file and writes the header.
    /// - Parameters:
    ///   - annotationBytesPerRecord: room for TALs per record, including the time-keeping TAL; rounded up to even.
    public init(
        to destination: URL, start: EDFStartTime, patient: String = "X X X X", recordingID: String = "X X X",
        recordDuration: Double = 1, signals: [Signal], annotationBytesPerRecord: Int
    ) throws {
        self.destination = destination
        self.signals = signals
        self.recordDuration = recordDuration
        self.annotationBytesPerRecord = max(2, annotationBytesPerRecord + annotationBytesPerRecord % 2)
        let dir = destination.deletingLastPathComponent()
        temporary = dir.appendingPathComponent(".\(destination.lastPathComponent).\(getpid()).tmp")
        let path = destination.path
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw EDFError(file: path, offset: 0, message: "cannot create the temporary file \(temporary.path)")
        }
        do {
            handle = try FileHandle(forWritingTo: temporary)
        } catch {
            throw EDFError(file: path, offset: 0, message: "cannot open \(temporary.path) (\(error.localizedDescription))")
        }
        let header = EDFWriter.header(
            start: start, patient: patient, recordingID: recordingID, recordDuration: recordDuration,
            signals: signals, annotationBytes: self.annotationBytesPerRecord, recordCount: -1)
        try write(header)
    }

    deinit {
        if handle != nil { cancel() }
    }

    /// Appends one data record: `digital[i]` holds `signals[i].samplesPerRecord` samples; `annotations` are
    /// written after the record's time-keeping TAL (onset = record index × record duration).
    public func appendRecord(digital: [[Int16]], annotations: [EDFAnnotation]) throws {
        guard digital.count == signals.count else {
            throw EDFError(
                file: destination.path, offset: 0,
                message: "expected \(signals.count) signals in data record \(recordsWritten), got \(digital.count)")
        }
        var record: [UInt8] = []
        record.reserveCapacity(2 * signals.reduce(0) { $0 + $1.samplesPerRecord } + annotationBytesPerRecord)
        for (s, samples) in zip(signals, digital) {
            guard samples.count == s.samplesPerRecord else {
                throw EDFError(
                    file: destination.path, offset: 0,
                    message: "signal '\(s.label)': expected \(s.samplesPerRecord) samples in data record "
                        + "\(recordsWritten), got \(samples.count)")
            }
            for v in samples {
                let u = UInt16(bitPattern: v)
                record.append(UInt8(u & 0xFF))
                record.append(UInt8(u >> 8))
            }
        }
        let onset = Double(recordsWritten) * recordDuration
        var tal = EDFWriter.timeKeepingTAL(onset)
        for a in annotations { tal += EDFWriter.tal(a) }
        guard tal.count <= annotationBytesPerRecord else {
            throw EDFError(
                file: destination.path, offset: 0,
                message: "the annotations of data record \(recordsWritten) need \(tal.count) bytes, "
                    + "only \(annotationBytesPerRecord) are reserved")
        }
        record += tal
        record += [UInt8](repeating: 0, count: annotationBytesPerRecord - tal.count)
        try write(record)
        recordsWritten += 1
    }

    /// Patches the record count, flushes to disk and renames the file into place.
    public func finish() throws {
        guard let h = handle else {
            throw EDFError(file: destination.path, offset: 0, message: "the writer is already finished")
        }
        do {
            try h.seek(toOffset: 236)
            try h.write(contentsOf: Data(EDFWriter.field(String(recordsWritten), 8)))
            try h.synchronize()
            try h.close()
        } catch {
            cancel()
            throw EDFError(file: destination.path, offset: 236, message: "cannot finish the file (\(error.localizedDescription))")
        }
        handle = nil
        guard rename(temporary.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw EDFError(file: destination.path, offset: 0, message: "cannot rename the temporary file (\(reason))")
        }
    }

    /// Abandons the file: the temporary file is removed and the destination left untouched.
    public func cancel() {
        try? handle?.close()
        handle = nil
        try? FileManager.default.removeItem(at: temporary)
    }

    private func write(_ bytes: [UInt8]) throws {
        guard let h = handle else {
            throw EDFError(file: destination.path, offset: 0, message: "the writer is already finished")
        }
        do {
            try h.write(contentsOf: Data(bytes))
        } catch {
            cancel()
            throw EDFError(file: destination.path, offset: 0, message: "cannot write (\(error.localizedDescription))")
        }
    }

    // MARK: - Encoding helpers

    /// An ASCII header field: non-printable and non-ASCII characters become `_`, padded with spaces, cut to `width`.
    public static func field(_ text: String, _ width: Int) -> [UInt8] {
        var bytes = text.unicodeScalars.map { $0.value >= 0x20 && $0.value < 0x7F ? UInt8($0.value) : UInt8(ascii: "_") }
        if bytes.count > width { bytes = Array(bytes.prefix(width)) }
        return bytes + [UInt8](repeating: 0x20, count: width - bytes.count)
    }

    /// A number in at most `width` characters: integers as they are, otherwise as many decimals as fit.
    public static func number(_ value: Double, width: Int = 8) -> String {
        if value == value.rounded(), abs(value) < 1e7 {
            return String(Int(value))
        }
        for decimals in stride(from: 6, through: 0, by: -1) {
            var s = String(format: "%.\(decimals)f", value)
            if s.contains(".") {
                while s.hasSuffix("0") { s.removeLast() }
                if s.hasSuffix(".") { s.removeLast() }
            }
            if s.count <= width { return s }
        }
        return String(Int(value.rounded()))
    }

    /// Seconds as a TAL time: sign, whole seconds, up to six decimals (microseconds), no trailing zeros.
    public static func talTime(_ seconds: Double, signed: Bool = true) -> String {
        let us = Int64((seconds * 1_000_000).rounded())
        let sign = us < 0 ? "-" : (signed ? "+" : "")
        let a = us.magnitude
        var s = sign + String(a / 1_000_000)
        let frac = a % 1_000_000
        if frac != 0 {
            var f = String(frac)
            f = String(repeating: "0", count: 6 - f.count) + f
            while f.hasSuffix("0") { f.removeLast() }
            s += "." + f
        }
        return s
    }

    /// The time-keeping TAL that opens every data record: `+onset\x14\x14\0`.
    public static func timeKeepingTAL(_ onset: Double) -> [UInt8] {
        Array(talTime(onset).utf8) + [0x14, 0x14, 0]
    }

    /// One annotation as a TAL: `+onset[\x15duration]\x14text\x14\0`. Bytes 0x00, 0x14 and 0x15 in the text
    /// become spaces.
    public static func tal(_ a: EDFAnnotation) -> [UInt8] {
        var out = Array(talTime(a.onset).utf8)
        if let d = a.duration {
            out.append(0x15)
            out += Array(talTime(d, signed: false).utf8)
        }
        out.append(0x14)
        out += Array(a.text.utf8).map { $0 == 0 || $0 == 0x14 || $0 == 0x15 ? 0x20 : $0 }
        out += [0x14, 0]
        return out
    }

    static func header(
        start: EDFStartTime, patient: String, recordingID: String, recordDuration: Double, signals: [Signal],
        annotationBytes: Int, recordCount: Int
    ) -> [UInt8] {
        let ns = signals.count + 1
        var h: [UInt8] = []
        h += field("0", 8)
        h += field(patient, 80)
        h += field("Startdate \(start.edfPlusDate) \(recordingID)", 80)
        h += field(start.dateField, 8)
        h += field(start.timeField, 8)
        h += field(String(256 * (ns + 1)), 8)
        h += field("EDF+C", 44)
        h += field(String(recordCount), 8)
        h += field(number(recordDuration), 8)
        h += field(String(ns), 4)
        let annotationSamples = annotationBytes / 2
        h += signals.flatMap { field($0.label, 16) } + field("EDF Annotations", 16)
        h += signals.flatMap { field($0.transducer, 80) } + field("", 80)
        h += signals.flatMap { field($0.physicalDimension, 8) } + field("", 8)
        h += signals.flatMap { field(number($0.physicalMinimum), 8) } + field("-1", 8)
        h += signals.flatMap { field(number($0.physicalMaximum), 8) } + field("1", 8)
        h += signals.flatMap { field(String($0.digitalMinimum), 8) } + field("-32768", 8)
        h += signals.flatMap { field(String($0.digitalMaximum), 8) } + field("32767", 8)
        h += signals.flatMap { field($0.prefiltering, 80) } + field("", 80)
        h += signals.flatMap { field(String($0.samplesPerRecord), 8) } + field(String(annotationSamples), 8)
        h += signals.flatMap { _ in field("", 32) } + field("", 32)
        return h
    }
}

extension EDFSignalHeader {
    /// The digital value of a physical value: rounded, clipped to the digital range.
    public func digital(_ physical: Double) -> Int16 {
        guard physical.isFinite else { return Int16(clamping: digitalMinimum) }
        let gain = (physicalMaximum - physicalMinimum) / Double(digitalMaximum - digitalMinimum)
        let d = ((physical - physicalMinimum) / gain + Double(digitalMinimum)).rounded()
        return Int16(clamping: Int(max(Double(digitalMinimum), min(Double(digitalMaximum), d))))
    }
}
