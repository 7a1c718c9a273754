import AccelerationSignal
import LegMovementDetection
import LegMovementScoring
import NightAnalysis
import NightSimulation

/// Runs the detector on simulated nights and compares it with their ground truth (docs/validation.md).
public enum DetectorValidation {
    /// One night's comparison.
    public struct Row: Sendable {
        public var name: String
        public var seed: UInt64
        public var sampleRate: Double
        public var legs: [Leg]
        public var hours: Double
        public var agreement: EventAgreement
        public var truthPLMIndex: Double
        public var detectedPLMIndex: Double
        public var truthInBedHours: Double
        public var detectedInBedHours: Double
        /// The scored true and detected nights, for diagnosis.
        public var truthScoring: ScoringResult?
        public var detectedScoring: ScoringResult?
        public var detectedInBed: [IntervalEvent] = []
        /// Per kind of true LM (`MovementShape` raw value): how many there were and how many were found.
        public var perClass: [String: (total: Int, found: Int)] = [:]

        public var indexError: Double { detectedPLMIndex - truthPLMIndex }
        /// The acceptance rule: |error| <= max(1.5/h, 10 % of the true index).
        public var indexWithinLimit: Bool { abs(indexError) <= max(1.5, 0.1 * truthPLMIndex) }
        public var passes: Bool { agreement.f1 >= 0.95 && indexWithinLimit }
    }

    /// The nights of a validation run: each severity under typical, clean-50 Hz, challenging and single-leg
    /// settings, from consecutive seeds starting at `firstSeed`.
    public static func standardCases(firstSeed: UInt64) -> [(name: String, settings: SimulationSettings)] {
        var out: [(String, SimulationSettings)] = []
        var seed = firstSeed
        for severity in Severity.allCases {
            out.append(("typical-100Hz-\(severity.rawValue)", .typical(seed: seed, severity: severity)))
            seed += 1
            var clean = SimulationSettings.clean(seed: seed, severity: severity)
            clean.sampleRate = 50
            out.append(("clean-50Hz-\(severity.rawValue)", clean))
            seed += 1
            out.append(("challenging-50Hz-\(severity.rawValue)", .challenging(seed: seed, severity: severity)))
            seed += 1
            out.append(("one-leg-100Hz-\(severity.rawValue)", .singleLeg(seed: seed, severity: severity)))
            seed += 1
        }
        return out
    }

    /// The hard cases (docs/validation.md, "Hard cases"): each severity under four settings with slow
    /// dorsiflexions, small rotations, side-lying flexions, 2–6 mg of sensor noise, a partner's periodic jolts,
    /// fans of 20–30 Hz whose speed wanders, impulsive spikes, strap slides and warm-up drift.
    public static func hardCases(firstSeed: UInt64) -> [(name: String, settings: SimulationSettings)] {
        func noise(_ s: inout SimulationSettings, milliG: Double) {
            s.sensor.noiseDensityMicroG = milliG * 1000 / (s.sampleRate / 2).squareRoot()
        }
        func fan(_ amplitude: Double, whole: Bool) -> FanVibration {
            var f = FanVibration()
            f.frequencyHz = 20...30
            f.wanderFraction = 0.1
            f.amplitudeMilliG = amplitude
            f.wholeNight = whole
            return f
        }
        var out: [(String, SimulationSettings)] = []
        var seed = firstSeed
        for severity in Severity.allCases {
            var a = SimulationSettings.typical(seed: seed, severity: severity)
            a.sampleRate = 50
            noise(&a, milliG: 6)
            a.activity.slowDorsiflexionFraction = 0.35
            a.activity.smallRotationFraction = 0.35
            a.disturbances.partnerPLM = PartnerPLM()
            out.append(("slow-small-50Hz-6mg-\(severity.rawValue)", a))
            seed += 1
            var b = SimulationSettings.typical(seed: seed, severity: severity)
            noise(&b, milliG: 4)
            b.activity.slowDorsiflexionFraction = 0.2
            b.activity.smallRotationFraction = 0.2
            b.activity.horizontalFlexionFraction = 0.05
            b.disturbances.partnerPLM = PartnerPLM()
            b.disturbances.fan = fan(8, whole: false)
            b.disturbances.spikesPerHour = 2
            b.disturbances.strapSlides = 2
            b.sensor.warmUpCoefficientSDMilliG = 1
            out.append(("partner-fan-100Hz-4mg-\(severity.rawValue)", b))
            seed += 1
            var c = SimulationSettings.singleLeg(seed: seed, severity: severity)
            c.sampleRate = 50
            noise(&c, milliG: 5)
            c.activity.slowDorsiflexionFraction = 0.3
            c.activity.smallRotationFraction = 0.3
            c.disturbances.partnerPLM = PartnerPLM()
            c.disturbances.strapSlides = 1
            c.sensor.warmUpCoefficientSDMilliG = 1
            out.append(("one-leg-50Hz-5mg-\(severity.rawValue)", c))
            seed += 1
            var d = SimulationSettings.challenging(seed: seed, severity: severity)
            d.sampleRate = 25
            noise(&d, milliG: 2)
            d.activity.slowDorsiflexionFraction = 0.2
            d.activity.smallRotationFraction = 0.2
            d.activity.horizontalFlexionFraction = 0.1
            d.disturbances.partnerPLM = PartnerPLM()
            d.disturbances.fan = fan(10, whole: true)
            d.disturbances.spikesPerHour = 4
            d.disturbances.strapSlides = 3
            d.sensor.warmUpCoefficientSDMilliG = 1.5
            out.append(("challenging-25Hz-2mg-\(severity.rawValue)", d))
            seed += 1
        }
        return out
    }

