import AccelerationSignal
import EDFFormat
import Foundation
import LegMovementScoring

/// Recognises accelerometer channel labels and units of other recorders.
public enum AccelerationLabels {
    /// Leg and axis (0 x, 1 y, 2 z) of a label such as `ACC L X`, `Left Acc X`, `accel_left_x`,
    /// `LeftAnkle_ACC_x`, `Acc_R_Z`, `RightAnkle ACC Y` (case-insensitive). `requireAccelerationWord`: the label
    /// must also say acc/accel/accelerometer/acceleration (set it to false when the unit already says so).
    public static func parse(_ label: String, requireAccelerationWord: Bool = true) -> (leg: Leg, axis: Int)? {
        let tokens = tokenize(label)
        var legs: Set<Leg> = []
        var axes: Set<Int> = []
        var accelerationWord = false
        for t in tokens {
            switch t {
            case "l", "left", "lt", "lft": legs.insert(.left)
            case "r", "right", "rt", "rgt": legs.insert(.right)
            case "x": axes.insert(0)
            case "y": axes.insert(1)
            case "z": axes.insert(2)
            case "acc", "accel", "accl", "acceleration", "accelerometer", "accelerometry", "acceleromter": accelerationWord = true
            default: break
            }
        }
        guard legs.count == 1, axes.count == 1, let leg = legs.first, let axis = axes.first else { return nil }
        guard accelerationWord || !requireAccelerationWord else { return nil }
        return (leg, axis)
    }

    /// Lower-case words of a label: split at non-alphanumerics, lower-to-upper case changes (`LeftAnkle`) and
    /// letter/digit changes; `accx` also yields `acc` and `x`.
    static func tokenize(_ label: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var previous: Character?
        func close() {
            if !current.isEmpty { tokens.append(current.lowercased()) }
            current = ""
        }
        for c in label {
            guard c.isLetter || c.isNumber else {
                close()
                previous = nil
                continue
            }
            if let p = previous, (p.isLowercase && c.isUppercase) || (p.isLetter != c.isLetter) { close() }
            current.append(c)
            previous = c
        }
        close()
        var out: [String] = []
        for t in tokens {
            out.append(t)
            for prefix in ["accel", "acc"] where t.count == prefix.count + 1 && t.hasPrefix(prefix) {
                out += [prefix, String(t.suffix(1))]
            }
        }
        return out
    }

    /// Factor from a physical unit to g: `g` 1, `mg` 0.001, `m/s^2` (`m/s2`, `m/s²`, `ms-2`) 1/9.80665; nil for
    /// anything else.
    public static func gPerUnit(_ unit: String) -> Double? {
        let u = unit.lowercased().filter { !$0.isWhitespace }
        switch u {
        case "g": return 1
        case "mg": return 0.001
        case "m/s^2", "m/s2", "m/s²", "ms-2", "ms^-2", "m*s^-2", "m·s-2", "m·s^-2", "m/s/s", "mps2": return 1 / 9.80665
        default: return nil
        }
    }
}

/// An EDF/EDF+ file's accelerometer channels as two-leg frames in g, read one data record at a time.
/// EDF+D files: each data record starts at its time-keeping TAL; frames between records are NaN.
public struct EDFAccelerationSource: FrameSource, ReadingFindings {
    public struct Channel: Sendable, Equatable {
        public var signal: Int
        public var label: String
        public var leg: Leg
        public var axis: Int
        /// g per physical unit.
        public var gPerUnit: Double
    }

    public let description: SignalDescription
    public let header: EDFHeader
    public let channels: [Channel]
    private let reader: EDFRecordReader
    private let url: URL
    private var record = 0
    private var pending: [Float] = []
    private var pendingIndex = 0
    private var frameIndex: Int64 = 0
    private let samplesPerRecord: Int
    /// Records read: all, unless a record lies beyond the limits (`RecordingLimits`), which ends the recording.
    private let usableRecords: Int
    /// Missing frames still to give before the next record (an EDF+D gap), never held in memory.
    private var pendingGap: Int64 = 0
    /// Spans a `gap/left` or `gap/right` annotation marks as missing (`EDFExport.writeRecording`): leg, first
    /// frame, frame after the last. Applied to each record as it is loaded (the annotation is in the record
    /// holding its onset, so before any of its frames is given).
    private var gapSpans: [(leg: Leg, from: Int64, to: Int64)] = []
    public private(set) var readingFindings: [String] = []
    public private(set) var samplesExcluded = 0

