import CLibUSB
import CPLMProtocol
import Foundation
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

    /// The device refused the request (STALL).
    public var isStall: Bool { code == LIBUSB_ERROR_PIPE.rawValue }

    public var description: String {
        let name = code == 0 ? "failed" : (String(validatingCString: libusb_error_name(code)) ?? "error \(code)")
        return "\(operation): \(name)"
    }
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
    /// Frames whose sequence number is not after the previous good frame's (sent again after a rewind, a halt or
    /// a reset: docs/protocol.md, "Acknowledgement"): dropped.
    public var duplicates = 0
    /// Jumps in the sequence numbers that neither the device's overflow flag nor rejected slices explain.
    public var sequenceGaps = 0
    /// Frames missing in those jumps.
    public var framesMissing = 0
    /// Frames missing where slices had been rejected (bad CRC) in between.
    public var framesLostToCorruption = 0
    /// Frames the device says it dropped on overflow (GAP_OVERFLOW).
    public var framesDroppedByDevice = 0
    /// Frames dropped because they came after a hole the sensor was asked to fill (`resendRequested`).
    public var framesHeldForResend = 0
    /// REWINDs asked for to fill holes, and holes filled that way.
    public var resendsRequested = 0
    public var holesRefilled = 0
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
    /// A slice of a transfer that failed to decode (bad CRC, magic, version or length), its bytes as they arrived,
    /// and the counters after it; it comes in order with the frames around it. Kept so the recording can store
    /// everything the sensor sent (docs/recording-format.md, 1.4).
    case undecodable([UInt8], StreamCounters)
    /// A status message.
    case status(SensorStatus)
    /// Frames arrived after a hole in the sequence numbers that neither the device's overflow flag nor corrupt
    /// slices explain, from a sensor that keeps frames until committed (`startStreaming(resendOnGap: true)`):
    /// they are held back (dropped) and the owner should send REWIND, after which the sensor sends the missing
    /// frames again in order (docs/protocol.md, "Acknowledgement").
    case resendRequested(expected: UInt32)
    /// The stream has ended; no further events follow.
    case ended(StreamEnd, StreamCounters)
}
