import Foundation
import NightStatistics
import SleepDiary

/// A medicine started, stopped or changed in dose, and the PLM index before and after (docs/statistics.md,
/// "Treatment response").
public struct TreatmentChange: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case started, stopped, changed
    }

    public var medicine: String
    /// The first night on the new dose.
    public var night: NightDate
    public var kind: Kind
    /// Dose in mg per night before and after (0 = not taken).
    public var doseBefore: Double
    public var doseAfter: Double
    /// Nights with a PLM index compared: before the change, and after it once the wash-in is over.
    public var nightsBefore: Int
    public var nightsAfter: Int
    public var washInNights: Int
    public var medianBefore: Double?
    public var medianAfter: Double?
    /// After minus before, PLM/h, from a regression with AR(1) errors; its interval and p-value.
    public var effect: Double?
    public var lower: Double?
    public var upper: Double?
    public var pValue: Double?
    /// Why there is no comparison yet (with the nights still needed).
    public var notTested: String?

    /// "ropinirole 0.25 → 0.5 mg", "started gabapentin 300 mg".
    public var label: String {
        switch kind {
        case .started: return "\(medicine) started, \(dose(doseAfter))"
        case .stopped: return "\(medicine) stopped (was \(dose(doseBefore)))"
        case .changed: return "\(medicine) \(number(doseBefore)) → \(dose(doseAfter))"
        }
    }

    public func sentence(confidence: Double) -> String {
        if let notTested { return "\(label) on \(night): \(notTested)." }
        guard let effect, let lower, let upper, let pValue else { return "\(label) on \(night): no result." }
        let level = Int((confidence * 100).rounded())
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        let amount = effect == 0 ? "no different number of" : "\(f(abs(effect))) " + (effect < 0 ? "fewer" : "more")
        let range =
            upper <= 0 ? "\(f(-upper)) to \(f(-lower)) fewer"
            : lower >= 0 ? "\(f(lower)) to \(f(upper)) more" : "\(f(-lower)) fewer to \(f(upper)) more"
        return "\(label) on \(night): \(amount) PLMs per hour after than before, \(level) % interval \(range) "
            + "(\(nightsBefore) nights before, \(nightsAfter) after, the first \(washInNights) nights after the "
            + "change left out as wash-in); "
            + (pValue <= 1 - confidence ? "a clear difference (p \(p(pValue)))." : "this may be chance (p \(p(pValue))).")
    }

    private func p(_ v: Double) -> String { v < 0.001 ? "< 0.001" : "= " + String(format: "%.3f", v) }
    private func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : String(format: "%g", v)
    }
    private func dose(_ v: Double) -> String { number(v) + " mg" }
}

/// Settings of the treatment-response comparison.
public struct TreatmentSettings: Sendable, Equatable {
    /// Nights after a change left out while the new dose takes effect (or the old one wears off).
    public var washInNights: Int
    /// At most this many nights on each side are compared.
    public var windowNights: Int
    /// At least this many nights with a PLM index on each side.
    public var minimumNights: Int
    /// A new dose counts as a change only when the diary keeps it for at least this many entries (so that an
    /// occasional extra or missed tablet is not a change).
    public var minimumRunEntries: Int
    public var confidence: Double

    public init(
        washInNights: Int = 3, windowNights: Int = 14, minimumNights: Int = 5, minimumRunEntries: Int = 4,
        confidence: Double = 0.95
    ) {
        self.washInNights = washInNights
        self.windowNights = windowNights
        self.minimumNights = minimumNights
        self.minimumRunEntries = minimumRunEntries
        self.confidence = confidence
    }
}

public enum TreatmentResponse {
    /// A diary entry naming a medicine without its dose: dose changes of that medicine cannot be followed.
    public struct MissingDose: Sendable, Equatable, CustomStringConvertible {
        public var medicine: String
        public var nights: [NightDate]
        public var description: String {
            "\(medicine) has no dose on \(nights.count) night\(nights.count == 1 ? "" : "s") ("
                + nights.prefix(3).map(\.description).joined(separator: ", ") + (nights.count > 3 ? ", …" : "")
                + "): write it with its dose, e.g. '\(medicine) 0.25 mg 21:00' (plm diary add --night "
                + "\(nights[0]) --medication ...), so that a change of dose can be followed"
        }
    }