    public init(url: URL) throws {
        self.url = url
        reader = try EDFRecordReader(contentsOf: url)
        let h = reader.header
        header = h
        let path = url.path
        let ns = h.signals.count
        func labelOffset(_ i: Int) -> Int { 256 + 16 * i }
        func unitOffset(_ i: Int) -> Int { 256 + ns * (16 + 80) + 8 * i }
        var found: [Channel] = []
        for (i, s) in h.signals.enumerated() where !s.isAnnotations {
            let unitFactor = AccelerationLabels.gPerUnit(s.physicalDimension)
            guard let (leg, axis) = AccelerationLabels.parse(s.label, requireAccelerationWord: unitFactor == nil)
            else { continue }
            guard let factor = unitFactor else {
                throw EDFError(
                    file: path, offset: unitOffset(i),
                    message: "accelerometer channel '\(s.label)': expected the unit g, mg or m/s^2, "
                        + "found '\(s.physicalDimension)'")
            }
            if let other = found.first(where: { $0.leg == leg && $0.axis == axis }) {
                throw EDFError(
                    file: path, offset: labelOffset(i),
                    message: "channels '\(other.label)' and '\(s.label)' are both the \(leg.name) "
                        + "leg's \(["x", "y", "z"][axis]) axis")
            }
            found.append(Channel(signal: i, label: s.label, leg: leg, axis: axis, gPerUnit: factor))
        }
        guard !found.isEmpty else {
            throw EDFError(
                file: path, offset: 256,
                message: "expected accelerometer channels labelled like 'ACC L X' or 'Acc_R_Z' with unit g, mg or "
                    + "m/s^2; found " + h.signals.map { "'\($0.label)'" }.joined(separator: ", "))
        }
        var legs: [Leg] = []
        for leg in [Leg.left, .right] {
            let axes = found.filter { $0.leg == leg }.map(\.axis).sorted()
            guard !axes.isEmpty else { continue }
            guard axes == [0, 1, 2] else {
                let name = leg.name
                let first = found.first { $0.leg == leg }
                throw EDFError(
                    file: path, offset: labelOffset(first?.signal ?? 0),
                    message: "the \(name) leg has axes \(axes.map { ["x", "y", "z"][$0] }.joined(separator: ", ")); "
                        + "expected x, y and z")
            }
            legs.append(leg)
        }
        let counts = Set(found.map { h.signals[$0.signal].samplesPerRecord })
        guard counts.count == 1, let perRecord = counts.first else {
            let list = found.map {
                "'\($0.label)' \(h.signals[$0.signal].samplesPerRecord) samples per record"
            }.joined(separator: ", ")
            throw EDFError(
                file: path, offset: 256 + ns * 216,
                message: "the accelerometer channels must share one sample rate: \(list)")
        }
        guard h.recordDuration > 0, perRecord > 0 else {
            throw EDFError(file: path, offset: 244, message: "expected a positive data record duration and sample count")
        }
        let rate = Double(perRecord) / h.recordDuration
        if let problem = RecordingLimits.sampleRateProblem(rate) {
            throw EDFError(
                file: path, offset: 244,
                message: "\(perRecord) samples per data record of \(h.recordDuration) s: \(problem)")
        }
        samplesPerRecord = perRecord
        let bounds = try EDFAccelerationSource.recordBounds(reader: reader, path: path, sampleRate: rate)
        usableRecords = bounds.records
        readingFindings = bounds.findings
        channels = found.sorted { ($0.leg == .right ? 3 : 0) + $0.axis < ($1.leg == .right ? 3 : 0) + $1.axis }
        let range = channels.map { c -> Double in
            let s = h.signals[c.signal]
            return max(abs(s.physicalMinimum), abs(s.physicalMaximum)) * c.gPerUnit
        }.max()
        let resolution = channels.map { abs(h.signals[$0.signal].gain) * $0.gPerUnit }.max()
        description = SignalDescription(sampleRate: rate, legs: legs, rangeG: range, resolutionG: resolution)
    }

