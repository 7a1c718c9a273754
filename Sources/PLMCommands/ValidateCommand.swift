import ArgumentParser
import DetectorValidation
import Foundation
import LegMovementDetection
import LegMovementScoring
import NightSimulation
import ScoreExport

/// `plm validate`: the detector against simulated nights with known ground truth.
public struct Validate: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Run the detector on simulated nights and compare with their ground truth.",
        discussion: "Prints a Markdown table: event-level precision, recall and F1, and the PLM index error.")

    @Option(help: "First seed; the standard set uses 16 consecutive seeds.")
    public var firstSeed: UInt64 = 1001

    @Option(help: "Which nights: standard (the four settings of docs/validation.md), hard (slow and small LMs, noise, partner jolts, fans, spikes, strap slides, warm-up) disturbed (4 nights of heavy disturbance) or limits (detection-limit curves: recall by angle and rise time).")
    public var set: String = "standard"

    @Option(help: "Write the table into this file as well.")
    public var out: String?

    @Option(help: "Diagnose one simulated night: challenging|typical|clean|one-leg with --seed and --severity.")
    public var diagnose: String?
    @Option(help: "Seed of the night to diagnose.") public var seed: UInt64 = 1
    @Option(help: "Severity of the night to diagnose.") public var severity: String = "severe"
    @Option(help: "With --diagnose: print the left leg's frames every 0.1 s from this time for 10 s.") public var trace: Double?
    @Option(help: "With --diagnose: list everything between these two times, s (FROM,TO).") public var window: String?

    @Flag(help: "Exit with an error when a night fails the acceptance rule.")
    public var strict = false

    public init() {}

    public func run() throws {
        if let diagnose {
            let sev = Severity(rawValue: severity) ?? .severe
            var settings: SimulationSettings
            switch diagnose {
            case "challenging": settings = .challenging(seed: seed, severity: sev)
            case "clean": settings = .clean(seed: seed, severity: sev)
            case "one-leg": settings = .singleLeg(seed: seed, severity: sev)
            default:
                if diagnose.hasPrefix("hard-"), let i = Int(diagnose.dropFirst(5)), (0..<16).contains(i) {
                    // The i-th night of the hard set starting at --seed.
                    settings = DetectorValidation.hardCases(firstSeed: seed)[i].settings
                } else if diagnose.hasPrefix("disturbed-"), let i = Int(diagnose.dropFirst(10)), (0..<4).contains(i) {
                    settings = DetectorValidation.disturbedCases(firstSeed: seed)[i].settings
                } else {
                    settings = .typical(seed: seed, severity: sev)
                }
            }
            let row = try DetectorValidation.run(name: diagnose, settings: settings)
            let truth = try NightGenerator(settings: settings).truth
            print(DetectorValidation.table([row]))
            for e in row.agreement.missed {
                let m = truth.movements.first { $0.event == e }
                let t = Double(e.onset) / 1e6
                let partner = truth.partnerMovements.contains { $0.onset <= e.end && $0.end >= e.onset }
                let fan = truth.fanPeriods.contains { $0.onset <= e.end && $0.end >= e.onset }
                let restless = truth.restless.contains { $0.onset <= e.end && $0.end >= e.onset }
                let turn = truth.postureChanges.contains { abs(Double($0.interval.onset) / 1e6 - t) < 20 }
                let jolt = truth.partnerPLMJolts.contains { $0.onset <= e.end && $0.end >= e.onset }
                print("missed jolt=\(jolt) \(e.leg.rawValue) \(t) dur \(Double(e.duration) / 1e6) \(m.map { "\($0.context) \($0.shape) \($0.peakAngleDegrees)° \($0.peakAccelerationG)g" } ?? "") partner=\(partner) fan=\(fan) restless=\(restless) turn±20s=\(turn)")
            }
            if let window, let comma = window.firstIndex(of: ","), let a = Double(window[..<comma]),
                let b = Double(window[window.index(after: comma)...])
            {
                var g = try NightGenerator(settings: settings)
                var d = LegMovementDetector(description: g.description)
                var buf: [Float] = []
                while true {
                    buf.removeAll(keepingCapacity: true)
                    if g.read(into: &buf, maxFrames: 8192) == 0 { break }
                    d.push(buf)
                }
                let r = d.finish()
                let rate = g.description.sampleRate
                for m in r.movements + r.postureChanges where Double(m.onsetFrame) / rate >= a && Double(m.onsetFrame) / rate <= b {
                    print("detected \(m.leg.rawValue) \(Double(m.onsetFrame) / rate) dur \(Double(m.endFrame - m.onsetFrame) / rate) \(m.kind) peak \(m.peakDeviation)")
                }
                for m in truth.movements where Double(m.event.onset) / 1e6 >= a && Double(m.event.onset) / 1e6 <= b {
                    print("truth \(m.event.leg.rawValue) \(Double(m.event.onset) / 1e6) dur \(Double(m.event.duration) / 1e6) \(m.shape) \(m.peakAngleDegrees) obs \(m.observable)")
                }
                for x in truth.postureChanges where Double(x.interval.onset) / 1e6 >= a && Double(x.interval.onset) / 1e6 <= b {
                    print("turn \(Double(x.interval.onset) / 1e6) dur \(Double(x.interval.duration) / 1e6) \(x.rollDegrees)")
                }
                for x in truth.strapSlides + truth.spikes + truth.partnerMovements where Double(x.end) / 1e6 >= a && Double(x.onset) / 1e6 <= b {
                    print("slide/spike/partner \(Double(x.onset) / 1e6) .. \(Double(x.end) / 1e6) \(x.leg?.rawValue ?? "both")")
                }
                for x in truth.gaps + truth.notWorn + truth.outOfBed where Double(x.end) / 1e6 >= a && Double(x.onset) / 1e6 <= b {
                    print("gap/notworn/out \(Double(x.onset) / 1e6) .. \(Double(x.end) / 1e6) \(x.leg?.rawValue ?? "both")")
                }
            }
            if let trace {
                var g = try NightGenerator(settings: settings)
                var buf: [Float] = []
                let rate = g.description.sampleRate
                let start = Int(trace * rate)
                var pos = 0
                while true {
                    buf.removeAll(keepingCapacity: true)
                    let n = g.read(into: &buf, maxFrames: 8192)
                    if n == 0 { break }
                    for i in 0..<n where (pos + i) >= start && (pos + i) < start + Int(10 * rate) && (pos + i) % max(1, Int(rate / 10)) == 0 {
                        print("t \(Double(pos + i) / rate) L \(buf[6 * i]) \(buf[6 * i + 1]) \(buf[6 * i + 2]) R \(buf[6 * i + 3]) \(buf[6 * i + 4]) \(buf[6 * i + 5])")
                    }
                    pos += n
                }
            }
            print("truth in bed: \(truth.inBed.map { "\(Double($0.onset) / 1e6)..\(Double($0.end) / 1e6)" })")
            print("truth not worn: \(truth.notWorn.map { "\(Double($0.onset) / 1e6)..\(Double($0.end) / 1e6) \($0.leg?.rawValue ?? "")" })")
            print("truth out of bed: \(truth.outOfBed.map { "\(Double($0.onset) / 1e6)..\(Double($0.end) / 1e6)" })")
            print("detected in bed: \(row.detectedInBed.map { "\(Double($0.onset) / 1e6)..\(Double($0.end) / 1e6)" })")
            if let ts = row.truthScoring, let ds = row.detectedScoring {
                func show(_ m: ScoredMovement) -> String {
                    "\(Double(m.onset) / 1e6) \(m.side.rawValue) dur \(Double(m.duration) / 1e6) clm \(m.isCandidate) imi \(m.imi.map { Double($0) / 1e6 } ?? -1) series \(m.seriesID ?? 0)"
                }
                let tp = Set(ts.movements.filter(\.isPLM).map { $0.onset / 1_000_000 })
                let dp = Set(ds.movements.filter(\.isPLM).map { $0.onset / 1_000_000 })
                for m in ts.movements where m.isPLM && !dp.contains(m.onset / 1_000_000) && !dp.contains(m.onset / 1_000_000 + 1) { print("PLM only in truth: \(show(m))") }
                for m in ds.movements where m.isPLM && !tp.contains(m.onset / 1_000_000) && !tp.contains(m.onset / 1_000_000 - 1) { print("PLM only detected: \(show(m))") }
            }
            for e in row.agreement.spurious {
                let near = { (list: [TruthInterval]) in list.contains { $0.onset <= e.end + 1_000_000 && $0.end + 1_000_000 >= e.onset } }
                print("spurious \(e.leg.rawValue) \(Double(e.onset) / 1e6) dur \(Double(e.duration) / 1e6) partner=\(near(truth.partnerMovements)) jolt=\(near(truth.partnerPLMJolts)) slide=\(near(truth.strapSlides)) spike=\(near(truth.spikes)) fan=\(near(truth.fanPeriods)) restless=\(near(truth.restless)) turn=\(near(truth.postureChanges.map(\.interval)))")
            }
            return
        }
        if set == "limits" {
            let text = try DetectorValidation.detectionLimits(firstSeed: firstSeed)
            print(text, terminator: "")
            if let out { try AtomicFiles.write([(URL(fileURLWithPath: out).lastPathComponent, text)], into: URL(fileURLWithPath: out).deletingLastPathComponent()) }
            return
        }
        var rows: [DetectorValidation.Row] = []
        let cases: [(name: String, settings: SimulationSettings)]
        switch set {
        case "standard": cases = DetectorValidation.standardCases(firstSeed: firstSeed)
        case "hard": cases = DetectorValidation.hardCases(firstSeed: firstSeed)
        case "disturbed": cases = DetectorValidation.disturbedCases(firstSeed: firstSeed)
        default: throw ValidationError("--set must be standard, hard or disturbed, got \(set)")
        }
        for c in cases {
            let row = try DetectorValidation.run(name: c.name, settings: c.settings)
            FileHandle.standardError.write(
                Data("\(c.name) seed \(c.settings.seed): F1 \(row.agreement.f1), PLMI \(row.truthPLMIndex) -> \(row.detectedPLMIndex)\n".utf8))
            rows.append(row)
        }
        var table = DetectorValidation.table(rows)
        table += "\nRecall by kind of LM:\n\n" + DetectorValidation.classTable(rows)
        print(table, terminator: "")
        if let out { try AtomicFiles.write([(URL(fileURLWithPath: out).lastPathComponent, table)], into: URL(fileURLWithPath: out).deletingLastPathComponent()) }
        if strict && !rows.allSatisfy(\.passes) { throw ExitCode.failure }
    }
}
