import Foundation
import NightStatistics
import SleepDiary

/// One night's outcome: the nightly PLM index (per hour of its basis).
public struct NightOutcome: Sendable, Equatable {
    public var night: NightDate
    public var plmIndex: Double

    public init(night: NightDate, plmIndex: Double) {
        self.night = night
        self.plmIndex = plmIndex
    }
}

/// A diary factor: something the person did or took, read from each night's diary entry.
public struct DiaryFactor: Sendable {
    public enum Kind: String, Sendable {
        /// Yes or no (a bath, a medicine taken): nights with against nights without, Mann–Whitney U.
        case binary
        /// An amount (cups of caffeine, minutes of exercise): Spearman's rho against the amount.
        case dose
    }

    /// Short name, e.g. `bath` or `caffeine_cups`.
    public var name: String
    /// Words for people, e.g. "a lukewarm bath".
    public var words: String
    public var kind: Kind
    /// The factor's value on a night; nil when the diary does not say.
    public var value: @Sendable (DiaryEntry) -> Double?

    public init(name: String, words: String, kind: Kind, value: @escaping @Sendable (DiaryEntry) -> Double?) {
        self.name = name
        self.words = words
        self.kind = kind
        self.value = value
    }

    /// The factors read from a set of diary entries: the fixed ones, one per remedy, one per medicine named in
    /// any entry (sorted by name).
    ///
    /// A blank field is "not recorded" and the night is left out of that factor, except for medicines and
    /// remedies: an entry that exists but names no medicine, or gives no minutes for a remedy, counts as "not
    /// taken" / "not used" (they are lists of what was done).
    public static func factors(for entries: [DiaryEntry]) -> [DiaryFactor] {
        @Sendable func whole(_ v: Int?) -> Double? { v.map(Double.init) }
        @Sendable func yes(_ v: Bool?) -> Double? { v.map { $0 ? 1 : 0 } }
        var out: [DiaryFactor] = [
            DiaryFactor(name: "caffeine_cups", words: "cups of caffeine", kind: .dose) { whole($0.caffeineCups) },
            DiaryFactor(name: "alcohol_drinks", words: "alcoholic drinks", kind: .dose) { $0.alcoholDrinks },
            DiaryFactor(name: "nicotine", words: "nicotine", kind: .binary) { yes($0.nicotine) },
            DiaryFactor(name: "exercise_min", words: "minutes of exercise", kind: .dose) { whole($0.exerciseMinutes) },
            DiaryFactor(name: "exercise", words: "exercise", kind: .binary) { e in
                e.exerciseMinutes.map { $0 > 0 ? 1 : 0 }
            },
            DiaryFactor(name: "iron", words: "an iron supplement", kind: .binary) { e in
                e.ironDoseMg.map { $0 > 0 ? 1 : 0 }
            },
        ]
        for r in Remedy.allCases {
            out.append(
                DiaryFactor(name: r.rawValue, words: remedyWords[r] ?? r.rawValue, kind: .binary) { e in
                    (e.remedies[r]?.minutes ?? 0) > 0 ? 1 : 0
                })
        }
        let medicines = Set(entries.flatMap { $0.medications.map(\.name) }).sorted()
        for name in medicines {
            out.append(
                DiaryFactor(name: "medication_" + name, words: name, kind: .binary) { e in
                    e.medications.contains { $0.name == name } ? 1 : 0
                })
        }
        out += [
            DiaryFactor(name: "symptom_severity", words: "evening symptom severity (0-10)", kind: .dose) {
                whole($0.symptomSeverity)
            },
            DiaryFactor(name: "ms_spasms", words: "MS leg spasms", kind: .binary) { yes($0.msSpasms) },
            DiaryFactor(name: "fatigue", words: "fatigue (0-10)", kind: .dose) { whole($0.fatigue) },
            DiaryFactor(name: "sleep_quality", words: "sleep quality (1-5)", kind: .dose) { whole($0.sleepQuality) },
        ]
        return out
    }

    static let remedyWords: [Remedy: String] = [
        .bath: "a lukewarm bath", .massage: "a leg massage", .compression: "pneumatic compression",
        .stretching: "stretching",
    ]
}

