import Foundation
import LegMovementScoring
import PLMVocabulary

/// ActiGraph `.gt3x` (GT3X+, wGT3X+, wGT3X-BT, ActiSleep, GT9X Link): a zip archive holding `info.txt` and either
/// `log.bin` (log records, firmware 3.0 and later; actigraph/GT3X-File-Format) or, from GT3X+ with firmware 2.5.0
/// and earlier, `activity.bin` (one continuous run of samples; actigraph/NHANES-GT3X-File-Format).
/// docs/recording-format.md, "ActiGraph .gt3x".
///
/// - `info.txt`: `Key: Value` lines; `Sample Rate` (Hz), `Start Date` (.NET ticks, 100 ns since 0001-01-01, on the
///   device's clock), `TimeZone` (`-06:00:00`), `Serial Number`, `Acceleration Scale` (LSB/g; when absent, 341 for
///   NEO, CLE and MRA serials, 256 for MOS and TAS), `Side`.
/// - log records: `1E`, type, Unix time of the record's second (u32 LE, device clock), payload size (u16 LE),
///   payload, checksum (one's complement of the XOR of header and payload). ACTIVITY (0x00): one second of 12-bit
///   two's-complement samples packed big-endian in Y X Z order; ACTIVITY2 (0x1A): little-endian Int16 X Y Z; a
///   one-byte payload of either is a USB connection event, not samples. EVENT (0x03) with payload 08 / 09: idle
///   sleep mode entered / left: the device stops sampling, so the seconds without records are a gap (ActiLife
///   fills them with the last sample; plm reads them as missing — a still leg there is not a measurement).
/// - a record failing its checksum is skipped (a finding with its byte offset in log.bin), the reader resumes at the
///   next record that checks; zero bytes between records are skipped (documented); a torn last record ends the
///   reading with a finding.
public struct GT3XDecoder: DeviceDecoder {
    public let info: DeviceInfo
    /// `log.bin` or `activity.bin`.
    public let layout: String
    /// .NET ticks of 1970-01-01.
    static let unixEpochTicks: Int64 = 621_355_968_000_000_000

    private let path: String
    private let data: [UInt8]
    private let scale: Float
    private let rate: Int
    private var position = 0
    private var legacyStart: Int64 = 0
    private var idleSleep = false
    public private(set) var findings: [String] = []
    private var dropped = 0
    /// Records read, by kind (for tests and the cross-check).
    public private(set) var activityRecords = 0
    public private(set) var idleSleepSpans = 0

    public init(url: URL) throws {
        try self.init(path: url.path, bytes: try Bytes.read(url))
    }

    public init(path: String, bytes: [UInt8]) throws {
        let zip = try ZipArchive(path: path, bytes: bytes)
        guard let infoEntry = zip.entry("info.txt") else {
            throw InputError(file: path, message: "expected an info.txt member in the .gt3x archive")
        }
        try self.init(path: path, info: try zip.contents(of: infoEntry)) { name in
            try zip.entry(name).map { try zip.contents(of: $0) }
        }
    }

