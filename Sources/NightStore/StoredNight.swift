import Foundation
import LegMovementScoring
import ScoreExport
import SleepDiary

/// Where a night's figures came from: one recording (a sensor night, an EDF/CSV file) or one event table.
public struct RecordingInfo: Sendable, Equatable {
    /// Identifies the recording across runs: replaying or rescoring the same recording finds the same row.
    public var sourceKey: String
    public var fileName: String
    /// plmrec, edf, csv, tsv, edf+ …
    public var format: String
    /// Start of the recording, µs since the Unix epoch, when the file says.
    public var startUnixMicroseconds: Int64?
    public var sampleRateHz: Double?
    public var sensors: [StoredSensor]

    public init(
        sourceKey: String, fileName: String, format: String, startUnixMicroseconds: Int64? = nil,
        sampleRateHz: Double? = nil, sensors: [StoredSensor] = []
    ) {
        self.sourceKey = sourceKey
        self.fileName = fileName
        self.format = format
        self.startUnixMicroseconds = startUnixMicroseconds
        self.sampleRateHz = sampleRateHz
        self.sensors = sensors
    }
}

/// A sensor seen in a recording: its serial number and the leg it was on.
public struct StoredSensor: Sendable, Equatable {
    public var serial: String
    /// left, right or unknown.
    public var side: String
    public var firmware: String?

    public init(serial: String, side: String, firmware: String? = nil) {
        self.serial = serial
        self.side = side
        self.firmware = firmware
    }
}

/// One leg movement as stored and exported.
public struct StoredEvent: Sendable, Equatable {
    public var onsetSeconds: Double
    public var durationSeconds: Double
    public var side: String
    public var components: Int
    public var isCandidate: Bool
    public var isPLM: Bool
    public var seriesID: Int?
    public var imiSeconds: Double?
    public var state: String
    public var stage: String?
    public var respiratoryRelated: Bool
    public var arousal: Bool
    public var isPLMNonRespiratory: Bool?

    public init(_ m: ScoredMovement) {
        onsetSeconds = Seconds.from(m.onset)
        durationSeconds = Seconds.from(m.duration)
        side = m.side.rawValue
        components = m.components
        isCandidate = m.isCandidate
        isPLM = m.isPLM
        seriesID = m.seriesID
        imiSeconds = m.imi.map(Seconds.from)
        state = m.state.rawValue
        stage = m.stage.flatMap { $0 == .unscored ? nil : $0.rawValue }
        respiratoryRelated = m.respiratoryRelated
        arousal = m.arousal
        isPLMNonRespiratory = m.excludedFromNonRespiratory ? nil : m.isPLMNonRespiratory
    }

    public init(
        onsetSeconds: Double, durationSeconds: Double, side: String, components: Int, isCandidate: Bool,
        isPLM: Bool, seriesID: Int?, imiSeconds: Double?, state: String, stage: String?, respiratoryRelated: Bool,
        arousal: Bool, isPLMNonRespiratory: Bool?
    ) {
        self.onsetSeconds = onsetSeconds
        self.durationSeconds = durationSeconds
        self.side = side
        self.components = components
        self.isCandidate = isCandidate
        self.isPLM = isPLM
        self.seriesID = seriesID
        self.imiSeconds = imiSeconds
        self.state = state
        self.stage = stage
        self.respiratoryRelated = respiratoryRelated
        self.arousal = arousal
        self.isPLMNonRespiratory = isPLMNonRespiratory
    }
}

/// A stretch of a night for its timeline: time in bed, or a gap in one leg's data.
public struct StoredInterval: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// In bed (lights off to on, or in bed by leg posture).
        case inBed = "in_bed"
        /// No data from one leg's sensor.
        case gap
    }

    public var kind: Kind
    /// left or right for a gap; nil for time in bed.
    public var leg: String?
    /// From the start of the recording.
    public var onsetSeconds: Double
    public var endSeconds: Double

    public init(kind: Kind, leg: String? = nil, onsetSeconds: Double, endSeconds: Double) {
        self.kind = kind
        self.leg = leg
        self.onsetSeconds = onsetSeconds
        self.endSeconds = endSeconds
    }
}

/// The figures of a night that the store keeps as columns (for listing, export and correlation). Everything
/// else of summary.json is kept too, as the summary itself and as named figures.
public struct NightFigures: Sendable, Equatable {
    public var rulesProfile: String
    public var recordingHours: Double
    public var inBedHours: Double?
    public var sleepHours: Double?
    /// sleep, in_bed or recording: what `plmIndex` is per hour of.
    public var plmIndexBasis: String
    public var plmIndexHours: Double
    public var plmIndex: Double?
    public var lmCount: Int
    public var clmCount: Int
    public var plmCount: Int
    public var plmSeriesCount: Int
    public var plmsIndex: Double?
    public var plmwIndex: Double?
    /// Ferri 2006 periodicity index (share of IMIs in runs of >= 3 IMIs of 10–90 s).
    public var periodicityIndex: Double?
    /// Median IMI within PLM series (each series' IMIs between consecutive members), seconds.
    public var medianPLMIMISeconds: Double?
    public var bilateralLMCount: Int
    /// Bilateral LMs / all LMs.
    public var bilateralLMShare: Double?
    /// Hours of valid signal per leg (nil when the leg was not recorded or the input had no signal).
    public var validHoursLeft: Double?
    public var validHoursRight: Double?
    public var gapCount: Int?
    /// The data-quality findings, in words.
    public var qualityFindings: [String]

