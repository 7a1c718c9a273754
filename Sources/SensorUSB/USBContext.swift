import CLibUSB
import CPLMProtocol
import Foundation

/// A value behind a lock, for state shared between libusb's event thread and its owners.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// A libusb context and the one thread that handles its events.
///
/// Every asynchronous transfer and hotplug callback of the context runs on that thread
/// (`libusb_handle_events_timeout_completed` in a loop); nothing else calls libusb's event handling.
/// Open sensors with `open(serial:)`, watch arrivals and departures with `watchSensors()`. Call `close()`
/// when done: it closes whatever is still open, stops the event thread and exits libusb.
public final class USBContext: @unchecked Sendable {
    /// The sensor's USB identity (docs/protocol.md, section 1).
    public static let vendorID = UInt16(PLM_USB_VID)
    public static let productID = UInt16(PLM_USB_PID)

    let ctx: OpaquePointer
    private let stopFlag: UnsafeMutablePointer<Int32>
    private let eventThreadDone = DispatchSemaphore(value: 0)
    private struct State {
        var closed = false
        var devices: [ObjectIdentifier: WeakDevice] = [:]
        var monitors: [ObjectIdentifier: SensorMonitor] = [:]
    }
    private struct WeakDevice { weak var device: SensorDevice? }
    private let state = Locked(State())

    /// Opens a libusb context and starts its event thread.
    public init() throws {
        var context: OpaquePointer?
        let r = libusb_init(&context)
        guard r == 0, let context else { throw USBError(r, "libusb_init") }
        ctx = context
        stopFlag = .allocate(capacity: 1)
        stopFlag.initialize(to: 0)
        let thread = Thread { [self] in eventLoop() }
        thread.name = "plm-usb-events"
        thread.start()
    }

    deinit {
        close()
        stopFlag.deallocate()
    }

    private func eventLoop() {
        var tv = timeval(tv_sec: 0, tv_usec: 200_000)
        while stopFlag.pointee == 0 {
            let r = libusb_handle_events_timeout_completed(ctx, &tv, stopFlag)
            if r != 0 && r != LIBUSB_ERROR_INTERRUPTED.rawValue && r != LIBUSB_ERROR_TIMEOUT.rawValue {
                Thread.sleep(forTimeInterval: 0.01)  // don't spin on a persistent error
            }
        }
        eventThreadDone.signal()
    }

    /// Whether libusb can report arrivals and departures on this system (else only the rescan finds them).
    public var hasHotplug: Bool { libusb_has_capability(UInt32(LIBUSB_CAP_HAS_HOTPLUG.rawValue)) != 0 }

    /// Closes open sensors and monitors, stops the event thread and exits libusb. Idempotent.
    public func close() {
        let (devices, monitors) = state.withLock { s -> ([SensorDevice], [SensorMonitor]) in
            guard !s.closed else { return ([], []) }
            s.closed = true
            defer {
                s.devices = [:]
                s.monitors = [:]
            }
            return (s.devices.values.compactMap(\.device), Array(s.monitors.values))
        }
        guard stopFlag.pointee == 0 else { return }
        for monitor in monitors { monitor.stop() }
        for device in devices { device.close() }
        stopFlag.pointee = 1
        libusb_interrupt_event_handler(ctx)
        eventThreadDone.wait()
        libusb_exit(ctx)
    }

    // MARK: Finding sensors

    /// The plm sensors present now, with their serial numbers (each is opened briefly to read it).
    public func listSensors() throws -> [SensorListing] {
        try withSensorDevices { devices in
            devices.compactMap { device in
                guard let handle = try? openHandle(device) else { return nil }
                defer { libusb_close(handle) }
                return try? listing(device, handle)
            }
        }
    }

    /// Opens the sensor with this serial number: reads its endpoints from the configuration descriptor and
    /// claims its interface. The returned device is the only owner of the handle.
    public func open(serial: String) throws -> SensorDevice {
        let found = try openListed(serial: serial) ?? openFresh(serial: serial)
        guard let found else { throw USBError(LIBUSB_ERROR_NOT_FOUND.rawValue, "open sensor \(serial)") }
        state.withLock { $0.devices[ObjectIdentifier(found)] = WeakDevice(device: found) }
        return found
    }

    /// Opens the sensor from libusb's own device list.
    private func openListed(serial: String) throws -> SensorDevice? {
        try withSensorDevices { devices in
            for device in devices {
                guard let handle = try? openHandle(device) else { continue }
                guard let listing = try? listing(device, handle), listing.serial == serial else {
                    libusb_close(handle)
                    continue
                }
                do {
                    return try SensorDevice(context: self, device: device, handle: handle, listing: listing)
                } catch {
                    libusb_close(handle)
                    throw error
                }
            }
            return nil
        }
    }

