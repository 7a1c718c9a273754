import CLibUSB
import CPLMProtocol
import Foundation
import PLMVocabulary
import SensorFrames

/// One open plm sensor. It is the only owner of its libusb handle, which only `close()` closes (also on
/// deinit, through `close()`); after an unplug the handle is dead and the owner closes it and opens the sensor
/// again, by serial number, when it comes back.
public final class SensorDevice: @unchecked Sendable {
    public let serial: String
    public let busNumber: UInt8
    public let address: UInt8
    /// Read from the active configuration descriptor, never assumed.
    public let endpoints: SensorEndpoints
    /// Timeout of control requests, ms.
    public let controlTimeout: UInt32 = 1000

    private let context: USBContext
    private let handle: OpaquePointer
    private struct State {
        var closed = false
        var stream: FrameStream?
    }
    private let state = Locked(State())

    /// The device node's file descriptor when the handle wraps one plmd opened itself
    /// (`libusb_wrap_sys_device`, a sensor libusb's own device list has not caught up with); closed after the handle.
    private let wrappedFD: Int32?

    init(
        context: USBContext, device: OpaquePointer, handle: OpaquePointer, listing: SensorListing,
        wrappedFD: Int32? = nil
    ) throws {
        self.context = context
        self.handle = handle
        self.wrappedFD = wrappedFD
        serial = listing.serial
        busNumber = listing.busNumber
        address = listing.address
        endpoints = try Self.findEndpoints(device)
        let r = libusb_claim_interface(handle, endpoints.interface)
        guard r == 0 else { throw USBError(r, "claim interface \(endpoints.interface)") }
    }

    deinit { close() }

    /// The first vendor-specific interface with a bulk IN endpoint; its interrupt IN endpoint if any.
    static func findEndpoints(_ device: OpaquePointer) throws -> SensorEndpoints {
        var config: UnsafeMutablePointer<libusb_config_descriptor>?
        let r = libusb_get_active_config_descriptor(device, &config)
        guard r == 0, let config else { throw USBError(r, "read the configuration descriptor") }
        defer { libusb_free_config_descriptor(config) }
        for i in 0..<Int(config.pointee.bNumInterfaces) {
            let interface = config.pointee.interface[i]
            for a in 0..<Int(interface.num_altsetting) {
                let alt = interface.altsetting[a]
                guard alt.bInterfaceClass == UInt8(LIBUSB_CLASS_VENDOR_SPEC.rawValue) else { continue }
                var bulk: (UInt8, Int)?
                var status: (UInt8, Int)?
                for e in 0..<Int(alt.bNumEndpoints) {
                    let ep = alt.endpoint[e]
                    let isIn = ep.bEndpointAddress & UInt8(LIBUSB_ENDPOINT_IN.rawValue) != 0
                    let type = ep.bmAttributes & 0x03
                    if isIn && type == UInt8(LIBUSB_TRANSFER_TYPE_BULK.rawValue) && bulk == nil {
                        bulk = (ep.bEndpointAddress, Int(ep.wMaxPacketSize))
                    } else if isIn && type == UInt8(LIBUSB_TRANSFER_TYPE_INTERRUPT.rawValue) && status == nil {
                        status = (ep.bEndpointAddress, Int(ep.wMaxPacketSize))
                    }
                }
                if let bulk {
                    return SensorEndpoints(
                        interface: Int32(alt.bInterfaceNumber), framesIn: bulk.0, framesMaxPacket: bulk.1,
                        statusIn: status?.0, statusMaxPacket: status?.1 ?? 0)
                }
            }
        }
        throw USBError(0, "find a vendor-specific interface with a bulk IN endpoint")
    }

    // MARK: Vendor requests (docs/protocol.md, section 4)

    private func checkOpen() throws {
        if state.withLock({ $0.closed }) { throw USBError(LIBUSB_ERROR_NO_DEVICE.rawValue, "sensor \(serial) is closed") }
    }

    private func controlIn(_ request: UInt32, length: Int, _ what: String) throws -> [UInt8] {
        try checkOpen()
        var buffer = [UInt8](repeating: 0, count: length)
        let n = buffer.withUnsafeMutableBufferPointer {
            libusb_control_transfer(
                handle, UInt8(PLM_REQTYPE_VENDOR_IN), UInt8(request), 0, 0, $0.baseAddress, UInt16(length),
                controlTimeout)
        }
        guard n >= 0 else { throw USBError(n, what) }
        return Array(buffer.prefix(Int(n)))
    }

