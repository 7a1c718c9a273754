import AccelerationSignal
import EDFFormat
import Foundation
import NightStore
import LegMovementScoring
import PLMVocabulary
import RecordingFormats
import ScoreExport
import SleepDiary

/// An opened recording of any supported format, as one frame source: the one place that maps a file's extension
/// to its reader.
public struct OpenedRecording {
    public var source: any FrameSource
    public var format: String
    /// Recording start, µs since the Unix epoch, when the file says.
    public var startUnixMicroseconds: Int64?
    /// The sensors the file names (.plmrec).
    public var sensors: [StoredSensor] = []
    /// When the night started, as the file says.
    public var start: RecordingStart = .unknown
    /// The first frame's time on the recording site's local clock, µs since 1970-01-01 of that clock, when the
    /// file states one (a research device's own clock, EDF's start date and time).
    public var localClockMicroseconds: Int64?
    var temporary: URL?
    /// Two legs' files merged (`LegPair.open`): what summary.json's `data_quality.leg_files` reports.
    public var pair: LegPair.Alignment?
    /// The files a merged recording was opened from, closed with it.
    var parts: [OpenedRecording] = []

    public static let extensions = RecordingFile.extensions

    /// Whether `url` names a recording by its extension (`RecordingFile.extensions`, each optionally `.gz`).
    public static func isRecording(_ url: URL) -> Bool {
        let name = url.lastPathComponent.lowercased()
        return extensions.contains { name.hasSuffix(".\($0)") || name.hasSuffix(".\($0).gz") }
    }

    /// Opens any recording `RecordingFile` reads (`.plmrec`, `.edf`, `.csv`, `.gt3x`, `.cwa`, `.bin`), each optionally
    /// gzip-compressed (`.gz`).
    /// - Parameter leg: for a one-device file, the leg it was worn on (`RecordingFile.open`).
    public static func open(_ url: URL, leg: Leg? = nil) throws -> OpenedRecording {
        var file = url
        var temporary: URL? = nil
        if url.pathExtension.lowercased() == "gz" {
            file = try Gzip.inflate(url)
            temporary = file.deletingLastPathComponent()
        }
        do {
            var r: OpenedRecording
            switch try RecordingFile.open(file, leg: leg) {
            case .plmrec(let s):
                // Its reading figures (summary.json's `data_quality.recording`) are taken once the frames are read:
                // the legs' sensors' decoders count the frames as they read them (`NightPipeline.analyse`).
                r = OpenedRecording(
                    source: s, format: "plmrec", startUnixMicroseconds: s.header.startUnixMicroseconds)
                r.sensors = s.header.sensors.map {
                    StoredSensor(
                        serial: $0.serialNumber,
                        side: $0.side.leg?.name ?? "unknown",
                        firmware: $0.firmwareVersion.map(String.init).joined(separator: "."))
                }
                r.start = .utc(s.header.startUnixMicroseconds)
            case .edf(let s):
                r = OpenedRecording(source: s, format: "edf", startUnixMicroseconds: nil)
                r.start = RecordingStart.edf(s.header)
                if case .localClock(let us) = r.start { r.localClockMicroseconds = us }
            case .csv(let s):
                r = OpenedRecording(
                    source: s, format: "csv", startUnixMicroseconds: s.startUnixMicroseconds)
                r.start = s.startUnixMicroseconds.map { .utc($0) } ?? .unknown
            case let device:
                // Research devices (ActiGraph, Axivity, GENEActiv): one leg, the device's own clock; what the reader
                // found (idle sleep mode, damaged blocks, a cut-off page) reaches data_quality.reading.
                r = OpenedRecording(
                    source: device.source, format: device.format,
                    startUnixMicroseconds: device.deviceStartUnixMicroseconds)
                r.start = r.startUnixMicroseconds.map { .utc($0) }
                    ?? device.deviceStartMicroseconds.map { .localClock($0) } ?? .unknown
                r.localClockMicroseconds = device.deviceStartMicroseconds
            }
            r.temporary = temporary
            return r
        } catch {
            if let temporary { try? FileManager.default.removeItem(at: temporary) }
            throw temporary == nil ? error : OpenedRecording.naming(url, error)
        }
    }

    /// A reader's error about the inflated copy of a `.gz` file, naming the user's file instead.
    static func naming(_ url: URL, _ error: Error) -> Error {
        if var e = error as? InputError {
            e.file = url.path
            e.within = "the inflated data"
            return e
        }
        if var e = error as? EDFError {
            e.file = url.path
            e.message += " (offset in the inflated data)"
            return e
        }
        return error
    }

    public func close() {
        for p in parts { p.close() }
        if let temporary { try? FileManager.default.removeItem(at: temporary) }
    }
}

extension DataQualitySection.RecordingFile {
    /// A `.plmrec` file's reading figures, with its first 20 problems.
    init(_ q: RecordingQuality) {
        self.init(
            blocksOK: q.blocksOK, blocksCorrupt: q.blocksCorrupt, tornTailOffset: q.tornTail.map { $0.offset },
            framesOK: q.framesOK, framesBad: q.framesBad, framesDuplicate: q.framesDuplicate,
            sequenceJumps: q.sequenceJumps, deviceRestarts: q.restarts, samplesLost: Int(clamping: q.samplesLost),
            problemCount: q.problemCount, problems: q.problems.prefix(20).map(\.description))
    }
}

/// Where a recording's night starts: a UTC moment, or (EDF) the clock time written in the file.
public enum RecordingStart: Sendable, Equatable {
    case utc(Int64)
    /// EDF's start date and time, the local clock at the recording site, as µs of that clock.
    case localClock(Int64)
    case unknown

    /// EDF's `dd.mm.yy` and `hh.mm.ss` (years 85–99 are 1985–1999, as the EDF specification says).
    public static func edf(_ header: EDFHeader) -> RecordingStart {
        let d = header.startDate.split(separator: ".").compactMap { Int($0) }
        let t = header.startTime.split(separator: ".").compactMap { Int($0) }
        guard d.count == 3, t.count == 3 else { return .unknown }
        let year = d[2] >= 85 ? 1900 + d[2] : 2000 + d[2]
        guard let date = NightDate(String(format: "%04d-%02d-%02d", year, d[1], d[0])) else { return .unknown }
        let seconds = Int64(date.dayNumber) * 86_400 + Int64(t[0] * 3600 + t[1] * 60 + t[2])
        return .localClock(seconds * 1_000_000)
    }

    /// The start as seconds after local midnight (`zone` for a UTC start), nil when unknown.
    func clockSeconds(zone: TimeZone) -> Double? {
        let clock: Double
        switch self {
        case .utc(let us):
            let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(us) / 1e6))
            clock = (Double(us) / 1e6 + Double(offset)).truncatingRemainder(dividingBy: 86_400)
        case .localClock(let us): clock = (Double(us) / 1e6).truncatingRemainder(dividingBy: 86_400)
        case .unknown: return nil
        }
        return clock < 0 ? clock + 86_400 : clock
    }
}