    /// Opens a sensor that libusb's own device list does not have: that list follows udev's hotplug messages, and
    /// one that never arrived (no udevd, a lost netlink message: libusb #1571) leaves a plugged-in sensor out of it
    /// until the process restarts. A fresh enumeration (`withFreshSensorDevices`) finds its bus and address; its
    /// device node is opened here and handed to libusb (`libusb_wrap_sys_device`).
    func openFresh(serial: String) throws -> SensorDevice? {
        let location = try withFreshSensorDevices { devices -> (UInt8, UInt8)? in
            for device in devices {
                guard let handle = try? openHandle(device) else { continue }
                defer { libusb_close(handle) }
                if let listing = try? listing(device, handle), listing.serial == serial {
                    return (listing.busNumber, listing.address)
                }
            }
            return nil
        }
        guard let (bus, address) = location else { return nil }
        let path = "/dev/bus/usb/" + Self.threeDigits(bus) + "/" + Self.threeDigits(address)
        let fd = Glibc.open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            throw USBError(errno == EACCES ? LIBUSB_ERROR_ACCESS.rawValue : LIBUSB_ERROR_NOT_FOUND.rawValue, "open \(path)")
        }
        var wrapped: OpaquePointer?
        let r = libusb_wrap_sys_device(ctx, Int(fd), &wrapped)
        guard r == 0, let handle = wrapped, let device = libusb_get_device(handle) else {
            _ = Glibc.close(fd)
            throw USBError(r, "libusb_wrap_sys_device \(path)")
        }
        do {
            let listing = try listing(device, handle)
            guard listing.serial == serial else {
                throw USBError(LIBUSB_ERROR_NOT_FOUND.rawValue, "\(path) is no longer sensor \(serial)")
            }
            return try SensorDevice(context: self, device: device, handle: handle, listing: listing, wrappedFD: fd)
        } catch {
            libusb_close(handle)
            _ = Glibc.close(fd)
            throw error
        }
    }

    static func threeDigits(_ n: UInt8) -> String {
        let d = String(n)
        return String(repeating: "0", count: max(0, 3 - d.count)) + d
    }

    /// The sensors on the bus now, from a new libusb context: its initialisation enumerates the devices afresh
    /// (sysfs), whereas `libusb_get_device_list` on a long-lived context returns the list that hotplug messages
    /// maintain. The devices are valid inside `body` only.
    func withFreshSensorDevices<R>(_ body: ([OpaquePointer]) throws -> R) throws -> R {
        var fresh: OpaquePointer?
        let r = libusb_init(&fresh)
        guard r == 0, let fresh else { throw USBError(r, "libusb_init (rescan)") }
        defer { libusb_exit(fresh) }
        return try withSensorDevices(in: fresh, body)
    }

    func forget(_ device: SensorDevice) {
        _ = state.withLock { $0.devices.removeValue(forKey: ObjectIdentifier(device)) }
    }

    /// Runs body with the libusb devices whose VID:PID is the sensor's (references held meanwhile).
    func withSensorDevices<R>(_ body: ([OpaquePointer]) throws -> R) throws -> R {
        try withSensorDevices(in: ctx, body)
    }

    private func withSensorDevices<R>(in ctx: OpaquePointer, _ body: ([OpaquePointer]) throws -> R) throws -> R {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let n = libusb_get_device_list(ctx, &list)
        guard n >= 0, let list else { throw USBError(Int32(truncatingIfNeeded: n), "libusb_get_device_list") }
        defer { libusb_free_device_list(list, 1) }
        var matching: [OpaquePointer] = []
        for i in 0..<Int(n) {
            guard let device = list[i] else { continue }
            var desc = libusb_device_descriptor()
            guard libusb_get_device_descriptor(device, &desc) == 0,
                desc.idVendor == Self.vendorID, desc.idProduct == Self.productID
            else { continue }
            matching.append(device)
        }
        return try body(matching)
    }

    func openHandle(_ device: OpaquePointer) throws -> OpaquePointer {
        var handle: OpaquePointer?
        let r = libusb_open(device, &handle)
        guard r == 0, let handle else { throw USBError(r, "libusb_open") }
        return handle
    }

    func listing(_ device: OpaquePointer, _ handle: OpaquePointer) throws -> SensorListing {
        var desc = libusb_device_descriptor()
        let r = libusb_get_device_descriptor(device, &desc)
        guard r == 0 else { throw USBError(r, "libusb_get_device_descriptor") }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBufferPointer {
            libusb_get_string_descriptor_ascii(handle, desc.iSerialNumber, $0.baseAddress, Int32($0.count))
        }
        guard n > 0 else { throw USBError(n, "read serial number") }
        return SensorListing(
            serial: String(decoding: buffer.prefix(Int(n)), as: UTF8.self), busNumber: libusb_get_bus_number(device),
            address: libusb_get_device_address(device))
    }

    // MARK: Arrivals and departures

    /// Reports sensors arriving and leaving, by serial number. Sensors present when it starts are reported as
    /// arrivals. Uses libusb's hotplug events where the system has them, plus a rescan every `rescanInterval`
    /// as a backstop (hotplug events can be missed); without hotplug the rescan alone finds them.
    /// `useHotplug: false` relies on the rescan only (for systems whose hotplug events are unreliable, and tests).
    public func watchSensors(rescanInterval: Double = 2, useHotplug: Bool = true) throws -> SensorMonitor {
        let monitor = try SensorMonitor(context: self, rescanInterval: rescanInterval, useHotplug: useHotplug)
        state.withLock { $0.monitors[ObjectIdentifier(monitor)] = monitor }
        return monitor
    }

    func forget(_ monitor: SensorMonitor) {
        _ = state.withLock { $0.monitors.removeValue(forKey: ObjectIdentifier(monitor)) }
    }
}

