import CLibUSB
import CPLMProtocol
import Foundation
import SensorFrames

/// Called by libusb on the context's event thread; the stream travels in user_data (unretained: the
/// SensorDevice keeps the stream alive until every transfer is back).
private let transferCallback: libusb_transfer_cb_fn = { transfer in
    guard let transfer, let userData = transfer.pointee.user_data else { return }
    Unmanaged<FrameStream>.fromOpaque(userData).takeUnretainedValue().completed(transfer)
}

/// The asynchronous transfers of one streaming session and what they have counted.
final class FrameStream: @unchecked Sendable {
    private let handle: OpaquePointer
    private let endpoints: SensorEndpoints
    private let continuation: AsyncStream<StreamEvent>.Continuation
    private let transfers: [UnsafeMutablePointer<libusb_transfer>]
    private let allBack = DispatchSemaphore(value: 0)

    private struct State {
        var inFlight: Set<UnsafeMutablePointer<libusb_transfer>> = []
        var stopping = false
        var end: StreamEnd?
        var ended = false
        var counters = StreamCounters()
        /// Slices rejected since the last good frame.
        var rejectedSinceGood = 0
        var freed = false
        /// Halts of the frame endpoint cleared so far, and per transfer how many had been cleared when it was
        /// submitted: a STALL from a transfer submitted before the last clear is the same halt, already cleared
        /// (a host controller fails every transfer queued on a halted endpoint), not a new one.
        var haltsCleared = 0
        var submittedAfterClears: [UnsafeMutablePointer<libusb_transfer>: Int] = [:]
        /// Hold frames after an unexplained hole and ask for a resend (the sensor keeps uncommitted frames).
        var resendOnGap = false
        /// A hole is being refilled: frames after it are dropped until the expected one arrives.
        var holding = false
        /// Consecutive resend requests that have not filled their hole; after `maxResends` the hole is accepted.
        var resendsUnfilled = 0
        var heldSinceRequest = 0
    }
    /// Frames held after a resend request before it is repeated: fewer than the 64 uncommitted frames a sensor
    /// sends before it waits for a COMMIT (none comes while a hole is held), more than the 8 transfers in flight.
    static let heldBeforeAskingAgain = 16
    /// Resend requests for one hole before it is accepted as lost.
    static let maxResends = 3
    private let state: Locked<State>

