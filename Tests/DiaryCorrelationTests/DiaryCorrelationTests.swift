import Foundation
import NightStatistics
import SleepDiary
import Testing

@testable import DiaryCorrelation

func night(_ day: Int) -> NightDate { NightDate(dayNumber: 20_458 + day) }  // day 0 = 2026-01-05

/// Twelve nights: a bath on even nights, when the PLM index is 10 + night/2 (10…12.5); on odd nights it is 20 +
/// night/2 (20.5…25.5). Caffeine cups = night mod 4, unrelated by construction to the bath.
func bathNights() -> (nights: [NightOutcome], diary: [DiaryEntry]) {
    var nights: [NightOutcome] = []
    var diary: [DiaryEntry] = []
    for d in 0..<12 {
        let bath = d % 2 == 0
        nights.append(NightOutcome(night: night(d), plmIndex: (bath ? 10 : 20) + Double(d) / 2))
        var e = DiaryEntry(night: night(d))
        if bath { e.remedies[.bath] = RemedyUse(minutes: 20, time: nil) }
        e.caffeineCups = d % 4
        diary.append(e)
    }
    return (nights, diary)
}

/// The procedure before the study (docs/statistics.md): each factor alone by rank tests.
let rank = CorrelationSettings(method: .rankTests)

@Suite("Diary factors against the PLM index")
struct DiaryCorrelationTests {
    @Test("a bath on nights whose PLM index is 10/h lower: shift about -10, exact p from complete separation")
    func binary() throws {
        let (nights, diary) = bathNights()
        let r = DiaryCorrelation.analyse(nights: nights, diary: diary, settings: rank)
        let bath = try #require(r.results.first { $0.factor == "bath" && $0.lag == 0 })
        #expect(bath.nightsWith == 6)
        #expect(bath.nightsWithout == 6)
        // With: 10, 11, 12, 13, 14, 15 (d/2 for d = 0, 2, …, 10); without: 20.5, 21.5, …, 25.5.
        // Differences with − without: -10.5 - i + j for i, j in 0...5; their median is -10.5.
        #expect(bath.effect == -10.5)
        #expect(bath.medianWith == 12.5)
        #expect(bath.medianWithout == 23)
        // Complete separation of 6 and 6: two-sided exact p = 2 / C(12, 6) = 2 / 924.
        #expect(abs((bath.pValue ?? 1) - 2.0 / 924.0) < 1e-12)
        #expect(bath.cliffsDelta == -1)
        let sentence = bath.sentence(confidence: 0.95, falseDiscoveryRate: 0.05)
        #expect(sentence.contains("After a lukewarm bath, the PLM index was 10.5/h lower"))
        #expect(sentence.contains("6 nights with and 6 without"))
        // The night before: a bath on the evening before an odd night is followed by the high index.
        let lagged = try #require(r.results.first { $0.factor == "bath" && $0.lag == 1 })
        #expect(lagged.nightsWith == 6)
        #expect(lagged.nightsWithout == 5)
        #expect((lagged.effect ?? 0) > 0)
    }

