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
    /// g of each 12-bit count per axis (index: axis × 4096 + the count's 12 bits), `(raw × 100 − offset) / gain`
    /// worked out once per file instead of once per sample.
    private let gOf12Bit: [Float]
    /// The last page's `Measurement Frequency` text and the rate read from it (pages repeat it).
    private var lastRateText: [UInt8] = []
    private var lastRate: Double?
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
        gOf12Bit = (0..<(3 * 4096)).map { k in
            let a = k / 4096
            var raw = k % 4096
            if raw >= 2048 { raw -= 4096 }
            return Float((Double(raw) * 100 - offset[a]) / gain[a])
        }
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
            if let block = wellFormedPage() { return block }
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

    /// Two bytes (the first in the low 8 bits, as a little-endian UInt16 load gives them) as two hex digits: their
    /// value (0–255); 0x100 set when either byte is not a hex digit.
    static let hexPairs: [UInt16] = (0..<65536).map { k in
        guard let hi = hex(UInt8(k & 0xFF)), let lo = hex(UInt8(k >> 8)) else { return 0x100 }
        return UInt16(hi << 4 | lo)
    }
    static let pageMarker = Array("Recorded Data".utf8)
    static let pageTimeKey = Array("page time".utf8)
    static let frequencyKey = Array("measurement frequency".utf8)

    /// Whether `b[range]` is `key` (lowercase ASCII) with its letters in either case: what `lowercased() == key`
    /// says of an ASCII key.
    static func isKey(_ b: UnsafeRawBufferPointer, _ range: Range<Int>, _ key: [UInt8]) -> Bool {
        guard range.count == key.count else { return false }
        for (i, k) in zip(range, key) {
            let c = b[i]
            guard (c >= 0x41 && c <= 0x5A ? c + 0x20 : c) == k else { return false }
        }
        return true
    }

    /// µs of a page time written with digits and the separators `-`, space and `:` only
    /// (`2013-05-30 10:12:54:500`): what `pageTime` reads from such text. nil for any other text, which
    /// `pageTime` then reads or rejects.
    static func digitsPageTime(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int64? {
        var parts: [Int] = []
        parts.reserveCapacity(7)
        var value = 0
        var digits = 0
        for i in range.lowerBound...range.upperBound {
            let c = i < range.upperBound ? b[i] : 0x20
            if c >= 0x30, c <= 0x39 {
                guard digits < 18 else { return nil }  // Int's range: left to `pageTime`
                value = value * 10 + Int(c - 0x30)
                digits += 1
            } else if c == 0x2D || c == 0x20 || c == 0x3A {
                if digits > 0 { parts.append(value) }
                value = 0
                digits = 0
            } else {
                return nil
            }
        }
        guard parts.count == 7 else { return nil }
        let (y, mo, d, h, mi, s, ms) = (parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6])
        guard (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61, ms < 1000, y >= 1970, y < 2200
        else { return nil }
        return Bytes.micros(year: y, month: mo, day: d, hour: h, minute: mi, second: s, micro: ms * 1000)
    }

    /// The page at `position` read straight from the bytes when it is laid out as the description says: ten
    /// lines each ending in LF, the first `Recorded Data`, eight ASCII `Key:Value` lines with a `Page Time` of
    /// digits and separators and a rate that reads, and a line of whole samples (at most 300) of hex digits.
    /// Such a page gives the same block as the general reading below, without making a String of each line:
    /// hex digits two at a time through a lookup table, counts to g through `gOf12Bit`. nil, with nothing changed, for any
    /// other page, which the general reading then reads or reports.
    private mutating func wellFormedPage() -> DeviceSampleBlock? {
        let start = position
        let bytes = data
        let table = gOf12Bit
        let scanned: (time: Int64, rate: Range<Int>?, hex: Range<Int>, next: Int)? = bytes.withUnsafeBytes { b in
            guard let base = b.baseAddress else { return nil }
            // The ten lines (without CR LF); each LF is found by memchr within b, so every range lies in b.
            var lines: [Range<Int>] = []
            lines.reserveCapacity(10)
            var p = start
            for _ in 0..<10 {
                guard p < b.count, let hit = memchr(base + p, 0x0A, b.count - p) else { return nil }
                let lf = base.distance(to: UnsafeRawPointer(hit))
                lines.append(p..<(lf > p && b[lf - 1] == 0x0D ? lf - 1 : lf))
                p = lf + 1
            }
            guard lines[0].elementsEqual(GENEActivDecoder.pageMarker, by: { b[$0] == $1 }) else { return nil }
            var time: Range<Int>?
            var rate: Range<Int>?
            for line in lines[1..<9] {
                var colon: Int?
                for i in line {
                    guard b[i] < 0x80 else { return nil }
                    if colon == nil, b[i] == 0x3A { colon = i }
                }
                guard let colon else { continue }
                // As the general reading's dictionary: the last line with the key wins.
                let key = line.lowerBound..<colon
                if GENEActivDecoder.isKey(b, key, GENEActivDecoder.pageTimeKey) { time = (colon + 1)..<line.upperBound }
                if GENEActivDecoder.isKey(b, key, GENEActivDecoder.frequencyKey) { rate = (colon + 1)..<line.upperBound }
            }
            guard let time, let t = GENEActivDecoder.digitsPageTime(b, time) else { return nil }
            return (t, rate, lines[9], p)
        }
        guard let scanned, scanned.hex.count % 12 == 0, scanned.hex.count <= 3600 else { return nil }
        var rate = info.sampleRate
        if let r = scanned.rate {
            let text = Array(bytes[r])
            if text != lastRateText || lastRate == nil {
                // As the general reading: the text (ASCII here) without spaces and tabs at its ends, as a Double.
                lastRate = Double(String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespaces))
                lastRateText = text
                if lastRate == nil { lastRateText = [] }
            }
            if let read = lastRate { rate = read }
        }
        guard rate.isFinite, rate > 0, rate <= RecordingLimits.maxSampleRate else { return nil }
        let n = scanned.hex.count / 12
        let hex = scanned.hex
        var valid = true
        let pairs = GENEActivDecoder.hexPairs
        let xyz = bytes.withUnsafeBytes { all in
            // The hex line's bytes (a range of the file found above, n × 12 long); `d` is indexed by a UInt16
            // (65536 entries), `g` by axis × 4096 + 12 bits (3 × 4096 entries).
            let line = UnsafeRawBufferPointer(rebasing: all[hex])
            return pairs.withUnsafeBufferPointer { d in
                table.withUnsafeBufferPointer { g in
                    [Float](unsafeUninitializedCapacity: n * 3) { out, initialized in
                        var invalid: UInt16 = 0
                        for i in 0..<n {
                            // The sample's twelve digits as six pairs: x = 3 digits, y = 3, z = 3, then light
                            // and button (3), which must be hex digits too.
                            let q = i * 12
                            let p0 = d[Int(UInt16(littleEndian: line.loadUnaligned(fromByteOffset: q, as: UInt16.self)))]
                            let p1 = d[Int(UInt16(littleEndian: line.loadUnaligned(fromByteOffset: q + 2, as: UInt16.self)))]
                            let p2 = d[Int(UInt16(littleEndian: line.loadUnaligned(fromByteOffset: q + 4, as: UInt16.self)))]
                            let p3 = d[Int(UInt16(littleEndian: line.loadUnaligned(fromByteOffset: q + 6, as: UInt16.self)))]
                            let p4 = d[Int(UInt16(littleEndian: line.loadUnaligned(fromByteOffset: q + 8, as: UInt16.self)))]
                            let p5 = d[Int(UInt16(littleEndian: line.loadUnaligned(fromByteOffset: q + 10, as: UInt16.self)))]
                            invalid |= p0 | p1 | p2 | p3 | p4 | p5
                            let x = Int(p0 & 0xFF) << 4 | Int(p1 & 0xFF) >> 4
                            let y = Int(p1 & 0x0F) << 8 | Int(p2 & 0xFF)
                            let z = Int(p3 & 0xFF) << 4 | Int(p4 & 0xFF) >> 4
                            out[i * 3] = g[x]
                            out[i * 3 + 1] = g[4096 + y]
                            out[i * 3 + 2] = g[8192 + z]
                        }
                        valid = invalid & 0x100 == 0
                        initialized = n * 3
                    }
                }
            }
        }
        guard valid else { return nil }
        position = scanned.next
        pagesSeen += 1
        pagesRead += 1
        return DeviceSampleBlock(start: scanned.time, period: 1 / rate, xyz: xyz, offset: start)
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
