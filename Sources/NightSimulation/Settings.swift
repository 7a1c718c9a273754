import LegMovementScoring

/// Full scale of the simulated LIS3DH-like accelerometer.
public enum SensorRange: Int, Sendable, CaseIterable {
    case g2 = 2, g4 = 4, g8 = 8, g16 = 16

    /// Full scale, g: samples beyond ± this are clipped.
    public var fullScaleG: Double { Double(rawValue) }
    /// One step of the 12-bit output, g: full scale / 2048 (±2 g: 0.977 mg, ±4 g: 1.953 mg). The sensor delivers
    /// the 12-bit value left-justified in 16 bits, so a raw count is a multiple of 16 and
    /// g = raw × range / 32768 = (raw / 16) × quantum (docs/protocol.md, "Sample values").
    public var quantumG: Double { fullScaleG / 2048 }
}

/// Where the sensor is strapped. Both placements are on the distal shank, so both see the shank's rotation;
/// they differ by a fixed rotation from the leg frame to the sensor frame (docs/simulator.md, "Frames").
public enum SensorPlacement: String, Sendable, CaseIterable {
    /// Just above the lateral malleolus, the sensor's face pointing laterally (x along the shank towards the knee).
    case lateralAnkle = "lateral_ankle"
    /// On the front of the distal shin, the sensor's face pointing anteriorly (x along the shank towards the knee).
    case anteriorShin = "anterior_shin"
}

/// How much periodic leg movement activity a night has (`PLMActivity.preset`).
public enum Severity: String, Sendable, CaseIterable {
    /// No PLM episodes: only isolated LMs, short-IMI doublets and awake restless movements.
    case none
    /// About 5–10 PLM per hour in bed.
    case mild
    /// About 15–30 PLM per hour in bed.
    case moderate
    /// About 40–60 PLM per hour in bed.
    case severe
}

/// The sensor's error model (docs/simulator.md, "Sensor"). Defaults follow the LIS3DH datasheet where it
/// gives a figure and typical in-circuit behaviour where it does not.
public struct SensorModel: Sendable, Equatable {
    /// White noise density, µg/√Hz; the RMS per axis is density × √(rate / 2)
    /// (400 µg/√Hz: 2.8 mg at 100 Hz, 2.0 mg at 50 Hz).
    public var noiseDensityMicroG: Double = 400
    /// Standard deviation of the residual zero-g offset per axis after calibration, mg.
    public var offsetSDMilliG: Double = 20
    /// Standard deviation of the sensitivity (gain) error per axis, fraction (0.01 = 1 %).
    public var gainErrorSD: Double = 0.01
    /// Standard deviation of the zero-g temperature coefficient per axis, mg/°C (datasheet: ±0.5 mg/°C).
    public var thermalCoefficientSDMilliG: Double = 0.5
    /// Sensor warming above room temperature while strapped on a leg under the covers, °C.
    public var warmingInBed: Double = 5
    /// Sensor warming above room temperature while strapped on an upright leg, °C.
    public var warmingUpright: Double = 2
    /// First-order thermal time constant of the strapped sensor, minutes.
    public var thermalTimeConstantMinutes: Double = 40
    /// Standard deviation of the random mounting rotation about each axis, per leg per night, degrees.
    public var mountingJitterDegrees: Double = 6
    /// Warm-up after strapping on: the sensor warms from room to skin temperature (ΔT drawn in 8–14 °C) with
    /// a time constant drawn from `warmUpMinutes`; its zero-g offset follows with a coefficient per axis of
    /// normal SD `warmUpCoefficientSDMilliG` mg/°C (MEMS zero-g temperature coefficients: ±0.5 mg/°C typical,
    /// ±1–1.5 mg/°C for others; the settling after power-up adds to it). 0: no warm-up transient.
    public var warmUpCoefficientSDMilliG: Double = 0
    /// Time constant of the warm-up, minutes (uniform).
    public var warmUpMinutes: ClosedRange<Double> = 15...40

    public init() {}

    /// A perfect sensor (noise, offsets, gain and thermal errors and mounting jitter all zero): quantisation
    /// and clipping remain. For tests of the geometry.
    public static var ideal: SensorModel {
        var m = SensorModel()
        m.noiseDensityMicroG = 0
        m.offsetSDMilliG = 0
        m.gainErrorSD = 0
        m.thermalCoefficientSDMilliG = 0
        m.mountingJitterDegrees = 0
        return m
    }
}

