import Foundation
import PLMVocabulary

/// ActiLife's raw CSV export of an ActiGraph recording (docs/recording-format.md, "ActiLife raw CSV"):
///
/// ```
/// ------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.4 Firmware v2.5.0 date format M/d/yyyy at 30 Hz  Filter Normal -----------
/// Serial Number: NEO1C04110003
/// Start Time 11:55:00
/// Start Date 12/20/2021
/// Epoch Period (hh:mm:ss) 00:00:00
/// Download Time 12:09:58
/// Download Date 12/20/2021
/// Current Memory Address: 0
/// Current Battery Voltage: 4.26     Mode = 12
/// --------------------------------------------------
/// Accelerometer X,Accelerometer Y,Accelerometer Z          (or Timestamp,Accelerometer X,...)
/// -0.015,0.029,-1.006
/// ```
///
/// The first line gives the device, the file's own date format (`M/d/yyyy`, `dd/MM/yyyy`, `yyyy-MM-dd`, ... — the
/// order of day, month and year in `Start Date` and the time stamps) and the sample rate. Values are in g. With a
/// `Timestamp` column (`12/20/2021 11:55:00.033`, to the millisecond) each row is at its own time (rows follow on
/// at the rate; a row off by more than half a sample period starts a new run, so a gap stays a gap); without one,
/// row *i* is at `Start Date` + `Start Time` + *i* / rate. A non-zero `Epoch Period` is an activity-count export,
/// refused. Times are the device's clock (the file states no offset from UTC). A last line cut off mid-row ends
/// the reading with a finding; any other malformed row is an error naming its line.
///
/// Where the device recorded nothing, ActiLife still writes rows: through ActiGraph's idle sleep mode it repeats
/// the last sample, and after the last record (up to info.txt's Last Sample Time) and across spans without records
/// it writes `0,0,0`. Neither is a measurement, and read as one it would be a still leg: a run of rows equal to the
/// one before it lasting `fillSeconds` or longer is read as missing (the run's first row, the device's last real
/// sample, is kept), and so is every row of exactly 0 g on all three axes (a worn accelerometer always measures
/// gravity), each with a finding.
public struct ActiLifeCSVDecoder: DeviceDecoder {
    /// Shortest run of repeated rows read as ActiLife's fill, s. A working ActiGraph's noise changes some axis within
    /// a few samples even lying still (at most 4 equal rows in a row in pygt3x's neo.csv, 30 Hz, lying on a table,
    /// and in the non-idle parts of read.gt3x's TAS1H30182785 export, 100 Hz); ActiLife's fills last whole seconds
    /// (idle sleep mode starts after 10 s without movement). Checked on those two real exports
    /// (docs/recording-format.md, "Checked against the real files").
    public static let fillSeconds = 0.5
    public let info: DeviceInfo
    /// The date format the first line names.
    public let dateFormat: String
    public let hasTimestamps: Bool
    /// µs on the device's clock of `Start Date` + `Start Time` (nil when the header lacks them and rows carry times).
    public let headerStart: Int64?
    public private(set) var findings: [String] = []

    private let path: String
    private let data: [UInt8]
    private let rate: Double
    private let order: DateOrder
    private let columnCount: Int
    /// The fields of the row being read (reused).
    private var cells: [Range<Int>] = []
    private let timeColumn: Int?
    private let axisColumns: [Int]
    private var position: Int
    private var line: Int
    private var rowsRead = 0
    /// The next run's expected start when the previous block ended only because it was full.
    private var continuation: (start: Int64, rows: Int)?
    /// A row read (with its time) but not yet returned: it starts the next block.
    private var pendingRow: (time: Int64, xyz: (Float, Float, Float), offset: Int, line: Int)?
    private var excluded = 0
    /// The fill ActiLife writes where the device recorded nothing (`fillSeconds`): the last row's values, the rows
    /// equal to them held back until they are known to be a fill or not, whether they are, and the counts.
    private var lastValues: (Float, Float, Float)?
    private var heldRepeats: [(time: Int64, xyz: (Float, Float, Float), offset: Int, line: Int)] = []
    /// Rows let go (a short run of equal rows and the row after it), returned in order before any new row.
    private var released: [(time: Int64, xyz: (Float, Float, Float), offset: Int, line: Int)] = []
    private var heldNext = 0
    private var inFill = false
    private var fillRows = 0
    private var fillSpans = 0
    private var zeroRows = 0
    /// Line of the row after the latest fill (the block it starts says why the samples before it are missing).
    private var fillEndLine: Int?
    /// Line of the first fill or zero row (for the finding).
    private var firstFillLine: Int?
    private var firstZeroLine: Int?
    /// Time of the first row read.
    private var firstTime: Int64?