/// Settings of the correlation analysis.
public struct CorrelationSettings: Sendable, Equatable {
    /// Yes/no factors: at least this many nights with and this many without before any test is reported.
    public var minimumNightsPerGroup: Int
    /// Amounts: at least this many nights with both an amount and a PLM index, and 3 different amounts.
    public var minimumNightsForDose: Int
    /// Lags in nights: 0 = the same night, 1 = the factor on the night before.
    public var lags: [Int]
    public var confidence: Double
    /// Benjamini–Hochberg false-discovery rate at which a finding is called clear.
    public var falseDiscoveryRate: Double
    /// The rolling median: trailing window in nights, and the nights with data it needs.
    public var rollingWindowNights: Int
    public var rollingMinimumNights: Int

    public init(
        minimumNightsPerGroup: Int = 5, minimumNightsForDose: Int = 10, lags: [Int] = [0, 1],
        confidence: Double = 0.95, falseDiscoveryRate: Double = 0.05, rollingWindowNights: Int = 7,
        rollingMinimumNights: Int = 3
    ) {
        self.minimumNightsPerGroup = minimumNightsPerGroup
        self.minimumNightsForDose = minimumNightsForDose
        self.lags = lags
        self.confidence = confidence
        self.falseDiscoveryRate = falseDiscoveryRate
        self.rollingWindowNights = rollingWindowNights
        self.rollingMinimumNights = rollingMinimumNights
    }
}

/// One factor at one lag.
public struct FactorResult: Sendable, Equatable {
    public var factor: String
    public var words: String
    public var kind: DiaryFactor.Kind
    public var lag: Int
    /// Nights with a PLM index and a value of the factor.
    public var nights: Int
    /// Yes/no factors: nights with and without.
    public var nightsWith: Int?
    public var nightsWithout: Int?
    /// Median PLM index on nights with / without (yes/no factors).
    public var medianWith: Double?
    public var medianWithout: Double?
    /// Hodges–Lehmann shift of the PLM index, nights with minus nights without (per hour), or Spearman's rho.
    public var effect: Double?
    public var lower: Double?
    public var upper: Double?
    /// Cliff's delta for yes/no factors.
    public var cliffsDelta: Double?
    public var pValue: Double?
    /// Benjamini–Hochberg adjusted p-value across every factor and lag tested.
    public var qValue: Double?
    /// nil when tested; otherwise why not ("not enough nights yet …").
    public var notTested: String?

    /// The finding in plain words.
    public func sentence(confidence: Double, falseDiscoveryRate: Double) -> String {
        let when = lag == 0 ? "" : lag == 1 ? " the night before" : " \(lag) nights before"
        if let notTested { return "\(capitalised(words))\(when): \(notTested)." }
        guard let effect, let q = qValue else { return "\(capitalised(words))\(when): no result." }
        let level = Int((confidence * 100).rounded())
        let ci = lower.flatMap { l in upper.map { u in " (\(level)% CI \(f(l)) to \(f(u)))" } } ?? ""
        let clear = q <= falseDiscoveryRate
        let ciRho = lower.flatMap { l in upper.map { u in " (\(level)% CI \(f(l, 2)) to \(f(u, 2)))" } } ?? ""
        switch kind {
        case .binary:
            let direction = effect > 0 ? "higher" : effect < 0 ? "lower" : "no different"
            let amount = effect == 0 ? "" : "\(f(abs(effect)))/h "
            return "After \(words)\(when), the PLM index was \(amount)\(direction)\(ci) over \(nightsWith ?? 0) nights "
                + "with and \(nightsWithout ?? 0) without; "
                + (clear ? "a clear difference (q = \(p(q)))." : "this may be chance (q = \(p(q))).")
        case .dose:
            let direction =
                effect > 0 ? "more \(words) went with a higher PLM index"
                : effect < 0 ? "more \(words) went with a lower PLM index" : "no trend with \(words)"
            return "\(capitalised(direction))\(when): rho \(f(effect, 2))\(ciRho)"
                + " over \(nights) nights; " + (clear ? "a clear trend (q = \(p(q)))." : "this may be chance (q = \(p(q))).")
        }
    }

    private func f(_ v: Double, _ d: Int = 1) -> String { String(format: "%.\(d)f", v) }
    private func p(_ v: Double) -> String { v < 0.001 ? "<0.001" : String(format: "%.3f", v) }
    private func capitalised(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }
}

