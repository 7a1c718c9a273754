import LegMovementScoring

/// A time interval of the ground truth, on one leg or (leg nil) on the whole body / both legs.
public struct TruthInterval: Sendable, Hashable {
    public var onset: Microseconds
    public var duration: Microseconds
    /// The leg concerned; nil when it concerns both legs or the whole body.
    public var leg: Leg?

    public init(onset: Microseconds, duration: Microseconds, leg: Leg? = nil) {
        self.onset = onset
        self.duration = duration
        self.leg = leg
    }

    public var end: Microseconds { onset + duration }

    func overlaps(_ onset: Microseconds, _ end: Microseconds) -> Bool { self.onset < end && onset < self.end }
}

/// Lying postures (the body's rotation about its long axis).
public enum Posture: String, Sendable, Hashable, CaseIterable {
    case supine, prone
    /// Lying on the left side (left side down).
    case leftSide = "left_side"
    /// Lying on the right side (right side down).
    case rightSide = "right_side"
}

/// Why an LM happened (for diagnostics; the scoring rules do not look at it).
public enum MovementContext: String, Sendable, Hashable {
    /// Part of a PLM episode.
    case periodic
    /// An LM more than 90 s from any other.
    case isolated
    /// One of two LMs 2–8 s apart (a short-IMI LM), in an episode or on its own.
    case shortIMI = "short_imi"
    /// A voluntary movement during a restless awake period.
    case restless
}

/// What an LM looks like to the sensor.
public enum MovementShape: String, Sendable, Hashable {
    /// A flexion (ankle dorsiflexion / knee and hip flexion) rotating the shank 5–60° and back.
    case flexion
    /// A very small slow rotation: 2–5° over 2–8 s.
    case slowSmall = "slow_small"
    /// A clonic burst: a 3–7 Hz oscillation without net rotation.
    case clonic
    /// A slow tonic dorsiflexion: 3–8° with a 1–2.5 s minimum-jerk rise (little dynamic acceleration).
    case slowDorsiflexion = "slow_dorsiflexion"
    /// A small rotation of 3–5° at an ordinary LM's speed.
    case smallRotation = "small_rotation"
    /// A flexion in side lying that swings the shank in the horizontal plane: dynamic acceleration, no tilt.
    case horizontalFlexion = "horizontal_flexion"
}

/// One simulated leg movement of one leg: the physical movement, onset = start of rotation / oscillation,
/// end = back at rest.
public struct SimulatedMovement: Sendable, Hashable {
    public var event: LegMovementEvent
    public var context: MovementContext
    public var shape: MovementShape
    /// Peak rotation of the shank relative to gravity, degrees (for a clonic burst: the oscillation's angular
    /// amplitude).
    public var peakAngleDegrees: Double
    /// Peak dynamic acceleration of a clonic burst, g; 0 for other shapes.
    public var peakAccelerationG: Double
    /// The time the shank is held at the peak angle (start of plateau .. start of return); empty for clonic bursts.
    public var plateau: TruthInterval
    /// Index into `GroundTruth.plmEpisodes` for periodic LMs (and short-IMI LMs inside an episode).
    public var episode: Int?
    /// False when the leg has no sensor, or a dropout or not-worn period overlaps the movement.
    public var observable: Bool
}

/// A turn in bed (or a smaller repositioning during a restless period): both legs roll about their own axes.
public struct PostureChange: Sendable, Hashable {
    public var interval: TruthInterval
    public var from: Posture
    public var to: Posture
    /// Each leg's rotation about its own axis, degrees: [left, right].
    public var rollDegrees: [Double]
}

/// Everything that happened in a simulated night, in microseconds from the recording start.
public struct GroundTruth: Sendable {
    /// Length of the recording.
    public var recordingDuration: Microseconds
    /// Legs with a sensor.
    public var recordedLegs: [Leg]
    /// The PLM rate per hour in bed drawn for this night (the target; the scored index is a little lower).
    public var targetPLMRatePerHour: Double
    /// Every leg movement of both legs, sorted by onset then leg.
    public var movements: [SimulatedMovement]
    /// Lying in bed (from the end of lying down to the start of sitting up).
    public var inBed: [TruthInterval]
    /// Trips out of bed during the night (from the start of sitting up to the end of lying down again).
    public var outOfBed: [TruthInterval]
    /// Turning over and smaller repositionings.
    public var postureChanges: [PostureChange]
    /// Awake in bed with irregular voluntary movements (sleep latency, final wake, after a trip, restless periods).
    public var restless: [TruthInterval]
    /// PLM episodes (first LM onset to last LM end).
    public var plmEpisodes: [TruthInterval]
    /// Dropouts: frames of the leg are NaN from `onset` (a frame time) up to `end`.
    public var gaps: [TruthInterval]
    /// A sensor lying on a table.
    public var notWorn: [TruthInterval]
    /// A bed partner's movements felt through the mattress (both legs).
    public var partnerMovements: [TruthInterval]
    /// Fan vibration periods (only felt in bed, by worn sensors).
    public var fanPeriods: [TruthInterval]
    /// The jolts of a bed partner's own periodic leg movements (both legs; also in `partnerMovements`).
    public var partnerPLMJolts: [TruthInterval] = []
    /// The sensor sliding on its strap to a new rest position (one leg each): not a leg movement.
    public var strapSlides: [TruthInterval] = []
    /// Impulsive spikes (a knock on the bed, the sensor bumped), both legs.
    public var spikes: [TruthInterval] = []

