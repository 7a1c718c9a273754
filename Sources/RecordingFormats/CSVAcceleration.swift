import AccelerationSignal
import CivilCalendar
import CSVFormat
import EDFFormat
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LegMovementScoring
import PLMVocabulary

/// ISO 8601 timestamps as CSV files write them.
public enum ISO8601Time {
    /// µs since the Unix epoch of `2026-01-05T22:14:03`, `...03.25`, `...03.250+01:00`, `...03Z`, `...03+0100`
    /// (a space instead of `T` allowed). Without a UTC offset the time is taken as UTC (`hasOffset` false).
    public static func parse(_ text: String) -> (microseconds: Int64, hasOffset: Bool)? {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int64? {
            guard i + n <= b.count else { return nil }
            var v: Int64 = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(0x2D), let month = digits(2), expect(0x2D), let day = digits(2) else {
            return nil
        }
        guard i < b.count, b[i] == 0x54 || b[i] == 0x20 || b[i] == 0x74 else { return nil }
        i += 1
        guard let hour = digits(2), expect(0x3A), let minute = digits(2), expect(0x3A), let second = digits(2) else {
            return nil
        }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var micros: Int64 = 0
        if i < b.count, b[i] == 0x2E || b[i] == 0x2C {
            i += 1
            var scale: Int64 = 100_000
            var n = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if scale >= 1 {
                    micros += Int64(b[i] - 48) * scale
                    scale /= 10
                }
                i += 1
                n += 1
            }
            guard n > 0 else { return nil }
        }
        var offset: Int64 = 0
        var hasOffset = false
        if i < b.count {
            if b[i] == 0x5A || b[i] == 0x7A {
                i += 1
                hasOffset = true
            } else if b[i] == 0x2B || b[i] == 0x2D {
                let sign: Int64 = b[i] == 0x2D ? -1 : 1
                i += 1
                guard let oh = digits(2) else { return nil }
                _ = expect(0x3A)
                let om = digits(2) ?? 0
                offset = sign * (oh * 3600 + om * 60)
                hasOffset = true
            }
        }
        guard i == b.count else { return nil }
        let days = Int64(CivilCalendar.dayNumber(year: Int(year), month: Int(month), day: Int(day)))
        let seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset
        return (seconds * 1_000_000 + micros, hasOffset)
    }
}

/// A CSV accelerometer file as two-leg frames in g: a header row with `time` (seconds) or `timestamp`
/// (ISO 8601), then any of `left_x left_y left_z right_x right_y right_z` (g; column order free; one leg allowed).
/// The sample rate is inferred from the time steps of the first rows; a step of more than 1.5 sample periods is a
/// gap filled with NaN frames. Read as a stream of bytes (CSVFormat's `CSVReader`, 1 MiB at a time), numbers parsed
/// from the bytes without making strings.
public struct CSVAccelerationSource: FrameSource, ReadingFindings {
    public let description: SignalDescription
    /// The first row's time as written.
    public let firstTime: String
    /// µs since the Unix epoch of the first row, when it is an ISO 8601 timestamp with a UTC offset.
    public let startUnixMicroseconds: Int64?
    /// Gaps filled with NaN, and steps that were irregular (more than 10 % of a period off).
    public private(set) var quality = RecordingQuality()
    public private(set) var irregularSteps = 0

    /// One row: its line, time (µs) and the six channels (NaN where absent or missing).
    struct Row {
        var line: Int
        var time: Int64
        var values: SIMD8<Float>
    }

    private let path: String
    private var reader: CSVReader
    private var parser: RowParser
    private let step: Double
    private var probe: [Row] = []
    private var probeIndex = 0
    private var lastTime: Int64?
    private var expected = 0.0
    private var pendingNaN = 0
    private var frameIndex: Int64 = 0
    private var rowTimes: RowTimes
    private var heldRow: Row?
    public var readingFindings: [String] { rowTimes.findings + parser.findings }
    public var samplesExcluded: Int { parser.excluded }

    static let channelNames = ["left_x", "left_y", "left_z", "right_x", "right_y", "right_z"]
    /// Bytes read from the file at a time.
    static let chunkBytes = 1 << 20

