import AccelerationSignal
import CivilCalendar
import CSV
import EDFFormat
import Foundation
import LegMovementScoring

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
/// gap filled with NaN frames. Read as a stream (yaslab's CSV.swift over an InputStream).
public struct CSVAccelerationSource: FrameSource, ReadingFindings {
    public let description: SignalDescription
    /// The first row's time as written.
    public let firstTime: String
    /// µs since the Unix epoch of the first row, when it is an ISO 8601 timestamp with a UTC offset.
    public let startUnixMicroseconds: Int64?
    /// Gaps filled with NaN, and steps that were irregular (more than 10 % of a period off).
    public private(set) var quality = RecordingQuality()
    public private(set) var irregularSteps = 0

    private let path: String
    private let reader: CSVReader
    private let timeColumn: Int
    private let isTimestamp: Bool
    /// CSV column of each frame channel, -1 when absent.
    private let columns: [Int]
    private let step: Double
    private var probe: [(line: Int, time: Int64, values: [Float])] = []
    private var probeIndex = 0
    private var line = 1
    private var lastTime: Int64?
    private var expected = 0.0
    private var pendingNaN = 0
    private var frameIndex: Int64 = 0
    private var rowTimes: RowTimes
    public var readingFindings: [String] { rowTimes.findings + parserFindings }
    public var samplesExcluded: Int { parserExcluded }
    private var parserFindings: [String] = []
    private var parserExcluded = 0

    /// The reader's error, except the end of the input (CSV.swift reports it as `cannotReadFile`).
    static func readError(_ reader: CSVReader) -> Error? {
        guard let e = reader.error else { return nil }
        if let c = e as? CSVError, case .cannotReadFile = c { return nil }
        return e
    }

    static let channelNames = ["left_x", "left_y", "left_z", "right_x", "right_y", "right_z"]

