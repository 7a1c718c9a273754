import Foundation
import PLMCommands
import Testing

/// Output folders through the commands: a symlinked night folder is refused (the other nights are written), a
/// rerun replaces a night's folder as a set (issue 14, item 6).
@Suite("Output folders: links refused, nights written as sets", .serialized)
struct OutputSafetyTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let golden = repo.appendingPathComponent("SampleRecordings/events/golden-night.tsv").path

    static func folder() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("plm-outputs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    @Test("plm score --out LINK: refused, exit non-zero, the link's target untouched")
    func scoreIntoLink() throws {
        let base = try Self.folder()
        defer { try? FileManager.default.removeItem(at: base) }
        let target = base.appendingPathComponent("victim")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try Data("keep\n".utf8).write(to: target.appendingPathComponent("summary.json"))
        let link = base.appendingPathComponent("r")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        #expect {
            var cmd = try PLM.parseAsRoot(["score", Self.golden, "--out", link.path, "--quiet"])
            try cmd.run()
        } throws: { "\($0)".contains("symbolic link") }
        #expect(try String(contentsOf: target.appendingPathComponent("summary.json"), encoding: .utf8) == "keep\n")
    }

    @Test("plm-replay of a folder with a symlinked night folder in --out: that night fails, the others are written")
    func replayFolderWithLink() throws {
        let base = try Self.folder()
        defer { try? FileManager.default.removeItem(at: base) }
        let recordings = base.appendingPathComponent("recordings")
        try FileManager.default.createDirectory(at: recordings, withIntermediateDirectories: true)
        for (name, seed) in [("a", "3"), ("b", "4")] {
            var sim = try PLM.parseAsRoot([
                "simulate", "--hours", "0.25", "--rate", "25", "--seed", seed, "--severity", "mild",
                "--out", recordings.appendingPathComponent("\(name).csv").path,
            ])
            try sim.run()
            try FileManager.default.removeItem(at: recordings.appendingPathComponent("\(name).truth.tsv"))
        }
        let out = base.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let victim = base.appendingPathComponent("victim")
        try FileManager.default.createDirectory(at: victim, withIntermediateDirectories: true)
        try Data("keep\n".utf8).write(to: victim.appendingPathComponent("summary.json"))
        try FileManager.default.createSymbolicLink(at: out.appendingPathComponent("a"), withDestinationURL: victim)
        #expect(throws: (any Error).self) {
            var cmd = try Replay.parseAsRoot([recordings.path, "--out", out.path, "--quiet"])
            try cmd.run()
        }
        #expect(try String(contentsOf: victim.appendingPathComponent("summary.json"), encoding: .utf8) == "keep\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: victim.path) == ["summary.json"])
        let b = out.appendingPathComponent("b")
        #expect(try FileManager.default.contentsOfDirectory(atPath: b.path).sorted()
            == ["annotations.edf", "lm_events.json", "lm_events.tsv", "summary.csv", "summary.json"])
        // A second run replaces b's folder whole, byte for byte the same, and leaves nothing beside it.
        let before = try Data(contentsOf: b.appendingPathComponent("summary.json"))
        try FileManager.default.removeItem(at: out.appendingPathComponent("a"))
        var again = try Replay.parseAsRoot([recordings.path, "--out", out.path, "--quiet"])
        try again.run()
        #expect(try Data(contentsOf: b.appendingPathComponent("summary.json")) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["a", "b"])
    }
}
