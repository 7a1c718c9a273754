import AccelerationSignal
import EDFFormat
import Foundation
import LegMovementScoring
import PLMVocabulary

/// A recording file opened by the reader its extension and first bytes call for.
public enum RecordingReader {
    case plmrec(PlmrecFrameSource)
    case edf(EDFAccelerationSource)
    case csv(CSVAccelerationSource)
    case gt3x(DeviceFrameSource<GT3XDecoder>)
    case cwa(DeviceFrameSource<CWADecoder>)
    case geneactiv(DeviceFrameSource<GENEActivDecoder>)
    case actilifeCSV(DeviceFrameSource<ActiLifeCSVDecoder>)

    /// The frames, whatever the format.
    public var source: any FrameSource {
        switch self {
        case .plmrec(let s): s
        case .edf(let s): s
        case .csv(let s): s
        case .gt3x(let s): s
        case .cwa(let s): s
        case .geneactiv(let s): s
        case .actilifeCSV(let s): s
        }
    }

    /// `plmrec`, `edf`, `csv`, `gt3x`, `cwa`, `geneactiv`, `actilife-csv`.
    public var format: String {
        switch self {
        case .plmrec: "plmrec"
        case .edf: "edf"
        case .csv: "csv"
        case .gt3x: "gt3x"
        case .cwa: "cwa"
        case .geneactiv: "geneactiv"
        case .actilifeCSV: "actilife-csv"
        }
    }

    /// What a research device's file says about the device (nil for plm's own formats).
    public var device: DeviceInfo? {
        switch self {
        case .gt3x(let s): s.info
        case .cwa(let s): s.info
        case .geneactiv(let s): s.info
        case .actilifeCSV(let s): s.info
        default: nil
        }
    }

    /// µs since the Unix epoch (UTC) of the first frame, when a research device's file states its clock's offset.
    public var deviceStartUnixMicroseconds: Int64? {
        switch self {
        case .gt3x(let s): s.startUnixMicroseconds
        case .cwa(let s): s.startUnixMicroseconds
        case .geneactiv(let s): s.startUnixMicroseconds
        case .actilifeCSV(let s): s.startUnixMicroseconds
        default: nil
        }
    }

    /// µs on the device's clock of the first frame (research devices keep local time).
    public var deviceStartMicroseconds: Int64? {
        switch self {
        case .gt3x(let s): s.startDeviceMicroseconds
        case .cwa(let s): s.startDeviceMicroseconds
        case .geneactiv(let s): s.startDeviceMicroseconds
        case .actilifeCSV(let s): s.startDeviceMicroseconds
        default: nil
        }
    }
}

/// Opens any supported recording: the one place that knows which reader a file needs
/// (docs/recording-format.md, "Research devices").
public enum RecordingFile {
    /// File extensions of recordings (each optionally `.gz` where the caller inflates).
    public static let extensions = ["plmrec", "edf", "csv", "gt3x", "cwa", "bin"]
    /// Extensions of activity-count (epoch) exports, refused with a message saying so.
    public static let epochCountExtensions = ["agd", "awd"]

    /// Opens `url` by its extension, checked against its first bytes.
    /// - Parameter leg: for a one-device file, the leg it was worn on (nil: the leg the file names, else left).
    public static func open(_ url: URL, leg: Leg? = nil) throws -> RecordingReader {
        let ext = url.pathExtension.lowercased()
        if epochCountExtensions.contains(ext) {
            throw ext == "agd"
                ? epochCounts(url, what: "an ActiLife .agd") : epochCounts(url, what: "an Actiwatch .awd", countsOnly: true)
        }
        try RegularFile.check(url)
        let head = try firstBytes(url, 512)
        func starts(_ s: String) -> Bool { head.starts(with: Array(s.utf8)) }
        switch ext {
        case "plmrec": return .plmrec(try PlmrecFrameSource(url: url))
        case "edf": return .edf(try EDFAccelerationSource(url: url))
        case "csv":
            let text = String(decoding: head, as: UTF8.self)
            if let counts = countExport(text) { throw epochCounts(url, what: counts.what, countsOnly: counts.countsOnly) }
            if ActiLifeCSVDecoder.isActiLifeHeader(text) {
                return .actilifeCSV(try device(ActiLifeCSVDecoder(url: url), url, leg))
            }
            return .csv(try CSVAccelerationSource(url: url))
        case "gt3x": return .gt3x(try device(GT3XDecoder(url: url), url, leg))
        case "cwa": return .cwa(try device(CWADecoder(url: url), url, leg))
        case "bin":
            if starts("Device Identity") { return .geneactiv(try device(GENEActivDecoder(url: url), url, leg)) }
            if starts("GENEA/") {
                throw InputError(
                    file: url.path, location: .byte(0),
                    message: "a GENEA (2010, first generation) .bin file; plm reads GENEActiv .bin files (first line 'Device Identity')")
            }
            throw InputError(
                file: url.path, location: .byte(0),
                message: "expected a GENEActiv .bin file (first line 'Device Identity')")
        default:
            throw InputError(
                file: url.path,
                message: "expected a .plmrec, .edf, .csv, .gt3x (ActiGraph), .cwa (Axivity) or .bin (GENEActiv) recording")
        }
    }

