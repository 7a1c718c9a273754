import Foundation
import ScoreExport
import SleepDiary

/// The store as CSV files for spreadsheets and statistics programs: one row per night (figures and diary), or
/// one row per leg movement. Byte-stable: fixed decimals, `\n` line ends, RFC 4180 quoting. The columns are
/// described in docs/export.md (a test keeps the two in step).
public enum NightExport {
    public struct Column: Sendable {
        public var name: String
        public var unit: String
        public var description: String
    }

    /// Decimals per kind of figure (as summary.json).
    enum Digits {
        static let hours = 4
        static let index = 3
        static let ratio = 4
        static let seconds = 3
    }

    /// The night columns before the diary's (which follow in the diary's own order, `date` left out).
    public static let nightColumns: [Column] = [
        Column(name: "night", unit: "", description: "The night, labelled by the date of its evening (YYYY-MM-DD)"),
        Column(name: "weekday", unit: "", description: "Weekday of the evening (Mon..Sun)"),
        Column(name: "recorded", unit: "", description: "yes when the store has figures for the night, no for a diary-only night"),
        Column(name: "recording_file", unit: "", description: "The recording (or event table) the figures come from"),
        Column(name: "recording_format", unit: "", description: "plmrec, edf, csv, or the event table's format"),
        Column(name: "recording_start", unit: "", description: "Start of the recording, local time of the store's time zone (ISO 8601); blank when the file does not say"),
        Column(name: "recording_hours", unit: "h", description: "Length of the recording"),
        Column(name: "in_bed_hours", unit: "h", description: "Time in bed (lights off to lights on, or in bed by leg posture)"),
        Column(name: "sleep_hours", unit: "h", description: "Total sleep time, when sleep stages were known"),
        Column(name: "lm_count", unit: "", description: "Leg movements after merging and bilateral combination"),
        Column(name: "clm_count", unit: "", description: "Candidate leg movements"),
        Column(name: "plm_count", unit: "", description: "Periodic leg movements (members of PLM series), any state"),
        Column(name: "plm_series_count", unit: "", description: "PLM series"),
        Column(name: "plm_index", unit: "/h", description: "PLM index: PLMs per hour of its basis; blank when the night has no valid basis (data_quality not_usable)"),
        Column(name: "plm_index_basis", unit: "", description: "What the PLM index is per hour of: sleep (with sleep stages), in_bed, or recording"),
        Column(name: "plm_index_hours", unit: "h", description: "Hours of the basis"),
        Column(name: "plms_index", unit: "/h", description: "PLMs in sleep per hour of sleep; blank without sleep stages"),
        Column(name: "plmw_index", unit: "/h", description: "PLMs in wake per hour of wake; blank without sleep stages"),
        Column(name: "periodicity_index", unit: "", description: "Ferri 2006 periodicity index: share of IMIs in runs of at least 3 IMIs of 10-90 s (0-1)"),
        Column(name: "median_plm_imi_s", unit: "s", description: "Median inter-movement interval between consecutive members of PLM series"),
        Column(name: "bilateral_lm_count", unit: "", description: "Leg movements combined from both legs"),
        Column(name: "bilateral_lm_share", unit: "", description: "bilateral_lm_count / lm_count (0-1)"),
        Column(name: "valid_hours_left", unit: "h", description: "Hours of valid signal from the left leg's sensor; blank when not recorded"),
        Column(name: "valid_hours_right", unit: "h", description: "Hours of valid signal from the right leg's sensor; blank when not recorded"),
        Column(name: "gap_count", unit: "", description: "Gaps in the signal, both legs"),
        Column(name: "data_quality", unit: "", description: "ok; check when the night has data-quality findings but its PLM index stands; not_usable when it has no PLM index (too little valid time in bed, none found, or no sensor worn: the findings say which)"),
        Column(name: "quality_findings", unit: "", description: "The data-quality findings in words, separated by '; '"),
        Column(name: "rules_profile", unit: "", description: "The scoring rules: wasm2016, aasm, or a profile file's name"),
        Column(name: "diary", unit: "", description: "yes when the night has a diary entry"),
    ]

    /// One row per night that has figures or a diary entry, oldest first, diary columns after the figures.
    public static func nightsCSV(nights: [NightRecord], diary: [DiaryEntry], settings: StoreSettings) -> String {
        let diaryColumns = DiaryColumn.all.filter { $0.name != "date" }
        var out = (nightColumns.map(\.name) + diaryColumns.map(\.name)).joined(separator: ",") + "\n"
        let byNight = Dictionary(nights.map { ($0.night, $0) }, uniquingKeysWith: { a, _ in a })
        let entries = Dictionary(diary.map { ($0.night, $0) }, uniquingKeysWith: { a, _ in a })
        for date in Set(byNight.keys).union(entries.keys).sorted() {
            var fields = [date.description, weekday(date)]
            if let n = byNight[date] {
                let f = n.figures
                fields += [
                    "yes", n.fileName, n.format,
                    n.startUnixMicroseconds.map { localTime($0, settings: settings) } ?? "",
                    fx(f.recordingHours, Digits.hours), fx(f.inBedHours, Digits.hours), fx(f.sleepHours, Digits.hours),
                    String(f.lmCount), String(f.clmCount), String(f.plmCount), String(f.plmSeriesCount),
                    fx(f.plmIndex, Digits.index), f.plmIndexBasis, fx(f.plmIndexHours, Digits.hours),
                    fx(f.plmsIndex, Digits.index), fx(f.plmwIndex, Digits.index), fx(f.periodicityIndex, Digits.ratio),
                    fx(f.medianPLMIMISeconds, Digits.seconds), String(f.bilateralLMCount),
                    fx(f.bilateralLMShare, Digits.ratio), fx(f.validHoursLeft, Digits.hours),
                    fx(f.validHoursRight, Digits.hours), f.gapCount.map(String.init) ?? "",
                    f.dataQuality, f.qualityFindings.joined(separator: "; "),
                    f.rulesProfile,
                ]
            } else {
                fields += ["no"] + Array(repeating: "", count: nightColumns.count - 3 - 1)
            }
            let entry = entries[date]
            fields.append(entry == nil ? "no" : "yes")
            fields += diaryColumns.map { entry?.text(of: $0.name) ?? "" }
            out += fields.map(CSVField.escape).joined(separator: ",") + "\n"
        }
        return out
    }

