import AccelerationSignal
import EDFFormat
import Foundation
import LegMovementScoring
import PLMVocabulary
import SensorFrames

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A stretch of frames without samples on one leg (any axis NaN): frames `from..<to`.
public struct LegGap: Sendable, Equatable {
    public var leg: Leg
    public var from: Int64
    public var to: Int64

    public init(leg: Leg, from: Int64, to: Int64) {
        self.leg = leg
        self.from = from
        self.to = to
    }

    /// What one pass over a recording's frames finds (`scan`).
    public struct Scan: Sendable {
        /// Each present leg's runs of missing frames, in order of their first frame (left before right at a tie).
        public var gaps: [LegGap]
        public var frames: Int64
        /// The coarsest power-of-two step 2⁻ᵏ g (k ≤ 15) every finite sample is a multiple of, when there is one:
        /// the grid of a device's counts (±8 g at 1/256 g), found from the data, since not every file states it.
        public var gridStepG: Double?

        public init(gaps: [LegGap], frames: Int64, gridStepG: Double?) {
            self.gaps = gaps
            self.frames = frames
            self.gridStepG = gridStepG
        }
    }

    /// One pass over `source`.
    public static func scan<S: FrameSource>(_ source: inout S) throws -> Scan {
        let legs = source.description.legs
        var open: [Leg: Int64] = [:]
        var gaps: [LegGap] = []
        var buffer: [Float] = []
        var frame: Int64 = 0
        var finest = 0  // the largest k needed so far
        var onGrid = true
        while true {
            buffer.removeAll(keepingCapacity: true)
            let n = try source.read(into: &buffer, maxFrames: 4096)
            if n == 0 { break }
            for i in 0..<n {
                for leg in legs {
                    let o = i * TwoLegFrame.channels + TwoLegFrame.offset(of: leg)
                    let missing = buffer[o].isNaN || buffer[o + 1].isNaN || buffer[o + 2].isNaN
                    if missing, open[leg] == nil {
                        open[leg] = frame + Int64(i)
                    } else if !missing, let from = open[leg] {
                        gaps.append(LegGap(leg: leg, from: from, to: frame + Int64(i)))
                        open[leg] = nil
                    }
                    if onGrid && !missing {
                        for c in 0..<3 {
                            // v × 2¹⁵ must be a whole number; its trailing zero bits say how coarse the grid is.
                            let x = Double(buffer[o + c]) * 32768
                            guard x == x.rounded(), abs(x) < 1e15 else {
                                onGrid = false
                                break
                            }
                            let units = Int64(x)
                            if units != 0 { finest = max(finest, 15 - min(15, units.trailingZeroBitCount)) }
                        }
                    }
                }
            }
            frame += Int64(n)
        }
        for leg in legs { if let from = open[leg] { gaps.append(LegGap(leg: leg, from: from, to: frame)) } }
        gaps.sort { ($0.from, $0.leg == .left ? 0 : 1) < ($1.from, $1.leg == .left ? 0 : 1) }
        return Scan(gaps: gaps, frames: frame, gridStepG: onGrid ? 1 / Double(1 << finest) : nil)
    }
}

extension EDFExport {
    /// The EDF data record duration for a sample rate, s: the shortest whole number of seconds (1–60) holding a
    /// whole number of samples (1 s for every whole-Hz rate; 2 s for 12.5 Hz), nil when none does.
    public static func recordDuration(rate: Double) -> Int? {
        guard rate > 0, rate.isFinite else { return nil }
        for d in 1...60 {
            let n = rate * Double(d)
            if n == n.rounded(), n <= 65535 { return d }
        }
        return nil
    }

