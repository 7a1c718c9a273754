/// One column of the diary CSV. `DiaryColumn.all` is the single definition of every column: its name, type, unit,
/// allowed values, description and example, and how its text is read and written. The CSV import and writer, the
/// template, the column dictionary, `DiaryEntry.set(_:to:)`/`text(of:)` and docs/diary.md all use it.
public struct DiaryColumn: Sendable {
    /// CSV column name, snake_case, e.g. `caffeine_cups`.
    public let name: String
    /// Kind of value: `whole number`, `decimal`, `clock time HH:MM`, `date YYYY-MM-DD`, `yes/no`, `choice`,
    /// `list` or `text`.
    public let type: String
    /// Unit, e.g. `minutes`, `mg`; empty when none.
    public let unit: String
    /// The allowed values in words, e.g. `0-20`, `aching; tugging; ...`.
    public let allowed: String
    /// What the column records.
    public let description: String
    /// An example value as it would be written in the CSV.
    public let example: String

    /// Reads non-empty, trimmed text into the entry; `clear` empties the field.
    let read: @Sendable (inout DiaryEntry, String) throws(FieldFailure) -> Void
    let clear: @Sendable (inout DiaryEntry) throws(FieldFailure) -> Void
    /// The field as CSV text, "" when not recorded.
    let write: @Sendable (DiaryEntry) -> String

    /// The column called `name` (case-insensitive), or nil.
    public static func named(_ name: String) -> DiaryColumn? {
        let key = name.lowercased()
        return all.first { $0.name == key }
    }