    /// - Parameter probeRows: rows read ahead to infer the sample rate.
    public init(url: URL, probeRows: Int = 2000) throws {
        let path = url.path
        self.path = path
        try RegularFile.check(url)
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw InputError(file: path, message: "cannot open the file")
        }
        var offset = 0
        var open = true
        let descriptor = handle.fileDescriptor
        reader = CSVReader(file: path, chunkBytes: CSVAccelerationSource.chunkBytes) { into in
            guard open else { return 0 }
            while true {
                let got = Glibc.read(descriptor, into.baseAddress, into.count)
                if got > 0 {
                    offset += got
                    return got
                }
                if got == 0 {
                    open = false
                    try? handle.close()
                    return 0
                }
                let code = errno
                if code == EINTR { continue }
                throw InputError(
                    file: path, location: .byte(offset),
                    message: "cannot read the file (\(String(cString: strerror(code))))")
            }
        }
        guard try reader.next() else {
            throw InputError(file: path, location: .line(1), message: "expected a header row")
        }
        if let p = reader.problems.first {
            throw InputError(file: path, location: .line(p.line), message: "expected \(p.expected), found '\(p.text)'")
        }
        let head = reader.fields
        let headerLine = reader.line
        let names = head.map { $0.lowercased() }
        let timeColumn: Int
        let isTimestamp: Bool
        if let t = names.firstIndex(of: "time") {
            timeColumn = t
            isTimestamp = false
        } else if let t = names.firstIndex(of: "timestamp") {
            timeColumn = t
            isTimestamp = true
        } else {
            throw InputError(
                file: path, location: .line(headerLine),
                message: "expected a 'time' (seconds) or 'timestamp' (ISO 8601) column; found "
                    + head.map { "'\($0)'" }.joined(separator: ", "))
        }
        let columns = CSVAccelerationSource.channelNames.map { names.firstIndex(of: $0) ?? -1 }
        var legs: [Leg] = []
        for (leg, range) in [(Leg.left, 0..<3), (Leg.right, 3..<6)] {
            let present = range.filter { columns[$0] >= 0 }
            if present.count == 3 { legs.append(leg) } else if !present.isEmpty {
                let missing = range.filter { columns[$0] < 0 }.map { CSVAccelerationSource.channelNames[$0] }
                throw InputError(
                    file: path, location: .line(headerLine), message: "expected the columns " + missing.joined(separator: ", "))
            }
        }
        guard !legs.isEmpty else {
            throw InputError(
                file: path, location: .line(headerLine),
                message: "expected acceleration columns left_x left_y left_z and/or right_x right_y right_z (g)")
        }
        // Read ahead to infer the rate.
        var rows: [Row] = []
        var first = ""
        var parser = RowParser(
            path: path, timeColumn: timeColumn, isTimestamp: isTimestamp, columns: columns, fields: head.count)
        var times = RowTimes()
        var line = headerLine
        while rows.count < probeRows, !times.ended, try reader.next() {
            line = reader.line
            if parser.isBlank(reader) { continue }
            if rows.isEmpty, timeColumn < reader.count { first = reader[timeColumn] }
            let row = try parser.parse(reader)
            guard times.admit(row.time, line: row.line) else { break }
            rows.append(row)
        }
        rowTimes = times
        guard rows.count >= 2 else {
            throw InputError(
                file: path, location: .line(line), message: "expected at least two rows of samples to infer the rate")
        }
        var steps: [Int64] = []
        for k in 1..<rows.count {
            let d = rows[k].time - rows[k - 1].time
            guard d > 0 else {
                throw InputError(
                    file: path, location: .line(rows[k].line),
                    message: "expected the time to increase (previous row at line \(rows[k - 1].line))")
            }
            steps.append(d)
        }
        let median = steps.sorted()[steps.count / 2]
        let regular = steps.filter { abs(Double($0 - median)) <= 0.1 * Double(median) }
        guard Double(regular.count) >= 0.5 * Double(steps.count) else {
            throw InputError(
                file: path, location: .line(rows[0].line),
                message: "irregular sample times: fewer than half of the first \(steps.count) steps are within 10 % of "
                    + "the median step \(Double(median) / 1e6) s")
        }
        // The mean step over the read-ahead, counting a gap as the whole periods it spans.
        let ordinary = steps.filter { Double($0) <= 1.5 * Double(median) }
        let mean = Double(ordinary.reduce(0, +)) / Double(max(ordinary.count, 1))
        let periods = steps.reduce(0) { $0 + max(1, Int((Double($1) / mean).rounded())) }
        let span = Double(rows[rows.count - 1].time - rows[0].time)
        var rate = 1e6 * Double(periods) / span
        if abs(rate - rate.rounded()) <= 0.002 * rate { rate = rate.rounded() }
        if let problem = RecordingLimits.sampleRateProblem(rate) {
            throw InputError(
                file: path, location: .line(rows[0].line), message: "the rows' time steps give a \(problem)")
        }
        self.parser = parser
        step = 1e6 / rate
        probe = rows
        firstTime = first
        let firstParsed = isTimestamp ? ISO8601Time.parse(first) : nil
        startUnixMicroseconds = firstParsed?.hasOffset == true ? firstParsed?.microseconds : nil
        description = SignalDescription(sampleRate: rate, legs: legs)
    }

    /// The next row (from the read-ahead, then the stream), or nil at the end.
    private mutating func nextRow() throws -> Row? {
        if probeIndex < probe.count {
            let row = probe[probeIndex]
            probeIndex += 1
            if probeIndex == probe.count {
                probe = []
                probeIndex = 0
            }
            return row
        }
        guard !rowTimes.ended else { return nil }
        while try reader.next() {
            if parser.isBlank(reader) { continue }
            let row = try parser.parse(reader)
            guard rowTimes.admit(row.time, line: row.line) else { return nil }
            return row
        }
        return nil
    }

    public mutating func read(into buffer: inout [Float], maxFrames: Int) throws -> Int {
        var n = 0
        while n < maxFrames {
            if pendingNaN > 0 {
                let k = min(pendingNaN, maxFrames - n)
                buffer.append(contentsOf: repeatElement(Float.nan, count: k * TwoLegFrame.channels))
                pendingNaN -= k
                n += k
                frameIndex += Int64(k)
                continue
            }
            if let row = heldRow {
                for c in 0..<TwoLegFrame.channels { buffer.append(row.values[c]) }
                heldRow = nil
                quality.framesOK += 1
                n += 1
                frameIndex += 1
                continue
            }
            guard let row = try nextRow() else { break }
            if let last = lastTime {
                guard row.time > last else {
                    throw InputError(
                        file: path, location: .line(row.line),
                        message: "expected a time after the previous row's; found a step of \(Double(row.time - last) / 1e6) s")
                }
                // Residual against the expected time of the next frame, which follows slow drift.
                expected += step
                let residual = Double(row.time) - expected
                if residual > 0.5 * step {
                    let missing = Int((residual / step).rounded())
                    pendingNaN = missing
                    quality.gaps.append(
                        RecordingGap(
                            sensor: nil, from: description.time(ofFrame: frameIndex),
                            to: description.time(ofFrame: frameIndex + Int64(missing)),
                            reason: "no rows for \(Double(row.time - last) / 1e6) s before line \(row.line)"))
                    quality.samplesLost += UInt64(missing)
                    expected = Double(row.time)
                } else if residual < -0.5 * step {
                    throw InputError(
                        file: path, location: .line(row.line),
                        message: "expected a sample \(step / 1e6) s after the previous one; this row comes "
                            + "\(Double(row.time - last) / 1e6) s after it (closer than half a sample period)")
                } else {
                    if abs(residual) > 0.1 * step { irregularSteps += 1 }
                    expected += 0.05 * residual
                }
            } else {
                expected = Double(row.time)
            }
            lastTime = row.time
            heldRow = row
        }
        return n
    }
}