    private func controlOut(
        _ request: UInt32, value: UInt16 = 0, index: UInt16 = 0, data: [UInt8] = [], _ what: String
    ) throws {
        try checkOpen()
        var bytes = data
        let n = bytes.withUnsafeMutableBufferPointer {
            libusb_control_transfer(
                handle, UInt8(PLM_REQTYPE_VENDOR_OUT), UInt8(request), value, index, $0.baseAddress,
                UInt16($0.count), controlTimeout)
        }
        guard n >= 0 else { throw USBError(n, what) }
    }

    /// GET_INFO.
    public func info() throws -> SensorInfo {
        let bytes = try controlIn(PLM_REQ_GET_INFO.rawValue, length: SensorInfo.size, "GET_INFO")
        guard let info = SensorInfo(bytes: bytes) else { throw USBError(0, "GET_INFO: short reply") }
        return info
    }

    /// CONFIGURE: rate 50, 100 or 200 Hz, range 2, 4, 8 or 16 g. The sensor refuses (STALL) while running.
    public func configure(rateHz: UInt16, rangeG: UInt8) throws {
        try controlOut(PLM_REQ_CONFIGURE.rawValue, value: rateHz, index: UInt16(rangeG), "CONFIGURE \(rateHz) Hz \(rangeG) g")
    }

    /// SET_HOST_TIME: from now on frames carry host-based timestamps (µs since the Unix epoch).
    public func setHostTime(microseconds: UInt64) throws {
        var data = [UInt8](repeating: 0, count: 8)
        plm_put_u64(&data, microseconds)
        try controlOut(PLM_REQ_SET_HOST_TIME.rawValue, data: data, "SET_HOST_TIME")
    }

    /// SET_HOST_TIME with this machine's clock.
    public func setHostTimeNow() throws {
        try setHostTime(microseconds: UInt64(max(0, Date().timeIntervalSince1970 * 1_000_000)))
    }

    /// START sampling (no-op if running).
    public func start() throws { try controlOut(PLM_REQ_START.rawValue, "START") }

    /// STOP sampling; the partial frame is flushed.
    public func stop() throws { try controlOut(PLM_REQ_STOP.rawValue, "STOP") }

    /// SET_SIDE (stored in the sensor's flash).
    public func setSide(_ side: SensorSide) throws {
        guard side != .unknown else { throw USBError(LIBUSB_ERROR_INVALID_PARAM.rawValue, "SET_SIDE: unset") }
        try controlOut(PLM_REQ_SET_SIDE.rawValue, value: UInt16(side.rawValue), "SET_SIDE")
    }

    /// COMMIT (docs/protocol.md, "Acknowledgement"): every frame up to `sequence` is durably stored. The sensor
    /// forgets them, and from now on keeps each frame it sends until it is committed, sending the uncommitted ones
    /// again after a link event or REWIND. Throws a STALL (`USBError.isStall`) when the sensor sent no frame with
    /// that number since it powered up (a number from another power-up), or does not know COMMIT.
    public func commit(sequence: UInt32) throws {
        var value: UInt16 = 0
        var index: UInt16 = 0
        plm_commit_split(sequence, &value, &index)
        try controlOut(PLM_REQ_COMMIT.rawValue, value: value, index: index, "COMMIT \(sequence)")
    }

    /// REWIND: the next frames on the bulk endpoint are the sent but uncommitted ones, oldest first, then new
    /// ones; also switches the sensor to keeping sent frames until committed. Sent before streaming starts.
    /// Throws a STALL on firmware without it (which then drops a frame once its packet is acknowledged).
    public func rewind() throws { try controlOut(PLM_REQ_REWIND.rawValue, "REWIND") }

    /// GET_BUFFERED.
    public func buffered() throws -> BufferedFrames {
        let bytes = try controlIn(PLM_REQ_GET_BUFFERED.rawValue, length: BufferedFrames.size, "GET_BUFFERED")
        guard let buffered = BufferedFrames(bytes: bytes) else { throw USBError(0, "GET_BUFFERED: short reply") }
        return buffered
    }

