import Foundation
import GRDB
import SelfExperiment
import SleepDiary

/// A self-experiment kept in the store, with its number.
public struct StoredTrial: Sendable, Equatable {
    public var id: Int64
    public var plan: TrialPlan
}

extension NightStore {
    /// Stores a plan and its schedule; refuses one whose nights overlap a stored trial's.
    @discardableResult
    public func saveTrial(_ plan: TrialPlan) throws -> StoredTrial {
        try write { db in
            for t in try NightStore.trials(db) where t.plan.first <= plan.last && plan.first <= t.plan.last {
                throw StoreError(
                    "the trial of \(plan.remedy) (\(plan.first) to \(plan.last)) overlaps trial \(t.id) of "
                        + "\(t.plan.remedy) (\(t.plan.first) to \(t.plan.last)): start after \(t.plan.last), "
                        + "or remove it with plm trial remove \(t.id)")
            }
            try db.execute(
                sql: """
                    INSERT INTO trial(remedy, first_night, nights, block_nights, washout_nights, seed)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    plan.remedy, plan.first.description, plan.nights, plan.blockNights, plan.washoutNights,
                    String(plan.seed),
                ])
            let id = db.lastInsertedRowID
            for n in plan.schedule {
                try db.execute(
                    sql: "INSERT INTO trial_night(trial_id, date, arm, washout, pair) VALUES (?, ?, ?, ?, ?)",
                    arguments: [id, n.night.description, n.arm.rawValue, n.washout ? 1 : 0, n.pair])
            }
            return StoredTrial(id: id, plan: plan)
        }
    }

    /// Every stored trial, earliest first.
    public func trials() throws -> [StoredTrial] {
        try read { db in try NightStore.trials(db) }
    }

    /// Removes a trial; false when there is none with that number.
    public func removeTrial(_ id: Int64) throws -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM trial_night WHERE trial_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM trial WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    static func trials(_ db: Database) throws -> [StoredTrial] {
        var out: [StoredTrial] = []
        for row in try Row.fetchAll(db, sql: "SELECT * FROM trial ORDER BY first_night, id") {
            let id: Int64 = row["id"]
            let firstText: String = row["first_night"]
            let seedText: String = row["seed"]
            guard let first = NightDate(firstText), let seed = UInt64(seedText) else {
                throw StoreError("trial \(id): bad first night '\(firstText)' or seed '\(seedText)'")
            }
            var schedule: [TrialNight] = []
            for n in try Row.fetchAll(
                db, sql: "SELECT * FROM trial_night WHERE trial_id = ? ORDER BY date", arguments: [id])
            {
                let dateText: String = n["date"]
                let armText: String = n["arm"]
                guard let date = NightDate(dateText), let arm = TrialArm(rawValue: armText) else {
                    throw StoreError("trial \(id): bad night '\(dateText)' or arm '\(armText)'")
                }
                schedule.append(TrialNight(night: date, arm: arm, washout: (n["washout"] as Int) != 0, pair: n["pair"]))
            }
            out.append(
                StoredTrial(
                    id: id,
                    plan: TrialPlan(
                        remedy: row["remedy"], first: first, nights: row["nights"], blockNights: row["block_nights"],
                        washoutNights: row["washout_nights"], seed: seed, schedule: schedule)))
        }
        return out
    }
}
