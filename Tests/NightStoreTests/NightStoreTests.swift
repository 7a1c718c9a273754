import Foundation
import GRDB
import LegMovementScoring
import ScoreExport
import SleepDiary
import Testing

@testable import NightStore

/// A night of `periodic` LMs every 20 s (one series of that many PLMs when >= 4) and `isolated` LMs 5 min apart,
/// lights off at 0 for `hours`.
func scoredReport(periodic: Int, isolated: Int = 0, hours: Double = 8, file: String = "night.tsv") throws -> ScoreReport {
    var lms: [LegMovementEvent] = []
    let s: Int64 = 1_000_000
    for i in 0..<periodic { lms.append(LegMovementEvent(onset: 600 * s + Int64(i) * 20 * s, duration: 2 * s, leg: .left)) }
    for i in 0..<isolated {
        lms.append(LegMovementEvent(onset: 10_000 * s + Int64(i) * 300 * s, duration: 2 * s, leg: .right))
    }
    let end = Int64(hours * 3600) * s
    let input = ScoringInput(legMovements: lms, lightsOff: 0, lightsOn: end, recordingDuration: end)
    let result = try Scorer.score(input, rules: .wasm2016)
    return ScoreReport(result: result, source: InputDescription(file: file, format: "tsv"))
}

func temporaryStore(_ settings: StoreSettings = StoreSettings(nightCutoffHour: 12, timeZone: "UTC")) throws
    -> (NightStore, URL)
{
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plm-store-\(UUID().uuidString)")
    let store = try NightStore(url: dir.appendingPathComponent("sub/plm.sqlite"), defaults: settings)
    return (store, dir)
}

