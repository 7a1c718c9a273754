// The shared vocabulary (Leg, Microseconds, Seconds, ...) is part of the scoring API: every client of the scoring
// core speaks it, so it is re-exported rather than imported again by each of them.
@_exported import PLMVocabulary

// The scoring engine's input: what was annotated or detected during one recording, in `Microseconds` from the
// recording start (integer, so that every rule boundary is decided exactly).

/// A leg movement as annotated or detected, before the scoring rules are applied.
public struct LegMovementEvent: Sendable, Hashable {
    public var onset: Microseconds
    public var duration: Microseconds
    public var leg: Leg

    public init(onset: Microseconds, duration: Microseconds, leg: Leg) {
        self.onset = onset
        self.duration = duration
        self.leg = leg
    }

    public var end: Microseconds { onset + duration }
}

/// Sleep stage of an epoch (AASM names).
public enum SleepStage: String, Sendable, Hashable, CaseIterable {
    case wake = "W"
    case n1 = "N1"
    case n2 = "N2"
    case n3 = "N3"
    case rem = "R"
    /// Scored as unscorable, movement time, or unknown.
    case unscored = "?"

    public var state: SleepState {
        switch self {
        case .wake: return .wake
        case .n1, .n2, .n3, .rem: return .sleep
        case .unscored: return .unknown
        }
    }
}

/// Sleep or wake, as counted for PLMS and PLMW.
public enum SleepState: String, Sendable, Hashable {
    case sleep
    case wake
    case unknown
}

/// A stretch of the hypnogram (usually one 30 s epoch).
public struct StageInterval: Sendable, Hashable {
    public var onset: Microseconds
    public var duration: Microseconds
    public var stage: SleepStage

    public init(onset: Microseconds, duration: Microseconds, stage: SleepStage) {
        self.onset = onset
        self.duration = duration
        self.stage = stage
    }

    public var end: Microseconds { onset + duration }
}

/// An interval event such as an arousal or an apnea.
public struct IntervalEvent: Sendable, Hashable {
    public var onset: Microseconds
    public var duration: Microseconds

    public init(onset: Microseconds, duration: Microseconds) {
        self.onset = onset
        self.duration = duration
    }

    public var end: Microseconds { onset + duration }
}

/// Everything the scoring engine needs for one recording. Every part but the leg movements is optional:
/// an empty `stages` means no hypnogram, nil lights mean the whole recording is analysed.
public struct ScoringInput: Sendable {
    public var legMovements: [LegMovementEvent]
    public var stages: [StageInterval]
    public var arousals: [IntervalEvent]
    public var respiratoryEvents: [IntervalEvent]
    public var lightsOff: Microseconds?
    public var lightsOn: Microseconds?
    /// Time in bed, when measured (from leg posture) or annotated (`in_bed`); takes the place of the lights
    /// window, clipped to the lights when both are given. A series does not run across time out of bed.
    public var inBedIntervals: [IntervalEvent]
    /// The recording's length when the container states it (EDF+ header, a sensor recording); otherwise the
    /// end of the last event is used.
    public var recordingDuration: Microseconds?

    public init(
        legMovements: [LegMovementEvent] = [],
        stages: [StageInterval] = [],
        arousals: [IntervalEvent] = [],
        respiratoryEvents: [IntervalEvent] = [],
        lightsOff: Microseconds? = nil,
        lightsOn: Microseconds? = nil,
        inBedIntervals: [IntervalEvent] = [],
        recordingDuration: Microseconds? = nil
    ) {
        self.inBedIntervals = inBedIntervals
        self.legMovements = legMovements
        self.stages = stages
        self.arousals = arousals
        self.respiratoryEvents = respiratoryEvents
        self.lightsOff = lightsOff
        self.lightsOn = lightsOn
        self.recordingDuration = recordingDuration
    }

    /// The recording's length: stated, or the end of the last event of any kind.
    public var effectiveRecordingDuration: Microseconds {
        if let recordingDuration { return recordingDuration }
        var end: Microseconds = 0
        for lm in legMovements { end = max(end, lm.end) }
        for s in stages { end = max(end, s.end) }
        for a in arousals { end = max(end, a.end) }
        for r in respiratoryEvents { end = max(end, r.end) }
        if let lightsOff { end = max(end, lightsOff) }
        if let lightsOn { end = max(end, lightsOn) }
        for b in inBedIntervals { end = max(end, b.end) }
        return end
    }
}
