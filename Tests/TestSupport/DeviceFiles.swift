import Foundation

/// Research devices' files written per their published layouts (docs/recording-format.md, section 6), for every
/// test target that reads them: whole files from one leg's samples in g (for tests that replay, convert and merge
/// them), and the layouts' pieces (zip members, deflate, log records, `.cwa` blocks, GENEActiv pages, ActiLife
/// CSV exports) for the layout tests, which also write the fuzz seeds under Fuzz/corpus/{gt3x,cwa,geneactiv}
/// (`DeviceSeedTests`). Written here from the published descriptions, not with plm's readers, so a test compares
/// the readers against an independent writer: PKWARE's APPNOTE.TXT (zip), RFC 1951 (deflate, fixed Huffman
/// codes), ActiGraph's GT3X-File-Format and NHANES-GT3X-File-Format (log.bin, activity.bin, info.txt), Open
/// Movement's cwa.h (.cwa) and Activinsights' GENEActiv file description (.bin).
///
/// `xyz` holds x, y, z per sample (g); a NaN sample is not written (the file has no sample there: a gap). Sample
/// `i` is at `start + i / rate` on the device's clock (`start`: seconds since 1970-01-01 of that clock).
public enum DeviceFiles {
    /// Runs of consecutive samples without NaN: (index of the first sample, count).
    static func runs(_ xyz: [Float]) -> [(Int, Int)] {
        var out: [(Int, Int)] = []
        var first: Int?
        let n = xyz.count / 3
        for i in 0...n {
            let valid = i < n && !(xyz[3 * i].isNaN || xyz[3 * i + 1].isNaN || xyz[3 * i + 2].isNaN)
            if valid, first == nil { first = i }
            if !valid, let f = first {
                out.append((f, i - f))
                first = nil
            }
        }
        return out
    }

