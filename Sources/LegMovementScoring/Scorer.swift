/// Why a leg movement is not a candidate for a PLM series. [WASM2016]
public enum NonCandidateReason: String, Sendable, Hashable {
    /// Longer than the monolateral (10 s) or bilateral (15 s) limit.
    case tooLong = "too_long"
    /// A bilateral LM with a monolateral component longer than 10 s.
    case componentTooLong = "component_too_long"
    /// A bilateral LM of more than 4 monolateral LMs.
    case tooManyComponents = "too_many_components"
}

/// One leg movement after same-leg merging and bilateral combination, with everything the rules decided.
public struct ScoredMovement: Sendable, Hashable {
    public var onset: Microseconds
    public var end: Microseconds
    /// L, R, B (bilateral) or U (side not given).
    public var side: Leg
    /// How many monolateral LMs were combined into this one (1 unless bilateral).
    public var components: Int
    public var nonCandidateReason: NonCandidateReason?
    /// Onset to onset from the previous LM; nil for the first.
    public var imi: Microseconds?
    /// 1-based number of the PLM series this LM belongs to.
    public var seriesID: Int?
    public var stage: SleepStage?
    public var state: SleepState
    public var respiratoryRelated: Bool
    public var arousal: Bool
    /// Left out of the sequence without breathing-related LMs (see `resp_removal_scope`).
    public var excludedFromNonRespiratory: Bool
    /// IMI in the sequence without breathing-related LMs (nil for those left out, and for the first).
    public var imiNonRespiratory: Microseconds?
    /// Member of a series in the sequence without breathing-related LMs.
    public var isPLMNonRespiratory: Bool

    public var duration: Microseconds { end - onset }
    public var isCandidate: Bool { nonCandidateReason == nil }
    public var isPLM: Bool { seriesID != nil }
}

/// What happened to the input LMs before they were scored.
public struct PreparationCounts: Sendable, Equatable {
    /// LM annotations given.
    public var input = 0
    /// Outside lights off .. lights on, not scored.
    public var outsideLights = 0
    /// Absorbed into another LM on the same leg.
    public var mergedSameLeg = 0
    /// Shorter than the minimum duration after merging.
    public var tooShort = 0
    /// Longer than the monolateral limit and dropped (`long_lm_handling = ignore`).
    public var ignoredTooLong = 0
}

/// The scoring engine's result for one recording.
public struct ScoringResult: Sendable {
    public var rules: ScoringRules
    public var movements: [ScoredMovement]
    public var preparation: PreparationCounts
    public var summary: NightSummary
}