    /// The decoder of a `.gt3x` whose members are already out of the zip: `info` is info.txt's bytes, `member`
    /// gives `log.bin` or `activity.bin` by name (nil when the archive has no such member). It is asked after
    /// info.txt has been read, so errors come in the same order as from the archive. (The fuzz target feeds log.bin
    /// bytes straight through it.)
    public init(path: String, info infoBytes: [UInt8], member: (String) throws -> [UInt8]?) throws {
        self.path = path
        let text = String(decoding: infoBytes, as: UTF8.self)
        var fields: [String: String] = [:]
        var lines: [String: Int] = [:]
        // Lines end in CR LF (one Character in Swift) or LF.
        for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }).enumerated() {
            guard let colon = raw.firstIndex(of: ":") else { continue }
            let key = raw[..<colon].trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\u{FEFF}")))
            fields[key] = raw[raw.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            lines[key] = n + 1
        }
        /// An error in info.txt, at the line of `key` when the file has it.
        func fail(_ key: String, _ what: String) -> InputError {
            InputError(file: path, location: lines[key].map { .line($0) }, within: "info.txt", message: what)
        }
        guard let rateText = fields["Sample Rate"], let rateValue = PlainDecimal.parse(rateText),
            rateValue.rounded() == rateValue, rateValue >= 1, rateValue <= RecordingLimits.maxSampleRate
        else {
            throw fail(
                "Sample Rate",
                "expected 'Sample Rate: <Hz>' (a whole number, at most \(Int(RecordingLimits.maxSampleRate))), found '\(fields["Sample Rate"] ?? "nothing")'")
        }
        rate = Int(rateValue)
        let serial = fields["Serial Number"] ?? ""
        var scaleValue = fields["Acceleration Scale"].flatMap(Double.init) ?? 0
        if scaleValue <= 0 {
            let prefix = serial.prefix(3).uppercased()
            if ["NEO", "CLE", "MRA"].contains(prefix) {
                scaleValue = 341
            } else if ["MOS", "TAS"].contains(prefix) {
                scaleValue = 256
            } else {
                throw fail(
                    "Serial Number",
                    "no 'Acceleration Scale' and the serial number '\(serial)' names no known device (NEO, CLE, MRA, MOS, TAS)")
            }
        }
        guard scaleValue.isFinite, scaleValue >= 1, scaleValue <= 100_000 else {
            throw fail("Acceleration Scale", "'Acceleration Scale: \(scaleValue)' is not a plausible LSB/g (1–100000)")
        }
        let perG = Float(scaleValue)
        scale = perG
        gOf12Bit = (0..<4096).map { raw in Float(raw > 2047 ? raw - 4096 : raw) / perG }
        var offset: Int?
        if let tz = fields["TimeZone"] {
            // `-06:00:00`, `05:30:00`
            let negative = tz.hasPrefix("-")
            let parts = tz.trimmingCharacters(in: CharacterSet(charactersIn: "+-")).split(separator: ":").compactMap { Int($0) }
            if parts.count >= 2, parts[0] <= 14, parts[1] < 60 {
                offset = (negative ? -1 : 1) * (parts[0] * 3600 + parts[1] * 60 + (parts.count > 2 ? parts[2] : 0))
            }
        }
        let range = fields["Acceleration Max"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil }
            ?? (scaleValue == 341 ? 6 : 8)
        let side: Leg? =
            switch fields["Side"]?.lowercased() {
            case "left": .left
            case "right": .right
            default: nil
            }
        info = DeviceInfo(
            format: "gt3x", device: fields["Device Type"] ?? "ActiGraph", serial: serial, sampleRate: rateValue,
            rangeG: range, resolutionG: 1 / scaleValue, utcOffsetSeconds: offset, side: side)
        if let log = try member("log.bin") {
            layout = "log.bin"
            data = log
        } else if let activity = try member("activity.bin") {
            layout = "activity.bin"
            data = activity
            guard let ticksText = fields["Start Date"], let ticks = Int64(ticksText), ticks > GT3XDecoder.unixEpochTicks
            else {
                throw fail(
                    "Start Date", "expected 'Start Date: <.NET ticks>' for activity.bin, found '\(fields["Start Date"] ?? "nothing")'")
            }
            legacyStart = (ticks - GT3XDecoder.unixEpochTicks) / 10
        } else {
            throw InputError(
                file: path, message: "expected a log.bin or activity.bin member in the .gt3x archive (raw samples)")
        }
    }

    private mutating func note(_ text: String) {
        if findings.count < 1000 { findings.append(text) } else { dropped += 1 }
    }

    /// g of each 12-bit two's-complement count (index: the count's 12 bits): `Float(count) / scale`, worked out
    /// once per file instead of once per sample.
    private let gOf12Bit: [Float]

    /// 12-bit samples packed big-endian, Y X Z order, from `count` bytes at `start`: up to `maxSamples` samples.
    func unpack12(_ start: Int, _ count: Int, maxSamples: Int) -> [Float] {
        let samples = max(0, min(count * 8 / 36, maxSamples))
        guard samples > 0, start >= 0, count <= data.count - start else { return [] }
        let table = gOf12Bit
        return data.withUnsafeBytes { all in
            // Sample s's three values take 4.5 bytes from start + 4.5 s, so `samples` samples need at most
            // ceil(4.5 × samples) ≤ count bytes (samples ≤ count × 8 / 36): every byte read is within `b`.
            let b = UnsafeRawBufferPointer(rebasing: all[start..<(start + count)])
            return table.withUnsafeBufferPointer { g in
                // `g` has 4096 entries; every index below is masked to 12 bits.
                [Float](unsafeUninitializedCapacity: samples * 3) { out, initialized in
                    // Two samples (six values, Y X Z Y X Z) from nine bytes: the first eight as one big-endian
                    // word (five values and the top four bits of the sixth), the ninth the sixth's low byte.
                    var s = 0
                    while s + 2 <= samples {
                        let q = s / 2 * 9
                        let w = UInt64(bigEndian: b.loadUnaligned(fromByteOffset: q, as: UInt64.self))
                        let last = UInt64(b[q + 8])
                        let o = s * 3
                        out[o + 1] = g[Int((w >> 52) & 0xFFF)]
                        out[o] = g[Int((w >> 40) & 0xFFF)]
                        out[o + 2] = g[Int((w >> 28) & 0xFFF)]
                        out[o + 4] = g[Int((w >> 16) & 0xFFF)]
                        out[o + 3] = g[Int((w >> 4) & 0xFFF)]
                        out[o + 5] = g[Int((w & 0xF) << 8 | last)]
                        s += 2
                    }
                    if s < samples {
                        // The last of an odd number: Y X Z from the 4.5 bytes at q (ending with a high nibble).
                        let q = s / 2 * 9
                        let y = Int(b[q]) << 4 | Int(b[q + 1]) >> 4
                        let x = (Int(b[q + 1]) & 0x0F) << 8 | Int(b[q + 2])
                        let z = Int(b[q + 3]) << 4 | Int(b[q + 4]) >> 4
                        out[s * 3] = g[x]
                        out[s * 3 + 1] = g[y]
                        out[s * 3 + 2] = g[z]
                    }
                    initialized = samples * 3
                }
            }
        }
    }

    public mutating func nextBlock() throws -> DeviceSampleBlock? {
        if layout == "activity.bin" { return legacyBlock() }
        while position < data.count {
            let p = position
            if data[p] == 0 {
                position += 1  // zero bytes between records (documented)
                continue
            }
            guard data[p] == 0x1E else {
                note("log.bin byte \(p): expected a record separator (1E), found \(String(format: "%02X", data[p])); searching for the next record")
                resync(from: p + 1)
                continue
            }
            guard p + 8 <= data.count else {
                note("log.bin byte \(p): the last record's header is cut off (the file ends mid-record); read up to it")
                position = data.count
                return nil
            }
            let type = data[p + 1]
            let time = Int64(Bytes.u32(data, p + 2))
            let size = Bytes.u16(data, p + 6)
            guard p + 9 + size <= data.count else {
                note("log.bin byte \(p): the last record (\(size) bytes) is cut off (the file ends mid-record); read up to it")
                position = data.count
                return nil
            }
            guard checksumOK(p, size) else {
                note("log.bin byte \(p): record (type \(type), \(size) bytes) fails its checksum; skipped")
                resync(from: p + 1)
                continue
            }
            position = p + 9 + size
            switch type {
            case 0x03 where size >= 1:
                if data[p + 8] == 0x08 {
                    idleSleep = true
                    idleSleepSpans += 1
                }
                // 09 (idle sleep mode left): the gap ends with the next activity record, which names it.
            case 0x00 where size > 1, 0x1A where size > 1:
                // A record is one second of samples (Activity.md, Activity2.md): more than the rate is damage that
                // would otherwise squeeze thousands of samples into one second.
                let n = type == 0x00 ? size * 8 / 36 : size / 6
                guard n <= rate else {
                    note("log.bin byte \(p): record (type \(type)) holds \(n) samples; a record is one second (at most \(rate) at \(rate) Hz); skipped")
                    continue
                }
                activityRecords += 1
                let xyz: [Float]
                if type == 0x00 {
                    xyz = unpack12(p + 8, size, maxSamples: Int.max)
                } else {
                    let n = size / 6
                    var out = [Float](repeating: 0, count: n * 3)
                    for i in 0..<(n * 3) { out[i] = Float(Bytes.i16(data, p + 8 + i * 2)) / scale }
                    xyz = out
                }
                let reason = idleSleep ? "idle sleep mode (the device stopped sampling while still)" : nil
                idleSleep = false
                return DeviceSampleBlock(
                    start: time * 1_000_000, period: 1 / Double(rate), xyz: xyz, offset: p, gapReason: reason)
            default:
                break  // other records (battery, lux, metadata, parameters, epochs, ...) carry no raw samples
            }
        }
        if dropped > 0 { note("\(dropped) more findings not listed") ; dropped = 0 }
        return nil
    }

    /// Whether the record at `p` with a `size`-byte payload checks: its checksum byte (at p + 8 + size) is the
    /// one's complement of the XOR of its header and payload.
    private func checksumOK(_ p: Int, _ size: Int) -> Bool {
        guard p >= 0, size >= 0, p + 9 + size <= data.count else { return false }
        return data.withUnsafeBytes { all in
            // The header and payload, eight bytes at a time (XOR is bitwise: the eight byte lanes are folded at
            // the end), then the bytes left over; all within p..<(p + 8 + size), checked above.
            let b = UnsafeRawBufferPointer(rebasing: all[p..<(p + 8 + size)])
            var wide: UInt64 = 0
            var i = 0
            while i + 8 <= b.count {
                wide ^= b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                i += 8
            }
            wide ^= wide >> 32
            wide ^= wide >> 16
            wide ^= wide >> 8
            var x = UInt8(truncatingIfNeeded: wide)
            while i < b.count {
                x ^= b[i]
                i += 1
            }
            return ~x == all[p + 8 + size]
        }
    }

    /// The next position from `start` where a whole record with a good checksum begins.
    private mutating func resync(from start: Int) {
        var q = start
        while q + 9 <= data.count {
            if data[q] == 0x1E {
                let size = Bytes.u16(data, q + 6)
                if q + 9 + size <= data.count, checksumOK(q, size) {
                    position = q
                    return
                }
            }
            q += 1
        }
        position = data.count
    }

    /// activity.bin: one continuous run of 12-bit Y X Z samples from the info.txt start, 10 s per block.
    private mutating func legacyBlock() -> DeviceSampleBlock? {
        let perBlock = rate * 10
        let bytesPerBlock = perBlock * 9 / 2  // 4.5 bytes a sample; a multiple of whole bytes since perBlock is even
        guard position < data.count else { return nil }
        let first = position * 2 / 9  // sample index of this block
        let count = min(bytesPerBlock, data.count - position)
        let xyz = unpack12(position, count, maxSamples: perBlock)
        let block = DeviceSampleBlock(
            start: legacyStart + Int64((Double(first) * 1e6 / Double(rate)).rounded()), period: 1 / Double(rate),
            xyz: xyz, offset: position)
        position += count
        return block
    }
}
