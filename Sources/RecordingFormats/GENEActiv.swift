import Foundation
import PLMVocabulary

/// GENEActiv `.bin` (Activinsights), per the GENEActiv instructions manual's file description (Activinsights,
/// "GENEActiv Instructions", section "Binary file format") and docs/recording-format.md, "GENEActiv .bin":
/// a text file (CR LF lines). A header of `Key:Value` lines in sections (`Device Identity`, `Configuration Info`
/// with `Measurement Frequency:100 Hz` and `Time Zone:GMT +01:00`, `Calibration Data` with `x gain`, `x offset`, ...
/// for each axis, `Memory Status` with `Number of Pages`), then pages of 300 samples: `Recorded Data`, nine
/// `Key:Value` lines (`Page Time:2013-05-30 10:12:54:500` on the device's clock, `Measurement Frequency:100.0`, ...)
/// and one line of 3600 hex digits, 12 per sample: x, y, z as 12-bit two's complement, then 10 bits of light,
/// the button and a reserved bit. Calibrated: `g = (raw × 100 − offset) / gain`.
///
/// A page cut off by the end of the file (a recording downloaded while still running, or copied short) ends the
/// reading at the last whole page with a finding; a page with bad hex or a bad time is skipped with its offset.
public struct GENEActivDecoder: DeviceDecoder {
    public let info: DeviceInfo
    /// Pages the header says the file holds.
    public let declaredPages: Int?
    private let path: String
    private let data: [UInt8]
    private let gain: [Double]
    private let offset: [Double]
    private var position: Int
    private var pending: DeviceSampleBlock?
    public private(set) var findings: [String] = []
    private var dropped = 0
    public private(set) var pagesRead = 0
    /// Pages met so far, read or skipped (the number of the next page, from 0).
    private var pagesSeen = 0

    public init(url: URL) throws {
        try self.init(path: url.path, bytes: try Bytes.read(url))
    }

    /// The line starting at `p`: its text (without CR LF) and where the next line starts (nil when the file ends
    /// without a line end).
    static func line(_ b: [UInt8], _ p: Int) -> (text: Substring, next: Int?) {
        var e = p
        while e < b.count, b[e] != 0x0A { e += 1 }
        var end = e
        if end > p, b[end - 1] == 0x0D { end -= 1 }
        let text = String(decoding: b[p..<end], as: UTF8.self)
        return (Substring(text), e < b.count ? e + 1 : nil)
    }

    public init(path: String, bytes: [UInt8]) throws {
        self.path = path
        data = bytes
        let prefix = Array("Device Identity".utf8)
        guard bytes.count >= prefix.count, Array(bytes[0..<prefix.count]) == prefix else {
            throw InputError(
                file: path, location: .byte(0), message: "expected a GENEActiv .bin (first line 'Device Identity')")
        }
        var fields: [String: String] = [:]
        var lines: [String: Int] = [:]
        var lineNumber = 0
        var p = 0
        var dataStart: Int?
        while p < bytes.count {
            lineNumber += 1
            let (text, next) = GENEActivDecoder.line(bytes, p)
            if text == "Recorded Data" {
                dataStart = p
                break
            }
            if let colon = text.firstIndex(of: ":") {
                let key = text[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces.union(.controlCharacters))
                if fields[key] == nil {
                    fields[key] = value
                    lines[key] = lineNumber
                }
            }
            guard let next else { break }
            p = next
        }
        /// An error in the header, at the line of `key` when the header has it.
        func fail(_ key: String, _ what: String) -> InputError {
            if let n = lines[key] { return InputError(file: path, location: .line(n), message: what) }
            return InputError(file: path, within: "the header", message: what)
        }
        guard let dataStart else {
            throw InputError(file: path, location: .byte(bytes.count), message: "expected a page ('Recorded Data'); the file holds only a header")
        }
        func number(_ key: String) throws -> Double {
            guard let t = fields[key], let v = Double(t.split(separator: " ").first ?? ""), v.isFinite else {
                throw fail(key, "expected '\(key):<number>', found '\(fields[key] ?? "nothing")'")
            }
            return v
        }
        let rate = try number("measurement frequency")
        if let p = RecordingLimits.sampleRateProblem(rate) { throw fail("measurement frequency", p) }
        var gain: [Double] = []
        var offset: [Double] = []
        for axis in ["x", "y", "z"] {
            let g = try number("\(axis) gain")
            guard g >= 1 else { throw fail("\(axis) gain", "'\(axis) gain:\(g)' must be positive") }
            gain.append(g)
            offset.append(try number("\(axis) offset"))
        }
        self.gain = gain
        self.offset = offset
        // `GMT +01:00`, `GMT -05:30`
        var utcOffset: Int?
        if let tz = fields["time zone"], let sign = tz.firstIndex(where: { $0 == "+" || $0 == "-" }) {
            let parts = tz[tz.index(after: sign)...].split(separator: ":").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            if parts.count == 2, parts[0] <= 14, parts[1] < 60 {
                utcOffset = (tz[sign] == "-" ? -1 : 1) * (parts[0] * 3600 + parts[1] * 60)
            }
        }
        var range: Double?
        if let r = fields["accelerometer range"], let top = r.split(separator: " ").last.flatMap({ Double($0) }), top > 0 {
            range = top
        }
        declaredPages = fields["number of pages"].flatMap { Int($0) }
        info = DeviceInfo(
            format: "geneactiv", device: "GENEActiv " + (fields["device model"] ?? ""),
            serial: fields["device unique serial code"] ?? "", sampleRate: rate, rangeG: range,
            resolutionG: 100 / gain.reduce(0, +) * 3, utcOffsetSeconds: utcOffset)
        position = dataStart
    }