    /// How many records lie within the limits, and why the rest (if any) are not read. EDF+D: every record's
    /// time-keeping TAL is read first (only those bytes); a record that starts before the previous one ends is an
    /// error naming its byte offset (its samples would otherwise be dropped without a word); a gap longer than
    /// `RecordingLimits.maxGap` or a start past `RecordingLimits.maxDuration` ends the recording there.
    static func recordBounds(reader: EDFRecordReader, path: String, sampleRate: Double) throws
        -> (records: Int, findings: [String])
    {
        let h = reader.header
        let duration = h.recordDuration
        guard h.isDiscontinuous, let tk = h.timekeepingSignal else {
            let fit = Int(min(Double(h.recordCount), (RecordingLimits.maxDuration / duration).rounded(.down)))
            guard fit < h.recordCount else { return (h.recordCount, []) }
            return (
                fit,
                [
                    "byte \(h.recordOffset(fit)): data record \(fit) starts at \(fit) × \(duration) s, past the "
                        + "longest recording read (\(Int(RecordingLimits.maxDuration / 3600)) h); the recording ends there"
                ]
            )
        }
        let tkOffset = h.signalOffset(tk)
        let tkSize = 2 * h.signals[tk].samplesPerRecord
        let halfSample = 0.5 / sampleRate
        var previousEnd: Double?
        for i in 0..<h.recordCount {
            let bytes = try reader.bytes(inRecord: i, offset: tkOffset, count: tkSize)
            let at = h.recordOffset(i) + tkOffset
            guard let start = try h.recordStart(timekeeping: bytes[...], recordIndex: i) else { break }
            guard start >= -halfSample else {
                throw EDFError(
                    file: path, offset: at, message: "data record \(i) starts at \(start) s, before the file's start time")
            }
            if let end = previousEnd, start < end - halfSample {
                throw EDFError(
                    file: path, offset: at,
                    message: "data record \(i) starts at \(start) s, before the previous record ends (\(end) s): "
                        + "EDF+D records must be in time order and must not overlap")
            }
            let gap = start - (previousEnd ?? 0)
            if start + duration > RecordingLimits.maxDuration || (previousEnd != nil && gap > RecordingLimits.maxGap) {
                let why = start + duration > RecordingLimits.maxDuration
                    ? "past the longest recording read (\(Int(RecordingLimits.maxDuration / 3600)) h)"
                    : "after a gap of \(gap) s (more than \(Int(RecordingLimits.maxGap / 3600)) h without data)"
                return (i, ["byte \(at): data record \(i) starts at \(start) s, \(why); the recording ends there"])
            }
            previousEnd = start + duration
        }
        return (h.recordCount, [])
    }

    /// Every annotation of the file (time-keeping TALs left out), read record by record.
    public func annotations() throws -> [EDFAnnotation] {
        guard header.signals.contains(where: \.isAnnotations) else { return [] }
        let r = try EDFRecordReader(contentsOf: url)
        var out: [EDFAnnotation] = []
        for i in 0..<header.recordCount {
            out += try header.annotations(inRecord: try r.record(i), recordIndex: i)
        }
        return out
    }

    private mutating func loadRecord() throws -> Bool {
        guard record < usableRecords else { return false }
        let bytes = try reader.record(record)
        var firstFrame = Int64(record) * Int64(samplesPerRecord)
        // recordBounds checked every start: finite, at most 48 h, so the frame number fits easily.
        if header.isDiscontinuous, let start = try header.recordStart(inRecord: bytes, recordIndex: record) {
            firstFrame = Int64((max(0, start) * description.sampleRate).rounded())
        }
        pending.removeAll(keepingCapacity: true)
        pendingIndex = 0
        // A gap before this record (EDF+D): its missing frames are given by `read` without being held.
        pendingGap = max(0, firstFrame - frameIndex)
        let skip = max(0, Int(frameIndex + pendingGap - firstFrame))  // within half a sample: keep the earlier
        let base = pending.count
        let frames = max(0, samplesPerRecord - skip)
        var excluded = 0
        pending.append(contentsOf: repeatElement(Float.nan, count: frames * TwoLegFrame.channels))
        bytes.withUnsafeBufferPointer { data in
            pending.withUnsafeMutableBufferPointer { out in
                for c in channels {
                    let s = header.signals[c.signal]
                    // The signal's little-endian 16-bit samples, straight from the record's bytes (a signal cut
                    // short by the record's end gives none, as EDFHeader.digitalSamples).
                    let first = header.signalOffset(c.signal)
                    guard first + 2 * s.samplesPerRecord <= data.count else { continue }
                    let end = min(samplesPerRecord, s.samplesPerRecord)
                    guard skip < end else { continue }
                    let gain = s.gain
                    let physicalMinimum = s.physicalMinimum
                    let digitalMinimum = Double(s.digitalMinimum)
                    let gPerUnit = c.gPerUnit
                    // Digital values beyond the declared digital range are not measurements: missing, counted.
                    let low = Int16(clamping: s.digitalMinimum)
                    let high = Int16(clamping: s.digitalMaximum)
                    var o = base + TwoLegFrame.offset(of: c.leg) + c.axis
                    var b = first + 2 * skip
                    for _ in skip..<end {
                        let digital = Int16(bitPattern: UInt16(data[b]) | UInt16(data[b + 1]) << 8)
                        let physical = physicalMinimum + (Double(digital) - digitalMinimum) * gain
                        let g = Float(physical * gPerUnit)
                        if digital < low || digital > high || !g.isFinite {
                            excluded += 1
                        } else {
                            out[o] = g
                        }
                        o += TwoLegFrame.channels
                        b += 2
                    }
                }
            }
        }
        try applyGapAnnotations(bytes, firstFrame: frameIndex + pendingGap, frames: frames)
        if excluded > 0 {
            if samplesExcluded == 0 {
                readingFindings.append(
                    "byte \(header.recordOffset(record)): data record \(record) holds samples outside the channels' "
                        + "declared digital range; such samples are read as missing")
            }
            samplesExcluded += excluded
        }
        record += 1
        return true
    }

