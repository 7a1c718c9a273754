import DiaryCorrelation
import Foundation
import PLMVocabulary
import SleepDiary

/// A seeded random source: SplitMix64 (Steele, Lea & Flood 2014), normal deviates by Box–Muller. Deterministic on
/// every platform, so the study's figures reproduce exactly.
public struct StudyRandom: Sendable {
    var generator: SplitMix64

    public init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    public mutating func next() -> UInt64 { generator.next() }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }

    public mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * uniform() }

    public mutating func chance(_ p: Double) -> Bool { uniform() < p }

    public mutating func normal() -> Double {
        let u = max(uniform(), 1e-300)
        let v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    public mutating func pick<T>(_ values: [T]) -> T { values[Int(next() % UInt64(values.count))] }
}

/// An effect planted in a simulated person: on nights with the factor (or per unit of an amount) the PLM index is
/// multiplied by (1 + `relative`) — −0.25 is a quarter fewer PLMs — `lag` nights later.
public struct PlantedEffect: Sendable, Equatable {
    public enum Factor: String, Sendable, CaseIterable {
        /// A lukewarm bath (yes/no).
        case bath
        /// Per alcoholic drink.
        case alcohol
        /// Per cup of caffeine.
        case caffeine
        /// Exercise (yes/no).
        case exercise
    }

    public var factor: Factor
    public var relative: Double
    public var lag: Int

    public init(factor: Factor, relative: Double, lag: Int = 0) {
        self.factor = factor
        self.relative = relative
        self.lag = lag
    }
}

/// How one simulated person's nights and diary are made (docs/statistics.md, "The study").
///
/// The PLM index of night t is `median · exp(η_t + trend_t + weekend_t) · Π(1 + effect)`, rounded to 0.1/h, where
/// η is an AR(1) series on the log scale (night-to-night spread `spread`, correlation `autocorrelation` between
/// neighbouring nights), the trend is linear in days (`trendPerMonth`, relative per 30 nights) and Friday and
/// Saturday evenings are `weekend` higher. The diary's habits come in runs (a Markov chain for the bath and for
/// exercise), alcohol is likelier at weekends and caffeine goes with alcohol (the companion a naive analysis
/// credits). Some nights have no PLM index (sensor not worn) and some no diary entry.
public struct PersonModel: Sendable {
    public var median: Double
    public var spread: Double
    public var autocorrelation: Double
    public var trendPerMonth: Double
    public var weekend: Double
    public var missingNights: Double
    public var missingDiary: Double
    /// A bath stays on (or off) the next night with this probability; its share of nights is `bathShare`.
    public var bathPersistence: Double
    public var bathShare: Double
    public var effects: [PlantedEffect]

    public init(
        median: Double = 20, spread: Double = 0.35, autocorrelation: Double = 0.4, trendPerMonth: Double = 0,
        weekend: Double = 0.08, missingNights: Double = 0.05, missingDiary: Double = 0.08,
        bathPersistence: Double = 0.7, bathShare: Double = 0.4, effects: [PlantedEffect] = []
    ) {
        self.median = median
        self.spread = spread
        self.autocorrelation = autocorrelation
        self.trendPerMonth = trendPerMonth
        self.weekend = weekend
        self.missingNights = missingNights
        self.missingDiary = missingDiary
        self.bathPersistence = bathPersistence
        self.bathShare = bathShare
        self.effects = effects
    }

    /// A person drawn at random: median 8–60/h (log-uniform), spread 0.25–0.45, autocorrelation 0.2–0.6, trend
    /// ±20 % a month, weekend 0–15 % (the ranges of night-to-night PLM variability reported by Sforza & Haba-Rubio
    /// 2005 and Trotti et al. 2009, where a single night's index varies by a third or more).
    public static func random(_ rng: inout StudyRandom, effects: [PlantedEffect] = []) -> PersonModel {
        PersonModel(
            median: exp(rng.uniform(log(8), log(60))), spread: rng.uniform(0.25, 0.45),
            autocorrelation: rng.uniform(0.2, 0.6), trendPerMonth: rng.uniform(-0.2, 0.2),
            weekend: rng.uniform(0, 0.15), effects: effects)
    }

