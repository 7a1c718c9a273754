import AccelerationSignal
import CPLMProtocol
import Foundation
import LegMovementScoring
import SensorFrames

/// Samples that did not arrive, and where.
public struct SampleLoss: Sendable, Equatable {
    public init(sensor: Int, time: Microseconds, samples: UInt64, frames: UInt32, reason: String, offset: Int) {
        self.sensor = sensor
        self.time = time
        self.samples = samples
        self.frames = frames
        self.reason = reason
        self.offset = offset
    }

    /// Sensor index (.plmrec) or -1 when the file has no sensors (CSV, EDF).
    public var sensor: Int
    /// Where the loss ends: the first sample after it, host µs since the recording start.
    public var time: Microseconds
    public var samples: UInt64
    /// Whole frames missing (sequence numbers skipped).
    public var frames: UInt32
    public var reason: String
    /// Byte offset (or line) where it was noticed.
    public var offset: Int
}

/// A stretch without data that the host or the file states.
public struct RecordingGap: Sendable, Equatable {
    public init(sensor: Int?, from: Microseconds, to: Microseconds, reason: String) {
        self.sensor = sensor
        self.from = from
        self.to = to
        self.reason = reason
    }

    public var sensor: Int?
    public var from: Microseconds
    public var to: Microseconds
    public var reason: String
}

/// A note in the recording.
public struct RecordingNote: Sendable, Equatable {
    public init(time: Microseconds, text: String) {
        self.time = time
        self.text = text
    }

    public var time: Microseconds
    public var text: String
}

/// What the reader found wrong with a recording, counted.
public struct RecordingQuality: Sendable, Equatable {
    public var blocksOK = 0
    public var blocksCorrupt = 0
    /// The incomplete last block, if the writer stopped while writing it.
    public var tornTail: PlmrecProblem?
    public var framesOK = 0
    /// Frames that failed to decode (CRC, magic, version, length).
    public var framesBad = 0
    /// Frames that repeated the previous sequence number (dropped).
    public var framesDuplicate = 0
    /// Sequence-number jumps without the device's GAP_OVERFLOW flag (host-side transfer problems).
    public var sequenceJumps = 0
    /// Device restarts seen (sequence back to 0, or a FIRST frame).
    public var restarts = 0
    public var samplesOK = 0
    public var samplesLost: UInt64 = 0
    public var losses: [SampleLoss] = []
    public var gaps: [RecordingGap] = []
    public var notes: [RecordingNote] = []
    /// Problems with byte offsets, in file order (the first 1000); `problemCount` counts all.
    public var problems: [PlmrecProblem] = []
    public var problemCount = 0

    public init() {}

    mutating func report(_ p: PlmrecProblem) {
        problemCount += 1
        if problems.count < 1000 { problems.append(p) }
    }
}

/// Host times a .plmrec record may have: from `RecordingLimits.maxGap` before the recording start (a daemon
/// continuing a night after a reboot measures from the wall clock, which may have been set back) to
/// `RecordingLimits.maxDuration` after it. A record outside is not used (a finding with its byte offset).
enum PlmrecTimeBounds {
    static let earliest = -RecordingLimits.maxGap * 1e6
    static let latest = RecordingLimits.maxDuration * 1e6

    static func contains(_ host: Microseconds) -> Bool {
        let t = Double(host)
        return t >= earliest && t <= latest
    }

    /// A sample cannot be taken after it was received (2 s allowed for the clock fit), nor longer before its
    /// reception than the device can hold samples back (its flash keeps well under `RecordingLimits.maxGap`).
    static func plausible(sample t: Double, received: Microseconds) -> Bool {
        let r = Double(received)
        return t <= r + 2e6 && t >= r - RecordingLimits.maxGap * 1e6 && t <= latest
    }

