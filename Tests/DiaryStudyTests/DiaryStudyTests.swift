import DiaryCorrelation
import Foundation
import SleepDiary
import Testing

@testable import DiaryStudy

@Suite("The simulated person of the study")
struct DiaryStudyTests {
    let first = NightDate(dayNumber: 20_454)

    @Test("same seed, same person; the nights have the spread and neighbour correlation asked for")
    func generator() {
        let model = PersonModel(median: 20, spread: 0.35, autocorrelation: 0.5, weekend: 0, missingNights: 0.1)
        var a = StudyRandom(seed: 5)
        var b = StudyRandom(seed: 5)
        let x = model.simulate(first: first, count: 4000, rng: &a)
        let y = model.simulate(first: first, count: 4000, rng: &b)
        #expect(x.nights == y.nights)
        #expect(x.diary == y.diary)
        // About 10 % of nights missing, 8 % of diary entries.
        #expect(abs(Double(x.nights.count) / 4000 - 0.9) < 0.02)
        #expect(abs(Double(x.diary.count) / 4000 - 0.92) < 0.02)
        // Log-scale spread and lag-one correlation (nights one day apart), with no effects planted.
        let logs = Dictionary(x.nights.map { ($0.night.dayNumber, log(max($0.plmIndex, 0.05))) }, uniquingKeysWith: { a, _ in a })
        let values = Array(logs.values)
        let mean = values.reduce(0, +) / Double(values.count)
        let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        #expect(abs(sd - 0.35) < 0.03, "sd \(sd)")
        #expect(abs(mean - log(20)) < 0.05)
        var num = 0.0
        var den = 0.0
        for (d, v) in logs { if let w = logs[d + 1] { num += (v - mean) * (w - mean); den += (v - mean) * (v - mean) } }
        #expect(abs(num / den - 0.5) < 0.06, "r \(num / den)")
    }

    @Test("caffeine goes with alcohol in the diary; alcohol is likelier at weekends")
    func companions() {
        var rng = StudyRandom(seed: 9)
        let (_, diary) = PersonModel().simulate(first: first, count: 3000, rng: &rng)
        let both = diary.compactMap { e in e.alcoholDrinks.flatMap { a in e.caffeineCups.map { (a, Double($0)) } } }
        let r = DiaryCorrelation.pearson(both.map(\.0), both.map(\.1)) ?? 0
        #expect(r > 0.3, "r \(r)")
        let weekend = diary.filter { [5, 6].contains(($0.night.dayNumber + 4) % 7) }
        let share = { (e: [DiaryEntry]) in Double(e.filter { ($0.alcoholDrinks ?? 0) > 0 }.count) / Double(e.count) }
        #expect(share(weekend) > 2 * share(diary.filter { ![5, 6].contains(($0.night.dayNumber + 4) % 7) }))
    }

    @Test("a planted effect shows in the nights: a bath lowering the index by 40 % halves nothing else")
    func planted() {
        var rng = StudyRandom(seed: 11)
        let effects = [PlantedEffect(factor: .bath, relative: -0.4)]
        let model = PersonModel(
            spread: 0.2, autocorrelation: 0, weekend: 0, missingNights: 0, missingDiary: 0, effects: effects)
        let (nights, diary) = model.simulate(first: first, count: 3000, rng: &rng)
        let bath = Set(diary.filter { ($0.remedies[.bath]?.minutes ?? 0) > 0 }.map(\.night))
        let with = nights.filter { bath.contains($0.night) }.map { log($0.plmIndex) }
        let without = nights.filter { !bath.contains($0.night) }.map { log($0.plmIndex) }
        let meanWith: Double = with.reduce(0, +) / Double(with.count)
        let meanWithout: Double = without.reduce(0, +) / Double(without.count)
        let ratio = exp(meanWith - meanWithout)
        #expect(abs(ratio - 0.6) < 0.02, "ratio \(ratio)")
        // The adjusted analysis finds it, and nothing else.
        let r = DiaryCorrelation.analyse(nights: Array(nights.prefix(200)), diary: Array(diary.prefix(200)))
        let clear = r.clearFindings.map(\.factor)
        #expect(clear.contains("bath"))
        #expect(Set(clear) == ["bath"], "\(clear)")
    }

    @Test("the interpolation of the power curve")
    func crossing() {
        #expect(DiaryStudy.crossing([(14, 0.2), (28, 0.6), (56, 0.9)], level: 0.8) == 28 + (0.2 / 0.3) * 28)
        #expect(DiaryStudy.crossing([(14, 0.2)], level: 0.8) == nil)
    }
}
