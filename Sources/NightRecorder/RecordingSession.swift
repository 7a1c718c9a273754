import DaemonStatus
import Foundation
import LegMovementScoring
import Logging
import RecordingFormats
import ScoreExport
import SensorFrames

/// The host's clocks, injectable for tests.
public protocol RecorderClock: Sendable {
    /// Wall clock, µs since the Unix epoch.
    func unixMicroseconds() -> Int64
    /// CLOCK_MONOTONIC, µs.
    func monotonicMicroseconds() -> Int64
}

/// The system's clocks (`HostClock`).
public struct SystemClock: RecorderClock {
    public init() {}
    public func unixMicroseconds() -> Int64 { HostClock.unixMicroseconds() }
    public func monotonicMicroseconds() -> Int64 { HostClock.monotonicMicroseconds() }
}

/// One night's recording file while it is written: the writer, the sensors it describes, what each has sent,
/// and the live detector. Not thread-safe: the `NightRecorder` actor owns it (tests drive it directly).
public final class RecordingSession {
    public let url: URL
    public let night: String
    let clock: any RecorderClock
    let logger: Logger
    private var writer: PlmrecWriter?
    /// host time = monotonic − `monotonicBase` (the header's anchor; after a reboot, derived from the wall clock).
    let monotonicBase: Int64
    /// What `PlmrecWriter.open(existing:)` repaired, when the session continues a file.
    public let recovery: PlmrecRecovery?
    /// Per sensor index: the sequence number of the last frame in the file.
    public private(set) var lastSequence: [Int: UInt32] = [:]
    /// Per sensor index: the sequence number of the last frame durably in the file (as of the last successful
    /// flush, or found in the file when the session continues it): what the daemon may COMMIT to the sensor.
    public private(set) var durableSequence: [Int: UInt32] = [:]
    /// Per sensor index: host time of the last frame in the file.
    public private(set) var lastFrameHostTime: [Int: Microseconds] = [:]
    public private(set) var sensors: [PlmrecSensor]
    /// Status counters per sensor index.
    var counters: [Int: DaemonStatus.Sensor] = [:]
    var live: LiveDetection?
    /// Live slot (0 left, 1 right) per sensor index.
    private var slots: [Int: Int] = [:]
    public private(set) var lastFlushUnix: Int64?
    public private(set) var writeError: String?
    public private(set) var framesWritten = 0
    private var bytesAtOpen: Int64 = 0
    private let rangeG: Double
    private let sampleRate: Double

    /// Opens the night's file: continues it when it exists (torn tail cut off), else creates it.
    /// - Parameters:
    ///   - sampleRate: the configured rate, Hz (the live detector's frame rate).
    ///   - rangeG: the configured full scale, ± g.
    public init(url: URL, night: String, clock: any RecorderClock, sampleRate: Double, rangeG: Double, logger: Logger)
        throws
    {
        self.url = url
        self.night = night
        self.clock = clock
        self.logger = logger
        self.sampleRate = sampleRate
        self.rangeG = rangeG
        try DataFolders.create(url.deletingLastPathComponent())
        let w: PlmrecWriter
        var st = stat()
        let found = lstat(url.path, &st) == 0
        if found && (st.st_mode & S_IFMT) != S_IFREG {
            // A link (or anything but a file) put where the night's recording goes is never followed: writing
            // through it would truncate or grow whatever it points to.
            throw DataFolders.FolderError(
                description: "\(url.path): not a regular file (\((st.st_mode & S_IFMT) == S_IFLNK ? "a symbolic link" : "a special file")); "
                    + "plmd does not write through it: move it away")
        }
        if found {
            w = try PlmrecWriter.open(existing: url)
            recovery = w.recovery
            let h = w.header
            let mono = clock.monotonicMicroseconds()
            let unix = clock.unixMicroseconds()
            // Same boot: the monotonic clock continues. After a reboot it restarted: take the wall clock instead.
            let sinceStartMono = mono - h.monotonicAnchor
            let sinceStartUnix = unix - h.startUnixMicroseconds
            if sinceStartMono >= 0, abs(sinceStartMono - sinceStartUnix) < 60_000_000 {
                monotonicBase = h.monotonicAnchor
            } else {
                monotonicBase = mono - sinceStartUnix
            }
            sensors = h.sensors
            (lastSequence, lastFrameHostTime) = try Self.lastFrames(url)
            durableSequence = lastSequence
            if let r = w.recovery, r.bytesTruncated > 0 {
                logger.warning(
                    "continued the night's recording after a torn tail",
                    metadata: ["file": "\(url.path)", "bytes_cut": "\(r.bytesTruncated)", "blocks": "\(r.blocks)"])
            } else {
                logger.info("continuing the night's recording", metadata: ["file": "\(url.path)"])
            }
        } else {
            let unix = clock.unixMicroseconds()
            let mono = clock.monotonicMicroseconds()
            let offset = TimeZone.current.secondsFromGMT(for: Date(timeIntervalSince1970: Double(unix) / 1e6))
            let header = PlmrecHeader(
                creator: "plmd", softwareVersion: SoftwareVersion.version,
                startTime: HostClock.iso8601(unixMicroseconds: unix, offsetSeconds: offset),
                startUnixMicroseconds: unix, monotonicAnchor: mono, sensors: [])
            w = try PlmrecWriter.create(at: url, header: header)
            recovery = nil
            monotonicBase = mono
            sensors = []
            logger.info("started the night's recording", metadata: ["file": "\(url.path)", "night": "\(night)"])
        }
        writer = w
        bytesAtOpen = Self.fileSize(url)
        live = LiveDetection(sampleRate: sampleRate, rangeG: rangeG)
        for (i, s) in sensors.enumerated() where !s.serialNumber.isEmpty {
            counters[i] = DaemonStatus.Sensor(serial: s.serialNumber, side: Self.sideName(s.side))
        }
    }