    /// One leg's signal header: unit g, physical ± `range`. When the source states a resolution that divides the
    /// range into at most 32767 steps each side (`range / resolution` a whole number N), the digital range is ±N, so
    /// every sample on the device's own grid is stored exactly (±8 g at 1/256 g: ±2048); otherwise −32768…32767
    /// over ± range (one step 2·range/65535 g).
    static func legSignals(_ leg: Leg, range: Double, resolution: Double?, perRecord: Int) -> [EDFWriter.Signal] {
        var digitalMax = 32767
        var digitalMin = -32768
        if let r = resolution, r > 0 {
            let n = range / r
            if abs(n - n.rounded()) < 1e-9 * max(1, n), n.rounded() >= 1, n.rounded() <= 32767 {
                digitalMax = Int(n.rounded())
                digitalMin = -digitalMax
            }
        }
        let o = TwoLegFrame.offset(of: leg)
        return (0..<3).map {
            EDFWriter.Signal(
                label: labels[o + $0], transducer: "3-axis accelerometer", physicalDimension: "g",
                physicalMinimum: -range, physicalMaximum: range, digitalMinimum: digitalMin, digitalMaximum: digitalMax,
                samplesPerRecord: perRecord)
        }
    }

    /// Writes a whole recording as EDF+C (atomic: temporary file, fsync, rename), keeping what EDF itself cannot:
    /// - each leg's missing samples (`gaps`, from `LegGap.scan` of the same frames) are written as 0 g with an
    ///   annotation `gap/left` or `gap/right` (`LunaLabels.gap`) spanning them, which plm's EDF reader reads back
    ///   as missing;
    /// - the padding of the last data record is written as 0 g with an annotation `padding` at its first frame,
    ///   which plm's EDF reader drops, so the frame count is kept;
    /// - samples on the device's grid are stored exactly where the source states its resolution (`legSignals`).
    /// Data records last `recordDuration(rate:)`; physical range ± the source's range (16 g when it states none).
    /// - Parameter resolution: the samples' grid, g, when known better than the source states it (`LegGap.scan`).
    public static func writeRecording<S: FrameSource>(
        _ source: inout S, gaps: [LegGap], resolution: Double? = nil, annotations: [EDFAnnotation] = [], to url: URL,
        start: EDFStartTime, patient: String = "X X X X", recordingID: String = "X X X"
    ) throws {
        let d = source.description
        guard let seconds = recordDuration(rate: d.sampleRate) else {
            throw EDFError(
                file: url.path, offset: 0,
                message: "\(d.sampleRate) Hz gives no whole number of samples in a data record of 1 to 60 s")
        }
        let perRecord = Int((d.sampleRate * Double(seconds)).rounded())
        let range = d.rangeG ?? 16
        let legs = [Leg.left, .right].filter { d.legs.contains($0) }
        guard !legs.isEmpty else { throw EDFError(file: url.path, offset: 0, message: "the source has no leg to write") }
        let step = [resolution, d.resolutionG].compactMap { $0 }.first { r in
            let n = range / r
            return abs(n - n.rounded()) < 1e-9 * max(1, n) && n.rounded() <= 32767
        }
        let signals = legs.flatMap { legSignals($0, range: range, resolution: step, perRecord: perRecord) }
        let slots = legs.flatMap { leg in (0..<3).map { TwoLegFrame.offset(of: leg) + $0 } }
        let rate = d.sampleRate
        var notes = annotations
        for g in gaps {
            notes.append(
                EDFAnnotation(
                    onset: Double(g.from) / rate, duration: Double(g.to - g.from) / rate, text: LunaLabels.gap(g.leg)))
        }
        // Annotations by the record holding their onset (in time order, as given at equal onsets).
        let recordLength = Double(seconds)
        var bins: [Int: [EDFAnnotation]] = [:]
        for a in notes.enumerated().sorted(by: { ($0.element.onset, $0.offset) < ($1.element.onset, $1.offset) }) {
            bins[max(0, Int((a.element.onset / recordLength).rounded(.down))), default: []].append(a.element)
        }
        let padding = EDFWriter.tal(EDFAnnotation(onset: 99_999_999, duration: nil, text: LunaLabels.padding)).count
        let capacity = (bins.map { (r, list) in
            EDFWriter.timeKeepingTAL(Double(r) * recordLength).count + list.reduce(0) { $0 + EDFWriter.tal($1).count }
        }.max() ?? 0) + padding + EDFWriter.timeKeepingTAL(99_999_999).count
        let writer = try EDFWriter(
            to: url, start: start, patient: patient, recordingID: recordingID, recordDuration: recordLength,
            signals: signals, annotationBytesPerRecord: max(capacity, 64))
        do {
            var record = 0
            let records = try EDFExport.forEachDigitalRecord(
                &source, perRecord: perRecord, slots: slots, signals: signals
            ) { digital, got, last in
                var list = bins[record] ?? []
                if last {
                    list += bins.filter { $0.key > record }.sorted { $0.key < $1.key }.flatMap(\.value)
                    if got < perRecord {
                        list.append(
                            EDFAnnotation(
                                onset: (Double(record * perRecord + got)) / rate, duration: nil, text: LunaLabels.padding))
                    }
                }
                try writer.appendRecord(digital: digital, annotations: list)
                record += 1
            }
            guard records > 0 else {
                throw EDFError(file: url.path, offset: 0, message: "the recording holds no frames to write")
            }
            try writer.finish()
        } catch {
            writer.cancel()
            throw error
        }
    }
}