    /// Every column, in template order (`date` first).
    public static let all: [DiaryColumn] = {
        var columns: [DiaryColumn] = [
            DiaryColumn(
                name: "date", type: "date YYYY-MM-DD", unit: "", allowed: "a real date, years 1900-2200; required",
                description: "The night, labelled by the date of its evening (the night from Monday to Tuesday is "
                    + "Monday's). One row per night.",
                example: "2026-03-14",
                read: { (entry: inout DiaryEntry, text: String) throws(FieldFailure) in
                    entry.night = try DiaryValues.date(text)
                },
                clear: { (_: inout DiaryEntry) throws(FieldFailure) in
                    throw FieldFailure(.missingDate, expected: "the night's date YYYY-MM-DD (required)")
                },
                write: { $0.night.description }),
            clock("bed_time", \.bedTime, "Time you got into bed (Consensus Sleep Diary).", "22:45"),
            clock("lights_out_time", \.lightsOutTime, "Time you tried to go to sleep (lights out).", "23:10"),
            whole(
                "sleep_latency_min", \.sleepLatencyMinutes, 0...600, unit: "minutes",
                "How long it took to fall asleep after trying.", "25"),
            whole(
                "awakenings", \.awakenings, 0...50, unit: "count",
                "How many times you woke up, not counting the final awakening.", "3"),
            whole(
                "awake_min", \.awakeMinutes, 0...900, unit: "minutes",
                "Total time awake during the night after first falling asleep.", "40"),
            clock("final_wake_time", \.finalWakeTime, "Time of your final awakening.", "06:30"),
            clock("out_of_bed_time", \.outOfBedTime, "Time you got out of bed for the day.", "07:05"),
            whole(
                "sleep_quality", \.sleepQuality, 1...5, unit: "",
                "Quality of sleep: 1 very poor, 2 poor, 3 fair, 4 good, 5 very good.", "3"),
            whole(
                "caffeine_cups", \.caffeineCups, 0...20, unit: "cups",
                "Caffeinated drinks (coffee, tea, cola, energy drinks) during the day.", "2"),
            clock("caffeine_last_time", \.caffeineLastTime, "Time of the last caffeinated drink.", "15:30"),
            decimal(
                "alcohol_drinks", \.alcoholDrinks, 0...20, unit: "standard drinks",
                "Alcoholic drinks during the day and evening, in standard drinks; halves allowed.", "1.5"),
            yesNo("nicotine", \.nicotine, "Any nicotine (smoking, vaping, patches, snus) during the day.", "no"),
            whole(
                "exercise_min", \.exerciseMinutes, 0...600, unit: "minutes", "Minutes of exercise during the day.",
                "30"),
            text("exercise_type", \.exerciseType, "Kind of exercise, free text.", "walking, then yoga"),
            DiaryColumn(
                name: "exercise_intensity", type: "choice", unit: "",
                allowed: ExerciseIntensity.allCases.map(\.rawValue).joined(separator: "; "),
                description: "How hard the exercise was: light (can sing), moderate (can talk), vigorous "
                    + "(cannot talk).",
                example: "moderate",
                read: { (entry: inout DiaryEntry, text: String) throws(FieldFailure) in
                    entry.exerciseIntensity = try DiaryValues.intensity(text)
                },
                clear: { $0.exerciseIntensity = nil },
                write: { $0.exerciseIntensity?.rawValue ?? "" }),
            clock("exercise_time", \.exerciseTime, "Time the exercise started.", "17:00"),
            decimal(
                "iron_mg", \.ironDoseMg, 0...1000, unit: "mg",
                "Elemental iron taken as a supplement (not the salt weight: 325 mg ferrous sulfate is 65 mg iron).",
                "65"),
            clock("iron_time", \.ironTime, "Time the iron supplement was taken.", "08:00"),
            decimal(
                "ferritin_ng_ml", \.ferritin, 0...5000, unit: "ng/mL",
                "Serum ferritin from the latest blood test (same as µg/L).", "48"),
            decimal(
                "tsat_percent", \.transferrinSaturation, 0...100, unit: "%",
                "Transferrin saturation from the latest blood test.", "22"),
            DiaryColumn(
                name: "iron_lab_date", type: "date YYYY-MM-DD", unit: "", allowed: "a real date, years 1900-2200",
                description: "Date of the blood test that ferritin_ng_ml and tsat_percent come from.",
                example: "2026-03-02",
                read: { (entry: inout DiaryEntry, text: String) throws(FieldFailure) in
                    entry.ironLabDate = try DiaryValues.date(text)
                },
                clear: { $0.ironLabDate = nil },
                write: { $0.ironLabDate?.description ?? "" }),
            DiaryColumn(
                name: "medications", type: "list", unit: "mg",
                allowed: "name [dose unit] [HH:MM], separated by ';'; units mg, mcg, µg, ug, g (stored as mg)",
                description: "Medications taken for the night with dose and time, e.g. dopamine agonists, "
                    + "gabapentinoids, benzodiazepines, opioids, MS drugs such as baclofen.",
                example: "ropinirole 0.25 mg 21:00; gabapentin 300 mg 22:30",
                read: { (entry: inout DiaryEntry, text: String) throws(FieldFailure) in
                    entry.medications = try DiaryValues.medications(text)
                },
                clear: { $0.medications = [] },
                write: { DiaryValues.format($0.medications) }),
        ]
        let remedyText: [Remedy: (String, String, String)] = [
            .bath: ("a lukewarm bath", "20", "21:30"),
            .massage: ("leg massage", "10", "22:00"),
            .compression: ("pneumatic compression of the legs", "30", "21:00"),
            .stretching: ("stretching", "10", "22:15"),
        ]
        for remedy in Remedy.allCases {
            let (what, minutes, time) = remedyText[remedy] ?? (remedy.rawValue, "10", "21:00")
            columns.append(remedyMinutes(remedy, "Minutes of \(what).", minutes))
            columns.append(remedyTime(remedy, "Time \(what) started.", time))
        }
        columns += [
            whole(
                "symptom_severity", \.symptomSeverity, 0...10, unit: "",
                "Evening RLS severity, 0 none to 10 worst (RLS-6 style rating).", "6"),
            clock(
                "symptom_onset_time", \.symptomOnsetTime,
                "Clock time the leg symptoms usually started that day (Johns Hopkins severity scale); onset "
                    + "creeping earlier on dopaminergic drugs is a sign of augmentation.", "19:30"),
            DiaryColumn(
                name: "sensations", type: "list", unit: "",
                allowed: Sensation.allCases.map(\.rawValue).joined(separator: "; "),
                description: "Sensations felt in the legs, separated by ';'.",
                example: "aching; tingling",
                read: { (entry: inout DiaryEntry, text: String) throws(FieldFailure) in
                    entry.sensations = try DiaryValues.sensations(text)
                },
                clear: { $0.sensations = [] },
                write: { DiaryValues.format($0.sensations) }),
            yesNo("ms_spasms", \.msSpasms, "MS extensor spasms of the legs that night (can be confused with RLS).", "no"),
            yesNo(
                "ms_dysesthesia", \.msDysesthesia,
                "MS dysesthesia (burning or painful abnormal sensation) that night.", "yes"),
            whole("fatigue", \.fatigue, 0...10, unit: "", "Fatigue that day, 0 none to 10 worst.", "5"),
            whole(
                "irls_total", \.irlsTotal, 0...40, unit: "points",
                "IRLS rating scale total for the past week (usually filled in weekly): mild 1-10, moderate 11-20, "
                    + "severe 21-30, very severe 31-40.", "18"),
            text("notes", \.notes, "Anything else about the night, free text.", "late dinner; \"restless\" evening"),
        ]
        return columns
    }()