    /// Reads the record's `gap/<leg>` annotations (`LunaLabels.gap`) and sets the frames they cover to NaN:
    /// plm writes a leg's missing samples as 0 g with such an annotation (EDF keeps no missing value).
    /// Cheap when the record holds only its time-keeping TAL.
    private mutating func applyGapAnnotations(_ bytes: [UInt8], firstFrame: Int64, frames: Int) throws {
        if let tk = header.timekeepingSignal {
            let start = header.signalOffset(tk)
            let end = min(bytes.count, start + 2 * header.signals[tk].samplesPerRecord)
            // The time-keeping TAL ends at its first 0 byte; another TAL follows only if the next byte is not 0.
            if start < end, let zero = bytes[start..<end].firstIndex(of: 0), zero + 1 < end, bytes[zero + 1] != 0 {
                let rate = description.sampleRate
                for a in try header.annotations(inRecord: bytes, recordIndex: record) {
                    // The padding of the last data record (`LunaLabels.padding`) is not part of the recording.
                    if a.text == LunaLabels.padding, record == usableRecords - 1 {
                        let from = Int64((a.onset * rate).rounded())
                        if from >= firstFrame, from < firstFrame + Int64(frames) {
                            pending.removeLast((frames - Int(from - firstFrame)) * TwoLegFrame.channels)
                        }
                        continue
                    }
                    guard let leg = LunaLabels.gapLeg(a.text), let d = a.duration, d > 0 else { continue }
                    gapSpans.append(
                        (leg, Int64((a.onset * rate).rounded()), Int64(((a.onset + d) * rate).rounded())))
                }
            }
        }
        let frames = pending.count / TwoLegFrame.channels
        guard !gapSpans.isEmpty, frames > 0 else { return }
        let last = firstFrame + Int64(frames)
        for span in gapSpans where span.from < last && span.to > firstFrame {
            let o = TwoLegFrame.offset(of: span.leg)
            for f in max(span.from, firstFrame)..<min(span.to, last) {
                let i = Int(f - firstFrame) * TwoLegFrame.channels + o
                pending[i] = .nan
                pending[i + 1] = .nan
                pending[i + 2] = .nan
            }
        }
        gapSpans.removeAll { $0.to <= last }
    }

    public mutating func read(into buffer: inout [Float], maxFrames: Int) throws -> Int {
        var n = 0
        while n < maxFrames {
            if pendingGap > 0 {
                let k = Int(min(pendingGap, Int64(maxFrames - n)))
                buffer.append(contentsOf: repeatElement(Float.nan, count: k * TwoLegFrame.channels))
                pendingGap -= Int64(k)
                frameIndex += Int64(k)
                n += k
                continue
            }
            if pendingIndex >= pending.count {
                guard try loadRecord() else { break }
                continue
            }
            let available = (pending.count - pendingIndex) / TwoLegFrame.channels
            let take = min(available, maxFrames - n)
            buffer.append(contentsOf: pending[pendingIndex..<(pendingIndex + take * TwoLegFrame.channels)])
            pendingIndex += take * TwoLegFrame.channels
            frameIndex += Int64(take)
            n += take
        }
        return n
    }
}