/// Holds a CSV file's rows to the time limits: a row more than `RecordingLimits.maxGap` after the previous one,
/// or more than `RecordingLimits.maxDuration` after the first, ends the recording before it (a finding naming the
/// line), so a broken time stamp can never make the reader fill years with missing samples.
struct RowTimes {
    private var first: Int64?
    private var last: Int64?
    private(set) var ended = false
    private(set) var findings: [String] = []

    /// True when the row at `time` belongs to the recording.
    mutating func admit(_ time: Int64, line: Int) -> Bool {
        guard !ended else { return false }
        if let first, let last {
            let sinceFirst = Double(time) - Double(first)
            let step = Double(time) - Double(last)
            if sinceFirst > RecordingLimits.maxDuration * 1e6 {
                end("line \(line): the time is \(sinceFirst / 1e6) s after the first row's, past the longest "
                    + "recording read (\(Int(RecordingLimits.maxDuration / 3600)) h); the recording ends before it")
                return false
            }
            if step > RecordingLimits.maxGap * 1e6 {
                end("line \(line): the time jumps \(step / 1e6) s ahead (more than \(Int(RecordingLimits.maxGap / 3600)) "
                    + "h without data); the recording ends before it")
                return false
            }
        } else {
            first = time
        }
        last = time
        return true
    }