    // MARK: - Column builders

    private init(
        name: String, type: String, unit: String, allowed: String, description: String, example: String,
        read: @escaping @Sendable (inout DiaryEntry, String) throws(FieldFailure) -> Void,
        clear: @escaping @Sendable (inout DiaryEntry) throws(FieldFailure) -> Void,
        write: @escaping @Sendable (DiaryEntry) -> String
    ) {
        self.name = name
        self.type = type
        self.unit = unit
        self.allowed = allowed
        self.description = description
        self.example = example
        self.read = read
        self.clear = clear
        self.write = write
    }

    private static func whole(
        _ name: String, _ field: WritableKeyPath<DiaryEntry, Int?> & Sendable, _ range: ClosedRange<Int>,
        unit: String, _ description: String, _ example: String
    ) -> DiaryColumn {
        DiaryColumn(
            name: name, type: "whole number", unit: unit, allowed: "\(range.lowerBound)-\(range.upperBound)",
            description: description, example: example,
            read: { (entry: inout DiaryEntry, text: String) throws(FieldFailure) in
                entry[keyPath: field] = try DiaryValues.whole(text, in: range)
            },
            clear: { $0[keyPath: field] = nil },
            write: { $0[keyPath: field].map(String.init) ?? "" })
    }

    private static func decimal(
        _ name: String, _ field: WritableKeyPath<DiaryEntry, Double?> & Sendable, _ range: ClosedRange<Double>,
        unit: String, _ description: String, _ example: String
    ) -> DiaryColumn {
        DiaryColumn(
            name: name, type: "decimal", unit: unit,
            allowed: "\(DiaryValues.format(range.lowerBound))-\(DiaryValues.format(range.upperBound))",
            description: description, example: example,
            read: { (entry: inout DiaryEntry, text: String) throws(FieldFailure) in
                entry[keyPath: field] = try DiaryValues.decimal(text, in: range)
            },
            clear: { $0[keyPath: field] = nil },
            write: { $0[keyPath: field].map(DiaryValues.format) ?? "" })
    }

    private static func clock(
        _ name: String, _ field: WritableKeyPath<DiaryEntry, ClockTime?> & Sendable, _ description: String,
        _ example: String
    ) -> DiaryColumn {
        DiaryColumn(
            name: name, type: "clock time HH:MM", unit: "", allowed: "00:00-23:59 (24-hour; H:MM accepted)",
            description: description, example: example,
            read: { (entry: inout DiaryEntry, text: String) throws(FieldFailure) in
                entry[keyPath: field] = try DiaryValues.clock(text)
            },
            clear: { $0[keyPath: field] = nil },
            write: { $0[keyPath: field]?.description ?? "" })
    }

    private static func yesNo(
        _ name: String, _ field: WritableKeyPath<DiaryEntry, Bool?> & Sendable, _ description: String,
        _ example: String
    ) -> DiaryColumn {
        DiaryColumn(
            name: name, type: "yes/no", unit: "", allowed: "yes; no (also y/n, true/false, 1/0)",
            description: description, example: example,
            read: { (entry: inout DiaryEntry, text: String) throws(FieldFailure) in
                entry[keyPath: field] = try DiaryValues.yesNo(text)
            },
            clear: { $0[keyPath: field] = nil },
            write: { $0[keyPath: field].map(DiaryValues.format) ?? "" })
    }