    /// Precision under heavy disturbance (docs/validation.md): at 25, 50, 100 and 200 Hz, moderate PLMs,
    /// a partner moving 20 times an hour and with PLMs of their own, a 15 mg fan of 20–30 Hz whose speed
    /// wanders all night, 30 impulsive spikes an hour, five strap slides and warm-up drift.
    public static func disturbedCases(firstSeed: UInt64) -> [(name: String, settings: SimulationSettings)] {
        var out: [(String, SimulationSettings)] = []
        var seed = firstSeed
        for (rate, legs) in [(25.0, [Leg.left, .right]), (50, [.left]), (100, [.left, .right]), (200, [.right])] {
            var s = SimulationSettings.typical(seed: seed, severity: .moderate)
            s.sampleRate = rate
            s.legs = legs
            s.disturbances.partnerMovementsPerHour = 20
            var q = PartnerPLM()
            q.episodes = 4...8
            s.disturbances.partnerPLM = q
            var f = FanVibration()
            f.frequencyHz = 20...30
            f.wanderFraction = 0.1
            f.amplitudeMilliG = 15
            f.wholeNight = true
            s.disturbances.fan = f
            s.disturbances.spikesPerHour = 30
            s.disturbances.strapSlides = 5
            s.sensor.warmUpCoefficientSDMilliG = 1.5
            out.append(("disturbed-\(Int(rate))Hz-\(legs.map(\.rawValue).joined())", s))
            seed += 1
        }
        return out
    }

