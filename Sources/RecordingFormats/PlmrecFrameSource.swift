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
    // Computed rather than stored: constants folded where used (a stored static is initialised lazily, a check on
    // every frame).
    static var earliest: Double { -RecordingLimits.maxGap * 1e6 }
    static var latest: Double { RecordingLimits.maxDuration * 1e6 }

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

    @inline(__always)
    mutating func judge(sequence: UInt32, flags: SensorFrame.Flags) -> Verdict {
        defer { lastSequence = sequence }
        guard let last = lastSequence else { return .keep(restart: false, droppedFrames: 0, unexplainedJump: false) }
        if sequence == last { return .duplicate }
        // The flag bits themselves (`SensorFrame.Flags.first`, `.overflowGap`): read for every frame.
        if flags.rawValue & UInt8(PLM_FLAG_FIRST) != 0 || (sequence == 0 && last != UInt32.max) {
            return .keep(restart: true, droppedFrames: 0, unexplainedJump: false)
        }
        let dropped = sequence &- last &- 1
        return .keep(
            restart: false, droppedFrames: dropped,
            unexplainedJump: dropped > 0 && flags.rawValue & UInt8(PLM_FLAG_GAP_OVERFLOW) == 0)
    }
}

/// A frame's header fields, read in place from the frame's bytes (no array of samples per frame): what
/// `SensorFrameCodec.decode` gives, from the firmware's own `plm_frame_peek` (the checks of `plm_frame_decode`,
/// docs/protocol.md "Decoding"), the samples left in the bytes for `sample(_:_:)`.
struct FrameView {
    static let sampleSize = Int(PLM_SAMPLE_SIZE)

    private var header = plm_frame_header_t()

    var sequence: UInt32 { header.seq }
    var flags: SensorFrame.Flags { SensorFrame.Flags(rawValue: header.flags) }
    var timestamp: UInt64 { header.timestamp_us }
    var period: UInt16 { header.period_us }
    var lostSamples: UInt32 { header.lost_samples }
    var sampleCount: Int { Int(header.count) }
    var rangeG: UInt8 { header.range_g }
    /// g per count at this frame's range (as `SensorFrame.gPerCount`).
    var gPerCount: Double { Double(rangeG) / 32768 }

    /// Decodes the frame at the start of `bytes` (magic, version, length and CRC checked); false when it is not a
    /// valid frame (then `SensorFrameCodec.decode` says why).
    mutating func decode(_ bytes: UnsafeRawBufferPointer) -> Bool {
        peek(bytes, checkCRC: true)
    }

    /// Reads a frame that the scan decoded without error (`PlmrecSummary.badFrames` does not hold its offset): the
    /// same checks but the CRC's, which the scan made on the same bytes. False (never a read out of bounds) when the
    /// bytes are not a whole frame.
    mutating func read(checked bytes: UnsafeRawBufferPointer) -> Bool {
        peek(bytes, checkCRC: false)
    }

    private mutating func peek(_ bytes: UnsafeRawBufferPointer, checkCRC: Bool) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        return plm_frame_peek(base.assumingMemoryBound(to: UInt8.self), bytes.count, checkCRC ? 1 : 0, &header)
            == PLM_DECODE_OK
    }

    /// Sample `i`'s x, y, z counts, from the bytes that `decode` or `read(checked:)` accepted (which hold
    /// `sampleCount` samples: `i < sampleCount` keeps the loads inside them).
    @inline(__always)
    static func sample(_ bytes: UnsafeRawBufferPointer, _ i: Int) -> (Int16, Int16, Int16) {
        let at = Int(PLM_OFF_SAMPLES) + FrameView.sampleSize * i
        return (
            Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: Int16.self)),
            Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: at + 2, as: Int16.self)),
            Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: at + 4, as: Int16.self))
        )
    }
}

/// Everything a pass over a .plmrec file learns before the frames are resampled: the header, the clocks, and the
/// block-level reading figures. The frames themselves are checked, judged and counted by the sensors' decoders
/// (`SensorFrameDecoder`), which read them anyway; `PlmrecFrameSource.quality` adds their figures.
public struct PlmrecSummary: Sendable {
    public var header: PlmrecHeader
    /// Clock model per sensor index.
    public var clocks: [SensorClock]
    /// Clock anchors per sensor index, as recorded.
    public var anchors: [[ClockAnchor]]
    /// Blocks (counts, corrupt blocks, a torn tail), gaps, notes, and the problems found in blocks, records and
    /// clock anchors; no frame figures (`PlmrecFrameSource.quality` has them once the frames are read).
    public var quality: RecordingQuality
    /// Where the scan stopped, and the blocks it found corrupt: the later passes trust it up to there.
    public var scannedEnd: Int
    public var corruptPayloads: Set<Int>
    /// Byte offset of each sensor index's description (nil: not described): frames before it are frames of an
    /// undescribed sensor.
    public var describedAt: [Int?] = []
    /// Frame records per sensor index.
    public var frameRecords: [Int] = []

