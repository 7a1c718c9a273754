import AccelerationSignal
import EDFFormat
import Foundation
import LegMovementScoring

/// Annotation labels in Luna's harmonised vocabulary.
public enum LunaLabels {
    public static let lightsOff = "lights_off"
    public static let lightsOn = "lights_on"
    public static let arousalLM = "arousal/lm"

    /// `gap/left`, `gap/right`: the leg has no samples for the annotation's duration (written as 0 g in the
    /// signal, since EDF has no missing value; plm's EDF reader reads them as missing).
    public static func gap(_ leg: Leg) -> String { leg == .right ? "gap/right" : "gap/left" }

    /// `padding`: the frames of the last data record from the annotation's onset on are not part of the recording
    /// (EDF data records all have the same length; plm's EDF reader drops them).
    public static let padding = "padding"

    /// The leg of a `gap/left` or `gap/right` annotation, nil for any other text.
    public static func gapLeg(_ text: String) -> Leg? {
        switch text {
        case "gap/left": .left
        case "gap/right": .right
        default: nil
        }
    }

    /// `LM/left`, `LM/right`, `LM/both`; with `periodic` `PLM/...`. A leg of unknown side is `LM/both`'s
    /// neighbour `LM` (no suffix).
    public static func legMovement(_ leg: Leg, periodic: Bool = false) -> String {
        let base = periodic ? "PLM" : "LM"
        switch leg {
        case .left: return base + "/left"
        case .right: return base + "/right"
        case .both: return base + "/both"
        case .unknown: return base
        }
    }
}

/// Writes EDF+C files: two-leg acceleration with annotations, or annotations alone. Atomic (temporary file, fsync,
/// rename).
public enum EDFExport {
    /// Channel labels by frame slot.
    public static let labels = ["ACC L X", "ACC L Y", "ACC L Z", "ACC R X", "ACC R Y", "ACC R Z"]

    /// The start time fields of a recording start (µs since the Unix epoch, shown at UTC offset `offsetSeconds`);
    /// EDF keeps whole seconds, the fraction is dropped.
    public static func startTime(unixMicroseconds us: Int64, offsetSeconds: Int) -> EDFStartTime {
        let iso = HostClock.iso8601(unixMicroseconds: us, offsetSeconds: offsetSeconds)
        let d = Array(iso.utf8)
        func n(_ a: Int, _ b: Int) -> Int { Int(String(decoding: d[a..<b], as: UTF8.self)) ?? 0 }
        return EDFStartTime(
            year: n(0, 4), month: n(5, 7), day: n(8, 10), hour: n(11, 13), minute: n(14, 16), second: n(17, 19))
    }

    /// Writes the frames of `source` (3 channels per leg that has a sensor, unit g, 16 bits, physical range ±
    /// `rangeG` or the source's range, 1 s records) and `annotations`. Annotations go into the data record that
    /// contains their onset (the last record for onsets after the signal). NaN samples are written as 0 g; a
    /// last partial second is padded with 0 g.
    public static func writeAcceleration<S: FrameSource>(
        _ source: inout S, annotations: [EDFAnnotation], to url: URL, start: EDFStartTime,
        rangeG: Double? = nil, patient: String = "X X X X", recordingID: String = "X X X"
    ) throws {
        let d = source.description
        let rate = d.sampleRate
        guard rate > 0, rate == rate.rounded(), rate <= 65535 else {
            throw EDFError(
                file: url.path, offset: 0, message: "expected a whole-number sample rate for 1 s data records, got \(rate) Hz")
        }
        let perRecord = Int(rate)
        let range = rangeG ?? d.rangeG ?? 16
        let slots = d.legs.flatMap { leg -> [Int] in
            let o = TwoLegFrame.offset(of: leg)
            return [o, o + 1, o + 2]
        }
        guard !slots.isEmpty else {
            throw EDFError(file: url.path, offset: 0, message: "the source has no leg to write")
        }
        let signals = slots.map {
            EDFWriter.Signal(
                label: labels[$0], transducer: "3-axis accelerometer", physicalDimension: "g", physicalMinimum: -range,
                physicalMaximum: range, samplesPerRecord: perRecord)
        }
        // Annotations by record.
        let sorted = annotations.enumerated().sorted { ($0.element.onset, $0.offset) < ($1.element.onset, $1.offset) }
            .map(\.element)
        var bins: [Int: [EDFAnnotation]] = [:]
        for a in sorted { bins[max(0, Int(a.onset.rounded(.down))), default: []].append(a) }
        let maxBin = bins.map { (r, list) in
            EDFWriter.timeKeepingTAL(Double(r)).count + list.reduce(0) { $0 + EDFWriter.tal($1).count }
        }.max() ?? 0
        let capacity = max(maxBin, EDFWriter.timeKeepingTAL(99_999_999).count, 64)
        let writer = try EDFWriter(
            to: url, start: start, patient: patient, recordingID: recordingID, recordDuration: 1, signals: signals,
            annotationBytesPerRecord: capacity)
        do {
            var record = 0
            let records = try forEachDigitalRecord(&source, perRecord: perRecord, slots: slots, signals: signals) {
                digital, _, last in
                var list = bins[record] ?? []
                if last { list += bins.filter { $0.key > record }.sorted { $0.key < $1.key }.flatMap(\.value) }
                try writer.appendRecord(digital: digital, annotations: list)
                record += 1
            }
            if records == 0 {
                // No frames: one record of zeros keeps the annotations.
                let list = bins.sorted { $0.key < $1.key }.flatMap(\.value)
                try writer.appendRecord(
                    digital: signals.map { [Int16](repeating: $0.digital(0), count: perRecord) }, annotations: list)
            }
            try writer.finish()
        } catch {
            writer.cancel()
            throw error
        }
    }