    /// Whether `firstLine` is the first line of an ActiLife export (`------------ Data File Created By ActiGraph`,
    /// also `Data Table File Created By Actigraph`).
    /// A UTF-8 byte order mark before it is allowed (gt3x2csv and Windows tools write one).
    public static func isActiLifeHeader<S: StringProtocol>(_ firstLine: S) -> Bool {
        let line = firstLine.drop { $0 == "\u{FEFF}" }
        guard line.hasPrefix("------------ Data") else { return false }
        let head = line.prefix(80).lowercased()
        return head.contains("file created by actigraph")
    }

    /// Rows per block: ten seconds of samples.
    private var rowsPerBlock: Int { max(1, Int(rate) * 10) }

    public init(url: URL) throws {
        try self.init(path: url.path, bytes: try Bytes.read(url))
    }

    /// Order of day, month and year in a date, from a .NET-style format (`M/d/yyyy`).
    struct DateOrder: Equatable {
        var day: Int
        var month: Int
        var year: Int

        init?(_ format: String) {
            let tokens = format.split(whereSeparator: { !$0.isLetter }).map { $0.lowercased() }
            guard tokens.count == 3,
                let d = tokens.firstIndex(where: { $0 == "d" || $0 == "dd" }),
                let m = tokens.firstIndex(where: { $0 == "m" || $0 == "mm" }),
                let y = tokens.firstIndex(where: { $0 == "yy" || $0 == "yyyy" })
            else { return nil }
            day = d
            month = m
            year = y
        }

        /// Days since 1970-01-01 of a date in this order, nil when it is not a date.
        func days<S: StringProtocol>(_ text: S) -> Int? {
            let parts = text.split(whereSeparator: { !$0.isNumber }).map { Int($0) }
            guard parts.count == 3, let d = parts[day], let m = parts[month], var y = parts[year] else { return nil }
            if y < 100 { y += 2000 }
            guard (1...12).contains(m), (1...31).contains(d), (1970...2200).contains(y) else { return nil }
            return Int(Bytes.micros(year: y, month: m, day: d, hour: 0, minute: 0, second: 0) / 86_400_000_000)
        }
    }

    /// µs from midnight of `hh:mm:ss[.fff][ AM|PM]`, nil when it is not a time of day.
    static func timeOfDay<S: StringProtocol>(_ text: S) -> Int64? {
        var t = text.trimmingCharacters(in: .whitespaces)
        var pm: Bool?
        if t.hasSuffix("AM") || t.hasSuffix("PM") {
            pm = t.hasSuffix("PM")
            t = String(t.dropLast(2)).trimmingCharacters(in: .whitespaces)
        }
        let parts = t.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let h0 = Int(parts[0]), let m = Int(parts[1]), parts[0].count <= 2, parts[1].count == 2
        else { return nil }
        let secParts = parts[2].split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(secParts.count), secParts[0].count == 2, let s = Int(secParts[0]) else { return nil }
        var micro = 0
        if secParts.count == 2 {
            let f = secParts[1]
            guard (1...6).contains(f.count), f.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(f) else { return nil }
            micro = v
            for _ in f.count..<6 { micro *= 10 }
        }
        var h = h0
        if let pm {
            guard (1...12).contains(h) else { return nil }
            h = h % 12 + (pm ? 12 : 0)
        }
        guard h < 24, m < 60, s < 60 else { return nil }
        return Int64(h * 3600 + m * 60 + s) * 1_000_000 + Int64(micro)
    }

