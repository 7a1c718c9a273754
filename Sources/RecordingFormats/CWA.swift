import Foundation
import PLMVocabulary

/// Axivity `.cwa` (AX3, AX6; the UK Biobank device), per Open Movement's `cwa.h` (digitalinteraction/openmovement,
/// Docs/ax3/cwa.h; docs/recording-format.md, "Axivity .cwa"):
///
/// - a header block `MD` (u16 packet length 1020, so 1024 bytes), hardware type at byte 4 (0x64 AX6, else AX3),
///   device id u16 at 5 (upper 16 bits at 11 unless FFFF), session id u32 at 7, rate code at 36
///   (3200 / 2^(15 − low nibble) Hz, range 16 / 2^(code >> 6) g), time zone i16 minutes at 42 (−1 unknown);
/// - then 512-byte data blocks `AX`: u16 packet length 508; at 4 a 15-bit fraction of the time stamp's second when
///   the top bit is set; session u32 at 6, sequence u32 at 10, packed time stamp u32 at 14
///   (`YYYYYYMM MMDDDDDh hhhhmmmm mmssssss`, year − 2000), light u16 at 18 (top 3 bits: acceleration scale
///   1/2^(8+n) g), rate code at 24, axes (high nibble) and packing (low nibble: 0 = three 10-bit values and a 2-bit
///   exponent in 32 bits, 2 = Int16 per axis) at 25, i16 at 26 the index of the sample the time stamp belongs to,
///   sample count u16 at 28, 480 bytes of samples from 30 (AX6: gx gy gz ax ay az), and at 510 a checksum making the
///   sum of the block's 256 little-endian u16 words zero.
///
/// Each block's first sample is at `time stamp + fraction − index / rate`; its sample period is measured from the
/// next block's time (within 10 % of the nominal rate, else the nominal period), as Open Movement's converter does;
/// the last block takes the period measured for the block before it.
/// A block with a bad checksum, magic or field is skipped and reported with its byte offset; the rest is read.
public struct CWADecoder: DeviceDecoder {
    public let info: DeviceInfo
    public let headerSize: Int
    private let path: String
    private let data: [UInt8]
    private var position: Int
    private var pending: DeviceSampleBlock?
    public private(set) var findings: [String] = []
    private var dropped = 0
    public private(set) var blocksRead = 0
    public private(set) var blocksSkipped = 0
    /// The period measured for the block before, s (the last block's, which has no next block to measure from).
    private var lastMeasured: Double?

    public init(url: URL) throws {
        try self.init(path: url.path, bytes: try Bytes.read(url))
    }

    public init(path: String, bytes: [UInt8]) throws {
        self.path = path
        data = bytes
        func fail(_ at: Int, _ what: String) -> InputError {
            InputError(file: path, location: .byte(at), message: what)
        }
        guard bytes.count >= 64, bytes[0] == 0x4D, bytes[1] == 0x44 else {
            throw fail(0, "expected an Axivity .cwa header block (bytes 4D 44, \"MD\")")
        }
        let length = Bytes.u16(bytes, 2)
        guard length >= 508, length <= 0xFFFF - 4, (length + 4) % 512 == 0 else {
            throw fail(2, "header packet length \(length); expected 1020 (a 1024-byte header)")
        }
        headerSize = length + 4
        let hardware = bytes[4]
        var device = Bytes.u16(bytes, 5)
        let upper = Bytes.u16(bytes, 11)
        if upper != 0xFFFF { device |= upper << 16 }
        let code = Int(bytes[36])
        let rate = CWADecoder.rate(code)
        if let p = RecordingLimits.sampleRateProblem(rate) { throw fail(36, p) }
        let tz = Bytes.i16(bytes, 42)
        info = DeviceInfo(
            format: "cwa", device: hardware == 0x64 ? "AX6" : "AX3", serial: "\(device)", sampleRate: rate,
            rangeG: Double(16 >> (code >> 6)), resolutionG: nil,
            utcOffsetSeconds: tz == -1 || abs(tz) > 14 * 60 ? nil : tz * 60)
        position = headerSize
        if bytes.count < headerSize {
            throw fail(bytes.count, "the file ends inside its \(headerSize)-byte header")
        }
    }

    /// Hz of a rate code (`cwa.h`: 3200 / (1 << (15 − (code & 15)))).
    static func rate(_ code: Int) -> Double { 3200 / Double(1 << (15 - (code & 0x0F))) }

    private mutating func note(_ text: String) {
        if findings.count < 1000 { findings.append(text) } else { dropped += 1 }
    }

