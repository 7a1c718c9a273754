import Foundation
import Testing

@testable import ScoreExport

/// Outputs never go through a link plm did not create; a night's folder is replaced as a set; leftovers of crashed
/// runs are cleaned (issue 14, item 6).
@Suite("Atomic output files and folders")
struct AtomicFilesTests {
    static func folder(_ tag: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plm-atomic-\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }
    static func names(_ url: URL) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() }

    static func fill(_ files: [String: String]) -> (URL) throws -> Void {
        { staging in
            for (name, contents) in files.sorted(by: { $0.key < $1.key }) {
                try AtomicFiles.writeNew(staging.appendingPathComponent(name), Data(contents.utf8))
            }
        }
    }

    /// A pid that is surely not running: a child that exited and was reaped.
    static func deadPid() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    @Test("a new folder is written whole; a second run replaces the set, never mixing two runs' files")
    func replacesAsASet() throws {
        let base = try Self.folder("set")
        defer { try? FileManager.default.removeItem(at: base) }
        let night = base.appendingPathComponent("night")
        try AtomicFiles.writeFolder(night, Self.fill(["a.tsv": "old a\n", "b.json": "old b\n"]))
        #expect(try Self.names(night) == ["a.tsv", "b.json"])
        try AtomicFiles.writeFolder(night, Self.fill(["a.tsv": "new a\n", "b.json": "new b\n"]))
        #expect(try Self.text(night.appendingPathComponent("a.tsv")) == "new a\n")
        #expect(try Self.text(night.appendingPathComponent("b.json")) == "new b\n")
        // Nothing left beside it.
        #expect(try Self.names(base) == ["night"])
    }

    @Test("a run that fails half way leaves the earlier set whole and no temporary folder")
    func failureKeepsTheOldSet() throws {
        let base = try Self.folder("fail")
        defer { try? FileManager.default.removeItem(at: base) }
        let night = base.appendingPathComponent("night")
        try AtomicFiles.writeFolder(night, Self.fill(["a.tsv": "old a\n", "b.json": "old b\n"]))
        struct Crash: Error {}
        #expect(throws: Crash.self) {
            try AtomicFiles.writeFolder(night) { staging in
                try AtomicFiles.writeNew(staging.appendingPathComponent("a.tsv"), Data("new a\n".utf8))
                throw Crash()
            }
        }
        #expect(try Self.text(night.appendingPathComponent("a.tsv")) == "old a\n")
        #expect(try Self.text(night.appendingPathComponent("b.json")) == "old b\n")
        #expect(try Self.names(base) == ["night"])
    }

    @Test("a night folder that is a symbolic link is refused and its target left untouched")
    func symlinkedFolderRefused() throws {
        let base = try Self.folder("link")
        defer { try? FileManager.default.removeItem(at: base) }
        let target = base.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try Data("precious\n".utf8).write(to: target.appendingPathComponent("summary.json"))
        let out = base.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let link = out.appendingPathComponent("night")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        #expect {
            try AtomicFiles.writeFolder(link, Self.fill(["summary.json": "new\n"]))
        } throws: { "\($0)".contains("symbolic link") && "\($0)".contains(link.path) }
        #expect(try Self.text(target.appendingPathComponent("summary.json")) == "precious\n")
        #expect(try Self.names(target) == ["summary.json"])
        #expect(try Self.names(out) == ["night"])
    }

    @Test("a link at a file's final name is replaced by the file, never written through")
    func symlinkedFileReplaced() throws {
        let base = try Self.folder("filelink")
        defer { try? FileManager.default.removeItem(at: base) }
        let target = base.appendingPathComponent("precious.txt")
        try Data("precious\n".utf8).write(to: target)
        let out = base.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: out.appendingPathComponent("nights.csv"), withDestinationURL: target)
        try AtomicFiles.write([("nights.csv", "night\n")], into: out)
        #expect(try Self.text(target) == "precious\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent("nights.csv").path)
        #expect(attributes[.type] as? FileAttributeType == .typeRegular)
        #expect(try Self.text(out.appendingPathComponent("nights.csv")) == "night\n")
    }

    @Test("leftovers of crashed runs (dead pids) are removed; a live run's are kept")
    func leftoversCleaned() throws {
        let base = try Self.folder("leftovers")
        defer { try? FileManager.default.removeItem(at: base) }
        let night = base.appendingPathComponent("night")
        try AtomicFiles.writeFolder(night, Self.fill(["a.tsv": "a\n"]))
        let dead = try Self.deadPid()
        let live: Int32 = 1  // init: always running
        for name in [".night.plm-new-\(dead)", ".night.plm-old-\(dead)", ".night.plm-new-\(live)"] {
            try FileManager.default.createDirectory(
                at: base.appendingPathComponent(name), withIntermediateDirectories: true)
            try Data("x".utf8).write(to: base.appendingPathComponent(name).appendingPathComponent("summary.json"))
        }
        try Data("x".utf8).write(to: night.appendingPathComponent(".summary.json.\(dead).tmp"))
        try AtomicFiles.writeFolder(night, Self.fill(["a.tsv": "a2\n"]))
        #expect(try Self.names(base) == [".night.plm-new-\(live)", "night"])
        #expect(try Self.names(night) == ["a.tsv"])
    }

    @Test("a folder holding the user's own files keeps them; the outputs are renamed in; its mode is kept")
    func foreignFilesKept() throws {
        let base = try Self.folder("foreign")
        defer { try? FileManager.default.removeItem(at: base) }
        let out = base.appendingPathComponent("results")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("mine\n".utf8).write(to: out.appendingPathComponent("notes.txt"))
        #expect(chmod(out.path, 0o750) == 0)
        try AtomicFiles.writeFolder(out, Self.fill(["summary.json": "{}\n"]))
        #expect(try Self.names(out) == ["notes.txt", "summary.json"])
        #expect(try Self.text(out.appendingPathComponent("notes.txt")) == "mine\n")
        let mode = try FileManager.default.attributesOfItem(atPath: out.path)[.posixPermissions] as? Int
        #expect(mode == 0o750)
        // Replaced as a set when it holds only outputs: the mode is carried over.
        let night = base.appendingPathComponent("night")
        try AtomicFiles.writeFolder(night, Self.fill(["summary.json": "1\n"]))
        #expect(chmod(night.path, 0o700) == 0)
        try AtomicFiles.writeFolder(night, Self.fill(["summary.json": "2\n"]))
        #expect(try FileManager.default.attributesOfItem(atPath: night.path)[.posixPermissions] as? Int == 0o700)
    }
}
