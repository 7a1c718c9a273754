import Foundation
import NightPipeline
import PLMCommands
import Testing

/// The `plm score` command end to end, on files.
@Suite("plm score", .serialized)
struct ScoreCommandTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let golden = repo.appendingPathComponent("SampleRecordings/events/golden-night.tsv").path

    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("plm-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    func run(_ args: [String]) throws {
        var cmd = try PLM.parseAsRoot(args)
        try cmd.run()
    }

    func summary(_ dir: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: dir.appendingPathComponent("summary.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("the golden night: 31 PLMs (30 nr) by wasm2016, 35 (34) by aasm; same bytes every run")
    func golden() throws {
        let base = try tempDir()
        defer { try? FileManager.default.removeItem(at: base) }
        let a = base.appendingPathComponent("a"), b = base.appendingPathComponent("b")
        let c = base.appendingPathComponent("c")
        try run(["score", ScoreCommandTests.golden, "--out", a.path, "--quiet"])
        try run(["score", ScoreCommandTests.golden, "--rules", "wasm2016", "--out", b.path, "--quiet"])
        try run(["score", ScoreCommandTests.golden, "--rules", "aasm", "--out", c.path, "--quiet"])
        for name in ["lm_events.tsv", "lm_events.json", "summary.json", "summary.csv"] {
            let x = try Data(contentsOf: a.appendingPathComponent(name))
            let y = try Data(contentsOf: b.appendingPathComponent(name))
            #expect(x == y, "\(name) differs between runs")
        }
        let s = try summary(a)
        #expect(s["plm_count"] as? Int == 31)
        #expect(s["plm_nr_count"] as? Int == 30)
        #expect(s["plm_index_basis"] as? String == "sleep")
        let aasm = try summary(c)
        #expect(aasm["plm_count"] as? Int == 35)
        #expect(aasm["plm_nr_count"] as? Int == 34)
        #expect((aasm["rules"] as? [String: Any])?["profile"] as? String == "aasm")
        // Nothing but the four outputs is left in the directory.
        #expect(try FileManager.default.contentsOfDirectory(atPath: a.path).sorted()
            == ["lm_events.json", "lm_events.tsv", "summary.csv", "summary.json"])
    }

    @Test("--set and profile files change the named option")
    func options() throws {
        let base = try tempDir()
        defer { try? FileManager.default.removeItem(at: base) }
        // Golden segment F (IMIs 90, 10, 90) drops out when 90 s is exclusive: 31 - 4.
        try run(["score", ScoreCommandTests.golden, "--set", "imi_max_inclusive=false", "--out", base.appendingPathComponent("x").path, "--quiet"])
        #expect(try summary(base.appendingPathComponent("x"))["plm_count"] as? Int == 27)
        let profile = base.appendingPathComponent("lab.json")
        try Data(#"{"base": "wasm2016", "profile": "lab", "short_imi_lm_may_start_series": false, "imi_min_s": 10}"#.utf8)
            .write(to: profile)
        try run(["score", ScoreCommandTests.golden, "--rules", profile.path, "--out", base.appendingPathComponent("y").path, "--quiet"])
        let y = try summary(base.appendingPathComponent("y"))
        #expect(y["plm_count"] as? Int == 30)  // segment B gives 4 instead of 5
        #expect((y["rules"] as? [String: Any])?["profile"] as? String == "lab")
        // `plm rules` prints a complete profile that loads back to the same rules.
        let printed = base.appendingPathComponent("aasm-copy.json")
        try Data(ProfileFile.render(try ProfileFile.rules(profile: "aasm", overrides: [])).utf8).write(to: printed)
        #expect(try ProfileFile.rules(profile: printed.path, overrides: []) == ProfileFile.rules(profile: "aasm", overrides: []))
    }

    @Test("bad input and bad options stop with a precise error and write nothing")
    func errors() throws {
        let base = try tempDir()
        defer { try? FileManager.default.removeItem(at: base) }
        let bad = base.appendingPathComponent("bad.tsv")
        try Data("onset\tduration\ttrial_type\n1\t1\tLM/left\n2\tabc\tLM/left\n".utf8).write(to: bad)
        let out = base.appendingPathComponent("out")
        let cases: [([String], String)] = [
            (["score", bad.path, "--out", out.path], "\(bad.path): line 3: expected a number of seconds in column 'duration', found 'abc'"),
            (["score", ScoreCommandTests.golden, "--rules", "wasm2006", "--out", out.path], "unknown rules 'wasm2006'"),
            (["score", ScoreCommandTests.golden, "--set", "imi_min_s", "--out", out.path], "expected NAME=VALUE"),
            (["score", ScoreCommandTests.golden, "--set", "imi_min=5", "--out", out.path], "unknown option"),
            (["score", ScoreCommandTests.golden, "--set", "imi_min_s=200", "--out", out.path], "must not exceed"),
        ]
        for (args, message) in cases {
            do {
                try run(args)
                Issue.record("expected an error for \(args)")
            } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
        // An output path that is a file: the error names it, and no temporary file is left behind.
        let blocker = base.appendingPathComponent("blocker")
        try Data("x".utf8).write(to: blocker)
        #expect(throws: (any Error).self) {
            try run(["score", ScoreCommandTests.golden, "--out", blocker.path, "--quiet"])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: base.path).sorted() == ["bad.tsv", "blocker"])
    }
}
