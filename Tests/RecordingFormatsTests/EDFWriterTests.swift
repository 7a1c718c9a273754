import AccelerationSignal
import EDFFormat
import Foundation
import LegMovementScoring
import RecordingFormats
import TestSupport
import Testing

@Suite("EDF+ writer")
struct EDFWriterTests {
    static let start = EDFStartTime(year: 2026, month: 1, day: 5, hour: 22, minute: 14, second: 3)

    static let annotations = [
        EDFAnnotation(onset: 0, duration: nil, text: LunaLabels.lightsOff),
        EDFAnnotation(onset: 1.25, duration: 0.75, text: LunaLabels.legMovement(.left)),
        EDFAnnotation(onset: 1.5, duration: 0.5, text: LunaLabels.legMovement(.right)),
        EDFAnnotation(onset: 3.000001, duration: 2.5, text: LunaLabels.legMovement(.both, periodic: true)),
        EDFAnnotation(onset: 7.125, duration: 1, text: LunaLabels.legMovement(.left, periodic: true)),
        EDFAnnotation(onset: 9.5, duration: nil, text: LunaLabels.lightsOn),
    ]

    /// 10.5 s at 100 Hz of both legs (the last half second is padded), in g within ±4 g.
    static func frames() -> InMemoryFrames {
        var values: [Float] = []
        for k in 0..<1050 {
            let t = Double(k) / 100
            for c in 0..<6 { values.append(Float(3.9 * sin(t * Double(c + 1)) * (c == 2 ? 1 : 0.9))) }
        }
        return InMemoryFrames(
            description: SignalDescription(sampleRate: 100, legs: [.left, .right], rangeG: 4), values: values)
    }

