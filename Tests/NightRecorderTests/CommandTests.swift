@testable import DaemonStatus
import EmulatorTestSupport
import Foundation
import PLMCommands
import SensorUSB
import Testing

/// `plm sensors`, `plm sensors assign` against emulated sensors, and `plm status`.
@Suite(.serialized)
struct CommandTests {
    @Test func sensorsAreListedAndASideAssigned() async throws {
        try await withBench(sensors: [("0123456789ABCDEF000000A1", .unknown), ("0123456789ABCDEF000000B2", .right)]) { _, usb in
            let table = try SensorsCommand.table(usb)
            let lines = table.split(separator: "\n")
            #expect(lines.count == 3)
            #expect(lines[1].hasPrefix("0123456789ABCDEF000000A1") && lines[1].contains("unset"))
            #expect(lines[2].contains("right") && lines[2].contains("stopped") && lines[2].contains("0 frames"))
            try SensorsCommand.Assign.assign(usb, serial: "0123456789ABCDEF000000A1", side: .left)
            let device = try usb.open(serial: "0123456789ABCDEF000000A1")
            defer { device.close() }
            #expect(try device.info().side == .left)
        }
    }

    @Test func statusInWordsAndStale() throws {
        let dir = try temporaryFolder("status")
        #expect(StatusCommand.describe(folder: dir, nowUnixMicroseconds: 0).hasPrefix("plmd is not running"))
        var s = DaemonStatus(state: .recording, pid: getpid(), daemonStartedUnixMicroseconds: 1_000_000)
        s.updatedUnixMicroseconds = 100_000_000
        s.night = "2026-01-05"
        s.liveLegMovements = 17
        var sensor = DaemonStatus.Sensor(serial: "S1", side: "left")
        sensor.connected = true
        sensor.frames = 1234
        s.sensors = [sensor]
        try s.write(into: dir)
        let fresh = StatusCommand.describe(folder: dir, nowUnixMicroseconds: 102_000_000)
        #expect(fresh.hasPrefix("plmd is recording (pid \(getpid()))"))
        #expect(fresh.contains("17 leg movements") && fresh.contains("S1 left: connected, 1234 frames"))
        let stale = StatusCommand.describe(folder: dir, nowUnixMicroseconds: 200_000_000)
        #expect(stale.hasPrefix("plmd is not running"))
    }

    /// Issue 17 (the VM test): on a full disk status.json could not be replaced (no room for the temporary copy),
    /// so `plm status` never showed the write error. The existing file is rewritten in place instead.
    @Test func statusShowsTheWriteErrorWhenTheDiskIsFull() throws {
        let dir = try temporaryFolder("status-full")
        var s = DaemonStatus(state: .recording, pid: getpid(), daemonStartedUnixMicroseconds: 1_000_000)
        s.updatedUnixMicroseconds = 100_000_000
        s.night = "2026-01-05"
        s.sensors = [DaemonStatus.Sensor(serial: "S1", side: "left"), DaemonStatus.Sensor(serial: "S2", side: "right")]
        try s.write(into: dir)
        struct DiskFull: Error {}
        func full(_: Data, _: URL) throws { throw DiskFull() }

        // longer than before (the error added), then shorter (a sensor fewer): each reads back whole
        s.updatedUnixMicroseconds = 102_000_000
        s.writeError = "No space left on device"
        try s.write(into: dir, replace: full)
        let file = dir.appendingPathComponent(DaemonStatus.fileName)
        #expect(try DaemonStatus.decode(Data(contentsOf: file)) == s)
        let text = StatusCommand.describe(folder: dir, nowUnixMicroseconds: 103_000_000)
        #expect(text.contains("WRITE ERROR: No space left on device"))
        s.sensors = []
        try s.write(into: dir, replace: full)
        #expect(try DaemonStatus.decode(Data(contentsOf: file)) == s)
        // no status file yet: the original error
        let empty = try temporaryFolder("status-none")
        #expect(throws: DiskFull.self) { try s.write(into: empty, replace: full) }
    }
}