    static func device<D: DeviceDecoder>(_ decoder: D, _ url: URL, _ leg: Leg?) throws -> DeviceFrameSource<D> {
        try DeviceFrameSource(decoder: decoder, path: url.path, leg: leg)
    }

    /// What an activity-count CSV export is, from its first bytes (a byte order mark first is allowed), or nil: an
    /// ActiLife export whose header has a non-zero `Epoch Period`, and the exports of devices that record counts only
    /// (`countsOnly`), known by their first line: Actical's "Actical List Export File" and Actiware's (Actiwatch)
    /// "Actiware Export File", in whatever language the software wrote it ("Actiware-exportbestand").
    static func countExport(_ text: String) -> (what: String, countsOnly: Bool)? {
        let first = text.drop { $0 == "\u{FEFF}" }.prefix { $0 != "\n" && $0 != "\r" }
        let lower = first.lowercased()
        if lower.hasPrefix("actical") { return ("an Actical CSV export", true) }
        if lower.hasPrefix("actiware") { return ("an Actiware (Actiwatch) CSV export", true) }
        if ActiLifeCSVDecoder.isActiLifeHeader(first), let period = text.range(of: "Epoch Period (hh:mm:ss) "),
            !text[period.upperBound...].hasPrefix("00:00:00")
        {
            return ("an ActiLife epoch (count) CSV export", false)
        }
        return nil
    }

    /// - Parameter countsOnly: the device records counts only (Actical, Actiwatch): there is no raw file to replay.
    static func epochCounts(_ url: URL, what: String, countsOnly: Bool = false) -> InputError {
        InputError(
            file: url.path,
            message: "\(what) file holds activity counts per epoch, not raw acceleration; leg movements cannot be "
                + (countsOnly
                    ? "measured from counts (the device records no raw acceleration)"
                    : "measured from counts: replay the device's raw file (.gt3x, .cwa, .bin) instead"))
    }

    static func firstBytes(_ url: URL, _ n: Int) throws -> [UInt8] {
        guard let h = FileHandle(forReadingAtPath: url.path) else {
            throw InputError(file: url.path, message: "cannot open the file")
        }
        defer { try? h.close() }
        return [UInt8]((try? h.read(upToCount: n)) ?? Data())
    }

    /// Why a file found in a folder is not a recording (a diary, an events table, an annotation-only EDF, an
    /// epoch-count export), or nil when it looks like one. Cheap: reads the first bytes or the EDF header only.
    public static func notARecording(_ url: URL) -> String? {
        var name = url.lastPathComponent.lowercased()
        if name.hasSuffix(".gz") { return nil }  // looked at once inflated
        name = url.pathExtension.lowercased()
        if epochCountExtensions.contains(name) { return "activity counts (epochs), not raw acceleration" }
        // Never open what is not a regular file to look inside (a FIFO would block the folder's replay for ever):
        // it stays in the list, and opening it refuses it with its reason.
        guard (try? RegularFile.check(url)) != nil, let head = try? firstBytes(url, 4096) else { return nil }
        switch name {
        case "csv":
            // A byte order mark is not part of the first column's name (plm's CSV reader skips it too).
            let text = String(String(decoding: head, as: UTF8.self).drop { $0 == "\u{FEFF}" })
            if countExport(text) != nil { return "activity counts (epochs), not raw acceleration" }
            if ActiLifeCSVDecoder.isActiLifeHeader(text) { return nil }
            let first = text.prefix { $0 != "\n" && $0 != "\r" }
            let columns = first.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            let hasTime = columns.contains("time") || columns.contains("timestamp")
            let hasAxis = columns.contains { CSVAccelerationSource.channelNames.contains($0) }
            return hasTime && hasAxis
                ? nil : "a CSV table without acceleration columns (time or timestamp, and left_x … right_z)"
        case "edf":
            guard let reader = try? EDFRecordReader(contentsOf: url) else { return nil }
            let acceleration = reader.header.signals.contains {
                !$0.isAnnotations
                    && AccelerationLabels.parse(
                        $0.label, requireAccelerationWord: AccelerationLabels.gPerUnit($0.physicalDimension) == nil) != nil
            }
            return acceleration ? nil : "an EDF without accelerometer channels (annotations or other signals only)"
        default:
            return nil
        }
    }
}
