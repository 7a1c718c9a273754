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
    /// The diary field it comes from: factors of one family (`exercise` and `exercise_min`) are never adjusted for
    /// each other, they are the same information.
    public var family: String
    /// Amounts: the effect is given per this many units, in these words ("cup", "30 minutes").
    public var perUnit: Double
    public var unitWords: String
    /// Amounts: the thing itself in a few words ("caffeine"), for "each cup more of caffeine".
    public var thing: String
    /// Something done or taken (a candidate companion of other factors). Ratings (symptom severity, fatigue,
    /// sleep quality, MS spasms) are not: they may follow the night rather than shape it, and adjusting for them
    /// would hide real effects.
    public var isExposure: Bool

    public init(
        name: String, words: String, kind: Kind, family: String? = nil, perUnit: Double = 1, unitWords: String = "",
        thing: String? = nil, isExposure: Bool = true, value: @escaping @Sendable (DiaryEntry) -> Double?
    ) {
        self.thing = thing ?? words
        self.isExposure = isExposure
        self.name = name
        self.words = words
        self.kind = kind
        self.value = value
        self.family = family ?? name
        self.perUnit = perUnit
        self.unitWords = unitWords
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
            DiaryFactor(name: "caffeine_cups", words: "cups of caffeine", kind: .dose, unitWords: "cup", thing: "caffeine") {
                whole($0.caffeineCups)
            },
            DiaryFactor(name: "alcohol_drinks", words: "alcoholic drinks", kind: .dose, unitWords: "drink", thing: "alcohol") {
                $0.alcoholDrinks
            },
            DiaryFactor(name: "nicotine", words: "nicotine", kind: .binary) { yes($0.nicotine) },
            DiaryFactor(
                name: "exercise_min", words: "minutes of exercise", kind: .dose, family: "exercise", perUnit: 30,
                unitWords: "30 minutes", thing: "exercise"
            ) { whole($0.exerciseMinutes) },
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
            DiaryFactor(
                name: "symptom_severity", words: "evening symptom severity (0-10)", kind: .dose, unitWords: "point",
                thing: "evening symptom severity", isExposure: false
            ) { whole($0.symptomSeverity) },
            DiaryFactor(name: "ms_spasms", words: "MS leg spasms", kind: .binary, isExposure: false) { yes($0.msSpasms) },
            DiaryFactor(
                name: "fatigue", words: "fatigue (0-10)", kind: .dose, unitWords: "point", thing: "fatigue",
                isExposure: false
            ) { whole($0.fatigue) },
            DiaryFactor(
                name: "sleep_quality", words: "sleep quality (1-5)", kind: .dose, unitWords: "point",
                thing: "sleep quality", isExposure: false
            ) { whole($0.sleepQuality) },
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
    /// How each factor is related to the PLM index.
    public enum Method: String, Sendable {
        /// A regression of the PLM index on the factor, the factors that go with it, and a linear trend, with
        /// AR(1) errors between nights (docs/statistics.md, "Effects a person can read"). The default: the study
        /// there shows the rank tests raising false alarms on autocorrelated nights and crediting a factor with
        /// its companion's effect.
        case adjustedModel = "adjusted_model"
        /// Each factor on its own: Mann–Whitney (yes/no) or Spearman (amounts), nights taken as independent.
        case rankTests = "rank_tests"
    }

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
    public var method: Method
    /// The adjusted model: another factor is a companion when its correlation with this one over their common
    /// nights is at least this (in absolute value); at most `maximumCompanions`, strongest first.
    public var companionCorrelation: Double
    public var maximumCompanions: Int
    /// The adjusted model needs at least this many nights beyond its number of coefficients (residual degrees of
    /// freedom) — fewer, and it says how many more nights are needed. 15: with 10 the study (docs/statistics.md)
    /// found false alarms above the nominal rate on four weeks of nights.
    public var minimumResidualNights: Int

    public init(
        minimumNightsPerGroup: Int = 5, minimumNightsForDose: Int = 10, lags: [Int] = [0, 1],
        confidence: Double = 0.95, falseDiscoveryRate: Double = 0.05, rollingWindowNights: Int = 7,
        rollingMinimumNights: Int = 3, method: Method = .adjustedModel, companionCorrelation: Double = 0.4,
        maximumCompanions: Int = 2, minimumResidualNights: Int = 20
    ) {
        self.minimumNightsPerGroup = minimumNightsPerGroup
        self.minimumNightsForDose = minimumNightsForDose
        self.lags = lags
        self.confidence = confidence
        self.falseDiscoveryRate = falseDiscoveryRate
        self.rollingWindowNights = rollingWindowNights
        self.rollingMinimumNights = rollingMinimumNights
        self.method = method
        self.companionCorrelation = companionCorrelation
        self.maximumCompanions = maximumCompanions
        self.minimumResidualNights = minimumResidualNights
    }
}

