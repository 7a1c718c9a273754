/// A leg sensation of restless legs syndrome, as patients describe it (column `sensations`).
public enum Sensation: String, CaseIterable, Sendable, Codable {
    case aching, tugging, twitching, itching, tingling
    /// Written `shock_like`; `shock-like` and `shock like` are accepted on input.
    case shockLike = "shock_like"
    case tightening, crawling
}

/// How hard the day's exercise was (column `exercise_intensity`).
public enum ExerciseIntensity: String, CaseIterable, Sendable, Codable {
    case light, moderate, vigorous
}

/// A non-drug remedy used in the evening or night. Each has a `<remedy>_min` and a `<remedy>_time` column.
public enum Remedy: String, CaseIterable, Sendable, Codable {
    /// A lukewarm bath.
    case bath
    /// A leg massage.
    case massage
    /// Pneumatic compression of the legs.
    case compression
    /// Stretching.
    case stretching
}

/// One medication taken for the night, e.g. `ropinirole 0.25 mg 21:00`.
public struct Medication: Sendable, Hashable, Codable {
    /// The name, lowercased, words separated by single spaces (e.g. `ropinirole`, `vitamin d`).
    public var name: String
    /// The dose in milligrams (doses written in mcg, ug, µg or g are converted), or nil when not recorded.
    public var doseMg: Double?
    /// The clock time it was taken, or nil when not recorded.
    public var time: ClockTime?

    /// A medication entry; the name is stored as given (the CSV reader lowercases it).
    public init(name: String, doseMg: Double? = nil, time: ClockTime? = nil) {
        self.name = name
        self.doseMg = doseMg
        self.time = time
    }
}

/// How a remedy was used: minutes and clock time, either of which may be unrecorded.
public struct RemedyUse: Sendable, Hashable, Codable {
    /// Minutes spent, 0-600, or nil when not recorded.
    public var minutes: Int?
    /// The clock time it started, or nil when not recorded.
    public var time: ClockTime?

    /// A remedy use.
    public init(minutes: Int? = nil, time: ClockTime? = nil) {
        self.minutes = minutes
        self.time = time
    }
}

/// One night of the self-reported diary. Every field but `night` may be unrecorded (nil or empty).
///
/// The CSV column of each field is given in its comment; `DiaryColumn.all` holds the allowed values. Free-text
/// fields read from CSV or set with `set(_:to:)` are trimmed and use `\n` line breaks; an empty text is nil.
public struct DiaryEntry: Sendable, Hashable {
    /// The night, labelled by the date of its evening (`date`).
    public var night: NightDate

    // MARK: Consensus Sleep Diary (Carney et al. 2012)

    /// Time got into bed (`bed_time`).
    public var bedTime: ClockTime?
    /// Time tried to go to sleep (`lights_out_time`).
    public var lightsOutTime: ClockTime?
    /// Minutes to fall asleep, 0-600 (`sleep_latency_min`).
    public var sleepLatencyMinutes: Int?
    /// Number of awakenings, 0-50 (`awakenings`).
    public var awakenings: Int?
    /// Total minutes awake after first falling asleep, 0-900 (`awake_min`).
    public var awakeMinutes: Int?
    /// Time of the final awakening (`final_wake_time`).
    public var finalWakeTime: ClockTime?
    /// Time got out of bed for the day (`out_of_bed_time`).
    public var outOfBedTime: ClockTime?
    /// Sleep quality, 1 very poor .. 5 very good (`sleep_quality`).
    public var sleepQuality: Int?

    // MARK: Triggers

    /// Cups of caffeinated drinks during the day, 0-20 (`caffeine_cups`).
    public var caffeineCups: Int?
    /// Time of the last caffeinated drink (`caffeine_last_time`).
    public var caffeineLastTime: ClockTime?
    /// Standard alcoholic drinks, 0-20, halves allowed (`alcohol_drinks`).
    public var alcoholDrinks: Double?
    /// Any nicotine during the day (`nicotine`).
    public var nicotine: Bool?
    /// Minutes of exercise, 0-600 (`exercise_min`).
    public var exerciseMinutes: Int?
    /// Kind of exercise, free text (`exercise_type`).
    public var exerciseType: String?
    /// Intensity of the exercise (`exercise_intensity`).
    public var exerciseIntensity: ExerciseIntensity?
    /// Time the exercise started (`exercise_time`).
    public var exerciseTime: ClockTime?

    // MARK: Iron

