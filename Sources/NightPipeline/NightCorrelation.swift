import DiaryCorrelation
import NightStore
import ScoreExport
import SleepDiary

/// The store's diary factors against the nightly PLM index: the analysis `plm correlate` prints and the
/// `correlation` section every night filed in a store carries in its summary.json. The one place that section is
/// made (`section`) and put into a night's report (`NightPipeline.addCorrelation`).
public enum NightCorrelation {
    /// The store's nights with a usable PLM index (`NightFigures.usablePLMIndex`: not those without a basis or
    /// whose sensors were not worn), against its diary.
    public static func analyse(_ store: NightStore, settings: CorrelationSettings = .init()) throws
        -> CorrelationReport
    {
        let nights = try store.nights().compactMap { n in
            n.figures.usablePLMIndex.map { NightOutcome(night: n.night, plmIndex: $0) }
        }
        return DiaryCorrelation.analyse(nights: nights, diary: try store.diary(), settings: settings)
    }

    /// summary.json's `correlation` section: the store's factors (those with at least one night) and `night`'s
    /// rolling median.
    public static func section(_ r: CorrelationReport, night: NightDate?) -> CorrelationSection {
        let this = r.rolling.first { $0.night == night }
        let factors = r.results.filter { $0.nights > 0 }.map { t in
            CorrelationSection.Factor(
                factor: t.factor, kind: t.kind.rawValue, lagNights: t.lag, nights: t.nights, nightsWith: t.nightsWith,
                nightsWithout: t.nightsWithout, effect: t.effect, ciLower: t.lower, ciUpper: t.upper,
                pValue: t.pValue, qValue: t.qValue, effectMeasure: effectMeasure(t), method: t.method.rawValue,
                adjustedFor: t.adjustedFor, moreNightsNeeded: t.moreNightsNeeded,
                sentence: t.sentence(confidence: r.settings.confidence, falseDiscoveryRate: r.settings.falseDiscoveryRate))
        }
        return CorrelationSection(
            nights: r.nightCount, diaryNights: r.diaryNightCount, rollingMedianPLMIndex: this?.median ?? nil,
            rollingWindowNights: r.settings.rollingWindowNights, factors: factors)
    }

    /// What a factor's `effect` measures (summary.json's and correlation.csv's `effect_measure`).
    public static func effectMeasure(_ t: FactorResult) -> String {
        switch (t.method, t.kind) {
        case (.rankTests, .binary): return "hodges_lehmann_shift_per_h"
        case (.rankTests, .dose): return "spearman_rho"
        case (.adjustedModel, .binary): return "difference_per_h"
        case (.adjustedModel, .dose):
            return "difference_per_h_per_" + (t.perUnit == 1 ? "" : NumberFormat.fixed(t.perUnit, decimals: 0) + "_")
                + (t.factor == "exercise_min" ? "min" : t.unitWords.isEmpty ? "unit" : t.unitWords)
        }
    }
}