    /// Every sustained change of every medicine, with its before/after comparison, and the medicines whose dose is
    /// missing (those are not followed).
    public static func analyse(
        nights: [NightOutcome], diary: [DiaryEntry], settings: TreatmentSettings = .init()
    ) -> (changes: [TreatmentChange], missingDose: [MissingDose]) {
        let entries = diary.sorted { $0.night < $1.night }
        let index = Dictionary(nights.filter { $0.plmIndex.isFinite }.map { ($0.night, $0.plmIndex) }, uniquingKeysWith: { a, _ in a })
        var changes: [TreatmentChange] = []
        var missing: [MissingDose] = []
        for name in Set(entries.flatMap { $0.medications.map(\.name) }).sorted() {
            let undosed = entries.filter { e in e.medications.contains { $0.name == name && $0.doseMg == nil } }.map(\.night)
            if !undosed.isEmpty {
                missing.append(MissingDose(medicine: name, nights: undosed))
                continue
            }
            // The nightly dose (several entries of one medicine in a night add up).
            let doses = entries.map { e in
                e.medications.filter { $0.name == name }.reduce(0) { $0 + ($1.doseMg ?? 0) }
            }
            // Runs of equal dose; a change is a run of at least minimumRunEntries after one that long.
            var runs: [(start: Int, end: Int, dose: Double)] = []
            for (i, d) in doses.enumerated() {
                if let last = runs.last, last.dose == d { runs[runs.count - 1].end = i } else { runs.append((i, i, d)) }
            }
            let long = runs.filter { $0.end - $0.start + 1 >= settings.minimumRunEntries }
            guard long.count >= 2 else { continue }
            for k in 1..<long.count where long[k].dose != long[k - 1].dose {
                let before = long[k - 1]
                let after = long[k]
                let changeNight = entries[after.start].night
                let kind: TreatmentChange.Kind =
                    before.dose == 0 ? .started : after.dose == 0 ? .stopped : .changed
                // Nights before: from the start of the previous run (at most windowNights) to the night before the
                // change; after: from the end of the wash-in to the end of the new run (at most windowNights).
                let beforeFirst = max(entries[before.start].night.dayNumber, changeNight.dayNumber - settings.windowNights)
                let afterFirst = changeNight.dayNumber + settings.washInNights
                let afterLast = min(entries[after.end].night.dayNumber, afterFirst + settings.windowNights - 1)
                var days: [Int] = []
                var y: [Double] = []
                var x: [[Double]] = []
                var b: [Double] = []
                var a: [Double] = []
                for d in beforeFirst..<changeNight.dayNumber {
                    if let v = index[NightDate(dayNumber: d)] {
                        days.append(d)
                        y.append(v)
                        x.append([1, 0])
                        b.append(v)
                    }
                }
                if afterFirst <= afterLast {
                    for d in afterFirst...afterLast {
                        if let v = index[NightDate(dayNumber: d)] {
                            days.append(d)
                            y.append(v)
                            x.append([1, 1])
                            a.append(v)
                        }
                    }
                }
                var c = TreatmentChange(
                    medicine: name, night: changeNight, kind: kind, doseBefore: before.dose, doseAfter: after.dose,
                    nightsBefore: b.count, nightsAfter: a.count, washInNights: settings.washInNights,
                    medianBefore: Distributions.median(b), medianAfter: Distributions.median(a))
                let need = settings.minimumNights
                if b.count < need || a.count < need {
                    c.notTested =
                        "not enough nights yet (\(b.count) before, \(a.count) after the wash-in; \(need) of each "
                        + "needed: about \(max(need - b.count, 0) + max(need - a.count, 0)) more nights)"
                } else if let fit = AR1Regression.fit(y: y, x: x, days: days, confidence: settings.confidence) {
                    c.effect = fit.coefficients[1]
                    c.lower = fit.lower[1]
                    c.upper = fit.upper[1]
                    c.pValue = fit.pValues[1]
                } else {
                    c.notTested = "no comparison possible (the PLM index did not vary)"
                }
                changes.append(c)
            }
        }
        return (changes.sorted { ($0.night, $0.medicine) < ($1.night, $1.medicine) }, missing)
    }
}
