import CLibUSB
import CPLMProtocol
import Foundation
import PLMVocabulary
import SensorFrames

/// A libusb call that failed.
public struct USBError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The libusb error code (`LIBUSB_ERROR_*`), or 0 for a failure found by this module.
    public let code: Int32
    /// What was being done.
    public let operation: String

    public init(_ code: Int32, _ operation: String) {
        self.code = code
        self.operation = operation
    }

    /// The device is gone (unplugged).
    public var isNoDevice: Bool { code == LIBUSB_ERROR_NO_DEVICE.rawValue }

    public var description: String {
        let name = code == 0 ? "failed" : (String(validatingCString: libusb_error_name(code)) ?? "error \(code)")
        return "\(operation): \(name)"
    }
}

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

    public var isRunning: Bool { state & UInt8(PLM_STATE_RUNNING) != 0 }
    public var isTimeSynced: Bool { state & UInt8(PLM_STATE_TIME_SYNCED) != 0 }

    public static func == (a: SensorInfo, b: SensorInfo) -> Bool {
        a.protocolVersion == b.protocolVersion && a.firmwareVersion == b.firmwareVersion && a.side == b.side
            && a.accelerometerModel == b.accelerometerModel && a.rateHz == b.rateHz && a.rangeG == b.rangeG
            && a.state == b.state && a.maxSamplesPerFrame == b.maxSamplesPerFrame && a.maxFrameSize == b.maxFrameSize
            && a.bufferCapacityFrames == b.bufferCapacityFrames && a.calibration == b.calibration && a.serial == b.serial
    }

    init?(bytes: [UInt8]) {
        var info = plm_info_t()
        let ok = bytes.withUnsafeBufferPointer { plm_info_decode($0.baseAddress, $0.count, &info) }
        guard ok == 0 else { return nil }
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
}

/// A status message from the interrupt endpoint (docs/protocol.md, section 5).
public struct SensorStatus: Sendable, Equatable {
    public var state: UInt8
    public var framesBuffered: UInt32
    public var nextSequence: UInt32
    public var framesDropped: UInt32
}

/// The endpoints and interface found in the sensor's active configuration descriptor.
public struct SensorEndpoints: Sendable, Equatable {
    public var interface: Int32
    /// Bulk IN: sample frames.
    public var framesIn: UInt8
    public var framesMaxPacket: Int
    /// Interrupt IN: status messages (nil if the configuration has none).
    public var statusIn: UInt8?
    public var statusMaxPacket: Int
}

/// A plm sensor seen on the bus, identified by its serial number.
public struct SensorListing: Sendable, Hashable, CustomStringConvertible {
    public var serial: String
    public var busNumber: UInt8
    public var address: UInt8

    public var description: String { "\(serial) (bus \(busNumber) address \(address))" }
}

/// Arrival or departure of a sensor.
public enum PresenceEvent: Sendable, Equatable {
    case arrived(SensorListing)
    case left(SensorListing)
}

/// What the stream has counted since it started.
public struct StreamCounters: Sendable, Equatable {
    /// Frames that decoded with a good CRC and were delivered.
    public var framesOK = 0
    /// Samples in them.
    public var samples = 0
    /// 64-byte slices whose CRC did not match.
    public var crcErrors = 0
    /// Slices that were not frames for another reason (magic, version, length, truncation).
    public var badFrames = 0
    /// Frames whose sequence number repeated the previous one (resent after a halt or reset): dropped.
    public var duplicates = 0
    /// Jumps in the sequence numbers that neither the device's overflow flag nor rejected slices explain.
    public var sequenceGaps = 0
    /// Frames missing in those jumps.
    public var framesMissing = 0
    /// Frames missing where slices had been rejected (bad CRC) in between.
    public var framesLostToCorruption = 0
    /// Frames the device says it dropped on overflow (GAP_OVERFLOW).
    public var framesDroppedByDevice = 0
    /// STALLs on the bulk endpoint that were cleared and streaming resumed.
    public var stallsRecovered = 0
    /// Transfers completed (with data or not).
    public var transfers = 0
    /// Transfers that ended in an error other than STALL, unplug or cancellation.
    public var transferErrors = 0
    /// Sequence number of the last good frame.
    public var lastSequence: UInt32?

    public init() {}
}

/// Why a stream ended.
public enum StreamEnd: Sendable, Equatable {
    /// `stopStreaming()` was called.
    case stopped
    /// The sensor was unplugged (or lost power); it may come back under a new address.
    case unplugged
    /// A libusb error the stream cannot recover from.
    case failed(USBError)
}

/// What a frame stream delivers, in order.
public enum StreamEvent: Sendable {
    /// Frames from one completed transfer (possibly none, when every slice was rejected), and the counters after them.
    case frames([SensorFrame], StreamCounters)
    /// A status message.
    case status(SensorStatus)
    /// The stream has ended; no further events follow.
    case ended(StreamEnd, StreamCounters)
}
