import ArgumentParser
import DaemonStatus
import Foundation
import NightStore

/// `plm status [--data-dir]`: what plmd is doing, from its status.json.
public struct StatusCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show what plmd is doing (from <data-dir>/status.json).")

    @OptionGroup public var location: StoreLocation

    public init() {}

    /// A status older than this is a daemon that is not running, seconds.
    public static let staleAfter = 10.0

    public func run() throws {
        let folder = location.url.deletingLastPathComponent()
        print(StatusCommand.describe(folder: folder, nowUnixMicroseconds: Int64(Date().timeIntervalSince1970 * 1e6)))
    }

    /// The status in words.
    public static func describe(folder: URL, nowUnixMicroseconds now: Int64) -> String {
        let file = folder.appendingPathComponent(DaemonStatus.fileName)
        guard let data = try? Data(contentsOf: file), let s = try? DaemonStatus.decode(data) else {
            return "plmd is not running (no status in \(file.path))"
        }
        let age = Double(now - s.updatedUnixMicroseconds) / 1e6
        var out: [String] = []
        if age > staleAfter || s.state == "stopped" {
            out.append("plmd is not running (last status \(Int(age.rounded())) s ago: \(s.state))")
        } else {
            out.append("plmd is \(s.state) (pid \(s.pid))")
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
        return out.joined(separator: "\n")
    }
}
