import DaemonStatus
import EmulatorTestSupport
import Foundation
import Logging
import NightRecorder
import NightStore
import PLMCommands
import RecordingFormats
import Testing

/// One plmd per data folder, checks at start, a night without sensors, `plm status` on a dead pid, folder
/// permissions and a symlinked recording (issue 14, item 5). Exit codes: plmd 2 when it cannot start, `plm status`
/// 3 when plmd is not running.
@Suite("Daemon safety", .serialized)
struct DaemonSafetyTests {
    static func binary(_ name: String) throws -> URL {
        try #require(executable(name), "\(name) was not built (swift build)")
    }

    /// Starts plmd in the background; its process and a pipe of its standard error.
    static func start(_ args: [String]) throws -> (Process, Pipe) {
        let p = Process()
        p.executableURL = try binary("plmd")
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        return (p, err)
    }

    static func waitFor(_ what: String, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(30)
        while !condition() {
            guard Date() < deadline else { throw DaemonLock.OpenError(description: "timed out waiting for \(what)") }
            usleep(50_000)
        }
    }

    static func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
    }

    @Test("a second plmd on the same data folder exits 2 naming the first one's pid; plm status exits 3 once it stopped")
    func oneDaemonPerFolder() throws {
        let dir = try temporaryFolder("two-daemons")
        let data = dir.appendingPathComponent("data")
        let (first, _) = try Self.start(["--data-dir", data.path, "--log-level", "error"])
        defer { if first.isRunning { first.terminate() } }
        try Self.waitFor("the first plmd's lock and status") {
            DaemonLock.holder(folder: data) == first.processIdentifier
                && FileManager.default.fileExists(atPath: data.appendingPathComponent("status.json").path)
        }
        let second = try run(try Self.binary("plmd"), ["--data-dir", data.path])
        #expect(second.status == 2)
        #expect(second.err.contains("another plmd (pid \(first.processIdentifier)) is already recording into \(data.path)"))
        // The first one goes on: plm status says it records, exit 0.
        let plm = try Self.binary("plm")
        let running = try run(plm, ["status", "--data-dir", data.path])
        #expect(running.status == 0 && running.out.contains("(pid \(first.processIdentifier))"), "\(running)")
        first.terminate()
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        let stopped = try run(plm, ["status", "--data-dir", data.path])
        #expect(stopped.status == 3 && stopped.out.hasPrefix("plmd is not running"))
        // The lock was the kernel's: a new plmd starts at once.
        let (third, _) = try Self.start(["--data-dir", data.path, "--log-level", "error"])
        // (its status written means its signal handlers are in place: SIGTERM then stops it cleanly)
        try Self.waitFor("the third plmd's status") {
            guard let d = try? Data(contentsOf: data.appendingPathComponent(DaemonStatus.fileName)),
                let s = try? DaemonStatus.decode(d)
            else { return false }
            return s.pid == third.processIdentifier && s.state != .stopped
        }
        third.terminate()
        third.waitUntilExit()
        #expect(third.terminationStatus == 0)
    }

    @Test("a fresh status whose pid is gone is 'not running' (issue: 'recording (pid 999999)'), exit 3")
    func deadPid() throws {
        let dir = try temporaryFolder("dead-pid")
        // A pid that surely existed and is gone: a child that has exited and was reaped.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let now = Int64(Date().timeIntervalSince1970 * 1e6)
        for pid in [child.processIdentifier, 999_999] {
            var s = DaemonStatus(state: .recording, pid: pid, daemonStartedUnixMicroseconds: now - 5_000_000)
            s.updatedUnixMicroseconds = now
            try s.write(into: dir)
            let (text, running) = StatusCommand.check(folder: dir, nowUnixMicroseconds: now + 1_000_000)
            #expect(!running)
            #expect(text.hasPrefix("plmd is not running (pid \(pid) of its last status"), "\(text)")
            let r = try run(try Self.binary("plm"), ["status", "--data-dir", dir.path])
            #expect(r.status == 3 && r.out.hasPrefix("plmd is not running"), "\(r)")
        }
        // A live pid with a fresh status is running.
        var s = DaemonStatus(state: .recording, pid: getpid(), daemonStartedUnixMicroseconds: now)
        s.updatedUnixMicroseconds = now
        try s.write(into: dir)
        #expect(StatusCommand.check(folder: dir, nowUnixMicroseconds: now + 1_000_000).running)
        // No status at all.
        let empty = try temporaryFolder("no-status")
        #expect(try run(try Self.binary("plm"), ["status", "--data-dir", empty.path]).status == 3)
    }

    @Test("what the night needs is checked at start: a missing rules file, a read-only store; exit 2 before recording")
    func checkedAtStart() throws {
        let dir = try temporaryFolder("start-checks")
        let data = dir.appendingPathComponent("data")
        let missing = dir.appendingPathComponent("no-such-rules.json").path
        let rules = try run(try Self.binary("plmd"), ["--data-dir", data.path, "--rules", missing])
        #expect(rules.status == 2)
        #expect(rules.err.contains("cannot start") && rules.err.contains(missing), "\(rules.err)")
        let recordings = data.appendingPathComponent("recordings")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: recordings.path))?.isEmpty ?? true)
        // The store made read-only by its user: refused at start, its mode left alone.
        let store = data.appendingPathComponent("plm.sqlite")
        _ = try NightStore(url: store)
        #expect(chmod(store.path, 0o400) == 0)
        let ro = try run(try Self.binary("plmd"), ["--data-dir", data.path])
        #expect(ro.status == 2 && ro.err.contains("read-only"), "\(ro.err)")
        #expect(Self.mode(store.path) == 0o400)
        // The lock was released: nothing holds the folder after a refused start.
        let lock = try DaemonLock.acquire(folder: data)
        lock.release()
    }

    @Test("the data folder, recordings/ and nights/ are created 0700 whatever the umask")
    func foldersOwnerOnly() throws {
        let dir = try temporaryFolder("folders")
        var c = RecorderConfiguration()
        c.dataDir = dir.appendingPathComponent("a/data").path
        let old = umask(0o022)
        defer { umask(old) }
        let lock = try NightRecorder.prepare(configuration: c)
        defer { lock.release() }
        for sub in ["", "recordings", "nights"] {
            #expect(Self.mode(dir.appendingPathComponent("a/data").appendingPathComponent(sub).path) == 0o700, "\(sub)")
        }
        // A second prepare in the same process is refused too (the lock is per open file).
        #expect(throws: DaemonLock.HeldError.self) { _ = try NightRecorder.prepare(configuration: c) }
    }

    @Test("a symlink where the night's recording goes is not followed: an error, its target untouched")
    func symlinkedRecording() throws {
        let dir = try temporaryFolder("symlink-rec")
        let recordings = dir.appendingPathComponent("recordings")
        try FileManager.default.createDirectory(at: recordings, withIntermediateDirectories: true)
        let target = dir.appendingPathComponent("precious.txt")
        try Data("keep me\n".utf8).write(to: target)
        let link = recordings.appendingPathComponent("2026-01-05.plmrec")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        #expect {
            _ = try RecordingSession(
                url: link, night: "2026-01-05", clock: EveningClock(), sampleRate: 100, rangeG: 4, logger: quietLogger)
        } throws: { "\($0)".contains("a symbolic link") }
        #expect(try String(contentsOf: target, encoding: .utf8) == "keep me\n")
    }

    @Test("a night in which no sensor was ever plugged in ends cleanly with a note, nothing stored")
    func nightWithoutSensors() async throws {
        let dir = try temporaryFolder("no-sensors")
        let clock = MovableClock()
        var c = RecorderConfiguration()
        c.dataDir = dir.path
        c.rescanInterval = 0.2
        c.statusInterval = 0.5
        c.morningHour = 7
        c.morningMinute = 0
        try await withBench(sensors: []) { _, usb in
            let recorder = NightRecorder(configuration: c, usb: usb, clock: clock, logger: quietLogger)
            let night = Task { try await recorder.recordNight() }
            try await stoppingOnError(night) {
                try await waitUntilAsync(patience, "recording") { await recorder.status().state == .recording }
                clock.advance(hours: 10)  // 08:00: the morning has passed
                try await waitUntilAsync(patience, "the night finished") { await recorder.status().state == .finished }
            }
            let end = try await night.value
            guard case .withoutSensors(let name, let url) = end else {
                Issue.record("expected a night without sensors, got \(end)")
                return
            }
            #expect(try ReadBack(url).notes.contains { $0.contains("no sensor was plugged in") })
            let outputs = dir.appendingPathComponent("nights").appendingPathComponent(name)
            #expect(!FileManager.default.fileExists(atPath: outputs.path))
            #expect(try NightStoreCheck.nights(dir.appendingPathComponent("plm.sqlite")).isEmpty)
        }
    }
}
