import Foundation
import NightPipeline
import LegMovementScoring
import NightAnalysis
@testable import NightStore
@testable import PLMCommands
import ScoreExport
import SleepDiary
import Testing

/// No figure without a basis (issue 14 item 7, issue 13 item 4): recordings with no time in bed, too little, or
/// sensors not worn get a null PLM index with a finding; such nights stay out of the 7-night median; `n/a` has no
/// unit.
@Suite("No PLM index without a basis", .serialized)
struct IndexBasisTests {
    static func folder() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("plm-basis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// A two-leg CSV at 25 Hz, `seconds` long, each sample from `sample(t)` (the same on both legs).
    static func csv(_ url: URL, seconds: Int, _ sample: (Double) -> (Double, Double, Double)) throws {
        var out = "time,left_x,left_y,left_z,right_x,right_y,right_z\n"
        out.reserveCapacity(seconds * 25 * 60)
        for i in 0..<(seconds * 25) {
            let t = Double(i) / 25
            let (x, y, z) = sample(t)
            let v = [x, y, z].map { String(format: "%.4f", $0) }.joined(separator: ",")
            out += String(format: "%.2f", t) + "," + v + "," + v + "\n"
        }
        try Data(out.utf8).write(to: url)
    }

    static func summary(_ dir: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: dir.appendingPathComponent("summary.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func warnings(_ s: [String: Any]) -> [String] { (s["input"] as? [String: Any])?["warnings"] as? [String] ?? [] }

    @Test("walking the whole time (no time in bed found): nothing scored, plm_index null, never 'above the cut-off'")
    func noTimeInBed() throws {
        let base = try Self.folder()
        defer { try? FileManager.default.removeItem(at: base) }
        let rec = base.appendingPathComponent("walk.csv")
        // Upright shank (gravity along z) swinging at a 1.8 Hz step rate: 0.4 g along x and y, for an hour.
        try Self.csv(rec, seconds: 3600) { t in
            let s = sin(2 * .pi * 1.8 * t)
            return (0.4 * s, 0.3 * cos(2 * .pi * 1.8 * t), 1 + 0.25 * s)
        }
        let out = base.appendingPathComponent("out")
        let text = try NightPipeline.replay(rec, to: out, options: .init())
        let s = try Self.summary(out)
        #expect(s["plm_index"] is NSNull)
        #expect(s["plm_index_above_cutoff"] is NSNull)
        #expect(s["plm_index_basis"] as? String == "in_bed")
        #expect(s["plm_count"] as? Int == 0)
        #expect(Self.warnings(s).contains { $0.hasPrefix("no time in bed found") && $0.contains("--in-bed") })
        #expect(text.contains("PLM index n/a (0.00 h in bed)") && !text.contains("n/a/h") && !text.contains("cut-off"))
        // summary.csv: null is an empty cell.
        let csv = try String(contentsOf: out.appendingPathComponent("summary.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").map { $0.components(separatedBy: ",") }
        let column = try #require(rows[0].firstIndex(of: "plm_index"))
        #expect(rows[1][column] == "")
        // The time in bed given by hand: half an hour is too little (a finding, no index); the full hour is a basis.
        let half = base.appendingPathComponent("half")
        var a = try Replay.parseAsRoot([rec.path, "--out", half.path, "--in-bed", "0-1800", "--quiet"])
        try a.run()
        let h = try Self.summary(half)
        #expect(h["plm_index"] is NSNull && h["plm_index_hours"] as? Double == 0.5)
        #expect(Self.warnings(h).contains { $0.hasPrefix("only 0.5 h of valid time in bed") && $0.contains("less than the 1 h") })
        let hour = base.appendingPathComponent("hour")
        var b = try Replay.parseAsRoot([rec.path, "--out", hour.path, "--in-bed", "0-7200", "--quiet"])
        try b.run()
        let full = try Self.summary(hour)
        #expect(full["plm_index_hours"] as? Double == 1.0)  // clipped to the recording's hour
        #expect(full["plm_index"] as? Double != nil)
        #expect(!Self.warnings(full).contains { $0.contains("PLM index") })
    }

    @Test("an event table over less than an hour: plm_index and every per-hour figure null, counts kept")
    func shortEventTable() throws {
        let base = try Self.folder()
        defer { try? FileManager.default.removeItem(at: base) }
        // 10 PLMs 20 s apart within lights off 0 .. 1200 s (0.33 h): once "30/h, above the cut-off".
        var table = "onset\tduration\ttrial_type\n0\t0\tlights_off\n"
        for i in 0..<10 { table += "\(100 + 20 * i)\t1.5\tLM_left\n" }
        table += "1200\t0\tlights_on\n"
        let file = base.appendingPathComponent("short.tsv")
        try Data(table.utf8).write(to: file)
        var cmd = try PLM.parseAsRoot(["score", file.path, "--out", base.appendingPathComponent("r").path, "--quiet"])
        try cmd.run()
        let s = try Self.summary(base.appendingPathComponent("r"))
        #expect(s["plm_count"] as? Int == 10)
        for key in ["plm_index", "plm_index_above_cutoff", "clm_index", "plm_nr_index", "plm_index_left", "isolated_lm_index"] {
            #expect(s[key] is NSNull, "\(key)")
        }
        #expect(Self.warnings(s).contains { $0.hasPrefix("only 0.33 h of time in bed") })
    }

    @Test("both sensors never moved all night (not worn): plm_index null, stored not_usable, out of the median")
    func notWorn() throws {
        let base = try Self.folder()
        defer { try? FileManager.default.removeItem(at: base) }
        let rec = base.appendingPathComponent("still.csv")
        // Lying still (gravity along x) for 3 h with a whisper of noise: in bed by posture, no movement at all.
        try Self.csv(rec, seconds: 3 * 3600) { t in (1 + 0.001 * sin(t * 7.3), 0.001 * cos(t * 5.1), 0.0) }
        let data = base.appendingPathComponent("data")
        var settings = try PLM.parseAsRoot(["settings", "--data-dir", data.path, "--time-zone", "UTC"])
        try settings.run()
        var cmd = try Replay.parseAsRoot([
            rec.path, "--out", base.appendingPathComponent("out").path, "--store", "--data-dir", data.path,
            "--night", "2026-01-05", "--quiet",
        ])
        try cmd.run()
        let s = try Self.summary(base.appendingPathComponent("out"))
        #expect(s["plm_index"] is NSNull)
        #expect(Self.warnings(s).contains { $0.hasPrefix("no leg's sensor was worn") })
        let store = try NightStore(url: data.appendingPathComponent("plm.sqlite"))
        let date = try #require(NightDate("2026-01-05"))
        let night = try #require(try store.night(date))
        #expect(night.figures.plmIndex == nil)
        #expect(night.figures.dataQuality == "not_usable")
        let export = base.appendingPathComponent("nights.csv")
        var ex = try PLM.parseAsRoot(["export", "--data-dir", data.path, "--csv", export.path])
        try ex.run()
        let lines = try String(contentsOf: export, encoding: .utf8).split(separator: "\n").map { $0.components(separatedBy: ",") }
        let q = try #require(lines[0].firstIndex(of: "data_quality"))
        let i = try #require(lines[0].firstIndex(of: "plm_index"))
        #expect(lines[1][q] == "not_usable" && lines[1][i] == "")
    }

    @Test("nights stored before the rule (both legs 'possibly not worn', 0.0/h) are kept out of the 7-night median")
    func legacyNotWornOutOfMedian() throws {
        var worn = NightFigures(
            rulesProfile: "wasm2016", recordingHours: 8, inBedHours: 7.5, sleepHours: nil, plmIndexBasis: "in_bed",
            plmIndexHours: 7.5, plmIndex: 0, lmCount: 0, clmCount: 0, plmCount: 0, plmSeriesCount: 0, plmsIndex: nil,
            plmwIndex: nil, periodicityIndex: nil, medianPLMIMISeconds: nil, bilateralLMCount: 0,
            bilateralLMShare: nil, validHoursLeft: 8, validHoursRight: 8, gapCount: 0,
            qualityFindings: [
                "left leg: no movement at all: sensor possibly not worn",
                "right leg: no movement at all: sensor possibly not worn",
            ])
        #expect(worn.legsNotWorn && worn.usablePLMIndex == nil && worn.dataQuality == "not_usable")
        worn.qualityFindings = ["left leg: no movement at all: sensor possibly not worn"]
        #expect(!worn.legsNotWorn && worn.usablePLMIndex == 0 && worn.dataQuality == "check")
        worn.qualityFindings = []
        #expect(worn.dataQuality == "ok")
    }

    @Test("a night without an index is kept out of the 7-night median and the correlations; listed as not usable")
    func medianLeavesOutUnusableNights() throws {
        let base = try Self.folder()
        defer { try? FileManager.default.removeItem(at: base) }
        let store = try NightStore(url: base.appendingPathComponent("plm.sqlite"), defaults: StoreSettings(timeZone: "UTC"))
        // Four nights of 8 h with 40, 0 (not usable: withheld), 80 and 120 PLMs in series 20 s apart.
        for (day, plms, usable) in [
            ("2026-01-05", 40, true), ("2026-01-06", 0, false), ("2026-01-07", 80, true), ("2026-01-08", 120, true),
        ] {
            let s: Int64 = 1_000_000
            let lms = (0..<plms).map { LegMovementEvent(onset: 600 * s + Int64($0) * 20 * s, duration: 2 * s, leg: .left) }
            var result = try Scorer.score(
                ScoringInput(legMovements: lms, lightsOff: 0, lightsOn: 8 * 3600 * s, recordingDuration: 8 * 3600 * s),
                rules: .wasm2016)
            var warnings: [String] = []
            if !usable {
                result.summary.withholdIndices()
                warnings = ["no leg's sensor was worn (no data, or no movement at all the whole night): no PLM index"]
            }
            let report = ScoreReport(result: result, source: InputDescription(file: "\(day).tsv", format: "tsv", warnings: warnings))
            try store.save(
                StoredNight(
                    report: report, night: try #require(NightDate(day)),
                    recording: RecordingInfo(sourceKey: day, fileName: "\(day).tsv", format: "tsv")))
        }
        let analysis = try NightCorrelation.analyse(store, settings: .init())
        #expect(analysis.nightCount == 3)
        // Median of 5, 10 and 15 /h: 10, not the 7.5 a 0.0/h night would make it.
        #expect(analysis.rolling.map(\.night.description) == ["2026-01-05", "2026-01-07", "2026-01-08"])
        #expect(analysis.rolling.last?.median == 10)
        let table = Nights.table(try store.nights(), diary: [:], rolling: [:])
        #expect(table.contains("not usable") && !table.contains("n/a/h"))
    }

    @Test("--in-bed: offsets and clock times, across midnight; bad values are refused naming the option")
    func inBedOption() throws {
        #expect(try InBedOption("1800-30600") == .offsets(start: 1800, end: 30600))
        #expect(try InBedOption("23:10-06:45") == .clock(start: 23 * 3600 + 600, end: 6 * 3600 + 2700))
        // Recording from 22:30: 23:10 is 40 min in; 06:45 the next morning is 7 h 35 min later.
        let r = try InBedOption("23:10-06:45").resolve(startClockSeconds: 22.5 * 3600, file: "f")
        #expect(r == NightAnalysis.InBedInterval(start: 2400, end: 2400 + 7 * 3600 + 2100))
        // 22:00 given for a recording from 22:30: from its start.
        let early = try InBedOption("22:00-06:00").resolve(startClockSeconds: 22.5 * 3600, file: "f")
        #expect(early.start == 0 && early.end == 7.5 * 3600)
        for bad in ["", "1800", "30600-1800", "25:00-06:00", "23:10-23:10", "1e3-2e3", "-5-10", "0x10-20", "0-90000"] {
            #expect(throws: InBedOptionError.self, "\(bad)") { _ = try InBedOption(bad) }
        }
        #expect(throws: InBedOptionError.self) {
            _ = try InBedOption("23:00-07:00").resolve(startClockSeconds: nil, file: "f")
        }
    }
}
