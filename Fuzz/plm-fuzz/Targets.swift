import AccelerationSignal
import EDFFormat
import EventImport
import Foundation
import RecordingFormats
import SensorFrames
import SleepDiary

/// The decoders fuzzed (docs/fuzzing.md): each takes any bytes and must end in a value or a thrown error, never a
/// trap, a hang, an unbounded allocation or a sanitizer report.
enum FuzzTarget: String, CaseIterable {
    case frame, plmrec, edf, csv, events, diary, config, gt3x, cwa, geneactiv, actilife

    /// Most frames read from one input: a hostile file may lawfully describe up to 48 h (`RecordingLimits`),
    /// which is bounded but too long for one fuzz execution; the reading code is the same for every frame.
    static let maxFrames = 20_000

    func run(_ bytes: [UInt8], scratch: URL) {
        switch self {
        case .frame:
            if case .success(let f) = SensorFrameCodec.decode(bytes), let again = SensorFrameCodec.encode(f) {
                // A decoded frame encodes to a frame that decodes to the same values.
                guard case .success(let g) = SensorFrameCodec.decode(again), g.samples == f.samples,
                    g.sequence == f.sequence, g.timestamp == f.timestamp
                else { fatalError("frame round trip changed the frame") }
            }
        case .plmrec:
            let url = FuzzTarget.write(bytes, scratch, "input.plmrec")
            if var s = try? PlmrecFrameSource(url: url) { FuzzTarget.drain(&s) }
        case .edf:
            let url = FuzzTarget.write(bytes, scratch, "input.edf")
            if var s = try? EDFAccelerationSource(url: url) {
                FuzzTarget.drain(&s)
                _ = try? s.annotations()
            }
            if let f = try? EDFFile(bytes: bytes, path: "input.edf") { _ = try? f.annotations() }
        case .csv:
            let url = FuzzTarget.write(bytes, scratch, "input.csv")
            if var s = try? CSVAccelerationSource(url: url, probeRows: 200) { FuzzTarget.drain(&s) }
        case .events:
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? EventFileReader.readTable(text, path: "input.tsv", delimiter: "\t")
            _ = try? EventFileReader.readTable(text, path: "input.csv", delimiter: ",")
            if bytes.starts(with: Array("0       ".utf8)) {
                _ = try? EventFileReader.read(FuzzTarget.write(bytes, scratch, "input.edf"))
            }
        case .diary:
            _ = try? DiaryCSV.parse(Data(bytes), file: "diary.csv")
        case .config:
            _ = try? RecorderConfiguration.parse(Data(bytes), source: "plmd.json")
        case .gt3x:
            // A zip (the whole .gt3x: ZipArchive, info.txt, log.bin or activity.bin); anything else is taken as a
            // log.bin with a fixed info.txt, handed to the record decoder as the zip would hand it over (so it is
            // fuzzed past the zip's CRC).
            if bytes.starts(with: [0x50, 0x4B]) {
                if let d = try? GT3XDecoder(path: "input.gt3x", bytes: bytes) { FuzzTarget.drainDevice(d) }
            } else if let d = try? GT3XDecoder(
                path: "input.gt3x", info: FuzzTarget.gt3xInfo, member: { $0 == "log.bin" ? bytes : nil })
            {
                FuzzTarget.drainDevice(d)
            }
        case .cwa:
            if let d = try? CWADecoder(path: "input.cwa", bytes: bytes) { FuzzTarget.drainDevice(d) }
        case .geneactiv:
            if let d = try? GENEActivDecoder(path: "input.bin", bytes: bytes) { FuzzTarget.drainDevice(d) }
        case .actilife:
            if let d = try? ActiLifeCSVDecoder(path: "input.csv", bytes: bytes) { FuzzTarget.drainDevice(d) }
        }
    }

    static func write(_ bytes: [UInt8], _ dir: URL, _ name: String) -> URL {
        let url = dir.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
        return url
    }

    /// Reads a source to its end (at most `maxFrames`); every value must be finite or NaN (missing).
    static func drain<S: FrameSource>(_ s: inout S) {
        var buffer: [Float] = []
        var total = 0
        while total < maxFrames {
            buffer.removeAll(keepingCapacity: true)
            guard let n = try? s.read(into: &buffer, maxFrames: 4096), n > 0 else { break }
            total += n
            for v in buffer where v.isInfinite { fatalError("an infinite sample reached the detector") }
        }
    }

    /// A research device's samples placed on the frame grid (`DeviceFrameSource`), read as `drain` does.
    static func drainDevice<D: DeviceDecoder>(_ decoder: D) {
        if var s = try? DeviceFrameSource(decoder: decoder, path: "input") { drain(&s) }
    }

    /// A private folder for this process's scratch files.
    static func scratch() -> URL {
        let base = ProcessInfo.processInfo.environment["PLM_FUZZ_SCRATCH"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory
        let dir = base.appendingPathComponent("plm-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The target named by `PLM_FUZZ_TARGET`.
    static func fromEnvironment() -> FuzzTarget? {
        ProcessInfo.processInfo.environment["PLM_FUZZ_TARGET"].flatMap(FuzzTarget.init(rawValue:))
    }
}

extension FuzzTarget {
    /// info.txt of the gt3x target's inputs that are not zips (a GT3X+ at 30 Hz, 256 LSB/g).
    static let gt3xInfo = Array(
        "Serial Number: MOS2E11180137\r\nSample Rate: 30\r\nStart Date: 638456184000000000\r\nTimeZone: 01:00:00\r\nAcceleration Scale: 256.0\r\n".utf8)
}