    /// Writes an annotation-only EDF+C file (no signal besides `EDF Annotations`) covering `duration` seconds in
    /// 60 s data records, each annotation in the record containing its onset.
    public static func writeAnnotations(
        _ annotations: [EDFAnnotation], duration: Double, to url: URL, start: EDFStartTime,
        patient: String = "X X X X", recordingID: String = "X X X"
    ) throws {
        let recordDuration = 60.0
        let lastOnset = annotations.map(\.onset).max() ?? 0
        let records = max(1, Int((max(duration, lastOnset) / recordDuration).rounded(.up)))
        var bins = [[EDFAnnotation]](repeating: [], count: records)
        let sorted = annotations.enumerated().sorted { ($0.element.onset, $0.offset) < ($1.element.onset, $1.offset) }
            .map(\.element)
        for a in sorted {
            bins[min(records - 1, max(0, Int((a.onset / recordDuration).rounded(.down))))].append(a)
        }
        let capacity = bins.enumerated().map { (r, list) in
            EDFWriter.timeKeepingTAL(Double(r) * recordDuration).count + list.reduce(0) { $0 + EDFWriter.tal($1).count }
        }.max() ?? 0
        let writer = try EDFWriter(
            to: url, start: start, patient: patient, recordingID: recordingID, recordDuration: recordDuration,
            signals: [], annotationBytesPerRecord: max(capacity, 32))
        do {
            for list in bins { try writer.appendRecord(digital: [], annotations: list) }
            try writer.finish()
        } catch {
            writer.cancel()
            throw error
        }
    }
}

extension EDFExport {
    /// Reads `source` one data record (`perRecord` frames) at a time and digitises the frame slots `slots` with
    /// `signals` (in the same order): a NaN sample, and the padding of a short last record, as the digital value of
    /// 0 g. Calls `body` with each record's samples per signal, the frames it holds and whether it is the last (one
    /// record is held back so that the last is known). Returns the number of records.
    static func forEachDigitalRecord<S: FrameSource>(
        _ source: inout S, perRecord: Int, slots: [Int], signals: [EDFWriter.Signal],
        _ body: (_ digital: [[Int16]], _ frames: Int, _ last: Bool) throws -> Void
    ) throws -> Int {
        var frames: [Float] = []
        frames.reserveCapacity(perRecord * TwoLegFrame.channels)
        var held: (digital: [[Int16]], frames: Int)?
        var records = 0
        while true {
            frames.removeAll(keepingCapacity: true)
            var got = 0
            while got < perRecord {
                let n = try source.read(into: &frames, maxFrames: perRecord - got)
                if n == 0 { break }
                got += n
            }
            if got == 0 { break }
            var digital: [[Int16]] = []
            for (k, slot) in slots.enumerated() {
                var column = [Int16](repeating: signals[k].digital(0), count: perRecord)
                for i in 0..<got {
                    let v = frames[i * TwoLegFrame.channels + slot]
                    if v.isFinite { column[i] = signals[k].digital(Double(v)) }
                }
                digital.append(column)
            }
            if let h = held { try body(h.digital, h.frames, false) }
            held = (digital, got)
            records += 1
            if got < perRecord { break }
        }
        if let h = held { try body(h.digital, h.frames, true) }
        return records
    }
}