    /// Civil date and time (UTC arithmetic on the device's clock) of whole seconds since 1970.
    static func civil(_ seconds: Int) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC") ?? .current
        let c = cal.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(seconds)))
        return (c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    // MARK: little-endian bytes

    public static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    public static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }

    // MARK: Axivity .cwa (Open Movement cwa.h)

    /// An AX3 file: 1024-byte `MD` header, 512-byte `AX` blocks of up to 80 unpacked Int16 samples at
    /// 1/256 g (light word scale bits 0), rate code `rangeBits << 6 | rateNibble` (rate 3200 / 2^(15 − nibble) Hz,
    /// range 16 / 2^rangeBits g), each block's time stamp the whole second at or before its first sample with the
    /// index field placing the first sample (`start = stamp − index / rate`), checksum making the words sum to 0.
    /// - Parameters:
    ///   - timeZoneMinutes: the header's time zone (nil: unknown, −1).
    ///   - clockRate: the rate the time stamps show (a device whose oscillator runs fast stamps more samples a
    ///     second than it states): sample `i` is stamped at `i / clockRate`, to the nearest sample index.
    public static func cwa(
        xyz: [Float], rate: Int, start: Int, rangeBits: Int = 1, timeZoneMinutes: Int? = 0, clockRate: Double? = nil
    ) -> [UInt8] {
        var nibble = 0
        while 3200 >> (15 - nibble) != rate, nibble < 15 { nibble += 1 }
        let code = UInt8(rangeBits << 6 | nibble)
        var h = [UInt8](repeating: 0xFF, count: 1024)
        h[0] = 0x4D; h[1] = 0x44; h[2] = 0xFC; h[3] = 0x03
        h[4] = 0x17  // AX3
        h[5] = 0x39; h[6] = 0x30  // device id 12345
        h[36] = code
        let tz = le16(timeZoneMinutes ?? -1)
        h[42] = tz[0]; h[43] = tz[1]
        var out = h
        var sequence = 0
        for (first, count) in runs(xyz) {
            var i = first
            while i < first + count {
                let n = min(80, first + count - i)
                var b = [UInt8](repeating: 0, count: 512)
                b[0] = 0x41; b[1] = 0x58
                b.replaceSubrange(2..<4, with: le16(508))
                b.replaceSubrange(10..<14, with: le32(UInt32(sequence)))
                let t = Double(i) / (clockRate ?? Double(rate))  // the first sample's time, s after start
                let second = Int(t.rounded(.down))
                let c = civil(start + second)
                let stamp = UInt32(c.year - 2000) << 26 | UInt32(c.month) << 22 | UInt32(c.day) << 17
                    | UInt32(c.hour) << 12 | UInt32(c.minute) << 6 | UInt32(c.second)
                b.replaceSubrange(14..<18, with: le32(stamp))
                b[24] = code
                b[25] = 0x32  // 3 axes, unpacked Int16
                // The stamp belongs to sample index (second − t) × rate of this block (≤ 0): start = stamp − index / rate.
                let index = Int(((Double(second) - t) * Double(rate)).rounded())
                b.replaceSubrange(26..<28, with: le16(Int(UInt16(bitPattern: Int16(index)))))
                b.replaceSubrange(28..<30, with: le16(n))
                for k in 0..<n {
                    for a in 0..<3 {
                        let raw = Int((Double(xyz[3 * (i + k) + a]) * 256).rounded())
                        b.replaceSubrange((30 + 6 * k + 2 * a)..<(32 + 6 * k + 2 * a), with: le16(Int(UInt16(bitPattern: Int16(clamping: raw)))))
                    }
                }
                var sum = 0
                for w in stride(from: 0, to: 510, by: 2) { sum += Int(b[w]) | Int(b[w + 1]) << 8 }
                b.replaceSubrange(510..<512, with: le16((0x10000 - (sum & 0xFFFF)) & 0xFFFF))
                out += b
                sequence += 1
                i += n
            }
        }
        return out
    }

    // MARK: ActiGraph .gt3x (actigraph/GT3X-File-Format)

    /// A `.gt3x`: a stored (uncompressed) zip with `info.txt` and `log.bin`. log.bin holds one ACTIVITY2 record
    /// (type 0x1A) per second with data: separator 1E, type, the second's Unix time on the device clock (u32 LE),
    /// payload size (u16 LE), Int16 LE x y z per sample at `scale` LSB/g, checksum = one's complement of the XOR of
    /// header and payload. Before a gap, an EVENT record (type 0x03) with payload 08 (idle sleep mode entered)
    /// when `idleSleepGaps`. Samples must start on whole seconds (`rate` per record).
    public static func gt3x(
        xyz: [Float], rate: Int, start: Int, scale: Int = 256, timeZone: String = "00:00:00", idleSleepGaps: Bool = false
    ) -> [UInt8] {
        func record(_ type: UInt8, _ time: Int, _ payload: [UInt8]) -> [UInt8] {
            var r: [UInt8] = [0x1E, type] + le32(UInt32(time)) + le16(payload.count) + payload
            var x: UInt8 = 0
            for b in r { x ^= b }
            r.append(~x)
            return r
        }
        var log: [UInt8] = []
        var lastEnd: Int?
        for (first, count) in runs(xyz) {
            if idleSleepGaps, let end = lastEnd {
                log += record(0x03, start + (end - 1) / rate, [0x08])
            }
            var i = first
            while i < first + count {
                let n = min(rate - i % rate, first + count - i)
                var payload: [UInt8] = []
                for k in 0..<n {
                    for a in 0..<3 {
                        let raw = Int((Double(xyz[3 * (i + k) + a]) * Double(scale)).rounded())
                        payload += le16(Int(UInt16(bitPattern: Int16(clamping: raw))))
                    }
                }
                log += record(0x1A, start + i / rate, payload)
                i += n
            }
            lastEnd = first + count
        }
        let ticks = (Int64(start) * 10_000_000) + 621_355_968_000_000_000
        let info = """
            Serial Number: MOS2E12345678
            Device Type: wGT3XBT
            Firmware: 1.9.2
            Battery Voltage: 4.10
            Sample Rate: \(rate)
            Start Date: \(ticks)
            Stop Date: 0
            Last Sample Time: 0
            TimeZone: \(timeZone)
            Download Date: 0
            Board Revision: 4
            Unexpected Resets: 0
            Acceleration Scale: \(scale).0
            Acceleration Min: -8.0
            Acceleration Max: 8.0
            """.replacingOccurrences(of: "\n", with: "\r\n")
        return zip([ZipMember(name: "info.txt", data: Array(info.utf8)), ZipMember(name: "log.bin", data: log)])
    }

    /// CRC-32/ISO-HDLC, bit by bit (reflected polynomial 0xEDB88320), as APPNOTE 4.4.7 specifies.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        }
        return ~c
    }

    // MARK: GENEActiv .bin (Activinsights, GENEActiv instructions, "binary file format")

    /// A GENEActiv `.bin`: a text header (`Calibration Data` gain and offset per axis) and pages of 300 samples,
    /// each page `Recorded Data`, nine `Key:Value` lines (`Page Time` on the device clock, to the millisecond) and
    /// 3600 hex digits: per sample x, y, z as 12-bit two's complement (`raw = (g × gain + offset) / 100`, rounded),
    /// then light and button (3 digits). A run shorter than a page ends its last page early.
    public static func geneactiv(
        xyz: [Float], rate: Int, start: Int, gain: [Double] = [25548, 25710, 25430], offset: [Double] = [12, -40, 95]
    ) -> [UInt8] {
        var s = "Device Identity\r\nDevice Type:GENEActiv\r\nDevice Model:1.1\r\nDevice Unique Serial Code:054321\r\n\r\n"
            + "Configuration Info\r\nMeasurement Frequency:\(rate) Hz\r\nMeasurement Range:-8 to 8\r\n"
            + "Accelerometer Range:-8 to 8\r\nTime Zone:GMT +00:00\r\n\r\nCalibration Data\r\n"
        for (k, a) in ["x", "y", "z"].enumerated() {
            s += "\(a) gain:\(Int(gain[k]))\r\n\(a) offset:\(Int(offset[k]))\r\n"
        }
        s += "Volts:300\r\nLux:800\r\n\r\nMemory Status\r\nNumber of Pages:0\r\n\r\n"
        var page = 0
        for (first, count) in runs(xyz) {
            var i = first
            while i < first + count {
                let n = min(300, first + count - i)
                let micros = Int64(i) * 1_000_000 / Int64(rate)
                let c = civil(start + Int(micros / 1_000_000))
                let ms = Int(micros % 1_000_000) / 1000
                s += "Recorded Data\r\nDevice Unique Serial Code:054321\r\nSequence Number:\(page)\r\n"
                    + String(
                        format: "Page Time:%04d-%02d-%02d %02d:%02d:%02d:%03d\r\n", c.year, c.month, c.day, c.hour, c.minute,
                        c.second, ms)
                    + "Unassigned:\r\nTemperature:25.0\r\nBattery voltage:4.0\r\nDevice Status:Recording\r\n"
                    + "Measurement Frequency:\(rate).0\r\n"
                for k in 0..<n {
                    for a in 0..<3 {
                        let raw = Int(((Double(xyz[3 * (i + k) + a]) * gain[a] + offset[a]) / 100).rounded())
                        s += String(format: "%03X", max(-2048, min(2047, raw)) & 0xFFF)
                    }
                    s += "000"
                }
                s += "\r\n"
                page += 1
                i += n
            }
        }
        return Array(s.utf8)
    }
}