/// Which legs the LMs of a PLM episode are on (relative weights, drawn once per episode).
public struct Laterality: Sendable, Equatable {
    /// Every LM on the left leg.
    public var left: Double = 0.2
    /// Every LM on the right leg.
    public var right: Double = 0.2
    /// Successive LMs alternate between the legs.
    public var alternating: Double = 0.15
    /// Every LM on both legs, onsets less than 0.35 s apart (so they combine into one bilateral LM).
    public var bilateral: Double = 0.25
    /// Each LM is left, right or bilateral at random (40 / 40 / 20 %).
    public var mixed: Double = 0.2

    public init() {}
    var weights: [Double] { [left, right, alternating, bilateral, mixed] }
}

/// The leg movements of a night (docs/simulator.md, "Leg movements").
public struct PLMActivity: Sendable, Equatable {
    /// Target PLM count per hour in bed; one value is drawn uniformly per night. `0...0`: no PLM episodes.
    public var plmRatePerHour: ClosedRange<Double> = 0...0
    /// Median inter-movement interval (onset to onset) inside PLM episodes, s.
    public var medianIMISeconds: Double = 26
    /// Log-standard deviation of the IMI around its episode's median.
    public var imiLogSD: Double = 0.25
    /// Log-standard deviation of an episode's median IMI around `medianIMISeconds`.
    public var episodeIMILogSD: Double = 0.1
    /// Median length of a PLM episode, minutes (log-normal, log-SD 0.7).
    public var episodeMedianMinutes: Double = 12
    /// Shortest and longest PLM episode, minutes.
    public var episodeMinutes: ClosedRange<Double> = 3...60
    /// Isolated LMs (more than 90 s from any other LM) per hour of sleep.
    public var isolatedLMsPerHour: Double = 3
    /// Short-IMI doublets (two LMs 2–8 s apart, isolated from others) per hour of sleep.
    public var shortIMIDoubletsPerHour: Double = 0.5
    /// Probability that an LM of a PLM episode is followed 2–8 s later by an extra LM (which breaks the series).
    public var shortIMIInEpisodeFraction: Double = 0.02
    /// Laterality of PLM episodes.
    public var laterality = Laterality()
    /// Median peak rotation of a (flexion) LM relative to gravity, degrees (log-normal, kept in 5–40°).
    public var medianAngleDegrees: Double = 14
    /// Median duration of a (flexion) LM, s (log-normal, kept in 0.5–10 s).
    public var medianDurationSeconds: Double = 2
    /// Fraction of LMs that last 10–15 s (LMs, but not PLM candidates).
    public var longLMFraction: Double = 0.01
    /// Fraction of LMs that are very small slow rotations (2–5° over 2–8 s).
    public var slowSmallFraction: Double = 0.08
    /// Fraction of LMs that are clonic bursts (3–7 Hz oscillation without net rotation, 0.5–3 s).
    public var clonicFraction: Double = 0.05
    /// Fraction of the flexion LMs (of PLM episodes, isolated LMs and doublets; not restless movements) that
    /// are slow tonic dorsiflexions instead (`MovementShape.slowDorsiflexion`; docs/simulator.md). Chosen and
    /// drawn from random streams of their own, so 0 leaves every other part of the night unchanged.
    public var slowDorsiflexionFraction: Double = 0
    /// Fraction of the flexion LMs that are small rotations of 3–5° at ordinary speed
    /// (`MovementShape.smallRotation`).
    public var smallRotationFraction: Double = 0
    /// Peak angle of the small rotations, degrees (uniform).
    public var smallRotationDegrees: ClosedRange<Double> = 3...5
    /// Rise time of the small rotations, s (uniform; the return takes as long again, held 0–1 s between);
    /// nil: an ordinary LM's timing (duration log-normal around 2 s, rise 20–45 %). For detection-limit curves.
    public var smallRotationRiseSeconds: ClosedRange<Double>? = nil
    /// Fraction of the flexion LMs that are side-lying flexions: the shank swings in the horizontal plane, so
    /// the sensor sees dynamic acceleration and hardly any tilt (`MovementShape.horizontalFlexion`).
    public var horizontalFlexionFraction: Double = 0

    public init() {}

    /// The activity of a severity class. The PLM rates are drawn from slightly inside the class bounds, so the
    /// scored index (which loses a few LMs to posture changes and series breaks) lands within them.
    public static func preset(_ severity: Severity) -> PLMActivity {
        var a = PLMActivity()
        switch severity {
        case .none:
            a.plmRatePerHour = 0...0
            a.isolatedLMsPerHour = 3
        case .mild:
            a.plmRatePerHour = 6...9.5
            a.medianIMISeconds = 28
            a.isolatedLMsPerHour = 4
        case .moderate:
            a.plmRatePerHour = 17...28.5
            a.medianIMISeconds = 25
            a.isolatedLMsPerHour = 5
        case .severe:
            a.plmRatePerHour = 43...58.5
            a.medianIMISeconds = 22
            a.isolatedLMsPerHour = 5
            a.episodeMedianMinutes = 20
        }
        return a
    }
}