    /// True when `host` is within the bounds; otherwise reports an `implausibleTime` problem for the record.
    static func check(
        _ host: Microseconds, _ what: String, sensor: Int, at offset: Int, into quality: inout RecordingQuality
    ) -> Bool {
        guard !contains(host) else { return true }
        quality.report(
            PlmrecProblem(
                offset: offset, kind: .implausibleTime,
                message: "sensor \(sensor): \(what) at host time \(Double(host) / 1e6) s, outside \(earliest / 1e6) to "
                    + "\(latest / 1e6) s of the recording start; not used"))
        return false
    }
}

/// Decides, frame by frame, which frames of one sensor to use (docs/protocol.md, "Reading the bulk endpoint").
struct FrameTracker {
    private var lastSequence: UInt32?

    enum Verdict {
        case duplicate
        case keep(restart: Bool, droppedFrames: UInt32, unexplainedJump: Bool)
    }

    mutating func judge(_ f: SensorFrame) -> Verdict { judge(sequence: f.sequence, flags: f.flags) }

    mutating func judge(sequence: UInt32, flags: SensorFrame.Flags) -> Verdict {
        defer { lastSequence = sequence }
        guard let last = lastSequence else { return .keep(restart: false, droppedFrames: 0, unexplainedJump: false) }
        if sequence == last { return .duplicate }
        if flags.contains(.first) || (sequence == 0 && last != UInt32.max) {
            return .keep(restart: true, droppedFrames: 0, unexplainedJump: false)
        }
        let dropped = sequence &- last &- 1
        return .keep(restart: false, droppedFrames: dropped, unexplainedJump: dropped > 0 && !flags.contains(.overflowGap))
    }
}

/// A frame decoded by the firmware's own C decoder (`plm_frame_decode`: magic, version, length and CRC checked),
/// read in place: what `SensorFrameCodec.decode` gives, without making an array of the samples for every frame.
struct FrameView {
    var raw = plm_frame_t()

    /// Decodes the frame at the start of `bytes`; false when it is not a valid frame (then
    /// `SensorFrameCodec.decode` says why).
    mutating func decode(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { plm_frame_decode($0.baseAddress, $0.count, &raw) } == PLM_DECODE_OK
    }

    var sequence: UInt32 { raw.seq }
    var flags: SensorFrame.Flags { SensorFrame.Flags(rawValue: raw.flags) }
    var timestamp: UInt64 { raw.timestamp_us }
    var period: UInt16 { raw.period_us }
    var lostSamples: UInt32 { raw.lost_samples }
    var sampleCount: Int { Int(raw.count) }
    /// g per count at this frame's range (as `SensorFrame.gPerCount`).
    var gPerCount: Double { Double(raw.range_g) / 32768 }

    /// Reads the fields of a frame that the scan decoded without error (`PlmrecSummary.badFrames` does not hold its
    /// offset): the same bytes, so the same values as `decode`, at the offsets of the protocol's own header
    /// (`PLM_OFF_*`, little-endian through `plm_get_*`), without checking its CRC a second time.
    mutating func read(checked bytes: ArraySlice<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { b -> Bool in
            guard let p = b.baseAddress, b.count >= Int(PLM_FRAME_HEADER_SIZE) else { return false }
            let count = p[Int(PLM_OFF_COUNT)]
            guard count >= 1, count <= PLM_FRAME_MAX_SAMPLES,
                b.count >= Int(PLM_FRAME_HEADER_SIZE + PLM_SAMPLE_SIZE * UInt32(count) + PLM_FRAME_CRC_SIZE)
            else { return false }
            raw.version = p[Int(PLM_OFF_VERSION)]
            raw.flags = p[Int(PLM_OFF_FLAGS)]
            raw.seq = plm_get_u32(p + Int(PLM_OFF_SEQ))
            raw.timestamp_us = plm_get_u64(p + Int(PLM_OFF_TIMESTAMP))
            raw.period_us = plm_get_u16(p + Int(PLM_OFF_PERIOD))
            raw.count = count
            raw.range_g = p[Int(PLM_OFF_RANGE)]
            raw.lost_samples = plm_get_u32(p + Int(PLM_OFF_LOST))
            withUnsafeMutableBytes(of: &raw.samples) { out in
                let samples = out.bindMemory(to: plm_sample_t.self)
                var q = p + Int(PLM_OFF_SAMPLES)
                for i in 0..<Int(count) {
                    samples[i] = plm_sample_t(
                        x: Int16(bitPattern: plm_get_u16(q)), y: Int16(bitPattern: plm_get_u16(q + 2)),
                        z: Int16(bitPattern: plm_get_u16(q + 4)))
                    q += Int(PLM_SAMPLE_SIZE)
                }
            }
            return true
        }
    }