    private mutating func end(_ finding: String) {
        ended = true
        findings.append(finding)
    }
}

/// Parses a CSV row's time and acceleration values from the reader's current record.
struct RowParser {
    let path: String
    let timeColumn: Int
    let isTimestamp: Bool
    let columns: [Int]
    /// Fields of the header row: every row must have exactly as many (a decimal comma or a stray separator
    /// would otherwise shift the columns).
    let fields: Int
    /// Values excluded as impossible, and findings about them.
    var excluded = 0
    var findings: [String] = []

    /// An empty line (or one of spaces only): skipped.
    func isBlank(_ reader: CSVReader) -> Bool {
        reader.count == 1 && reader.withField(0) { $0.isEmpty }
    }

    /// True when `bytes` are empty, `nan` or `n/a` (any case): a missing value.
    static func isMissing(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        switch bytes.count {
        case 0: return true
        case 3:
            let a = bytes[0] | 0x20, b = bytes[1] | 0x20, c = bytes[2] | 0x20
            return (a == UInt8(ascii: "n") && b == UInt8(ascii: "a") && c == UInt8(ascii: "n"))
                || (a == UInt8(ascii: "n") && bytes[1] == UInt8(ascii: "/") && c == UInt8(ascii: "a"))
        default: return false
        }
    }

    mutating func parse(_ reader: CSVReader) throws -> CSVAccelerationSource.Row {
        let line = reader.line
        if let p = reader.problems.first {
            throw InputError(file: path, location: .line(p.line), message: "expected \(p.expected), found '\(p.text)'")
        }
        guard reader.count == fields else {
            throw InputError(
                file: path, location: .line(line),
                message: "expected \(fields) fields like the header row, found \(reader.count)"
                    + (reader.count > fields ? " (a decimal comma, or a separator inside a value?)" : ""))
        }
        let time: Int64
        if isTimestamp {
            let text = reader[timeColumn]
            guard let t = ISO8601Time.parse(text) else {
                throw InputError(
                    file: path, location: .line(line),
                    message: "expected an ISO 8601 timestamp like 2026-01-05T22:14:03.250+01:00, found '\(text)'")
            }
            time = t.microseconds
        } else {
            guard let s = reader.withField(timeColumn, PlainDecimal.parse(bytes:)), let us = Seconds.microseconds(s) else {
                throw InputError(
                    file: path, location: .line(line), message: "expected a time in seconds, found '\(reader[timeColumn])'")
            }
            time = us
        }
        // The values in scalars, made into the row's vector once (writing lanes of a vector one by one made it go
        // through memory for every value).
        var lanes: (Float, Float, Float, Float, Float, Float) = (.nan, .nan, .nan, .nan, .nan, .nan)
        for k in 0..<columns.count {
            let c = columns[k]
            guard c >= 0 else { continue }
            let parsed: Double?? = reader.withField(c) { bytes in
                RowParser.isMissing(bytes) ? .some(nil) : PlainDecimal.parse(bytes: bytes).map { .some($0) }
            }
            guard let value = parsed else {
                throw InputError(
                    file: path, location: .line(line),
                    message: "expected a number in g for \(CSVAccelerationSource.channelNames[k]), found '\(reader[c])'")
            }
            guard let v = value else { continue }
            guard abs(v) <= RecordingLimits.maxAccelerationG else {
                if excluded == 0 {
                    findings.append(
                        "line \(line): \(CSVAccelerationSource.channelNames[k]) = \(reader[c]) g is beyond the "
                            + "\(Int(RecordingLimits.maxAccelerationG)) g any leg can reach; such values are read as missing")
                }
                excluded += 1
                continue
            }
            switch k {
            case 0: lanes.0 = Float(v)
            case 1: lanes.1 = Float(v)
            case 2: lanes.2 = Float(v)
            case 3: lanes.3 = Float(v)
            case 4: lanes.4 = Float(v)
            default: lanes.5 = Float(v)
            }
        }
        let values = SIMD8<Float>(lanes.0, lanes.1, lanes.2, lanes.3, lanes.4, lanes.5, .nan, .nan)
        return CSVAccelerationSource.Row(line: line, time: time, values: values)
    }
}
