import CSensorEmulator
import Foundation
import PLMVocabulary
import SensorFrames
import SensorUSB

/// One umockdev testbed per process at a time (docs/daemon.md, "Tests"). Every suite that makes one takes this
/// lock first (`withBench` does), whatever module the suite is in. Waiting is asynchronous: a waiting test holds no
/// thread of the cooperative pool (two threads on a two-core machine), so the holder always makes progress.
public final class EmulatorLock: @unchecked Sendable {
    public static let shared = EmulatorLock()
    private let lock = NSLock()
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Waits until the lock is free and takes it.
    public func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let granted: Bool = lock.withLock {
                if held {
                    waiters.append(c)
                    return false
                }
                held = true
                return true
            }
            if granted { c.resume() }
        }
    }

    /// Hands the lock to the next waiter, or frees it.
    public func release() {
        let next: CheckedContinuation<Void, Never>? = lock.withLock {
            if waiters.isEmpty {
                held = false
                return nil
            }
            return waiters.removeFirst()
        }
        next?.resume()
    }
}

// MARK: Test bench

/// The emulated sensors (Tests/SensorEmulator).
public final class Emulator: @unchecked Sendable {
    private let emu: OpaquePointer

    public init() throws {
        guard let emu = plm_emu_new() else { throw EmulatorError.setup("plm_emu_new") }
        self.emu = emu
    }

    public func add(serial: String, side: SensorSide) throws {
        guard plm_emu_add_sensor(emu, serial, side.rawValue) >= 0 else { throw EmulatorError.setup("add \(serial)") }
    }

    public func unplug(_ i: Int32) { _ = plm_emu_unplug(emu, i) }
    public func replug(_ i: Int32) { _ = plm_emu_replug(emu, i) }
    /// Unplugs mid-transfer: up to `frames` frames are acknowledged to the sensor but never reach the host.
    public func unplugLosing(_ i: Int32, frames: UInt32) { _ = plm_emu_unplug_losing(emu, i, frames) }
    public func framesLostInFlight(_ i: Int32) -> UInt32 { plm_emu_frames_lost_in_flight(emu, i) }
    /// Frames sent and kept until the host commits them (the sensor sends nothing new at `PLM_RETAIN_FRAMES`).
    public func framesUncommitted(_ i: Int32) -> UInt32 { plm_emu_frames_uncommitted(emu, i) }
    /// The next `frames` frames are acknowledged to the sensor but never delivered to the host.
    public func loseNext(_ i: Int32, frames: UInt32) { plm_emu_lose_next(emu, i, frames) }
    public func corruptNext(_ i: Int32, frames: UInt32) { plm_emu_corrupt_next(emu, i, frames) }
    public func stallNext(_ i: Int32) { plm_emu_stall_next(emu, i) }
    /// While halted, every queued frame transfer fails with a STALL (what a Linux host controller does).
    public func stallFailsQueued(_ i: Int32, _ on: Bool) { plm_emu_stall_fails_queued(emu, i, on ? 1 : 0) }
    public func fastForward(_ i: Int32, microseconds: UInt64) { plm_emu_fast_forward(emu, i, microseconds) }
    public func deviceNumber(_ i: Int32) -> Int32 { plm_emu_device_number(emu, i) }
    public func framesProduced(_ i: Int32) -> UInt32 { plm_emu_frames_produced(emu, i) }
    public func framesSent(_ i: Int32) -> UInt32 { plm_emu_frames_sent(emu, i) }
    public func stalls(_ i: Int32) -> UInt32 { plm_emu_stalls(emu, i) }
    public func haltsCleared(_ i: Int32) -> UInt32 { plm_emu_halts_cleared(emu, i) }

    /// After libusb_exit.
    public func free() { plm_emu_free(emu) }
}

public enum EmulatorError: Error {
    case setup(String)
    case timeout(String)
}

/// The testbed first, then libusb; libusb_exit before the testbed goes.
public func withBench(
    sensors: [(String, SensorSide)], _ body: (Emulator, USBContext) async throws -> Void
) async throws {
    await EmulatorLock.shared.acquire()
    defer { EmulatorLock.shared.release() }
    let emu = try Emulator()
    defer { emu.free() }
    for (serial, side) in sensors { try emu.add(serial: serial, side: side) }
    let usb = try USBContext()
    defer { usb.close() }
    try await body(emu, usb)
}

public func waitUntil(timeout: Double, _ condition: () throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while try !condition() {
        guard Date() < deadline else { throw EmulatorError.timeout("condition not met within \(timeout) s") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// Opens a sensor once it is back on the bus (the rescan a daemon would do).
public func openWhenBack(_ usb: USBContext, serial: String) async throws -> SensorDevice {
    let deadline = Date().addingTimeInterval(30)
    while true {
        if let device = try? usb.open(serial: serial) { return device }
        guard Date() < deadline else { throw EmulatorError.timeout("\(serial) did not come back") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// Everything a frame stream delivered.
public struct StreamResult: Sendable {
    public var frames: [SensorFrame] = []
    public var statuses: [SensorStatus] = []
    /// Slices that failed to decode, as they arrived.
    public var undecodable: [[UInt8]] = []
    public var counters = StreamCounters()
    public var end: StreamEnd?
}

/// Consumes a frame stream in a task; `snapshot()` while it runs, `result()` once it has ended.
public final class Collector: @unchecked Sendable {
    private let lock = NSLock()
    private var current = StreamResult()
    private var task: Task<Void, Never>?

    public init(_ events: AsyncStream<StreamEvent>) {
        task = Task { [self] in
            for await event in events { record(event) }
        }
    }

    private func record(_ event: StreamEvent) {
        lock.withLock {
                switch event {
                case .frames(let frames, let counters):
                    current.frames += frames
                    current.counters = counters
                case .undecodable(let bytes, let counters):
                    current.undecodable.append(bytes)
                    current.counters = counters
                case .status(let status):
                    current.statuses.append(status)
                case .resendRequested:
                    break
                case .ended(let end, let counters):
                    current.end = end
                    current.counters = counters
                }
        }
    }

    public func snapshot() -> StreamResult {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    public func result() async -> StreamResult {
        await task?.value
        return snapshot()
    }

    public func result(within seconds: Double) async throws -> StreamResult {
        try await waitUntil(timeout: seconds) { snapshot().end != nil }
        return await result()
    }
}

/// Collects the elements of an AsyncStream as they come.
public final class Collected<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var all: [Element] = []

    public init(_ stream: AsyncStream<Element>) {
        Task { [self] in
            for await element in stream { append(element) }
        }
    }

    private func append(_ element: Element) { lock.withLock { all.append(element) } }

    public func items() -> [Element] {
        lock.lock()
        defer { lock.unlock() }
        return all
    }
}