    /// Sample `i`'s x, y, z counts.
    func sample(_ i: Int) -> (Int16, Int16, Int16) {
        withUnsafeBytes(of: raw.samples) { bytes in
            let s = bytes.bindMemory(to: plm_sample_t.self)[i]
            return (s.x, s.y, s.z)
        }
    }
}

/// Everything a pass over a .plmrec file learns before the frames are resampled.
public struct PlmrecSummary: Sendable {
    public var header: PlmrecHeader
    /// Clock model per sensor index.
    public var clocks: [SensorClock]
    /// Clock anchors per sensor index, as recorded.
    public var anchors: [[ClockAnchor]]
    public var quality: RecordingQuality
    /// Where the scan stopped, and the blocks it found corrupt: the later passes trust it up to there.
    public var scannedEnd: Int
    public var corruptPayloads: Set<Int>
    /// Offsets of the frame records that failed to decode: the per-sensor passes read every other frame up to
    /// `scannedEnd` without checking it again.
    public var badFrames: Set<Int> = []

    /// Reads the whole file once (block by block) for the header, the clock anchors, the events and the
    /// frame-level quality.
    public static func scan(_ url: URL) throws -> PlmrecSummary {
        let reader = try PlmrecReader(url: url)
        var quality = RecordingQuality()
        var anchors: [[ClockAnchor]] = []
        var frameAnchors: [[ClockAnchor]] = []
        var trackers: [FrameTracker] = []
        var lossesDevice: [UInt64] = []
        var lastFrameEnd: [UInt64?] = []
        func ensure(_ i: Int) {
            while anchors.count <= i {
                anchors.append([])
                frameAnchors.append([])
                trackers.append(FrameTracker())
                lastFrameEnd.append(nil)
            }
        }
        var f = FrameView()
        var badFrames: Set<Int> = []
        while let raw = try reader.nextRawRecord() {
            guard raw.type == RecordType.frame.rawValue else {
                guard let entry = reader.entry(raw) else { continue }
                switch entry.record {
                case .clockAnchor(let sensor, let hostTime, let deviceTime, _):
                    ensure(sensor)
                    guard PlmrecTimeBounds.check(hostTime, "clock anchor", sensor: sensor, at: entry.offset, into: &quality)
                    else {
                        continue
                    }
                    anchors[sensor].append(ClockAnchor(host: hostTime, device: deviceTime))
                    frameAnchors[sensor] = []
                case .gap(let sensor, _, let from, let to, let kind, let reason):
                    quality.gaps.append(
                        RecordingGap(
                            sensor: sensor, from: from, to: to, reason: reason.isEmpty ? "\(kind)" : "\(kind): \(reason)"))
                case .note(let hostTime, let text):
                    quality.notes.append(RecordingNote(time: hostTime, text: text))
                default:
                    break
                }
                continue
            }
            // A frame (what `nextRecord` would give as `.frame`, read without copying its bytes).
            do {
                let sensor = Int(raw.sensor), hostTime = raw.hostTime
                let entry = raw
                ensure(sensor)
                guard PlmrecTimeBounds.check(hostTime, "frame received", sensor: sensor, at: entry.offset, into: &quality) else {
                    continue
                }
                if sensor >= reader.sensors.count || reader.sensors[sensor] == nil {
                    quality.report(
                        PlmrecProblem(offset: entry.offset, kind: .unknownSensor, message: "frame of undescribed sensor \(sensor)"))
                }
                if !f.decode(raw.data) {
                    badFrames.insert(entry.offset)
                    quality.framesBad += 1
                    let why: String
                    if case .failure(let e) = SensorFrameCodec.decode(raw.data) { why = e.description } else { why = "?" }
                    quality.report(PlmrecProblem(offset: entry.offset, kind: .badFrame, message: "sensor \(sensor): \(why)"))
                } else {
                    switch trackers[sensor].judge(sequence: f.sequence, flags: f.flags) {
                    case .duplicate:
                        quality.framesDuplicate += 1
                        quality.report(
                            PlmrecProblem(
                                offset: entry.offset, kind: .duplicateFrame,
                                message: "sensor \(sensor): frame \(f.sequence) repeated; dropped"))
                        continue
                    case .keep(let restart, let dropped, let unexplained):
                        quality.framesOK += 1
                        quality.samplesOK += f.sampleCount
                        if restart { quality.restarts += 1 }
                        var lost = UInt64(f.lostSamples)
                        var reason = f.flags.contains(.overflowGap) ? "device buffer overflow" : "sensor read missed"
                        if unexplained {
                            quality.sequenceJumps += 1
                            quality.report(
                                PlmrecProblem(
                                    offset: entry.offset, kind: .sequenceJump,
                                    message: "sensor \(sensor): \(dropped) frames missing before frame \(f.sequence) "
                                        + "without the GAP_OVERFLOW flag"))
                            // Estimate the samples from the time the missing frames covered.
                            if let end = lastFrameEnd[sensor], f.timestamp > end, f.period > 0,
                                Double(f.timestamp - end) <= RecordingLimits.maxGap * 1e6
                            {
                                lost += (f.timestamp - end) / UInt64(f.period)
                            }
                            reason = "frames lost on the host side"
                        }
                        if lost > 0 || dropped > 0 {
                            quality.samplesLost += lost
                            quality.losses.append(
                                SampleLoss(
                                    sensor: sensor, time: hostTime, samples: lost, frames: dropped, reason: reason,
                                    offset: entry.offset))
                            lossesDevice.append(f.timestamp)
                        }
                        lastFrameEnd[sensor] = f.timestamp &+ UInt64(f.sampleCount) &* UInt64(f.period)
                        let lastSample = f.timestamp &+ UInt64(f.sampleCount - 1) &* UInt64(f.period)
                        // Receptions are the clock's fallback, used only when the sensor has no clock anchors:
                        // once it has one they are not kept (a night's worth would grow with its length).
                        if !anchors[sensor].isEmpty {
                        } else if let prev = frameAnchors[sensor].last, Double(hostTime) - Double(prev.host) < 1e6 {
                        } else {
                            frameAnchors[sensor].append(ClockAnchor(host: hostTime, device: lastSample))
                        }
                    }
                }
            }
        }
        if let twice = reader.sensorDescribedTwice {
            throw InputError(
                file: url.path, location: .byte(twice.offset),
                message: "sensor \(twice.index) is described a second time; a recording names each sensor once "
                    + "(which of the two recorded the frames is unknown)")
        }
        guard let header = reader.header else {
            throw InputError(
                file: url.path, location: .byte(0),
                message: "no recording header: the first block is missing or corrupt"
                    + (reader.problems.first.map { " (\($0))" } ?? ""))
        }
        ensure(max(header.sensors.count - 1, 0))
        let clocks = (0..<anchors.count).map { i in
            // Two or more anchors: least squares. One: its offset, no drift. None: the frames' reception times.
            anchors[i].isEmpty ? SensorClock(receptions: frameAnchors[i]) : SensorClock(anchors: anchors[i])
        }
        // Place losses on the host time line.
        for (i, device) in lossesDevice.enumerated() {
            let loss = quality.losses[i]
            // A device time from the file can map anywhere: only a time within the bounds replaces the reception's.
            let mapped = clocks[loss.sensor].host(device: device, received: loss.time)
            if mapped >= PlmrecTimeBounds.earliest, mapped <= PlmrecTimeBounds.latest {
                quality.losses[i].time = Microseconds(mapped.rounded())
            }
        }
        quality.blocksOK = reader.blocksRead
        quality.blocksCorrupt = reader.blocksCorrupt
        quality.tornTail = reader.tornTail
        // Block-level problems first (by offset), then frame-level ones.
        let merged = (reader.problems + quality.problems).enumerated().sorted {
            ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset)
        }.map(\.element)
        quality.problemCount += reader.problemCount
        quality.problems = Array(merged.prefix(1000))
        return PlmrecSummary(
            header: header, clocks: clocks, anchors: anchors, quality: quality, scannedEnd: reader.fileSize,
            corruptPayloads: reader.corruptPayloads, badFrames: badFrames)
    }
}