    /// - Parameter probeRows: rows read ahead to infer the sample rate.
    public init(url: URL, probeRows: Int = 2000) throws {
        path = url.path
        try RegularFile.check(url)
        guard let stream = InputStream(url: url) else {
            throw RecordingFormatError(file: path, message: "cannot open the file")
        }
        do {
            reader = try CSVReader(stream: stream, hasHeaderRow: true, trimFields: true)
        } catch {
            throw RecordingFormatError(file: path, location: "line 1", message: "cannot read the CSV header (\(error))")
        }
        guard let head = reader.headerRow else {
            throw RecordingFormatError(file: path, location: "line 1", message: "expected a header row")
        }
        let names = head.map { $0.lowercased().trimmingCharacters(in: .whitespaces) }
        if let t = names.firstIndex(of: "time") {
            timeColumn = t
            isTimestamp = false
        } else if let t = names.firstIndex(of: "timestamp") {
            timeColumn = t
            isTimestamp = true
        } else {
            throw RecordingFormatError(
                file: path, location: "line 1",
                message: "expected a 'time' (seconds) or 'timestamp' (ISO 8601) column; found "
                    + head.map { "'\($0)'" }.joined(separator: ", "))
        }
        let columns = CSVAccelerationSource.channelNames.map { names.firstIndex(of: $0) ?? -1 }
        self.columns = columns
        var legs: [Leg] = []
        for (leg, range) in [(Leg.left, 0..<3), (Leg.right, 3..<6)] {
            let present = range.filter { columns[$0] >= 0 }
            if present.count == 3 { legs.append(leg) } else if !present.isEmpty {
                let missing = range.filter { columns[$0] < 0 }.map { CSVAccelerationSource.channelNames[$0] }
                throw RecordingFormatError(
                    file: path, location: "line 1", message: "expected the columns " + missing.joined(separator: ", "))
            }
        }
        guard !legs.isEmpty else {
            throw RecordingFormatError(
                file: path, location: "line 1",
                message: "expected acceleration columns left_x left_y left_z and/or right_x right_y right_z (g)")
        }
        // Read ahead to infer the rate.
        var rows: [(line: Int, time: Int64, values: [Float])] = []
        var first = ""
        var parser = RowParser(
            path: path, timeColumn: timeColumn, isTimestamp: isTimestamp, columns: columns, fields: head.count)
        var times = RowTimes()
        var line = 1
        while rows.count < probeRows, !times.ended, let row = reader.next() {
            line += 1
            if row.count == 1, row[0].isEmpty { continue }
            if rows.isEmpty, timeColumn < row.count { first = row[timeColumn] }
            let parsed = try parser.parse(row, line: line)
            guard times.admit(parsed.time, line: line) else { break }
            rows.append((line, parsed.time, parsed.values))
        }
        rowTimes = times
        parserFindings = parser.findings
        parserExcluded = parser.excluded
        self.fields = head.count
        if let e = CSVAccelerationSource.readError(reader) {
            throw RecordingFormatError(file: path, location: "line \(line + 1)", message: "cannot read the CSV (\(e))")
        }
        self.line = line
        guard rows.count >= 2 else {
            throw RecordingFormatError(
                file: path, location: "line \(line)", message: "expected at least two rows of samples to infer the rate")
        }
        var steps: [Int64] = []
        for k in 1..<rows.count {
            let d = rows[k].time - rows[k - 1].time
            guard d > 0 else {
                throw RecordingFormatError(
                    file: path, location: "line \(rows[k].line)",
                    message: "expected the time to increase (previous row at line \(rows[k - 1].line))")
            }
            steps.append(d)
        }
        let median = steps.sorted()[steps.count / 2]
        let regular = steps.filter { abs(Double($0 - median)) <= 0.1 * Double(median) }
        guard Double(regular.count) >= 0.5 * Double(steps.count) else {
            throw RecordingFormatError(
                file: path, location: "line \(rows[0].line)",
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
            throw RecordingFormatError(
                file: path, location: "line \(rows[0].line)", message: "the rows' time steps give a \(problem)")
        }
        step = 1e6 / rate
        probe = rows
        firstTime = first
        let firstParsed = isTimestamp ? ISO8601Time.parse(first) : nil
        startUnixMicroseconds = firstParsed?.hasOffset == true ? firstParsed?.microseconds : nil
        description = SignalDescription(sampleRate: rate, legs: legs)
    }

    /// The next row (from the read-ahead, then the stream), or nil at the end.
    private mutating func nextRow() throws -> (line: Int, time: Int64, values: [Float])? {
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
        var parser = RowParser(
            path: path, timeColumn: timeColumn, isTimestamp: isTimestamp, columns: columns, fields: fields)
        defer {
            parserFindings += parser.findings
            parserExcluded += parser.excluded
        }
        parser.excludedBefore = parserExcluded
        while let row = reader.next() {
            line += 1
            if row.count == 1, row[0].isEmpty { continue }
            let parsed = try parser.parse(row, line: line)
            guard rowTimes.admit(parsed.time, line: line) else { return nil }
            return (line, parsed.time, parsed.values)
        }
        if let e = CSVAccelerationSource.readError(reader) {
            throw RecordingFormatError(file: path, location: "line \(line + 1)", message: "cannot read the CSV (\(e))")
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
                buffer.append(contentsOf: row.values)
                heldRow = nil
                quality.framesOK += 1
                n += 1
                frameIndex += 1
                continue
            }
            guard let row = try nextRow() else { break }
            if let last = lastTime {
                guard row.time > last else {
                    throw RecordingFormatError(
                        file: path, location: "line \(row.line)",
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
                    throw RecordingFormatError(
                        file: path, location: "line \(row.line)",
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

    private var heldRow: (line: Int, time: Int64, values: [Float])?
    private let fields: Int
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

/// Parses a CSV row's time and acceleration values.
struct RowParser {
    let path: String
    let timeColumn: Int
    let isTimestamp: Bool
    let columns: [Int]
    /// Fields of the header row: every row must have exactly as many (a decimal comma or a stray separator
    /// would otherwise shift the columns).
    let fields: Int
    /// Values excluded as impossible by this parser, and findings about them.
    var excluded = 0
    var excludedBefore = 0
    var findings: [String] = []

    mutating func parse(_ row: [String], line: Int) throws -> (time: Int64, values: [Float]) {
        guard row.count == fields else {
            throw RecordingFormatError(
                file: path, location: "line \(line)",
                message: "expected \(fields) fields like the header row, found \(row.count)"
                    + (row.count > fields ? " (a decimal comma, or a separator inside a value?)" : ""))
        }
        let text = row[timeColumn]
        let time: Int64
        if isTimestamp {
            guard let t = ISO8601Time.parse(text) else {
                throw RecordingFormatError(
                    file: path, location: "line \(line)",
                    message: "expected an ISO 8601 timestamp like 2026-01-05T22:14:03.250+01:00, found '\(text)'")
            }
            time = t.microseconds
        } else {
            guard let s = PlainDecimal.parse(text), let us = Seconds.microseconds(s) else {
                throw RecordingFormatError(
                    file: path, location: "line \(line)", message: "expected a time in seconds, found '\(text)'")
            }
            time = us
        }
        var values = [Float](repeating: .nan, count: TwoLegFrame.channels)
        for (k, c) in columns.enumerated() where c >= 0 {
            guard c < row.count else {
                throw RecordingFormatError(
                    file: path, location: "line \(line)",
                    message: "expected a value for \(CSVAccelerationSource.channelNames[k]); the row has \(row.count) fields")
            }
            let field = row[c]
            if field.isEmpty || field.lowercased() == "nan" || field.lowercased() == "n/a" { continue }
            guard let v = PlainDecimal.parse(field) else {
                throw RecordingFormatError(
                    file: path, location: "line \(line)",
                    message: "expected a number in g for \(CSVAccelerationSource.channelNames[k]), found '\(field)'")
            }
            guard abs(v) <= RecordingLimits.maxAccelerationG else {
                if excluded + excludedBefore == 0 {
                    findings.append(
                        "line \(line): \(CSVAccelerationSource.channelNames[k]) = \(field) g is beyond the "
                            + "\(Int(RecordingLimits.maxAccelerationG)) g any leg can reach; such values are read as missing")
                }
                excluded += 1
                continue
            }
            values[k] = Float(v)
        }
        return (time, values)
    }
}