    /// Simulates `count` nights from `first`. `bathSchedule`, when given, decides the bath night by night (a
    /// self-experiment's schedule) instead of the habit's Markov chain.
    public func simulate(first: NightDate, count: Int, rng: inout StudyRandom, bathSchedule: [Bool]? = nil) -> (
        nights: [NightOutcome], diary: [DiaryEntry]
    ) {
        var diary: [DiaryEntry] = []
        var bath = rng.chance(bathShare)
        var active = rng.chance(0.5)
        var habit = rng.pick([1, 2, 3])
        // The diary first (every night, blanks applied later), so that lagged effects see the evening before.
        var factorValues: [[PlantedEffect.Factor: Double]] = []
        for t in 0..<count {
            let date = first.adding(days: t)
            let weekday = (date.dayNumber + 4) % 7  // 0 Sunday … 5 Friday, 6 Saturday
            let isWeekend = weekday == 5 || weekday == 6
            if t > 0 {
                // Two-state Markov chain with stationary share bathShare and the given persistence.
                let stayOn = bathPersistence
                let switchOn = (1 - stayOn) * bathShare / max(1e-9, 1 - bathShare)
                bath = bath ? rng.chance(stayOn) : rng.chance(min(1, switchOn))
                active = active ? rng.chance(0.75) : rng.chance(0.25)
                if rng.chance(0.1) { habit = rng.pick([1, 2, 3]) }
            }
            if let bathSchedule, t < bathSchedule.count { bath = bathSchedule[t] }
            let drinking = rng.chance(isWeekend ? 0.55 : 0.15)
            let drinks = drinking ? rng.pick([1, 1, 1.5, 2, 2, 3]) : 0
            let cups = max(0, habit + (drinking ? 1 : 0) + rng.pick([-1, 0, 0, 1]))
            var e = DiaryEntry(night: date)
            e.alcoholDrinks = drinks
            e.caffeineCups = cups
            e.exerciseMinutes = active ? rng.pick([20, 30, 30, 45, 60]) : 0
            if bath { e.remedies[.bath] = RemedyUse(minutes: rng.pick([15, 20, 25])) }
            if rng.chance(0.3) { e.remedies[.massage] = RemedyUse(minutes: 10) }
            e.nicotine = false
            e.symptomSeverity = min(10, max(0, Int((4 + 2 * rng.normal()).rounded())))
            e.fatigue = min(10, max(0, Int((5 + 2 * rng.normal()).rounded())))
            e.sleepQuality = min(5, max(1, Int((3 + rng.normal()).rounded())))
            factorValues.append([
                .bath: bath ? 1 : 0, .alcohol: drinks, .caffeine: Double(cups), .exercise: active ? 1 : 0,
            ])
            // Some fields left blank, some nights without an entry.
            if rng.chance(0.05) { e.caffeineCups = nil }
            if rng.chance(0.05) { e.alcoholDrinks = nil }
            if rng.chance(0.05) { e.symptomSeverity = nil }
            if !rng.chance(missingDiary) { diary.append(e) }
        }
        var nights: [NightOutcome] = []
        var eta = rng.normal() * spread
        let innovation = spread * (1 - autocorrelation * autocorrelation).squareRoot()
        for t in 0..<count {
            if t > 0 { eta = autocorrelation * eta + innovation * rng.normal() }
            let date = first.adding(days: t)
            let weekday = (date.dayNumber + 4) % 7
            var value = median * exp(eta + trendPerMonth * Double(t) / 30 + (weekday == 5 || weekday == 6 ? weekend : 0))
            for effect in effects where t - effect.lag >= 0 {
                let x = factorValues[t - effect.lag][effect.factor] ?? 0
                value *= pow(1 + effect.relative, x)
            }
            if rng.chance(missingNights) { continue }
            nights.append(NightOutcome(night: date, plmIndex: (max(0, value) * 10).rounded() / 10))
        }
        return (nights, diary)
    }
}