    /// GET_DEVICE_TIME: µs on the frames' time base.
    public func deviceTime() throws -> UInt64 {
        let bytes = try controlIn(PLM_REQ_GET_DEVICE_TIME.rawValue, length: DeviceTime.size, "GET_DEVICE_TIME")
        guard let time = DeviceTime.decode(bytes) else { throw USBError(0, "GET_DEVICE_TIME: short reply") }
        return time
    }

    /// What `startSampling` found and did.
    public struct SamplingStart: Sendable, Equatable {
        public var info: SensorInfo
        /// The sensor was already running (e.g. it recorded while unplugged): it was left as it was, and its
        /// buffered frames come first on the bulk endpoint, in order, with continued sequence numbers.
        public var resumed: Bool
        public var buffered: BufferedFrames
    }

    /// Brings the sensor to sampling: if it is stopped, CONFIGURE, SET_HOST_TIME (if given) and START; if it
    /// is already running (after an unplug or a daemon restart) it is left alone so nothing it buffered is lost.
    public func startSampling(rateHz: UInt16, rangeG: UInt8, hostTimeMicroseconds: UInt64?) throws -> SamplingStart {
        let before = try info()
        if before.isRunning {
            return SamplingStart(info: before, resumed: true, buffered: try buffered())
        }
        try configure(rateHz: rateHz, rangeG: rangeG)
        if let hostTimeMicroseconds { try setHostTime(microseconds: hostTimeMicroseconds) }
        try start()
        return SamplingStart(info: try info(), resumed: false, buffered: try buffered())
    }

    // MARK: Streaming

    /// Starts reading frames: `transfers` bulk IN transfers of `framesPerTransfer` packets each in flight, and
    /// one on the status endpoint, all resubmitted on completion by the context's event thread. Frames are
    /// decoded by the shared C codec and checked (CRC, sequence numbers); `lastSequence` (from an earlier
    /// stream of the same sensor, e.g. before an unplug) lets the check continue across streams.
    ///
    /// One packet per transfer (the default) means every frame completes its own transfer as soon as it
    /// arrives: no frame the sensor has already handed over waits in a half-filled transfer, where it would be
    /// late and, if the daemon died, lost with the transfer (docs/daemon.md, "Streaming").
    ///
    /// `resendOnGap` (for a sensor that accepted REWIND, docs/protocol.md "Acknowledgement"): frames after an
    /// unexplained hole in the sequence numbers are dropped and `.resendRequested` asks the owner to send REWIND,
    /// after which the sensor sends the missing frames again (at most `maxResends` times per hole).
    ///
    /// The stream ends (`.ended`) on `stopStreaming()`, on unplug, or on an unrecoverable error.
    public func startStreaming(
        transfers: Int = 8, framesPerTransfer: Int = 1, lastSequence: UInt32? = nil, resendOnGap: Bool = false
    ) throws -> AsyncStream<StreamEvent> {
        try checkOpen()
        let (events, continuation) = AsyncStream.makeStream(of: StreamEvent.self, bufferingPolicy: .unbounded)
        let stream = try state.withLock { s -> FrameStream in
            if let old = s.stream, !old.hasEnded {
                throw USBError(LIBUSB_ERROR_BUSY.rawValue, "sensor \(serial) is already streaming")
            }
            let stream = FrameStream(
                handle: handle, endpoints: endpoints, transfers: max(1, transfers),
                packetsPerTransfer: max(1, framesPerTransfer), lastSequence: lastSequence, resendOnGap: resendOnGap,
                continuation: continuation)
            s.stream = stream
            return stream
        }
        try stream.submitAll()
        return events
    }

    /// Cancels the transfers, waits until libusb has given all of them back and ends the stream with
    /// `.stopped` (unless it had already ended). Blocks for at most a few event-loop turns; call it from a
    /// thread that may block (not from a transfer callback).
    public func stopStreaming() {
        let stream = state.withLock { $0.stream }
        stream?.stop()
    }

    /// Stops streaming, releases the interface and closes the handle. The one place the handle is closed.
    public func close() {
        let stream = state.withLock { s -> FrameStream?? in
            guard !s.closed else { return .none }
            s.closed = true
            return .some(s.stream)
        }
        guard case .some(let active) = stream else { return }
        if let active {
            active.stop()
            active.release()
        }
        _ = libusb_release_interface(handle, endpoints.interface)  // fails harmlessly when unplugged
        libusb_close(handle)
        if let wrappedFD { _ = Glibc.close(wrappedFD) }
        context.forget(self)
    }
}
