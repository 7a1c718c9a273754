import Foundation
import Logging
import NightRecorder
import PLMVocabulary
import RecordingFormats
import SensorFrames

/// The host's clocks with the wall clock moved to 22:00 local time today (the monotonic clock is the real one),
/// so a night is under way whatever time the tests run.
struct EveningClock: RecorderClock {
    let offset: Int64

    init() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        let now = Date()
        let evening = calendar.date(bySettingHour: 22, minute: 0, second: 0, of: now) ?? now
        offset = Int64((evening.timeIntervalSince1970 - now.timeIntervalSince1970) * 1e6)
    }

    func unixMicroseconds() -> Int64 { HostClock.unixMicroseconds() + offset }
    func monotonicMicroseconds() -> Int64 { HostClock.monotonicMicroseconds() }
}

/// A fresh folder under the system's temporary folder.
func temporaryFolder(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("plmd-tests-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// What a .plmrec holds, per sensor serial number.
struct ReadBack {
    var header: PlmrecHeader
    var sequences: [String: [UInt32]] = [:]
    /// Frame records that do not decode (stored as received).
    var undecodable: [String: Int] = [:]
    var anchors: [String: [ClockAnchor]] = [:]
    /// The anchors' round trips, µs.
    var roundTrips: [String: [UInt32]] = [:]
    var gaps: [String: [(from: Int64, to: Int64, kind: PlmrecGapKind)]] = [:]
    var notes: [String] = []
    var tornTail: PlmrecProblem?
    var blocksCorrupt = 0

    init(_ url: URL) throws {
        let reader = try PlmrecReader(url: url)
        var records: [PlmrecRecord] = []
        while let e = try reader.nextRecord() { records.append(e.record) }
        guard let h = reader.header else { throw InputError(file: url.path, message: "no header") }
        header = h
        tornTail = reader.tornTail
        blocksCorrupt = reader.blocksCorrupt
        func serial(_ i: Int) -> String { i < h.sensors.count ? h.sensors[i].serialNumber : "?" }
        for r in records {
            switch r {
            case .frame(let s, _, let bytes):
                if case .success(let f) = SensorFrameCodec.decode(bytes) {
                    sequences[serial(s), default: []].append(f.sequence)
                } else {
                    undecodable[serial(s), default: 0] += 1
                }
            case .clockAnchor(let s, let host, let device, let rt):
                anchors[serial(s), default: []].append(ClockAnchor(host: host, device: device))
                roundTrips[serial(s), default: []].append(rt)
            case .gap(let s, _, let from, let to, let kind, _):
                gaps[s.map(serial) ?? "all", default: []].append((from, to, kind))
            case .note(_, let text):
                notes.append(text)
            default: break
            }
        }
    }
}

/// Byte offsets of the blocks of a .plmrec file.
func blockOffsets(_ url: URL) throws -> [Int] {
    let data = try Data(contentsOf: url)
    var out: [Int] = []
    var o = 0
    while o + 24 <= data.count {
        out.append(o)
        let len = Int(data[o + 12]) | Int(data[o + 13]) << 8 | Int(data[o + 14]) << 16 | Int(data[o + 15]) << 24
        o += 24 + len
    }
    return out
}

/// A logger that prints errors only, to standard error (tests check files and counters, not log lines; an error
/// line helps when one fails).
let quietLogger: Logger = {
    var l = Logger(label: "plmd-test", factory: { StreamLogHandler.standardError(label: $0) })
    l.logLevel = .error
    return l
}()

import NightStore

enum NightStoreCheck {
    /// The nights in a store, YYYY-MM-DD.
    static func nights(_ url: URL) throws -> [String] { try NightStore(url: url).nights().map { $0.night.description } }
}

/// Fixed wall clock, real monotonic clock.
struct FixedClock: RecorderClock {
    var unix: Int64
    func unixMicroseconds() -> Int64 { unix }
    func monotonicMicroseconds() -> Int64 { HostClock.monotonicMicroseconds() }
}

/// `EveningClock` that a test can move forward (to the morning).
final class MovableClock: RecorderClock, @unchecked Sendable {
    private let evening = EveningClock()
    private let lock = NSLock()
    private var extra: Int64 = 0

    func advance(hours: Double) { lock.withLock { extra += Int64(hours * 3600e6) } }
    func unixMicroseconds() -> Int64 { evening.unixMicroseconds() + lock.withLock { extra } }
    func monotonicMicroseconds() -> Int64 { evening.monotonicMicroseconds() }
}