/// One sample on the host time line.
struct TimedSample {
    var time: Double
    var x: Float
    var y: Float
    var z: Float
    /// Samples were lost (or the device restarted) just before this one: never interpolate across.
    var breakBefore: Bool
}

/// Yields one sensor's samples in order, reading the file block by block.
struct SensorSampleCursor {
    let reader: PlmrecReader
    let sensor: Int
    let clock: SensorClock
    var tracker = FrameTracker()
    var pending: [TimedSample] = []
    var pendingIndex = 0
    var lastTime = -Double.infinity
    var droppedOutOfOrder = 0
    /// Frames not used because their reception or device time lies beyond the bounds (`PlmrecTimeBounds`).
    var droppedImplausible = 0
    var findings: [String] = []
    // Sample period estimate in device µs, from successive frames (the accelerometer's clock is only accurate
    // to a few per cent; the timestamps come from the MCU's crystal).
    var referenceTimestamp: UInt64 = 0
    var samplesSinceReference = 0
    var previous: (timestamp: UInt64, count: Int)?

    /// Where the scan stopped, and the frames it found bad: frames before it are read without a second CRC check.
    let scannedEnd: Int
    let badFrames: Set<Int>

    init(url: URL, sensor: Int, clock: SensorClock, after summary: PlmrecSummary) throws {
        reader = try PlmrecReader(url: url)
        reader.trust(scannedUpTo: summary.scannedEnd, corruptPayloads: summary.corruptPayloads)
        scannedEnd = summary.scannedEnd
        badFrames = summary.badFrames
        self.sensor = sensor
        self.clock = clock
    }