private let hotplugCallback: libusb_hotplug_callback_fn = { _, _, _, userData in
    if let userData { Unmanaged<SensorMonitor>.fromOpaque(userData).takeUnretainedValue().wake() }
    return 0  // stay registered
}

/// Watches for sensors arriving and leaving (see `USBContext.watchSensors`). Events arrive on `events`;
/// `stop()` ends it.
public final class SensorMonitor: @unchecked Sendable {
    public let events: AsyncStream<PresenceEvent>
    /// Whether libusb's hotplug events are used (otherwise only the periodic rescan).
    public var usesHotplug: Bool { state.withLock { $0.usesHotplug } }
    private let continuation: AsyncStream<PresenceEvent>.Continuation
    private unowned let context: USBContext
    private let rescanInterval: Double
    private let wakeup = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private struct State {
        var stopped = false
        var known: [String: SensorListing] = [:]  // by "bus-address"
        var hotplugHandle: libusb_hotplug_callback_handle = 0
        var usesHotplug = false
    }
    private let state = Locked(State())

    init(context: USBContext, rescanInterval: Double, useHotplug: Bool) throws {
        self.context = context
        self.rescanInterval = max(0.05, rescanInterval)
        (events, continuation) = AsyncStream.makeStream(of: PresenceEvent.self, bufferingPolicy: .unbounded)
        var handle: libusb_hotplug_callback_handle = 0
        var hotplug = false
        if useHotplug && context.hasHotplug {
            let events = Int32(
                LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED.rawValue | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT.rawValue)
            let r = libusb_hotplug_register_callback(
                context.ctx, events, 0, Int32(USBContext.vendorID), Int32(USBContext.productID),
                LIBUSB_HOTPLUG_MATCH_ANY, hotplugCallback, Unmanaged.passUnretained(self).toOpaque(), &handle)
            hotplug = r == 0
        }
        state.withLock {
            $0.hotplugHandle = handle
            $0.usesHotplug = hotplug
        }
        let thread = Thread { [self] in run() }
        thread.name = "plm-usb-monitor"
        thread.start()
    }

    func wake() { wakeup.signal() }

    /// Stops watching and finishes `events`. Idempotent.
    public func stop() {
        let (wasStopped, handle) = state.withLock { s -> (Bool, libusb_hotplug_callback_handle) in
            defer { s.stopped = true }
            return (s.stopped, s.hotplugHandle)
        }
        guard !wasStopped else { return }
        if usesHotplug { libusb_hotplug_deregister_callback(context.ctx, handle) }
        wakeup.signal()
        finished.wait()
        continuation.finish()
        context.forget(self)
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func run() {
        while !isStopped {
            rescan()
            _ = wakeup.wait(timeout: .now() + rescanInterval)
        }
        finished.signal()
    }

    private func rescan() {
        var events: [PresenceEvent] = []
        // a fresh enumeration: libusb's own list misses what a lost hotplug message did not tell it
        _ = try? context.withFreshSensorDevices { devices in
            let present = devices.map { ("\(libusb_get_bus_number($0))-\(libusb_get_device_address($0))", $0) }
            let presentKeys = Set(present.map(\.0))
            // departures first, so that a quick unplug and replug is reported in order
            let gone = state.withLock { s -> [SensorListing] in
                let keys = s.known.keys.filter { !presentKeys.contains($0) }
                return keys.compactMap { s.known.removeValue(forKey: $0) }
            }
            events += gone.map { .left($0) }
            let known = state.withLock { Set($0.known.keys) }
            for (key, device) in present where !known.contains(key) {
                // read the serial number; if the device is not ready yet the next scan tries again
                guard let handle = try? context.openHandle(device) else { continue }
                let listing = try? context.listing(device, handle)
                libusb_close(handle)
                guard let listing else { continue }
                state.withLock { $0.known[key] = listing }
                events.append(.arrived(listing))
            }
        }
        for event in events { continuation.yield(event) }
    }
}