    @Test("an amount that follows the PLM index exactly gives rho 1; one that does not, less")
    func dose() throws {
        let (nights, base) = bathNights()
        var diary = base
        for i in diary.indices { diary[i].exerciseMinutes = Int(nights[i].plmIndex * 10) }
        let r = DiaryCorrelation.analyse(nights: nights, diary: diary, settings: rank)
        let exercise = try #require(r.results.first { $0.factor == "exercise_min" && $0.lag == 0 })
        #expect(exercise.nights == 12)
        #expect(abs((exercise.effect ?? 0) - 1) < 1e-12)
        #expect((exercise.pValue ?? 1) < 1e-10)
        let caffeine = try #require(r.results.first { $0.factor == "caffeine_cups" && $0.lag == 0 })
        let expected = try #require(
            Spearman.test(diary.map { Double($0.caffeineCups ?? 0) }, nights.map(\.plmIndex)))
        #expect(caffeine.effect == expected.rho)
        #expect(caffeine.lower == expected.lower)
    }

    @Test("too few nights: not tested, and says how many there are and how many are needed")
    func notEnough() throws {
        let (nights, diary) = bathNights()
        let r = DiaryCorrelation.analyse(nights: Array(nights.prefix(7)), diary: diary, settings: rank)
        let bath = try #require(r.results.first { $0.factor == "bath" && $0.lag == 0 })
        #expect(bath.pValue == nil)
        #expect(bath.notTested == "not enough nights yet (4 with, 3 without; 5 of each needed)")
        #expect(bath.moreNightsNeeded == 3)  // 1 more with, 2 more without
        #expect(bath.sentence(confidence: 0.95, falseDiscoveryRate: 0.05).hasSuffix("not enough nights yet (4 with, 3 without; 5 of each needed)."))
        let caffeine = try #require(r.results.first { $0.factor == "caffeine_cups" && $0.lag == 0 })
        #expect(caffeine.notTested?.hasPrefix("not enough nights yet (7 nights, 4 different amounts") == true)
    }

    @Test("q-values are Benjamini-Hochberg over every test made, in the results' order")
    func falseDiscovery() throws {
        let (nights, diary) = bathNights()
        let r = DiaryCorrelation.analyse(nights: nights, diary: diary, settings: rank)
        let tested = r.results.filter { $0.pValue != nil }
        #expect(tested.count >= 3)
        let ps = tested.compactMap(\.pValue)
        let m = Double(ps.count)
        for t in tested {
            // BH by its definition: the smallest p_(k) * m / k over the ranks k at or above this p's rank.
            let sorted = ps.sorted()
            let rank = (sorted.lastIndex(of: t.pValue ?? 1) ?? 0) + 1
            let q = (rank...ps.count).map { min(1, sorted[$0 - 1] * m / Double($0)) }.min() ?? 1
            #expect(abs((t.qValue ?? -1) - q) < 1e-12, "\(t.factor) lag \(t.lag)")
        }
        #expect(r.results.filter { $0.pValue == nil }.allSatisfy { $0.qValue == nil })
    }

    @Test("medicines named in the diary become factors; a night without them counts as not taken")
    func medicines() throws {
        let (nights, base) = bathNights()
        var diary = base
        diary[3].medications = [Medication(name: "ropinirole", doseMg: 0.25, time: nil)]
        diary[5].medications = [Medication(name: "gabapentin", doseMg: 300, time: nil)]
        let factors = DiaryFactor.factors(for: diary).map(\.name)
        #expect(factors.contains("medication_gabapentin"))
        #expect(factors.contains("medication_ropinirole"))
        let g = try #require(factors.firstIndex(of: "medication_gabapentin"))
        let r0 = try #require(factors.firstIndex(of: "medication_ropinirole"))
        #expect(g < r0, "medicines in name order")
        let r = DiaryCorrelation.analyse(nights: nights, diary: diary, settings: rank)
        let ropinirole = try #require(r.results.first { $0.factor == "medication_ropinirole" && $0.lag == 0 })
        #expect(ropinirole.nightsWith == 1)
        #expect(ropinirole.nightsWithout == 11)
    }

    @Test("blank fields leave the night out of that factor; nights without a diary entry are left out")
    func blanks() throws {
        let (nights, base) = bathNights()
        var diary = base
        diary[0].caffeineCups = nil
        diary.removeLast()
        let r = DiaryCorrelation.analyse(nights: nights, diary: diary, settings: rank)
        let caffeine = try #require(r.results.first { $0.factor == "caffeine_cups" && $0.lag == 0 })
        #expect(caffeine.nights == 10)
        let bath = try #require(r.results.first { $0.factor == "bath" && $0.lag == 0 })
        #expect(bath.nights == 11)
        #expect(r.diaryNightCount == 11)
    }

    @Test("the 7-night rolling median: trailing calendar nights, from the third night with data")
    func rolling() {
        let values: [Double] = [5, 50, 7, 9, 100, 6, 8, 30]
        let nights = values.enumerated().map { NightOutcome(night: night($0.offset == 7 ? 12 : $0.offset), plmIndex: $0.element) }
        let r = DiaryCorrelation.analyse(nights: nights, diary: [])
        let medians = r.rolling.map(\.median)
        #expect(medians[0] == nil)
        #expect(medians[1] == nil)
        #expect(medians[2] == 7)  // 5, 50, 7
        #expect(medians[3] == 8)  // 5, 50, 7, 9
        #expect(medians[6] == 8)  // 5, 50, 7, 9, 100, 6, 8
        // Night 12: the window 6…12 holds nights 6 (8) and 12 (30) only.
        #expect(medians[7] == nil)
    }
}