/// The night's behaviour apart from leg movements (docs/simulator.md, "The night").
public struct Behaviour: Sendable, Equatable {
    /// Upright (standing, walking, sitting) before going to bed, minutes.
    public var minutesUprightBeforeBed: ClosedRange<Double> = 5...20
    /// Upright after the final getting up, minutes.
    public var minutesUprightAfterBed: ClosedRange<Double> = 5...20
    /// Awake in bed after lying down (sleep latency), minutes.
    public var sleepLatencyMinutes: ClosedRange<Double> = 5...30
    /// Awake in bed before the final getting up, minutes.
    public var finalWakeMinutes: ClosedRange<Double> = 5...20
    /// Trips out of bed during the night (only in nights of 2 h or more in bed).
    public var outOfBedTrips: ClosedRange<Int> = 0...2
    /// Length of a trip out of bed, minutes (sitting up to lying down again).
    public var tripMinutes: ClosedRange<Double> = 2...10
    /// Restless awake periods in the middle of the night.
    public var restlessPeriods: ClosedRange<Int> = 1...3
    /// Length of a restless period, minutes.
    public var restlessMinutes: ClosedRange<Double> = 2...15
    /// Time between turning over while asleep, minutes (uniform).
    public var minutesBetweenTurns: ClosedRange<Double> = 15...60
    /// Whether the voluntary movements of restless awake periods are ground-truth LMs (as a PSG scorer would
    /// score them from tibialis EMG: a leg movement of 0.5–10 s is an LM awake or asleep).
    public var restlessMovementsAreLMs: Bool = true

    public init() {}
}

/// A fan or motor vibrating the bed (docs/simulator.md, "Vibration").
public struct FanVibration: Sendable, Equatable {
    /// The motor's vibration frequency is drawn from this range, Hz (ceiling fans 25–50 Hz at the rotor's
    /// electrical/mechanical harmonics; a 25 Hz recording aliases all of it).
    public var frequencyHz: ClosedRange<Double> = 25...50
    /// Peak amplitude at the ankle, mg.
    public var amplitudeMilliG: Double = 6
    /// Amplitude of the second harmonic relative to the fundamental.
    public var harmonic: Double = 0.3
    /// On for the whole time in bed; otherwise 1–3 periods of 30–180 min.
    public var wholeNight: Bool = false
    /// The motor's speed wanders: the frequency swings by ± this fraction (a mains-fed fan under changing load,
    /// a speed controller hunting), sinusoidally with a period drawn in 2–10 min. 0: a steady speed.
    public var wanderFraction: Double = 0

    public init() {}
}

/// A bed partner's own periodic leg movements, felt as jolts of the mattress at the sleeper's ankles
/// (docs/simulator.md, "Disturbances"). Episodes and intervals follow the published PLM statistics (Ferri et al.
/// 2006: inter-movement intervals 10–90 s with a mode near 20–40 s; episodes of minutes to an hour); the jolt
/// is the acceleration of a mattress pressed down and released by the partner's leg: mostly along gravity,
/// the same waveform at both ankles, no rotation of the sleeper's shank.
public struct PartnerPLM: Sendable, Equatable {
    /// Episodes per night (uniform).
    public var episodes: ClosedRange<Int> = 2...5
    /// Median episode length, minutes (log-normal, log-SD 0.5, kept in 3–40 min).
    public var episodeMedianMinutes: Double = 12
    /// Median IMI of the partner's movements, s (per episode uniform in this range; log-SD 0.25 around it,
    /// kept in 10–90 s).
    public var medianIMISeconds: ClosedRange<Double> = 18...35
    /// Peak acceleration of a jolt at the ankle, mg (log-uniform): a mattress pressed by a few millimetres
    /// within a second (a = 2d/T²: 3 mm in 0.4 s is about 4 mg, 10 mm in 0.3 s about 20 mg).
    public var peakMilliG: ClosedRange<Double> = 3...25
    /// Duration of a jolt, s (log-normal, median 1.5 s, kept in this range): the partner's LM (WASM: 0.5–10 s).
    public var durationSeconds: ClosedRange<Double> = 0.5...5
    public init() {}
}

