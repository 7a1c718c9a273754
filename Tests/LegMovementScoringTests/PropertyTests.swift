import LegMovementScoring
import Testing

/// Properties that must hold on any input, checked on random nights from fixed seeds.
@Suite("Properties on random nights")
struct PropertyTests {
    /// A random night: bursts of periodic movements on either or both legs with jittered intervals (some
    /// short, some long), isolated movements, durations from 0.2 to 16 s, apneas, arousals and a hypnogram.
    static func randomNight(seed: UInt64) -> ScoringInput {
        var g = SeededGenerator(seed: seed)
        func uniform(_ a: Double, _ b: Double) -> Double { Double.random(in: a..<b, using: &g) }
        func ms(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }
        var lms: [LegMovementEvent] = []
        var t = uniform(0, 60)
        let end = uniform(2000, 8000)
        while t < end {
            let leg: Leg = [.left, .right, .left, .right, .unknown, .both].randomElement(using: &g) ?? .left
            let duration = Double.random(in: 0..<1, using: &g) < 0.1 ? uniform(8, 16) : uniform(0.2, 5)
            lms.append(LegMovementEvent(onset: us(ms(t)), duration: us(ms(duration)), leg: leg))
            if Double.random(in: 0..<1, using: &g) < 0.3 {  // the other leg, close by
                let other: Leg = leg == .left ? .right : .left
                lms.append(
                    LegMovementEvent(onset: us(ms(t + uniform(-1, 2))), duration: us(ms(uniform(0.3, 4))), leg: other))
            }
            let r = Double.random(in: 0..<1, using: &g)
            t += r < 0.6 ? uniform(8, 40) : (r < 0.8 ? uniform(0.5, 10) : uniform(60, 400))
            t = ms(t)
        }
        let epochCount = Int(end / 30) + 2
        let stageChoices: [SleepStage] = [.wake, .n1, .n2, .n2, .n3, .rem, .unscored]
        var stages: [StageInterval] = []
        var stage = SleepStage.wake
        for k in 0..<epochCount {
            if Double.random(in: 0..<1, using: &g) < 0.1 { stage = stageChoices.randomElement(using: &g) ?? .n2 }
            stages.append(StageInterval(onset: us(Double(k) * 30), duration: us(30), stage: stage))
        }
        let apneas = (0..<Int(uniform(0, 30))).map { _ in interval(ms(uniform(0, end)), ms(uniform(10, 40))) }
        let arousals = (0..<Int(uniform(0, 40))).map { _ in interval(ms(uniform(0, end)), ms(uniform(3, 15))) }
        let withLights = seed % 3 == 0
        return ScoringInput(
            legMovements: lms.shuffled(using: &g), stages: seed % 4 == 1 ? [] : stages, arousals: arousals,
            respiratoryEvents: apneas, lightsOff: withLights ? us(ms(uniform(0, 300))) : nil,
            lightsOn: withLights ? us(ms(end - uniform(0, 300))) : nil)
    }

    static let seeds: [UInt64] = Array(1...120)
    static let profiles: [ScoringRules] = [
        .wasm2016, .aasm,
        rules { $0.profile = "somas-like"; $0.shortIntervalMovementMayStartSeries = false; $0.imiMaxInclusive = false },
        rules { $0.profile = "flag-only-drop-last"; $0.respiratoryRemoval = .flagOnly; $0.dropLastMovementOfRecording = true },
    ]

    func inRange(_ imi: Microseconds, _ r: ScoringRules) -> Bool {
        imi >= us(r.imiMin) && (r.imiMaxInclusive ? imi <= us(r.imiMax) : imi < us(r.imiMax))
    }