    /// The sequence number and host time of each sensor's last frame in a file.
    static func lastFrames(_ url: URL) throws -> ([Int: UInt32], [Int: Microseconds]) {
        let reader = try PlmrecReader(url: url)
        var seq: [Int: UInt32] = [:]
        var time: [Int: Microseconds] = [:]
        while let entry = try reader.nextRecord() {
            guard case .frame(let s, let t, let bytes) = entry.record, case .success(let f) = SensorFrameCodec.decode(bytes)
            else { continue }
            seq[s] = f.sequence
            time[s] = t
        }
        return (seq, time)
    }

    static func fileSize(_ url: URL) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: url.path)[.size]) as? NSNumber)?.int64Value ?? 0
    }

    static func sideName(_ s: SensorSide) -> String { s.leg?.name ?? "unknown" }

    /// Host time now: µs since the recording start.
    public func hostNow() -> Microseconds { clock.monotonicMicroseconds() - monotonicBase }

    /// Host time of a monotonic clock reading.
    public func hostTime(monotonic: Int64) -> Microseconds { monotonic - monotonicBase }

    /// The index of a sensor (by serial number), describing it in the file when it is new.
    public func index(for sensor: PlmrecSensor) throws -> Int {
        if let i = sensors.firstIndex(where: { $0.serialNumber == sensor.serialNumber }) {
            assignSlot(i)
            return i
        }
        let w = try openWriter()
        let i = w.header.sensors.count
        do { try w.addSensor(sensor) } catch {
            // Described and buffered; only writing the full buffer failed.
            guard w.header.sensors.count > i else { throw error }
            flushFailed(error)
        }
        sensors.append(sensor)
        counters[i] = DaemonStatus.Sensor(serial: sensor.serialNumber, side: Self.sideName(sensor.side))
        assignSlot(i)
        return i
    }

    /// Left to slot 0, right to 1; a sensor of unknown side takes the free leg.
    private func assignSlot(_ i: Int) {
        guard slots[i] == nil else { return }
        switch sensors[i].side {
        case .left: slots[i] = 0
        case .right: slots[i] = 1
        case .unknown:
            let used = Set(slots.values)
            if let free = [0, 1].first(where: { !used.contains($0) }) { slots[i] = free }
        }
    }

    private func openWriter() throws -> PlmrecWriter {
        guard let writer else { throw InputError(file: url.path, message: "the recording is closed") }
        return writer
    }

    /// Frames from sensor `index`, received at host time `hostTime`: their wire bytes go into the recording (as
    /// the firmware's codec packs them, which is the bytes the sensor sent) and their samples to the live
    /// detector. Frames are buffered in memory until the next flush.
    public func append(frames: [SensorFrame], sensor index: Int, hostTime: Microseconds) throws {
        let w = try openWriter()
        for f in frames {
            guard let bytes = SensorFrameCodec.encode(f) else { continue }
            buffered { try w.appendFrame(sensor: index, hostTime: hostTime, bytes: bytes) }
            framesWritten += 1
            lastSequence[index] = f.sequence
            lastFrameHostTime[index] = hostTime
            counters[index]?.frames += 1
            counters[index]?.samples += f.sampleCount
            if let slot = slots[index] { live?.add(slot: slot, frame: f) }
        }
        if !frames.isEmpty {
            counters[index]?.lastFrameUnixMicroseconds = clock.unixMicroseconds()
        }
    }

    /// Bytes from sensor `index` that failed to decode as a frame, received at host time `hostTime`: stored as a
    /// frame record all the same (recording-format.md 1.4: nothing the sensor sent is lost; readers count it as a
    /// bad frame). Not a frame for the counters, the sequence numbers or the live detector.
    public func append(undecodable bytes: [UInt8], sensor index: Int, hostTime: Microseconds) throws {
        let w = try openWriter()
        buffered { try w.appendFrame(sensor: index, hostTime: hostTime, bytes: bytes) }
    }

    /// A clock anchor: the sensor's clock read `deviceTime` (µs) at host time `hostTime` (the round trip's
    /// midpoint); `roundTrip` µs.
    public func anchor(sensor index: Int, hostTime: Microseconds, deviceTime: UInt64, roundTrip: UInt32) throws {
        let w = try openWriter()
        buffered { try w.appendClockAnchor(sensor: index, hostTime: hostTime, deviceTime: deviceTime, roundTrip: roundTrip) }
    }

    /// Data lost for good: host times `from`..`to` µs.
    public func gap(sensor index: Int?, from: Microseconds, to: Microseconds, kind: PlmrecGapKind, reason: String) throws {
        let w = try openWriter()
        let now = hostNow()
        buffered { try w.appendGap(sensor: index, hostTime: now, from: from, to: to, kind: kind, reason: reason) }
        if let index { counters[index]?.gaps += 1 }
        logger.warning(
            "gap recorded",
            metadata: [
                "sensor": "\(index.map { sensors[$0].serialNumber } ?? "all")", "from_s": "\(Double(from) / 1e6)",
                "to_s": "\(Double(to) / 1e6)", "reason": "\(reason)",
            ])
    }

    public func note(_ text: String) throws {
        let w = try openWriter()
        let now = hostNow()
        buffered { try w.appendNote(hostTime: now, text: text) }
    }

    /// Runs an append. The writer buffers the record before it writes a full buffer by itself, so when that write
    /// fails (disk full) the record is kept all the same: the failure is a flush failure, not a lost record.
    private func buffered(_ append: () throws -> Void) {
        do { try append() } catch { flushFailed(error) }
    }

    private func flushFailed(_ error: any Error) {
        let text = "\(error)"
        if text != writeError {
            logger.error(
                "cannot write the recording; records stay buffered and writing is retried",
                metadata: ["file": "\(url.path)", "error": "\(text)"])
        }
        writeError = text
    }

    /// Writes what is buffered as one fsynced block. On failure (disk full, I/O error) the records stay buffered
    /// in memory and the next flush tries again; the error is kept for the status and logged once per change.
    @discardableResult
    public func flush() -> Bool {
        guard let writer else { return false }
        do {
            try writer.flush()
            durableSequence = lastSequence
            lastFlushUnix = clock.unixMicroseconds()
            if writeError != nil {
                logger.notice("writing the recording works again", metadata: ["file": "\(url.path)"])
                writeError = nil
            }
            return true
        } catch {
            flushFailed(error)
            return false
        }
    }

    /// Bytes waiting in memory for the next successful flush.
    public var bufferedBytes: Int { writer?.bufferedBytes ?? 0 }

    /// Flushes and closes the file.
    public func close() throws {
        guard let w = writer else { return }
        try w.close()
        writer = nil
        lastFlushUnix = clock.unixMicroseconds()
    }

    /// What a kill leaves: the file as last flushed; the records buffered since are dropped, never written.
    func abandon() {
        writer = nil
    }

    public var isOpen: Bool { writer != nil }

    /// Bytes this session has added to the file.
    public var bytesWritten: Int64 { Self.fileSize(url) - bytesAtOpen }

    /// The status fields the session knows.
    func fill(_ s: inout DaemonStatus) {
        s.night = night
        s.recording = url.path
        s.recordingBytes = Self.fileSize(url)
        s.bytesWritten = bytesWritten
        s.lastFlushUnixMicroseconds = lastFlushUnix
        s.writeError = writeError
        s.liveLegMovements = live?.legMovements ?? 0
        s.liveMinutes = Double(live?.frameCount ?? 0) / sampleRate / 60
        s.liveMinutesMissing = Double(live?.missingFrames ?? 0) / sampleRate / 60
        s.sensors = counters.keys.sorted().compactMap { counters[$0] }
    }

    /// Leg movements the live detector has completed so far.
    public var liveLegMovements: Int { live?.legMovements ?? 0 }
}
