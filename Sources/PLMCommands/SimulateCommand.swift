import ArgumentParser
import AccelerationSignal
import EDFFormat
import Foundation
import LegMovementScoring
import NightPipeline
import NightSimulation
import RecordingFormats
import SensorFrames
import CSVFormat
import ScoreExport

/// Writes a simulated night as a sensor recording: the frames the sensors would have sent, packed by the
/// firmware's own C code, with clock anchors, into a `.plmrec`; or as CSV or EDF+.
public enum SimulatedRecording {
    /// CSV with `time` in seconds (four decimals) and the legs' channels in g (six decimals), without a final line
    /// end, as it always has been (`CSVExport`).
    public static func writeCSV<S: FrameSource>(_ source: inout S, to url: URL) throws {
        try CSVExport.write(&source, to: url, timeDecimals: 4, values: .fixed(6), finalLineEnd: false)
    }

    public static func writePlmrec(_ settings: SimulationSettings, to url: URL, start: Date) throws -> GroundTruth {
        var generator = try NightGenerator(settings: settings)
        let rate = settings.sampleRate
        let range = UInt8(settings.range.fullScaleG)
        let legs = [Leg.left, .right].filter { settings.legs.contains($0) }
        let startUnix = Int64((start.timeIntervalSince1970 * 1_000_000).rounded())
        let header = PlmrecHeader(
            creator: "plm simulate", softwareVersion: "0.1.0",
            startTime: HostClock.iso8601(unixMicroseconds: startUnix, offsetSeconds: 0),
            startUnixMicroseconds: startUnix, monotonicAnchor: 0,
            sensors: legs.map {
                PlmrecSensor(
                    serialNumber: "SIM-\($0 == .left ? "L" : "R")-\(settings.seed)", side: $0 == .left ? .left : .right,
                    accelerometerModel: 0xFE, sampleRate: UInt16(rate.rounded()), rangeG: range)
            })
        var out = try PlmrecSampleWriter(to: url, header: header, sampleRate: rate, rangeG: range)
        var chunk = RawCounts()
        while true {
            chunk.removeAll()
            let n = generator.readCounts(into: &chunk, maxFrames: 4096)
            if n == 0 { break }
            for i in 0..<n {
                for (k, leg) in legs.enumerated() {
                    let counts = leg == .left ? chunk.left : chunk.right
                    let present = leg == .left ? chunk.leftPresent[i] : chunk.rightPresent[i]
                    try out.add(
                        sensor: k, x: counts[3 * i], y: counts[3 * i + 1], z: counts[3 * i + 2], present: present)
                }
                try out.endFrame()
            }
        }
        try out.finish()
        return generator.truth
    }
}

/// `plm simulate`
public struct Simulate: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Simulate a night with known ground truth and write it as a recording (docs/simulator.md).",
        discussion: "Writes OUT (.plmrec, .csv or .edf by its extension) and OUT's name with .truth.tsv.")

    @Option(help: "Random seed.") public var seed: UInt64 = 1
    @Option(help: "none, mild, moderate or severe.") public var severity: String = "moderate"
    @Option(help: "typical, clean or challenging.") public var preset: String = "typical"
    @Option(help: "Sample rate, Hz (25-200).") public var rate: Double?
    @Option(help: "Hours in bed.") public var hours: Double?
    @Option(help: "both, left or right.") public var legs: String = "both"
    @Option(help: "lateral_ankle or anterior_shin.") public var placement: String?
    @Option(help: "Recording start, ISO 8601 (default 2026-01-05T22:00:00Z).") public var start: String?
    @Option(help: "The recording to write: NAME.plmrec, NAME.csv or NAME.edf.") public var out: String

    public init() {}

    public func settings() throws -> SimulationSettings {
        guard let sev = Severity(rawValue: severity) else {
            throw ValidationError("--severity: expected none, mild, moderate or severe")
        }
        var s: SimulationSettings
        switch preset {
        case "typical": s = .typical(seed: seed, severity: sev)
        case "clean": s = .clean(seed: seed, severity: sev)
        case "challenging": s = .challenging(seed: seed, severity: sev)
        default: throw ValidationError("--preset: expected typical, clean or challenging")
        }
        if let rate { s.sampleRate = rate }
        if let hours { s.hoursInBed = hours }
        switch legs {
        case "both": s.legs = [.left, .right]
        case "left": s.legs = [.left]
        case "right": s.legs = [.right]
        default: throw ValidationError("--legs: expected both, left or right")
        }
        if let placement {
            guard let p = SensorPlacement(rawValue: placement) else {
                throw ValidationError("--placement: expected \(SensorPlacement.allCases.map(\.rawValue).joined(separator: " or "))")
            }
            s.placement = p
        }
        return s
    }

    public func run() throws {
        let s = try settings()
        let url = URL(fileURLWithPath: out)
        let startDate: Date
        if let start {
            guard let t = ISO8601Time.parse(start) else {
                throw ValidationError("--start: expected ISO 8601, e.g. 2026-01-05T22:00:00Z")
            }
            startDate = Date(timeIntervalSince1970: Double(t.microseconds) / 1e6)
        } else {
            startDate = Date(timeIntervalSince1970: 1_767_650_400)  // 2026-01-05T22:00:00Z
        }
        let truth: GroundTruth
        switch url.pathExtension.lowercased() {
        case "plmrec":
            truth = try SimulatedRecording.writePlmrec(s, to: url, start: startDate)
        case "edf":
            var g = try NightGenerator(settings: s)
            truth = g.truth
            try EDFExport.writeAcceleration(&g, annotations: [], to: url, start: EDFStartTime(utc: startDate))
        case "csv":
            var g = try NightGenerator(settings: s)
            truth = g.truth
            try SimulatedRecording.writeCSV(&g, to: url)
        default:
            throw ValidationError("--out: expected a .plmrec, .csv or .edf file name")
        }
        let truthURL = url.deletingPathExtension().appendingPathExtension("truth.tsv")
        try AtomicText.write(truth.eventsTable(), to: truthURL)
        print("wrote \(url.path) and \(truthURL.lastPathComponent): \(truth.movements.count) leg movements, target \(Int(truth.targetPLMRatePerHour.rounded()))/h")
    }
}

/// Writes text atomically: a temporary file in the same folder, then a rename.
public enum AtomicText {
    public static func write(_ text: String, to url: URL) throws {
        try AtomicFiles.write([(url.lastPathComponent, text)], into: url.deletingLastPathComponent())
    }
}