    @Test("PLMs are candidates; series have >= 4 consecutive members with IMIs in range; runs are maximal",
          arguments: profiles)
    func seriesStructure(_ rules: ScoringRules) throws {
        for seed in PropertyTests.seeds {
            let r = try score(PropertyTests.randomNight(seed: seed), rules)
            let m = r.movements
            #expect(m.allSatisfy { !$0.isPLM || $0.isCandidate })
            #expect(m.allSatisfy { !$0.isPLMNonRespiratory || $0.isCandidate })
            #expect(zip(m, m.dropFirst()).allSatisfy { $0.onset <= $1.onset })
            var members: [Int: [Int]] = [:]
            for (i, x) in m.enumerated() { if let id = x.seriesID { members[id, default: []].append(i) } }
            for (_, idx) in members {
                #expect(idx.count >= rules.minimumSeriesLength)
                #expect(zip(idx, idx.dropFirst()).allSatisfy { $1 == $0 + 1 })
                for i in idx.dropFirst() { #expect(inRange(m[i].onset - m[i - 1].onset, rules)) }
                // Maximal: the LM after a series does not continue it.
                if let last = idx.last, last + 1 < m.count, !(rules.dropLastMovementOfRecording && last + 1 == m.count - 1) {
                    let next = m[last + 1]
                    #expect(!next.isCandidate || !inRange(next.onset - m[last].onset, rules))
                    #expect(next.seriesID != m[last].seriesID)
                }
            }
            // Every run of series_min_length consecutive candidates with IMIs in range is periodic.
            let k = rules.minimumSeriesLength
            if m.count >= k {
                for start in 0...(m.count - k) {
                    let window = start..<(start + k)
                    if rules.dropLastMovementOfRecording && window.contains(m.count - 1) { continue }
                    guard window.allSatisfy({ m[$0].isCandidate }) else { continue }
                    guard window.dropFirst().allSatisfy({ inRange(m[$0].onset - m[$0 - 1].onset, rules) }) else {
                        continue
                    }
                    let startsAfterShort = !rules.shortIntervalMovementMayStartSeries
                    if startsAfterShort { continue }  // with SOMAS starts, the window may begin at a barred LM
                    #expect(window.allSatisfy { m[$0].isPLM }, "seed \(seed) window at \(m[start].onset)")
                }
            }
            let s = r.summary
            #expect(s.plmCount == m.filter(\.isPLM).count)
            #expect((s.plmsCount ?? 0) + (s.plmwCount ?? 0) <= s.plmCount)
            #expect(s.plmNonRespiratoryCount <= s.clmCount)
        }
    }

    /// The decisions of a result, without absolute times.
    struct Decisions: Equatable {
        var side: Leg
        var components: Int
        var duration: Microseconds
        var reason: NonCandidateReason?
        var imi: Microseconds?
        var series: Int?
        var state: SleepState
        var resp: Bool
        var arousal: Bool
        var plmNR: Bool

        init(_ m: ScoredMovement, mirror: Bool = false) {
            side = mirror ? (m.side == .left ? .right : (m.side == .right ? .left : m.side)) : m.side
            components = m.components
            duration = m.duration
            reason = m.nonCandidateReason
            imi = m.imi
            series = m.seriesID
            state = m.state
            resp = m.respiratoryRelated
            arousal = m.arousal
            plmNR = m.isPLMNonRespiratory
        }
    }

    @Test("shifting every event by a constant changes no decision", arguments: profiles)
    func shiftInvariance(_ rules: ScoringRules) throws {
        for seed in PropertyTests.seeds {
            let input = PropertyTests.randomNight(seed: seed)
            var g = SeededGenerator(seed: seed &* 7919)
            // Whole epochs keep the hypnogram aligned with itself; the sub-second part probes rounding.
            let shift = us(Double(Int.random(in: 1...2000, using: &g)) * 30 + 0.123)
            var moved = input
            moved.legMovements = input.legMovements.map { var x = $0; x.onset += shift; return x }
            moved.stages = input.stages.map { var x = $0; x.onset += shift; return x }
            moved.arousals = input.arousals.map { var x = $0; x.onset += shift; return x }
            moved.respiratoryEvents = input.respiratoryEvents.map { var x = $0; x.onset += shift; return x }
            moved.lightsOff = input.lightsOff.map { $0 + shift }
            moved.lightsOn = input.lightsOn.map { $0 + shift }
            let a = try score(input, rules)
            let b = try score(moved, rules)
            #expect(a.movements.map { $0.onset + shift } == b.movements.map(\.onset), "seed \(seed)")
            #expect(a.movements.map { Decisions($0) } == b.movements.map { Decisions($0) }, "seed \(seed)")
        }
    }

    @Test("swapping left and right mirrors sides and changes nothing else", arguments: profiles)
    func mirror(_ rules: ScoringRules) throws {
        for seed in PropertyTests.seeds {
            let input = PropertyTests.randomNight(seed: seed)
            var mirrored = input
            mirrored.legMovements = input.legMovements.map {
                var x = $0
                x.leg = x.leg == .left ? .right : (x.leg == .right ? .left : x.leg)
                return x
            }
            let a = try score(input, rules)
            let b = try score(mirrored, rules)
            #expect(a.movements.map(\.onset) == b.movements.map(\.onset), "seed \(seed)")
            #expect(a.movements.map { Decisions($0, mirror: true) } == b.movements.map { Decisions($0) }, "seed \(seed)")
            #expect(a.summary.plmIndexLeft == b.summary.plmIndexRight)
        }
    }

    @Test("input order does not matter")
    func orderInvariance() throws {
        for seed in PropertyTests.seeds.prefix(30) {
            let input = PropertyTests.randomNight(seed: seed)
            var g = SeededGenerator(seed: seed + 1)
            var shuffled = input
            shuffled.legMovements.shuffle(using: &g)
            shuffled.stages.shuffle(using: &g)
            shuffled.arousals.shuffle(using: &g)
            let a = try score(input)
            let b = try score(shuffled)
            #expect(a.movements == b.movements)
            #expect(a.summary == b.summary)
        }
    }
}