    mutating func next() throws -> TimedSample? {
        while pendingIndex >= pending.count {
            guard try loadFrame() else { return nil }
        }
        defer { pendingIndex += 1 }
        return pending[pendingIndex]
    }

    private mutating func loadFrame() throws -> Bool {
        var f = FrameView()
        while let (received, bytes, offset) = try reader.nextFrame(ofSensor: sensor) {
            // The scan reported these frames already.
            guard PlmrecTimeBounds.contains(received) else { continue }
            let checked = offset + Plmrec.recordHeaderSize + bytes.count <= scannedEnd
                && (badFrames.isEmpty || !badFrames.contains(offset))
            guard checked ? f.read(checked: bytes) : f.decode(bytes) else { continue }
            guard case .keep(let restart, let dropped, _) = tracker.judge(sequence: f.sequence, flags: f.flags) else { continue }
            // A timestamp that puts the frame after its reception, or too long before it, is not believed: the
            // grid is never stretched to reach it.
            let firstTime = clock.host(device: f.timestamp, received: received)
            let lastDevice = f.timestamp &+ UInt64(max(f.sampleCount - 1, 0)) &* UInt64(f.period)
            let endTime = clock.host(device: lastDevice, received: received)
            guard PlmrecTimeBounds.plausible(sample: firstTime, received: received),
                PlmrecTimeBounds.plausible(sample: endTime, received: received)
            else {
                droppedImplausible += 1
                if findings.count < 20 {
                    findings.append(
                        "byte \(offset): sensor \(sensor): frame \(f.sequence)'s timestamp puts its samples at "
                            + "\((firstTime / 1e6).isFinite ? String(format: "%.3f", firstTime / 1e6) : "?") s, "
                            + "received at \(String(format: "%.3f", Double(received) / 1e6)) s; the frame is not used")
                }
                previous = nil
                continue
            }
            let nominal = Double(f.period)
            var discontinuity = restart || dropped > 0 || f.lostSamples > 0
            if let p = previous, !discontinuity, f.timestamp > p.timestamp {
                samplesSinceReference += p.count
            } else {
                discontinuity = discontinuity || previous != nil
                referenceTimestamp = f.timestamp
                samplesSinceReference = 0
            }
            var period = nominal
            if samplesSinceReference >= 6 {
                let measured = Double(f.timestamp - referenceTimestamp) / Double(samplesSinceReference)
                if abs(measured - nominal) <= 0.1 * nominal { period = measured }
            }
            previous = (f.timestamp, f.sampleCount)
            let scale = Float(f.gPerCount)
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
            for i in 0..<f.sampleCount {
                let device = f.timestamp &+ UInt64((period * Double(i)).rounded())
                let t = clock.host(device: device, received: received)
                guard t > lastTime else {
                    droppedOutOfOrder += 1
                    continue
                }
                let (x, y, z) = f.sample(i)
                pending.append(
                    TimedSample(
                        time: t, x: Float(x) * scale, y: Float(y) * scale, z: Float(z) * scale,
                        breakBefore: i == 0 && discontinuity))
                lastTime = t
            }
            if !pending.isEmpty { return true }
        }
        return false
    }
}