/// Things that are not leg movements, which a detector must survive (docs/simulator.md, "Disturbances").
public struct Disturbances: Sendable, Equatable {
    /// A bed partner's movements transmitted through the mattress, per hour in bed (0: no partner).
    public var partnerMovementsPerHour: Double = 0
    /// A fan or motor vibrating the bed; nil: none.
    public var fan: FanVibration? = nil
    /// Sensor dropouts (NaN gaps) per night.
    public var dropouts: Int = 0
    /// Median dropout length, s (log-normal, log-SD 1.2, kept in 1 s – 10 min).
    public var dropoutMedianSeconds: Double = 8
    /// Periods when one sensor is not worn (lying on a table). The first starts with the recording (the
    /// device was started before it was strapped on); further ones are in bed.
    public var notWornPeriods: Int = 0
    /// Length of a not-worn period, minutes.
    public var notWornMinutes: ClosedRange<Double> = 2...20
    /// A bed partner with periodic leg movements of their own, whose jolts reach the sleeper's legs through the
    /// mattress; nil: none.
    public var partnerPLM: PartnerPLM? = nil
    /// Times per night the sensor slides on its strap to a new rest position and stays there (in bed).
    public var strapSlides: Int = 0
    /// Impulsive spikes per hour in bed (a knock on the bed frame, the sensor's case bumped): 2–10 ms, 0.1–1 g.
    public var spikesPerHour: Double = 0

    public init() {}

    /// No disturbances at all.
    public static var none: Disturbances { Disturbances() }

    /// What an ordinary home night has: a partner, two short dropouts, one sensor started before strapping on.
    public static var typical: Disturbances {
        var d = Disturbances()
        d.partnerMovementsPerHour = 3
        d.dropouts = 2
        d.notWornPeriods = 1
        return d
    }

    /// Everything at once and more of it.
    public static var challenging: Disturbances {
        var d = Disturbances()
        d.partnerMovementsPerHour = 8
        var fan = FanVibration()
        fan.wholeNight = true
        fan.amplitudeMilliG = 10
        d.fan = fan
        d.dropouts = 5
        d.dropoutMedianSeconds = 20
        d.notWornPeriods = 2
        return d
    }
}

/// Every knob of a simulated night. Same settings (including `seed`) give the same night bit for bit.
public struct SimulationSettings: Sendable, Equatable {
    public var seed: UInt64
    /// Time in bed, hours: from the first lying down to the last getting up (trips out of bed included).
    public var hoursInBed: Double = 8
    /// Frames per second, Hz (25–200).
    public var sampleRate: Double = 100
    /// Legs with a sensor; the other leg's channels are NaN.
    public var legs: [Leg] = [.left, .right]
    public var range: SensorRange = .g4
    public var placement: SensorPlacement = .lateralAnkle
    public var sensor = SensorModel()
    public var activity: PLMActivity
    public var behaviour = Behaviour()
    public var disturbances = Disturbances()

    public init(seed: UInt64, severity: Severity = .moderate) {
        self.seed = seed
        self.activity = .preset(severity)
    }

    /// A typical home night: both legs, 100 Hz, ±4 g, a bed partner, two dropouts, one sensor strapped on late.
    public static func typical(seed: UInt64, severity: Severity = .moderate) -> SimulationSettings {
        var s = SimulationSettings(seed: seed, severity: severity)
        s.disturbances = .typical
        return s
    }

    /// The physiology only: no partner, fan, dropouts or unworn sensor (trips, turning over and restless
    /// periods remain).
    public static func clean(seed: UInt64, severity: Severity = .moderate) -> SimulationSettings {
        SimulationSettings(seed: seed, severity: severity)
    }

    /// A hard night: 11 h in bed at 50 Hz, ±2 g, every disturbance (a fan all night, an active partner,
    /// long dropouts, two unworn periods).
    public static func challenging(seed: UInt64, severity: Severity = .moderate) -> SimulationSettings {
        var s = SimulationSettings(seed: seed, severity: severity)
        s.hoursInBed = 11
        s.sampleRate = 50
        s.range = .g2
        s.disturbances = .challenging
        return s
    }

    /// One sensor only (on `leg`), front-of-shin placement, typical disturbances.
    public static func singleLeg(seed: UInt64, leg: Leg = .left, severity: Severity = .moderate) -> SimulationSettings {
        var s = typical(seed: seed, severity: severity)
        s.legs = [leg]
        s.placement = .anteriorShin
        return s
    }
}

