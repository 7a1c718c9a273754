import DaemonStatus
import Dispatch
import Foundation
import LegMovementScoring
import Logging
import NightAnalysis
import NightPipeline
import NightStore
import RecordingFormats
import SensorFrames
import SensorUSB
import SleepDiary

/// Runs blocking work (libusb's synchronous control requests, stopping a stream, the night's analysis) off the
/// cooperative thread pool, which has only as many threads as cores.
func offPool<T: Sendable>(_ queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        queue.async { c.resume(with: Result { try body() }) }
    }
}

/// The daemon's core (docs/daemon.md): finds the sensors, records their frames into the night's `.plmrec`
/// (fsynced at least every `flushInterval`, clock anchors every `anchorInterval` and at every attach), runs the
/// live detector for the status, and at the night's end computes the nightly summary from the recording with
/// plm-replay's own code (`NightPipeline.finish`) into `<data-dir>/nights/<night>/` and the store.
///
/// Data flows one way: USB stream events → `handle` → session (writer, live detector, counters) → status; at the
/// night's end the recording → `NightPipeline.finish` → outputs and store.
public actor NightRecorder {
    /// How a night's recording ended.
    public enum NightEnd: Sendable {
        /// The night ended (morning, sensors taken off, or `endNight()`): summary stored and written.
        case finished(night: String, recording: URL, outputs: URL, liveLegMovements: Int, finalLegMovements: Int)
        /// The task was cancelled (SIGTERM/SIGINT): the recording was flushed and closed; a restart continues it.
        case interrupted(night: String, recording: URL)
        /// The night ended and no sensor was ever plugged in: nothing to summarise. The recording holds a note
        /// saying so; no outputs, nothing stored.
        case withoutSensors(night: String, recording: URL)
    }

    public let configuration: RecorderConfiguration
    public let dataDir: URL
    let usb: USBContext
    let clock: any RecorderClock
    let logger: Logger
    private let controlQueue = DispatchQueue(label: "plmd-usb-control")
    private let workQueue = DispatchQueue(label: "plmd-night-analysis")

    private var session: RecordingSession?
    private var attached: [String: Attached] = [:]
    private var attaching: Set<String> = []
    /// Counters of earlier streams of each sensor this night (each stream counts from zero).
    private var earlier: [String: StreamCounters] = [:]
    private var endRequested = false
    private var stopSensorsOnDetach = false
    private var paused = false
    /// False while the night's recording is being closed: no sensor is attached then.
    private var accepting = false
    /// Pending attach retries (awaited before the night's file is closed, so none touches USB afterwards).
    private var retries: [Task<Void, Never>] = []
    /// When the last sensor was detached (wall clock µs), nil while one is attached.
    private var allDetachedSince: Int64?
    private var lastCRCLog: [String: Int64] = [:]
    private var state = DaemonState.starting
    private var morningUnix: Int64?
    private let startedUnix: Int64

    /// Records in memory beyond which the daemon stops reading the sensors while the disk cannot be written (they
    /// keep their frames in flash): bytes.
    public var maxBufferedBytes = 32 << 20

    /// How long the night's end waits for each stopped sensor to hand over its last frames: seconds.
    public var drainTimeout = 10.0

    final class Attached {
        let device: SensorDevice
        let index: Int
        var consumer: Task<Void, Never>?
        var counters = StreamCounters()
        /// The sensor keeps sent frames until committed (it accepted REWIND): docs/protocol.md, "Acknowledgement".
        var acknowledges = false
        /// Sequence number of the last frame of this sensor's current power-up appended to the recording.
        var appended: UInt32?
        /// The last number committed to the sensor.
        var committed: UInt32?
        /// `next_seq` of the sensor's last status message.
        var statusNextSequence: UInt32?
        init(device: SensorDevice, index: Int) {
            self.device = device
            self.index = index
        }
    }

    /// - Parameters:
    ///   - usb: the libusb context (the recorder neither creates nor closes it).
    ///   - clock: the host's clocks (tests move the wall clock to an evening).
    public init(
        configuration: RecorderConfiguration, usb: USBContext, clock: any RecorderClock = SystemClock(),
        logger: Logger = Logger(label: "plmd"), environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.configuration = configuration
        self.dataDir = configuration.dataFolder(environment: environment)
        self.usb = usb
        self.clock = clock
        self.logger = logger
        self.startedUnix = clock.unixMicroseconds()
    }

    // MARK: Start

    /// What plmd does before it records anything: takes the data folder's lock (one plmd per folder; a second one
    /// is told which pid holds it), creates the data folders owner-only (0700), and checks everything the night
    /// will need — the rule profile, the store (created or brought up to date, writable), the folders writable —
    /// so that a mistake is an error at start, not a failed summary in the morning. Returns the held lock.
    public static func prepare(
        configuration: RecorderConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> DaemonLock {
        let dataDir = configuration.dataFolder(environment: environment)
        try DataFolders.create(dataDir)
        let lock = try DaemonLock.acquire(folder: dataDir)
        do {
            for sub in ["recordings", "nights"] {
                let folder = dataDir.appendingPathComponent(sub)
                try DataFolders.create(folder)
                guard access(folder.path, W_OK) == 0 else {
                    throw DataFolders.FolderError(description: "\(folder.path): plmd cannot write this folder")
                }
            }
            do {
                _ = try ProfileFile.rules(profile: configuration.rules, overrides: [])
            } catch {
                throw DataFolders.FolderError(description: "rules '\(configuration.rules)': \(error)")
            }
            _ = try NightStore(url: dataDir.appendingPathComponent(NightStore.fileName)).settings()
        } catch {
            lock.release()
            throw error
        }
        return lock
    }

    // MARK: Paths

    public var storeURL: URL { dataDir.appendingPathComponent("plm.sqlite") }
    public func recordingURL(night: String) -> URL {
        dataDir.appendingPathComponent("recordings").appendingPathComponent("\(night).plmrec")
    }
    public func outputsURL(night: String) -> URL { dataDir.appendingPathComponent("nights").appendingPathComponent(night) }

    /// Ends the current night now (as if the morning had come).
    public func endNight() { endRequested = true }

    /// The live detector's leg movements so far.
    public var liveLegMovements: Int { session?.liveLegMovements ?? 0 }

    /// The status as it would be written now.
    public func status() -> DaemonStatus {
        var s = DaemonStatus(state: state, pid: getpid(), daemonStartedUnixMicroseconds: startedUnix)
        s.updatedUnixMicroseconds = clock.unixMicroseconds()
        s.morningUnixMicroseconds = morningUnix
        if let session {
            session.fill(&s)
            for i in s.sensors.indices {
                s.sensors[i].connected = attached[s.sensors[i].serial] != nil
            }
        }
        return s
    }

    private func writeStatus() {
        do {
            try DataFolders.create(dataDir)
            try status().write(into: dataDir)
        } catch {
            logger.warning("cannot write status.json", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Nights

    /// The store's settings (night cutoff, time zone).
    func storeSettings() throws -> StoreSettings {
        try DataFolders.create(dataDir)
        return try NightStore(url: storeURL).settings()
    }

    /// The morning that ends night `night`: the day after it at `morning_time`, local time of the store's zone.
    func morning(of night: NightDate, settings: StoreSettings) -> Int64 {
        let zone = TimeZone(identifier: settings.timeZone) ?? .current
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let next = night.adding(days: 1)
        let parts = DateComponents(
            year: next.year, month: next.month, day: next.day, hour: configuration.morningHour,
            minute: configuration.morningMinute)
        let date = calendar.date(from: parts) ?? Date(timeIntervalSince1970: Double(next.dayNumber) * 86400)
        return Int64((date.timeIntervalSince1970 * 1e6).rounded())
    }

    /// Records nights until cancelled: waits while there is no night to record (the current one is finished or
    /// its morning has passed), records it, finishes it, and so on.
    public func run() async throws {
        /// Nights that ended without any sensor: not recorded again (the next night is waited for).
        var withoutSensors: Set<String> = []
        while !Task.isCancelled {
            let settings = try storeSettings()
            let now = clock.unixMicroseconds()
            let night = try settings.night(startingAt: now)
            let finished = withoutSensors.contains(night.description) || FileManager.default.fileExists(
                atPath: outputsURL(night: night.description).appendingPathComponent("summary.json").path)
            if finished || now >= morning(of: night, settings: settings) {
                if state != .waiting {
                    logger.info("waiting for the next night", metadata: ["night": "\(night)"])
                }
                state = .waiting
                writeStatus()
                do { try await Task.sleep(for: .seconds(30)) } catch { break }
                continue
            }
            let end = try await recordNight()
            if case .interrupted = end { break }
            if case .withoutSensors(let n, _) = end { withoutSensors.insert(n) }
        }
        state = .stopped
        writeStatus()
    }

    /// Records the current night until it ends or the task is cancelled.
    public func recordNight() async throws -> NightEnd {
        let settings = try storeSettings()
        let nightDate = try settings.night(startingAt: clock.unixMicroseconds())
        let night = nightDate.description
        let url = recordingURL(night: night)
        let session = try RecordingSession(
            url: url, night: night, clock: clock, sampleRate: Double(configuration.rateHz),
            rangeG: Double(configuration.rangeG), logger: logger)
        self.session = session
        morningUnix = morning(of: nightDate, settings: settings)
        endRequested = false
        stopSensorsOnDetach = false
        paused = false
        accepting = true
        earlier = [:]
        allDetachedSince = clock.unixMicroseconds()
        state = .recording
        try session.note(session.recovery == nil ? "plmd started the night" : "plmd continued the night")
        session.flush()

        let monitor = try usb.watchSensors(rescanInterval: configuration.rescanInterval)
        let presence = Task { [weak self] in
            for await event in monitor.events {
                guard let self else { return }
                await self.presence(event)
            }
        }
        defer {
            monitor.stop()
            presence.cancel()
        }

        var nextFlush = clock.monotonicMicroseconds()
        var nextAnchor = nextFlush + Int64(configuration.anchorInterval * 1e6)
        var nextStatus = nextFlush
        let flushStep = Int64(configuration.flushInterval * 1e6)
        var interrupted = false
        writeStatus()
        while true {
            if crashRequested { return await crash(night: night, url: url, session: session) }
            if Task.isCancelled {
                interrupted = true
                break
            }
            let mono = clock.monotonicMicroseconds()
            if mono >= nextFlush {
                let ok = session.flush()
                if ok { await commitDurable() }
                nextFlush = mono + flushStep
                if !ok, session.bufferedBytes > maxBufferedBytes, !paused { await pauseReading() }
                if ok, paused { await resumeReading() }
            }
            if mono >= nextAnchor {
                for serial in attached.keys.sorted() { await takeAnchor(serial) }
                nextAnchor = mono + Int64(configuration.anchorInterval * 1e6)
            }
            if mono >= nextStatus {
                writeStatus()
                nextStatus = mono + Int64(configuration.statusInterval * 1e6)
            }
            if endRequested || nightIsOver() { break }
            do { try await Task.sleep(for: .milliseconds(50)) } catch {
                interrupted = true
                break
            }
        }

        accepting = false
        let pending = retries
        retries = []
        for r in pending {
            r.cancel()
            await r.value
        }
        while !attaching.isEmpty { await Task.yield() }
        if interrupted {
            logger.notice("stopping: flushing and closing the recording", metadata: ["file": "\(url.path)"])
            // The sensors keep sampling: a restarted daemon reads what they buffered meanwhile.
            await detachAll()
            try? session.note("plmd stopped")
            let closed: Void? = try? session.close()
            if closed == nil { logger.error("could not close the recording cleanly", metadata: ["file": "\(url.path)"]) }
            state = .stopped
            writeStatus()
            return .interrupted(night: night, recording: url)
        }

        logger.notice("the night has ended", metadata: ["night": "\(night)"])
        state = .finishing
        await drainSensors()
        stopSensorsOnDetach = true
        await detachAll()
        if session.sensors.isEmpty {
            // Nothing was recorded: no summary to compute (that would fail on a recording without sensors).
            try session.note("plmd ended the night: no sensor was plugged in, nothing to summarise")
            try session.close()
            logger.notice(
                "the night ended without any sensor plugged in: no summary, nothing stored",
                metadata: ["night": "\(night)", "recording": "\(url.path)"])
            state = .finished
            writeStatus()
            return .withoutSensors(night: night, recording: url)
        }
        try session.note("plmd ended the night")
        try session.close()
        writeStatus()
        let live = session.liveLegMovements
        let outputs = outputsURL(night: night)
        let options = NightAnalysis.Options(rules: try ProfileFile.rules(profile: configuration.rules, overrides: []))
        let storeURL = self.storeURL
        let outcome = try await offPool(workQueue) {
            try NightPipeline.finish(recording: url, outputs: outputs, store: try NightStore(url: storeURL), options: options)
        }
        let final = outcome.detectedLegMovements
        logger.notice(
            "nightly summary written and stored",
            metadata: [
                "night": "\(outcome.night)", "outputs": "\(outputs.path)", "live_lm": "\(live)",
                "detected_lm": "\(final)",
            ])
        state = .finished
        writeStatus()
        return .finished(
            night: night, recording: url, outputs: outputs, liveLegMovements: live,
            finalLegMovements: final)
    }

    /// For tests: ends the night as a `kill -9` would, without the final flush (`crash`).
    func simulateCrash() { crashRequested = true }
    private var crashRequested = false

    /// What a `kill -9` leaves: the records buffered since the last flush are dropped unwritten, and the sensors'
    /// handles are closed as the kernel closes a dead process's (its transfers cancelled). Nothing is committed.
    private func crash(night: String, url: URL, session: RecordingSession) async -> NightEnd {
        accepting = false
        session.abandon()
        for r in retries { r.cancel() }
        let all = Array(attached.values)
        attached = [:]
        for a in all {
            let device = a.device
            _ = try? await offPool(controlQueue) { device.close() }
        }
        for a in all { await a.consumer?.value }
        return .interrupted(night: night, recording: url)
    }

    /// The morning time has come, or every sensor has been off long enough in the morning window.
    private func nightIsOver() -> Bool {
        guard let morningUnix else { return false }
        let now = clock.unixMicroseconds()
        if now >= morningUnix { return true }
        let windowStart = morningUnix - Int64(configuration.morningWindowHours * 3600e6)
        if let since = allDetachedSince, attached.isEmpty, attaching.isEmpty, now >= windowStart,
            now - max(since, windowStart) >= Int64(configuration.unpluggedEndMinutes * 60e6)
        {
            logger.info("every sensor has been unplugged in the morning: ending the night")
            return true
        }
        return false
    }

    // MARK: Sensors

    private func presence(_ event: PresenceEvent) async {
        switch event {
        case .arrived(let listing):
            logger.info("sensor arrived", metadata: ["serial": "\(listing.serial)", "address": "\(listing.address)"])
            if !paused { await attach(listing.serial) }
        case .left(let listing):
            logger.info("sensor left", metadata: ["serial": "\(listing.serial)"])
        }
    }

    /// Opens a sensor, starts (or resumes) its sampling, anchors its clock and starts streaming.
    func attach(_ serial: String) async {
        guard accepting, let session, session.isOpen, attached[serial] == nil, !attaching.contains(serial) else { return }
        attaching.insert(serial)
        defer { attaching.remove(serial) }
        let rate = configuration.rateHz
        let range = configuration.rangeG
        let hostUnix = UInt64(max(0, clock.unixMicroseconds()))
        let opened: (SensorDevice, SensorDevice.SamplingStart)
        do {
            opened = try await offPool(controlQueue) { [usb] in
                let device = try usb.open(serial: serial)
                do {
                    return (device, try device.startSampling(rateHz: rate, rangeG: range, hostTimeMicroseconds: hostUnix))
                } catch {
                    device.close()
                    throw error
                }
            }
        } catch {
            logger.error("cannot start the sensor; retrying", metadata: ["serial": "\(serial)", "error": "\(error)"])
            retryAttach(serial)
            return
        }
        let (device, start) = opened
        guard accepting else {
            // The night is being closed: leave the sensor sampling; its frames stay in it for the next stream.
            _ = try? await offPool(controlQueue) { device.close() }
            return
        }
        let info = start.info
        // The configuration's side for this serial number wins over the one in the sensor's flash.
        let side = configuration.sensors[serial].map { SensorSide(Leg(name: $0)) } ?? info.side
        let described = PlmrecSensor(
            serialNumber: serial, side: side, accelerometerModel: info.accelerometerModel,
            firmwareVersion: [info.firmwareVersion.major, info.firmwareVersion.minor, info.firmwareVersion.patch],
            protocolVersion: info.protocolVersion, sampleRate: info.rateHz, rangeG: info.rangeG)
        do {
            let index = try session.index(for: described)
            var lastSequence = session.lastSequence[index]
            // What the recording durably holds is committed, then the sensor sends again every frame it sent and
            // nobody committed (docs/protocol.md, "Acknowledgement"): frames in flight at an unplug, or held only
            // by a daemon that was killed, are read again; those already in the recording are dropped as
            // duplicates by the stream (`lastSequence`). The COMMIT also tells whether the sensor's numbers
            // continue the recording's: it refuses a number it has not sent since it powered up.
            let durable = session.durableSequence[index]
            let (accepted, acknowledges) = try await offPool(controlQueue) { () throws -> (Bool?, Bool) in
                var accepted: Bool?
                if let durable {
                    do {
                        try device.commit(sequence: durable)
                        accepted = true
                    } catch let error as USBError where error.isStall {
                        accepted = false
                    }
                }
                do {
                    try device.rewind()
                    return (accepted, true)
                } catch let error as USBError where error.isStall {
                    return (nil, false)  // firmware without COMMIT/REWIND: the old rule below
                }
            }
            if accepted == false || (accepted == nil && !start.resumed), let last = session.lastFrameHostTime[index] {
                // Another power-up (it lost power, or was not running when it came back): what it held is gone and
                // its sequence numbers start again.
                try session.gap(
                    sensor: index, from: last, to: session.hostNow(), kind: .deviceRestarted,
                    reason: accepted == false
                        ? "the sensor's sequence numbers do not continue the recording's (it restarted); frames it held are lost"
                        : "the sensor was not running when it came back; frames it held are lost")
                lastSequence = nil
            }
            let a = Attached(device: device, index: index)
            a.acknowledges = acknowledges
            a.appended = lastSequence
            a.committed = accepted == true ? durable : nil
            attached[serial] = a
            allDetachedSince = nil
            session.counters[index]?.attaches += 1
            session.counters[index]?.backlogAtAttach = Int(start.buffered.frames)
            await takeAnchor(serial)
            let events = try device.startStreaming(lastSequence: lastSequence, resendOnGap: acknowledges)
            a.consumer = Task { [weak self] in
                for await event in events {
                    guard let self else { return }
                    await self.handle(serial, event)
                }
            }
            logger.notice(
                "sensor attached",
                metadata: [
                    "serial": "\(serial)", "side": "\(RecordingSession.sideName(side))", "index": "\(index)",
                    "resumed": "\(start.resumed)", "backlog_frames": "\(start.buffered.frames)",
                    "commits": "\(acknowledges)",
                    "rate_hz": "\(info.rateHz)",
                ])
        } catch {
            logger.error("cannot record the sensor; retrying", metadata: ["serial": "\(serial)", "error": "\(error)"])
            attached[serial] = nil
            if attached.isEmpty { allDetachedSince = clock.unixMicroseconds() }
            _ = try? await offPool(controlQueue) { device.close() }
            retryAttach(serial)
        }
    }

    /// Tries to attach a sensor again after `rescanInterval` (a transient failure to open, start or stream it),
    /// if it is still on the bus and the night is still recorded. The recording loop waits for these retries.
    private func retryAttach(_ serial: String) {
        let delay = configuration.rescanInterval
        let task = Task { [weak self] in
            try? await Task.sleep(for: .seconds(delay))
            guard let self else { return }
            let present = await self.isListed(serial)
            if present { await self.attach(serial) }
        }
        retries.append(task)
    }

    private func isListed(_ serial: String) async -> Bool {
        guard accepting else { return false }
        let listed = (try? await offPool(controlQueue) { [usb] in try usb.listSensors().map(\.serial) }) ?? []
        return listed.contains(serial)
    }

    /// GET_DEVICE_TIME with the round trip's midpoint as host time.
    private func takeAnchor(_ serial: String) async {
        guard let a = attached[serial], let session else { return }
        let clock = self.clock
        let device = a.device
        do {
            let (t0, deviceTime, t1) = try await offPool(controlQueue) {
                let t0 = clock.monotonicMicroseconds()
                let d = try device.deviceTime()
                return (t0, d, clock.monotonicMicroseconds())
            }
            guard session.isOpen else { return }
            try session.anchor(
                sensor: a.index, hostTime: session.hostTime(monotonic: (t0 + t1) / 2), deviceTime: deviceTime,
                roundTrip: UInt32(clamping: t1 - t0))
        } catch {
            logger.warning("cannot read the sensor's clock", metadata: ["serial": "\(serial)", "error": "\(error)"])
        }
    }

    /// One event of a sensor's frame stream.
    private func handle(_ serial: String, _ event: StreamEvent) async {
        guard let a = attached[serial], let session, session.isOpen else { return }
        switch event {
        case .frames(let frames, let counters):
            let now = session.hostNow()
            account(serial, a, counters, now: now)
            do {
                try session.append(frames: frames, sensor: a.index, hostTime: now)
                if let last = frames.last { a.appended = last.sequence }
            } catch {
                logger.error("cannot record frames", metadata: ["serial": "\(serial)", "error": "\(error)"])
            }
        case .undecodable(let bytes, let counters):
            // stored as received (recording-format.md: nothing the sensor sent is lost); readers count it as bad
            let now = session.hostNow()
            account(serial, a, counters, now: now)
            do { try session.append(undecodable: bytes, sensor: a.index, hostTime: now) } catch {
                logger.error("cannot record frames", metadata: ["serial": "\(serial)", "error": "\(error)"])
            }
        case .status(let status):
            a.statusNextSequence = status.nextSequence
        case .resendRequested(let expected):
            // a hole the sensor can still fill: it keeps every uncommitted frame (seen in the VM after a restart:
            // frames written by the sensor before plmd's transfers were queued never reached plmd)
            logger.info("frames missing in the stream: asking the sensor to send them again",
                        metadata: ["serial": "\(serial)", "expected_seq": "\(expected)"])
            let device = a.device
            do { try await offPool(controlQueue) { try device.rewind() } } catch {
                logger.warning("REWIND failed", metadata: ["serial": "\(serial)", "error": "\(error)"])
            }
        case .ended(let end, let counters):
            account(serial, a, counters, now: session.hostNow())
            earlier[serial] = total(serial, counters)
            attached[serial] = nil
            if attached.isEmpty { allDetachedSince = clock.unixMicroseconds() }
            let stop = stopSensorsOnDetach
            let device = a.device
            _ = try? await offPool(controlQueue) {
                if stop { try? device.stop() }
                device.close()
            }
            switch end {
            case .unplugged:
                logger.notice("sensor detached (unplugged); it keeps recording into its flash", metadata: ["serial": "\(serial)"])
                try? session.note("sensor \(serial) unplugged")
            case .stopped:
                logger.info("sensor stream stopped", metadata: ["serial": "\(serial)"])
            case .failed(let error):
                logger.error("sensor stream failed; reopening it", metadata: ["serial": "\(serial)", "error": "\(error)"])
                retryAttach(serial)
            }
        }
    }

    /// Counters of this stream added to those of the sensor's earlier streams this night.
    private func total(_ serial: String, _ c: StreamCounters) -> StreamCounters {
        guard let e = earlier[serial] else { return c }
        var t = c
        t.crcErrors += e.crcErrors
        t.badFrames += e.badFrames
        t.framesMissing += e.framesMissing
        t.framesLostToCorruption += e.framesLostToCorruption
        t.stallsRecovered += e.stallsRecovered
        t.sequenceGaps += e.sequenceGaps
        t.duplicates += e.duplicates
        return t
    }

    /// Logs and records what the stream's counters say happened since the last event.
    private func account(_ serial: String, _ a: Attached, _ c: StreamCounters, now: Microseconds) {
        guard let session else { return }
        let before = a.counters
        a.counters = c
        // Frames lost for good: sequence numbers that never arrived, and frames that arrived corrupt (the sensor
        // dropped them from its queue when it sent them).
        let missing = c.framesMissing - before.framesMissing
        let corrupt = c.framesLostToCorruption - before.framesLostToCorruption
        if missing + corrupt > 0 {
            let from = session.lastFrameHostTime[a.index] ?? now
            try? session.gap(
                sensor: a.index, from: from, to: now, kind: .noData,
                reason: missing > 0
                    ? "\(missing) frames lost on the host side (sequence numbers that never arrived)"
                    : "\(corrupt) frames arrived corrupt (CRC): stored as received, their samples unusable")
        }
        let crc = c.crcErrors + c.badFrames - before.crcErrors - before.badFrames
        if crc > 0 {
            let t = clock.unixMicroseconds()
            if t - (lastCRCLog[serial] ?? .min / 2) >= 60_000_000 {
                lastCRCLog[serial] = t
                logger.warning(
                    "corrupt frames from the sensor (counted; at most one such message a minute)",
                    metadata: ["serial": "\(serial)", "crc_errors": "\(c.crcErrors)", "bad_frames": "\(c.badFrames)"])
            }
        }
        if c.stallsRecovered > before.stallsRecovered {
            logger.warning("cleared a STALL on the sensor's frame endpoint", metadata: ["serial": "\(serial)"])
        }
        let t = total(serial, c)
        session.counters[a.index]?.crcErrors = t.crcErrors + t.badFrames
        session.counters[a.index]?.framesLost = t.framesMissing + t.framesLostToCorruption
        session.counters[a.index]?.stallsRecovered = t.stallsRecovered
    }

    /// After a successful flush: COMMIT to each sensor the last of its frames now durably in the recording, so it
    /// can forget them (docs/protocol.md, "Acknowledgement"). The numbers are taken before any await: frames
    /// appended while a COMMIT is under way are not yet durable.
    private func commitDurable() async {
        let due = attached.values.compactMap { a -> (Attached, UInt32)? in
            guard a.acknowledges, let seq = a.appended, seq != a.committed else { return nil }
            return (a, seq)
        }
        for (a, seq) in due {
            let device = a.device
            do {
                try await offPool(controlQueue) { try device.commit(sequence: seq) }
                a.committed = seq
            } catch let error as USBError where error.isStall {
                logger.warning(
                    "the sensor refused a COMMIT of a frame it sent", metadata: ["serial": "\(device.serial)", "seq": "\(seq)"])
            } catch {
                // unplugged meanwhile: the next attach commits what the recording holds
                logger.debug("COMMIT failed", metadata: ["serial": "\(device.serial)", "error": "\(error)"])
            }
        }
    }

    /// The night's end: STOP each sensor (it flushes its partial frame), read until it has nothing left to send
    /// and its last frame is appended (at most `drainTimeout`), flush, and commit, so that nothing it produced this
    /// night stays in it uncommitted (it would be sent again into the next night's recording).
    private func drainSensors() async {
        let all = Array(attached.values)
        for a in all {
            let device = a.device
            _ = try? await offPool(controlQueue) { try device.stop() }
        }
        let deadline = Date().addingTimeInterval(drainTimeout)
        for a in all {
            let device = a.device
            while Date() < deadline, attached[device.serial] === a {
                let waiting = (try? await offPool(controlQueue) { try device.buffered().frames }) ?? 0
                if waiting == 0, a.statusNextSequence.map({ a.appended == $0 &- 1 }) ?? true { break }
                // a sensor that keeps sent frames sends nothing new while too many wait for their COMMIT
                if session?.flush() == true { await commitDurable() }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        if session?.flush() == true { await commitDurable() }
    }

    /// Stops every stream and waits until each has delivered its last frames.
    private func detachAll() async {
        let all = Array(attached.values)
        for a in all {
            let device = a.device
            _ = try? await offPool(controlQueue) { device.stopStreaming() }
        }
        for a in all { await a.consumer?.value }
    }

    /// The disk cannot be written and too much is buffered: stop reading; the sensors keep their frames in flash.
    private func pauseReading() async {
        logger.error("the recording cannot be written and memory is full: stopping reading; the sensors keep their frames")
        paused = true
        await detachAll()
    }

    /// Writing works again: read the sensors' backlog.
    private func resumeReading() async {
        paused = false
        logger.notice("writing works again: reading the sensors' backlog")
        let serials = (try? await offPool(controlQueue) { [usb] in try usb.listSensors().map(\.serial) }) ?? []
        for s in serials { await attach(s) }
    }
}
