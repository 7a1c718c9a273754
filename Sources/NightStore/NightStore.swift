import Foundation
import GRDB
import SleepDiary

/// The person's nights in one SQLite database: recordings, sensors, nightly figures, leg movements and diary
/// entries (docs/store.md). Write-ahead logging, versioned migrations, the file readable by its owner only.
///
/// Nights are keyed by the date of their evening, so storing a night again — replaying the same recording, or
/// rescoring it with other rules — replaces it, never duplicates it.
public final class NightStore: Sendable {
    public let url: URL
    let pool: DatabasePool

    /// The store file's name inside a data folder.
    public static let fileName = "plm.sqlite"

    /// How a command means to use the store.
    public enum Access: Sendable, Equatable {
        /// Create the store if needed, bring it up to date and write to it. A store the user made read-only
        /// (no owner write permission) is refused, never chmod'ed back.
        case readWrite
        /// Only read (`plm nights`, `export`, `report`, `correlate`): a store the user cannot write, or one on a
        /// read-only file system, is opened read-only; a writable one is opened (and brought up to date) as usual.
        case read
    }

    /// Whether this store was opened read-only.
    public let isReadOnly: Bool

    /// Opens (creating if needed) the store at `url`. A new store gets `defaults` as its settings.
    ///
    /// Several processes may open the same store at once (the daemon at the end of a night, `plm-replay
    /// --store`, `plm nights`): creating the file, switching it to write-ahead logging and migrating its schema
    /// happen under an exclusive lock on `<store>.lock` (`flock`), so one process does it and the others wait
    /// for it (at most `setupTimeout`). A store written by a newer plm (migrations this one does not know) is
    /// refused with both schema versions named, before anything is written.
    public init(url: URL, defaults: StoreSettings = .init(), access: Access = .readWrite) throws {
        self.url = url
        let path = url.path
        let exists = FileManager.default.fileExists(atPath: path)
        if access == .read, exists, !StoreFile.writable(path) {
            isReadOnly = true
            pool = try NightStore.openReadOnly(url)
            return
        }
        isReadOnly = false
        if exists, let mode = StoreFile.mode(path), mode & 0o200 == 0 {
            throw StoreError(
                "\(path): the store is read-only (mode \(String(mode & 0o777, radix: 8))): plm does not change the "
                    + "permissions of a store its user made read-only; make it writable again (chmod u+w) to store nights, "
                    + "or only read it (plm nights, export, report)")
        }
        let folder = url.deletingLastPathComponent()
        do {
            if !FileManager.default.fileExists(atPath: folder.path) {
                try FileManager.default.createDirectory(
                    at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
        } catch {
            throw StoreError("\(folder.path): cannot create the data folder (\(StoreFile.reason(error)))")
        }
        let lock = try StoreFile.SetupLock(path: path + ".lock", timeout: NightStore.setupTimeout)
        defer { lock.release() }
        do {
            // SQLite gives its -wal and -shm files the permissions of the database file: create it owner-only.
            // An existing store keeps the permissions its user gave it.
            if !FileManager.default.fileExists(atPath: path) {
                let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0o600)
                if fd >= 0 {
                    _ = fchmod(fd, 0o600)
                    close(fd)
                } else if errno != EEXIST {
                    throw StoreError("\(path): cannot create the store (\(String(cString: strerror(errno))))")
                }
            }
            var config = Configuration()
            config.foreignKeysEnabled = true
            config.busyMode = .timeout(NightStore.busyTimeout)
            pool = try DatabasePool(path: path, configuration: config)
            try pool.read { db in try NightStore.checkNotNewer(db, path: path) }
            try NightStore.migrator.migrate(pool)
            try pool.write { db in
                for (name, value) in defaults.rows {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO setting(name, value) VALUES (?, ?)", arguments: [name, value])
                }
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError("\(path): cannot open the store (\(error))")
        }
    }

    /// How long a process waits for another one creating or migrating the store, seconds.
    public static let setupTimeout = 60.0
    /// How long a write waits for another process's write transaction to end, seconds.
    static let busyTimeout = 10.0

    /// A store opened only for reading: GRDB read-only; if SQLite cannot set up its shared memory (a read-only
    /// folder or file system without the store's `-shm`), the file is read as immutable.
    static func openReadOnly(_ url: URL) throws -> DatabasePool {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(busyTimeout)
        let path = url.path
        var firstError: (any Error)? = nil
        do {
            let pool = try DatabasePool(path: path, configuration: config)
            try pool.read { db in try checkReadable(db, path: path) }
            return pool
        } catch let e as StoreError {
            throw e
        } catch {
            firstError = error
        }
        do {
            let pool = try DatabasePool(path: "file:\(path)?immutable=1", configuration: config)
            try pool.read { db in try checkReadable(db, path: path) }
            return pool
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError("\(path): cannot read the store read-only (\(firstError.map { "\($0)" } ?? "\(error)"))")
        }
    }

    /// A read-only store must already have this plm's schema: neither newer nor older.
    static func checkReadable(_ db: Database, path: String) throws {
        try checkNotNewer(db, path: path)
        let applied = try migrator.appliedMigrations(db)
        let known = migrator.migrations
        if applied != known {
            throw StoreError(
                "\(path): the store is at schema \(version(of: applied.last) ?? "none") and this plm needs "
                    + "\(version(of: known.last) ?? "none"); it is read-only, so it cannot be brought up to date "
                    + "(open it once where it can be written)")
        }
    }

    /// Refuses a store that a newer plm migrated further than this one knows.
    static func checkNotNewer(_ db: Database, path: String) throws {
        let applied = try migrator.appliedIdentifiers(db)
        let known = Set(migrator.migrations)
        let unknown = applied.subtracting(known)
        guard !unknown.isEmpty else { return }
        let newest = unknown.compactMap { version(of: $0) }.max { versionNumber($0) < versionNumber($1) }
        throw StoreError(
            "\(path): the store is at schema \(newest ?? unknown.sorted().joined(separator: ", ")), newer than this "
                + "plm knows (schema \(newestKnownVersion)): it was written by a newer plm; update plm to use it "
                + "(nothing was changed)")
    }

    /// The newest schema this plm knows: the version of its last registered migration.
    public static var newestKnownVersion: String { version(of: migrator.migrations.last) ?? "none" }

    /// "v2" of a migration named "v2: …".
    static func version(of identifier: String?) -> String? {
        guard let identifier else { return nil }
        return identifier.split(separator: ":", maxSplits: 1).first.map { String($0) }
    }

    static func versionNumber(_ v: String) -> Int { Int(v.drop { !$0.isNumber }) ?? 0 }

    /// The default store: `$XDG_DATA_HOME/plm/plm.sqlite`, else `~/.local/share/plm/plm.sqlite`; `dataDir`
    /// (from `--data-dir` or `PLM_DATA_DIR`) replaces the folder.
    public static func defaultURL(dataDir: String? = nil) -> URL {
        let env = ProcessInfo.processInfo.environment
        if let d = dataDir ?? env["PLM_DATA_DIR"], !d.isEmpty {
            return URL(fileURLWithPath: d).appendingPathComponent(fileName)
        }
        let base: URL
        if let x = env["XDG_DATA_HOME"], x.hasPrefix("/") {
            base = URL(fileURLWithPath: x)
        } else {
            base = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share")
        }
        return base.appendingPathComponent("plm").appendingPathComponent(fileName)
    }

    // MARK: Settings

    public func settings() throws -> StoreSettings {
        try read { db in
            var s = StoreSettings()
            for row in try Row.fetchAll(db, sql: "SELECT name, value FROM setting") {
                let name: String = row["name"]
                let value: String = row["value"]
                try s.apply(name: name, value: value)
            }
            return s
        }
    }

    public func update(settings: StoreSettings) throws {
        try write { db in
            for (name, value) in settings.rows {
                try db.execute(
                    sql: "INSERT INTO setting(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                    arguments: [name, value])
            }
        }
    }

    // MARK: Nights

    /// What `save` did.
    public enum SaveOutcome: Sendable, Equatable {
        case added
        /// The night was stored before; `previousFile` is the file it came from then.
        case replaced(previousFile: String)
    }

    /// Stores a night in one transaction, replacing any night of the same date (with its leg movements and
    /// figures). Recordings left without a night are removed.
    @discardableResult
    public func save(_ n: StoredNight) throws -> SaveOutcome {
        try write { db in
            let date = n.night.description
            let previous = try String.fetchOne(
                db,
                sql: "SELECT r.file_name FROM night n JOIN recording r ON r.id = n.recording_id WHERE n.date = ?",
                arguments: [date])
            try db.execute(sql: "DELETE FROM night WHERE date = ?", arguments: [date])
            let r = n.recording
            try db.execute(
                sql: """
                    INSERT INTO recording(source_key, file_name, format, start_unix_us, sample_rate_hz)
                    VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(source_key) DO UPDATE SET file_name = excluded.file_name, format = excluded.format,
                      start_unix_us = excluded.start_unix_us, sample_rate_hz = excluded.sample_rate_hz
                    """,
                arguments: [r.sourceKey, r.fileName, r.format, r.startUnixMicroseconds, r.sampleRateHz])
            guard
                let recordingID = try Int64.fetchOne(
                    db, sql: "SELECT id FROM recording WHERE source_key = ?", arguments: [r.sourceKey])
            else { throw StoreError("\(url.path): the recording \(r.fileName) was not stored") }
            try db.execute(sql: "DELETE FROM recording_sensor WHERE recording_id = ?", arguments: [recordingID])
            for s in r.sensors {
                try db.execute(
                    sql: """
                        INSERT INTO sensor(serial, side, firmware) VALUES (?, ?, ?)
                        ON CONFLICT(serial) DO UPDATE SET side = excluded.side,
                          firmware = coalesce(excluded.firmware, sensor.firmware)
                        """,
                    arguments: [s.serial, s.side, s.firmware])
                try db.execute(
                    sql: "INSERT OR REPLACE INTO recording_sensor(recording_id, serial, side) VALUES (?, ?, ?)",
                    arguments: [recordingID, s.serial, s.side])
            }
            let f = n.figures
            let columns: [(String, (any DatabaseValueConvertible)?)] = [
                ("date", date), ("recording_id", recordingID), ("rules_profile", f.rulesProfile),
                ("recording_hours", f.recordingHours), ("in_bed_hours", f.inBedHours), ("sleep_hours", f.sleepHours),
                ("plm_index_basis", f.plmIndexBasis), ("plm_index_hours", f.plmIndexHours),
                ("plm_index", f.plmIndex), ("lm_count", f.lmCount), ("clm_count", f.clmCount),
                ("plm_count", f.plmCount), ("plm_series_count", f.plmSeriesCount), ("plms_index", f.plmsIndex),
                ("plmw_index", f.plmwIndex), ("periodicity_index", f.periodicityIndex),
                ("median_plm_imi_s", f.medianPLMIMISeconds), ("bilateral_lm_count", f.bilateralLMCount),
                ("bilateral_lm_share", f.bilateralLMShare), ("valid_hours_left", f.validHoursLeft),
                ("valid_hours_right", f.validHoursRight), ("gap_count", f.gapCount),
                ("quality_findings", f.qualityFindings.joined(separator: "\n")), ("summary_json", n.summaryJSON),
            ]
            try db.execute(
                sql: "INSERT INTO night(\(columns.map(\.0).joined(separator: ", "))) VALUES ("
                    + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")",
                arguments: StatementArguments(columns.map(\.1)))
            let figure = try db.makeStatement(sql: "INSERT INTO night_figure(date, name, value) VALUES (?, ?, ?)")
            for (name, value) in n.namedFigures {
                try figure.execute(arguments: [date, name, value])
            }
            let event = try db.makeStatement(
                sql: """
                    INSERT INTO lm_event(date, ordinal, onset_s, duration_s, side, n_components, is_clm, is_plm,
                      series_id, imi_s, state, stage, resp_related, arousal, is_plm_nr)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for (i, e) in n.events.enumerated() {
                try event.execute(arguments: [
                    date, i + 1, e.onsetSeconds, e.durationSeconds, e.side, e.components, e.isCandidate, e.isPLM,
                    e.seriesID, e.imiSeconds, e.state, e.stage, e.respiratoryRelated, e.arousal, e.isPLMNonRespiratory,
                ])
            }
            let interval = try db.makeStatement(
                sql: "INSERT INTO night_interval(date, kind, leg, onset_s, end_s) VALUES (?, ?, ?, ?, ?)")
            for i in n.intervals {
                try interval.execute(arguments: [date, i.kind.rawValue, i.leg, i.onsetSeconds, i.endSeconds])
            }
            try db.execute(sql: "DELETE FROM recording WHERE id NOT IN (SELECT recording_id FROM night)")
            return previous.map { .replaced(previousFile: $0) } ?? .added
        }
    }

    /// Every stored night, oldest first.
    public func nights() throws -> [NightRecord] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT n.*, r.file_name, r.format, r.start_unix_us, r.sample_rate_hz, r.source_key
                    FROM night n JOIN recording r ON r.id = n.recording_id ORDER BY n.date
                    """
            ).map(NightRecord.init)
        }
    }

    /// One night, or nil when the store has none of that date.
    public func night(_ date: NightDate) throws -> NightRecord? {
        try read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT n.*, r.file_name, r.format, r.start_unix_us, r.sample_rate_hz, r.source_key
                    FROM night n JOIN recording r ON r.id = n.recording_id WHERE n.date = ?
                    """, arguments: [date.description]
            ).map(NightRecord.init)
        }
    }

    /// The leg movements of one night (or of every night), in onset order.
    public func events(of date: NightDate? = nil) throws -> [(night: NightDate, event: StoredEvent)] {
        try read { db in
            let rows: [Row]
            if let date {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM lm_event WHERE date = ? ORDER BY ordinal", arguments: [date.description])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM lm_event ORDER BY date, ordinal")
            }
            return try rows.map { row in
                let text: String = row["date"]
                guard let night = NightDate(text) else { throw StoreError("bad night date '\(text)' in lm_event") }
                let event = StoredEvent(
                    onsetSeconds: row["onset_s"], durationSeconds: row["duration_s"], side: row["side"],
                    components: row["n_components"], isCandidate: row["is_clm"], isPLM: row["is_plm"],
                    seriesID: row["series_id"], imiSeconds: row["imi_s"], state: row["state"], stage: row["stage"],
                    respiratoryRelated: row["resp_related"], arousal: row["arousal"],
                    isPLMNonRespiratory: row["is_plm_nr"])
                return (night, event)
            }
        }
    }

    /// Time in bed and gaps of one night, in onset order.
    public func intervals(of date: NightDate) throws -> [StoredInterval] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM night_interval WHERE date = ? ORDER BY onset_s, kind, leg",
                arguments: [date.description]
            ).map { row in
                let kind: String = row["kind"]
                guard let k = StoredInterval.Kind(rawValue: kind) else {
                    throw StoreError("unknown interval kind '\(kind)' in night_interval")
                }
                return StoredInterval(kind: k, leg: row["leg"], onsetSeconds: row["onset_s"], endSeconds: row["end_s"])
            }
        }
    }

    /// Every figure of summary.csv for one night, by name.
    public func namedFigures(of date: NightDate) throws -> [String: String] {
        try read { db in
            var out: [String: String] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT name, value FROM night_figure WHERE date = ?", arguments: [date.description])
            {
                out[row["name"]] = row["value"] as String
            }
            return out
        }
    }

    /// Sensors ever seen, by serial number.
    public func sensors() throws -> [StoredSensor] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT serial, side, firmware FROM sensor ORDER BY serial").map {
                StoredSensor(serial: $0["serial"], side: $0["side"], firmware: $0["firmware"])
            }
        }
    }

    /// Removes one night (its leg movements and figures too). Returns whether there was one.
    @discardableResult
    public func deleteNight(_ date: NightDate) throws -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM night WHERE date = ?", arguments: [date.description])
            let removed = db.changesCount > 0
            try db.execute(sql: "DELETE FROM recording WHERE id NOT IN (SELECT recording_id FROM night)")
            return removed
        }
    }

    // MARK: Diary

    /// Every diary entry, oldest night first.
    public func diary() throws -> [DiaryEntry] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM diary_entry ORDER BY date").map(NightStore.entry) }
    }

    public func diaryEntry(_ date: NightDate) throws -> DiaryEntry? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM diary_entry WHERE date = ?", arguments: [date.description])
                .map(NightStore.entry)
        }
    }

    /// Replaces the diary entries of the given nights, all or none (one transaction).
    public func replaceDiary(_ entries: [DiaryEntry]) throws {
        try write { db in
            for e in entries { try NightStore.put(e, db) }
        }
    }

    /// Merges `entry` into the stored entry of its night (fields it sets replace stored ones); returns the result.
    @discardableResult
    public func mergeDiary(_ entry: DiaryEntry) throws -> DiaryEntry {
        try write { db in
            let stored = try Row.fetchOne(
                db, sql: "SELECT * FROM diary_entry WHERE date = ?", arguments: [entry.night.description]
            ).map(NightStore.entry)
            let merged = stored?.merging(entry) ?? entry
            try NightStore.put(merged, db)
            return merged
        }
    }

    static var diaryColumns: [DiaryColumn] { DiaryColumn.all.filter { $0.name != "date" } }

    static func put(_ e: DiaryEntry, _ db: Database) throws {
        let columns = diaryColumns
        let values: [String?] = columns.map { c in
            let t = e.text(of: c.name)
            return t.isEmpty ? nil : t
        }
        try db.execute(
            sql: "INSERT OR REPLACE INTO diary_entry(date, " + columns.map { "\"\($0.name)\"" }.joined(separator: ", ")
                + ") VALUES (?" + String(repeating: ", ?", count: columns.count) + ")",
            arguments: StatementArguments([e.night.description] + values))
    }

    static func entry(_ row: Row) throws -> DiaryEntry {
        let text: String = row["date"]
        guard let night = NightDate(text) else { throw StoreError("bad night date '\(text)' in diary_entry") }
        var e = DiaryEntry(night: night)
        for c in diaryColumns {
            let stored: DatabaseValue = row[c.name]
            let value: String
            switch stored.storage {
            case .null: continue
            case .int64(let i): value = String(i)
            case .double(let d): value = d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
            case .string(let s): value = s
            case .blob: throw StoreError("diary entry \(text): column \(c.name) holds binary data")
            }
            if value.isEmpty { continue }
            do {
                try e.set(c.name, to: value)
            } catch {
                throw StoreError("diary entry \(text): \(error)")
            }
        }
        return e
    }

    // MARK: Access

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let e as StoreError { throw e } catch {
            throw StoreError("\(url.path): \(error)")
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let e as StoreError { throw e } catch {
            throw StoreError("\(url.path): \(error)")
        }
    }

    /// The SQLite journal mode in force (`wal`).
    public func journalMode() throws -> String {
        try read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// Names of the migrations applied, in order.
    public func appliedMigrations() throws -> [String] {
        try read { db in try NightStore.migrator.appliedMigrations(db) }
    }
}

/// A problem with the store, naming the file.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Settings kept inside the store, so that every path that stores a night labels it the same way.
public struct StoreSettings: Sendable, Equatable {
    /// A recording that starts before this local hour belongs to the previous evening's night.
    public var nightCutoffHour: Int = 12
    /// IANA time zone of the person's nights (recordings carry UTC times).
    public var timeZone: String = TimeZone.current.identifier

    public init(nightCutoffHour: Int = 12, timeZone: String = TimeZone.current.identifier) {
        self.nightCutoffHour = nightCutoffHour
        self.timeZone = timeZone
    }

    var rows: [(String, String)] { [("night_cutoff_hour", String(nightCutoffHour)), ("time_zone", timeZone)] }

    mutating func apply(name: String, value: String) throws {
        switch name {
        case "night_cutoff_hour":
            guard let h = Int(value), (0...23).contains(h) else {
                throw StoreError("setting night_cutoff_hour: expected an hour 0-23, found '\(value)'")
            }
            nightCutoffHour = h
        case "time_zone":
            timeZone = value
        default: break
        }
    }

    /// The night a recording starting at `unixMicroseconds` belongs to.
    public func night(startingAt unixMicroseconds: Int64) throws -> NightDate {
        guard let zone = TimeZone(identifier: timeZone) else {
            throw StoreError("time zone '\(timeZone)' is not known (expected an IANA name such as Europe/Berlin)")
        }
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(unixMicroseconds) / 1e6))
        return NightDate(unixMicroseconds: unixMicroseconds, utcOffsetSeconds: offset, cutoffHour: nightCutoffHour)
    }

    /// The UTC offset in force at a moment, seconds.
    public func utcOffset(at unixMicroseconds: Int64) -> Int {
        TimeZone(identifier: timeZone)?.secondsFromGMT(for: Date(timeIntervalSince1970: Double(unixMicroseconds) / 1e6))
            ?? 0
    }
}

/// A stored night as read back.
public struct NightRecord: Sendable, Equatable {
    public var night: NightDate
    public var fileName: String
    public var format: String
    public var sourceKey: String
    public var startUnixMicroseconds: Int64?
    public var sampleRateHz: Double?
    public var figures: NightFigures
    public var summaryJSON: String

    init(_ row: Row) throws {
        let text: String = row["date"]
        guard let night = NightDate(text) else { throw StoreError("bad night date '\(text)' in night") }
        self.night = night
        fileName = row["file_name"]
        format = row["format"]
        sourceKey = row["source_key"]
        startUnixMicroseconds = row["start_unix_us"]
        sampleRateHz = row["sample_rate_hz"]
        summaryJSON = row["summary_json"]
        let findings: String = row["quality_findings"]
        figures = NightFigures(
            rulesProfile: row["rules_profile"], recordingHours: row["recording_hours"], inBedHours: row["in_bed_hours"],
            sleepHours: row["sleep_hours"], plmIndexBasis: row["plm_index_basis"],
            plmIndexHours: row["plm_index_hours"], plmIndex: row["plm_index"], lmCount: row["lm_count"],
            clmCount: row["clm_count"], plmCount: row["plm_count"], plmSeriesCount: row["plm_series_count"],
            plmsIndex: row["plms_index"], plmwIndex: row["plmw_index"], periodicityIndex: row["periodicity_index"],
            medianPLMIMISeconds: row["median_plm_imi_s"], bilateralLMCount: row["bilateral_lm_count"],
            bilateralLMShare: row["bilateral_lm_share"], validHoursLeft: row["valid_hours_left"],
            validHoursRight: row["valid_hours_right"], gapCount: row["gap_count"],
            qualityFindings: findings.isEmpty ? [] : findings.components(separatedBy: "\n"))
    }
}