/// Resamples one sensor's samples onto the frame grid: linear interpolation between two consecutive samples
/// (no loss between them, at most 1.5 nominal periods apart), the sample itself when it falls on a grid time
/// (within 1 µs), NaN otherwise.
struct LegResampler {
    var cursor: SensorSampleCursor
    let maxSpan: Double
    var a: TimedSample?
    var b: TimedSample?
    var started = false

    init(cursor: SensorSampleCursor, nominalPeriod: Double) {
        self.cursor = cursor
        self.maxSpan = 1.5 * nominalPeriod
    }

    /// True once every sample is used and `t` lies past the last one.
    func finished(at t: Double) -> Bool {
        started && b == nil && (a.map { t > $0.time + 1 } ?? true)
    }

    mutating func value(at t: Double) throws -> (Float, Float, Float)? {
        if !started {
            b = try cursor.next()
            started = true
        }
        while let next = b, next.time <= t + 0.5 {
            a = next
            b = try cursor.next()
        }
        guard let a else { return nil }
        if abs(t - a.time) <= 1 { return (a.x, a.y, a.z) }
        guard let b, !b.breakBefore, b.time - a.time <= maxSpan, t > a.time else { return nil }
        let w = Float((t - a.time) / (b.time - a.time))
        return (a.x + w * (b.x - a.x), a.y + w * (b.y - a.y), a.z + w * (b.z - a.z))
    }
}

/// The two-leg frames of a .plmrec recording at the sensors' nominal rate, on one time grid that starts at the
/// recording start: each sensor's samples are placed by their device timestamps mapped through a least-squares
/// fit of the clock anchors (offset and drift), then interpolated onto the grid; NaN where a sensor has no
/// sample. Reads the file block by block (three passes: one scan, one cursor per sensor).
public struct PlmrecFrameSource: FrameSource, ReadingFindings {
    public let description: SignalDescription
    public let summary: PlmrecSummary
    /// Sensor index used for the left and the right leg.
    public let sensorForLeg: [Leg: Int]
    private var resamplers: [LegResampler] = []
    /// Frame slot (0 left, 1 right) of each resampler.
    private var slots: [Int] = []
    private var frameIndex: Int64 = 0
    private var done = false

    public var header: PlmrecHeader { summary.header }
    public var quality: RecordingQuality { summary.quality }

