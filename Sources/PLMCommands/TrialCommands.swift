import ArgumentParser
import DiaryCorrelation
import Foundation
import NightStore
import SelfExperiment
import SleepDiary

/// `plm trial`: randomised self-experiments (docs/statistics.md, "Self-experiments").
public struct TrialCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "trial",
        abstract: "Randomised self-experiments: plan a schedule of nights with and without a remedy, then test it.",
        subcommands: [TrialPlanCommand.self, TrialShow.self, TrialResultCommand.self, TrialRemove.self])

    public init() {}
}

/// `plm trial plan --remedy bath --nights 28 --block 2 [--washout 1] [--start DATE] [--seed N]`
public struct TrialPlanCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Draw a random schedule of nights with and without a remedy, print it and store it.",
        discussion: """
            The nights come in pairs of blocks, one block with the remedy and one without; a coin decides the order \
            inside each pair. With --washout K the first K nights after each switch are followed as planned but not \
            counted (for remedies whose effect lingers or takes a few nights to start).
            """)

    @Option(help: "What to try: bath, massage, compression, stretching, exercise, iron, medication_<name>, or any words.")
    var remedy: String = ""
    @Option(help: "Nights in all: a whole number of pairs of blocks.") var nights: Int = 0
    @Option(help: "Nights per block (1 or more).") var block: Int = 1
    @Option(help: "Wash-out nights after each switch, not counted.") var washout: Int = 0
    @Option(help: "First night, YYYY-MM-DD (default: tonight).") var start: String?
    @Option(help: "Seed of the random order (default: drawn from the system's random source; printed).") var seed: UInt64?
    @OptionGroup var location: StoreLocation

    public init() {}

    public func run() throws {
        let store = try location.open()
        let first: NightDate
        if let start {
            guard let d = NightDate(start) else {
                throw ValidationError("--start: expected a date YYYY-MM-DD, found '\(start)'")
            }
            first = d
        } else {
            // Tonight, by the store's time zone and night cut-off (as nights are dated).
            let now = Int64(Date().timeIntervalSince1970 * 1e6)
            do { first = try store.settings().night(startingAt: now) } catch { throw ValidationError("\(error)") }
        }
        let plan: TrialPlan
        do {
            plan = try TrialPlan.make(
                remedy: remedy, first: first, nights: nights, blockNights: block, washoutNights: washout,
                seed: seed ?? UInt64.random(in: 1...UInt64(1e12)))
        } catch let e as TrialError { throw ValidationError(e.description) }
        let stored: StoredTrial
        do { stored = try store.saveTrial(plan) } catch let e as StoreError { throw ValidationError(e.description) }
        print("Trial \(stored.id) stored.")
        print(plan.scheduleText(), terminator: "")
    }
}

/// `plm trial show`: the stored trials and their schedules.
public struct TrialShow: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the stored trials.")
    @OptionGroup var location: StoreLocation
    public init() {}

    public func run() throws {
        let trials = try location.openForReading().trials()
        if trials.isEmpty { print("no trial planned yet (plm trial plan)") }
        for t in trials { print("Trial \(t.id). " + t.plan.scheduleText()) }
    }
}

/// `plm trial remove ID`
public struct TrialRemove: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a stored trial.")
    @Argument(help: "The trial's number (plm trial show).") var id: Int64
    @OptionGroup var location: StoreLocation
    public init() {}

    public func run() throws {
        guard try location.open().removeTrial(id) else { throw ValidationError("there is no trial \(id) (plm trial show)") }
        print("Trial \(id) removed.")
    }
}

/// `plm trial result [ID] [--diary FILE]`
public struct TrialResultCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "result",
        abstract: "The result of a trial: the effect in PLMs per hour with its interval, by the randomisation test.",
        discussion: """
            Uses the stored nights' PLM index. With --diary FILE the diary for the trial's nights is imported first \
            (every row must be a night of the trial). Where the remedy is a diary factor (bath, massage, \
            medication_<name>, ...), nights on which the diary says the plan was not followed are listed; they are \
            analysed as planned.
            """)

    @Argument(help: "The trial's number (default: the latest).") var id: Int64?
    @Option(help: "A diary CSV of the trial's nights to import first.") var diary: String?
    @OptionGroup var location: StoreLocation
    public init() {}

    public func run() throws {
        let store = try diary == nil ? location.openForReading() : location.open()
        let trials = try store.trials()
        guard let trial = id.map({ i in trials.first { $0.id == i } }) ?? trials.last else {
            throw ValidationError(
                id.map { "there is no trial \($0) (plm trial show)" } ?? "no trial planned yet: plan one with plm trial plan")
        }
        if let diary {
            let entries: [DiaryEntry]
            do { entries = try DiaryCSV.read(URL(fileURLWithPath: diary)) } catch { throw ValidationError("\(error)") }
            do { try TrialResult.checkDiary(entries, plan: trial.plan, file: diary) } catch let e as TrialError {
                throw ValidationError(e.description)
            }
            try store.replaceDiary(entries)
        }
        print(try TrialResultCommand.result(store, trial: trial.plan).text(), terminator: "")
    }

    static func result(_ store: NightStore, trial plan: TrialPlan) throws -> TrialResult {
        let nights = try store.nights().compactMap { n in n.figures.plmIndex.map { (night: n.night, plmIndex: $0) } }
        let entries = try store.diary()
        var followed: [NightDate: Bool] = [:]
        if let factor = DiaryFactor.factors(for: entries).first(where: { $0.name == plan.remedy }) {
            for e in entries where plan.arm(of: e.night) != nil {
                if let v = factor.value(e) { followed[e.night] = v > 0 }
            }
        }
        do { return try TrialResult.analyse(plan: plan, nights: nights, followed: followed) } catch let e as TrialError {
            throw ValidationError(e.description)
        }
    }
}