    private mutating func note(_ text: String) {
        if findings.count < 1000 { findings.append(text) } else { dropped += 1 }
    }

    @inline(__always) static func hex(_ c: UInt8) -> Int? {
        switch c {
        case 0x30...0x39: Int(c) - 0x30
        case 0x41...0x46: Int(c) - 0x41 + 10
        case 0x61...0x66: Int(c) - 0x61 + 10
        default: nil
        }
    }

    /// µs since 1970-01-01 (device clock) of `2013-05-30 10:12:54:500`.
    static func pageTime(_ t: Substring) -> Int64? {
        let parts = t.split(whereSeparator: { $0 == "-" || $0 == " " || $0 == ":" }).map { Int($0) }
        guard parts.count == 7, let y = parts[0], let mo = parts[1], let d = parts[2], let h = parts[3],
            let mi = parts[4], let s = parts[5], let ms = parts[6], (1...12).contains(mo), (1...31).contains(d),
            h < 24, mi < 60, s < 61, ms < 1000, y >= 1970, y < 2200
        else { return nil }
        return Bytes.micros(year: y, month: mo, day: d, hour: h, minute: mi, second: s, micro: ms * 1000)
    }

    /// The page at `position`, or nil at the end; advances past it. Damaged pages are reported and skipped.
    private mutating func nextPage() -> DeviceSampleBlock? {
        while position < data.count {
            let start = position
            var lines: [Substring] = []
            var p = start
            var complete = true
            for _ in 0..<10 {
                let (text, next) = GENEActivDecoder.line(data, p)
                lines.append(text)
                guard let next else {
                    complete = false
                    p = data.count
                    break
                }
                p = next
            }
            let page = pagesSeen
            // The last page may end without a line end after its samples.
            if !complete, lines.count == 10, lines[9].count == 3600 { complete = true }
            guard complete else {
                if lines.allSatisfy({ $0.isEmpty }) { position = data.count; return nil }  // trailing blank lines
                note(
                    "byte \(start): the file stops inside page \(page) (\(data.count - start) bytes of it); "
                        + "read up to the last whole page")
                position = data.count
                return nil
            }
            position = p
            guard lines[0] == "Recorded Data" else {
                note("byte \(start): expected a page ('Recorded Data'), found '\(lines[0].prefix(40))'; skipped to the next page")
                resync(from: start + 1)
                continue
            }
            pagesSeen += 1
            var fields: [String: Substring] = [:]
            for l in lines[1..<9] {
                if let c = l.firstIndex(of: ":") { fields[l[..<c].lowercased()] = l[l.index(after: c)...] }
            }
            guard let timeText = fields["page time"], let time = GENEActivDecoder.pageTime(timeText) else {
                note("byte \(start): page \(page) has no readable 'Page Time'; skipped")
                continue
            }
            let rate = fields["measurement frequency"].flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
                ?? info.sampleRate
            guard rate.isFinite, rate > 0, rate <= RecordingLimits.maxSampleRate else {
                note("byte \(start): page \(page) 'Measurement Frequency:\(rate)' is not a rate; skipped")
                continue
            }
            let hexLine = Array(lines[9].utf8)
            guard hexLine.count % 12 == 0, hexLine.count <= 3600 else {
                note("byte \(start): page \(page) has \(hexLine.count) hex digits; expected 3600 (300 samples); skipped")
                continue
            }
            let n = hexLine.count / 12
            var xyz = [Float](repeating: 0, count: n * 3)
            var bad = false
            sampleLoop: for i in 0..<n {
                for a in 0..<3 {
                    let k = i * 12 + a * 3
                    guard let h0 = GENEActivDecoder.hex(hexLine[k]), let h1 = GENEActivDecoder.hex(hexLine[k + 1]),
                        let h2 = GENEActivDecoder.hex(hexLine[k + 2])
                    else {
                        bad = true
                        break sampleLoop
                    }
                    var raw = h0 << 8 | h1 << 4 | h2
                    if raw >= 2048 { raw -= 4096 }
                    xyz[i * 3 + a] = Float((Double(raw) * 100 - offset[a]) / gain[a])
                }
                for k in (i * 12 + 9)..<(i * 12 + 12) where GENEActivDecoder.hex(hexLine[k]) == nil {
                    bad = true
                    break sampleLoop
                }
            }
            if bad {
                note("byte \(start): page \(page) has a character that is not a hex digit; skipped")
                continue
            }
            pagesRead += 1
            return DeviceSampleBlock(start: time, period: 1 / rate, xyz: xyz, offset: start)
        }
        return nil
    }

    private mutating func resync(from p: Int) {
        let marker = Array("Recorded Data".utf8)
        var q = p
        while q + marker.count <= data.count {
            if data[q] == 0x52, (q == 0 || data[q - 1] == 0x0A), Array(data[q..<(q + marker.count)]) == marker {
                position = q
                return
            }
            q += 1
        }
        position = data.count
    }

    public mutating func nextBlock() throws -> DeviceSampleBlock? {
        if pending == nil { pending = nextPage() }
        guard var current = pending else {
            if dropped > 0 {
                note("\(dropped) more findings not listed")
                dropped = 0
            }
            return nil
        }
        pending = nextPage()
        if let next = pending {
            let measured = Double(next.start - current.start) / 1e6 / Double(current.count)
            if abs(measured - current.period) <= 0.1 * current.period { current.period = measured }
        }
        return current
    }
}