    public init(path: String, bytes: [UInt8]) throws {
        self.path = path
        data = bytes
        func fail(_ line: Int, _ what: String) -> InputError { InputError(file: path, location: .line(line), message: what) }
        // Header lines up to the column names.
        var p = 0
        var n = 0
        var header: [String] = []
        var columnsLine: String?
        while p < bytes.count, n < 40 {
            var e = p
            while e < bytes.count, bytes[e] != 0x0A { e += 1 }
            var end = e
            if end > p, bytes[end - 1] == 0x0D { end -= 1 }
            let text = String(decoding: bytes[p..<end], as: UTF8.self)
            n += 1
            p = min(e + 1, bytes.count)
            let lower = text.lowercased()
            if lower.hasPrefix("timestamp") || lower.hasPrefix("accelerometer") {
                columnsLine = text
                break
            }
            // ActiLife pads header lines with the commas of the table's columns (`Start Time 09:00:00,,,`).
            var trimmed = Substring(text)
            while let last = trimmed.last, last == "," || last == " " || last == "\t" { trimmed.removeLast() }
            header.append(String(trimmed))
        }
        let first = header.first ?? ""
        guard ActiLifeCSVDecoder.isActiLifeHeader(first) else {
            throw fail(1, "expected an ActiLife CSV export ('------------ Data File Created By ActiGraph ...')")
        }
        // "... By ActiGraph GT3X+ ActiLife v6.13.4 Firmware v2.5.0 date format M/d/yyyy at 30 Hz  Filter Normal ---"
        func after(_ marker: String, in text: String) -> Substring? {
            guard let r = text.range(of: marker) else { return nil }
            return text[r.upperBound...].split(separator: " ").first
        }
        guard let formatText = after("date format ", in: first), let order = DateOrder(String(formatText)) else {
            throw fail(1, "expected 'date format <d, M and yyyy in some order>' in the first line")
        }
        guard let rateText = after(" at ", in: first), let rate = PlainDecimal.parse(rateText) else {
            throw fail(1, "expected 'at <rate> Hz' in the first line")
        }
        if let problem = RecordingLimits.sampleRateProblem(rate) { throw fail(1, problem) }
        self.rate = rate
        self.order = order
        dateFormat = String(formatText)
        var fields: [String: (String, Int)] = [:]
        for (i, h) in header.enumerated() {
            for key in ["Serial Number:", "Start Time", "Start Date", "Epoch Period (hh:mm:ss)"] where h.hasPrefix(key) {
                fields[key] = (h.dropFirst(key.count).trimmingCharacters(in: .whitespaces), i + 1)
            }
        }
        if let (epoch, line) = fields["Epoch Period (hh:mm:ss)"], epoch != "00:00:00" {
            throw fail(
                line,
                "an ActiLife epoch (count) export (Epoch Period \(epoch)) holds activity counts per epoch, not raw "
                    + "acceleration; leg movements cannot be measured from counts: replay the device's .gt3x instead")
        }
        guard let columnsLine else {
            throw fail(
                n, "expected the column names (Accelerometer X,Accelerometer Y,Accelerometer Z) after the header")
        }
        let names = columnsLine.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        var axes: [Int] = []
        for axis in ["x", "y", "z"] {
            guard let c = names.firstIndex(of: "accelerometer \(axis)") else {
                throw fail(n, "expected a column 'Accelerometer \(axis.uppercased())'")
            }
            axes.append(c)
        }
        axisColumns = axes
        timeColumn = names.firstIndex(of: "timestamp")
        hasTimestamps = timeColumn != nil
        columnCount = names.count
        var start: Int64?
        if let (dateText, dateLine) = fields["Start Date"], let (timeText, timeLine) = fields["Start Time"] {
            guard let days = order.days(dateText) else {
                throw fail(dateLine, "expected 'Start Date' as \(dateFormat), found '\(dateText)'")
            }
            guard let tod = ActiLifeCSVDecoder.timeOfDay(timeText) else {
                throw fail(timeLine, "expected 'Start Time hh:mm:ss', found '\(timeText)'")
            }
            start = Int64(days) * 86_400_000_000 + tod
        } else if timeColumn == nil {
            throw fail(
                header.count, "expected 'Start Date' and 'Start Time' in the header (the rows have no time stamps)")
        }
        headerStart = start
        let device = first.split(separator: " ").drop { $0 != "ActiGraph" }.dropFirst().first.map(String.init) ?? ""
        info = DeviceInfo(
            format: "actilife-csv", device: "ActiGraph " + device,
            serial: fields["Serial Number:"]?.0 ?? "", sampleRate: rate)
        position = p
        line = n + 1
    }