    /// Lights off for scoring: the start of the first in-bed interval.
    public var lightsOff: Microseconds { inBed.first?.onset ?? 0 }
    /// Lights on for scoring: the end of the last in-bed interval.
    public var lightsOn: Microseconds { inBed.last?.end ?? recordingDuration }

    /// All leg movements (both legs), or only those a recording could show: the leg has a sensor and no
    /// dropout or not-worn period overlaps the movement.
    public func legMovements(observableOnly: Bool = false) -> [LegMovementEvent] {
        movements.lazy.filter { !observableOnly || $0.observable }.map(\.event)
    }

    /// One leg's movements.
    public func legMovements(on leg: Leg, observableOnly: Bool = false) -> [LegMovementEvent] {
        movements.lazy.filter { $0.event.leg == leg && (!observableOnly || $0.observable) }.map(\.event)
    }

    /// The scoring engine's input: the LMs, lights off / on at the first / last in-bed time.
    public func scoringInput(observableOnly: Bool = false) -> ScoringInput {
        ScoringInput(
            legMovements: legMovements(observableOnly: observableOnly), lightsOff: lightsOff, lightsOn: lightsOn,
            recordingDuration: recordingDuration)
    }

    /// A BIDS events table: `onset\tduration\ttrial_type`, seconds with three decimals, sorted by onset then
    /// label. Labels: `LM/left`, `LM/right` (one row per movement per leg), `in_bed` (one row per in-bed
    /// interval), and the diagnostic `posture_change`, `out_of_bed`, `restless`, `plm_episode`,
    /// `partner_movement`, `gap/left`, `gap/right`, `not_worn/left`, `not_worn/right`.
    /// By default LMs that no recording could show (`SimulatedMovement.observable`) are left out.
    public func eventsTable(includeUnobservable: Bool = false) -> String {
        var rows: [(onsetMs: Int64, durationMs: Int64, label: String)] = []
        func add(_ onset: Microseconds, _ duration: Microseconds, _ label: String) {
            rows.append((milliseconds(onset), milliseconds(onset + duration) - milliseconds(onset), label))
        }
        func legName(_ leg: Leg?) -> String { leg == .right ? "right" : "left" }
        for m in movements where includeUnobservable || m.observable {
            add(m.event.onset, m.event.duration, "LM/" + legName(m.event.leg))
        }
        for i in inBed { add(i.onset, i.duration, "in_bed") }
        for i in outOfBed { add(i.onset, i.duration, "out_of_bed") }
        for p in postureChanges { add(p.interval.onset, p.interval.duration, "posture_change") }
        for i in restless { add(i.onset, i.duration, "restless") }
        for i in plmEpisodes { add(i.onset, i.duration, "plm_episode") }
        for i in partnerMovements { add(i.onset, i.duration, "partner_movement") }
        for i in strapSlides { add(i.onset, i.duration, "strap_slide/" + legName(i.leg ?? .left)) }
        for i in spikes { add(i.onset, i.duration, "spike") }
        for i in gaps {
            if let leg = i.leg {
                add(i.onset, i.duration, "gap/" + legName(leg))
            } else {
                add(i.onset, i.duration, "gap/left")
                add(i.onset, i.duration, "gap/right")
            }
        }
        for i in notWorn { add(i.onset, i.duration, "not_worn/" + legName(i.leg)) }
        rows.sort {
            ($0.onsetMs, $0.label, $0.durationMs) < ($1.onsetMs, $1.label, $1.durationMs)
        }
        var out = "onset\tduration\ttrial_type\n"
        out.reserveCapacity(rows.count * 28 + 32)
        for r in rows {
            out += formatMilliseconds(r.onsetMs)
            out += "\t"
            out += formatMilliseconds(r.durationMs)
            out += "\t"
            out += r.label
            out += "\n"
        }
        return out
    }
}

/// Microseconds to whole milliseconds, rounding half away from zero.
func milliseconds(_ us: Microseconds) -> Int64 {
    us >= 0 ? (us + 500) / 1000 : -((-us + 500) / 1000)
}

/// Whole milliseconds as seconds with three decimals.
func formatMilliseconds(_ ms: Int64) -> String {
    let sign = ms < 0 ? "-" : ""
    let a = ms.magnitude
    let frac = a % 1000
    let fracText = frac < 10 ? "00\(frac)" : frac < 100 ? "0\(frac)" : "\(frac)"
    return "\(sign)\(a / 1000).\(fracText)"
}