/// Writes frames as a `.plmrec` (docs/recording-format.md, section 1): each leg as one sensor at the source's rate
/// and the smallest of ±2, 4, 8, 16 g covering its range, samples as counts (range / 32768 g each, rounded; exact
/// for samples on a power-of-two grid such as 1/256 g), packed by the firmware's `FramePacker`; a missing sample
/// is a lost sample. Clock anchors every 60 s as the simulator writes them. Atomic (temporary file, rename).
public enum PlmrecExport {
    /// The sensor range for a source range: the smallest of 2, 4, 8, 16 g at or above it (16 g when unknown).
    public static func sensorRange(_ rangeG: Double?) -> UInt8 {
        guard let r = rangeG, r > 0 else { return 16 }
        return [2, 4, 8, 16].first { Double($0) >= r - 1e-9 } ?? 16
    }

    /// Device clocks of the written sensors start here, µs (as the simulator's).
    static let deviceClockStart: UInt64 = 3_600_000_000

    /// - Parameters:
    ///   - startUnixMicroseconds: the recording's start (UTC µs) for the header.
    ///   - serials: a serial number per leg for the sensor records (default `CONVERTED-L`, `CONVERTED-R`).
    public static func write<S: FrameSource>(
        _ source: inout S, to url: URL, startUnixMicroseconds: Int64, creator: String = "plm convert",
        serials: [Leg: String] = [:]
    ) throws {
        let d = source.description
        let rate = d.sampleRate
        guard rate == rate.rounded(), rate >= 1, rate <= 65535 else {
            throw InputError(file: url.path, message: "a .plmrec sensor samples at a whole number of Hz; the recording has \(rate) Hz")
        }
        let range = sensorRange(d.rangeG)
        let legs = [Leg.left, .right].filter { d.legs.contains($0) }
        guard !legs.isEmpty else { throw InputError(file: url.path, message: "the source has no leg to write") }
        let header = PlmrecHeader(
            creator: creator, softwareVersion: "0.1.0",
            startTime: HostClock.iso8601(unixMicroseconds: startUnixMicroseconds, offsetSeconds: 0),
            startUnixMicroseconds: startUnixMicroseconds, monotonicAnchor: 0,
            sensors: legs.map {
                PlmrecSensor(
                    serialNumber: serials[$0] ?? "CONVERTED-\($0 == .left ? "L" : "R")", side: $0 == .left ? .left : .right,
                    accelerometerModel: 0xFE, sampleRate: UInt16(rate), rangeG: range)
            })
        var out = try PlmrecSampleWriter(to: url, header: header, sampleRate: rate, rangeG: range)
        let countsPerG = 32768 / Double(range)
        func count(_ v: Float) -> Int16 { Int16(clamping: Int((Double(v) * countsPerG).rounded())) }
        var buffer: [Float] = []
        while true {
            buffer.removeAll(keepingCapacity: true)
            let n = try source.read(into: &buffer, maxFrames: 4096)
            if n == 0 { break }
            for i in 0..<n {
                for (k, leg) in legs.enumerated() {
                    let o = i * TwoLegFrame.channels + TwoLegFrame.offset(of: leg)
                    let x = buffer[o], y = buffer[o + 1], z = buffer[o + 2]
                    if x.isFinite && y.isFinite && z.isFinite {
                        try out.add(sensor: k, x: count(x), y: count(y), z: count(z), present: true)
                    } else {
                        try out.add(sensor: k, x: 0, y: 0, z: 0, present: false)
                    }
                }
                try out.endFrame()
            }
        }
        try out.finish()
    }
}