    /// Detection-limit curves (docs/validation.md): recall of rotations of 1–10° with rise times of 0.2–3 s (every
    /// LM of the night's episodes and isolated LMs is such a probe; restless movements are left out) at 2, 4 and 6
    /// mg of sensor noise, on one leg and on two, `nightsPerCase` nights each at 50 Hz. Markdown tables.
    public static func detectionLimits(firstSeed: UInt64, nightsPerCase: Int = 3) throws -> String {
        let angleBins: [ClosedRange<Double>] = [1...2, 2...3, 3...4, 4...5, 5...6, 6...8, 8...10]
        let riseBins: [ClosedRange<Double>] = [0.2...0.5, 0.5...1, 1...1.5, 1.5...2, 2...3]
        var seed = firstSeed
        var angleRows: [String] = []
        var riseRows: [String] = []
        func cell(_ c: (Int, Int)) -> String {
            c.0 == 0 ? "–" : String(Int((Double(c.1) / Double(c.0) * 100).rounded())) + " %"
        }
        for legs in [[Leg.left], [.left, .right]] {
            for noise in [2.0, 4, 6] {
                var byAngle = [(Int, Int)](repeating: (0, 0), count: angleBins.count)
                var byRise = [(Int, Int)](repeating: (0, 0), count: riseBins.count)
                for _ in 0..<nightsPerCase {
                    var s = SimulationSettings.clean(seed: seed, severity: .moderate)
                    seed += 1
                    s.sampleRate = 50
                    s.legs = legs
                    s.sensor.noiseDensityMicroG = noise * 1000 / (s.sampleRate / 2).squareRoot()
                    s.activity.slowSmallFraction = 0
                    s.activity.clonicFraction = 0
                    s.activity.smallRotationFraction = 1
                    s.activity.smallRotationDegrees = 1...10
                    s.activity.smallRotationRiseSeconds = 0.2...3
                    let row = try run(name: "limits", settings: s)
                    let truth = try NightGenerator(settings: s).truth
                    let missed = Set(row.agreement.missed)
                    let bed = truth.inBed
                    for m in truth.movements where m.observable && m.shape == .smallRotation {
                        guard bed.contains(where: { m.event.onset >= $0.onset && m.event.onset < $0.end }) else {
                            continue
                        }
                        let found = missed.contains(m.event) ? 0 : 1
                        let rise = Double(m.plateau.onset - m.event.onset) / 1e6
                        if let i = angleBins.firstIndex(where: { $0.contains(m.peakAngleDegrees) }) {
                            byAngle[i] = (byAngle[i].0 + 1, byAngle[i].1 + found)
                        }
                        if m.peakAngleDegrees >= 3, let i = riseBins.firstIndex(where: { $0.contains(rise) }) {
                            byRise[i] = (byRise[i].0 + 1, byRise[i].1 + found)
                        }
                    }
                }
                let label = "| \(legs.count == 1 ? "one leg" : "two legs") | \(Int(noise)) mg |"
                angleRows.append(label + byAngle.map { " \(cell($0)) |" }.joined())
                riseRows.append(label + byRise.map { " \(cell($0)) |" }.joined())
            }
        }
        func range(_ r: ClosedRange<Double>) -> String {
            func f(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
            return "\(f(r.lowerBound))–\(f(r.upperBound))"
        }
        var out = "Recall by peak angle (degrees; every rise time):\n\n"
        out += "| legs | noise |" + angleBins.map { " \(range($0))° |" }.joined() + "\n"
        out += "|---|---|" + angleBins.map { _ in "---|" }.joined() + "\n"
        out += angleRows.joined(separator: "\n") + "\n\n"
        out += "Recall by rise time (s; peak angles of 3–10°):\n\n"
        out += "| legs | noise |" + riseBins.map { " \(range($0)) s |" }.joined() + "\n"
        out += "|---|---|" + riseBins.map { _ in "---|" }.joined() + "\n"
        out += riseRows.joined(separator: "\n") + "\n"
        return out
    }

    /// Simulates, detects, scores and compares one night.
    public static func run(name: String, settings: SimulationSettings, rules: ScoringRules = .wasm2016) throws -> Row {
        var generator = try NightGenerator(settings: settings)
        let truth = generator.truth
        let night = try NightAnalysis.analyse(
            &generator, file: name, format: "simulation", options: .init(rules: rules))
        // The true night is what a perfect detector would report from the same sensors: every LM the sensors
        // could show, per hour in bed while at least one sensor was recording (not in a dropout, not lying on
        // a table).
        let unobserved = { (leg: Leg) in
            (truth.gaps + truth.notWorn).filter { $0.leg == nil || $0.leg == leg }
                .map { ($0.onset, $0.end) }
        }
        let blind = intersection(settings.legs.map { unionOf(unobserved($0)) })
        let inBed = subtract(truth.inBed.map { ($0.onset, $0.end) }, blind)
        let truthInput = ScoringInput(
            legMovements: truth.legMovements(observableOnly: true),
            inBedIntervals: inBed.map { IntervalEvent(onset: $0.0, duration: $0.1 - $0.0) },
            recordingDuration: truth.recordingDuration)
        let truthScore = try Scorer.score(truthInput, rules: rules)
        // Event agreement over what the sensors could show, in the true time in bed.
        let detected = night.detection.scoringInput().legMovements
        let agreement = EventAgreement.compare(
            detected: detected, truth: truth.legMovements(observableOnly: true),
            within: truthInput.inBedIntervals)
        var perClass: [String: (total: Int, found: Int)] = [:]
        let missed = Set(agreement.missed)
        for m in truth.movements where m.observable {
            guard truthInput.inBedIntervals.contains(where: { m.event.onset >= $0.onset && m.event.onset < $0.end })
            else { continue }
            let key = m.shape.rawValue
            let old = perClass[key] ?? (0, 0)
            perClass[key] = (old.total + 1, old.found + (missed.contains(m.event) ? 0 : 1))
        }
        return Row(
            name: name, seed: settings.seed, sampleRate: settings.sampleRate, legs: settings.legs,
            hours: Double(truth.recordingDuration) / 3.6e9, agreement: agreement,
            truthPLMIndex: truthScore.summary.plmIndex ?? 0, detectedPLMIndex: night.scoring.summary.plmIndex ?? 0,
            truthInBedHours: truthScore.summary.inBedHours ?? 0,
            detectedInBedHours: night.scoring.summary.inBedHours ?? 0, truthScoring: truthScore,
            detectedScoring: night.scoring, detectedInBed: night.detection.scoringInput().inBedIntervals,
            perClass: perClass)
    }

    typealias Span = (Microseconds, Microseconds)

    static func unionOf(_ spans: [Span]) -> [Span] {
        var out: [Span] = []
        for s in spans.sorted(by: { $0.0 < $1.0 }) {
            if let last = out.last, s.0 <= last.1 { out[out.count - 1].1 = max(last.1, s.1) } else { out.append(s) }
        }
        return out
    }

    /// Times covered by every one of the lists (each a sorted union).
    static func intersection(_ lists: [[Span]]) -> [Span] {
        guard var acc = lists.first else { return [] }
        for list in lists.dropFirst() {
            var out: [Span] = []
            for a in acc { for b in list { let lo = max(a.0, b.0), hi = min(a.1, b.1); if hi > lo { out.append((lo, hi)) } } }
            acc = unionOf(out)
        }
        return acc
    }

    static func subtract(_ spans: [Span], _ holes: [Span]) -> [Span] {
        var out: [Span] = []
        for s in spans {
            var pieces = [s]
            for h in holes {
                pieces = pieces.flatMap { p -> [Span] in
                    guard h.1 > p.0 && h.0 < p.1 else { return [p] }
                    var r: [Span] = []
                    if h.0 > p.0 { r.append((p.0, h.0)) }
                    if h.1 < p.1 { r.append((h.1, p.1)) }
                    return r
                }
            }
            out += pieces
        }
        return out
    }

    /// A Markdown table of the rows, with totals.
    public static func table(_ rows: [Row]) -> String {
        func f(_ v: Double, _ d: Int) -> String {
            var scale = 1.0
            for _ in 0..<d { scale *= 10 }
            let r = (v * scale).rounded() / scale
            var s = String(r)
            if let dot = s.firstIndex(of: ".") {
                let decimals = s.distance(from: dot, to: s.endIndex) - 1
                if decimals < d { s += String(repeating: "0", count: d - decimals) }
            } else if d > 0 {
                s += "." + String(repeating: "0", count: d)
            }
            return s
        }
        var lines = [
            "| night | seed | Hz | legs | h | true LMs | detected | precision | recall | F1 | true PLMI | detected PLMI | error | in bed h (true / detected) | pass |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows {
            let a = r.agreement
            lines.append(
                "| \(r.name) | \(r.seed) | \(Int(r.sampleRate)) | \(r.legs.map(\.rawValue).joined()) | \(f(r.hours, 1)) | "
                    + "\(a.truePositives + a.falseNegatives) | \(a.truePositives + a.falsePositives) | "
                    + "\(f(a.precision, 3)) | \(f(a.recall, 3)) | \(f(a.f1, 3)) | \(f(r.truthPLMIndex, 1)) | "
                    + "\(f(r.detectedPLMIndex, 1)) | \(f(r.indexError, 1)) | "
                    + "\(f(r.truthInBedHours, 2)) / \(f(r.detectedInBedHours, 2)) | \(r.passes ? "yes" : "**no**") |")
        }
        let total = rows.reduce(EventAgreement()) { $0 + $1.agreement }
        lines.append("")
        lines.append(
            "All nights: F1 \(f(total.f1, 3)) (precision \(f(total.precision, 3)), recall \(f(total.recall, 3))); "
                + "\(rows.filter(\.passes).count) of \(rows.count) nights pass; largest PLM index error "
                + "\(f(rows.map { abs($0.indexError) }.max() ?? 0, 1))/h.")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Recall per kind of true LM over all rows, as a Markdown table.
    public static func classTable(_ rows: [Row]) -> String {
        var sums: [String: (total: Int, found: Int)] = [:]
        for r in rows {
            for (k, v) in r.perClass {
                let old = sums[k] ?? (0, 0)
                sums[k] = (old.total + v.total, old.found + v.found)
            }
        }
        var lines = ["| kind of LM | true LMs | found | recall |", "|---|---|---|---|"]
        for k in sums.keys.sorted() {
            guard let v = sums[k] else { continue }
            let recall = v.total == 0 ? 1 : Double(v.found) / Double(v.total)
            let r = (recall * 1000).rounded() / 1000
            lines.append("| \(k) | \(v.total) | \(v.found) | \(r) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
