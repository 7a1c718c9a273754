import AccelerationSignal
import LegMovementScoring

/// Every parameter of the detector, in physical units, with where it comes from (docs/detector.md).
///
/// Sources:
/// - [WASM2016] Ferri R et al., Sleep Med 2016;26:86 — timing rules: an LM lasts at least 0.5 s and ends at the
///   start of at least 0.5 s of quiet.
/// - [PHYS] Sensor physics of a leg-worn accelerometer (../shared/reference/detector-and-swift-notes.md): an LM
///   rotates the sensor relative to gravity by tens of degrees over 0.5–5 s and adds small dynamic
///   acceleration; clonic bursts of 3–7 Hz without net rotation are LMs too; motors and fans vibrate at tens
///   of Hz; thermal drift is slow.
/// - [ADAPT] Yang C et al., Sleep Med 2014 (PAM-RL): fixed thresholds fail; thresholds must adapt to each
///   recording's noise floor. The Stanford detector, MATPLM and RestEaZe do so.
/// - [DESIGN] Chosen here; the reason is given with the parameter.
public struct DetectorParameters: Sendable, Equatable {
    /// Low-pass cut-off of the motion signal, Hz (2nd-order Butterworth). Keeps clonic bursts (3–7 Hz) and
    /// removes motor and fan vibration (tens of Hz) [PHYS]. Lowered to 0.4 × the sample rate when that is less.
    public var lowPassCutoff: Double = 10
    /// Low-pass cut-off of the orientation path, Hz (a second 2nd-order Butterworth after the first): the
    /// deviation from the resting orientation is measured on this slower signal, where residual vibration and
    /// sensor noise are far smaller, so slow rotations of a few degrees stand out [PHYS: LMs rotate the leg
    /// over 0.5–5 s, i.e. below 2 Hz].
    public var orientationCutoff: Double = 2
    /// Lag of the slow motion measure (the change of the orientation path over this time), whose noise floor
    /// scales the deviation thresholds, s [DESIGN: half a second, the shortest LM].
    public var orientationLag: Double = 0.5
    /// Lag of the motion measure: the change of the filtered vector over this time, s [DESIGN: 0.1 s resolves
    /// the 3–7 Hz bursts and the onset of a rotation to about a tenth of a second].
    public var motionLag: Double = 0.1
    /// Time constant with which the resting orientation follows slow drift while the leg is at rest, s
    /// [DESIGN: long against an LM (≤ 10 s), short against thermal drift (hours)].
    public var baselineTimeConstant: Double = 10
    /// Window of the adaptive noise floor: the median over this long of per-second medians of the motion
    /// measure, s [ADAPT].
    public var noiseWindow: Double = 300
    /// Values per second that feed the noise floors, at least (every k-th frame, k = frames per second / this,
    /// rounded down) [PHYS: the 10 Hz signal has about 20 independent values a second and the 2 Hz orientation
    /// path about 4, so 25 a second lose nothing of the floor, a median over 300 s; DESIGN: the selection of
    /// the per-second medians was a quarter of the detector's time at 100 Hz].
    public var noiseFloorValuesPerSecond: Double = 25
    /// A movement starts when the deviation from the resting orientation exceeds this many noise floors of the
    /// orientation path (the running median of per-second medians of its change over `orientationLag`)
    /// [ADAPT, DESIGN].
    public var deviationOnsetFactor: Double = 5
    /// … or when the motion measure exceeds this many noise floors.
    public var motionOnsetFactor: Double = 6
    /// A movement is quiet again below this fraction of the onset thresholds (hysteresis) [DESIGN].
    public var offsetFraction: Double = 0.5
    /// Lowest deviation threshold, g: about 1.1° of rotation; guards against a floor of zero on perfectly
    /// quantised, still data [PHYS].
    public var minimumDeviationThreshold: Double = 0.02
    /// Lowest motion threshold, g [PHYS].
    public var minimumMotionThreshold: Double = 0.012
    /// Lowest threshold of the motion along gravity (the change of the 10 Hz signal over `motionLag` along
    /// the present gravity), g [PHYS]. A clonic burst (3–7 Hz, 0.05–0.3 g peak at the ankle) changes the
    /// signal by 1.6–2 × its amplitude over 0.1 s, so 0.08 g or more; the mattress under a partner's movements
    /// (a few to tens of mg, decaying within a second or two), a partner's leg jolts (< 25 mg over ~1 s) and a
    /// fan (≤ 10 mg) stay below. The noise-relative part is the motion measure's onset threshold.
    public var minimumAlongThreshold: Double = 0.08
    /// Quiet that ends a movement, s [WASM2016: offset at the start of ≥ 0.5 s quiet].
    public var quietToEnd: Double = 0.5
    /// Stillness (no motion, and the orientation within half the deviation threshold of where the stillness
    /// began) in an orientation more than `postureChangeAngle` from the rest after which the leg has turned
    /// over and rests there, s [DESIGN: a turn over settles within it]. Closer orientations wait for
    /// `restSettleTime`.
    public var settleTime: Double = 3
    /// Stillness away from the rest orientation, after a movement that did not turn the leg by
    /// `postureChangeAngle`, after which the leg is at rest there, s [WASM2016: an LM lasts 0.5–10 s, so a
    /// leg held elsewhere for longer is not in an LM any more; a held slow dorsiflexion is still one LM].
    public var restSettleTime: Double = 10
    /// A movement that comes to rest elsewhere (after `restSettleTime`) with a net change of orientation of
    /// more than this fraction of its peak deviation (and more than the deviation threshold) did not come back:
    /// the leg shifted or the sensor slid on its strap. Reported with the posture changes, not as an LM
    /// [PHYS: an LM goes out and comes back; DESIGN: half way].
    public var shiftFraction: Double = 0.5
    /// A sample that stands out from both of its neighbours by more than this (per axis) is an impulse and
    /// replaced by the median of the three before filtering, g [PHYS: a knock on the bed frame or on the sensor
    /// lasts a few ms, one sample at 25–100 Hz, and would ring in the filters for half a second; a leg's own
    /// acceleration departs from its neighbours' median by at most A (1 − cos 2πf/rate): a clonic burst of
    /// 0.3 g at 7 Hz by 0.36 g at 25 Hz, 0.11 g at 50 Hz; the filters take each sample one frame late].
    public var spikeLimit: Double = 0.2
    /// A movement that ends by coming back to rest is an LM only when it stayed above the onset thresholds
    /// over at least this long (first to last frame above them), s [PHYS: an impulse — a knock on the bed
    /// frame, the sensor's case bumped, a few ms — excites the 10 Hz low-pass and the 0.1 s motion lag for
    /// about 0.1–0.15 s; the shortest LM (0.5 s of contraction, WASM2016) moves the leg for longer].
    public var minimumStrongSpan: Double = 0.25
    /// Shortest movement reported, s [WASM2016: 0.5 s].
    public var minimumDuration: Double = 0.5
    /// A movement that leaves the leg resting at least this far from where it was, degrees, is a change of
    /// posture (turning over), reported apart and not as an LM [PHYS, DESIGN].
    public var postureChangeAngle: Double = 20
    /// Length of the epochs used for posture and quality, s [DESIGN].
    public var epochLength: Double = 5
    /// The leg counts as lying when its long axis is within this angle of horizontal, degrees [PHYS].
    public var lyingMaxElevation: Double = 45
    /// Mean motion measure in an epoch above which the leg is walking, g (gait swings the shank by tens of
    /// degrees per step) [PHYS].
    public var walkingMotion: Double = 0.06
    /// Walking must last this long to count (and to teach the leg's axis), s [DESIGN: steps to the bathroom
    /// last minutes; a restless moment in bed seconds].
    public var walkingMinimum: Double = 20
    /// Lying stretches shorter than this are not time in bed, s [DESIGN: a night's stay in bed lasts hours and
    /// a PLM index needs far more than this; shorter still stretches are a sensor put down on a table while it
    /// is strapped on or taken off (5–7 min in the Daphnet recordings, scripts/realdata) or lying down briefly].
    public var inBedMinimum: Double = 900
    /// Interruptions of lying (or data) shorter than this do not end time in bed, s [DESIGN: shorter than a
    /// trip out of bed, longer than sitting up briefly].
    public var inBedBridge: Double = 60
    /// A leg without any movement for this long is flagged as possibly not worn, s [DESIGN].
    public var stillFlag: Double = 3600