    /// The night's data quality: `ok` (no findings), `check` (findings, but the PLM index stands) or
    /// `not_usable` (no PLM index: too little valid time in bed, no time in bed found, or no sensor worn).
    public var dataQuality: String {
        if usablePLMIndex == nil { return NightFigures.notUsable }
        return qualityFindings.isEmpty ? "ok" : "check"
    }

    public static let notUsable = "not_usable"

    /// The PLM index where it measures the night: nil when there is none, or when no leg's sensor was worn (a
    /// night stored before plm withheld the index of such nights has "possibly not worn" findings for every
    /// recorded leg). What the 7-night median, the correlations and the trend use.
    public var usablePLMIndex: Double? {
        guard let plmIndex, !legsNotWorn else { return nil }
        return plmIndex
    }

    /// Every recorded leg has no data or no movement at all the whole night (its findings say so).
    public var legsNotWorn: Bool {
        var recorded: [String] = []
        if validHoursLeft != nil { recorded.append("left") }
        if validHoursRight != nil { recorded.append("right") }
        guard !recorded.isEmpty else { return false }
        return recorded.allSatisfy { leg in
            qualityFindings.contains {
                $0.hasPrefix("\(leg) leg: no data at all") || $0.hasPrefix("\(leg) leg: no movement at all")
            }
        }
    }

    /// Median of the IMIs between consecutive members of each PLM series.
    public static func medianSeriesIMI(_ events: [StoredEvent]) -> Double? {
        var imis: [Double] = []
        var lastSeries: Int? = nil
        for e in events where e.isPLM {
            if let s = e.seriesID, s == lastSeries, let imi = e.imiSeconds { imis.append(imi) }
            lastSeries = e.seriesID
        }
        guard !imis.isEmpty else { return nil }
        imis.sort()
        let n = imis.count
        return n % 2 == 1 ? imis[n / 2] : (imis[n / 2 - 1] + imis[n / 2]) / 2
    }
}

/// Everything the store keeps of one night. Built in one place (`init(report:…)`) whichever path produced the
/// night — the daemon, `plm-replay --store`, `plm score --store` — so all of them store the same thing.
public struct StoredNight: Sendable, Equatable {
    public var night: NightDate
    public var recording: RecordingInfo
    public var figures: NightFigures
    /// summary.json as written to the output folder, without the store's own correlation section.
    public var summaryJSON: String
    /// Every figure of summary.csv, by its column name.
    public var namedFigures: [(name: String, value: String)]
    public var events: [StoredEvent]
    /// Time in bed and gaps in the data, for the night's timeline.
    public var intervals: [StoredInterval]

    public static func == (a: StoredNight, b: StoredNight) -> Bool {
        a.night == b.night && a.recording == b.recording && a.figures == b.figures && a.summaryJSON == b.summaryJSON
            && a.events == b.events && a.intervals == b.intervals && a.namedFigures.map(\.name) == b.namedFigures.map(\.name)
            && a.namedFigures.map(\.value) == b.namedFigures.map(\.value)
    }

    /// `intervals`: time in bed and gaps, when the path knows them (a recording's detector; an event table's
    /// lights or in-bed annotations).
    public init(report: ScoreReport, night: NightDate, recording: RecordingInfo, intervals: [StoredInterval] = []) {
        self.night = night
        self.recording = recording
        self.intervals = intervals
        let s = report.result.summary
        events = report.result.movements.map(StoredEvent.init)
        // A recording's data quality, typed: each declared leg's valid hours, the gaps of all of them.
        let quality = report.dataQuality
        let validLeft = quality?.legs.left.map { $0.validSeconds / 3600 }
        let validRight = quality?.legs.right.map { $0.validSeconds / 3600 }
        let gaps = quality.map { $0.legs.all.reduce(0) { $0 + $1.gapCount } }
        figures = NightFigures(
            rulesProfile: report.result.rules.profile,
            recordingHours: s.recordingHours,
            inBedHours: s.inBedHours,
            sleepHours: s.sleepHours,
            plmIndexBasis: s.basis.rawValue,
            plmIndexHours: s.basisHours,
            plmIndex: s.plmIndex,
            lmCount: s.lmCount,
            clmCount: s.clmCount,
            plmCount: s.plmCount,
            plmSeriesCount: s.seriesCount,
            plmsIndex: s.plmsIndex,
            plmwIndex: s.plmwIndex,
            periodicityIndex: s.periodicityIndexFerri2006,
            medianPLMIMISeconds: NightFigures.medianSeriesIMI(events),
            bilateralLMCount: s.bilateralLMCount,
            bilateralLMShare: s.lmCount > 0 ? Double(s.bilateralLMCount) / Double(s.lmCount) : nil,
            validHoursLeft: validLeft,
            validHoursRight: validRight,
            gapCount: gaps,
            qualityFindings: report.source.warnings)
        summaryJSON = report.summaryJSON().rendered()
        namedFigures = report.summaryColumns()
    }
}
