import Foundation
import NightStatistics
import SleepDiary
import Testing

@testable import DiaryCorrelation

/// A month in which the PLM index is 30/h, 8/h lower after a bath, 5/h higher per alcoholic drink, plus a fixed
/// wobble; caffeine = drinks + 0 to 2 cups (the companion); the bath on a fixed irregular pattern.
func month(nights count: Int = 40, wobble: Double = 1.5) -> (nights: [NightOutcome], diary: [DiaryEntry]) {
    let bathPattern = [1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1]
    let drinkPattern: [Double] = [0, 0, 1, 0, 2, 3, 0, 0, 1, 0, 0, 2, 0, 0, 0, 1, 3, 0, 0, 2, 0, 1, 0]
    let noise: [Double] = [0.3, -1.1, 0.8, 1.4, -0.6, -0.2, 1.0, -1.3, 0.5, -0.4, 0.9, -0.8, 0.1]
    var nights: [NightOutcome] = []
    var diary: [DiaryEntry] = []
    for d in 0..<count {
        let bath = bathPattern[d % bathPattern.count] == 1
        let drinks = drinkPattern[d % drinkPattern.count]
        var e = DiaryEntry(night: night(d))
        if bath { e.remedies[.bath] = RemedyUse(minutes: 20) }
        e.alcoholDrinks = drinks
        e.caffeineCups = Int(drinks) + [0, 1, 2, 1, 0, 2, 1][d % 7]
        diary.append(e)
        nights.append(NightOutcome(night: night(d), plmIndex: 30 - (bath ? 8 : 0) + 5 * drinks + wobble * noise[d % noise.count]))
    }
    return (nights, diary)
}

@Suite("The adjusted model (default)")
struct AdjustedModelTests {
    @Test("the bath's effect in PLM/h with an interval holding the truth; alcohol per drink, adjusted for caffeine")
    func planted() throws {
        let (nights, diary) = month()
        let r = DiaryCorrelation.analyse(nights: nights, diary: diary)
        let bath = try #require(r.results.first { $0.factor == "bath" && $0.lag == 0 })
        #expect(bath.method == .adjustedModel)
        let effect = try #require(bath.effect)
        #expect(abs(effect + 8) < 1.5, "\(effect)")
        #expect(try #require(bath.lower) < -8 && -8 < (try #require(bath.upper)))
        #expect((bath.qValue ?? 1) < 0.05)
        #expect(bath.sentence(confidence: 0.95, falseDiscoveryRate: 0.05).hasPrefix("After a lukewarm bath: "))
        let alcohol = try #require(r.results.first { $0.factor == "alcohol_drinks" && $0.lag == 0 })
        #expect(alcohol.adjustedFor.contains("cups of caffeine"))
        #expect(abs((alcohol.effect ?? 0) - 5) < 1.5)
        #expect(alcohol.sentence(confidence: 0.95, falseDiscoveryRate: 0.05).hasPrefix("Each drink more of alcohol: "))
        // Caffeine only goes with alcohol: adjusted for it, caffeine is not a clear finding. The rank test alone
        // credits caffeine with alcohol's effect.
        let caffeine = try #require(r.results.first { $0.factor == "caffeine_cups" && $0.lag == 0 })
        #expect(caffeine.adjustedFor.contains("alcoholic drinks"))
        #expect((caffeine.qValue ?? 0) > 0.05)
        let naive = DiaryCorrelation.analyse(nights: nights, diary: diary, settings: CorrelationSettings(method: .rankTests))
        let naiveCaffeine = try #require(naive.results.first { $0.factor == "caffeine_cups" && $0.lag == 0 })
        #expect((naiveCaffeine.qValue ?? 1) < 0.05)
        #expect(Set(r.clearFindings.map(\.factor)) == ["bath", "alcohol_drinks"])
    }

    @Test("the effect equals the AR(1) regression on the design written out here")
    func sameAsRegression() throws {
        let (nights, diary) = month(nights: 30)
        let r = DiaryCorrelation.analyse(nights: nights, diary: diary)
        let bath = try #require(r.results.first { $0.factor == "bath" && $0.lag == 0 })
        // Its companions, if any, by name; this design holds only those named.
        var x: [[Double]] = []
        for (i, e) in diary.enumerated() {
            var row: [Double] = [1, (e.remedies[.bath]?.minutes ?? 0) > 0 ? 1 : 0]
            for c in bath.adjustedFor {
                switch c {
                case "alcoholic drinks": row.append(e.alcoholDrinks ?? 0)
                case "cups of caffeine": row.append(Double(e.caffeineCups ?? 0))
                default: Issue.record("unexpected companion \(c)")
                }
            }
            row.append(Double(i) / 30)
            // Friday and Saturday evenings: night 0 is Monday 2026-01-05.
            row.append(i % 7 == 4 || i % 7 == 5 ? 1 : 0)
            x.append(row)
        }
        let fit = try #require(AR1Regression.fit(y: nights.map(\.plmIndex), x: x, days: nights.map(\.night.dayNumber)))
        #expect(bath.effect == fit.coefficients[1])
        #expect(bath.lower == fit.lower[1])
        #expect(bath.pValue == fit.pValues[1])
        #expect(bath.autocorrelation == fit.rho)
    }

    @Test("too few nights: how many more are needed; nights without a PLM index simply missing")
    func moreNights() throws {
        let (nights, diary) = month(nights: 12)
        let r = DiaryCorrelation.analyse(nights: nights, diary: diary)
        let bath = try #require(r.results.first { $0.factor == "bath" && $0.lag == 0 })
        #expect(bath.pValue == nil)
        let more = try #require(bath.moreNightsNeeded)
        #expect(more > 0)
        #expect(bath.notTested?.contains("about \(more) more nights needed") == true)
        // Dropping nights (a null PLM index never reaches the analysis) just lowers the count.
        let fewer = DiaryCorrelation.analyse(nights: Array(nights.dropFirst(3)), diary: diary)
        #expect(fewer.nightCount == 9)
        // A non-finite index is left out as missing.
        var odd = nights
        odd[0].plmIndex = .nan
        #expect(DiaryCorrelation.analyse(nights: odd, diary: diary).nightCount == 11)
    }
}