    public init() {}

    /// The default parameters.
    public static let standard = DetectorParameters()
}

/// Parameters in frames, for one sample rate: `DetectorParameters.resolved(for:)` is the one place where
/// seconds become frame counts.
struct ResolvedDetectorParameters: Sendable {
    let rate: Double
    let cutoff: Double
    let slowCutoff: Double
    let lag: Int
    let slowLag: Int
    let baselineAlpha: Float
    let framesPerSecond: Int
    /// Every `floorStride`-th frame feeds the noise floors: `floorValuesPerSecond` values in a whole second.
    let floorStride: Int
    let floorValuesPerSecond: Int
    let noiseSeconds: Int
    let quiet: Int
    let settle: Int
    let restSettle: Int
    let shiftFraction: Float
    let minimumFrames: Int
    let minimumStrong: Int
    let spikeLimit: Float
    let epochFrames: Int
    let postureCos: Float
    let lyingSin: Float
    let walking: Float
    let walkingRunEpochs: Int
    let inBedMinimumEpochs: Int
    let inBedBridgeEpochs: Int
    let stillEpochs: Int
    let parameters: DetectorParameters

    init(_ p: DetectorParameters, sampleRate: Double) {
        func frames(_ seconds: Double) -> Int { max(1, Int((seconds * sampleRate).rounded())) }
        rate = sampleRate
        cutoff = min(p.lowPassCutoff, 0.4 * sampleRate)
        slowCutoff = min(p.orientationCutoff, cutoff)
        lag = frames(p.motionLag)
        slowLag = frames(p.orientationLag)
        baselineAlpha = Float(1 / (p.baselineTimeConstant * sampleRate))
        framesPerSecond = frames(1)
        floorStride = max(1, Int(Double(framesPerSecond) / max(1, p.noiseFloorValuesPerSecond)))
        floorValuesPerSecond = (framesPerSecond + floorStride - 1) / floorStride
        noiseSeconds = max(1, Int(p.noiseWindow.rounded()))
        quiet = frames(p.quietToEnd)
        settle = frames(p.settleTime)
        restSettle = max(settle, frames(p.restSettleTime))
        shiftFraction = Float(p.shiftFraction)
        minimumFrames = frames(p.minimumDuration)
        minimumStrong = Int((p.minimumStrongSpan * sampleRate).rounded())
        spikeLimit = Float(p.spikeLimit)
        epochFrames = frames(p.epochLength)
        postureCos = Float(Trig.cos(p.postureChangeAngle * Trig.pi / 180))
        lyingSin = Float(Trig.sin(p.lyingMaxElevation * Trig.pi / 180))
        walking = Float(p.walkingMotion)
        let epochSeconds = Double(epochFrames) / sampleRate
        walkingRunEpochs = max(1, Int((p.walkingMinimum / epochSeconds).rounded()))
        inBedMinimumEpochs = max(1, Int((p.inBedMinimum / epochSeconds).rounded()))
        inBedBridgeEpochs = max(0, Int((p.inBedBridge / epochSeconds).rounded()))
        stillEpochs = max(1, Int((p.stillFlag / epochSeconds).rounded()))
        parameters = p
    }
}

/// sin, cos and tan from the standard library alone (for filter design and angle thresholds, computed once).
enum Trig {
    static let pi = 3.14159265358979323846264338327950288

    /// Taylor series after reducing x to [-π, π]; accurate to ~1e-15 there.
    static func sin(_ x: Double) -> Double {
        var r = x.truncatingRemainder(dividingBy: 2 * pi)
        if r > pi { r -= 2 * pi } else if r < -pi { r += 2 * pi }
        var term = r
        var sum = r
        var n = 1.0
        while abs(term) > 1e-18 {
            term *= -r * r / ((n + 1) * (n + 2))
            sum += term
            n += 2
        }
        return sum
    }

    static func cos(_ x: Double) -> Double { sin(x + pi / 2) }

    static func tan(_ x: Double) -> Double { sin(x) / cos(x) }
}
