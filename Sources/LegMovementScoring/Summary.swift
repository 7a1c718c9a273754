/// A histogram with fixed-width bins starting at `start`; values below or at/after the last edge are counted
/// apart (a value exactly on the last edge goes into the last bin).
public struct Histogram: Sendable, Equatable {
    public var start: Double
    public var binWidth: Double
    public var counts: [Int]
    public var below: Int = 0
    public var above: Int = 0

    public init(start: Double, binWidth: Double, bins: Int) {
        self.start = start
        self.binWidth = binWidth
        counts = [Int](repeating: 0, count: bins)
    }

    public var end: Double { start + binWidth * Double(counts.count) }

    public mutating func add(_ v: Double) {
        if v < start {
            below += 1
        } else if v > end {
            above += 1
        } else {
            // A value within 1e-9 of a bin's lower edge belongs to that bin: 1.0 computed as log10(10) may
            // come out a hair below 1.0 and must still land in the bin labelled 1.0.
            let k = Int(((v - start) / binWidth + 1e-9).rounded(.down))
            counts[min(max(k, 0), counts.count - 1)] += 1
        }
    }
}

/// The night's figures. Every index is per hour of the basis's hours unless its name says otherwise;
/// an index is nil when the hours it would divide by are zero or unknown.
public struct NightSummary: Sendable, Equatable {
    /// What `plm_index` and the other basis indices are per hour of.
    public enum IndexBasis: String, Sendable {
        /// Total sleep time from the hypnogram (within lights off .. on when given); PLMs in sleep.
        case sleep
        /// Lights off to lights on; all PLMs between them.
        case inBed = "in_bed"
        /// The whole recording; all PLMs.
        case recording
    }

    /// Ferri R et al. Sleep 2006;29:759 (periodicity index) and Ferri 2016 (log IMI): IMIs of 10–90 s.
    public static let periodicIMIRange: ClosedRange<Double> = 10...90

    public var basis: IndexBasis
    public var basisHours: Double
    public var recordingHours: Double
    public var inBedHours: Double?
    public var sleepHours: Double?
    public var wakeHours: Double?

    public var lmCount = 0
    public var clmCount = 0
    public var plmCount = 0
    public var seriesCount = 0
    public var bilateralLMCount = 0
    public var respiratoryRelatedLMCount = 0
    public var arousalLMCount = 0
    /// PLMs counted for the basis (in sleep for basis `sleep`).
    public var basisPLMCount = 0
    public var plmsCount: Int?
    public var plmwCount: Int?

    public var plmIndex: Double?
    public var clmIndex: Double?
    public var plmsIndex: Double?
    public var plmwIndex: Double?
    public var plmArousalIndex: Double?
    public var plmsArousalIndex: Double?
    public var plmNonRespiratoryCount = 0
    public var plmIndexNonRespiratory: Double?
    public var plmsIndexNonRespiratory: Double?
    public var shortIMILMCount = 0
    public var shortIMIIndex: Double?
    public var isolatedLMCount = 0
    public var isolatedLMIndex: Double?
    public var plmIndexLeft: Double?
    public var plmIndexRight: Double?
    public var plmIndexBilateral: Double?
    /// Ferri 2006: share of IMIs that belong to runs of >= 3 consecutive IMIs of 10–90 s.
    public var periodicityIndexFerri2006: Double?
    /// SOMAS / PLMScoRe: PLM count / CLM count.
    public var periodicityIndexPLMPerCLM: Double?
    /// Natural logarithm of IMIs of 10–90 s between consecutive candidate LMs.
    public var logIMICount = 0
    public var logIMIMean: Double?
    public var logIMISD: Double?
    /// IMIs between consecutive candidate LMs, 2 s bins from 0 to 90 s.
    public var imiHistogram: Histogram
    /// log10 of the same IMIs, 0.1 bins from 0 (1 s) to 3 (1000 s).
    public var imiLogHistogram: Histogram
    public var plmIndexAboveCutoff: Bool?

