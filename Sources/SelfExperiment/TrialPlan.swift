import Foundation
import PLMVocabulary
import SleepDiary

/// A problem with a self-experiment's plan or data, in words that say what to fix.
public struct TrialError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Which arm a night of a self-experiment belongs to.
public enum TrialArm: String, Sendable, Codable, CaseIterable {
    /// The remedy is used that night.
    case remedy
    /// The remedy is left out that night.
    case without
}

/// One night of a self-experiment's schedule.
public struct TrialNight: Sendable, Equatable, Codable {
    public var night: NightDate
    public var arm: TrialArm
    /// A wash-out night (the first nights after a switch): followed as planned, left out of the result.
    public var washout: Bool
    /// The pair of blocks (0-based) the night belongs to; the order inside each pair was drawn at random.
    public var pair: Int

    public init(night: NightDate, arm: TrialArm, washout: Bool, pair: Int) {
        self.night = night
        self.arm = arm
        self.washout = washout
        self.pair = pair
    }
}

/// A randomised self-experiment (an n-of-1 trial): `nights` nights from `first`, in blocks of `blockNights`
/// consecutive nights with or without the remedy. Blocks come in pairs — one with, one without — and a coin decides
/// the order inside each pair, so every pair compares the remedy with its absence a few nights apart, and a slow
/// change in the PLM index (a trend, a bad week) cannot favour either arm (docs/statistics.md, "Self-experiments").
public struct TrialPlan: Sendable, Equatable {
    /// What is tried: a diary factor name (`bath`, `massage`, `compression`, `stretching`, `exercise`, `iron`,
    /// `medication_<name>`) or any words.
    public var remedy: String
    public var first: NightDate
    public var nights: Int
    public var blockNights: Int
    /// The first this many nights of a block after a switch of arm (and of the first block) are wash-out nights.
    public var washoutNights: Int
    /// The seed the order was drawn from (SplitMix64), kept so the schedule can be checked.
    public var seed: UInt64
    public var schedule: [TrialNight]

    /// A plan as stored (the schedule as drawn when it was made).
    public init(
        remedy: String, first: NightDate, nights: Int, blockNights: Int, washoutNights: Int, seed: UInt64,
        schedule: [TrialNight]
    ) {
        self.remedy = remedy
        self.first = first
        self.nights = nights
        self.blockNights = blockNights
        self.washoutNights = washoutNights
        self.seed = seed
        self.schedule = schedule
    }

    public var last: NightDate { first.adding(days: nights - 1) }
    public var pairs: Int { nights / (2 * blockNights) }

    /// Draws a schedule.
    ///
    /// - Throws: `TrialError` naming what to change: no remedy, no nights, a block of no nights, nights that are
    ///   not a whole number of pairs of blocks, wash-out that fills a whole block.
    public static func make(
        remedy: String, first: NightDate, nights: Int, blockNights: Int, washoutNights: Int, seed: UInt64
    ) throws -> TrialPlan {
        let remedy = remedy.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !remedy.isEmpty else {
            throw TrialError("the trial needs a remedy: give --remedy, e.g. --remedy bath")
        }
        guard nights > 0 else {
            throw TrialError("the trial has no nights: give --nights, a positive number such as 28 (found \(nights))")
        }
        guard blockNights > 0 else {
            throw TrialError("a block needs at least one night: give --block 1 or more (found \(blockNights))")
        }
        guard nights <= 366 else {
            throw TrialError("--nights \(nights) is more than a year: plan at most 366 nights")
        }
        guard blockNights <= 183 else {
            throw TrialError("--block \(blockNights) is longer than half a year: use at most 183 nights per block")
        }
        guard nights % (2 * blockNights) == 0 else {
            let lower = nights / (2 * blockNights) * 2 * blockNights
            let upper = lower + 2 * blockNights
            throw TrialError(
                "--nights \(nights) is not a whole number of pairs of \(blockNights)-night blocks: use "
                    + (lower > 0 ? "\(lower) or \(upper)" : "\(upper)") + " nights, or another --block")
        }
        guard washoutNights >= 0, washoutNights < blockNights else {
            throw TrialError(
                "--washout \(washoutNights) must be at least 0 and shorter than a block (\(blockNights) nights): "
                    + "lengthen --block or shorten --washout")
        }
        var rng = SplitMix64(seed: seed)
        var schedule: [TrialNight] = []
        var previous: TrialArm?
        for pair in 0..<(nights / (2 * blockNights)) {
            let remedyFirst = rng.next() & 1 == 0
            for arm in remedyFirst ? [TrialArm.remedy, .without] : [.without, .remedy] {
                let switched = previous != arm
                for k in 0..<blockNights {
                    let night = first.adding(days: schedule.count)
                    schedule.append(TrialNight(night: night, arm: arm, washout: switched && k < washoutNights, pair: pair))
                }
                previous = arm
            }
        }
        return TrialPlan(
            remedy: remedy, first: first, nights: nights, blockNights: blockNights, washoutNights: washoutNights,
            seed: seed, schedule: schedule)
    }

    /// The schedule as text: one line per night.
    public func scheduleText() -> String {
        var out = "Self-experiment: \(remedy), \(nights) nights from \(first) to \(last), "
        out += "blocks of \(blockNights) night\(blockNights == 1 ? "" : "s") in \(pairs) pairs"
        out += washoutNights > 0 ? ", \(washoutNights) wash-out night\(washoutNights == 1 ? "" : "s") after each switch" : ""
        out += " (seed \(seed)).\n"
        for n in schedule {
            out += "\(n.night) \(weekday(n.night))  pair \(n.pair + 1)  "
            out += n.arm == .remedy ? "\(remedy)" : "without \(remedy)"
            out += n.washout ? " (wash-out: not counted)" : ""
            out += "\n"
        }
        return out
    }

    /// The arm of a night, if the night is in the plan.
    public func arm(of night: NightDate) -> TrialNight? {
        let i = night.dayNumber - first.dayNumber
        return i >= 0 && i < schedule.count ? schedule[i] : nil
    }
}

/// Mon, Tue, … for a night.
func weekday(_ n: NightDate) -> String {
    ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][((n.dayNumber + 4) % 7 + 7) % 7]
}