/// The correlation of every diary factor with the nightly PLM index, and the rolling median of the index.
public struct CorrelationReport: Sendable, Equatable {
    public var settings: CorrelationSettings
    public var results: [FactorResult]
    /// Per night with a PLM index: the trailing rolling median (nil while too few nights).
    public var rolling: [(night: NightDate, plmIndex: Double, median: Double?)]
    public var nightCount: Int
    public var diaryNightCount: Int

    public static func == (a: CorrelationReport, b: CorrelationReport) -> Bool {
        a.settings == b.settings && a.results == b.results && a.nightCount == b.nightCount
            && a.diaryNightCount == b.diaryNightCount && a.rolling.map(\.night) == b.rolling.map(\.night)
            && a.rolling.map(\.plmIndex) == b.rolling.map(\.plmIndex) && a.rolling.map(\.median) == b.rolling.map(\.median)
    }
}

public enum DiaryCorrelation {
    /// Relates every factor of the diary to the nightly PLM index.
    public static func analyse(
        nights: [NightOutcome], diary: [DiaryEntry], settings: CorrelationSettings = .init()
    ) -> CorrelationReport {
        let nights = nights.sorted { $0.night < $1.night }
        let entries = Dictionary(diary.map { ($0.night, $0) }, uniquingKeysWith: { _, b in b })
        var results: [FactorResult] = []
        for factor in DiaryFactor.factors(for: diary) {
            for lag in settings.lags {
                var xs: [Double] = []
                var ys: [Double] = []
                for n in nights {
                    guard let e = entries[n.night.adding(days: -lag)], let v = factor.value(e) else { continue }
                    xs.append(v)
                    ys.append(n.plmIndex)
                }
                results.append(result(factor, lag: lag, xs: xs, ys: ys, settings: settings))
            }
        }
        let tested = results.indices.filter { results[$0].pValue != nil }
        let q = BenjaminiHochberg.adjust(tested.compactMap { results[$0].pValue })
        for (i, index) in tested.enumerated() { results[index].qValue = q[i] }
        let medians = RollingMedian.trailing(
            days: nights.map(\.night.dayNumber), values: nights.map(\.plmIndex), window: settings.rollingWindowNights,
            minimumCount: settings.rollingMinimumNights)
        let rolling = zip(nights, medians).map { (night: $0.night, plmIndex: $0.plmIndex, median: $1) }
        return CorrelationReport(
            settings: settings, results: results, rolling: rolling, nightCount: nights.count,
            diaryNightCount: Set(nights.map(\.night)).intersection(entries.keys).count)
    }

    static func result(_ factor: DiaryFactor, lag: Int, xs: [Double], ys: [Double], settings: CorrelationSettings)
        -> FactorResult
    {
        var r = FactorResult(factor: factor.name, words: factor.words, kind: factor.kind, lag: lag, nights: xs.count)
        switch factor.kind {
        case .binary:
            let with = zip(xs, ys).filter { $0.0 > 0 }.map(\.1)
            let without = zip(xs, ys).filter { $0.0 <= 0 }.map(\.1)
            r.nightsWith = with.count
            r.nightsWithout = without.count
            r.medianWith = Distributions.median(with)
            r.medianWithout = Distributions.median(without)
            let need = settings.minimumNightsPerGroup
            guard with.count >= need, without.count >= need else {
                r.notTested =
                    "not enough nights yet (\(with.count) with, \(without.count) without; \(need) of each needed)"
                return r
            }
            guard let t = MannWhitney.test(with, without, confidence: settings.confidence) else {
                r.notTested = "no test possible"
                return r
            }
            r.effect = t.shift
            r.lower = t.shiftLower
            r.upper = t.shiftUpper
            r.cliffsDelta = t.cliffsDelta
            r.pValue = t.pValue
        case .dose:
            let distinct = Set(xs).count
            guard xs.count >= settings.minimumNightsForDose, distinct >= 3 else {
                r.notTested =
                    "not enough nights yet (\(xs.count) nights, \(distinct) different amounts; "
                    + "\(settings.minimumNightsForDose) nights and 3 amounts needed)"
                return r
            }
            guard let t = Spearman.test(xs, ys, confidence: settings.confidence) else {
                r.notTested = "no test possible (the PLM index did not vary)"
                return r
            }
            r.effect = t.rho
            r.lower = t.lower
            r.upper = t.upper
            r.pValue = t.pValue
        }
        return r
    }
}
