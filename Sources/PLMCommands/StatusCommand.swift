import ArgumentParser
import DaemonStatus
import Foundation
import NightStore

/// `plm status [--data-dir]`: what plmd is doing, from its status.json. Exits 0 while plmd is running, 3 (as
/// LSB's "program is not running") when it is not: no status, a status older than `staleAfter`, a stopped
/// daemon, or a pid that is no longer alive.
public struct StatusCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show what plmd is doing (from <data-dir>/status.json).",
        discussion: "Exit status: 0 while plmd is running, 3 when it is not.")

    @OptionGroup public var location: StoreLocation

    public init() {}

    /// A status older than this is a daemon that is not running, seconds.
    public static let staleAfter = 10.0

    /// The exit status when plmd is not running.
    public static let notRunningExitCode: Int32 = 3

    public func run() throws {
        let folder = location.url.deletingLastPathComponent()
        let (text, running) = StatusCommand.check(
            folder: folder, nowUnixMicroseconds: Int64(Date().timeIntervalSince1970 * 1e6))
        print(text)
        if !running { throw ExitCode(StatusCommand.notRunningExitCode) }
    }

    /// The status in words.
    public static func describe(folder: URL, nowUnixMicroseconds now: Int64) -> String {
        check(folder: folder, nowUnixMicroseconds: now).text
    }

    /// The status in words, and whether plmd is running: a fresh status, not stopped, from a live pid.
    public static func check(
        folder: URL, nowUnixMicroseconds now: Int64, isAlive: (Int32) -> Bool = DaemonLock.isAlive
    ) -> (text: String, running: Bool) {
        let file = folder.appendingPathComponent(DaemonStatus.fileName)
        guard let data = try? Data(contentsOf: file), let s = try? DaemonStatus.decode(data) else {
            return ("plmd is not running (no status in \(file.path))", false)
        }
        let age = Double(now - s.updatedUnixMicroseconds) / 1e6
        var out: [String] = []
        let running: Bool
        if age > staleAfter || s.state == .stopped {
            out.append("plmd is not running (last status \(Int(age.rounded())) s ago: \(s.state))")
            running = false
        } else if !isAlive(s.pid) {
            out.append("plmd is not running (pid \(s.pid) of its last status, \(Int(age.rounded())) s ago, is gone)")
            running = false
        } else {
            out.append("plmd is \(s.state) (pid \(s.pid))")
            running = true
        }
        if let night = s.night { out.append("night \(night): \(s.recording ?? "")") }
        out.append(
            String(
                format: "recording %.1f MB, %lld bytes written by this run, last flush %@", Double(s.recordingBytes) / 1e6,
                s.bytesWritten, s.lastFlushUnixMicroseconds.map { "\(String(format: "%.1f", Double(now - $0) / 1e6)) s ago" } ?? "never"))
        if let e = s.writeError { out.append("WRITE ERROR: \(e) (records kept in memory; the sensors keep theirs)") }
        out.append(
            String(
                format: "live: %d leg movements in %.1f min (%.1f min with a leg missing)", s.liveLegMovements, s.liveMinutes,
                s.liveMinutesMissing))
        for x in s.sensors {
            let last = x.lastFrameUnixMicroseconds.map { String(format: "%.1f s ago", Double(now - $0) / 1e6) } ?? "none"
            out.append(
                "  \(x.serial) \(x.side): \(x.connected ? "connected" : "not connected"), \(x.frames) frames, "
                    + "\(x.crcErrors) corrupt, \(x.framesLost) lost, \(x.gaps) gaps, \(x.stallsRecovered) stalls, "
                    + "attached \(x.attaches)x, last frame \(last)")
        }
        return (out.joined(separator: "\n"), running)
    }
}
