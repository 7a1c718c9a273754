import EDFFormat
import Foundation
import RecordingFormats
import SensorFrames
import SleepDiary

/// The committed seed corpus (Fuzz/corpus/TARGET/): a few small valid inputs per target, written by
/// `plm-fuzz seeds DIR` so they can be made again. The fuzzer mutates them into hostile ones.
enum Seeds {
    static func write(to dir: URL) throws {
        func put(_ target: FuzzTarget, _ name: String, _ bytes: [UInt8]) throws {
            let d = dir.appendingPathComponent(target.rawValue)
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            try Data(bytes).write(to: d.appendingPathComponent(name))
        }
        let frames = (0..<8).compactMap { k -> [UInt8]? in
            let samples = (0..<(3 * 6)).map { Int16(truncatingIfNeeded: ($0 * 977 + k * 131) % 8000 - 4000) }
            return SensorFrameCodec.encode(
                SensorFrame(
                    flags: k == 0 ? [.first, .timeSynced] : [.timeSynced], sequence: UInt32(k),
                    timestamp: UInt64(1_000_000 + k * 60_000), period: 10_000, rangeG: 4, lostSamples: k == 5 ? 3 : 0,
                    samples: samples))
        }
        for (i, f) in frames.prefix(3).enumerated() { try put(.frame, "frame\(i)", f) }

        // .plmrec: two sensors, anchors, frames, a gap and a note.
        let rec = dir.appendingPathComponent("seed.plmrec")
        try? FileManager.default.removeItem(at: rec)
        let header = PlmrecHeader(
            creator: "plm-fuzz", softwareVersion: "seed", startTime: "2026-01-05T22:00:00.000+01:00",
            startUnixMicroseconds: 1_767_646_800_000_000, monotonicAnchor: 5_000_000,
            sensors: [
                PlmrecSensor(serialNumber: "SEED0", side: .left, sampleRate: 100, rangeG: 4),
                PlmrecSensor(serialNumber: "SEED1", side: .right, sampleRate: 100, rangeG: 4),
            ])
        let w = try PlmrecWriter.create(at: rec, header: header)
        for s in 0..<2 { try w.appendClockAnchor(sensor: s, hostTime: 0, deviceTime: 1_000_000) }
        for (k, f) in frames.enumerated() {
            for s in 0..<2 { try w.appendFrame(sensor: s, hostTime: Int64(k * 60_000 + 55_000), bytes: f) }
            if k == 3 { try w.flush() }
        }
        try w.appendGap(sensor: 1, hostTime: 500_000, from: 480_000, to: 490_000, kind: .noData, reason: "seed")
        try w.appendNote(hostTime: 500_000, text: "seed")
        try w.close()
        try put(.plmrec, "two-sensors.plmrec", [UInt8](try Data(contentsOf: rec)))
        try FileManager.default.removeItem(at: rec)

        // EDF+D: one leg's accelerometer at 25 Hz, records of 1 s with a gap, and an annotation.
        let edf = dir.appendingPathComponent("seed.edf")
        let axes = ["X", "Y", "Z"].map {
            EDFWriter.Signal(
                label: "ACC L \($0)", physicalDimension: "mg", physicalMinimum: -8000, physicalMaximum: 8000,
                samplesPerRecord: 25)
        }
        let ew = try EDFWriter(
            to: edf, start: EDFStartTime(year: 2026, month: 1, day: 5, hour: 22, minute: 0, second: 0), signals: axes,
            annotationBytesPerRecord: 40)
        for r in 0..<3 {
            let digital = (0..<3).map { a in (0..<25).map { k in axes[a].digital(Double((r * 25 + k) * 37 % 2000 - 1000)) } }
            try ew.appendRecord(
                digital: digital, annotations: r == 1 ? [EDFAnnotation(onset: 1.5, duration: 0.8, text: "LM")] : [])
        }
        try ew.finish()
        try put(.edf, "one-leg.edf", [UInt8](try Data(contentsOf: edf)))
        try FileManager.default.removeItem(at: edf)

        var csv = "time,left_x,left_y,left_z,right_x,right_y,right_z\n"
        for k in 0..<60 { csv += "\(Double(k) / 50),0.01,-0.02,0.98,0,0.5,\(k % 7 == 0 ? "" : "0.87")\n" }
        try put(.csv, "both-legs.csv", Array(csv.utf8))
        var stamped = "timestamp,left_x,left_y,left_z\n"
        for k in 0..<30 { stamped += String(format: "2026-01-05T22:00:%02d.%03d+01:00,0.1,0.2,0.9\n", k / 25, k % 25 * 40) }
        try put(.csv, "timestamps.csv", Array(stamped.utf8))

        try put(
            .events, "bids.tsv",
            Array(
                """
                onset\tduration\ttrial_type
                0\tn/a\tlights_off
                30\t30\tN2
                35.5\t1.2\tLM/left
                60\t3\tarousal
                900\tn/a\tlights_on

                """.utf8))
        try put(.events, "mne.csv", Array("onset,duration,description\n1.5,0.5,LM\n10,30,Sleep stage 2\n".utf8))

        var diary = DiaryCSV.template()
        diary += diary.split(separator: "\n")[0].split(separator: ",", omittingEmptySubsequences: false)
            .map { $0 == "date" ? "2026-01-05" : "" }.joined(separator: ",") + "\n"
        try put(.diary, "template-row.csv", Array(diary.utf8))
        try put(.diary, "short.csv", Array("date,caffeine_mg,notes\n2026-01-05,120,\"slept, badly\"\n".utf8))

        try put(
            .config, "plmd.json",
            Array(
                """
                {"rate_hz": 100, "range_g": 4, "morning_time": "07:30", "rules": "wasm2016", "flush_interval_s": 0.5,
                 "sensors": {"ABC123": "left", "DEF456": "right"}}
                """.utf8))
    }
}
