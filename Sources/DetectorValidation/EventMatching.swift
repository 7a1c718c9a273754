import LegMovementScoring

/// Event-level agreement between detected and true leg movements.
///
/// Per leg, each true LM is matched with at most one detected LM on the same leg that overlaps it in time
/// (onset to end, any overlap), one to one, in onset order. Unmatched detections are false positives,
/// unmatched true LMs false negatives.
public struct EventAgreement: Sendable, Equatable {
    public var truePositives = 0
    public var falsePositives = 0
    public var falseNegatives = 0
    /// Matched pairs' onset differences (detected minus true), s.
    public var onsetErrors: [Double] = []
    /// The true LMs nobody detected, and the detections matching nothing (for diagnosis).
    public var missed: [LegMovementEvent] = []
    public var spurious: [LegMovementEvent] = []

    public init() {}

    public var precision: Double {
        truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives)
    }
    public var recall: Double {
        truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives)
    }
    public var f1: Double {
        let p = precision, r = recall
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }

    public static func + (a: EventAgreement, b: EventAgreement) -> EventAgreement {
        var c = a
        c.truePositives += b.truePositives
        c.falsePositives += b.falsePositives
        c.falseNegatives += b.falseNegatives
        c.onsetErrors += b.onsetErrors
        c.missed += b.missed
        c.spurious += b.spurious
        return c
    }

    /// Compares detected with true LMs of both legs; events outside `window` (if given) are left out of both.
    public static func compare(
        detected: [LegMovementEvent], truth: [LegMovementEvent], within window: [IntervalEvent]? = nil
    ) -> EventAgreement {
        func inside(_ e: LegMovementEvent) -> Bool {
            guard let window else { return true }
            return window.contains { e.onset >= $0.onset && e.onset < $0.end }
        }
        var total = EventAgreement()
        for leg in [Leg.left, .right, .unknown] {
            let d = detected.filter { $0.leg == leg && inside($0) }.sorted { $0.onset < $1.onset }
            let t = truth.filter { $0.leg == leg && inside($0) }.sorted { $0.onset < $1.onset }
            var used = [Bool](repeating: false, count: d.count)
            var start = 0
            var a = EventAgreement()
            for e in t {
                while start < d.count && d[start].end < e.onset { start += 1 }
                var k = start
                var found: Int? = nil
                while k < d.count && d[k].onset <= e.end {
                    if !used[k] && d[k].end >= e.onset {
                        found = k
                        break
                    }
                    k += 1
                }
                if let f = found {
                    used[f] = true
                    a.truePositives += 1
                    a.onsetErrors.append(Seconds.from(d[f].onset - e.onset))
                } else {
                    a.falseNegatives += 1
                    a.missed.append(e)
                }
            }
            a.falsePositives = used.filter { !$0 }.count
            a.spurious = zip(d, used).filter { !$0.1 }.map(\.0)
            total = total + a
        }
        return total
    }
}