    init(
        movements: [ScoredMovement], input: ScoringInput, window: AnalysisWindow, hypnogram: Hypnogram,
        rules r: ResolvedRules, preparation: PreparationCounts
    ) {
        let hour = 3_600_000_000.0
        recordingHours = Double(input.effectiveRecordingDuration) / hour
        inBedHours = window.bounded ? Double(window.duration) / hour : nil
        let hasHypnogram = hypnogram.intervals.contains { $0.stage.state != .unknown }
        if hasHypnogram {
            let inWindow = { (state: SleepState) in
                window.intervals.reduce(Microseconds(0)) { $0 + hypnogram.time(in: state, from: $1.start, to: $1.end) }
            }
            sleepHours = Double(inWindow(.sleep)) / hour
            wakeHours = Double(inWindow(.wake)) / hour
        }
        if let sleepHours {
            basis = .sleep
            basisHours = sleepHours
        } else if let inBedHours {
            basis = .inBed
            basisHours = inBedHours
        } else {
            basis = .recording
            basisHours = recordingHours
        }
        imiHistogram = Histogram(start: 0, binWidth: 2, bins: 45)
        imiLogHistogram = Histogram(start: 0, binWidth: 0.1, bins: 30)

        let onBasis: (ScoredMovement) -> Bool = { [basis] m in basis != .sleep || m.state == .sleep }
        let basisHours = self.basisHours
        func perHour(_ count: Int, _ hours: Double?) -> Double? {
            guard let hours, hours > 0 else { return nil }
            return Double(count) / hours
        }
        func basisIndex(_ predicate: (ScoredMovement) -> Bool) -> Double? {
            perHour(movements.reduce(0) { $0 + (onBasis($1) && predicate($1) ? 1 : 0) }, basisHours)
        }
        func count(_ predicate: (ScoredMovement) -> Bool) -> Int {
            movements.reduce(0) { $0 + (predicate($1) ? 1 : 0) }
        }

        lmCount = movements.count
        clmCount = count { $0.isCandidate }
        plmCount = count { $0.isPLM }
        seriesCount = Set(movements.compactMap(\.seriesID)).count
        bilateralLMCount = count { $0.side == .both }
        respiratoryRelatedLMCount = count { $0.respiratoryRelated }
        arousalLMCount = count { $0.arousal }
        basisPLMCount = count { $0.isPLM && onBasis($0) }
        plmNonRespiratoryCount = count { $0.isPLMNonRespiratory }

        plmIndex = basisIndex { $0.isPLM }
        clmIndex = basisIndex { $0.isCandidate }
        plmArousalIndex = basisIndex { $0.isPLM && $0.arousal }
        plmIndexNonRespiratory = basisIndex { $0.isPLMNonRespiratory }
        plmIndexLeft = basisIndex { $0.isPLM && $0.side == .left }
        plmIndexRight = basisIndex { $0.isPLM && $0.side == .right }
        plmIndexBilateral = basisIndex { $0.isPLM && $0.side == .both }

        if hasHypnogram {
            let plms = count { $0.isPLM && $0.state == .sleep }
            let plmw = count { $0.isPLM && $0.state == .wake }
            plmsCount = plms
            plmwCount = plmw
            plmsIndex = perHour(plms, sleepHours)
            plmwIndex = perHour(plmw, wakeHours)
            plmsArousalIndex = perHour(count { $0.isPLM && $0.state == .sleep && $0.arousal }, sleepHours)
            plmsIndexNonRespiratory = perHour(count { $0.isPLMNonRespiratory && $0.state == .sleep }, sleepHours)
        }

        // Short-interval and isolated candidate LMs [WASM2016]: a CLM whose IMI from a preceding CLM is below
        // imi_min is short-interval; a CLM that is neither short-interval nor in a series is isolated.
        var shortIMI = [Bool](repeating: false, count: movements.count)
        for i in movements.indices.dropFirst() where movements[i].isCandidate && movements[i - 1].isCandidate {
            if let imi = movements[i].imi, imi < r.imiMin { shortIMI[i] = true }
        }
        var isolated = 0
        var short = 0
        for (i, m) in movements.enumerated() where m.isCandidate && onBasis(m) {
            if shortIMI[i] {
                short += 1
            } else if !m.isPLM {
                isolated += 1
            }
        }
        shortIMILMCount = short
        isolatedLMCount = isolated
        shortIMIIndex = perHour(short, basisHours)
        isolatedLMIndex = perHour(isolated, basisHours)

        // Periodicity (Ferri 2006) over the IMIs of consecutive LMs in the analysis window.
        let range = NightSummary.periodicIMIRange
        let imis = movements.compactMap(\.imi).map { Seconds.from($0) }
        if !imis.isEmpty {
            var periodic = 0
            var runLength = 0
            for v in imis {
                if range.contains(v) {
                    runLength += 1
                } else {
                    if runLength >= 3 { periodic += runLength }
                    runLength = 0
                }
            }
            if runLength >= 3 { periodic += runLength }
            periodicityIndexFerri2006 = Double(periodic) / Double(imis.count)
        }
        periodicityIndexPLMPerCLM = clmCount > 0 ? Double(plmCount) / Double(clmCount) : nil

        // IMI distribution between consecutive candidate LMs.
        var logs: [Double] = []
        for i in movements.indices.dropFirst() where movements[i].isCandidate && movements[i - 1].isCandidate {
            guard let us = movements[i].imi else { continue }
            let v = Seconds.from(us)
            imiHistogram.add(v)
            if v > 0 { imiLogHistogram.add(Logarithm.log10(v)) } else { imiLogHistogram.below += 1 }
            if range.contains(v) { logs.append(Logarithm.ln(v)) }
        }
        logIMICount = logs.count
        if !logs.isEmpty {
            let mean = logs.reduce(0, +) / Double(logs.count)
            logIMIMean = mean
            if logs.count > 1 {
                let ss = logs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
                logIMISD = (ss / Double(logs.count - 1)).squareRoot()
            }
        }
        if let plmIndex {
            let c = r.rules.plmIndexCutoff
            plmIndexAboveCutoff = r.rules.plmIndexCutoffInclusive ? plmIndex >= c : plmIndex > c
        }
    }
}

