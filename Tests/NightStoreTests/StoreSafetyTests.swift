import Foundation
import GRDB
import SleepDiary
import Testing

@testable import NightStore

/// The store under several processes at once, read-only stores and stores of a newer schema (issue 14, item 4).
@Suite("Store safety: concurrent setup, read-only, newer schema, permissions", .serialized)
struct StoreSafetyTests {
    static func folder(_ tag: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plm-\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// `plm` built beside the test binary (swift build builds every product).
    static func plm() throws -> URL {
        var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        candidates.append(
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug"))
        for c in candidates {
            let u = c.appendingPathComponent("plm")
            if FileManager.default.isExecutableFile(atPath: u.path) { return u }
        }
        throw StoreError("the plm executable was not built (swift build)")
    }

    /// Starts `count` processes at once and waits for all; their exit codes and standard error.
    static func together(_ count: Int, _ args: [String]) throws -> [(status: Int32, err: String)] {
        let exe = try plm()
        var processes: [(Process, Pipe)] = []
        for _ in 0..<count {
            let p = Process()
            p.executableURL = exe
            p.arguments = args
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            processes.append((p, err))
        }
        for (p, _) in processes { try p.run() }
        return processes.map { p, err in
            let e = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: e, as: UTF8.self))
        }
    }

    static func storeWithNight(_ dir: URL) throws -> URL {
        let url = dir.appendingPathComponent("plm.sqlite")
        let store = try NightStore(url: url, defaults: StoreSettings(nightCutoffHour: 12, timeZone: "UTC"))
        try store.save(
            StoredNight(
                report: try scoredReport(periodic: 30), night: try date("2026-01-05"),
                recording: RecordingInfo(sourceKey: "k", fileName: "night.tsv", format: "tsv")))
        try store.mergeDiary(DiaryEntry(night: try date("2026-01-05")))
        return url
    }

    @Test("8 processes creating one new store at once, 5 times over: every one succeeds (issue: 9 of 28 failed)")
    func concurrentCreation() throws {
        for round in 0..<5 {
            let dir = try Self.folder("race-create")
            defer { try? FileManager.default.removeItem(at: dir) }
            let data = dir.appendingPathComponent("data")
            let results = try Self.together(8, ["settings", "--data-dir", data.path, "--night-cutoff-hour", "13"])
            for r in results { #expect(r.status == 0, "round \(round): \(r.err)") }
            let store = try NightStore(url: data.appendingPathComponent("plm.sqlite"))
            #expect(try store.appliedMigrations() == NightStore.migrator.migrations)
            #expect(try store.journalMode() == "wal")
            #expect(try store.settings().nightCutoffHour == 13)
        }
    }

    @Test("8 processes opening a store of the first schema at once: one migrates, the others wait, all succeed")
    func concurrentMigration() throws {
        for round in 0..<3 {
            let dir = try Self.folder("race-migrate")
            defer { try? FileManager.default.removeItem(at: dir) }
            let url = dir.appendingPathComponent("plm.sqlite")
            let queue = try DatabaseQueue(path: url.path)
            try NightStore.migrator.migrate(queue, upTo: try #require(NightStore.migrator.migrations.first))
            try queue.close()
            let results = try Self.together(8, ["nights", "--data-dir", dir.path])
            for r in results { #expect(r.status == 0, "round \(round): \(r.err)") }
            let store = try NightStore(url: url)
            #expect(try store.appliedMigrations() == NightStore.migrator.migrations)
        }
    }

    @Test("a store its user made read-only (0400) is read, never written, and keeps its mode")
    func readOnlyStore() throws {
        let dir = try Self.folder("readonly")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try Self.storeWithNight(dir)
        #expect(chmod(url.path, 0o400) == 0)
        // Reading: nights, diary, settings.
        let reader = try NightStore(url: url, access: .read)
        #expect(reader.isReadOnly)
        #expect(try reader.nights().map(\.night.description) == ["2026-01-05"])
        #expect(try reader.diary().count == 1)
        // The commands that only read work (exit 0); the export is written elsewhere.
        let export = dir.appendingPathComponent("out/nights.csv")
        let report = dir.appendingPathComponent("out/night.html")
        for args in [
            ["nights"], ["export", "--csv", export.path], ["correlate"], ["diary", "show"], ["settings"],
            ["report", "2026-01-05", "--html", report.path],
        ] {
            let r = try Self.together(1, args + ["--data-dir", dir.path])[0]
            #expect(r.status == 0, "\(args): \(r.err)")
        }
        #expect(try String(contentsOf: export, encoding: .utf8).contains("2026-01-05"))
        #expect(FileManager.default.fileExists(atPath: report.path))
        // Writing is refused with the reason, the mode is left alone and nothing was changed.
        #expect {
            _ = try NightStore(url: url)
        } throws: { error in
            "\(error)".contains("read-only (mode 400)") && "\(error)".contains("chmod u+w")
        }
        let w = try Self.together(1, ["settings", "--data-dir", dir.path, "--time-zone", "Europe/Berlin"])[0]
        #expect(w.status != 0 && w.err.contains("read-only"))
        #expect(StoreFile.mode(url.path) == 0o400)
        #expect(try NightStore(url: url, access: .read).settings().timeZone == "UTC")
    }

    @Test("a store of a newer schema is refused, naming its version and the newest this plm knows")
    func newerSchema() throws {
        let dir = try Self.folder("newer")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try Self.storeWithNight(dir)
        let queue = try DatabaseQueue(path: url.path)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES ('v99: a future table')")
        }
        try queue.close()
        let known = try #require(NightStore.migrator.migrations.last?.split(separator: ":").first.map(String.init))
        #expect(NightStore.newestKnownVersion == known)
        for access in [NightStore.Access.readWrite, .read] {
            #expect {
                _ = try NightStore(url: url, access: access)
            } throws: { error in
                "\(error)".contains("schema v99") && "\(error)".contains("(schema \(known))")
                    && "\(error)".contains("update plm")
            }
        }
        let r = try Self.together(1, ["nights", "--data-dir", dir.path])[0]
        #expect(r.status != 0 && r.err.contains("v99"))
        // Nothing was written: the night is still there, the future migration still recorded.
        let check = try DatabaseQueue(path: url.path)
        #expect(try check.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM night") } == 1)
        try check.close()
    }

    @Test("a read-only store of an older schema cannot be brought up to date: the error says so, naming both")
    func readOnlyOlderSchema() throws {
        let dir = try Self.folder("older-ro")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("plm.sqlite")
        let queue = try DatabaseQueue(path: url.path)
        try NightStore.migrator.migrate(queue, upTo: try #require(NightStore.migrator.migrations.first))
        try queue.close()
        #expect(chmod(url.path, 0o400) == 0)
        #expect {
            _ = try NightStore(url: url, access: .read)
        } throws: { error in
            "\(error)".contains("schema v1") && "\(error)".contains("needs \(NightStore.newestKnownVersion)")
        }
    }

    @Test("an existing store keeps the permissions its user gave it (no chmod back to 0600)")
    func permissionsKept() throws {
        let dir = try Self.folder("perm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try Self.storeWithNight(dir)
        #expect(chmod(url.path, 0o640) == 0)
        _ = try NightStore(url: url)
        #expect(StoreFile.mode(url.path) == 0o640)
    }
}
