import AccelerationSignal
import EDFFormat
import Foundation
import LegMovementScoring
import RecordingFormats
import TestSupport
import Testing

@Suite("EDF and CSV accelerometer files")
struct ForeignFormatTests {
    @Test("channel labels of other recorders", arguments: [
        ("ACC L X", Leg.left, 0), ("Left Acc X", .left, 0), ("accel_left_x", .left, 0), ("LeftAnkle_ACC_x", .left, 0),
        ("Acc_R_Z", .right, 2), ("RightAnkle ACC Y", .right, 1), ("acc r y", .right, 1), ("AccX_L", .left, 0),
    ])
    func labels(label: String, leg: Leg, axis: Int) {
        let parsed = AccelerationLabels.parse(label)
        #expect(parsed?.leg == leg && parsed?.axis == axis, "\(label)")
    }

    @Test("labels that are not one leg's accelerometer axis")
    func notLabels() {
        for label in ["EDF Annotations", "LAT", "EMG L", "ACC X", "ACC L R X", "Left Leg X", "ACC L XY"] {
            #expect(AccelerationLabels.parse(label) == nil, "\(label)")
        }
        #expect(AccelerationLabels.parse("Left Leg X", requireAccelerationWord: false)?.leg == .left)
        #expect(AccelerationLabels.gPerUnit("mg") == 0.001)
        #expect(AccelerationLabels.gPerUnit("G") == 1)
        for u in ["m/s^2", "m/s2", "m/s²"] { #expect(AccelerationLabels.gPerUnit(u) == 1 / 9.80665) }
        #expect(AccelerationLabels.gPerUnit("uV") == nil)
    }

    /// Writes an EDF+ with the given signals: value(i, k) is signal i's physical sample k.
    static func writeEDF(
        _ url: URL, signals: [EDFWriter.Signal], records: Int, annotations: [EDFAnnotation] = [],
        value: (Int, Int) -> Double
    ) throws {
        let w = try EDFWriter(
            to: url, start: EDFStartTime(year: 2026, month: 1, day: 5, hour: 22, minute: 0, second: 0),
            signals: signals, annotationBytesPerRecord: 200)
        for r in 0..<records {
            let digital = signals.enumerated().map { i, s in
                (0..<s.samplesPerRecord).map { j in s.digital(value(i, r * s.samplesPerRecord + j)) }
            }
            try w.appendRecord(digital: digital, annotations: annotations.filter { Int($0.onset) == r })
        }
        try w.finish()
    }

    @Test("EDF reader: labels, mg and m/s^2 to g, an unrelated channel ignored, annotations kept")
    func edfUnits() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("acc.edf")
        let signals = [
            EDFWriter.Signal(label: "EEG C3", physicalDimension: "uV", physicalMinimum: -500, physicalMaximum: 500, samplesPerRecord: 256),
            EDFWriter.Signal(label: "Acc_R_Z", physicalDimension: "m/s^2", physicalMinimum: -78.4532, physicalMaximum: 78.4532, samplesPerRecord: 32),
            EDFWriter.Signal(label: "LeftAnkle_ACC_x", physicalDimension: "mg", physicalMinimum: -8000, physicalMaximum: 8000, samplesPerRecord: 32),
            EDFWriter.Signal(label: "LeftAnkle_ACC_y", physicalDimension: "mg", physicalMinimum: -8000, physicalMaximum: 8000, samplesPerRecord: 32),
            EDFWriter.Signal(label: "LeftAnkle_ACC_z", physicalDimension: "mg", physicalMinimum: -8000, physicalMaximum: 8000, samplesPerRecord: 32),
            EDFWriter.Signal(label: "Acc_R_X", physicalDimension: "m/s2", physicalMinimum: -78.4532, physicalMaximum: 78.4532, samplesPerRecord: 32),
            EDFWriter.Signal(label: "Acc_R_Y", physicalDimension: "M/S^2", physicalMinimum: -78.4532, physicalMaximum: 78.4532, samplesPerRecord: 32),
        ]
        // In g: left x = sin, left y = 0.5, left z = -1, right = 0.25 k-dependent.
        func g(_ channel: Int, _ k: Int) -> Double {
            switch channel {
            case 0: return sin(Double(k) / 5)
            case 1: return 0.5
            case 2: return -1
            default: return 0.001 * Double(k % 1000) * Double(channel - 2)
            }
        }
        let slotOf = [-1, 5, 0, 1, 2, 3, 4]  // frame slot of each signal
        try ForeignFormatTests.writeEDF(
            url, signals: signals, records: 5,
            annotations: [EDFAnnotation(onset: 2.5, duration: 1, text: "LM/left")]
        ) { i, k in
            switch signals[i].physicalDimension {
            case "mg": return 1000 * g(slotOf[i], k)
            case "uV": return 10
            default: return 9.80665 * g(slotOf[i], k)
            }
        }
        var source = try EDFAccelerationSource(url: url)
        #expect(source.description.sampleRate == 32)
        #expect(source.description.legs == [.left, .right])
        #expect(abs((source.description.rangeG ?? 0) - 8) < 1e-3)
        #expect(try source.annotations() == [EDFAnnotation(onset: 2.5, duration: 1, text: "LM/left", byteOffset: try source.annotations()[0].byteOffset)])
        let frames = try readAll(&source, chunk: 5)
        #expect(frames.count == 160 * 6)
        let step = 16.0 / 65535
        var worst = 0.0
        for k in 0..<160 {
            for slot in 0..<6 { worst = max(worst, abs(Double(frames[6 * k + slot]) - g(slot, k))) }
        }
        #expect(worst <= step, "worst \(worst)")
        var again = try EDFAccelerationSource(url: url)
        #expect(sameFrames(frames, try readAll(&again, chunk: 100_000)))
    }