/// One factor at one lag.
public struct FactorResult: Sendable, Equatable {
    public var factor: String
    public var words: String
    public var kind: DiaryFactor.Kind
    public var lag: Int
    public var method: CorrelationSettings.Method = .adjustedModel
    /// Nights with a PLM index and a value of the factor.
    public var nights: Int
    /// Yes/no factors: nights with and without.
    public var nightsWith: Int?
    public var nightsWithout: Int?
    /// Median PLM index on nights with / without (yes/no factors).
    public var medianWith: Double?
    public var medianWithout: Double?
    /// The adjusted model: the difference in the PLM index (per hour) on nights with the factor (yes/no), or per
    /// `perUnit` more of it (amounts), holding its companions and the trend fixed.
    /// Rank tests: the Hodges–Lehmann shift (per hour), or Spearman's rho.
    public var effect: Double?
    public var lower: Double?
    public var upper: Double?
    /// Cliff's delta for yes/no factors (rank tests).
    public var cliffsDelta: Double?
    public var pValue: Double?
    /// Benjamini–Hochberg adjusted p-value across every factor and lag tested.
    public var qValue: Double?
    /// nil when tested; otherwise why not ("not enough nights yet …").
    public var notTested: String?
    /// How many more nights (with a PLM index and this factor recorded) the test needs; nil when tested.
    public var moreNightsNeeded: Int?
    /// The adjusted model: the factors it was adjusted for (names with lag, e.g. `caffeine_cups` or
    /// `bath (night before)`), and the AR(1) correlation of neighbouring nights used.
    public var adjustedFor: [String] = []
    public var autocorrelation: Double?
    /// Amounts: the effect is per this many units, in these words.
    public var perUnit: Double = 1
    public var unitWords: String = ""
    public var thing: String = ""

    public init(factor: String, words: String, kind: DiaryFactor.Kind, lag: Int, nights: Int) {
        self.factor = factor
        self.words = words
        self.kind = kind
        self.lag = lag
        self.nights = nights
    }

    /// The finding in plain words.
    public func sentence(confidence: Double, falseDiscoveryRate: Double) -> String {
        let when = lag == 0 ? "" : lag == 1 ? " the night before" : " \(lag) nights before"
        if let notTested { return "\(capitalised(words))\(when): \(notTested)." }
        guard let effect, let q = qValue else { return "\(capitalised(words))\(when): no result." }
        let level = Int((confidence * 100).rounded())
        let clear = q <= falseDiscoveryRate
        let verdict = clear ? "a clear difference (q \(p(q)))." : "this may be chance (q \(p(q)))."
        if method == .adjustedModel {
            let interval = lower.flatMap { l in upper.map { u in ", \(level) % interval \(range(l, u))" } } ?? ""
            let amount = effect == 0 ? "no different" : "\(f(abs(effect)))/h " + (effect > 0 ? "more" : "fewer")
            let adjusted = adjustedFor.isEmpty ? "" : "; allowing for \(adjustedFor.joined(separator: ", "))"
            switch kind {
            case .binary:
                return "After \(words)\(when): \(amount)\(interval) (\(nightsWith ?? 0) nights with, "
                    + "\(nightsWithout ?? 0) without\(adjusted)); " + verdict
            case .dose:
                let unit = unitWords.isEmpty ? "unit" : unitWords
                return "Each \(unit) more of \(thing)\(when): "
                    + "\(amount)\(interval) (\(nights) nights\(adjusted)); " + verdict
            }
        }
        let ci = lower.flatMap { l in upper.map { u in " (\(level)% CI \(f(l)) to \(f(u)))" } } ?? ""
        let ciRho = lower.flatMap { l in upper.map { u in " (\(level)% CI \(f(l, 2)) to \(f(u, 2)))" } } ?? ""
        switch kind {
        case .binary:
            let direction = effect > 0 ? "higher" : effect < 0 ? "lower" : "no different"
            let amount = effect == 0 ? "" : "\(f(abs(effect)))/h "
            return "After \(words)\(when), the PLM index was \(amount)\(direction)\(ci) over \(nightsWith ?? 0) nights "
                + "with and \(nightsWithout ?? 0) without; "
                + (clear ? "a clear difference (q \(p(q)))." : "this may be chance (q \(p(q))).")
        case .dose:
            let direction =
                effect > 0 ? "more \(words) went with a higher PLM index"
                : effect < 0 ? "more \(words) went with a lower PLM index" : "no trend with \(words)"
            return "\(capitalised(direction))\(when): rho \(f(effect, 2))\(ciRho)"
                + " over \(nights) nights; " + (clear ? "a clear trend (q \(p(q)))." : "this may be chance (q \(p(q))).")
        }
    }

