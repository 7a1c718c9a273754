import AccelerationSignal
import EDFFormat
import Foundation
import LegMovementScoring
import NightAnalysis
import NightPipeline
import NightSimulation
import RecordingFormats
import ScoreExport
import TestSupport
import Testing

/// `plm convert` round trips and `plm-replay --left --right`, on a simulated night written as research devices'
/// files by `DeviceFiles` (TestSupport, from the published layouts).
@Suite("Research device files: conversion and one device per ankle", .serialized)
struct DeviceConversionTests {
    static let rate = 50
    /// 2024-03-10 22:00:00 (device clock; the files say UTC+0).
    static let start = 1_710_108_000

    /// Half an hour of a severe night at 50 Hz, ±8 g (samples on the 1/256 g grid of the simulated 12-bit sensor,
    /// which every device format here stores exactly), cut to whole seconds.
    static let night: [Float] = {
        var s = SimulationSettings.clean(seed: 5, severity: .severe)
        s.sampleRate = Double(rate)
        s.hoursInBed = 0.5
        s.range = .g8
        guard let (_, frames, _) = try? simulate(s) else { return [] }
        let seconds = frames.count / 6 / rate
        return Array(frames.prefix(seconds * rate * 6))
    }()

    /// One leg's x y z per frame.
    static func leg(_ leg: Leg, gaps: [Range<Int>] = []) -> [Float] {
        let o = leg == .left ? 0 : 3
        var out: [Float] = []
        out.reserveCapacity(night.count / 2)
        for f in 0..<(night.count / 6) {
            let missing = gaps.contains { $0.contains(f) }
            for a in 0..<3 { out.append(missing ? .nan : night[6 * f + o + a]) }
        }
        return out
    }

    func write(_ bytes: [UInt8], _ dir: URL, _ name: String) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    func replay(_ url: URL, _ dir: URL) throws -> (events: String, summary: [String: Any]) {
        let out = dir.appendingPathComponent("out-\(url.lastPathComponent)")
        _ = try NightPipeline.replay(url, to: out, options: .init())
        return try read(out)
    }

    func read(_ out: URL) throws -> (events: String, summary: [String: Any]) {
        let events = try String(contentsOf: out.appendingPathComponent("lm_events.tsv"), encoding: .utf8)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json")))
        return (events, json as? [String: Any] ?? [:])
    }

    /// summary.json without what names the file and what its reader found in it (byte offsets of the device
    /// file's gaps): `input.file`, `input.format`, `input.warnings`, `data_quality.reading`, and a `.plmrec`'s
    /// own block and frame counts (`data_quality.recording`, which only a `.plmrec` has).
    static func comparable(_ summary: [String: Any]) -> NSDictionary {
        var s = summary
        if var input = s["input"] as? [String: Any] {
            input["file"] = nil
            input["format"] = nil
            input["warnings"] = nil
            s["input"] = input
        }
        if var q = s["data_quality"] as? [String: Any] {
            q["reading"] = nil
            q["recording"] = nil
            s["data_quality"] = q
        }
        return s as NSDictionary
    }