/// Writes count samples, one sampling instant at a time for every sensor of the header, as a `.plmrec`: packed into
/// sensor frames by the firmware's `FramePacker` (device clocks from `PlmrecExport.deviceClockStart`), a clock
/// anchor per sensor every 60 s of frames, a block flushed every 10 s. The file is written under a temporary name and
/// renamed into place by `finish()`; dropped unfinished, the temporary file is removed. Shared by `PlmrecExport`
/// and the simulator (`plm simulate`).
public struct PlmrecSampleWriter: ~Copyable {
    /// Seconds between clock anchors, and between flushed blocks (as the daemon writes them).
    static let anchorSeconds = 60.0
    static let blockSeconds = 10.0

    let url: URL
    let tmp: URL
    let writer: PlmrecWriter
    var packers: [FramePacker]
    let rate: Double
    let anchorEvery: Int64
    let blockEvery: Int64
    var frame: Int64 = 0
    var finished = false

    /// - Parameters:
    ///   - sampleRate: Hz, the same for every sensor; `rangeG` the sensors' full scale (counts are range / 32768 g).
    public init(to url: URL, header: PlmrecHeader, sampleRate: Double, rangeG: UInt8) throws {
        self.url = url
        tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        try? FileManager.default.removeItem(at: tmp)
        writer = try PlmrecWriter.create(at: tmp, header: header)
        rate = sampleRate
        packers = header.sensors.map { _ in
            FramePacker(sampleRate: sampleRate, rangeG: rangeG, startTime: PlmrecExport.deviceClockStart)
        }
        anchorEvery = max(1, Int64((Self.anchorSeconds * sampleRate).rounded()))
        blockEvery = max(1, Int64((Self.blockSeconds * sampleRate).rounded()))
    }

    deinit {
        if !finished { try? FileManager.default.removeItem(at: tmp) }
    }

    /// Host time of frame boundary `f` (frames since the start), µs.
    func hostTime(_ f: Int64) -> Microseconds { Microseconds((Double(f) * 1_000_000 / rate).rounded()) }

    /// Sensor `sensor`'s sample at the current instant (`present` false: the sample was lost).
    public mutating func add(sensor k: Int, x: Int16, y: Int16, z: Int16, present: Bool) throws {
        if frame % anchorEvery == 0 {
            try writer.appendClockAnchor(
                sensor: k, hostTime: hostTime(frame),
                deviceTime: PlmrecExport.deviceClockStart + UInt64(hostTime(frame)))
        }
        let bytes = present ? packers[k].add(x: x, y: y, z: z) : packers[k].lose(1)
        if let bytes { try writer.appendFrame(sensor: k, hostTime: hostTime(frame + 1), bytes: bytes) }
    }

    /// Ends the current instant (after `add` for every sensor).
    public mutating func endFrame() throws {
        if (frame + 1) % blockEvery == 0 { try writer.flush() }
        frame += 1
    }

    /// Writes the sensors' partial frames, closes the file and renames it into place.
    public consuming func finish() throws {
        for k in packers.indices {
            if let bytes = packers[k].flush() {
                try writer.appendFrame(sensor: k, hostTime: hostTime(frame), bytes: bytes)
            }
        }
        try writer.close()
        guard rename(tmp.path, url.path) == 0 else {
            throw InputError(file: url.path, message: "cannot rename the finished recording into place")
        }
        finished = true
    }
}