    public static let eventColumns: [Column] = [
        Column(name: "night", unit: "", description: "The night (date of its evening)"),
        Column(name: "number", unit: "", description: "Number of the leg movement within the night, from 1, in onset order"),
        Column(name: "onset_s", unit: "s", description: "Onset from the start of the recording"),
        Column(name: "onset_clock", unit: "", description: "Onset as local clock time HH:MM:SS; blank when the recording's start is unknown"),
        Column(name: "duration_s", unit: "s", description: "Duration"),
        Column(name: "side", unit: "", description: "L left, R right, B bilateral (combined), U side not given"),
        Column(name: "n_components", unit: "", description: "Monolateral movements combined into this one"),
        Column(name: "is_clm", unit: "", description: "1 for a candidate leg movement"),
        Column(name: "is_plm", unit: "", description: "1 for a member of a PLM series"),
        Column(name: "series_id", unit: "", description: "Number of its PLM series within the night; blank when not periodic"),
        Column(name: "imi_s", unit: "s", description: "Inter-movement interval from the previous movement's onset; blank for the first"),
        Column(name: "state", unit: "", description: "sleep, wake or unknown at onset"),
        Column(name: "stage", unit: "", description: "Sleep stage at onset (W, N1, N2, N3, R); blank when not known"),
        Column(name: "resp_related", unit: "", description: "1 when breathing-related"),
        Column(name: "arousal", unit: "", description: "1 when associated with an arousal"),
        Column(name: "is_plm_nr", unit: "", description: "1 for a PLM once breathing-related movements are removed; blank when left out"),
    ]

    /// One row per leg movement, by night and onset.
    public static func eventsCSV(
        events: [(night: NightDate, event: StoredEvent)], nights: [NightRecord], settings: StoreSettings
    ) -> String {
        var out = eventColumns.map(\.name).joined(separator: ",") + "\n"
        let starts = Dictionary(nights.map { ($0.night, $0.startUnixMicroseconds) }, uniquingKeysWith: { a, _ in a })
        var number = 0
        var current: NightDate? = nil
        func flag(_ b: Bool) -> String { b ? "1" : "0" }
        for (night, e) in events {
            if night != current {
                current = night
                number = 0
            }
            number += 1
            var clock = ""
            if let start = starts[night] ?? nil {
                let us = start + Int64((e.onsetSeconds * 1e6).rounded())
                clock = String(localTime(us, settings: settings).dropFirst(11).prefix(8))
            }
            let fields = [
                night.description, String(number), fx(e.onsetSeconds, Digits.seconds), clock,
                fx(e.durationSeconds, Digits.seconds), e.side, String(e.components), flag(e.isCandidate),
                flag(e.isPLM), e.seriesID.map(String.init) ?? "", fx(e.imiSeconds, Digits.seconds), e.state,
                e.stage ?? "", flag(e.respiratoryRelated), flag(e.arousal), e.isPLMNonRespiratory.map(flag) ?? "",
            ]
            out += fields.map(CSVField.escape).joined(separator: ",") + "\n"
        }
        return out
    }

    static func fx(_ v: Double?, _ decimals: Int) -> String {
        guard let v, v.isFinite else { return "" }
        return NumberFormat.fixed(v, decimals: decimals)
    }

    /// Mon..Sun of the night's evening.
    public static func weekday(_ d: NightDate) -> String {
        // 1970-01-01 was a Thursday.
        let names = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        return names[((d.dayNumber % 7) + 7) % 7]
    }

    /// `YYYY-MM-DDTHH:MM:SS+HH:MM` in the store's time zone.
    public static func localTime(_ unixMicroseconds: Int64, settings: StoreSettings) -> String {
        let offset = settings.utcOffset(at: unixMicroseconds)
        let local = unixMicroseconds / 1_000_000 + Int64(offset) - (unixMicroseconds % 1_000_000 < 0 ? 1 : 0)
        let day = Int((Double(local) / 86_400).rounded(.down))
        let seconds = Int(local - Int64(day) * 86_400)
        let date = NightDate(dayNumber: day)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
        let sign = offset < 0 ? "-" : "+"
        let o = abs(offset) / 60
        return "\(date)T\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))\(sign)\(two(o / 60)):\(two(o % 60))"
    }
}
