import DiaryCorrelation
import Foundation
import SelfExperiment
import SleepDiary

/// The sample month of the README's main command (SampleRecordings/month/): 32 nights of one simulated person
/// who runs a randomised self-experiment of a lukewarm bath, in whom the bath truly lowers the PLM index and
/// alcohol truly raises it, while caffeine (which goes with alcohol) does nothing.
///
/// Each night is written as a leg-movement event table (`onset duration trial_type`, `in_bed` and `LM/left`) whose
/// WASM 2016 PLM index is the simulated one: the night's PLMs in series of up to 20 movements 20 s apart, an
/// isolated movement between series (more than 90 s from either, so not periodic). `plm score --store` then puts
/// every night through the real scoring rules, so the month costs no detector time.
public enum SampleMonth {
    public static let first = NightDate(year: 2026, month: 2, day: 2) ?? NightDate(dayNumber: 20_486)
    public static let nights = 32
    /// The self-experiment the diary follows: `plm trial plan --remedy bath --nights 32 --block 2 --start
    /// 2026-02-02 --seed 20260202`.
    public static let trialSeed: UInt64 = 20_260_202
    public static let blockNights = 2
    /// The person: effects large enough to be found in four weeks (a responder to the bath), spread and
    /// neighbour correlation at the low end of the study's range.
    public static let model = PersonModel(
        median: 28, spread: 0.2, autocorrelation: 0.3, trendPerMonth: 0, weekend: 0.05, missingNights: 0.04,
        missingDiary: 0.04,
        effects: [PlantedEffect(factor: .bath, relative: -0.5), PlantedEffect(factor: .alcohol, relative: 0.4)])
    public static let seed: UInt64 = 4
    /// Hours in bed each night.
    public static let inBedHours = 7.5

    public static func plan() throws -> TrialPlan {
        try TrialPlan.make(
            remedy: "bath", first: first, nights: nights, blockNights: blockNights, washoutNights: 0, seed: trialSeed)
    }

    /// The month's nights (PLM index as the event tables will score) and diary.
    public static func simulate(seed: UInt64 = seed) throws -> (nights: [NightOutcome], diary: [DiaryEntry]) {
        let schedule = try plan().schedule.map { $0.arm == .remedy }
        var rng = StudyRandom(seed: seed)
        let (raw, diary) = model.simulate(first: first, count: nights, rng: &rng, bathSchedule: schedule)
        // The index the table will give: a whole number of PLMs over the hours in bed.
        let nights = raw.map { n in
            NightOutcome(night: n.night, plmIndex: Double(plmCount(n.plmIndex)) / inBedHours)
        }
        return (nights, diary)
    }

    static func plmCount(_ index: Double) -> Int {
        let c = Int((index * inBedHours).rounded())
        return c < 4 ? 0 : c
    }

    /// A night's event table with `count` PLMs.
    public static func eventTable(plmCount count: Int) -> String {
        var sizes: [Int] = []
        var left = count
        while left > 0 {
            var size = min(20, left)
            if (1...3).contains(left - size) { size -= 4 }  // keep every series at 4 or more
            sizes.append(size)
            left -= size
        }
        var out = "onset\tduration\ttrial_type\n"
        out += String(format: "%.3f\t%.3f\tin_bed\n", 0.0, inBedHours * 3600)
        var t = 900.0
        for (i, size) in sizes.enumerated() {
            for k in 0..<size {
                out += String(format: "%.3f\t%.3f\tLM/left\n", t + Double(k) * 20, 1.5 + Double((i + k) % 4) * 0.5)
            }
            t += Double(size - 1) * 20 + 120
            // One isolated movement between series.
            out += String(format: "%.3f\t%.3f\tLM/left\n", t, 2.0)
            t += 120
        }
        return out
    }

    /// Writes `night-YYYY-MM-DD.tsv` for every night with a PLM index and `diary.csv` into `directory`.
    public static func write(to directory: URL, seed: UInt64 = seed) throws {
        let (nights, diary) = try simulate(seed: seed)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for n in nights {
            let table = eventTable(plmCount: Int((n.plmIndex * inBedHours).rounded()))
            try Data(table.utf8).write(to: directory.appendingPathComponent("night-\(n.night).tsv"), options: .atomic)
        }
        try Data(DiaryCSV.write(diary).utf8).write(to: directory.appendingPathComponent("diary.csv"), options: .atomic)
    }
}