/// Settings that cannot be simulated.
public struct SimulationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension SimulationSettings {
    func validate() throws(SimulationError) {
        guard sampleRate.isFinite, sampleRate >= 1, sampleRate <= 2000 else {
            throw SimulationError(message: "sample rate must be in 1...2000 Hz, got \(sampleRate)")
        }
        guard hoursInBed.isFinite, hoursInBed >= 0.25, hoursInBed <= 24 else {
            throw SimulationError(message: "hours in bed must be in 0.25...24, got \(hoursInBed)")
        }
        guard legs.allSatisfy({ $0 == .left || $0 == .right }) else {
            throw SimulationError(message: "legs must be .left and/or .right")
        }
        let a = activity
        guard a.plmRatePerHour.lowerBound >= 0, a.plmRatePerHour.upperBound <= 200 else {
            throw SimulationError(message: "PLM rate must be in 0...200 per hour")
        }
        guard a.medianIMISeconds >= 5, a.medianIMISeconds <= 120, a.imiLogSD >= 0, a.imiLogSD <= 1.5,
            a.episodeIMILogSD >= 0, a.episodeIMILogSD <= 1
        else {
            throw SimulationError(message: "median IMI must be in 5...120 s, its log-SDs in 0...1.5")
        }
        guard a.episodeMinutes.lowerBound >= 0.5, a.episodeMedianMinutes > 0 else {
            throw SimulationError(message: "PLM episodes must last at least 0.5 min")
        }
        guard a.medianAngleDegrees > 0, a.medianDurationSeconds > 0 else {
            throw SimulationError(message: "LM angle and duration must be positive")
        }
        let rates = [
            a.isolatedLMsPerHour, a.shortIMIDoubletsPerHour, disturbances.partnerMovementsPerHour,
        ]
        guard rates.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1000 }) else {
            throw SimulationError(message: "event rates must be in 0...1000 per hour")
        }
        let fractions = [
            a.shortIMIInEpisodeFraction, a.longLMFraction, a.slowSmallFraction, a.clonicFraction,
            a.slowDorsiflexionFraction, a.smallRotationFraction, a.horizontalFlexionFraction,
        ]
        guard a.smallRotationDegrees.lowerBound > 0, a.smallRotationDegrees.upperBound <= 90,
            (a.smallRotationRiseSeconds.map { $0.lowerBound >= 0.05 && $0.upperBound <= 5 } ?? true)
        else {
            throw SimulationError(message: "small rotations: 0-90 degrees, rise 0.05-5 s")
        }
        guard a.slowDorsiflexionFraction + a.smallRotationFraction + a.horizontalFlexionFraction <= 1 else {
            throw SimulationError(message: "the flexion classes' fractions must add up to at most 1")
        }
        if let q = disturbances.partnerPLM {
            guard q.episodes.lowerBound >= 0, q.episodeMedianMinutes > 0, q.medianIMISeconds.lowerBound >= 10,
                q.medianIMISeconds.upperBound <= 90, q.peakMilliG.lowerBound > 0, q.peakMilliG.upperBound <= 1000,
                q.durationSeconds.lowerBound >= 0.1, q.durationSeconds.upperBound <= 10
            else {
                throw SimulationError(message: "partner PLM settings out of range")
            }
        }
        guard disturbances.strapSlides >= 0, disturbances.strapSlides <= 100,
            disturbances.spikesPerHour.isFinite, disturbances.spikesPerHour >= 0, disturbances.spikesPerHour <= 1000
        else {
            throw SimulationError(message: "strap slides must be in 0...100, spikes in 0...1000 per hour")
        }
        guard fractions.allSatisfy({ $0 >= 0 && $0 <= 1 }), a.slowSmallFraction + a.clonicFraction <= 1 else {
            throw SimulationError(message: "fractions must be in 0...1")
        }
        guard behaviour.outOfBedTrips.lowerBound >= 0, behaviour.restlessPeriods.lowerBound >= 0,
            behaviour.minutesBetweenTurns.lowerBound >= 1, behaviour.tripMinutes.lowerBound >= 1.5
        else {
            throw SimulationError(message: "behaviour ranges out of bounds")
        }
        guard disturbances.dropouts >= 0, disturbances.notWornPeriods >= 0, disturbances.dropoutMedianSeconds > 0
        else {
            throw SimulationError(message: "disturbance counts must be non-negative")
        }
        let s = sensor
        guard [s.noiseDensityMicroG, s.offsetSDMilliG, s.gainErrorSD, s.thermalCoefficientSDMilliG,
               s.mountingJitterDegrees, s.warmUpCoefficientSDMilliG].allSatisfy({ $0.isFinite && $0 >= 0 }),
            s.thermalTimeConstantMinutes > 0, s.warmUpMinutes.lowerBound > 0
        else {
            throw SimulationError(message: "sensor error figures must be non-negative")
        }
    }
}
