import DaemonStatus
import EmulatorTestSupport
import Foundation
import NightRecorder
import SensorUSB
import Testing

/// plmd's cost at the umockdev tier (BENCHMARKS.md, "plmd cost"): the recorder records two emulated sensors at
/// 100 Hz for `PLM_COST_SECONDS` (default 60) of real time; the CPU time of each thread of the test process is read
/// from /proc before and after and printed by thread name, with peak RSS. Run only on request
/// (`PLM_COST=1 swift test --filter RecorderCostTests`), alone: it measures the whole process, and the other suites
/// would be counted too. libusb's event thread polls busily here (the emulated device node is a regular file) and
/// umockdev's worker thread is the emulated sensors, so the recorder's own cost is the rest (the cooperative pool
/// and the dispatch queues); the VM system test measures the real daemon on a real USB stack.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["PLM_COST"] != nil))
struct RecorderCostTests {
    /// CPU ticks (utime + stime, USER_HZ) of every thread of this process, by thread id, with its name.
    static func threadTicks() -> [Int: (name: String, ticks: Int)] {
        var out: [Int: (String, Int)] = [:]
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        for t in tasks {
            guard let tid = Int(t), let stat = try? String(contentsOfFile: "/proc/self/task/\(t)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
            else { continue }
            let name = String(stat[stat.index(after: open)..<close])
            // fields after the name: state is field 3; utime and stime are fields 14 and 15
            let rest = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            guard rest.count > 12, let u = Int(rest[11]), let s = Int(rest[12]) else { continue }
            out[tid] = (name, u + s)
        }
        return out
    }

    @Test func cpuAndMemoryPerRecordedHour() async throws {
        let seconds = Double(ProcessInfo.processInfo.environment["PLM_COST_SECONDS"] ?? "") ?? 60
        let dir = try temporaryFolder("cost")
        try await withBench(sensors: [("0123456789ABCDEF0000000L", .left), ("0123456789ABCDEF0000000R", .right)]) { _, usb in
            var c = RecorderConfiguration()
            c.dataDir = dir.path
            let recorder = NightRecorder(configuration: c, usb: usb, clock: EveningClock(), logger: quietLogger)
            let night = Task { try await recorder.recordNight() }
            try await stoppingOnError(night) {
                try await waitUntilAsync(patience, "both sensors streaming") {
                    let s = await recorder.status()
                    return s.sensors.count == 2 && s.sensors.allSatisfy { $0.frames >= 20 }
                }
            }
            let before = Self.threadTicks()
            let samples0 = await recorder.status().sensors.map(\.samples).reduce(0, +)
            let t0 = Date()
            try await Task.sleep(for: .seconds(seconds))
            let after = Self.threadTicks()
            let elapsed = Date().timeIntervalSince(t0)
            let samples1 = await recorder.status().sensors.map(\.samples).reduce(0, +)
            night.cancel()
            _ = try await night.value

            var byName: [String: Int] = [:]
            for (tid, a) in after { byName[a.name, default: 0] += a.ticks - (before[tid]?.ticks ?? 0) }
            let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
            let total = Double(byName.values.reduce(0, +)) / hz
            let events = Double(byName["plm-usb-events"] ?? 0) / hz
            let device = Double(byName.filter { $0.key.lowercased().contains("umockdev") || $0.key.hasPrefix("gmain") }
                .values.reduce(0, +)) / hz
            let recorderOwn = total - events - device
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            let recordedSeconds = Double(samples1 - samples0) / 100 / 2  // two legs at 100 Hz
            print("recorder cost (umockdev tier): \(String(format: "%.1f", elapsed)) s wall, \(String(format: "%.1f", recordedSeconds)) s of two-leg recording")
            for (name, ticks) in byName.sorted(by: { $0.value > $1.value }) where ticks > 0 {
                print("  thread \(name): \(String(format: "%.2f", Double(ticks) / hz)) CPU s")
            }
            print(
                "  total \(String(format: "%.2f", total)) CPU s; libusb event thread \(String(format: "%.2f", events)) s;"
                    + " emulator \(String(format: "%.2f", device)) s; recorder's own \(String(format: "%.2f", recorderOwn)) s"
                    + " = \(String(format: "%.1f", recorderOwn * 3600 / elapsed)) CPU s per hour"
                    + " (\(String(format: "%.3f", recorderOwn / elapsed * 100)) % of one core); peak RSS"
                    + " \(String(format: "%.1f", Double(usage.ru_maxrss) / 1024)) MiB (the whole test process)")
            // the recording kept pace with the sensors (the figures are about recording, not falling behind)
            #expect(recordedSeconds > elapsed * 0.8)
        }
    }
}