// The layouts' pieces (formerly Tests/RecordingFormatsTests/DeviceWriters.swift).
extension DeviceFiles {
    // MARK: little-endian bytes

    public static func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8((v >> (8 * UInt64($0))) & 0xFF) } }

    // MARK: deflate (RFC 1951, one final block with the fixed Huffman codes, literals only)

    public static func deflateFixed(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var acc: UInt32 = 0
        var n: UInt32 = 0
        func bits(_ v: UInt32, _ count: UInt32) {  // LSB first
            for i in 0..<count {
                acc |= ((v >> i) & 1) << n
                n += 1
                if n == 8 {
                    out.append(UInt8(acc))
                    acc = 0
                    n = 0
                }
            }
        }
        func code(_ c: UInt32, _ length: UInt32) {  // Huffman codes go most significant bit first
            for i in stride(from: Int(length) - 1, through: 0, by: -1) { bits((c >> UInt32(i)) & 1, 1) }
        }
        bits(1, 1)  // BFINAL
        bits(1, 2)  // BTYPE 01: fixed Huffman codes
        for b in data {
            if b < 144 { code(0x30 + UInt32(b), 8) } else { code(0x190 + UInt32(b) - 144, 9) }
        }
        code(0, 7)  // end of block (256)
        if n > 0 { out.append(UInt8(acc)) }
        return out
    }

    // MARK: zip (APPNOTE.TXT 6.3.10: 4.3.7 local header, 4.3.12 central directory, 4.3.16 end record)

    public struct ZipMember {
        public var name: String
        public var data: [UInt8]
        public var deflate: Bool
        /// Declared inflated size, when it should lie (a member claiming more than it holds).
        public var claimedSize: UInt64?

        public init(name: String, data: [UInt8], deflate: Bool = false, claimedSize: UInt64? = nil) {
            self.name = name
            self.data = data
            self.deflate = deflate
            self.claimedSize = claimedSize
        }
    }

    public static func zip(_ members: [ZipMember]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for m in members {
            let name = Array(m.name.utf8)
            let body = m.deflate ? deflateFixed(m.data) : m.data
            let crc = crc32(m.data)
            let size = m.claimedSize ?? UInt64(m.data.count)
            let zip64 = size > 0xFFFF_FFFE
            let size32 = zip64 ? 0xFFFF_FFFF : UInt32(size)
            let csize32 = zip64 ? 0xFFFF_FFFF : UInt32(body.count)
            // ZIP64 extended information (4.5.3): original size, compressed size.
            let extra = zip64 ? le16(1) + le16(16) + le64(size) + le64(UInt64(body.count)) : []
            let method = m.deflate ? 8 : 0
            let offset = UInt32(out.count)
            out += le32(0x0403_4B50) + le16(zip64 ? 45 : 20) + le16(0) + le16(method) + le16(0) + le16(0x21)
            out += le32(crc) + le32(csize32) + le32(size32) + le16(name.count) + le16(extra.count) + name + extra
            out += body
            central += le32(0x0201_4B50) + le16(20) + le16(zip64 ? 45 : 20) + le16(0) + le16(method) + le16(0)
            central += le16(0x21) + le32(crc) + le32(csize32) + le32(size32) + le16(name.count) + le16(extra.count)
            central += le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + name + extra
        }
        let cdOffset = UInt32(out.count)
        out += central
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(members.count) + le16(members.count)
        out += le32(UInt32(central.count)) + le32(cdOffset) + le16(0)
        return out
    }

    // MARK: ActiGraph

    /// .NET ticks (100 ns since 0001-01-01) of µs since 1970-01-01.
    public static func ticks(unixMicroseconds: Int64) -> Int64 { 621_355_968_000_000_000 + unixMicroseconds * 10 }

    public static func infoTxt(_ fields: [(String, String)]) -> [UInt8] {
        Array(fields.map { "\($0.0): \($0.1)" }.joined(separator: "\r\n").utf8) + [0x0D, 0x0A]
    }

    /// A log record: 1E, type, Unix time (u32 LE), payload size (u16 LE), payload, checksum (the one's complement
    /// of the XOR of header and payload).
    public static func logRecord(type: UInt8, time: UInt32, payload: [UInt8], badChecksum: Bool = false) -> [UInt8] {
        var r: [UInt8] = [0x1E, type] + le32(time) + le16(payload.count) + payload
        var x: UInt8 = 0
        for b in r { x ^= b }
        r.append(badChecksum ? x : ~x)
        return r
    }

    /// Samples (x, y, z) as 12-bit two's complement values packed most significant nibble first in Y X Z order
    /// (LogRecords/Activity.md; NHANES activity.bin); an odd number of samples leaves the last nibble 0.
    public static func pack12(_ samples: [(Int, Int, Int)]) -> [UInt8] {
        var nibbles: [UInt8] = []
        for (x, y, z) in samples {
            for v in [y, x, z] {
                let u = v & 0xFFF
                nibbles += [UInt8(u >> 8), UInt8((u >> 4) & 0xF), UInt8(u & 0xF)]
            }
        }
        if nibbles.count % 2 == 1 { nibbles.append(0) }
        return stride(from: 0, to: nibbles.count, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
    }

    /// ACTIVITY2 payload: little-endian Int16 X Y Z per sample.
    public static func activity2(_ samples: [(Int, Int, Int)]) -> [UInt8] {
        samples.flatMap { le16($0.0 & 0xFFFF) + le16($0.1 & 0xFFFF) + le16($0.2 & 0xFFFF) }
    }

    // MARK: Axivity .cwa (cwa.h)

    /// The 1024-byte `MD` header: hardware type, device id, rate code (3200 / 2^(15 − low nibble) Hz, range
    /// 16 >> (code >> 6) g).
    public static func cwaHeader(hardware: UInt8 = 0x17, device: Int = 4321, rateCode: UInt8 = 0x4A) -> [UInt8] {
        var h = [UInt8](repeating: 0xFF, count: 1024)
        h[0] = 0x4D
        h[1] = 0x44
        h[2...3] = le16(1020)[...]
        h[4] = hardware
        h[5...6] = le16(device)[...]
        h[11...12] = le16(0)[...]  // upper device id
        h[36] = rateCode
        return h
    }

    /// Packed timestamp `YYYYYYMM MMDDDDDh hhhhmmmm mmssssss` (year − 2000).
    public static func cwaStamp(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> UInt32 {
        UInt32(year - 2000) << 26 | UInt32(month) << 22 | UInt32(day) << 17 | UInt32(hour) << 12 | UInt32(minute) << 6
            | UInt32(second)
    }

    public enum CWASamples {
        /// Packing 0: x, y, z in −512…511 and a binary exponent 0…3 (value = v << e, units of 1/256 g).
        case packed([(Int, Int, Int, Int)])
        /// Packing 2, three axes, Int16.
        case unpacked([(Int, Int, Int)])
        /// Packing 2, six axes: gyroscope x y z then accelerometer x y z, Int16.
        case ax6(gyro: [(Int, Int, Int)], accel: [(Int, Int, Int)])
    }

    /// A 512-byte `AX` data block. `fraction`: the time stamp's fraction of a second in 1/65536 s (even: 15 bits
    /// are stored), written with the top bit of bytes 4–5 set; `index`: the sample the whole-second-plus-fraction
    /// time belongs to. As the firmware does (cwa.h: "the timestampOffset was already adjusted ... assuming ideal
    /// sample rate"), the stored offset is `index − (fraction × rate) >> 16`.
    public static func cwaBlock(
        sequence: Int, stamp: UInt32, fraction: Int?, index: Int, rateCode: UInt8 = 0x4A, rate: Int = 100,
        accelScaleExponent: Int = 0, samples: CWASamples, countOverride: Int? = nil, corruptChecksum: Bool = false
    ) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], _ at: Int) { for (i, v) in bytes.enumerated() { b[at + i] = v } }
        b[0] = 0x41
        b[1] = 0x58
        put(le16(508), 2)
        var offset = index
        if let fraction {
            put(le16(0x8000 | (fraction >> 1)), 4)
            offset -= (fraction * rate) >> 16
        }
        put(le32(7), 6)  // session
        put(le32(UInt32(sequence)), 10)
        put(le32(stamp), 14)
        put(le16(accelScaleExponent << 13 | 5), 18)  // accel scale, light 5
        b[24] = rateCode
        put(le16(Int(UInt16(bitPattern: Int16(offset)))), 26)
        let base = 30
        let count: Int
        switch samples {
        case .packed(let s):
            b[25] = 0x30
            count = s.count
            for (i, v) in s.enumerated() {
                let w = UInt32(v.0 & 0x3FF) | UInt32(v.1 & 0x3FF) << 10 | UInt32(v.2 & 0x3FF) << 20 | UInt32(v.3) << 30
                put(le32(w), base + i * 4)
            }
        case .unpacked(let s):
            b[25] = 0x32
            count = s.count
            for (i, v) in s.enumerated() { put(le16(v.0 & 0xFFFF) + le16(v.1 & 0xFFFF) + le16(v.2 & 0xFFFF), base + i * 6) }
        case .ax6(let gyro, let accel):
            b[25] = 0x62
            count = accel.count
            for i in 0..<accel.count {
                let g = gyro[i]
                let a = accel[i]
                put([g.0, g.1, g.2, a.0, a.1, a.2].flatMap { le16($0 & 0xFFFF) }, base + i * 12)
            }
        }
        put(le16(countOverride ?? count), 28)
        var sum = 0
        for i in stride(from: 0, to: 510, by: 2) { sum += Int(b[i]) | Int(b[i + 1]) << 8 }
        put(le16((0x10000 - (sum & 0xFFFF) + (corruptChecksum ? 1 : 0)) & 0xFFFF), 510)
        return b
    }

    // MARK: GENEActiv .bin

    /// Header lines, then `pages` pages of 300 samples (x, y, z 12-bit two's complement as three hex digits each,
    /// then 10 bits light, button, reserved as three more); CR LF line ends.
    public static func geneactiv(
        rate: String = "100 Hz", gains: (Int, Int, Int) = (25600, 25600, 12800), offsets: (Int, Int, Int) = (0, 100, 0),
        pageTimes: [String], sample: (Int) -> (Int, Int, Int), damage: [Int: String] = [:],
        cutLastAt: Int? = nil
    ) -> [UInt8] {
        var s = "Device Identity\r\nDevice Unique Serial Code:054321\r\nDevice Type:GENEActiv\r\nDevice Model:1.1\r\n\r\n"
        s += "Configuration Info\r\nMeasurement Frequency:\(rate)\r\nAccelerometer Range:-8 to 8\r\nTime Zone:GMT -05:00\r\n\r\n"
        s += "Calibration Data\r\nx gain:\(gains.0)\r\nx offset:\(offsets.0)\r\ny gain:\(gains.1)\r\ny offset:\(offsets.1)\r\n"
        s += "z gain:\(gains.2)\r\nz offset:\(offsets.2)\r\nVolts:300\r\nLux:800\r\n\r\n"
        s += "Memory Status\r\nNumber of Pages:\(pageTimes.count)\r\n\r\n"
        var bytes = Array(s.utf8)
        for (p, time) in pageTimes.enumerated() {
            var page = "Recorded Data\r\nDevice Unique Serial Code:054321\r\nSequence Number:\(p)\r\nPage Time:\(time)\r\n"
            page += "Unassigned:\r\nTemperature:25.0\r\nBattery voltage:4.0\r\nDevice Status:Recording\r\n"
            page += "Measurement Frequency:\(rate.split(separator: " ").first ?? "")\r\n"
            var hex = ""
            for i in 0..<300 {
                let (x, y, z) = sample(p * 300 + i)
                hex += String(format: "%03X%03X%03X%03X", x & 0xFFF, y & 0xFFF, z & 0xFFF, 0)
            }
            if let bad = damage[p] { hex = bad }
            page += hex + "\r\n"
            bytes += Array(page.utf8)
        }
        if let cutLastAt { bytes.removeLast(bytes.count - cutLastAt) }
        return bytes
    }

    // MARK: ActiLife raw CSV export

    /// ActiLife's raw export: the dashed first line (model, ActiLife version, date format, rate), serial, start
    /// time and date, epoch period 00:00:00, download time and date, memory, battery, a dashed line, the column
    /// names, then one row per sample in g.
    public static func actiLifeCSV(
        dateFormat: String, rate: Int, start: (y: Int, m: Int, d: Int, h: Int, mi: Int, s: Int),
        rows: [(Double, Double, Double)], timestamps: Bool, epoch: String = "00:00:00", lineEnd: String = "\r\n",
        skip: Set<Int> = [], padHeader: String = ""
    ) -> [UInt8] {
        func date(_ y: Int, _ m: Int, _ d: Int) -> String {
            switch dateFormat {
            case "M/d/yyyy": "\(m)/\(d)/\(y)"
            case "dd/MM/yyyy": String(format: "%02d/%02d/%04d", d, m, y)
            case "yyyy-MM-dd": String(format: "%04d-%02d-%02d", y, m, d)
            default: "?"
            }
        }
        var lines = [
            "------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.4 Firmware v3.2.1 date format \(dateFormat) at \(rate) Hz  Filter Normal -----------",
            "Serial Number: MOS2E11180137",
            String(format: "Start Time %02d:%02d:%02d", start.h, start.mi, start.s),
            "Start Date \(date(start.y, start.m, start.d))",
            "Epoch Period (hh:mm:ss) \(epoch)",
            "Download Time 08:01:02",
            "Download Date \(date(start.y, start.m, start.d))",
            "Current Memory Address: 0",
            "Current Battery Voltage: 4.11     Mode = 12",
            "--------------------------------------------------",
        ].map { $0 + padHeader } + [(timestamps ? "Timestamp," : "") + "Accelerometer X,Accelerometer Y,Accelerometer Z"]
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC") ?? .current
        let t0 = cal.date(
            from: DateComponents(year: start.y, month: start.m, day: start.d, hour: start.h, minute: start.mi, second: start.s))
            ?? Date(timeIntervalSince1970: 0)
        for (i, r) in rows.enumerated() where !skip.contains(i) {
            var line = ""
            if timestamps {
                // ActiLife writes each row's time to the millisecond.
                let ms = Int((Double(i) * 1000 / Double(rate)).rounded())
                let t = t0.addingTimeInterval(Double(ms / 1000))
                let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: t)
                line += date(c.year ?? 0, c.month ?? 0, c.day ?? 0)
                line += String(format: " %02d:%02d:%02d.%03d,", c.hour ?? 0, c.minute ?? 0, c.second ?? 0, ms % 1000)
            }
            line += String(format: "%.3f,%.3f,%.3f", r.0, r.1, r.2)
            lines.append(line)
        }
        return Array((lines.joined(separator: lineEnd) + lineEnd).utf8)
    }
}