func date(_ s: String) throws -> NightDate { try #require(NightDate(s)) }

@Suite("Night store")
struct NightStoreTests {
    @Test("a new store: owner-only file in an owner-only folder, WAL, the migrations applied, settings kept")
    func creation() throws {
        let (store, dir) = try temporaryStore(StoreSettings(nightCutoffHour: 14, timeZone: "Europe/Berlin"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let attributes = try FileManager.default.attributesOfItem(atPath: store.url.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let folder = try FileManager.default.attributesOfItem(atPath: store.url.deletingLastPathComponent().path)
        #expect((folder[.posixPermissions] as? Int) == 0o700)
        #expect(try store.journalMode() == "wal")
        #expect(try store.appliedMigrations().count == 3)
        #expect(try store.settings() == StoreSettings(nightCutoffHour: 14, timeZone: "Europe/Berlin"))
        // Reopening keeps the settings and does not migrate again.
        let again = try NightStore(url: store.url, defaults: StoreSettings(nightCutoffHour: 3, timeZone: "UTC"))
        #expect(try again.settings().nightCutoffHour == 14)
        #expect(try again.appliedMigrations().count == 3)
    }

    @Test("a store of the first version is brought up to date on opening, keeping its nights")
    func migration() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plm-store-v1-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("plm.sqlite")
        let queue = try DatabaseQueue(path: url.path)
        let first = try #require(NightStore.migrator.migrations.first)
        try NightStore.migrator.migrate(queue, upTo: first)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO recording(id, source_key, file_name, format) VALUES (1, 'k', 'old.tsv', 'tsv')")
            try db.execute(
                sql: """
                    INSERT INTO night(date, recording_id, rules_profile, recording_hours, plm_index_basis, plm_index_hours,
                      lm_count, clm_count, plm_count, plm_series_count, bilateral_lm_count, quality_findings, summary_json)
                    VALUES ('2025-12-31', 1, 'wasm2016', 8, 'in_bed', 7.5, 10, 9, 4, 1, 0, '', '{}')
                    """)
        }
        try queue.close()
        let store = try NightStore(url: url)
        #expect(try store.appliedMigrations() == NightStore.migrator.migrations)
        #expect(try store.nights().map(\.night.description) == ["2025-12-31"])
        #expect(try store.intervals(of: try date("2025-12-31")).isEmpty)
    }

    @Test("intervals of a night are stored and replaced with it")
    func intervals() throws {
        let (store, dir) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let night = try date("2026-01-05")
        let intervals = [
            StoredInterval(kind: .inBed, onsetSeconds: 300, endSeconds: 27_000),
            StoredInterval(kind: .gap, leg: "left", onsetSeconds: 1_000, endSeconds: 1_062.5),
        ]
        let n = StoredNight(
            report: try scoredReport(periodic: 5), night: night,
            recording: RecordingInfo(sourceKey: "k", fileName: "f", format: "tsv"), intervals: intervals)
        try store.save(n)
        try store.save(n)
        #expect(try store.intervals(of: night) == intervals)
    }

    @Test("every diary column has its column in the diary table")
    func diarySchema() throws {
        let (store, dir) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let columns = try store.pool.read { db in try db.columns(in: "diary_entry").map(\.name) }
        for c in DiaryColumn.all { #expect(columns.contains(c.name), "diary_entry lacks \(c.name)") }
    }

    @Test("storing a night again replaces it: same rows, no duplicates; another recording of the date replaces too")
    func idempotent() throws {
        let (store, dir) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = try scoredReport(periodic: 30, isolated: 10)
        let night = try date("2026-01-05")
        let recording = RecordingInfo(
            sourceKey: "plmrec:1:A+B", fileName: "a.plmrec", format: "plmrec", startUnixMicroseconds: 1,
            sensors: [StoredSensor(serial: "A", side: "left"), StoredSensor(serial: "B", side: "right")])
        let stored = StoredNight(report: report, night: night, recording: recording)
        #expect(try store.save(stored) == .added)
        #expect(try store.save(stored) == .replaced(previousFile: "a.plmrec"))
        let nights = try store.nights()
        #expect(nights.count == 1)
        #expect(try store.events(of: night).count == 40)
        #expect(nights.first?.figures == stored.figures)
        #expect(nights.first?.summaryJSON == report.summaryJSON().rendered())
        let count = try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM recording") }
        #expect(count == 1)
        #expect(try store.sensors().map(\.serial) == ["A", "B"])

        let other = RecordingInfo(sourceKey: "events:b.tsv", fileName: "b.tsv", format: "tsv")
        let fewer = StoredNight(report: try scoredReport(periodic: 5), night: night, recording: other)
        #expect(try store.save(fewer) == .replaced(previousFile: "a.plmrec"))
        #expect(try store.events(of: night).count == 5)
        let left = try store.pool.read { db in try String.fetchAll(db, sql: "SELECT file_name FROM recording") }
        #expect(left == ["b.tsv"], "the recording without a night is removed")
    }

    @Test("the stored figures are the scoring's: PLM count, index per hour in bed, the series' median IMI")
    func figures() throws {
        let report = try scoredReport(periodic: 30, isolated: 10, hours: 8)
        let n = StoredNight(
            report: report, night: try date("2026-01-05"),
            recording: RecordingInfo(sourceKey: "k", fileName: "f", format: "tsv"))
        // 30 LMs 20 s apart: one series of 30 PLMs; 10 isolated LMs 300 s apart are not periodic.
        #expect(n.figures.plmCount == 30)
        #expect(n.figures.lmCount == 40)
        #expect(n.figures.plmIndexBasis == "in_bed")
        #expect(abs((n.figures.plmIndex ?? 0) - 30.0 / 8.0) < 1e-9)
        #expect(n.figures.medianPLMIMISeconds == 20)
        #expect(n.figures.bilateralLMShare == 0)
        #expect(n.namedFigures.contains { $0.name == "plm_count" && $0.value == "30" })
    }

    @Test("the median IMI within series: each series' IMIs between its members, not the first member's")
    func medianIMI() {
        func e(_ onset: Double, series: Int?, imi: Double?) -> StoredEvent {
            StoredEvent(
                onsetSeconds: onset, durationSeconds: 1, side: "L", components: 1, isCandidate: true,
                isPLM: series != nil, seriesID: series, imiSeconds: imi, state: "unknown", stage: nil,
                respiratoryRelated: false, arousal: false, isPLMNonRespiratory: nil)
        }
        // Series 1: IMIs 10, 30, 20 (first member's IMI 500 left out); an isolated LM; series 2: IMIs 40, 50, 60.
        let events = [
            e(500, series: 1, imi: 500), e(510, series: 1, imi: 10), e(540, series: 1, imi: 30),
            e(560, series: 1, imi: 20), e(900, series: nil, imi: 340), e(2000, series: 2, imi: 1100),
            e(2040, series: 2, imi: 40), e(2090, series: 2, imi: 50), e(2150, series: 2, imi: 60),
        ]
        // IMIs 10, 20, 30, 40, 50, 60: median 35.
        #expect(NightFigures.medianSeriesIMI(events) == 35)
        #expect(NightFigures.medianSeriesIMI([e(1, series: nil, imi: nil)]) == nil)
    }

    @Test("diary: a whole import replaces nights' entries in one go; add merges field by field")
    func diary() throws {
        let (store, dir) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        var a = DiaryEntry(night: try date("2026-01-05"))
        a.caffeineCups = 3
        a.notes = "late dinner, \"spicy\""
        a.medications = [Medication(name: "ropinirole", doseMg: 0.25, time: ClockTime("21:00"))]
        a.remedies[.bath] = RemedyUse(minutes: 20, time: ClockTime("20:15"))
        a.sensations = [.aching, .crawling]
        a.alcoholDrinks = 1.5
        a.msSpasms = true
        var b = DiaryEntry(night: try date("2026-01-06"))
        b.fatigue = 7
        try store.replaceDiary([a, b])
        #expect(try store.diary() == [a, b])

        var more = DiaryEntry(night: try date("2026-01-05"))
        more.fatigue = 4
        let merged = try store.mergeDiary(more)
        #expect(merged.caffeineCups == 3)
        #expect(merged.fatigue == 4)
        #expect(try store.diaryEntry(try date("2026-01-05")) == merged)

        var replacement = DiaryEntry(night: try date("2026-01-05"))
        replacement.caffeineCups = 1
        try store.replaceDiary([replacement])
        #expect(try store.diaryEntry(try date("2026-01-05")) == replacement, "an import replaces the whole entry")
    }

    @Test("the night of a recording: the evening's date in the store's time zone, before the cut-off hour the day before")
    func nightDate() throws {
        let utc = StoreSettings(nightCutoffHour: 12, timeZone: "UTC")
        // 2026-01-05T22:00:00Z
        let evening: Int64 = 1_767_650_400_000_000
        #expect(try utc.night(startingAt: evening) == date("2026-01-05"))
        // 01:30 the next morning still belongs to the 5th; 12:00 is the 6th.
        #expect(try utc.night(startingAt: evening + 3 * 3_600_000_000 + 1_800_000_000) == date("2026-01-05"))
        #expect(try utc.night(startingAt: evening + 14 * 3_600_000_000) == date("2026-01-06"))
        // In Tokyo (UTC+9) 22:00Z is 07:00 on the 6th: before noon, so the night of the 5th; with cut-off 6 the 6th.
        let tokyo = StoreSettings(nightCutoffHour: 12, timeZone: "Asia/Tokyo")
        #expect(try tokyo.night(startingAt: evening) == date("2026-01-05"))
        let early = StoreSettings(nightCutoffHour: 6, timeZone: "Asia/Tokyo")
        #expect(try early.night(startingAt: evening) == date("2026-01-06"))
        // In Los Angeles (UTC-8) 22:00Z is 14:00 on the 5th.
        let la = StoreSettings(nightCutoffHour: 12, timeZone: "America/Los_Angeles")
        #expect(try la.night(startingAt: evening) == date("2026-01-05"))
        #expect(throws: StoreError.self) { try StoreSettings(timeZone: "Mars/Olympus").night(startingAt: evening) }
    }

    @Test("local times in exports carry the zone's offset, summer and winter")
    func localTime() {
        let berlin = StoreSettings(nightCutoffHour: 12, timeZone: "Europe/Berlin")
        // 2026-01-05T22:00:00Z is 23:00 in Berlin (CET); 2026-07-05T22:00:00Z is 00:00 the next day (CEST).
        #expect(NightExport.localTime(1_767_650_400_000_000, settings: berlin) == "2026-01-05T23:00:00+01:00")
        #expect(NightExport.localTime(1_783_288_800_000_000, settings: berlin) == "2026-07-06T00:00:00+02:00")
        let utc = StoreSettings(nightCutoffHour: 12, timeZone: "UTC")
        #expect(NightExport.localTime(1_767_650_400_999_999, settings: utc) == "2026-01-05T22:00:00+00:00")
        #expect(NightExport.weekday(NightDate(dayNumber: 0)) == "Thu")
        #expect(NightExport.localTime(-1, settings: utc) == "1969-12-31T23:59:59+00:00")
    }

    @Test("export: one row per night with as many fields as columns; diary-only nights too; deleting a night")
    func export() throws {
        let (store, dir) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        try store.save(
            StoredNight(
                report: try scoredReport(periodic: 12), night: try date("2026-01-05"),
                recording: RecordingInfo(sourceKey: "k1", fileName: "one.tsv", format: "tsv")))
        var d = DiaryEntry(night: try date("2026-01-07"))
        d.notes = "no sensor, but: legs bad"
        try store.replaceDiary([d])
        let csv = NightExport.nightsCSV(nights: try store.nights(), diary: try store.diary(), settings: try store.settings())
        let lines = csv.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false)
        #expect(header.count == NightExport.nightColumns.count + DiaryColumn.all.count - 1)
        #expect(lines[1].hasPrefix("2026-01-05,Mon,yes,one.tsv,tsv,,8.0000,8.0000,,12,12,12,1,1.500,in_bed,8.0000,"))
        #expect(lines[2].hasPrefix("2026-01-07,Wed,no,"))
        #expect(lines[2].hasSuffix("\"no sensor, but: legs bad\""))
        #expect(try store.deleteNight(try date("2026-01-05")))
        #expect(try store.nights().isEmpty)
        #expect(try store.events().isEmpty)
    }
}

@Suite("Export column dictionary")
struct ExportDictionaryTests {
    @Test("docs/export.md documents every column of both exports")
    func documented() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let doc = try String(contentsOf: repo.appendingPathComponent("docs/export.md"), encoding: .utf8)
        for c in NightExport.nightColumns + NightExport.eventColumns {
            #expect(doc.contains("| `\(c.name)` |"), "docs/export.md lacks \(c.name)")
        }
    }
}