    private static func text(
        _ name: String, _ field: WritableKeyPath<DiaryEntry, String?> & Sendable, _ description: String,
        _ example: String
    ) -> DiaryColumn {
        DiaryColumn(
            name: name, type: "text", unit: "", allowed: "any text (quote it if it has commas, quotes or line breaks)",
            description: description, example: example,
            read: { (entry: inout DiaryEntry, text: String) throws(FieldFailure) in entry[keyPath: field] = text },
            clear: { $0[keyPath: field] = nil },
            write: { $0[keyPath: field] ?? "" })
    }

    private static func remedyMinutes(_ remedy: Remedy, _ description: String, _ example: String) -> DiaryColumn {
        DiaryColumn(
            name: "\(remedy.rawValue)_min", type: "whole number", unit: "minutes", allowed: "0-600",
            description: description, example: example,
            read: { (entry: inout DiaryEntry, text: String) throws(FieldFailure) in
                let minutes = try DiaryValues.whole(text, in: 0...600)
                entry.remedies[remedy, default: RemedyUse()].minutes = minutes
            },
            clear: { entry in
                entry.remedies[remedy]?.minutes = nil
                if entry.remedies[remedy] == RemedyUse() { entry.remedies[remedy] = nil }
            },
            write: { $0.remedies[remedy]?.minutes.map(String.init) ?? "" })
    }

    private static func remedyTime(_ remedy: Remedy, _ description: String, _ example: String) -> DiaryColumn {
        DiaryColumn(
            name: "\(remedy.rawValue)_time", type: "clock time HH:MM", unit: "",
            allowed: "00:00-23:59 (24-hour; H:MM accepted)", description: description, example: example,
            read: { (entry: inout DiaryEntry, text: String) throws(FieldFailure) in
                let time = try DiaryValues.clock(text)
                entry.remedies[remedy, default: RemedyUse()].time = time
            },
            clear: { entry in
                entry.remedies[remedy]?.time = nil
                if entry.remedies[remedy] == RemedyUse() { entry.remedies[remedy] = nil }
            },
            write: { $0.remedies[remedy]?.time?.description ?? "" })
    }
}

extension DiaryEntry {
    /// Sets one field from its text, exactly as the CSV import reads a cell: surrounding white space is trimmed,
    /// and blank text clears the field (except `date`, which is required).
    ///
    /// - Parameters:
    ///   - column: a column name from `DiaryColumn.all` (case-insensitive), e.g. `caffeine_cups`.
    ///   - text: the value as it would be written in the CSV, e.g. `2`.
    /// - Throws: `DiaryValueError` naming the column, the text found and what was expected; the entry is
    ///   unchanged then.
    public mutating func set(_ column: String, to text: String) throws(DiaryValueError) {
        guard let definition = DiaryColumn.named(column) else {
            var expected = "a diary column name"
            if let near = DiaryColumn.nearestName(to: column) { expected += " (did you mean '\(near)'?)" }
            throw DiaryValueError(column: column, found: column, expected: expected, kind: .unknownColumn)
        }
        try set(definition, to: text)
    }

    /// The field's text as written to CSV, "" when not recorded or when `column` is not a diary column.
    public func text(of column: String) -> String {
        DiaryColumn.named(column)?.write(self) ?? ""
    }

    mutating func set(_ column: DiaryColumn, to text: String) throws(DiaryValueError) {
        let value = DiaryValues.canonicalText(text)
        var updated = self
        do {
            if value.isEmpty {
                try column.clear(&updated)
            } else {
                try column.read(&updated, value)
            }
        } catch {
            throw DiaryValueError(column: column.name, found: error.found ?? value, expected: error.expected, kind: error.kind)
        }
        self = updated
    }
}

extension DiaryColumn {
    /// The known column name nearest to `name` when it is within edit distance 2, else nil.
    static func nearestName(to name: String) -> String? {
        let key = Array(name.lowercased())
        var best: (name: String, distance: Int)?
        for column in all {
            let distance = editDistance(key, Array(column.name))
            if distance <= 2, distance < (best?.distance ?? Int.max) { best = (column.name, distance) }
        }
        return best?.name
    }

    /// Levenshtein distance.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
