import CPLMProtocol
import PLMVocabulary

// The replies to the sensor's control requests and its status messages (docs/protocol.md, sections 4 and 5),
// decoded by the firmware's own C code like the frames: one place on the host for every message a sensor sends.

/// The GET_INFO reply (docs/protocol.md, section 4).
public struct SensorInfo: Sendable, Equatable {
    public var protocolVersion: UInt8
    public var firmwareVersion: (major: UInt8, minor: UInt8, patch: UInt8)
    public var side: SensorSide
    /// 1 LIS3DH, 0xFE simulated.
    public var accelerometerModel: UInt8
    public var rateHz: UInt16
    public var rangeG: UInt8
    /// State flags: 0x01 running, 0x02 time synced, 0x04 storage ok, 0x08 sensor error.
    public var state: UInt8
    public var maxSamplesPerFrame: UInt8
    public var maxFrameSize: UInt8
    /// Frames the sensor can buffer (RAM queue + external flash).
    public var bufferCapacityFrames: UInt32
    public var calibration: [Int16]
    public var serial: String

    /// Bytes of the reply.
    public static let size = Int(PLM_INFO_SIZE)

    public var isRunning: Bool { state & UInt8(PLM_STATE_RUNNING) != 0 }
    public var isTimeSynced: Bool { state & UInt8(PLM_STATE_TIME_SYNCED) != 0 }

    public static func == (a: SensorInfo, b: SensorInfo) -> Bool {
        a.protocolVersion == b.protocolVersion && a.firmwareVersion == b.firmwareVersion && a.side == b.side
            && a.accelerometerModel == b.accelerometerModel && a.rateHz == b.rateHz && a.rangeG == b.rangeG
            && a.state == b.state && a.maxSamplesPerFrame == b.maxSamplesPerFrame && a.maxFrameSize == b.maxFrameSize
            && a.bufferCapacityFrames == b.bufferCapacityFrames && a.calibration == b.calibration && a.serial == b.serial
    }

    /// Decodes the reply; nil when it is too short. A side byte other than 0, 1 or 2 reads as unknown.
    public init?(bytes: UnsafeBufferPointer<UInt8>) {
        var info = plm_info_t()
        guard plm_info_decode(bytes.baseAddress, bytes.count, &info) == 0 else { return nil }
        protocolVersion = info.protocol_version
        firmwareVersion = (info.fw_major, info.fw_minor, info.fw_patch)
        side = SensorSide(rawValue: info.side) ?? .unknown
        accelerometerModel = info.accel_model
        rateHz = info.rate_hz
        rangeG = info.range_g
        state = info.state
        maxSamplesPerFrame = info.max_samples_per_frame
        maxFrameSize = info.max_frame_size
        bufferCapacityFrames = info.storage_capacity_frames
        calibration = [info.cal.0, info.cal.1, info.cal.2]
        serial = withUnsafeBytes(of: info.serial) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    public init?(bytes: [UInt8]) {
        guard let info = bytes.withUnsafeBufferPointer({ SensorInfo(bytes: $0) }) else { return nil }
        self = info
    }
}

/// The GET_BUFFERED reply: what the sensor holds for the host.
public struct BufferedFrames: Sendable, Equatable {
    /// Complete frames waiting to be read (including one being sent).
    public var frames: UInt32
    public var samples: UInt32
    /// Frames dropped by overflow since power-up.
    public var framesDropped: UInt32
    /// Samples lost since power-up, all causes.
    public var samplesLost: UInt32

    /// Bytes of the reply.
    public static let size = Int(PLM_BUFFERED_SIZE)

    public init(frames: UInt32, samples: UInt32, framesDropped: UInt32, samplesLost: UInt32) {
        self.frames = frames
        self.samples = samples
        self.framesDropped = framesDropped
        self.samplesLost = samplesLost
    }

    /// Decodes the reply; nil when it is too short.
    public init?(bytes: [UInt8]) {
        var b = plm_buffered_t()
        guard bytes.withUnsafeBufferPointer({ plm_buffered_decode($0.baseAddress, $0.count, &b) }) == 0 else {
            return nil
        }
        self.init(frames: b.frames, samples: b.samples, framesDropped: b.frames_dropped, samplesLost: b.samples_lost)
    }
}

/// A status message from the interrupt endpoint (docs/protocol.md, section 5).
public struct SensorStatus: Sendable, Equatable {
    public var state: UInt8
    public var framesBuffered: UInt32
    public var nextSequence: UInt32
    public var framesDropped: UInt32

    /// Bytes of the message.
    public static let size = Int(PLM_STATUS_SIZE)

    public init(state: UInt8, framesBuffered: UInt32, nextSequence: UInt32, framesDropped: UInt32) {
        self.state = state
        self.framesBuffered = framesBuffered
        self.nextSequence = nextSequence
        self.framesDropped = framesDropped
    }

    /// Decodes the message; nil when it is too short or not a status message.
    public init?(bytes: UnsafeBufferPointer<UInt8>) {
        var msg = plm_status_t()
        guard plm_status_decode(bytes.baseAddress, bytes.count, &msg) == 0 else { return nil }
        self.init(
            state: msg.state, framesBuffered: msg.frames_buffered, nextSequence: msg.next_seq,
            framesDropped: msg.frames_dropped)
    }
}

/// The GET_DEVICE_TIME reply: µs on the frames' time base (docs/protocol.md, section 4).
public enum DeviceTime {
    /// Bytes of the reply.
    public static let size = 8

    /// The device time, or nil when the reply is not 8 bytes.
    public static func decode(_ bytes: [UInt8]) -> UInt64? {
        guard bytes.count == size else { return nil }
        return plm_get_u64(bytes)
    }
}
