import Foundation
import NightPipeline
import NightAnalysis
import PLMCommands
import Testing

/// plm-replay end to end on a short simulated night written in every format.
@Suite("plm-replay", .serialized)
struct ReplayTests {
    static let outputs = ["lm_events.tsv", "lm_events.json", "summary.json", "summary.csv", "annotations.edf"]

    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("plm-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    func simulate(_ dir: URL, _ name: String) throws -> URL {
        let url = dir.appendingPathComponent(name)
        var cmd = try PLM.parseAsRoot([
            "simulate", "--seed", "5", "--severity", "severe", "--rate", "50", "--hours", "0.5", "--preset", "clean",
            "--out", url.path,
        ])
        try cmd.run()
        return url
    }

    func files(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for n in ReplayTests.outputs { out[n] = try Data(contentsOf: dir.appendingPathComponent(n)) }
        return out
    }

    @Test("replaying twice gives the same bytes; .plmrec, EDF+ and CSV of the same night give the same events")
    func formats() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var events: [String: Data] = [:]
        for name in ["night.plmrec", "night.edf", "night.csv"] {
            let rec = try simulate(dir, name)
            let a = dir.appendingPathComponent("a-\(name)"), b = dir.appendingPathComponent("b-\(name)")
            _ = try NightPipeline.replay(rec, to: a, options: .init())
            _ = try NightPipeline.replay(rec, to: b, options: .init())
            #expect(try files(a) == files(b), "\(name)")
            events[name] = try Data(contentsOf: a.appendingPathComponent("lm_events.tsv"))
        }
        #expect(events["night.plmrec"] == events["night.edf"])
        #expect(events["night.plmrec"] == events["night.csv"])
        let tsv = String(decoding: try #require(events["night.plmrec"]), as: UTF8.self)
        #expect(tsv.split(separator: "\n").count > 40)  // a severe half hour has dozens of LMs
        // The truth file was written next to the recording.
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("night.truth.tsv").path))
    }

    @Test("streaming in chunks of any size equals the whole night, byte for byte")
    func streaming() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rec = try simulate(dir, "night.plmrec")
        var reference: [String: Data]? = nil
        for chunk in [7, 1000, 1 << 20] {
            let out = dir.appendingPathComponent("c\(chunk)")
            _ = try NightPipeline.replay(rec, to: out, options: .init(chunkFrames: chunk))
            let f = try files(out)
            if let reference { #expect(f == reference, "chunk \(chunk)") } else { reference = f }
        }
    }

    @Test("a corrupted block and a torn tail are reported with byte offsets and counted, not fatal")
    func corrupt() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rec = try simulate(dir, "night.plmrec")
        var bytes = [UInt8](try Data(contentsOf: rec))
        let middle = bytes.count / 2
        for i in middle..<(middle + 64) { bytes[i] ^= 0x5A }
        bytes.removeLast(100)
        let bad = dir.appendingPathComponent("bad.plmrec")
        try Data(bytes).write(to: bad)
        let out = dir.appendingPathComponent("out")
        _ = try NightPipeline.replay(bad, to: out, options: .init())
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json")))
                as? [String: Any])
        let recording = try #require((json["data_quality"] as? [String: Any])?["recording"] as? [String: Any])
        #expect((recording["blocks_corrupt"] as? Int ?? 0) >= 1)
        #expect(recording["torn_tail_offset"] is Int)
        let problems = recording["problems"] as? [String] ?? []
        #expect(problems.contains { $0.contains("\(middle / 1000)") || $0.lowercased().contains("offset") || $0.contains("byte") })
    }

    @Test("a gzip-compressed recording replays like the plain one; unknown files are a clear error")
    func gzipAndErrors() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rec = try simulate(dir, "night.plmrec")
        let gz = Process()
        gz.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gz.arguments = ["-k", rec.path]
        try gz.run()
        gz.waitUntilExit()
        _ = try NightPipeline.replay(rec, to: dir.appendingPathComponent("plain"), options: .init())
        _ = try NightPipeline.replay(
            dir.appendingPathComponent("night.plmrec.gz"), to: dir.appendingPathComponent("gz"), options: .init())
        #expect(
            try Data(contentsOf: dir.appendingPathComponent("plain/lm_events.tsv"))
                == Data(contentsOf: dir.appendingPathComponent("gz/lm_events.tsv")))
        let txt = dir.appendingPathComponent("notes.txt")
        try Data("hello".utf8).write(to: txt)
        #expect(throws: (any Error).self) { try NightPipeline.replay(txt, to: dir.appendingPathComponent("x"), options: .init()) }
        #expect(NightAnalysis.Pace(argument: "60x") == .factor(60))
        #expect(NightAnalysis.Pace(argument: "realtime") == .factor(1))
        #expect(NightAnalysis.Pace(argument: "fast") == nil)
    }
}