    /// "2.0 to 12.0 fewer", "3.1 fewer to 1.2 more": an interval of differences in words.
    private func range(_ l: Double, _ u: Double) -> String {
        func w(_ v: Double) -> String { v > 0 ? "more" : v < 0 ? "fewer" : "" }
        if l < 0 && u <= 0 { return "\(f(-u)) to \(f(-l)) fewer" }
        if l >= 0 && u > 0 { return "\(f(l)) to \(f(u)) more" }
        return "\(f(abs(l))) \(w(l)) to \(f(abs(u))) \(w(u))"
    }

    private func f(_ v: Double, _ d: Int = 1) -> String { String(format: "%.\(d)f", v) }
    /// "= 0.013", "< 0.001".
    private func p(_ v: Double) -> String { v < 0.001 ? "< 0.001" : "= " + String(format: "%.3f", v) }
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

    /// The clear findings (q at or below the false-discovery rate), strongest first.
    public var clearFindings: [FactorResult] {
        results.filter { ($0.qValue ?? 1) <= settings.falseDiscoveryRate && $0.notTested == nil }
            .sorted { ($0.qValue ?? 1, $0.factor, $0.lag) < ($1.qValue ?? 1, $1.factor, $1.lag) }
    }
}

public enum DiaryCorrelation {
    /// Relates every factor of the diary to the nightly PLM index. Nights without a PLM index (not worn, no
    /// basis) are simply not in `nights`.
    public static func analyse(
        nights: [NightOutcome], diary: [DiaryEntry], settings: CorrelationSettings = .init()
    ) -> CorrelationReport {
        let nights = Dictionary(nights.filter { $0.plmIndex.isFinite }.map { ($0.night, $0) }, uniquingKeysWith: { a, _ in a })
            .values.sorted { $0.night < $1.night }
        let entries = Dictionary(diary.map { ($0.night, $0) }, uniquingKeysWith: { _, b in b })
        let factors = DiaryFactor.factors(for: diary)
        // Every factor at every lag, as a value per night (nil = not recorded).
        struct Column {
            var factor: DiaryFactor
            var lag: Int
            var values: [Double?]
        }
        var columns: [Column] = []
        for factor in factors {
            for lag in settings.lags {
                let values = nights.map { n in entries[n.night.adding(days: -lag)].flatMap { factor.value($0) } }
                columns.append(Column(factor: factor, lag: lag, values: values))
            }
        }
        var results: [FactorResult] = []
        for (ci, column) in columns.enumerated() {
            var xs: [Double] = []
            var ys: [Double] = []
            for (i, n) in nights.enumerated() {
                guard let v = column.values[i] else { continue }
                xs.append(v)
                ys.append(n.plmIndex)
            }
            var r = result(column.factor, lag: column.lag, xs: xs, ys: ys, settings: settings)
            if settings.method == .adjustedModel, r.notTested == nil {
                // Companions: other factors (not of the same family at the same lag) that go with this one.
                var candidates: [(index: Int, r: Double)] = []
                for (cj, other) in columns.enumerated() where cj != ci && other.factor.isExposure {
                    if other.factor.family == column.factor.family && other.lag == column.lag { continue }
                    if other.factor.name == column.factor.name && other.lag == column.lag { continue }
                    var a: [Double] = []
                    var b: [Double] = []
                    for i in nights.indices {
                        if let x = column.values[i], let y = other.values[i] {
                            a.append(x)
                            b.append(y)
                        }
                    }
                    guard a.count >= 3, let c = pearson(a, b), abs(c) >= settings.companionCorrelation else { continue }
                    candidates.append((cj, abs(c)))
                }
                let companions = candidates.sorted { ($0.r, -$0.index) > ($1.r, -$1.index) }
                    .prefix(settings.maximumCompanions).map(\.index)
                modelFit(
                    &r, column: column.values, companions: companions.map { columns[$0].values },
                    companionNames: companions.map { name(columns[$0].factor, lag: columns[$0].lag) },
                    nights: nights, factor: column.factor, settings: settings)
            }
            results.append(r)
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

    static func name(_ f: DiaryFactor, lag: Int) -> String {
        f.words + (lag == 0 ? "" : lag == 1 ? " (night before)" : " (\(lag) nights before)")
    }

    /// The adjusted model for one factor: PLM index ~ 1 + factor + companions + trend (per 30 days) + weekend,
    /// AR(1) errors.
    static func modelFit(
        _ r: inout FactorResult, column: [Double?], companions: [[Double?]], companionNames: [String],
        nights: [NightOutcome], factor: DiaryFactor, settings: CorrelationSettings
    ) {
        r.method = .adjustedModel
        r.effect = nil
        r.lower = nil
        r.upper = nil
        r.pValue = nil
        r.cliffsDelta = nil
        r.perUnit = factor.perUnit
        r.unitWords = factor.unitWords
        r.thing = factor.thing
        var y: [Double] = []
        var x: [[Double]] = []
        var days: [Int] = []
        let origin = nights.first?.night.dayNumber ?? 0
        for (i, n) in nights.enumerated() {
            guard let v = column[i] else { continue }
            var row = [1.0, factor.kind == .dose ? v / factor.perUnit : (v > 0 ? 1 : 0)]
            var complete = true
            for c in companions {
                guard let w = c[i] else {
                    complete = false
                    break
                }
                row.append(w)
            }
            guard complete else { continue }
            row.append(Double(n.night.dayNumber - origin) / 30)
            row.append(isWeekend(n.night) ? 1 : 0)
            y.append(n.plmIndex)
            x.append(row)
            days.append(n.night.dayNumber)
        }
        // The weekly rhythm: Friday and Saturday evenings (later nights, alcohol) differ from the rest of the week.
        // Left out when the nights hold fewer than 2 of either kind (it could not be estimated).
        let weekendNights = x.filter { $0.last == 1 }.count
        if weekendNights < 2 || x.count - weekendNights < 2 { x = x.map { Array($0.dropLast()) } }
        r.adjustedFor = companionNames
        let p = x.first?.count ?? (4 + companions.count)
        let need = p + settings.minimumResidualNights
        if factor.kind == .binary {
            let with = x.filter { $0[1] > 0 }.count
            let without = x.count - with
            let g = settings.minimumNightsPerGroup
            if with < g || without < g || y.count < need {
                let more = max(g - with, 0) + max(g - without, 0)
                let total = max(more, need - y.count)
                r.notTested =
                    "not enough nights yet to tell it apart from \(companionNames.isEmpty ? "the trend" : companionNames.joined(separator: ", ")) "
                    + "(\(with) with, \(without) without on nights where all are recorded; about \(total) more nights needed)"
                r.moreNightsNeeded = total
                return
            }
        } else if y.count < need {
            r.notTested =
                "not enough nights yet to tell it apart from \(companionNames.isEmpty ? "the trend" : companionNames.joined(separator: ", ")) "
                + "(\(y.count) nights where all are recorded; \(need - y.count) more nights needed)"
            r.moreNightsNeeded = need - y.count
            return
        }
        guard let fit = AR1Regression.fit(y: y, x: x, days: days, confidence: settings.confidence) else {
            r.notTested = "no test possible (it always comes together with \(companionNames.joined(separator: ", ")))"
            return
        }
        r.effect = fit.coefficients[1]
        r.lower = fit.lower[1]
        r.upper = fit.upper[1]
        r.pValue = fit.pValues[1]
        r.autocorrelation = fit.rho
    }

    /// A Friday or Saturday evening (1970-01-01, day 0, was a Thursday).
    static func isWeekend(_ night: NightDate) -> Bool {
        let weekday = ((night.dayNumber + 4) % 7 + 7) % 7  // 0 Sunday … 5 Friday, 6 Saturday
        return weekday == 5 || weekday == 6
    }

    /// Pearson's correlation; nil when either variable is constant.
    public static func pearson(_ a: [Double], _ b: [Double]) -> Double? {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n
        let mb = b.reduce(0, +) / n
        var sab = 0.0
        var saa = 0.0
        var sbb = 0.0
        for i in a.indices {
            sab += (a[i] - ma) * (b[i] - mb)
            saa += (a[i] - ma) * (a[i] - ma)
            sbb += (b[i] - mb) * (b[i] - mb)
        }
        guard saa > 0, sbb > 0 else { return nil }
        return sab / (saa * sbb).squareRoot()
    }

    static func result(_ factor: DiaryFactor, lag: Int, xs: [Double], ys: [Double], settings: CorrelationSettings)
        -> FactorResult
    {
        var r = FactorResult(factor: factor.name, words: factor.words, kind: factor.kind, lag: lag, nights: xs.count)
        r.method = .rankTests
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
                r.moreNightsNeeded = max(need - with.count, 0) + max(need - without.count, 0)
                r.method = settings.method
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
                r.moreNightsNeeded = max(settings.minimumNightsForDose - xs.count, 0)
                r.method = settings.method
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
