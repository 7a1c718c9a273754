import Foundation

/// Research devices' files written per their published layouts (docs/recording-format.md, section 6), from one
/// leg's samples in g, for tests that replay, convert and merge them. Written here from the layouts, not with plm's
/// readers, so a test compares the readers against an independent writer.
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

    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }

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
        return storedZip([("info.txt", Array(info.utf8)), ("log.bin", log)])
    }

    /// CRC-32/ISO-HDLC (reflected 0xEDB88320), as zip members carry.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// A zip archive of stored members (PKWARE APPNOTE 4.3.7 local headers, 4.3.12 central directory, 4.3.16 end).
    static func storedZip(_ members: [(String, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for (name, data) in members {
            let offset = out.count
            let crc = crc32(data)
            let n = Array(name.utf8)
            let common = le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21) + le32(crc) + le32(UInt32(data.count))
                + le32(UInt32(data.count)) + le16(n.count) + le16(0)
            out += le32(0x0403_4B50) + common + n + data
            central += le32(0x0201_4B50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0)
                + le32(UInt32(offset)) + n
        }
        let dirOffset = out.count
        out += central
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(members.count) + le16(members.count)
            + le32(UInt32(central.count)) + le32(UInt32(dirOffset)) + le16(0)
        return out
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
