import CPLMProtocol

/// One sample frame from a sensor, decoded by the firmware's own C code (Firmware/protocol), so the host
/// and the device share one definition of the wire format (docs/protocol.md).
public struct SensorFrame: Sendable, Equatable {
    public var version: UInt8
    public var flags: Flags
    /// Frame sequence number; wraps from 0xFFFFFFFF to 0.
    public var sequence: UInt32
    /// Device time of the first sample, µs.
    public var timestamp: UInt64
    /// Nominal time between samples, µs.
    public var period: UInt16
    /// Full scale, g (2, 4, 8 or 16).
    public var rangeG: UInt8
    /// Samples lost immediately before this frame.
    public var lostSamples: UInt32
    /// x, y, z of each sample, interleaved, in sensor counts (full scale = 32768 counts).
    public var samples: [Int16]
    /// Bytes the frame occupied.
    public var length: Int

    public struct Flags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// Samples missed between the accelerometer and the MCU.
        public static let sensorGap = Flags(rawValue: UInt8(PLM_FLAG_GAP_SENSOR))
        /// Frames dropped because the device's buffer was full.
        public static let overflowGap = Flags(rawValue: UInt8(PLM_FLAG_GAP_OVERFLOW))
        /// The timestamp is on the host's time base.
        public static let timeSynced = Flags(rawValue: UInt8(PLM_FLAG_TIME_SYNCED))
        /// The first frame after START.
        public static let first = Flags(rawValue: UInt8(PLM_FLAG_FIRST))
    }

    public init(
        flags: Flags = [], sequence: UInt32, timestamp: UInt64, period: UInt16, rangeG: UInt8,
        lostSamples: UInt32 = 0, samples: [Int16]
    ) {
        self.version = UInt8(PLM_PROTOCOL_VERSION)
        self.flags = flags
        self.sequence = sequence
        self.timestamp = timestamp
        self.period = period
        self.rangeG = rangeG
        self.lostSamples = lostSamples
        self.samples = samples
        self.length = Int(PLM_FRAME_HEADER_SIZE + PLM_FRAME_CRC_SIZE) + 2 * samples.count
    }

    /// Samples in the frame.
    public var sampleCount: Int { samples.count / 3 }
    /// g per count at this frame's range.
    public var gPerCount: Double { Double(rangeG) / 32768 }
}

/// Why bytes are not a frame.
public enum FrameDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    case badMagic
    case badVersion
    case truncated
    case badCRC
    case badLength

    public var description: String {
        switch self {
        case .badMagic: return "expected the frame magic 'PL'"
        case .badVersion: return "unsupported protocol version"
        case .truncated: return "frame is truncated"
        case .badCRC: return "CRC mismatch"
        case .badLength: return "sample count out of range"
        }
    }
}

/// Encoding and decoding through the firmware's C implementation.
public enum SensorFrameCodec {
    /// Largest frame on the wire (one full-speed bulk packet).
    public static let maxFrameSize = Int(PLM_FRAME_MAX_SIZE)
    /// Most samples in one frame.
    public static let maxSamples = Int(PLM_FRAME_MAX_SAMPLES)

    /// Decodes the frame at the start of `bytes`.
    public static func decode(_ bytes: some Collection<UInt8>) -> Result<SensorFrame, FrameDecodeError> {
        var out = plm_frame_t()
        let status =
            bytes.withContiguousStorageIfAvailable { p in plm_frame_decode(p.baseAddress, p.count, &out) }
            ?? Array(bytes).withUnsafeBufferPointer { p in plm_frame_decode(p.baseAddress, p.count, &out) }
        switch status {
        case PLM_DECODE_OK: break
        case PLM_DECODE_BAD_MAGIC: return .failure(.badMagic)
        case PLM_DECODE_BAD_VERSION: return .failure(.badVersion)
        case PLM_DECODE_TRUNCATED: return .failure(.truncated)
        case PLM_DECODE_BAD_CRC: return .failure(.badCRC)
        default: return .failure(.badLength)
        }
        let count = Int(out.count)
        var samples: [Int16] = []
        samples.reserveCapacity(3 * count)
        withUnsafeBytes(of: out.samples) { raw in
            let s = raw.bindMemory(to: plm_sample_t.self)
            for i in 0..<count {
                samples.append(s[i].x)
                samples.append(s[i].y)
                samples.append(s[i].z)
            }
        }
        var frame = SensorFrame(
            flags: SensorFrame.Flags(rawValue: out.flags), sequence: out.seq, timestamp: out.timestamp_us,
            period: out.period_us, rangeG: out.range_g, lostSamples: out.lost_samples, samples: samples)
        frame.version = out.version
        frame.length = out.length
        return .success(frame)
    }

    /// Packs a frame as the firmware does; nil when it has no samples or more than `maxSamples`.
    public static func encode(_ frame: SensorFrame) -> [UInt8]? {
        let count = frame.sampleCount
        guard count >= 1, count <= maxSamples, frame.samples.count == 3 * count else { return nil }
        var f = plm_frame_t()
        f.version = frame.version
        f.flags = frame.flags.rawValue
        f.seq = frame.sequence
        f.timestamp_us = frame.timestamp
        f.period_us = frame.period
        f.count = UInt8(count)
        f.range_g = frame.rangeG
        f.lost_samples = frame.lostSamples
        withUnsafeMutableBytes(of: &f.samples) { raw in
            let s = raw.bindMemory(to: plm_sample_t.self)
            for i in 0..<count {
                s[i] = plm_sample_t(x: frame.samples[3 * i], y: frame.samples[3 * i + 1], z: frame.samples[3 * i + 2])
            }
        }
        var buffer = [UInt8](repeating: 0, count: maxFrameSize)
        let n = buffer.withUnsafeMutableBufferPointer { p in plm_frame_encode(&f, p.baseAddress, p.count) }
        guard n > 0 else { return nil }
        return Array(buffer.prefix(n))
    }

    /// CRC-32/ISO-HDLC as the protocol uses it.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { plm_crc32($0.baseAddress, $0.count) }
    }
}