extension NightSummary {
    /// The least basis a PLM index is given on: one hour of valid time in bed (or of sleep, with a hypnogram).
    ///
    /// Why an hour: an index is a count per hour, and PLMs come in series (at least 4 movements 10–90 s apart)
    /// that last minutes to tens of minutes. Over less than an hour a single series decides the figure — 0.5 h
    /// holding one series of 8 PLMs is already "16/h, above the 15/h cut-off", and 0.02 h with 5 PLMs was
    /// reported as 236/h — and one PLM more or less moves the index by more than 1/h. An hour is also less than
    /// one NREM–REM cycle (about 90 min), so even at this minimum a night's index is only a rough figure; below it
    /// the index is not a measurement of the night at all. The cut-off's own studies score whole nights (WASM
    /// 2016, Ferri et al. 2016).
    public static let minimumBasisHours = 1.0

    /// Withholds every figure that is per hour of the basis (and the cut-off verdict): they become nil. Counts
    /// stay: they are what was seen, whatever the basis.
    public mutating func withholdIndices() {
        plmIndex = nil
        clmIndex = nil
        plmsIndex = nil
        plmwIndex = nil
        plmArousalIndex = nil
        plmsArousalIndex = nil
        plmIndexNonRespiratory = nil
        plmsIndexNonRespiratory = nil
        shortIMIIndex = nil
        isolatedLMIndex = nil
        plmIndexLeft = nil
        plmIndexRight = nil
        plmIndexBilateral = nil
        plmIndexAboveCutoff = nil
    }

    /// Words for a basis too short to give an index on, or nil when `hours` suffice.
    public static func shortBasisFinding(hours: Double, of what: String, howToGive: String) -> String? {
        guard !(hours >= minimumBasisHours) else { return nil }
        let shown = (hours * 100).rounded() / 100
        return "only \(shown) h of \(what), less than the \(Int(minimumBasisHours)) h a PLM index needs: "
            + "no PLM index (\(howToGive))"
    }
}