    /// Reads the whole file once (block by block) for the header, the clock anchors, the events and the
    /// block-level quality.
    public static func scan(_ url: URL) throws -> PlmrecSummary {
        let reader = try PlmrecReader(url: url)
        var quality = RecordingQuality()
        var anchors: [[ClockAnchor]] = []
        var frameAnchors: [[ClockAnchor]] = []
        /// What the scan follows per sensor.
        struct SensorScan {
            /// Frames are judged only until the sensor's first clock anchor (their receptions are its clock
            /// until then).
            var tracker = FrameTracker()
            /// The sensor has clock anchors (`anchors[i]` not empty).
            var anchored = false
            var describedAt: Int?
            var frames = 0
        }
        var sensors: [SensorScan] = []
        // Room for sensor i in the per-sensor arrays. (A function of its inout arguments, not a closure over
        // them: a captured variable is checked for exclusive access at run time on every use, once per frame.)
        func ensure(_ i: Int, _ anchors: inout [[ClockAnchor]], _ frameAnchors: inout [[ClockAnchor]], _ sensors: inout [SensorScan]) {
            while anchors.count <= i {
                anchors.append([])
                frameAnchors.append([])
                sensors.append(SensorScan())
            }
        }
        var refs: [PlmrecReader.RecordRef] = []
        var f = FrameView()
        // Per sensor: -1 while it has no clock anchor (its frames are returned, for the fallback clock), else its
        // frames counted by the walk since the last block.
        var counted: [Int] = []
        while true {
            counted.removeAll(keepingCapacity: true)
            for s in sensors { counted.append(s.anchored ? 0 : -1) }
            let more = try reader.nextRecords(into: &refs, countingFramesIn: &counted)
            for (i, n) in counted.enumerated() where n > 0 { sensors[i].frames += n }
            guard more else { break }
            for raw in refs {
                guard raw.type == RecordType.frame.rawValue else {
                    guard let entry = reader.entry(reader.rawRecord(raw)) else { continue }
                    switch entry.record {
                    case .sensor(let index, _):
                        ensure(index, &anchors, &frameAnchors, &sensors)
                        if sensors[index].describedAt == nil { sensors[index].describedAt = entry.offset }
                    case .clockAnchor(let sensor, let hostTime, let deviceTime, _):
                        ensure(sensor, &anchors, &frameAnchors, &sensors)
                        guard PlmrecTimeBounds.check(hostTime, "clock anchor", sensor: sensor, at: entry.offset, into: &quality)
                        else {
                            continue
                        }
                        anchors[sensor].append(ClockAnchor(host: hostTime, device: deviceTime))
                        sensors[sensor].anchored = true
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
                // A frame: counted; until its sensor's first clock anchor, its reception is kept as the clock's
                // fallback (judged as the sensor's pass judges it: within the time bounds, decoded, not a repeat).
                let sensor = Int(raw.sensor)
                ensure(sensor, &anchors, &frameAnchors, &sensors)
                sensors[sensor].frames += 1
                guard !sensors[sensor].anchored, PlmrecTimeBounds.contains(raw.hostTime),
                    reader.withChunk({ f.decode(UnsafeRawBufferPointer(rebasing: $0[raw.start..<(raw.start + raw.count)])) }),
                    case .keep = sensors[sensor].tracker.judge(sequence: f.sequence, flags: f.flags)
                else { continue }
                let lastSample = f.timestamp &+ UInt64(f.sampleCount - 1) &* UInt64(f.period)
                if let prev = frameAnchors[sensor].last, Double(raw.hostTime) - Double(prev.host) < 1e6 {
                } else {
                    frameAnchors[sensor].append(ClockAnchor(host: raw.hostTime, device: lastSample))
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
        ensure(max(header.sensors.count - 1, 0), &anchors, &frameAnchors, &sensors)
        let clocks = (0..<anchors.count).map { i in
            // Two or more anchors: least squares. One: its offset, no drift. None: the frames' reception times.
            anchors[i].isEmpty ? SensorClock(receptions: frameAnchors[i]) : SensorClock(anchors: anchors[i])
        }
        quality.blocksOK = reader.blocksRead
        quality.blocksCorrupt = reader.blocksCorrupt
        quality.tornTail = reader.tornTail
        // Block-level problems first (by offset), then the clock anchors' ones.
        let merged = (reader.problems + quality.problems).enumerated().sorted {
            ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset)
        }.map(\.element)
        quality.problemCount += reader.problemCount
        quality.problems = Array(merged.prefix(1000))
        return PlmrecSummary(
            header: header, clocks: clocks, anchors: anchors, quality: quality, scannedEnd: reader.fileSize,
            corruptPayloads: reader.corruptPayloads, describedAt: sensors.map(\.describedAt),
            frameRecords: sensors.map(\.frames))
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

/// Room for the samples of one block, used again for later blocks (`LegFrameFeed.recycle`): an array per block cost
/// an allocation, and page faults for the fresh memory, per block and sensor.
final class SampleStorage {
    private(set) var base: UnsafeMutablePointer<TimedSample>
    private(set) var capacity: Int
    /// Samples held, from `base`.
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        base = UnsafeMutablePointer<TimedSample>.allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// Room for `n` samples (what is held is not kept when the storage grows).
    func reserve(_ n: Int) {
        guard n > capacity else { return }
        base.deallocate()
        capacity = n
        base = UnsafeMutablePointer<TimedSample>.allocate(capacity: n)
        count = 0
    }

    var samples: UnsafeBufferPointer<TimedSample> { UnsafeBufferPointer(start: base, count: count) }
    var room: UnsafeMutableBufferPointer<TimedSample> { UnsafeMutableBufferPointer(start: base, count: capacity) }
}

/// Decodes one sensor's frames, in file order, into samples on the host time line; checks, judges and counts every
/// frame it is given (this pass is the one that does, for the sensor).
struct SensorFrameDecoder {
    let sensor: Int
    let clock: SensorClock
    var tracker = FrameTracker()
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

    /// The frame-level figures of this sensor's frames decoded so far (`RecordingQuality`'s frame counts, losses and
    /// frame problems).
    var quality = RecordingQuality()
    /// End of the last frame kept (device µs), for the samples an unexplained sequence jump lost.
    var lastFrameEnd: UInt64?
    /// Where the file describes this sensor (nil: never): a frame before it is a frame of an undescribed sensor.
    let describedAt: Int?
    /// The clock's line when it has one time-base segment (the usual clock): `clock.host` is that line.
    let line: ClockSegment?
    /// The last sample decoded: slot 0 of the next block.
    var carry: TimedSample?

    init(sensor: Int, clock: SensorClock, after summary: PlmrecSummary) {
        describedAt = sensor < summary.describedAt.count ? summary.describedAt[sensor] : nil
        self.sensor = sensor
        self.clock = clock
        line = clock.segments.count == 1 ? clock.segments.first : nil
    }

    /// `clock.host(device:received:)`, straight through the line when the clock has one segment.
    @inline(__always)
    func host(device: UInt64, received: Microseconds) -> Double {
        if let line { return line.host(device) }
        return clock.host(device: device, received: received)
    }

    /// `UInt64(x.rounded())` (half away from zero): for 0 <= x < 2^52, where truncation and `x - trunc(x)` are
    /// exact, without the libm call `rounded()` makes (once per sample); through `rounded()` otherwise.
    @inline(__always)
    static func rounded(_ x: Double) -> UInt64 {
        guard x >= 0, x < 0x1p52 else { return UInt64(x.rounded()) }
        // Through Int64 (x < 2^52 fits): one instruction each way, where UInt64 <-> Double takes several on x86-64.
        let whole = Int64(x)
        return UInt64(x - Double(whole) >= 0.5 ? whole + 1 : whole)
    }

    /// The samples of this sensor's frames among `records` (one block's frame records, located in `chunk` by
    /// `nextRecords`; other sensors' are passed over), each frame decoded exactly as a frame on its own, into
    /// `storage` (what it held is dropped); false when they give no sample. The samples are in time order from
    /// index 1; index 0 is the sensor's sample before them (from an earlier block: a resampler interpolates from it
    /// by index) or, for its first samples, a placeholder.
    mutating func decodeBlock(
        _ records: [PlmrecReader.RecordRef], chunk: UnsafeRawBufferPointer, into storage: SampleStorage
    ) -> Bool {
        let sensor = UInt8(truncatingIfNeeded: self.sensor)
        // A frame holds at most `PLM_FRAME_MAX_SAMPLES` samples (`plm_frame_peek` refuses more): the frames fit in
        // `records.count` times that after slot 0 (`decodeFrame` writes at `count` < the capacity). The storage is
        // used again for later blocks, so it seldom grows.
        storage.reserve(1 + records.count * Int(PLM_FRAME_MAX_SAMPLES))
        let buffer = storage.room
        buffer.initializeElement(at: 0, to: carry ?? TimedSample(time: 0, x: 0, y: 0, z: 0, breakBefore: false))
        var count = 1
        for r in records where r.sensor == sensor {
            decodeFrame(UnsafeRawBufferPointer(rebasing: chunk[r.start..<(r.start + r.count)]), r, into: buffer, count: &count)
        }
        storage.count = count
        guard count > 1 else { return false }
        carry = buffer[count - 1]
        return true
    }

    /// Counts a frame kept (not a duplicate) into `quality`: its samples, a restart, and the samples lost before it
    /// (those the frame states, plus, after a sequence jump without the GAP_OVERFLOW flag, the time the missing
    /// frames covered), placed on the host time line through the sensor's clock.
    private mutating func account(
        _ f: FrameView, restart: Bool, dropped: UInt32, unexplained: Bool, received: Microseconds, offset: Int
    ) {
        quality.framesOK += 1
        quality.samplesOK += f.sampleCount
        if restart { quality.restarts += 1 }
        var lost = UInt64(f.lostSamples)
        if unexplained || lost > 0 || dropped > 0 {
            var reason = f.flags.rawValue & UInt8(PLM_FLAG_GAP_OVERFLOW) != 0 ? "device buffer overflow" : "sensor read missed"
            if unexplained {
                quality.sequenceJumps += 1
                quality.report(
                    PlmrecProblem(
                        offset: offset, kind: .sequenceJump,
                        message: "sensor \(sensor): \(dropped) frames missing before frame \(f.sequence) "
                            + "without the GAP_OVERFLOW flag"))
                // Estimate the samples from the time the missing frames covered.
                if let end = lastFrameEnd, f.timestamp > end, f.period > 0,
                    Double(f.timestamp - end) <= RecordingLimits.maxGap * 1e6
                {
                    lost += (f.timestamp - end) / UInt64(f.period)
                }
                reason = "frames lost on the host side"
            }
            if lost > 0 || dropped > 0 {
                quality.samplesLost += lost
                // A device time from the file can map anywhere: only a time within the bounds replaces the reception's.
                var time = received
                let mapped = clock.host(device: f.timestamp, received: received)
                if mapped >= PlmrecTimeBounds.earliest, mapped <= PlmrecTimeBounds.latest {
                    time = Microseconds(mapped.rounded())
                }
                quality.losses.append(
                    SampleLoss(sensor: sensor, time: time, samples: lost, frames: dropped, reason: reason, offset: offset))
            }
        }
        lastFrameEnd = f.timestamp &+ UInt64(f.sampleCount) &* UInt64(f.period)
    }

    /// Writes the samples of one frame record into `out` from `count` on, advancing `count` (or drops the frame, for
    /// the reasons given below). `out` has room for `PLM_FRAME_MAX_SAMPLES` samples from `count`.
    @inline(__always)
    private mutating func decodeFrame(
        _ bytes: UnsafeRawBufferPointer, _ r: PlmrecReader.RecordRef, into out: UnsafeMutableBufferPointer<TimedSample>,
        count: inout Int
    ) {
        let received = r.hostTime, offset = r.offset
        var f = FrameView()
        guard PlmrecTimeBounds.check(received, "frame received", sensor: sensor, at: offset, into: &quality) else { return }
        if describedAt.map({ offset < $0 }) ?? true {
            quality.report(
                PlmrecProblem(offset: offset, kind: .unknownSensor, message: "frame of undescribed sensor \(sensor)"))
        }
        guard f.decode(bytes) else {
            quality.framesBad += 1
            let why: String
            if case .failure(let e) = SensorFrameCodec.decode(bytes) { why = e.description } else { why = "?" }
            quality.report(PlmrecProblem(offset: offset, kind: .badFrame, message: "sensor \(sensor): \(why)"))
            return
        }
        let restart: Bool, dropped: UInt32
        switch tracker.judge(sequence: f.sequence, flags: f.flags) {
        case .duplicate:
            quality.framesDuplicate += 1
            quality.report(
                PlmrecProblem(
                    offset: offset, kind: .duplicateFrame, message: "sensor \(sensor): frame \(f.sequence) repeated; dropped"))
            return
        case .keep(let isRestart, let droppedFrames, let unexplained):
            restart = isRestart
            dropped = droppedFrames
            account(f, restart: restart, dropped: dropped, unexplained: unexplained, received: received, offset: offset)
        }
        // A timestamp that puts the frame after its reception, or too long before it, is not believed: the
        // grid is never stretched to reach it.
        let firstTime = host(device: f.timestamp, received: received)
        let lastDevice = f.timestamp &+ UInt64(max(f.sampleCount - 1, 0)) &* UInt64(f.period)
        let endTime = host(device: lastDevice, received: received)
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
            return
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
        let timestamp = f.timestamp, samples = f.sampleCount
        var last = lastTime, n = count, outOfOrder = 0
        // Sample i of the frame: its host time `t` (from `time(i)`), dropped unless after the previous sample's.
        // i < samples <= PLM_FRAME_MAX_SAMPLES: inside the frame's bytes (`FrameView.sample`) and inside `out`.
        @inline(__always) func place(_ time: (Int) -> Double) {
            for i in 0..<samples {
                let t = time(i)
                guard t > last else {
                    outOfOrder += 1
                    continue
                }
                let (x, y, z) = FrameView.sample(bytes, i)
                out.initializeElement(
                    at: n,
                    to: TimedSample(
                        time: t, x: Float(x) * scale, y: Float(y) * scale, z: Float(z) * scale,
                        breakBefore: i == 0 && discontinuity))
                n += 1
                last = t
            }
        }
        // With one time-base segment (the usual clock) `clock.host` is that segment's line.
        if let line {
            // `line.host(timestamp &+ offset)`, its device origin taken out of the loop: (timestamp + offset -
            // origin) mod 2^64 is (timestamp - origin) + offset mod 2^64, the same bits. Sample 0 is at offset 0.
            let fromOrigin = Int64(bitPattern: timestamp &- line.deviceOrigin)
            let hostAtOrigin = line.hostAtOrigin, slope = line.slope
            place { i in
                let offset = i == 0 ? 0 : SensorFrameDecoder.rounded(period * Double(i))
                return hostAtOrigin + slope * Double(fromOrigin &+ Int64(bitPattern: offset))
            }
        } else {
            place { clock.host(device: timestamp &+ SensorFrameDecoder.rounded(period * Double($0)), received: received) }
        }
        lastTime = last
        count = n
        droppedOutOfOrder += outOfOrder
    }
}

/// The samples of the legs' sensors, block by block, from one walk over the file shared by the sensors while
/// their frames keep pace in it (the usual file: the daemon writes both legs' frames as they arrive).
///
/// A walk for one sensor decodes the other sensors' frames in the blocks it passes and keeps them for their
/// sensors; when more than `queueLimit` samples wait for a sensor (its resampler is far behind the walk: the other
/// sensor recorded nothing for a long stretch, or one sensor's frames come much later in the file than the
/// other's), that sensor leaves the shared walk and, once it has taken the blocks kept for it, reads the rest of
/// the file on its own from the block after the last one decoded for it. Every sensor's frames are decoded in file
/// order by its own decoder either way, so the samples, figures and findings are the same.
struct LegFrameFeed {
    private let url: URL
    private let summary: PlmrecSummary
    private let shared: PlmrecReader
    /// One per sensor read, in the resamplers' order.
    private(set) var decoders: [SensorFrameDecoder]
    /// Blocks decoded for a sensor and not yet taken, oldest first from `heads[d]`; `waiting[d]` samples in all.
    private var queues: [[SampleStorage]]
    private var heads: [Int]
    private var waiting: [Int]
    /// Where a sensor that left the shared walk reads on (the block after the last one decoded for it), and its
    /// own reader once it does.
    private var leftAt: [Int?]
    private var own: [PlmrecReader?]
    private var refs: [PlmrecReader.RecordRef] = []
    /// Storage given back by the resamplers (`recycle`), for the next blocks.
    private var spare: [SampleStorage] = []
    /// Samples (24 bytes each) kept for a sensor before it leaves the shared walk: 2^17, 3 MB (in storage sized for
    /// every frame of their blocks, both sensors', so up to twice that), 22 minutes at 100 Hz. Normally the walk is
    /// at most a few blocks (seconds) ahead of the slower resampler.
    static let defaultQueueLimit = 1 << 17
    let queueLimit: Int

    init(url: URL, summary: PlmrecSummary, decoders: [SensorFrameDecoder], queueLimit: Int = LegFrameFeed.defaultQueueLimit)
        throws
    {
        self.url = url
        self.summary = summary
        shared = try LegFrameFeed.reader(url, summary)
        self.decoders = decoders
        queues = decoders.map { _ in [] }
        heads = decoders.map { _ in 0 }
        waiting = decoders.map { _ in 0 }
        leftAt = decoders.map { _ in nil }
        own = decoders.map { _ in nil }
        self.queueLimit = queueLimit
    }

    /// A reader of the file that trusts the scan's checks (`PlmrecReader.trust`).
    private static func reader(_ url: URL, _ summary: PlmrecSummary) throws -> PlmrecReader {
        let reader = try PlmrecReader(url: url)
        reader.trust(scannedUpTo: summary.scannedEnd, corruptPayloads: summary.corruptPayloads)
        return reader
    }

    /// The next block of samples for decoder `d` (after the last one it returned for `d`; `decodeBlock` says what it
    /// holds), nil at the end of the file.
    mutating func next(_ d: Int) throws -> SampleStorage? {
        if heads[d] < queues[d].count {
            let block = queues[d][heads[d]]
            heads[d] += 1
            waiting[d] -= block.count
            if heads[d] == queues[d].count {
                queues[d].removeAll(keepingCapacity: true)
                heads[d] = 0
            }
            return block
        }
        if let start = leftAt[d] {
            let reader: PlmrecReader
            if let r = own[d] {
                reader = r
            } else {
                reader = try LegFrameFeed.reader(url, summary)
                reader.resume(atBlock: start)
                own[d] = reader
            }
            let sensor = decoders[d].sensor
            let storage = storage()
            while try reader.nextRecords(into: &refs, framesOf: (sensor, sensor)) {
                let records = refs
                if reader.withChunk({ decoders[d].decodeBlock(records, chunk: $0, into: storage) }) { return storage }
            }
            recycle(storage)
            return nil
        }
        // The shared walk: the frames of every sensor still in it.
        let walking = decoders.indices.filter { leftAt[$0] == nil }
        let sensors = (decoders[walking[0]].sensor, decoders[walking[walking.count - 1]].sensor)
        let reader = shared
        while try reader.nextRecords(into: &refs, framesOf: sensors) {
            let records = refs
            var mine: SampleStorage?
            reader.withChunk { chunk in
                for e in walking {
                    let storage = storage()
                    guard decoders[e].decodeBlock(records, chunk: chunk, into: storage) else {
                        recycle(storage)
                        continue
                    }
                    if e == d {
                        mine = storage
                    } else {
                        queues[e].append(storage)
                        waiting[e] += storage.count
                    }
                }
            }
            for e in walking where e != d && waiting[e] > queueLimit { leftAt[e] = reader.nextBlockOffset }
            if let mine { return mine }
        }
        return nil
    }

    /// Storage for a block: one given back, or a new one.
    private mutating func storage() -> SampleStorage {
        spare.popLast() ?? SampleStorage(capacity: 1 << 12)
    }

    /// Takes back the storage of a block that a resampler has finished with.
    mutating func recycle(_ storage: SampleStorage) {
        spare.append(storage)
    }

    /// Sensors that left the shared walk (for tests).
    var sensorsReadAlone: Int { leftAt.compactMap { $0 }.count }
}

/// Resamples one sensor's samples onto the frame grid: linear interpolation between two consecutive samples
/// (no loss between them, at most 1.5 nominal periods apart), the sample itself when it falls on a grid time
/// (within 1 µs), NaN otherwise.
struct LegResampler {
    let maxSpan: Double
    /// The samples being resampled (a block from `SensorFrameDecoder.decodeBlock`; none before the first), the
    /// first of them that is a sample (1 in the sensor's first block, whose index 0 is a placeholder; else 0), and
    /// the next one the resampler has not passed.
    var pending: SampleStorage?
    var firstValid = 1
    var pendingIndex = 1
    /// The sensor has no samples left.
    var exhausted = false

    init(nominalPeriod: Double) {
        self.maxSpan = 1.5 * nominalPeriod
    }

    /// The values at `times[k]` written to `out[at + 6k ..< at + 6k + 3]` (left as they are where there is none),
    /// for k from 0 up to the first one at which the leg is finished (every sample used and the grid time past the
    /// last one); returns that k, or `times.count`. The caller makes `out` hold `at + 6 * times.count` values or
    /// more. Works through the sensor's samples a block at a time (decoder `decoder` of `feed`), by index in the
    /// block.
    mutating func fill(
        times: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Float>, at: Int,
        feed: inout LegFrameFeed, decoder: Int
    ) throws -> Int {
        var k = 0
        while true {
            let last = exhausted, firstValid = self.firstValid, maxSpan = self.maxSpan
            var index = pendingIndex
            let stop = LegResampler.fill(
                times: times, from: k, samples: pending?.samples ?? UnsafeBufferPointer(start: nil, count: 0),
                firstValid: firstValid, index: &index, last: last, maxSpan: maxSpan, into: out, at: at)
            pendingIndex = index
            k = stop.k
            if stop.finished || k == times.count { return k }
            // Grid time k needs the sample after this block.
            if let block = try feed.next(decoder) {
                if let done = pending { feed.recycle(done) }
                self.firstValid = pending == nil ? 1 : 0
                pending = block
                pendingIndex = 1
            } else {
                exhausted = true
            }
        }
    }

    /// `fill` over one block of samples, from grid time `start`: returns where it stopped, and whether because the
    /// leg is finished. It stops early when a grid time needs the sample after the block (every sample passed and
    /// not `last`): the caller loads the next block and calls again with the same grid time. The sample at or
    /// before the grid time (`a`) is `samples[index - 1]` when index - 1 >= `firstValid`; the one after it (`b`) is
    /// `samples[index]` when index < samples.count.
    @inline(__always)
    private static func fill(
        times: UnsafeBufferPointer<Double>, from start: Int, samples: UnsafeBufferPointer<TimedSample>, firstValid: Int,
        index: inout Int, last: Bool, maxSpan: Double, into out: UnsafeMutableBufferPointer<Float>, at: Int
    ) -> (k: Int, finished: Bool) {
        let count = samples.count
        var i = index
        defer { index = i }
        // The time of samples[i], +infinity past the last one (one comparison per step below).
        var next = i < count ? samples[i].time : Double.infinity
        for k in start..<times.count {
            let t = times[k]
            // Every sample up to half a microsecond after the grid time is passed.
            let limit = t + 0.5
            while next <= limit {
                i &+= 1
                next = i < count ? samples[i].time : Double.infinity
            }
            if i >= count, !last { return (k, false) }
            let hasA = i > firstValid, hasB = i < count
            if hasA {
                let a = samples[i &- 1]
                let o = at &+ 6 &* k
                if abs(t - a.time) <= 1 {
                    out[o] = a.x
                    out[o &+ 1] = a.y
                    out[o &+ 2] = a.z
                } else if hasB {
                    let b = samples[i]
                    if !b.breakBefore, b.time - a.time <= maxSpan, t > a.time {
                        let w = Float((t - a.time) / (b.time - a.time))
                        out[o] = a.x + w * (b.x - a.x)
                        out[o &+ 1] = a.y + w * (b.y - a.y)
                        out[o &+ 2] = a.z + w * (b.z - a.z)
                    }
                }
                if !hasB && t > a.time + 1 { return (k, true) }
            } else if !hasB {
                return (k, true)
            }
        }
        return (times.count, false)
    }
}

/// The two-leg frames of a .plmrec recording at the sensors' nominal rate, on one time grid that starts at the
/// recording start: each sensor's samples are placed by their device timestamps mapped through a least-squares
/// fit of the clock anchors (offset and drift), then interpolated onto the grid; NaN where a sensor has no
/// sample. Reads the file block by block: one scan, then one walk for the legs' sensors (`LegFrameFeed`).
public struct PlmrecFrameSource: FrameSource, ReadingFindings {
    public let description: SignalDescription
    public let summary: PlmrecSummary
    /// Sensor index used for the left and the right leg.
    public let sensorForLeg: [Leg: Int]
    private var resamplers: [LegResampler] = []
    /// The legs' sensors' samples (decoder j is resampler j's).
    private var feed: LegFrameFeed
    /// Frame slot (0 left, 1 right) of each resampler.
    private var slots: [Int] = []
    private var frameIndex: Int64 = 0
    /// Grid times of the chunk being read (reused from one chunk to the next).
    private var gridTimes: [Double] = []
    /// 6 NaN per frame of a chunk: appended to the caller's buffer as one copy (appending `repeatElement` goes value
    /// by value), then overwritten where a leg has a value.
    private var noValues: [Float] = []
    private var done = false

    public var header: PlmrecHeader { summary.header }
    /// The file's reading figures: the scan's (blocks, records, clock anchors, gaps, notes) with the frames' of
    /// every sensor. The frame figures are complete once the frames have been read to the end (`read` returned 0):
    /// each leg's sensor's decoder counts its frames as it decodes them (other sensors' frames were counted when
    /// the source was opened).
    public var quality: RecordingQuality {
        var q = summary.quality
        let parts = feed.decoders.map(\.quality) + otherSensors
        var problems = q.problems
        for p in parts {
            q.framesOK += p.framesOK
            q.framesBad += p.framesBad
            q.framesDuplicate += p.framesDuplicate
            q.sequenceJumps += p.sequenceJumps
            q.restarts += p.restarts
            q.samplesOK += p.samplesOK
            q.samplesLost += p.samplesLost
            q.losses += p.losses
            q.problemCount += p.problemCount
            problems += p.problems
        }
        // File order, as one pass over the file would have found them (each list is in file order; no two records
        // share an offset, and the scan's problems come first at a block's offset).
        q.losses = q.losses.enumerated().sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }.map(\.element)
        q.problems = Array(
            problems.enumerated().sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }.map(\.element)
                .prefix(1000))
        return q
    }

    /// The frame figures of sensors that are on no leg (another sensor's, an undescribed one's), counted when the
    /// source is opened.
    private var otherSensors: [RecordingQuality] = []

    /// - Parameter sampleRate: the grid's rate; by default the highest configured sensor rate.
    public init(url: URL, sampleRate: Double? = nil) throws {
        try self.init(url: url, sampleRate: sampleRate, queueLimit: LegFrameFeed.defaultQueueLimit)
    }

    /// `queueLimit`: `LegFrameFeed.queueLimit` (tests make the legs' sensors leave the shared walk with a small one).
    init(url: URL, sampleRate: Double?, queueLimit: Int) throws {
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
        var decoders: [SensorFrameDecoder] = []
        for (slot, leg) in [Leg.left, .right].enumerated() {
            guard let i = forLeg[leg] else { continue }
            let clock = i < summary.clocks.count ? summary.clocks[i] : SensorClock(anchors: [])
            decoders.append(SensorFrameDecoder(sensor: i, clock: clock, after: summary))
            let nominal = sensors[i].sampleRate > 0 ? 1e6 / Double(sensors[i].sampleRate) : 1e6 / rate
            resamplers.append(LegResampler(nominalPeriod: nominal))
            slots.append(slot)
        }
        feed = try LegFrameFeed(url: url, summary: summary, decoders: decoders, queueLimit: queueLimit)
        // Frames of sensors on no leg are still the file's frames: checked and counted by a pass of their own.
        let onLegs = Set(forLeg.values)
        for (i, count) in summary.frameRecords.enumerated() where count > 0 && !onLegs.contains(i) {
            let clock = i < summary.clocks.count ? summary.clocks[i] : SensorClock(anchors: [])
            var alone = try LegFrameFeed(
                url: url, summary: summary, decoders: [SensorFrameDecoder(sensor: i, clock: clock, after: summary)])
            while let block = try alone.next(0) { alone.recycle(block) }
            otherSensors += alone.decoders.map(\.quality)
        }
    }

    /// Leg sensors that left the shared walk over the file (`LegFrameFeed`), for tests.
    var sensorsReadAlone: Int { feed.sensorsReadAlone }

    /// Samples dropped because their mapped time was not after the previous sample's.
    public var samplesOutOfOrder: Int { feed.decoders.reduce(0) { $0 + $1.droppedOutOfOrder } }

    /// Frames whose timestamps were not believed, each with its byte offset (the first 20 per sensor).
    public var readingFindings: [String] {
        var out: [String] = []
        for d in feed.decoders {
            out += d.findings
            if d.droppedImplausible > d.findings.count {
                out.append("sensor \(d.sensor): \(d.droppedImplausible) frames in all with unbelievable timestamps")
            }
        }
        return out
    }

    /// Samples are int16 counts: none can be beyond the range or non-finite.
    public var samplesExcluded: Int { 0 }

    public mutating func read(into buffer: inout [Float], maxFrames: Int) throws -> Int {
        guard !done, maxFrames > 0 else { return 0 }
        // The grid times of the frames this call may return.
        if gridTimes.count != maxFrames {
            gridTimes = [Double](repeating: 0, count: maxFrames)
            noValues = [Float](repeating: .nan, count: 6 * maxFrames)
        }
        let description = self.description, first = frameIndex
        gridTimes.withUnsafeMutableBufferPointer { description.times(ofFrames: first, into: $0) }
        // One leg at a time over the whole chunk (NaN where a leg has no value). A leg stops at the first frame at
        // which it is finished (from there on it has no value); the chunk ends at the first frame at which every
        // leg is finished, and that frame is not part of it.
        let base = buffer.count
        buffer.append(contentsOf: noValues)
        var n = 0
        try buffer.withUnsafeMutableBufferPointer { out in
            try gridTimes.withUnsafeBufferPointer { times in
                for j in resamplers.indices {
                    // `fill` writes values k < maxFrames at base + 6k + 3 slot + 0...2 (slot 0 or 1): inside the
                    // 6 * maxFrames values appended above.
                    let finished = try resamplers[j].fill(
                        times: times, into: out, at: base + 3 * slots[j], feed: &feed, decoder: j)
                    n = max(n, finished)
                }
            }
        }
        if n < maxFrames { done = true }
        buffer.removeSubrange((base + 6 * n)...)
        frameIndex += Int64(n)
        return n
    }
}
