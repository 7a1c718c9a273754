import Foundation
import NightStatistics
import SleepDiary

/// The result of a self-experiment: per pair of blocks the difference of the mean PLM index (remedy minus
/// without), tested by the sign-flip randomisation test that the random order makes valid, with the effect's
/// interval from inverting that test (`SignFlipTest`).
public struct TrialResult: Sendable, Equatable {
    public var plan: TrialPlan
    /// Nights of the plan with a PLM index, by arm, wash-out nights not counted.
    public var nightsWith: Int
    public var nightsWithout: Int
    /// Wash-out nights left out (with a PLM index or not).
    public var washoutNights: Int
    /// Nights of the plan, not wash-out, without a PLM index (not worn, not yet recorded).
    public var missing: [NightDate]
    /// Pairs with at least one counted night in each block, and pairs left out for lack of one.
    public var pairsUsed: Int
    public var pairsLeftOut: Int
    public var medianWith: Double?
    public var medianWithout: Double?
    /// nil when no pair is complete.
    public var test: SignFlipTest?
    /// Nights on which the diary says the plan was not followed (analysed as planned: the randomisation is what
    /// makes the test valid).
    public var notAsPlanned: [NightDate]
    public var confidence: Double

    /// Analyses a plan.
    ///
    /// - Parameters:
    ///   - nights: night and PLM index of every night with one (nights without an index are missing).
    ///   - followed: for nights with a diary entry, whether the remedy was used, when the remedy is a diary factor.
    /// - Throws: `TrialError` when no night of the plan has a PLM index yet.
    public static func analyse(
        plan: TrialPlan, nights: [(night: NightDate, plmIndex: Double)], followed: [NightDate: Bool] = [:],
        confidence: Double = 0.95
    ) throws -> TrialResult {
        let index = Dictionary(nights.filter { $0.plmIndex.isFinite }.map { ($0.night, $0.plmIndex) }, uniquingKeysWith: { a, _ in a })
        guard plan.schedule.contains(where: { index[$0.night] != nil }) else {
            throw TrialError(
                "no night of the trial (\(plan.first) to \(plan.last)) has a PLM index yet: record the nights "
                    + "(plmd, or plm-replay --store) before asking for the result")
        }
        var with: [Double] = []
        var without: [Double] = []
        var missing: [NightDate] = []
        var washout = 0
        var perPair = [[TrialArm: [Double]]](repeating: [:], count: plan.pairs)
        var notAsPlanned: [NightDate] = []
        for n in plan.schedule {
            if let used = followed[n.night], used != (n.arm == .remedy) { notAsPlanned.append(n.night) }
            if n.washout {
                washout += 1
                continue
            }
            guard let v = index[n.night] else {
                missing.append(n.night)
                continue
            }
            if n.arm == .remedy { with.append(v) } else { without.append(v) }
            perPair[n.pair][n.arm, default: []].append(v)
        }
        var differences: [Double] = []
        for p in perPair {
            guard let a = p[.remedy], let b = p[.without], !a.isEmpty, !b.isEmpty else { continue }
            differences.append(a.reduce(0, +) / Double(a.count) - b.reduce(0, +) / Double(b.count))
        }
        return TrialResult(
            plan: plan, nightsWith: with.count, nightsWithout: without.count, washoutNights: washout, missing: missing,
            pairsUsed: differences.count, pairsLeftOut: plan.pairs - differences.count,
            medianWith: Distributions.median(with), medianWithout: Distributions.median(without),
            test: SignFlipTest.test(differences: differences, confidence: confidence), notAsPlanned: notAsPlanned,
            confidence: confidence)
    }

    /// Refuses diary entries for nights outside the plan (when a diary file is given for the trial).
    public static func checkDiary(_ entries: [DiaryEntry], plan: TrialPlan, file: String) throws {
        let outside = entries.map(\.night).filter { plan.arm(of: $0) == nil }.sorted()
        guard outside.isEmpty else {
            let shown = outside.prefix(5).map(\.description).joined(separator: ", ") + (outside.count > 5 ? ", …" : "")
            throw TrialError(
                "\(file): \(outside.count) night\(outside.count == 1 ? "" : "s") outside the trial "
                    + "(\(plan.first) to \(plan.last)): \(shown); remove those rows or import them with plm diary import")
        }
    }

    /// The result in words.
    public func text() -> String {
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        let level = Int((confidence * 100).rounded())
        var out = "Self-experiment: \(plan.remedy), \(plan.first) to \(plan.last), \(plan.pairs) pairs of "
        out += "\(plan.blockNights)-night blocks.\n"
        out += "Nights counted: \(nightsWith) with \(plan.remedy), \(nightsWithout) without"
        out += washoutNights > 0 ? "; \(washoutNights) wash-out nights not counted" : ""
        out += missing.isEmpty ? ".\n" : "; \(missing.count) planned nights without a PLM index.\n"
        if let a = medianWith, let b = medianWithout {
            out += "Median PLM index: \(f(a))/h with, \(f(b))/h without.\n"
        }
        if !notAsPlanned.isEmpty {
            out += "The diary says the plan was not followed on \(notAsPlanned.count) night"
            out += notAsPlanned.count == 1 ? "" : "s"
            out += " (\(notAsPlanned.map(\.description).joined(separator: ", "))); they count as planned.\n"
        }
        guard let t = test else {
            out += "No pair of blocks has nights both with and without yet: no result.\n"
            return out
        }
        let d = t.meanDifference
        let amount = d == 0 ? "no different number of" : "\(f(abs(d))) " + (d < 0 ? "fewer" : "more")
        out += "With \(plan.remedy): \(amount) PLMs per hour than without (mean over \(t.pairs) pairs"
        if let l = t.lower, let u = t.upper {
            out += "; \(level) % interval " + (u <= 0 ? "\(f(-u)) to \(f(-l)) fewer" : l >= 0 ? "\(f(l)) to \(f(u)) more"
                : "\(f(-l)) fewer to \(f(u)) more")
        }
        out += ").\n"
        out += "Randomisation test: p \(t.pValue < 0.001 ? "< 0.001" : "= " + String(format: "%.3f", t.pValue)) "
        out += t.exact ? "(exact, all \(t.patterns) orders of the pairs)" : "(\(t.patterns) random orders of the pairs)"
        out += t.pValue <= 1 - confidence ? ": a clear difference.\n" : ": this may be chance.\n"
        if t.lower == nil {
            out += "Too few pairs for a \(level) % interval: \(Int(ceil(log2(2 / (1 - confidence)) - 1e-12))) pairs are needed.\n"
        }
        if pairsLeftOut > 0 { out += "\(pairsLeftOut) pair\(pairsLeftOut == 1 ? "" : "s") left out for lack of nights in one block.\n" }
        return out
    }
}