    init(
        handle: OpaquePointer, endpoints: SensorEndpoints, transfers: Int, packetsPerTransfer: Int,
        lastSequence: UInt32?, resendOnGap: Bool = false, continuation: AsyncStream<StreamEvent>.Continuation
    ) {
        self.handle = handle
        self.endpoints = endpoints
        self.continuation = continuation
        var initial = State()
        initial.counters.lastSequence = lastSequence
        initial.resendOnGap = resendOnGap
        state = Locked(initial)
        let packet = max(endpoints.framesMaxPacket, Int(PLM_FRAME_MAX_SIZE))
        var all: [UnsafeMutablePointer<libusb_transfer>] = []
        for _ in 0..<transfers {
            guard let t = libusb_alloc_transfer(0) else { continue }
            let length = packet * packetsPerTransfer
            let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: length)
            libusb_fill_bulk_transfer(t, handle, endpoints.framesIn, buffer, Int32(length), transferCallback, nil, 0)
            all.append(t)
        }
        if let status = endpoints.statusIn, endpoints.statusMaxPacket > 0, let t = libusb_alloc_transfer(0) {
            let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: endpoints.statusMaxPacket)
            libusb_fill_interrupt_transfer(
                t, handle, status, buffer, Int32(endpoints.statusMaxPacket), transferCallback, nil, 0)
            all.append(t)
        }
        self.transfers = all
        let me = Unmanaged.passUnretained(self).toOpaque()
        for t in all { t.pointee.user_data = me }
    }

    var hasEnded: Bool { state.withLock { $0.ended } }

    func submitAll() throws {
        try state.withLock { s in
            for t in transfers {
                let r = libusb_submit_transfer(t)
                if r == 0 {
                    s.inFlight.insert(t)
                    s.submittedAfterClears[t] = s.haltsCleared
                } else {
                    s.end = r == LIBUSB_ERROR_NO_DEVICE.rawValue ? .unplugged : .failed(USBError(r, "submit transfer"))
                    break
                }
            }
            if let end = s.end {
                for t in s.inFlight { libusb_cancel_transfer(t) }
                finishIfDone(&s)
                if s.inFlight.isEmpty, case .failed(let error) = end { throw error }
            }
        }
    }

    /// Cancels what is in flight and waits until libusb has given every transfer back.
    func stop() {
        let wait = state.withLock { s -> Bool in
            guard !s.ended else { return false }
            s.stopping = true
            for t in s.inFlight { libusb_cancel_transfer(t) }
            finishIfDone(&s)
            return !s.ended
        }
        if wait {
            // cancelled transfers come back within an event-loop turn; don't hang forever if libusb doesn't
            _ = allBack.wait(timeout: .now() + 5)
        }
    }

    /// Frees the transfers once they are all back (else leaks them rather than free memory libusb still uses).
    func release() {
        state.withLock { s in
            guard s.ended, s.inFlight.isEmpty, !s.freed else { return }
            s.freed = true
            for t in transfers {
                t.pointee.buffer?.deallocate()
                t.pointee.buffer = nil
                libusb_free_transfer(t)
            }
        }
    }

    deinit { release() }

    // MARK: On the event thread

    func completed(_ t: UnsafeMutablePointer<libusb_transfer>) {
        let status = t.pointee.status
        let length = Int(max(0, t.pointee.actual_length))
        let isStatus = t.pointee.endpoint == endpoints.statusIn && t.pointee.endpoint != endpoints.framesIn
        state.withLock { s in
            s.inFlight.remove(t)
            s.counters.transfers += 1
            // data first, whatever the status: libusb hands back what arrived even on cancellation
            if isStatus {
                if length > 0, let buffer = t.pointee.buffer,
                    let status = SensorStatus(bytes: UnsafeBufferPointer(start: buffer, count: length))
                {
                    continuation.yield(.status(status))
                }
            } else if length > 0, let buffer = t.pointee.buffer {
                let frames = decode(UnsafeBufferPointer(start: buffer, count: length), &s)
                continuation.yield(.frames(frames, s.counters))
            }

            var resubmit = false
            switch status {
            case LIBUSB_TRANSFER_COMPLETED, LIBUSB_TRANSFER_TIMED_OUT:
                resubmit = true
            case LIBUSB_TRANSFER_STALL:
                // the endpoint halted: clear it (a plain ioctl, allowed here) and carry on; the sensor
                // sends the frames not yet committed again after the clear (duplicates are dropped). The other transfers that
                // were in flight report the same halt: once cleared, they are only resubmitted (counted once).
                if !isStatus, (s.submittedAfterClears[t] ?? 0) < s.haltsCleared {
                    resubmit = true
                    break
                }
                let r = libusb_clear_halt(handle, t.pointee.endpoint)
                if r == 0 {
                    if !isStatus {
                        s.counters.stallsRecovered += 1
                        s.haltsCleared += 1
                    }
                    resubmit = true
                } else if r == LIBUSB_ERROR_NO_DEVICE.rawValue {
                    s.end = s.end ?? .unplugged
                } else {
                    s.end = s.end ?? .failed(USBError(r, "clear halt on endpoint \(t.pointee.endpoint)"))
                }
            case LIBUSB_TRANSFER_NO_DEVICE:
                s.end = s.end ?? .unplugged
            case LIBUSB_TRANSFER_CANCELLED:
                break
            default:  // ERROR, OVERFLOW
                s.counters.transferErrors += 1
                resubmit = true
            }
            if resubmit && !s.stopping && s.end == nil {
                let r = libusb_submit_transfer(t)
                if r == 0 {
                    s.inFlight.insert(t)
                    s.submittedAfterClears[t] = s.haltsCleared
                } else {
                    s.end = r == LIBUSB_ERROR_NO_DEVICE.rawValue ? .unplugged : .failed(USBError(r, "resubmit transfer"))
                }
            }
            if s.end != nil && !s.stopping {
                // the others cannot succeed either: bring them back
                s.stopping = true
                for other in s.inFlight { libusb_cancel_transfer(other) }
            }
            finishIfDone(&s)
        }
    }

    /// Ends the stream once every transfer is back.
    private func finishIfDone(_ s: inout State) {
        guard !s.ended, s.inFlight.isEmpty, s.stopping || s.end != nil else { return }
        s.ended = true
        continuation.yield(.ended(s.end ?? .stopped, s.counters))
        continuation.finish()
        allBack.signal()
    }

    /// Frames at offsets 0, 64, 128, …; each slice decoded on its own (docs/protocol.md, "Reading the bulk
    /// endpoint"), sequence numbers checked against the previous good frame. A slice that fails to decode is
    /// yielded as `.undecodable` in its place (the good frames before it first); the good frames after the last
    /// such slice are returned.
    private func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ s: inout State) -> [SensorFrame] {
        var frames: [SensorFrame] = []
        let slice = Int(PLM_FRAME_MAX_SIZE)
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + slice, bytes.count)
            switch SensorFrameCodec.decode(bytes[offset..<end]) {
            case .success(let frame):
                if let last = s.counters.lastSequence {
                    // not after the last good frame (serial number arithmetic modulo 2^32): a frame sent again
                    // after a rewind, already delivered (docs/protocol.md, "Acknowledgement")
                    if last &- frame.sequence < 0x8000_0000 {
                        s.counters.duplicates += 1
                        offset = end
                        continue
                    }
                    let missing = Int(frame.sequence &- last &- 1)
                    if missing > 0 {
                        if frame.flags.contains(.overflowGap) {
                            s.counters.framesDroppedByDevice += missing
                        } else if s.rejectedSinceGood > 0 && missing <= s.rejectedSinceGood {
                            s.counters.framesLostToCorruption += missing
                        } else if s.resendOnGap && s.resendsUnfilled < Self.maxResends {
                            // the sensor still has the missing frames (they are not committed): drop this one and
                            // ask for a REWIND, once per hole; they come again in order
                            s.counters.framesHeldForResend += 1
                            s.heldSinceRequest += 1
                            // again if the hole is still there after `heldBeforeAskingAgain` more frames (a rewind
                            // sends the oldest uncommitted frame first: if that is past the hole, it cannot be filled)
                            if !s.holding || s.heldSinceRequest > Self.heldBeforeAskingAgain {
                                s.holding = true
                                s.heldSinceRequest = 0
                                s.resendsUnfilled += 1
                                s.counters.resendsRequested += 1
                                if !frames.isEmpty {
                                    continuation.yield(.frames(frames, s.counters))
                                    frames = []
                                }
                                continuation.yield(.resendRequested(expected: last &+ 1))
                            }
                            offset = end
                            continue
                        } else {
                            s.counters.sequenceGaps += 1
                            s.counters.framesMissing += missing
                        }
                    }
                }
                if s.holding {
                    // the hole is filled, or accepted as lost after maxResends (counted as a gap above)
                    s.holding = false
                    if s.counters.lastSequence.map({ frame.sequence == $0 &+ 1 }) ?? false { s.counters.holesRefilled += 1 }
                }
                s.resendsUnfilled = 0
                s.counters.lastSequence = frame.sequence
                s.counters.framesOK += 1
                s.counters.samples += frame.sampleCount
                s.rejectedSinceGood = 0
                frames.append(frame)
            case .failure(let failure):
                if case .badCRC = failure { s.counters.crcErrors += 1 } else { s.counters.badFrames += 1 }
                s.rejectedSinceGood += 1
                if !frames.isEmpty {
                    continuation.yield(.frames(frames, s.counters))
                    frames = []
                }
                continuation.yield(.undecodable(Array(bytes[offset..<end]), s.counters))
            }
            offset = end
        }
        return frames
    }
}