/// Scores leg movements by the window rules.
public enum Scorer {
    /// Scores one recording. Input order does not matter.
    public static func score(_ input: ScoringInput, rules: ScoringRules) throws(RuleError) -> ScoringResult {
        let r = try rules.resolved()
        var prep = PreparationCounts()
        prep.input = input.legMovements.count

        let window = AnalysisWindow(input: input)
        let inWindow = input.legMovements.filter { window.segment(of: $0, rules: rules) != nil }
        prep.outsideLights = input.legMovements.count - inWindow.count

        // 1. Same-leg merging, then the minimum duration [WASM2016: merge when the gap is < 0.5 s].
        var monolateral: [LegMovementEvent] = []
        for leg in Leg.allCases {
            let merged = mergeSameLeg(inWindow.filter { $0.leg == leg }, rules: r)
            prep.mergedSameLeg += inWindow.lazy.filter { $0.leg == leg }.count - merged.count
            monolateral += merged
        }
        let longEnough = monolateral.filter { $0.duration >= r.minimumDuration }
        prep.tooShort = monolateral.count - longEnough.count
        var kept = longEnough
        if rules.longMovementHandling == .ignore {
            kept = longEnough.filter { $0.duration <= r.maxMonolateral }
            prep.ignoredTooLong = longEnough.count - kept.count
        }
        kept.sort { ($0.onset, $0.end, $0.leg.rawValue) < ($1.onset, $1.end, $1.leg.rawValue) }

        // 2. Bilateral combination and candidate status.
        var movements = combineBilateral(kept, rules: r)

        // 3. State, breathing and arousal association.
        let hypnogram = Hypnogram(input.stages)
        let respiratory = input.respiratoryEvents.map { respiratoryWindow($0, rules: r) }
        for i in movements.indices {
            let stage = hypnogram.stage(at: movements[i].onset)
            movements[i].stage = stage
            movements[i].state = stage?.state ?? .unknown
            movements[i].respiratoryRelated = respiratory.contains { w in
                movements[i].onset <= w.end && movements[i].end >= w.start
            }
            movements[i].arousal = input.arousals.contains { a in
                let gap = max(a.onset - movements[i].end, movements[i].onset - a.end)
                return rules.arousalGapInclusive ? gap <= r.arousalGap : gap < r.arousalGap
            }
        }

        // 4. IMIs and PLM series [WASM2016].
        // A series does not run across time out of bed: each LM carries the in-bed interval it falls in.
        let segments = movements.map { m in
            window.segment(of: LegMovementEvent(onset: m.onset, duration: m.duration, leg: m.side), rules: rules) ?? -1
        }
        let full = detectSeries(
            onsets: movements.map(\.onset), candidate: movements.map(\.isCandidate), segments: segments, rules: r,
            firstSeriesID: 1)
        for i in movements.indices {
            movements[i].imi = full.imi[i]
            movements[i].seriesID = full.seriesID[i]
        }

        // 5. The sequence without breathing-related LMs.
        for i in movements.indices where movements[i].respiratoryRelated {
            movements[i].excludedFromNonRespiratory =
                rules.respiratoryRemovalScope == .all || movements[i].isCandidate
        }
        let nonResp = movements.indices.filter { !movements[$0].excludedFromNonRespiratory }
        switch rules.respiratoryRemoval {
        case .removeAndRecompute:
            let nr = detectSeries(
                onsets: nonResp.map { movements[$0].onset },
                candidate: nonResp.map { movements[$0].isCandidate }, segments: nonResp.map { segments[$0] },
                rules: r, firstSeriesID: 1)
            for (k, i) in nonResp.enumerated() {
                movements[i].imiNonRespiratory = nr.imi[k]
                movements[i].isPLMNonRespiratory = nr.seriesID[k] != nil
            }
        case .flagOnly:
            for i in nonResp {
                movements[i].imiNonRespiratory = movements[i].imi
                movements[i].isPLMNonRespiratory = movements[i].isPLM
            }
        }

        let summary = NightSummary(
            movements: movements, input: input, window: window, hypnogram: hypnogram, rules: r, preparation: prep)
        return ScoringResult(rules: rules, movements: movements, preparation: prep, summary: summary)
    }

    // MARK: - Steps

    /// Merges LMs of one leg whose gap (end to next start) is below the merge gap; overlaps always merge.
    static func mergeSameLeg(_ lms: [LegMovementEvent], rules r: ResolvedRules) -> [LegMovementEvent] {
        let sorted = lms.sorted { ($0.onset, $0.end) < ($1.onset, $1.end) }
        var out: [LegMovementEvent] = []
        for lm in sorted {
            if var last = out.last {
                let gap = lm.onset - last.end
                let joins = r.rules.sameLegMergeGapInclusive ? gap <= r.sameLegMergeGap : gap < r.sameLegMergeGap
                if joins {
                    last.duration = max(last.end, lm.end) - last.onset
                    out[out.count - 1] = last
                    continue
                }
            }
            out.append(lm)
        }
        return out
    }

    /// Combines LMs on different legs into bilateral LMs and decides candidate status.
    /// `lms` is sorted by onset. LMs of unknown side never combine.
    static func combineBilateral(_ lms: [LegMovementEvent], rules r: ResolvedRules) -> [ScoredMovement] {
        var out: [ScoredMovement] = []
        var group: [LegMovementEvent] = []
        // For the gap rule: the latest end of the group's members on each leg; for the onset rule: the
        // latest onset on each leg.
        var reachLeft: Microseconds? = nil
        var reachRight: Microseconds? = nil

        func flush() {
            guard let first = group.first else { return }
            out.append(makeMovement(group, first: first, rules: r))
            group.removeAll(keepingCapacity: true)
            reachLeft = nil
            reachRight = nil
        }

        func joins(_ lm: LegMovementEvent) -> Bool {
            let rule = r.rules
            func close(_ reach: Microseconds?) -> Bool {
                guard let reach else { return false }
                switch rule.bilateralRule {
                case .gap:
                    let gap = lm.onset - reach
                    return rule.bilateralGapInclusive ? gap <= r.bilateralGap : gap < r.bilateralGap
                case .onsetWindow:
                    return lm.onset - reach < r.bilateralOnsetWindow
                }
            }
            switch lm.leg {
            case .left: return close(reachRight)
            case .right: return close(reachLeft)
            case .both: return close(reachLeft) || close(reachRight)
            case .unknown: return false
            }
        }

        for lm in lms {
            if group.isEmpty || !joins(lm) || group.contains(where: { $0.leg == .unknown }) {
                flush()
            }
            group.append(lm)
            let reach = r.rules.bilateralRule == .gap ? lm.end : lm.onset
            if lm.leg == .left || lm.leg == .both { reachLeft = max(reachLeft ?? reach, reach) }
            if lm.leg == .right || lm.leg == .both { reachRight = max(reachRight ?? reach, reach) }
        }
        flush()
        return out
    }

