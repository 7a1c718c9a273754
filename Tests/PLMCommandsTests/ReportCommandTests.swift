import Foundation
import NightStore
import PLMCommands
import ScoreExport
import SleepDiary
import Testing

/// `plm report`: the command around the NightReports pages (the pages themselves: NightReportsTests).
@Suite("plm report")
struct ReportCommandTests {
    static func run(_ args: [String]) throws {
        var cmd = try PLM.parseAsRoot(args)
        try cmd.run()
    }

    /// A store with two scored event tables, nights 2026-01-05 and 2026-01-08.
    static func store() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plm-report-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var tsv = "onset\tduration\ttrial_type\n0\tn/a\tlights_off\n"
        for i in 0..<30 { tsv += "\(600 + i * 22)\t2\tLM/left\n" }
        tsv += "28800\tn/a\tlights_on\n"
        let events = dir.appendingPathComponent("night.tsv")
        try tsv.write(to: events, atomically: true, encoding: .utf8)
        for night in ["2026-01-05", "2026-01-08"] {
            try run([
                "score", events.path, "--out", dir.appendingPathComponent("out-\(night)").path, "--store", "--night", night,
                "--data-dir", dir.appendingPathComponent("data").path, "--quiet",
            ])
        }
        return dir
    }

    @Test("a night and the trend are written as HTML files with the store's figures")
    func writes() throws {
        let dir = try Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = ["--data-dir", dir.appendingPathComponent("data").path]
        let night = dir.appendingPathComponent("reports/night.html")
        let trend = dir.appendingPathComponent("reports/trend.html")
        try Self.run(["report", "2026-01-05", "--html", night.path] + data)
        try Self.run(["report", "--trend", "--html", trend.path, "--from", "2026-01-06"] + data)
        let store = try NightStore(url: dir.appendingPathComponent("data/plm.sqlite"))
        let date = try #require(NightDate("2026-01-05"))
        let index = try #require(try store.night(date)?.figures.plmIndex)
        let html = try String(contentsOf: night, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("data-figure=\"plm_index\" data-value=\"\(NumberFormat.fixed(index, decimals: 3))\""))
        let trendHTML = try String(contentsOf: trend, encoding: .utf8)
        #expect(trendHTML.contains("data-night=\"2026-01-08\"") && !trendHTML.contains("data-night=\"2026-01-05\""))
    }

    @Test("an unknown night names the nearest stored nights; bad arguments are refused")
    func errors() throws {
        let dir = try Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = ["--data-dir", dir.appendingPathComponent("data").path]
        let out = dir.appendingPathComponent("x.html").path
        #expect {
            try Self.run(["report", "2026-01-07", "--html", out] + data)
        } throws: { error in
            "\(error)".contains("no night 2026-01-07") && "\(error)".contains("nearest stored nights: 2026-01-08, 2026-01-05")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(throws: (any Error).self) { try PLM.parseAsRoot(["report", "--html", out]) }
        #expect(throws: (any Error).self) { try PLM.parseAsRoot(["report", "2026-01-05", "--trend", "--html", out]) }
        #expect(throws: (any Error).self) { try PLM.parseAsRoot(["report", "2026-13-05", "--html", out]) }
        #expect(throws: (any Error).self) { try PLM.parseAsRoot(["report", "2026-01-05", "--from", "2026-01-01", "--html", out]) }
        #expect(throws: (any Error).self) {
            try PLM.parseAsRoot(["report", "--trend", "--from", "2026-02-01", "--to", "2026-01-01", "--html", out])
        }
    }
}
