import ArgumentParser
import Foundation
import NightPipeline
import NightStore
import PLMCommands
import Testing

/// Issue 14: one hostile file in a folder must not cost the good nights.
@Suite("plm-replay on a folder with hostile files", .serialized)
struct HostileFolderTests {
    func simulate(_ url: URL, start: String) throws {
        var cmd = try PLM.parseAsRoot([
            "simulate", "--seed", "3", "--severity", "moderate", "--rate", "50", "--hours", "0.3", "--preset", "clean",
            "--start", start, "--out", url.path,
        ])
        try cmd.run()
    }

    @Test("the good nights are replayed and stored, the run fails, and the bad files are named")
    func folder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plm-hostile-\(UUID().uuidString)")
        let recordings = dir.appendingPathComponent("recordings")
        try FileManager.default.createDirectory(at: recordings, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try simulate(recordings.appendingPathComponent("a.plmrec"), start: "2026-01-05T22:00:00Z")
        try simulate(recordings.appendingPathComponent("b.plmrec"), start: "2026-01-06T22:00:00Z")
        // c.edf: a valid recording whose start date is 31 February (EDF header bytes 168..175).
        let edf = recordings.appendingPathComponent("c.edf")
        try simulate(edf, start: "2026-01-07T22:00:00Z")
        var bytes = [UInt8](try Data(contentsOf: edf))
        bytes.replaceSubrange(168..<176, with: Array("31.02.26".utf8))
        try Data(bytes).write(to: edf)
        // d.csv: a FIFO (nobody writes to it: opening it for reading would block forever).
        #expect(mkfifo(recordings.appendingPathComponent("d.csv").path, 0o600) == 0)
        // e.csv.gz: a truncated gzip file.
        try Data([0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03, 0x4B, 0x4C]).write(
            to: recordings.appendingPathComponent("e.csv.gz"))

        let out = dir.appendingPathComponent("out")
        let data = dir.appendingPathComponent("data")
        var replay = try Replay.parseAsRoot([
            recordings.path, "--out", out.path, "--store", "--data-dir", data.path, "--quiet",
        ])
        #expect(throws: ExitCode.failure) { try replay.run() }
        let store = try NightStore(url: NightStore.defaultURL(dataDir: data.path))
        #expect(try store.nights().map(\.night.description) == ["2026-01-05", "2026-01-06"])
        for name in ["a", "b"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("\(name)/summary.json").path))
        }
        for name in ["c", "d", "e"] {
            #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path))
        }
    }

    @Test("plm-replay names each bad file on standard error and exits 1")
    func namesTheBadFiles() throws {
        let exe = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/plm-replay")
        try #require(FileManager.default.isExecutableFile(atPath: exe.path))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plm-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try simulate(dir.appendingPathComponent("good.plmrec"), start: "2026-01-05T22:00:00Z")
        let fifo = dir.appendingPathComponent("pipe.csv")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let hex = dir.appendingPathComponent("hex.csv")
        try Data("time,left_x,left_y,left_z\n0,0,0,1\n0.01,0x10,0,1\n0.02,0,0,1\n".utf8).write(to: hex)
        let p = Process()
        p.executableURL = exe
        p.arguments = [dir.path, "--out", dir.appendingPathComponent("out").path, "--quiet"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 1)
        #expect(text.contains("error: \(fifo.path): expected a regular file, found a FIFO"), "\(text)")
        #expect(text.contains("error: \(hex.path): line 3: expected a number in g for left_x, found '0x10'"), "\(text)")
        #expect(!text.contains("good.plmrec"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/good/summary.json").path))
    }
}

@Suite("gzip-compressed recordings with errors deep inside")
struct GzipNamingTests {
    @Test("an error found while streaming a .csv.gz names the .gz file, not its inflated copy")
    func deepError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plm-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = "time,left_x,left_y,left_z\n"
        for k in 0..<5000 { text += "\(Double(k) / 50),0,0,\(k == 4000 ? "0x10" : "1")\n" }
        let csv = dir.appendingPathComponent("night.csv")
        try Data(text.utf8).write(to: csv)
        let gz = Process()
        gz.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gz.arguments = [csv.path]
        try gz.run()
        gz.waitUntilExit()
        let url = dir.appendingPathComponent("night.csv.gz")
        do {
            _ = try NightPipeline.analyse(url, options: .init())
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "\(url.path): line 4002 of the inflated data: expected a number in g for left_z, found '0x10'")
        }
    }
}