    @Test(
        "a .gt3x, .cwa and GENEActiv .bin convert to EDF, CSV and .plmrec; each replays to the same events and summary",
        arguments: ["gt3x", "cwa", "bin"])
    func roundTrip(_ kind: String) throws {
        let dir = try temporaryDirectory("roundTrip\(kind)")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(DeviceConversionTests.night.count > 6 * 50 * 1500)
        // A gap of 90 s from 600 s (whole seconds, as a .gt3x has them), kept as missing through every format.
        let xyz = DeviceConversionTests.leg(.left, gaps: [(600 * 50)..<(690 * 50)])
        let r = DeviceConversionTests.rate, t0 = DeviceConversionTests.start
        let bytes: [UInt8]
        switch kind {
        case "gt3x": bytes = DeviceFiles.gt3x(xyz: xyz, rate: r, start: t0, idleSleepGaps: true)
        case "cwa": bytes = DeviceFiles.cwa(xyz: xyz, rate: r, start: t0)
        default: bytes = DeviceFiles.geneactiv(xyz: xyz, rate: r, start: t0)
        }
        let original = try write(bytes, dir, "night.\(kind)")
        let reference = try replay(original, dir)
        #expect(reference.events.split(separator: "\n").count > 30, "a severe half hour has dozens of LMs")
        let gaps = ((reference.summary["data_quality"] as? [String: Any])?["legs"] as? [String: Any])?["left"]
            as? [String: Any]
        #expect(gaps?["gap_count"] as? Int == 1)
        for ext in ["edf", "csv", "plmrec"] {
            let converted = dir.appendingPathComponent("converted.\(ext)")
            let report = try RecordingConversion.convert(original, to: converted)
            #expect(report.frames == Int64(xyz.count / 3), "\(ext)")
            #expect(report.gaps == 1, "\(ext)")
            let again = try replay(converted, dir)
            if kind == "bin" && ext == "plmrec" {
                // GENEActiv samples are calibrated per axis, `(raw × 100 − offset) / gain`: on no grid, so a .plmrec's
                // counts of 8/32768 g round them (by at most 0.12 mg), which moves an onset or an end by a frame.
                // The same movements, each within one frame (20 ms) of the original's.
                let a = Self.movements(again.events), b = Self.movements(reference.events)
                #expect(a.count == b.count)
                for (x, y) in zip(a, b) {
                    #expect(abs(x.onset - y.onset) <= 0.021 && abs(x.end - y.end) <= 0.021 && x.side == y.side)
                }
                continue
            }
            #expect(again.events == reference.events, "\(kind) → \(ext): lm_events.tsv")
            #expect(
                DeviceConversionTests.comparable(again.summary) == DeviceConversionTests.comparable(reference.summary),
                "\(kind) → \(ext): summary.json")
        }
        // No temporary file is left beside the outputs.
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }
        #expect(left.isEmpty)
    }

    /// Onset, end and side of each row of an lm_events.tsv.
    static func movements(_ tsv: String) -> [(onset: Double, end: Double, side: String)] {
        tsv.split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            let onset = Double(f[0]) ?? .nan
            return (onset, onset + (Double(f[1]) ?? .nan), String(f[2]))
        }
    }

    @Test("EDF: a device's 1/256 g samples are stored exactly, gaps as gap/left annotations, the padding marked")
    func edfLayout() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 10.5 s at 50 Hz: 525 frames, a gap from 2 s to 3 s.
        var xyz: [Float] = []
        for i in 0..<525 { xyz += [Float(i % 256) / 256, -Float(i % 100) / 256, 1] }
        for i in 100..<150 { xyz[3 * i] = .nan; xyz[3 * i + 1] = .nan; xyz[3 * i + 2] = .nan }
        let cwa = try write(DeviceFiles.cwa(xyz: xyz, rate: 50, start: DeviceConversionTests.start), dir, "a.cwa")
        let edf = dir.appendingPathComponent("a.edf")
        _ = try RecordingConversion.convert(cwa, to: edf)
        let file = try EDFFile(contentsOf: edf)
        let x = try #require(file.signals.first)
        // ±8 g over ±2048: one step is 1/256 g exactly.
        #expect(x.label == "ACC L X" && x.physicalMaximum == 8 && x.digitalMaximum == 2048 && x.digitalMinimum == -2048)
        #expect(file.header.startTime == "22.00.00" && file.header.startDate == "10.03.24")
        let notes = try file.annotations().map { "\($0.onset) \($0.duration ?? -1) \($0.text)" }
        #expect(notes == ["2.0 1.0 gap/left", "10.5 -1.0 padding"])
        // Read back: the same frames, the gap missing, 525 frames (not 550).
        var source = try EDFAccelerationSource(url: edf)
        var frames: [Float] = []
        while try source.read(into: &frames, maxFrames: 64) > 0 {}
        #expect(frames.count == 525 * 6)
        for i in 0..<525 {
            for a in 0..<3 {
                let v = frames[6 * i + a], w = xyz[3 * i + a]
                #expect(v == w || (v.isNaN && w.isNaN), "frame \(i) axis \(a)")
            }
        }
    }

    @Test("--left .cwa --right .gt3x: the same lm_events.tsv as the night written as one two-leg EDF; offset reported")
    func twoDevices() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = DeviceConversionTests.rate, t0 = DeviceConversionTests.start
        let frames = DeviceConversionTests.night.count / 6
        // The right device starts 2 s after the left one: its first 100 samples are not in its file.
        let left = try write(
            DeviceFiles.cwa(xyz: DeviceConversionTests.leg(.left), rate: r, start: t0), dir, "p01_left.cwa")
        let rightXYZ = Array(DeviceConversionTests.leg(.right).dropFirst(2 * r * 3))
        let right = try write(DeviceFiles.gt3x(xyz: rightXYZ, rate: r, start: t0 + 2), dir, "p01_right.gt3x")

        // The reference: the same night as one two-leg EDF, written here with EDFFormat's writer alone. The
        // simulated samples are 12-bit counts of 8/2048 g, so with ±8 g over digital ±2048 every one is stored
        // exactly (the quantisation the two devices' files have too); the right leg's first 2 s are missing.
        let reference = dir.appendingPathComponent("p01_both.edf")
        let signals = EDFExport.labels.map {
            EDFWriter.Signal(
                label: $0, transducer: "3-axis accelerometer", physicalDimension: "g", physicalMinimum: -8,
                physicalMaximum: 8, digitalMinimum: -2048, digitalMaximum: 2048, samplesPerRecord: r)
        }
        let writer = try EDFWriter(
            to: reference, start: EDFStartTime(year: 2024, month: 3, day: 10, hour: 22, minute: 0, second: 0),
            signals: signals, annotationBytesPerRecord: 64)
        for second in 0..<(frames / r) {
            let digital = (0..<6).map { c in
                (0..<r).map { i -> Int16 in
                    let f = second * r + i
                    if c >= 3 && f < 2 * r { return 0 }
                    return Int16(DeviceConversionTests.night[6 * f + c] * 256)
                }
            }
            let notes = second == 0 ? [EDFAnnotation(onset: 0, duration: 2, text: "gap/right")] : []
            try writer.appendRecord(digital: digital, annotations: notes)
        }
        try writer.finish()

        let merged = try NightPipeline.analyse(left: left, right: right, options: .init())
        let out = dir.appendingPathComponent("pair")
        try NightPipeline.write(merged, to: out)
        let pair = try read(out)
        let both = try replay(reference, dir)
        #expect(pair.events == both.events)
        #expect(pair.events.contains("\tR\t") && pair.events.contains("\tL\t"))
        let files = try #require(merged.night.report.dataQuality?.legFiles)
        #expect(files.clock == "utc")
        #expect(files.startOffsetSeconds == 2)
        #expect(files.sampleRateHz == 50)
        #expect(files.left.format == "cwa" && files.right.format == "gt3x")
        #expect(files.left.offsetSeconds == 0 && files.right.offsetSeconds == 2)
        #expect(files.left.start == "2024-03-10T22:00:00.000+00:00")
        #expect(files.left.driftPPM.map { abs($0) < 0.01 } == true)  // the .cwa stamps agree with 50 Hz
        var s = pair.summary
        var q = s["data_quality"] as? [String: Any] ?? [:]
        #expect(q["leg_files"] != nil)
        q["leg_files"] = nil
        s["data_quality"] = q
        #expect(DeviceConversionTests.comparable(s) == DeviceConversionTests.comparable(both.summary))

        // The pair converted into one two-leg EDF replays to the same events.
        let converted = dir.appendingPathComponent("pair.edf")
        _ = try RecordingConversion.convert(left: left, right: right, to: converted)
        #expect(try replay(converted, dir).events == both.events)
    }

    @Test("a .cwa whose time stamps run 200 ppm fast against its stated 50 Hz: the drift is reported")
    func drift() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = DeviceConversionTests.rate, t0 = DeviceConversionTests.start
        let tenMinutes = 10 * 60 * r * 3
        let left = try write(
            DeviceFiles.cwa(
                xyz: Array(DeviceConversionTests.leg(.left).prefix(tenMinutes)), rate: r, start: t0,
                clockRate: Double(r) * 1.0002), dir, "l.cwa")
        let right = try write(
            DeviceFiles.gt3x(xyz: Array(DeviceConversionTests.leg(.right).prefix(tenMinutes)), rate: r, start: t0),
            dir, "r.gt3x")
        let night = try NightPipeline.analyse(left: left, right: right, options: .init())
        let files = try #require(night.night.report.dataQuality?.legFiles)
        // Stamps are whole samples (20 ms) apart at best: over 600 s that bounds the measured drift to ±34 ppm.
        let measured = try #require(files.left.driftPPM)
        #expect(abs(measured - 200) < 34, "\(measured)")
        #expect(files.right.driftPPM == 0)  // a .gt3x stamps each second's samples: no drift by construction
    }

    @Test("merged legs: a start offset of a fraction of a period interpolates; a rate twice as high sets the grid")
    func mergeGrid() throws {
        // Left 50 Hz ramp from 0; right 100 Hz ramp starting 0.005 s later (half a 100 Hz period).
        let l = InMemoryFrames(
            description: SignalDescription(sampleRate: 50, legs: [.left]),
            values: (0..<10).flatMap { i in [Float(i), 0, 1, .nan, .nan, .nan] })
        let r = InMemoryFrames(
            description: SignalDescription(sampleRate: 100, legs: [.right]),
            values: (0..<20).flatMap { i in [.nan, .nan, .nan, Float(i), 0, 1] })
        var m = try MergedLegSource(left: l, leftPath: "l", leftOffset: 0, right: r, rightPath: "r", rightOffset: 0.005)
        #expect(m.description.sampleRate == 100)
        var out: [Float] = []
        while try m.read(into: &out, maxFrames: 7) > 0 {}
        // Output frame k at k/100 s. Left sample i at i/50 s: even k take sample k/2, odd k the mean of two.
        #expect(out[0] == 0 && out[6] == 0.5 && out[12] == 1)
        // Right sample j at 0.005 + j/100 s: frame 0 is before it (NaN); frame k ≥ 1 is halfway between j = k−1 and k.
        #expect(out[3].isNaN)
        #expect(abs(out[6 + 3] - 0.5) < 1e-6 && abs(out[12 + 3] - 1.5) < 1e-6)
        // Ends with the later leg: right's last sample at 0.005 + 0.19 s; frames 0…19 (frame 19 at 0.19 s).
        #expect(out.count / 6 == 20)
        #expect(out[6 * 19].isNaN)  // left ended at 0.18 s
    }
}