    static func makeMovement(
        _ group: [LegMovementEvent], first: LegMovementEvent, rules r: ResolvedRules
    ) -> ScoredMovement {
        let onset = group.map(\.onset).min() ?? first.onset
        let end = group.map(\.end).max() ?? first.end
        let hasLeft = group.contains { $0.leg == .left || $0.leg == .both }
        let hasRight = group.contains { $0.leg == .right || $0.leg == .both }
        let side: Leg = hasLeft && hasRight ? .both : (hasLeft ? .left : (hasRight ? .right : .unknown))
        let components = group.reduce(0) { $0 + ($1.leg == .both ? 2 : 1) }
        var reason: NonCandidateReason? = nil
        if side != .both {
            if end - onset > r.maxMonolateral { reason = .tooLong }
        } else {
            if let m = r.maxBilateral, end - onset > m {
                reason = .tooLong
            } else if group.contains(where: { $0.duration > r.maxMonolateral }) {
                reason = .componentTooLong
            } else if let c = r.rules.maxBilateralComponents, components > c {
                reason = .tooManyComponents
            }
        }
        return ScoredMovement(
            onset: onset, end: end, side: side, components: components, nonCandidateReason: reason, imi: nil,
            seriesID: nil, stage: nil, state: .unknown, respiratoryRelated: false, arousal: false,
            excludedFromNonRespiratory: false, imiNonRespiratory: nil, isPLMNonRespiratory: false)
    }

    /// The breathing-related window of one respiratory event.
    static func respiratoryWindow(_ e: IntervalEvent, rules r: ResolvedRules) -> (start: Microseconds, end: Microseconds) {
        switch r.rules.respiratoryAnchor {
        case .eventEnd: return (e.end - r.respiratoryBefore, e.end + r.respiratoryAfter)
        case .eventSpan: return (e.onset - r.respiratoryBefore, e.end + r.respiratoryAfter)
        }
    }

    struct SeriesOutcome {
        var imi: [Microseconds?]
        var seriesID: [Int?]
    }

    /// IMIs (onset to onset) and PLM series over a sequence of LMs sorted by onset [WASM2016]:
    /// a series is a run of at least `series_min_length` candidate LMs whose IMIs are all within
    /// imi_min..imi_max; a non-candidate, an IMI out of range, or time out of bed (a change of `segments`)
    /// ends a run.
    static func detectSeries(
        onsets: [Microseconds], candidate: [Bool], segments: [Int], rules r: ResolvedRules, firstSeriesID: Int
    ) -> SeriesOutcome {
        let n = onsets.count
        var imi = [Microseconds?](repeating: nil, count: n)
        for i in onsets.indices.dropFirst() { imi[i] = onsets[i] - onsets[i - 1] }
        var series = [Int?](repeating: nil, count: n)
        var nextID = firstSeriesID
        var run: [Int] = []
        let rules = r.rules

        func close() {
            if run.count >= rules.minimumSeriesLength {
                for i in run { series[i] = nextID }
                nextID += 1
            }
            run.removeAll(keepingCapacity: true)
        }
        func inRange(_ v: Microseconds) -> Bool {
            v >= r.imiMin && (rules.imiMaxInclusive ? v <= r.imiMax : v < r.imiMax)
        }
        func mayStart(_ i: Int) -> Bool {
            if rules.shortIntervalMovementMayStartSeries { return true }
            guard let v = imi[i] else { return true }
            return v >= r.imiMin
        }

        for i in 0..<n {
            let eligible = candidate[i] && !(rules.dropLastMovementOfRecording && i == n - 1)
            guard eligible else {
                close()
                continue
            }
            if let last = run.last, segments[last] == segments[i], inRange(onsets[i] - onsets[last]) {
                run.append(i)
                continue
            }
            close()
            if mayStart(i) { run = [i] }
        }
        close()
        return SeriesOutcome(imi: imi, seriesID: series)
    }
}