    private mutating func note(_ text: String) {
        if findings.count < 1000 { findings.append(text) }
    }

    /// Reads the row at `position`: nil at the end of the file (or at a cut-off last line, with a finding).
    private mutating func readRow() throws -> (time: Int64, xyz: (Float, Float, Float), offset: Int, line: Int)? {
        while position < data.count {
            let start = position
            // The line's end, its fields and the three axis values, read in one pass over the bytes in place (the
            // cell list is reused from row to row; no allocation per row).
            var e = start
            var x: Float = 0, y: Float = 0, z: Float = 0
            var ok = true
            cells.removeAll(keepingCapacity: true)
            let axes = axisColumns
            var complete = false, end = start
            // One pass over the row's bytes in place: its end, then (unless blank) its fields and axis values. Every
            // index is within start..<end, inside the buffer.
            data.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                // memchr finds the line end within the buffer's own bounds (count - start bytes from start).
                if let nl = memchr(base + start, 0x0A, buffer.count - start) {
                    e = UnsafePointer<UInt8>(nl.assumingMemoryBound(to: UInt8.self)) - base
                } else {
                    e = buffer.count
                }
                complete = e < buffer.count
                end = e
                if end > start, base[end - 1] == 0x0D { end -= 1 }
                if end == start { return }  // blank line
                var c = start
                for i in start..<end where base[i] == 0x2C {
                    cells.append(c..<i)
                    c = i + 1
                }
                cells.append(c..<end)
                guard cells.count == columnCount else { return }
                for a in 0..<3 {
                    let r = cells[axes[a]]
                    guard let value = PlainDecimal.parse(bytes: UnsafeBufferPointer(start: base + r.lowerBound, count: r.count))
                    else {
                        ok = false
                        return
                    }
                    let g = abs(value) > RecordingLimits.maxAccelerationG ? Float.nan : Float(value)
                    switch a {
                    case 0: x = g
                    case 1: y = g
                    default: z = g
                    }
                }
            }
            let lineNumber = line
            position = complete ? e + 1 : data.count
            line += 1
            if end == start { continue }  // blank line
            func bad(_ what: String) throws -> Bool {
                if !complete {
                    note("line \(lineNumber): the last line is cut off (the file ends mid-row); read up to it")
                    position = data.count
                    return true
                }
                throw InputError(file: path, location: .line(lineNumber), message: what)
            }
            guard cells.count == columnCount else {
                if try bad("expected \(columnCount) fields, found \(cells.count)") { return nil }
                continue
            }
            guard ok else {
                if try bad("expected three numbers (g) in the Accelerometer X, Y and Z columns") { return nil }
                continue
            }
            if x.isNaN || y.isNaN || z.isNaN {
                if excluded == 0 {
                    note("line \(lineNumber): a value beyond ±\(Int(RecordingLimits.maxAccelerationG)) g is read as missing")
                }
                excluded += 1
            }
            var time: Int64
            if let tc = timeColumn {
                let text = String(decoding: data[cells[tc]], as: UTF8.self)
                let pieces = text.split(separator: " ", maxSplits: 1)
                guard pieces.count == 2, let days = order.days(pieces[0]), let tod = ActiLifeCSVDecoder.timeOfDay(pieces[1]) else {
                    if try bad("expected a time stamp '\(dateFormat) hh:mm:ss.fff', found '\(text)'") { return nil }
                    continue
                }
                time = Int64(days) * 86_400_000_000 + tod
            } else {
                time = (headerStart ?? 0) + Int64((Double(rowsRead) * 1e6 / rate).rounded())
            }
            rowsRead += 1
            return (time, (x, y, z), start, lineNumber)
        }
        return nil
    }

    /// The next row that is a measurement: `readRow` with ActiLife's fill taken out (rows of exactly 0 g come back as
    /// missing, runs of repeated rows of `fillSeconds` or more are skipped, leaving a gap in the times).
    private mutating func nextRow() throws -> (time: Int64, xyz: (Float, Float, Float), offset: Int, line: Int)? {
        while true {
            if heldNext < released.count {
                heldNext += 1
                return released[heldNext - 1]
            }
            if heldNext > 0 {
                released.removeAll(keepingCapacity: true)
                heldNext = 0
            }
            guard var row = try readRow() else {
                if heldRepeats.isEmpty { return nil }
                swap(&released, &heldRepeats)  // the file ended in a short run of equal rows: they are measurements
                continue
            }
            if row.xyz.0 == 0, row.xyz.1 == 0, row.xyz.2 == 0 {
                zeroRows += 1
                if firstZeroLine == nil { firstZeroLine = row.line }
                row.xyz = (.nan, .nan, .nan)
            }
            if let last = lastValues, row.xyz == last {
                if inFill {
                    fillRows += 1
                    continue
                }
                heldRepeats.append(row)
                if Double(heldRepeats.count) >= Self.fillSeconds * rate {
                    inFill = true
                    fillSpans += 1
                    fillRows += heldRepeats.count
                    if firstFillLine == nil { firstFillLine = heldRepeats[0].line }
                    heldRepeats.removeAll(keepingCapacity: true)
                }
                continue
            }
            lastValues = row.xyz.0.isNaN || row.xyz.1.isNaN || row.xyz.2.isNaN ? nil : row.xyz
            if inFill { fillEndLine = row.line }
            inFill = false
            if heldRepeats.isEmpty { return row }
            heldRepeats.append(row)  // a short run of equal rows: measurements, then this row
            swap(&released, &heldRepeats)
        }
    }

    public mutating func nextBlock() throws -> DeviceSampleBlock? {
        guard let first = try pendingRow ?? nextRow() else {
            if excluded > 1 { note("\(excluded) rows had values beyond ±\(Int(RecordingLimits.maxAccelerationG)) g (read as missing)") }
            excluded = 0
            if fillSpans > 0, let line = firstFillLine {
                note(
                    "\(fillRows) rows in \(fillSpans) run(s) repeat the row before them for \(Self.fillSeconds) s or more "
                        + "(the first at line \(line)): ActiLife's fill of idle sleep mode, not a measurement; read as missing")
                fillSpans = 0
            }
            if zeroRows > 0, let line = firstZeroLine {
                note(
                    "\(zeroRows) rows of exactly 0 g on all three axes (the first at line \(line)): ActiLife writes them "
                        + "where the device recorded nothing; read as missing")
                zeroRows = 0
            }
            return nil
        }
        pendingRow = nil
        let reason = first.line == fillEndLine ? "ActiLife's fill of idle sleep mode (rows repeating the last sample)" : nil
        let period = 1 / rate
        // A block that follows a full one on time starts where it left off (no rounding of millisecond stamps).
        var start = first.time
        if let c = continuation, abs(Double(first.time - c.start) / 1e6) <= 0.5 * period {
            start = c.start
        } else if hasTimestamps, let anchor = headerStart ?? firstTime {
            // Time stamps are written to the millisecond: a run after a gap that lies within half a millisecond of
            // the sample grid from the start (30 Hz: 33.333 ms steps) starts on it, so its samples stay on the grid.
            let k = (Double(first.time - anchor) * rate / 1e6).rounded()
            let exact = anchor + Int64((k * 1e6 / rate).rounded())
            if abs(first.time - exact) <= 501 { start = exact }
        }
        if firstTime == nil { firstTime = start }
        continuation = nil
        var xyz: [Float] = [first.xyz.0, first.xyz.1, first.xyz.2]
        xyz.reserveCapacity(rowsPerBlock * 3)
        var count = 1
        while count < rowsPerBlock {
            guard let row = try nextRow() else { return DeviceSampleBlock(start: start, period: period, xyz: xyz, offset: first.offset, gapReason: reason) }
            let expected = Double(start) + Double(count) * period * 1e6
            if abs(Double(row.time) - expected) > 0.5 * period * 1e6 {
                pendingRow = row  // a gap, or time going back: the row starts the next block
                return DeviceSampleBlock(start: start, period: period, xyz: xyz, offset: first.offset, gapReason: reason)
            }
            xyz.append(row.xyz.0)
            xyz.append(row.xyz.1)
            xyz.append(row.xyz.2)
            count += 1
        }
        continuation = (start + Int64((Double(count) * period * 1e6).rounded()), count)
        return DeviceSampleBlock(start: start, period: period, xyz: xyz, offset: first.offset, gapReason: reason)
    }
}