    /// - Parameter sampleRate: the grid's rate; by default the highest configured sensor rate.
    public init(url: URL, sampleRate: Double? = nil) throws {
        let summary = try PlmrecSummary.scan(url)
        self.summary = summary
        let sensors = summary.header.sensors
        var forLeg: [Leg: Int] = [:]
        for (i, s) in sensors.enumerated() {
            let leg: Leg
            switch s.side {
            case .left: leg = .left
            case .right: leg = .right
            case .unknown: continue
            }
            if let other = forLeg[leg] {
                throw InputError(
                    file: url.path,
                    message: "sensors \(other) (\(sensors[other].serialNumber)) and \(i) (\(s.serialNumber)) "
                        + "are both on the \(leg.name) leg")
            }
            forLeg[leg] = i
        }
        // Sensors of unknown side take the free legs, left first, in sensor order.
        for (i, s) in sensors.enumerated() where s.side == .unknown && !s.serialNumber.isEmpty {
            if forLeg[.left] == nil { forLeg[.left] = i } else if forLeg[.right] == nil { forLeg[.right] = i }
        }
        guard !forLeg.isEmpty else {
            throw InputError(file: url.path, message: "the recording describes no sensor")
        }
        let rate = sampleRate ?? Double(forLeg.values.map { sensors[$0].sampleRate }.max() ?? 0)
        guard rate > 0, rate.isFinite else {
            throw InputError(file: url.path, message: "the sensors state no sample rate")
        }
        if let problem = RecordingLimits.sampleRateProblem(rate) {
            throw InputError(file: url.path, message: "the sensors' \(problem)")
        }
        let range = forLeg.values.map { Double(sensors[$0].rangeG) }.max() ?? 0
        let usedLegs = [Leg.left, .right].filter { forLeg[$0] != nil }
        description = SignalDescription(
            sampleRate: rate, legs: usedLegs, rangeG: range > 0 ? range : nil,
            resolutionG: range > 0 ? range / 32768 : nil, startTime: 0)
        sensorForLeg = forLeg
        for (slot, leg) in [Leg.left, .right].enumerated() {
            guard let i = forLeg[leg] else { continue }
            let clock = i < summary.clocks.count ? summary.clocks[i] : SensorClock(anchors: [])
            let cursor = try SensorSampleCursor(url: url, sensor: i, clock: clock, after: summary)
            let nominal = sensors[i].sampleRate > 0 ? 1e6 / Double(sensors[i].sampleRate) : 1e6 / rate
            resamplers.append(LegResampler(cursor: cursor, nominalPeriod: nominal))
            slots.append(slot)
        }
    }

    /// Samples dropped because their mapped time was not after the previous sample's.
    public var samplesOutOfOrder: Int { resamplers.reduce(0) { $0 + $1.cursor.droppedOutOfOrder } }

    /// Frames whose timestamps were not believed, each with its byte offset (the first 20 per sensor).
    public var readingFindings: [String] {
        var out: [String] = []
        for r in resamplers {
            out += r.cursor.findings
            if r.cursor.droppedImplausible > r.cursor.findings.count {
                out.append(
                    "sensor \(r.cursor.sensor): \(r.cursor.droppedImplausible) frames in all with unbelievable timestamps")
            }
        }
        return out
    }

    /// Samples are int16 counts: none can be beyond the range or non-finite.
    public var samplesExcluded: Int { 0 }

    public mutating func read(into buffer: inout [Float], maxFrames: Int) throws -> Int {
        var n = 0
        while n < maxFrames, !done {
            let t = Double(description.time(ofFrame: frameIndex))
            var left: (Float, Float, Float) = (.nan, .nan, .nan)
            var right: (Float, Float, Float) = (.nan, .nan, .nan)
            var allFinished = true
            for j in resamplers.indices {
                if let value = try resamplers[j].value(at: t) {
                    if slots[j] == 0 { left = value } else { right = value }
                }
                if !resamplers[j].finished(at: t) { allFinished = false }
            }
            if allFinished {
                done = true
                break
            }
            buffer.append(left.0)
            buffer.append(left.1)
            buffer.append(left.2)
            buffer.append(right.0)
            buffer.append(right.1)
            buffer.append(right.2)
            frameIndex += 1
            n += 1
        }
        return n
    }
}