/// The part of the recording that is scored: the in-bed intervals when given (measured from leg posture),
/// else lights off to lights on, else all of it.
public struct AnalysisWindow: Sendable, Equatable {
    /// Sorted, non-overlapping intervals [start, end).
    public var intervals: [(start: Microseconds, end: Microseconds)]
    /// Whether in-bed intervals or lights bounded the window (the index basis is then `in_bed`).
    public var bounded: Bool
    let upperBounded: Bool

    public static func == (a: AnalysisWindow, b: AnalysisWindow) -> Bool {
        a.bounded == b.bounded && a.upperBounded == b.upperBounded
            && a.intervals.elementsEqual(b.intervals) { $0.start == $1.start && $0.end == $1.end }
    }

    init(input: ScoringInput) {
        let recordingEnd = input.effectiveRecordingDuration
        let lightsStart = input.lightsOff ?? 0
        let lightsEnd = max(lightsStart, input.lightsOn ?? max(recordingEnd, lightsStart))
        upperBounded = input.lightsOn != nil || !input.inBedIntervals.isEmpty
        bounded = input.lightsOff != nil || input.lightsOn != nil || !input.inBedIntervals.isEmpty
        if input.inBedIntervals.isEmpty {
            intervals = [(lightsStart, lightsEnd)]
            return
        }
        // In-bed intervals, clipped to the lights when those are given too, sorted and merged.
        var merged: [(start: Microseconds, end: Microseconds)] = []
        let lo = input.lightsOff ?? Microseconds.min
        let hi = input.lightsOn ?? Microseconds.max
        for e in input.inBedIntervals.sorted(by: { $0.onset < $1.onset }) {
            let s = max(e.onset, lo)
            let t = min(e.end, hi)
            guard t > s else { continue }
            if let last = merged.last, s <= last.end {
                merged[merged.count - 1].end = max(last.end, t)
            } else {
                merged.append((s, t))
            }
        }
        intervals = merged
    }

    /// The interval an LM belongs to, or nil when it is not scored: by default the interval containing its
    /// onset ([start, end)); with `lights_lm_inclusion = overlap`, the first interval it touches.
    func segment(of lm: LegMovementEvent, rules: ScoringRules) -> Int? {
        for (k, w) in intervals.enumerated() {
            let last = k == intervals.count - 1 && !upperBounded
            switch rules.lightsInclusion {
            case .onsetWithin:
                if lm.onset >= w.start && (last || lm.onset < w.end) { return k }
            case .overlap:
                if lm.end >= w.start && (last || lm.onset <= w.end) { return k }
            }
        }
        return nil
    }

    var duration: Microseconds { intervals.reduce(0) { $0 + ($1.end - $1.start) } }
}

/// Stage lookup over the hypnogram.
struct Hypnogram: Sendable {
    let intervals: [StageInterval]
    /// The latest end among intervals[0...i], so a lookup can stop as soon as nothing earlier reaches t.
    private let reach: [Microseconds]

    init(_ stages: [StageInterval]) {
        intervals = stages.sorted { ($0.onset, $0.end) < ($1.onset, $1.end) }
        var reach: [Microseconds] = []
        reach.reserveCapacity(intervals.count)
        var m = Microseconds.min
        for s in intervals {
            m = max(m, s.end)
            reach.append(m)
        }
        self.reach = reach
    }

    /// The stage of the interval that contains `t` (the latest-starting one if several do).
    func stage(at t: Microseconds) -> SleepStage? {
        var i = intervals.partitionIndex { $0.onset <= t } - 1
        while i >= 0 && reach[i] > t {
            if t < intervals[i].end { return intervals[i].stage }
            i -= 1
        }
        return nil
    }

    /// Time spent in stages of `state` inside [start, end).
    func time(in state: SleepState, from start: Microseconds, to end: Microseconds) -> Microseconds {
        var total: Microseconds = 0
        for s in intervals where s.stage.state == state {
            let a = max(s.onset, start)
            let b = min(s.end, end)
            if b > a { total += b - a }
        }
        return total
    }
}
