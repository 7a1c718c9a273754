import CSVFormat
import Foundation
import PLMVocabulary
import RecordingFormats

/// What `plm-replay` replays: one recording, or two files (one per leg) as one night.
public enum ReplayJob: Sendable, Equatable {
    /// `name`: the output folder's name when not the file's own (a manifest row with one leg).
    case single(URL, name: String? = nil)
    /// `name`: the output folder's name (`participant/night` for a manifest row).
    case pair(name: String, left: URL, right: URL)

    /// The output folder name.
    public var name: String {
        switch self {
        case .single(let url, let name): name ?? NightPipeline.outputName(url)
        case .pair(let name, _, _): name
        }
    }

    /// The file(s), for messages.
    public var label: String {
        switch self {
        case .single(let url, _): url.path
        case .pair(_, let l, let r): "\(l.path) + \(r.path)"
        }
    }
}

/// A study's folder (docs/recording-format.md, "Study folders"): every participant's night in one call.
///
/// 1. A manifest `plm-study.csv` in the folder, a header row with `participant`, `night`, `left`, `right` (any
///    order; other columns ignored), one row per night; `left` and `right` are paths relative to the folder (either
///    may be empty for a one-leg night). Output folder: `participant/night`.
/// 2. Without a manifest: files named `NAME_left.EXT` and `NAME_right.EXT` (also `-left`/`-right`, any supported
///    extensions, in the same subfolder) are paired into one night `NAME`; every other recording replays alone.
public enum StudyFolder {
    public static let manifestName = "plm-study.csv"

    /// The jobs of a folder: by its manifest when it has one, else its recordings with `_left`/`_right` pairs
    /// joined. `skipped` gets each file that is not a recording and why.
    public static func jobs(in folder: URL, skipped: (URL, String) -> Void) throws -> [ReplayJob] {
        let manifest = folder.appendingPathComponent(manifestName)
        if FileManager.default.fileExists(atPath: manifest.path) { return try read(manifest: manifest) }
        let fm = FileManager.default
        let all = (fm.enumerator(atPath: folder.path)?.allObjects as? [String] ?? []).sorted()
        var recordings: [URL] = []
        for file in all.map({ folder.appendingPathComponent($0) }).filter(OpenedRecording.isRecording) {
            if let why = RecordingFile.notARecording(file) { skipped(file, why) } else { recordings.append(file) }
        }
        return pair(recordings)
    }

    /// `_left`/`_right` (or `-left`/`-right`) files with the same name before it, in the same folder, as pairs;
    /// the others alone; in the order of the (sorted) input, a pair at its left file.
    public static func pair(_ files: [URL]) -> [ReplayJob] {
        func split(_ url: URL) -> (key: String, leg: Leg)? {
            let n = NightPipeline.outputName(url)
            let folder = url.deletingLastPathComponent().path
            for (suffix, leg) in [("_left", Leg.left), ("-left", .left), ("_right", .right), ("-right", .right)]
            where n.lowercased().hasSuffix(suffix) {
                return (folder + "/" + String(n.dropLast(suffix.count)) + suffix.prefix(1), leg)
            }
            return nil
        }
        var lefts: [String: URL] = [:], rights: [String: URL] = [:]
        for f in files {
            guard let (key, leg) = split(f) else { continue }
            if leg == .left { lefts[key] = lefts[key] ?? f } else { rights[key] = rights[key] ?? f }
        }
        var out: [ReplayJob] = []
        for f in files {
            if let (key, leg) = split(f), let l = lefts[key], let r = rights[key] {
                if leg == .left && l == f {
                    out.append(.pair(name: LegPair.outputName(left: l, right: r), left: l, right: r))
                }
                if l == f || r == f { continue }
            }
            out.append(.single(f))
        }
        return out
    }

    /// The rows of a `plm-study.csv` (read with CSVFormat's reader: quotes, BOM, CRLF; line numbers as an
    /// editor shows them).
    public static func read(manifest: URL) throws -> [ReplayJob] {
        let folder = manifest.deletingLastPathComponent()
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: manifest)) } catch {
            throw InputError(file: manifest.path, message: "cannot read the manifest (\(error.localizedDescription))")
        }
        var reader = CSVReader(bytes: bytes, file: manifest.path)
        guard try reader.next() else {
            throw InputError(file: manifest.path, location: .line(1), message: "expected a header row: participant,night,left,right")
        }
        let header = reader.fields.map { $0.lowercased() }
        var column: [String: Int] = [:]
        for name in ["participant", "night", "left", "right"] {
            guard let i = header.firstIndex(of: name) else {
                throw InputError(
                    file: manifest.path, location: .line(1),
                    message: "expected a column '\(name)' in the header (participant,night,left,right)")
            }
            column[name] = i
        }
        var jobs: [ReplayJob] = []
        var names: Set<String> = []
        while try reader.next() {
            if reader.isBlank { continue }
            let lineNumber = reader.line(ofField: 0)
            let f = reader.fields
            func value(_ c: String) -> String {
                let i = column[c] ?? 0
                return i < f.count ? f[i] : ""
            }
            let participant = value("participant"), night = value("night")
            guard !participant.isEmpty, !night.isEmpty else {
                throw InputError(file: manifest.path, location: .line(lineNumber), message: "expected a participant and a night")
            }
            for part in [participant, night] where part.contains("/") || part == "." || part == ".." {
                throw InputError(
                    file: manifest.path, location: .line(lineNumber),
                    message: "'\(part)' names the output folder: it must not contain '/' or be '.' or '..'")
            }
            let name = "\(participant)/\(night)"
            guard names.insert(name).inserted else {
                throw InputError(
                    file: manifest.path, location: .line(lineNumber),
                    message: "participant \(participant) night \(night) is listed twice")
            }
            func file(_ c: String) throws -> URL? {
                let v = value(c)
                guard !v.isEmpty else { return nil }
                let url = v.hasPrefix("/") ? URL(fileURLWithPath: v) : folder.appendingPathComponent(v)
                guard FileManager.default.fileExists(atPath: url.path) else {
                    throw InputError(file: manifest.path, location: .line(lineNumber), message: "\(c) file '\(v)' does not exist")
                }
                return url
            }
            switch (try file("left"), try file("right")) {
            case let (l?, r?): jobs.append(.pair(name: name, left: l, right: r))
            case let (l?, nil): jobs.append(.single(l, name: name))
            case let (nil, r?): jobs.append(.single(r, name: name))
            case (nil, nil):
                throw InputError(file: manifest.path, location: .line(lineNumber), message: "expected a left or a right file")
            }
        }
        return jobs
    }
}