    @Test("acceleration and annotations: read back by our reader within one step, annotations exact, atomic")
    func roundTrip() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("night.edf")
        var source = EDFWriterTests.frames()
        try EDFExport.writeAcceleration(
            &source, annotations: EDFWriterTests.annotations, to: url, start: EDFWriterTests.start)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["night.edf"])  // no temporary left
        let file = try EDFFile(contentsOf: url)
        #expect(file.reserved == "EDF+C" && file.recordCount == 11 && file.recordDuration == 1)
        #expect(file.startDate == "05.01.26" && file.startTime == "22.14.03")
        #expect(file.signals.map(\.label) == EDFExport.labels + ["EDF Annotations"])
        #expect(file.signals.allSatisfy { $0.isAnnotations || ($0.physicalDimension == "g" && $0.physicalMaximum == 4) })
        #expect(try file.annotations().map { EDFAnnotation(onset: $0.onset, duration: $0.duration, text: $0.text) } == EDFWriterTests.annotations)
        var back = try EDFAccelerationSource(url: url)
        let frames = try readAll(&back)
        let original = EDFWriterTests.frames().values
        #expect(frames.count == 1100 * 6)
        let step = Float(8.0 / 65535)
        var worst: Float = 0
        for i in 0..<original.count { worst = max(worst, abs(frames[i] - original[i])) }
        #expect(worst <= step / 2 + 1e-6, "worst \(worst)")
        #expect(frames[original.count...].allSatisfy { abs($0) <= step })  // padding: 0 g
        // Byte-stable: the same input gives the same bytes.
        let again = dir.appendingPathComponent("again.edf")
        var source2 = EDFWriterTests.frames()
        try EDFExport.writeAcceleration(
            &source2, annotations: EDFWriterTests.annotations, to: again, start: EDFWriterTests.start)
        #expect(try Data(contentsOf: url) == Data(contentsOf: again))
    }

    @Test("annotation-only EDF+")
    func annotationOnly() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("events.edf")
        try EDFExport.writeAnnotations(EDFWriterTests.annotations, duration: 150, to: url, start: EDFWriterTests.start)
        let file = try EDFFile(contentsOf: url)
        #expect(file.signals.map(\.label) == ["EDF Annotations"])
        #expect(file.recordCount == 3 && file.recordDuration == 60)
        #expect(try file.annotations().map(\.text) == EDFWriterTests.annotations.map(\.text))
    }

    /// Runs Tests/RecordingFormatsTests/interop/check_edf.py (pyedflib and MNE) on `file`.
    static func interop(_ file: URL, signals: [[String: Any]], annotations: [EDFAnnotation]) throws {
        let expected = file.deletingPathExtension().appendingPathExtension("json")
        let json: [String: Any] = [
            "signals": signals,
            "annotations": annotations.map { a -> [String: Any] in
                ["onset": a.onset, "duration": a.duration.map { $0 as Any } ?? NSNull(), "text": a.text]
            },
        ]
        try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]).write(to: expected)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("interop/check_edf.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, file.path, expected.path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        do {
            try process.run()
        } catch {
            Issue.record("cannot run python3 for the EDF interop check (\(error)); install python3 with pyedflib and mne, or set PLM_SKIP_PY_INTEROP=1")
            return
        }
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        switch process.terminationStatus {
        case 0: break
        case 2:
            Issue.record("EDF interop check could not run: \(output) — `pip install pyedflib mne`, or set PLM_SKIP_PY_INTEROP=1")
        case 127:
            Issue.record("python3 not found for the EDF interop check: install it with pyedflib and mne, or set PLM_SKIP_PY_INTEROP=1")
        default:
            Issue.record("pyedflib/MNE disagree with the EDF+ file: \(output)")
        }
    }

    @Test(
        "interop: pyedflib and MNE read the EDF+ back (signals within one step, annotations exact)",
        .disabled(if: ProcessInfo.processInfo.environment["PLM_SKIP_PY_INTEROP"] == "1", "PLM_SKIP_PY_INTEROP=1"))
    func interop() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("night.edf")
        var source = EDFWriterTests.frames()
        try EDFExport.writeAcceleration(
            &source, annotations: EDFWriterTests.annotations, to: url, start: EDFWriterTests.start)
        let values = EDFWriterTests.frames().values
        let signals = (0..<6).map { c -> [String: Any] in
            var column = stride(from: c, to: values.count, by: 6).map { Double(values[$0]) }
            column += [Double](repeating: 0, count: 50)
            return ["label": EDFExport.labels[c], "unit": "g", "sample_rate": 100.0, "step": 8.0 / 65535, "values": column]
        }
        try EDFWriterTests.interop(url, signals: signals, annotations: EDFWriterTests.annotations)

        let events = dir.appendingPathComponent("events.edf")
        try EDFExport.writeAnnotations(EDFWriterTests.annotations, duration: 150, to: events, start: EDFWriterTests.start)
        try EDFWriterTests.interop(events, signals: [], annotations: EDFWriterTests.annotations)
    }

    @Test(
        "interop: a converted recording (device grid, a gap, the padding) reads the same in pyedflib, MNE and plm",
        .disabled(if: ProcessInfo.processInfo.environment["PLM_SKIP_PY_INTEROP"] == "1", "PLM_SKIP_PY_INTEROP=1"))
    func interopRecording() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 3.5 s at 100 Hz of the left leg on the 1/256 g grid, ±8 g; no samples from 1.2 s to 1.7 s.
        var values: [Float] = []
        for k in 0..<350 {
            let missing = k >= 120 && k < 170
            values += missing ? [.nan, .nan, .nan] : [Float(k % 200) / 256, -Float(k % 50) / 256, 1]
            values += [.nan, .nan, .nan]
        }
        let d = SignalDescription(sampleRate: 100, legs: [.left], rangeG: 8, resolutionG: 1.0 / 256)
        var scanned = InMemoryFrames(description: d, values: values)
        let scan = try LegGap.scan(&scanned)
        #expect(scan.gaps == [LegGap(leg: .left, from: 120, to: 170)] && scan.gridStepG == 1.0 / 256)
        let url = dir.appendingPathComponent("converted.edf")
        var source = InMemoryFrames(description: d, values: values)
        try EDFExport.writeRecording(&source, gaps: scan.gaps, to: url, start: EDFWriterTests.start)
        // Other readers see 0 g in the gap and the padding (to 4 s), every other sample exactly, and the two
        // annotations.
        let signals = (0..<3).map { c -> [String: Any] in
            var column = stride(from: c, to: values.count, by: 6).map { values[$0].isNaN ? 0 : Double(values[$0]) }
            column += [Double](repeating: 0, count: 50)
            return ["label": EDFExport.labels[c], "unit": "g", "sample_rate": 100.0, "step": 1e-12, "values": column]
        }
        try EDFWriterTests.interop(
            url, signals: signals,
            annotations: [
                EDFAnnotation(onset: 1.2, duration: 0.5, text: "gap/left"),
                EDFAnnotation(onset: 3.5, duration: nil, text: "padding"),
            ])
        // plm reads the frames back exactly: the gap missing, the padding dropped.
        var back = try EDFAccelerationSource(url: url)
        var frames: [Float] = []
        while try back.read(into: &frames, maxFrames: 64) > 0 {}
        #expect(frames.count == values.count)
        #expect(zip(frames, values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
    }
}