    @Test("EDF reader: one leg; channels of different rates and unknown units are clear errors")
    func edfErrors() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let one = dir.appendingPathComponent("one.edf")
        let leftOnly = ["x", "y", "z"].map {
            EDFWriter.Signal(label: "Left Acc \($0.uppercased())", physicalDimension: "g", physicalMinimum: -4, physicalMaximum: 4, samplesPerRecord: 25)
        }
        try ForeignFormatTests.writeEDF(one, signals: leftOnly, records: 2) { _, _ in 0.5 }
        var s = try EDFAccelerationSource(url: one)
        #expect(s.description.legs == [.left])
        let f = try readAll(&s)
        #expect(f.count == 50 * 6 && f[0] > 0.49 && f[3].isNaN)

        let mixed = dir.appendingPathComponent("mixed.edf")
        var signals = leftOnly
        signals[2].samplesPerRecord = 50
        try ForeignFormatTests.writeEDF(mixed, signals: signals, records: 1) { _, _ in 0 }
        do {
            _ = try EDFAccelerationSource(url: mixed)
            Issue.record("expected an error")
        } catch let e as EDFError {
            #expect(e.file == mixed.path)
            #expect(e.message.contains("'Left Acc X' 25 samples") && e.message.contains("'Left Acc Z' 50 samples"), "\(e)")
        }
        let volts = dir.appendingPathComponent("volts.edf")
        signals = leftOnly
        signals[1].physicalDimension = "mV"
        try ForeignFormatTests.writeEDF(volts, signals: signals, records: 1) { _, _ in 0 }
        do {
            _ = try EDFAccelerationSource(url: volts)
            Issue.record("expected an error")
        } catch let e as EDFError {
            #expect(e.offset == 256 + 4 * 96 + 8, "\(e)")
            #expect(e.message.contains("'Left Acc Y'") && e.message.contains("mV"), "\(e)")
        }
    }

    @Test("ISO 8601 timestamps")
    func iso() {
        #expect(ISO8601Time.parse("2026-01-05T22:00:00.250+01:00")?.microseconds == 1_767_646_800_250_000)
        #expect(ISO8601Time.parse("2026-01-05T21:00:00.25Z")?.microseconds == 1_767_646_800_250_000)
        #expect(ISO8601Time.parse("2026-01-05 21:00:00")?.microseconds == 1_767_646_800_000_000)
        #expect(ISO8601Time.parse("2026-01-05T21:00:00")?.hasOffset == false)
        #expect(ISO8601Time.parse("2026-01-05T23:30:00.000001+0230")?.microseconds == 1_767_646_800_000_001)
        #expect(ISO8601Time.parse("2026-01-05T21:00") == nil)
        #expect(ISO8601Time.parse("yesterday") == nil)
        #expect(HostClock.iso8601(unixMicroseconds: 1_767_646_800_250_000, offsetSeconds: 3600) == "2026-01-05T22:00:00.250+01:00")
    }

    static func write(_ text: String, _ name: String, in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test("CSV with 'time' in seconds, one leg, jitter tolerated, a gap filled with NaN")
    func csvTime() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = "time,left_z,left_x,left_y\n"
        for n in 0..<300 where !(100..<110).contains(n) {
            let jitter = [0.0, 0.0004, -0.0003, 0.0008][n % 4]
            text += String(format: "%.4f,%.3f,%.3f,%.3f\n", 12 + Double(n) * 0.01 + jitter, -1.0, Double(n) / 1000, 0.5)
        }
        let url = try ForeignFormatTests.write(text, "time.csv", in: dir)
        var s = try CSVAccelerationSource(url: url)
        #expect(s.description.sampleRate == 100)
        #expect(s.description.legs == [.left])
        let f = try readAll(&s, chunk: 3)
        #expect(f.count == 300 * 6)
        for n in 0..<300 {
            if (100..<110).contains(n) {
                #expect(f[6 * n].isNaN, "\(n)")
            } else {
                #expect(f[6 * n] == Float(Double(n) / 1000) && f[6 * n + 2] == -1 && f[6 * n + 3].isNaN, "\(n)")
            }
        }
        #expect(s.quality.gaps.count == 1 && s.quality.gaps.first?.from == 1_000_000)
        #expect(s.quality.gaps.first?.reason.contains("line 102") == true)
        var whole = try CSVAccelerationSource(url: url)
        #expect(sameFrames(f, try readAll(&whole, chunk: 100_000)))
    }

    @Test("CSV with ISO 8601 'timestamp', both legs in any column order")
    func csvTimestamp() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = "right_z,timestamp,right_x,right_y,left_x,left_y,left_z\n"
        for n in 0..<120 {
            let ms = n * 20
            let stamp = ms % 1000 == 0
                ? String(format: "2026-01-05T22:00:%02d+01:00", ms / 1000)
                : String(format: "2026-01-05T22:00:%02d.%03d+01:00", ms / 1000, ms % 1000)
            text += "\(Double(n) / 4),\(stamp),1,2,3,4,5\n"  // right_z n/4 g: under the 50 g limit
        }
        let url = try ForeignFormatTests.write(text, "stamp.csv", in: dir)
        var s = try CSVAccelerationSource(url: url, probeRows: 50)
        #expect(s.description.sampleRate == 50)
        #expect(s.description.legs == [.left, .right])
        #expect(s.startUnixMicroseconds == 1_767_646_800_000_000)
        let f = try readAll(&s)
        #expect(f.count == 120 * 6)
        #expect(Array(f[(6 * 77)..<(6 * 78)]) == [3, 4, 5, 1, 2, 19.25])
    }

    @Test("CSV errors name the file, the line and what was expected")
    func csvErrors() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func rows(_ n: Int, bad: Int? = nil, with: String = "") -> String {
            var t = "time,right_x,right_y,right_z\n"
            for i in 0..<n { t += i == bad ? with + "\n" : "\(Double(i) * 0.01),0,0,1\n" }
            return t
        }
        let cases: [(String, String, String)] = [
            (rows(40, bad: 5, with: "0.05,0,abc,1"), "line 7", "expected a number in g for right_y, found 'abc'"),
            (rows(40, bad: 30, with: "0.05,0,0,1"), "line 32", "expected a time after the previous row"),
            (rows(40, bad: 8, with: "soon,0,0,1"), "line 10", "expected a time in seconds, found 'soon'"),
            (rows(40, bad: 9, with: "0.09,0"), "line 11", "expected 4 fields like the header row, found 2"),
            ("t,left_x,left_y,left_z\n0,0,0,0\n", "line 1", "expected a 'time' (seconds) or 'timestamp'"),
            ("time,left_x,left_y\n0,0,0\n", "line 1", "expected the columns left_z"),
            ("time,left_x,left_y,left_z\n0,0,0,0\n", "line 2", "at least two rows"),
        ]
        for (i, (text, location, message)) in cases.enumerated() {
            let url = try ForeignFormatTests.write(text, "bad\(i).csv", in: dir)
            do {
                var s = try CSVAccelerationSource(url: url, probeRows: 20)
                _ = try readAll(&s)
                Issue.record("expected an error: \(message)")
            } catch let e as InputError {
                #expect(e.file == url.path)
                #expect(e.location?.description == location, "\(e)")
                #expect(e.message.contains(message), "\(e)")
            }
        }
    }
}