    /// µs since 1970-01-01 (device clock) of a packed time stamp; nil when a field is out of range.
    static func time(_ t: UInt32) -> Int64? {
        let year = Int((t >> 26) & 0x3F) + 2000
        let month = Int((t >> 22) & 0x0F)
        let day = Int((t >> 17) & 0x1F)
        let hour = Int((t >> 12) & 0x1F)
        let minute = Int((t >> 6) & 0x3F)
        let second = Int(t & 0x3F)
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else { return nil }
        return Bytes.micros(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// Decodes the block at `p`, or says what is wrong with it.
    func decode(_ p: Int) -> DecodeOutcome {
        guard p >= 0, p <= data.count - 512 else { return .problem("the file ends inside the block") }
        return data.withUnsafeBytes { all in
            CWADecoder.decode(block: UnsafeRawBufferPointer(rebasing: all[p..<(p + 512)]), at: p)
        }
    }

    // Little-endian fields of a block, loaded without a bounds check: every caller passes a constant offset under
    // 511 (u16, i16) or 509 (u32), or a sample's offset that `decode(block:at:)` has bounded first.

    @inline(__always) static func u16(_ b: UnsafeRawBufferPointer, _ i: Int) -> Int {
        Int(UInt16(littleEndian: b.loadUnaligned(fromByteOffset: i, as: UInt16.self)))
    }
    @inline(__always) static func i16(_ b: UnsafeRawBufferPointer, _ i: Int) -> Int {
        Int(Int16(littleEndian: b.loadUnaligned(fromByteOffset: i, as: Int16.self)))
    }
    @inline(__always) static func u32(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(littleEndian: b.loadUnaligned(fromByteOffset: i, as: UInt32.self))
    }

    /// Decodes one block `b` (its 512 bytes), found at byte `p` of the file.
    static func decode(block b: UnsafeRawBufferPointer, at p: Int) -> DecodeOutcome {
        guard b.count == 512 else { return .problem("the file ends inside the block") }
        guard b[0] == 0x41, b[1] == 0x58 else {
            return .problem("expected a data block (bytes 41 58, \"AX\"), found \(String(format: "%02X %02X", b[0], b[1]))")
        }
        guard u16(b, 2) == 508 else { return .problem("data block packet length \(u16(b, 2)); expected 508") }
        let code = Int(b[24])
        if code != 0 {
            // The 256 little-endian words, summed modulo 2^16.
            var sum: UInt16 = 0
            for i in stride(from: 0, to: 512, by: 2) { sum &+= UInt16(u16(b, i)) }
            guard sum == 0 else { return .problem("fails its checksum (word sum \(String(format: "%04X", Int(sum))), expected 0000)") }
        }
        let axes = Int(b[25] >> 4)
        let packing = Int(b[25] & 0x0F)
        let count = u16(b, 28)
        let capacity: Int
        switch (axes, packing) {
        case (3, 0): capacity = 120
        case (3, 2), (6, 2), (9, 2): capacity = 480 / (2 * axes)
        default: return .problem("\(axes) axes with packing \(packing); expected 3 packed (0) or 3/6/9 unpacked (2)")
        }
        guard count <= capacity else { return .problem("\(count) samples; at most \(capacity) fit in a block") }
        // Very old files: rate code 0 and the rate at 26.
        let rate = code == 0 ? Double(u16(b, 26)) : CWADecoder.rate(code)
        guard rate >= 1, rate <= 3200 else { return .problem("rate \(rate) Hz") }
        guard let stamp = CWADecoder.time(u32(b, 14)) else {
            return .problem(String(format: "time stamp %08X is not a date", u32(b, 14)))
        }
        var seconds = Double(stamp) / 1e6
        if code != 0 {
            var shift = Double(i16(b, 26))
            let fraction = u16(b, 4)
            if fraction & 0x8000 != 0 {
                let f = (fraction & 0x7FFF) << 1  // 1/65536 s
                seconds += Double(f) / 65536
                shift += Double((f * Int(rate)) >> 16)  // undo the firmware's backwards-compatible shift
            }
            seconds -= shift / rate
        }
        let scale = 1 / Float(1 << (8 + (u16(b, 18) >> 13)))
        let base = 30
        // Every sample lies within the block: count ≤ capacity, so packed samples end by 30 + 4 × 120 = 510 and
        // unpacked ones by 30 + 2 × axes × capacity ≤ 510; and `out` has count × 3 places.
        let xyz = [Float](unsafeUninitializedCapacity: count * 3) { out, initialized in
            if packing == 0 {
                for i in 0..<count {
                    let v = u32(b, base + i * 4)
                    let e = Int(v >> 30)
                    for a in 0..<3 {
                        var x = Int((v >> (10 * UInt32(a))) & 0x3FF)
                        if x >= 0x200 { x -= 0x400 }
                        out[i * 3 + a] = Float(x << e) * scale
                    }
                }
            } else {
                let accel = axes == 3 ? 0 : 3  // AX6: gx gy gz ax ay az
                for i in 0..<count {
                    for a in 0..<3 { out[i * 3 + a] = Float(i16(b, base + (i * axes + accel + a) * 2)) * scale }
                }
            }
            initialized = count * 3
        }
        return .block(
            DeviceSampleBlock(start: Int64((seconds * 1e6).rounded()), period: 1 / rate, xyz: xyz, offset: p))
    }

    /// The next good block with at least one sample.
    private mutating func nextGood() -> DeviceSampleBlock? {
        while position + 512 <= data.count {
            let p = position
            position += 512
            switch decode(p) {
            case .block(let block):
                blocksRead += 1
                if block.count > 0 { return block }
            case .problem(let what):
                blocksSkipped += 1
                note("byte \(p): block \((p - headerSize) / 512) \(what); skipped")
            }
        }
        if position < data.count {
            note("byte \(position): the file ends \(data.count - position) bytes into a block (a torn last block); read up to it")
            position = data.count
        }
        return nil
    }

    public mutating func nextBlock() throws -> DeviceSampleBlock? {
        if pending == nil { pending = nextGood() }
        guard var current = pending else {
            if dropped > 0 {
                note("\(dropped) more findings not listed")
                dropped = 0
            }
            return nil
        }
        pending = nextGood()
        if let next = pending {
            let measured = Double(next.start - current.start) / 1e6 / Double(current.count)
            if abs(measured - current.period) <= 0.1 * current.period {
                current.period = measured
                lastMeasured = measured
            }
        } else if let lastMeasured, abs(lastMeasured - current.period) <= 0.1 * current.period {
            // The last block has no next block to time it: it runs at the rate measured just before it.
            current.period = lastMeasured
        }
        return current
    }
}

/// A decoded block, or what is wrong with it.
enum DecodeOutcome {
    case block(DeviceSampleBlock)
    case problem(String)
}
