import Foundation
import NightStore
import PLMCommands
import SleepDiary
import Testing

/// The whole path of issue 6 on the sample recordings: replay into a fresh store, import the sample diary,
/// correlate, export — the export checked against figures computed here from the replay's own output files.
@Suite("Store path: replay, diary, correlate, export", .serialized)
struct StorePathTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let samples = repo.appendingPathComponent("SampleRecordings")
    static let recordings = ["severe-50hz", "no-plm-25hz", "moderate-left-leg-25hz", "mild-25hz"]
    static let nights = ["2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08"]

    /// Replays the four sample nights once for the suite (the detector in a debug build takes a while).
    struct Fixture: Sendable {
        var base: URL
        var dataDir: URL { base.appendingPathComponent("data") }
        var out: URL { base.appendingPathComponent("out") }
    }

    static let fixture: Result<Fixture, Error> = {
        Result {
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("plm-store-path-\(UUID().uuidString)")
            let f = Fixture(base: base)
            try run(["settings", "--data-dir", f.dataDir.path, "--time-zone", "UTC"])
            try runReplay(
                recordings.map { samples.appendingPathComponent("\($0).plmrec.gz").path }
                    + ["--out", f.out.path, "--store", "--data-dir", f.dataDir.path, "--quiet"])
            return f
        }
    }()

    static func run(_ args: [String]) throws {
        var cmd = try PLM.parseAsRoot(args)
        try cmd.run()
    }

    static func runReplay(_ args: [String]) throws {
        var cmd = try Replay.parseAsRoot(args)
        try cmd.run()
    }

    static func tsv(_ url: URL) throws -> [[String: String]] {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        guard let header = lines.first?.components(separatedBy: "\t") else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0.components(separatedBy: "\t"))) }
    }

    /// Plain CSV reading for the checks (RFC 4180 quotes, no embedded newlines in these files).
    static func csv(_ url: URL) throws -> [[String: String]] {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        func fields(_ line: String) -> [String] {
            var out: [String] = []
            var field = ""
            var quoted = false
            var previousQuote = false
            for c in line {
                if quoted {
                    if c == "\"" { quoted = false; previousQuote = true; continue }
                    field.append(c)
                } else if c == "\"" {
                    if previousQuote { field.append("\"") }
                    quoted = true
                } else if c == "," {
                    out.append(field)
                    field = ""
                } else {
                    field.append(c)
                }
                previousQuote = false
            }
            out.append(field)
            return out
        }
        guard let header = lines.first.map(fields) else { return [] }
        return lines.dropFirst().map { line in
            let f = fields(line)
            #expect(f.count == header.count, "a row with \(f.count) fields under \(header.count) columns")
            return Dictionary(uniqueKeysWithValues: zip(header, f))
        }
    }

    static func summary(_ dir: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: dir.appendingPathComponent("summary.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("four sample recordings become four nights, labelled by their evenings")
    func stored() throws {
        let f = try StorePathTests.fixture.get()
        let store = try NightStore(url: f.dataDir.appendingPathComponent("plm.sqlite"))
        #expect(try store.nights().map(\.night.description) == StorePathTests.nights)
        #expect(try store.sensors().map(\.serial) == ["SIM-L-101", "SIM-L-102", "SIM-L-103", "SIM-L-104", "SIM-R-101", "SIM-R-102", "SIM-R-104"])
        // The timeline's intervals: time in bed adds up to the night's in-bed hours, one gap per counted gap.
        for n in try store.nights() {
            let intervals = try store.intervals(of: n.night)
            let inBed = intervals.filter { $0.kind == .inBed }.reduce(0) { $0 + $1.endSeconds - $1.onsetSeconds }
            #expect(abs(inBed / 3600 - (n.figures.inBedHours ?? -1)) < 1e-6, "\(n.night)")
            #expect(intervals.filter { $0.kind == .gap }.count == n.figures.gapCount, "\(n.night)")
            #expect(intervals.allSatisfy { $0.endSeconds > $0.onsetSeconds && $0.onsetSeconds >= 0 })
        }
    }

    @Test("replaying a night again replaces it: same figures, no new rows, same output bytes")
    func idempotent() throws {
        let f = try StorePathTests.fixture.get()
        let store = try NightStore(url: f.dataDir.appendingPathComponent("plm.sqlite"))
        let before = try store.nights()
        let eventsBefore = try store.events().count
        let again = f.base.appendingPathComponent("again")
        try StorePathTests.runReplay([
            StorePathTests.samples.appendingPathComponent("mild-25hz.plmrec.gz").path, "--out", again.path, "--store",
            "--data-dir", f.dataDir.path, "--quiet",
        ])
        #expect(try store.nights() == before)
        #expect(try store.events().count == eventsBefore)
        for name in ["lm_events.tsv", "summary.json", "summary.csv", "annotations.edf"] {
            let a = try Data(contentsOf: f.out.appendingPathComponent("mild-25hz").appendingPathComponent(name))
            let b = try Data(contentsOf: again.appendingPathComponent(name))
            #expect(a == b, "\(name) differs between two replays into the same store")
        }
    }

    @Test("import the diary, correlate, export: the CSV equals figures computed from the replay's own files")
    func wholePath() throws {
        let f = try StorePathTests.fixture.get()
        let d = f.dataDir.path
        try StorePathTests.run(["diary", "import", StorePathTests.samples.appendingPathComponent("diary.csv").path, "--data-dir", d])
        let table = f.base.appendingPathComponent("correlation.csv")
        try StorePathTests.run(["correlate", "--data-dir", d, "--csv", table.path])
        let nightsCSV = f.base.appendingPathComponent("nights.csv")
        let eventsCSV = f.base.appendingPathComponent("events.csv")
        try StorePathTests.run(["export", "--data-dir", d, "--csv", nightsCSV.path, "--events", eventsCSV.path])

        let rows = try StorePathTests.csv(nightsCSV)
        #expect(rows.map { $0["night"] } == StorePathTests.nights)
        let diary = try StorePathTests.csv(StorePathTests.samples.appendingPathComponent("diary.csv"))
        var allEvents = 0
        for (i, name) in StorePathTests.recordings.enumerated() {
            let row = rows[i]
            let dir = f.out.appendingPathComponent(name)
            let lms = try StorePathTests.tsv(dir.appendingPathComponent("lm_events.tsv"))
            let s = try StorePathTests.summary(dir)
            allEvents += lms.count
            let plm = lms.filter { $0["is_plm"] == "1" }
            #expect(row["recorded"] == "yes")
            #expect(row["recording_file"] == "\(name).plmrec.gz")
            #expect(row["lm_count"] == String(lms.count))
            #expect(row["clm_count"] == String(lms.filter { $0["is_clm"] == "1" }.count))
            #expect(row["plm_count"] == String(plm.count))
            #expect(row["plm_series_count"] == String(Set(plm.compactMap { $0["series_id"] }).count))
            #expect(row["bilateral_lm_count"] == String(lms.filter { $0["side"] == "B" }.count))
            #expect(row["plm_index_basis"] == "in_bed")
            #expect(row["rules_profile"] == "wasm2016")
            // The PLM index: PLMs per hour in bed, from the events table and summary.json's hours.
            let inBed = try #require(s["in_bed_hours"] as? Double)
            let index = try #require(Double(row["plm_index"] ?? ""))
            #expect(abs(index - Double(plm.count) / inBed) < 0.0015, "\(name): \(index) vs \(plm.count) / \(inBed)")
            #expect(abs((Double(row["in_bed_hours"] ?? "") ?? -1) - inBed) < 1e-4)
            // The median IMI within series, computed here from lm_events.tsv.
            var imis: [Double] = []
            var last: String? = nil
            for e in plm {
                if e["series_id"] == last, let imi = Double(e["imi"] ?? "") { imis.append(imi) }
                last = e["series_id"]
            }
            imis.sort()
            if imis.isEmpty {
                #expect(row["median_plm_imi_s"] == "")
            } else {
                let m = imis.count % 2 == 1 ? imis[imis.count / 2] : (imis[imis.count / 2 - 1] + imis[imis.count / 2]) / 2
                #expect(abs((Double(row["median_plm_imi_s"] ?? "") ?? -1) - m) < 0.0015)
            }
            if lms.isEmpty {
                #expect(row["bilateral_lm_share"] == "")
            } else {
                let share = Double(lms.filter { $0["side"] == "B" }.count) / Double(lms.count)
                #expect(abs((Double(row["bilateral_lm_share"] ?? "") ?? -1) - share) < 0.0001)
            }
            // The diary's cells come through as they were written.
            #expect(row["diary"] == "yes")
            for (column, value) in diary[i] where column != "date" {
                #expect(row[column] == value, "\(name): \(column) exported as '\(row[column] ?? "nil")', diary has '\(value)'")
            }
            // The nightly summary written with --store carries the store's correlation section.
            let correlation = try #require(s["correlation"] as? [String: Any])
            #expect(correlation["nights"] as? Int == 4)
        }
        // The single-leg night has no right leg.
        #expect(rows[2]["valid_hours_right"] == "")
        #expect(rows[2]["valid_hours_left"] != "")

        let events = try StorePathTests.csv(eventsCSV)
        #expect(events.count == allEvents)
        let severe = try StorePathTests.tsv(f.out.appendingPathComponent("severe-50hz/lm_events.tsv"))
        let exported = events.filter { $0["night"] == "2026-01-05" }
        #expect(exported.map { $0["onset_s"] } == severe.map { $0["onset"] })
        #expect(exported.map { $0["is_plm"] } == severe.map { $0["is_plm"] })
        // 22:00:00 UTC plus the first onset.
        if let first = exported.first, let onset = Double(first["onset_s"] ?? "") {
            let t = Int((onset).rounded(.down)) + 22 * 3600
            let expected = String(format: "%02d:%02d:%02d", t / 3600 % 24, t / 60 % 60, t % 60)
            #expect(first["onset_clock"] == expected)
        }

        // Four nights: every factor says "not enough nights yet".
        let correlation = try StorePathTests.csv(table)
        #expect(!correlation.isEmpty)
        #expect(correlation.allSatisfy { $0["status"] == "not_enough_nights" })
        let bath = try #require(correlation.first { $0["factor"] == "bath" && $0["lag_nights"] == "0" })
        #expect(bath["nights_with"] == "1")
        #expect(bath["nights_without"] == "3")
    }

    @Test("plm score --store: an event table needs --night, then it is a night like any other")
    func scoreStore() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("plm-score-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let golden = StorePathTests.samples.appendingPathComponent("events/golden-night.tsv").path
        let data = base.appendingPathComponent("data").path
        #expect(throws: (any Error).self) {
            try StorePathTests.run(["score", golden, "--out", base.appendingPathComponent("o").path, "--store", "--data-dir", data, "--quiet"])
        }
        try StorePathTests.run([
            "score", golden, "--out", base.appendingPathComponent("o").path, "--store", "--night", "2026-02-01",
            "--data-dir", data, "--quiet",
        ])
        let store = try NightStore(url: base.appendingPathComponent("data/plm.sqlite"))
        let night = try #require(try store.nights().first)
        #expect(night.night.description == "2026-02-01")
        #expect(night.figures.plmCount == 31)
        // Scoring it again with the AASM profile replaces the night.
        try StorePathTests.run([
            "score", golden, "--rules", "aasm", "--out", base.appendingPathComponent("o2").path, "--store", "--night",
            "2026-02-01", "--data-dir", data, "--quiet",
        ])
        #expect(try store.nights().map(\.figures.plmCount) == [35])
        #expect(try store.nights().map(\.figures.rulesProfile) == ["aasm"])
    }
}