    /// Elemental iron taken as a supplement, mg, 0-1000 (`iron_mg`).
    public var ironDoseMg: Double?
    /// Time the iron was taken (`iron_time`).
    public var ironTime: ClockTime?
    /// Serum ferritin, ng/mL, 0-5000 (`ferritin_ng_ml`), from the lab test of `ironLabDate`.
    public var ferritin: Double?
    /// Transferrin saturation, %, 0-100 (`tsat_percent`).
    public var transferrinSaturation: Double?
    /// Date of the blood test the iron labs come from (`iron_lab_date`).
    public var ironLabDate: NightDate?

    // MARK: Medicines and remedies

    /// Medications taken for the night, in the order written (`medications`).
    public var medications: [Medication]
    /// Non-drug remedies used (`bath_min`, `bath_time`, `massage_min`, ... `stretching_time`).
    public var remedies: [Remedy: RemedyUse]

    // MARK: Symptoms

    /// Evening RLS severity, 0 none .. 10 worst (`symptom_severity`).
    public var symptomSeverity: Int?
    /// The clock time symptoms started (`symptom_onset_time`); onset creeping earlier is a sign of augmentation.
    public var symptomOnsetTime: ClockTime?
    /// Sensations felt (`sensations`).
    public var sensations: Set<Sensation>
    /// MS extensor spasms that night (`ms_spasms`).
    public var msSpasms: Bool?
    /// MS dysesthesia (burning, painful abnormal sensation) that night (`ms_dysesthesia`).
    public var msDysesthesia: Bool?
    /// Fatigue, 0 none .. 10 worst (`fatigue`).
    public var fatigue: Int?
    /// IRLS total score, 0-40, usually weekly (`irls_total`).
    public var irlsTotal: Int?
    /// Free-text notes (`notes`).
    public var notes: String?

    /// An entry for `night` with nothing recorded.
    public init(night: NightDate) {
        self.night = night
        self.medications = []
        self.remedies = [:]
        self.sensations = []
    }

    /// This entry updated with `newer`: every field recorded in `newer` replaces ours; unrecorded (nil) fields keep
    /// ours. Medications, sensations and remedies are replaced as a whole when `newer`'s are non-empty. The night
    /// stays ours.
    public func merging(_ newer: DiaryEntry) -> DiaryEntry {
        var m = self
        m.bedTime = newer.bedTime ?? bedTime
        m.lightsOutTime = newer.lightsOutTime ?? lightsOutTime
        m.sleepLatencyMinutes = newer.sleepLatencyMinutes ?? sleepLatencyMinutes
        m.awakenings = newer.awakenings ?? awakenings
        m.awakeMinutes = newer.awakeMinutes ?? awakeMinutes
        m.finalWakeTime = newer.finalWakeTime ?? finalWakeTime
        m.outOfBedTime = newer.outOfBedTime ?? outOfBedTime
        m.sleepQuality = newer.sleepQuality ?? sleepQuality
        m.caffeineCups = newer.caffeineCups ?? caffeineCups
        m.caffeineLastTime = newer.caffeineLastTime ?? caffeineLastTime
        m.alcoholDrinks = newer.alcoholDrinks ?? alcoholDrinks
        m.nicotine = newer.nicotine ?? nicotine
        m.exerciseMinutes = newer.exerciseMinutes ?? exerciseMinutes
        m.exerciseType = newer.exerciseType ?? exerciseType
        m.exerciseIntensity = newer.exerciseIntensity ?? exerciseIntensity
        m.exerciseTime = newer.exerciseTime ?? exerciseTime
        m.ironDoseMg = newer.ironDoseMg ?? ironDoseMg
        m.ironTime = newer.ironTime ?? ironTime
        m.ferritin = newer.ferritin ?? ferritin
        m.transferrinSaturation = newer.transferrinSaturation ?? transferrinSaturation
        m.ironLabDate = newer.ironLabDate ?? ironLabDate
        if !newer.medications.isEmpty { m.medications = newer.medications }
        if !newer.remedies.isEmpty { m.remedies = newer.remedies }
        m.symptomSeverity = newer.symptomSeverity ?? symptomSeverity
        m.symptomOnsetTime = newer.symptomOnsetTime ?? symptomOnsetTime
        if !newer.sensations.isEmpty { m.sensations = newer.sensations }
        m.msSpasms = newer.msSpasms ?? msSpasms
        m.msDysesthesia = newer.msDysesthesia ?? msDysesthesia
        m.fatigue = newer.fatigue ?? fatigue
        m.irlsTotal = newer.irlsTotal ?? irlsTotal
        m.notes = newer.notes ?? notes
        return m
    }
}
