/// Simulated nights with known ground truth (docs/simulator.md).
///
/// `NightGenerator` plans a night from `SimulationSettings` (the ground truth) and renders its frames on
/// demand, so a 24 h night never has to be in memory; `simulate` renders a whole night at once for tests.
import AccelerationSignal
import Foundation
import LegMovementScoring

/// Raw sensor counts as the LIS3DH delivers them: 12-bit values left-justified in 16 bits (multiples of 16),
/// x, y, z interleaved per frame, one array per leg; `present` is false where the leg has no sample (no sensor,
/// or a dropout), and the counts there are 0.
public struct RawCounts: Sendable, Equatable {
    public var left: [Int16] = []
    public var right: [Int16] = []
    public var leftPresent: [Bool] = []
    public var rightPresent: [Bool] = []

    public init() {}

    public mutating func removeAll(keepingCapacity: Bool = true) {
        left.removeAll(keepingCapacity: keepingCapacity)
        right.removeAll(keepingCapacity: keepingCapacity)
        leftPresent.removeAll(keepingCapacity: keepingCapacity)
        rightPresent.removeAll(keepingCapacity: keepingCapacity)
    }
}

/// Streams a simulated night: frames in g (`FrameSource`) or raw counts. Deterministic: the same settings give
/// the same frames bit for bit, however the night is read in chunks.
public struct NightGenerator: FrameSource, Sendable {
    public let settings: SimulationSettings
    public let truth: GroundTruth
    public let description: SignalDescription
    /// Frames in the night.
    public let frameCount: Int64
    /// The next frame to be produced.
    public private(set) var position: Int64 = 0
    private var left: LegRenderer
    private var right: LegRenderer
    private let quantum: Float

    public init(settings: SimulationSettings) throws(SimulationError) {
        try settings.validate()
        var planner = Planner(settings: settings)
        let plan = planner.plan()
        self.settings = settings
        self.truth = plan.truth
        let legs = [Leg.left, .right].filter { settings.legs.contains($0) }
        self.description = SignalDescription(
            sampleRate: settings.sampleRate, legs: legs, rangeG: settings.range.fullScaleG,
            resolutionG: settings.range.quantumG, startTime: 0)
        self.frameCount = Int64((plan.duration * settings.sampleRate).rounded(.down))
        self.quantum = Float(settings.range.quantumG)
        self.left = LegRenderer(plan: plan, leg: 0, settings: settings)
        self.right = LegRenderer(plan: plan, leg: 1, settings: settings)
    }

    /// Frames not yet read.
    public var remainingFrames: Int64 { frameCount - position }

    /// Appends up to `maxFrames` frames (six values in g each, NaN where missing) to `buffer`.
    public mutating func read(into buffer: inout [Float], maxFrames: Int) -> Int {
        let n = Int(min(Int64(max(0, maxFrames)), frameCount - position))
        guard n > 0 else { return 0 }
        buffer.reserveCapacity(buffer.count + n * TwoLegFrame.channels)
        let q = quantum
        let nan = Float.nan
        @inline(__always) func append(_ c: (Int32, Int32, Int32)?) {
            if let c {
                buffer.append(Float(c.0) * q)
                buffer.append(Float(c.1) * q)
                buffer.append(Float(c.2) * q)
            } else {
                buffer.append(nan)
                buffer.append(nan)
                buffer.append(nan)
            }
        }
        for _ in 0..<n {
            let t = Double(position) / settings.sampleRate
            append(left.sample(frame: position, time: t))
            append(right.sample(frame: position, time: t))
            position += 1
        }
        return n
    }

    /// Appends up to `maxFrames` frames of raw counts (16-bit left-justified, so count × range / 32768 is g).
    /// Reads the same stream as `read(into:maxFrames:)`: use one or the other on a generator.
    public mutating func readCounts(into chunk: inout RawCounts, maxFrames: Int) -> Int {
        let n = Int(min(Int64(max(0, maxFrames)), frameCount - position))
        guard n > 0 else { return 0 }
        chunk.left.reserveCapacity(chunk.left.count + 3 * n)
        chunk.right.reserveCapacity(chunk.right.count + 3 * n)
        for _ in 0..<n {
            let t = Double(position) / settings.sampleRate
            NightGenerator.append(left.sample(frame: position, time: t), to: &chunk.left, present: &chunk.leftPresent)
            NightGenerator.append(right.sample(frame: position, time: t), to: &chunk.right, present: &chunk.rightPresent)
            position += 1
        }
        return n
    }

    @inline(__always)
    private static func append(_ c: (Int32, Int32, Int32)?, to counts: inout [Int16], present: inout [Bool]) {
        if let c {
            counts.append(Int16(truncatingIfNeeded: c.0 << 4))
            counts.append(Int16(truncatingIfNeeded: c.1 << 4))
            counts.append(Int16(truncatingIfNeeded: c.2 << 4))
            present.append(true)
        } else {
            counts.append(0)
            counts.append(0)
            counts.append(0)
            present.append(false)
        }
    }
}

/// Simulates a whole night in memory: the description, the frames (six values in g per frame) and the truth.
public func simulate(_ settings: SimulationSettings) throws(SimulationError) -> (
    description: SignalDescription, frames: [Float], truth: GroundTruth
) {
    var g = try NightGenerator(settings: settings)
    var frames: [Float] = []
    frames.reserveCapacity(Int(g.frameCount) * TwoLegFrame.channels)
    while g.read(into: &frames, maxFrames: 1 << 16) > 0 {}
    return (g.description, frames, g.truth)
}

/// Renders one leg, frame by frame, keeping cursors into the leg's sorted plans.
struct LegRenderer: Sendable {
    let leg: Int
    let present: Bool
    let motions: [Motion]
    let gaps: [Range<Int64>]
    let notWorn: [TableSpan]
    let inBed: [Span]
    let partner: [PartnerEvent]
    let fan: [FanPeriod]
    /// Rows: the sensor's axes in the leg frame.
    let mount: Mat3
    let gain: Vec3
    let offset: Vec3
    let thermal: Vec3
    let noiseSD: Double
    let inverseQuantum: Double
    let warmBed: Double
    let warmUpright: Double
    let thermalStep: Double
    var noise: Xoshiro
    var temperature = 0.0
    var restUp: Vec3
    var iMotion = 0, iGap = 0, iNotWorn = 0, iInBed = 0, iPartner = 0, iFan = 0
    /// The sensor's slides on its strap; `slid` is the mounting after the slides that are over.
    let slides: [StrapSlide]
    var slid: Mat3
    var iSlide = 0
    let spikes: [Spike]
    var iSpike = 0
    /// Warm-up after strapping on: an offset (g per axis) decaying by `warmUpDecay` a frame from `strapOn`.
    var warmUp: Vec3
    let warmUpDecay: Double
    let strapOn: Double

    init(plan: NightPlan, leg: Int, settings: SimulationSettings) {
        self.leg = leg
        let name: Leg = leg == 0 ? .left : .right
        present = settings.legs.contains(name)
        motions = plan.legs[leg].motions
        gaps = plan.gapFrames[leg]
        notWorn = plan.notWorn[leg]
        inBed = plan.inBed
        partner = plan.partner
        fan = plan.fan
        restUp = plan.legs[leg].initialPose.up
        let sensor = settings.sensor
        // Placement: rows are the sensor axes (x, y, z) in the leg frame (e1 to the knee, e2 anterior, e3 to the
        // body's left). x runs up the shank in both placements; z points out of the skin.
        let base: Mat3
        switch settings.placement {
        case .lateralAnkle:
            base =
                leg == 0
                ? Mat3.identity  // left: lateral is +e3; y = z × x = e2
                : Mat3(r0: Vec3(1, 0, 0), r1: Vec3(0, -1, 0), r2: Vec3(0, 0, -1))  // right: lateral is -e3
        case .anteriorShin:
            base = Mat3(r0: Vec3(1, 0, 0), r1: Vec3(0, 0, -1), r2: Vec3(0, 1, 0))  // z = e2, y = z × x = -e3
        }
        var mountRng = Xoshiro(seed: settings.seed, stream: (leg == 0 ? Stream.mountingLeft : .mountingRight).rawValue)
        let j = sensor.mountingJitterDegrees * degree
        let jitter =
            Mat3.rotation(about: Vec3(0, 0, 1), angle: j * mountRng.normal())
            * Mat3.rotation(about: Vec3(0, 1, 0), angle: j * mountRng.normal())
            * Mat3.rotation(about: Vec3(1, 0, 0), angle: 1.5 * j * mountRng.normal())
        // Sensor axes in the leg frame are the jittered nominal axes: rows r_i' = J r_i, so M' = M Jᵀ.
        mount = base * jitter.transposed
        var sensorRng = Xoshiro(seed: settings.seed, stream: (leg == 0 ? Stream.sensorLeft : .sensorRight).rawValue)
        func three(_ sd: Double, _ limit: Double) -> Vec3 {
            Vec3(
                max(-limit, min(limit, sd * sensorRng.normal())), max(-limit, min(limit, sd * sensorRng.normal())),
                max(-limit, min(limit, sd * sensorRng.normal())))
        }
        offset = three(sensor.offsetSDMilliG / 1000, 4 * sensor.offsetSDMilliG / 1000)
        gain = three(sensor.gainErrorSD, 3 * sensor.gainErrorSD)
        thermal = three(sensor.thermalCoefficientSDMilliG / 1000, 3 * sensor.thermalCoefficientSDMilliG / 1000)
        noiseSD = sensor.noiseDensityMicroG * 1e-6 * (settings.sampleRate / 2).squareRoot()
        inverseQuantum = 1 / settings.range.quantumG
        warmBed = sensor.warmingInBed
        warmUpright = sensor.warmingUpright
        thermalStep = 1 - exp(-1 / (settings.sampleRate * sensor.thermalTimeConstantMinutes * 60))
        noise = Xoshiro(seed: settings.seed, stream: (leg == 0 ? Stream.noiseLeft : .noiseRight).rawValue)
        slides = plan.slides[leg]
        slid = mount
        spikes = plan.spikes
        var warmRng = Xoshiro(seed: settings.seed, stream: (leg == 0 ? Stream.warmUpLeft : .warmUpRight).rawValue)
        let c = sensor.warmUpCoefficientSDMilliG / 1000
        let rise = warmRng.uniform(8, 14)
        warmUp = c > 0 ? (rise * c) * Vec3(warmRng.normal(), warmRng.normal(), warmRng.normal()) : .zero
        warmUpDecay = exp(-1 / (settings.sampleRate * warmRng.uniform(sensor.warmUpMinutes) * 60))
        // Strapped on when the recording starts, or when a first unworn period at the start ends.
        strapOn = plan.notWorn[leg].first.map { $0.span.start <= 0 ? $0.span.end : 0 } ?? 0
    }

    /// The 12-bit counts of frame `n` at time `t`, or nil when the leg has no sample.
    @inline(__always)
    mutating func sample(frame n: Int64, time t: Double) -> (Int32, Int32, Int32)? {
        guard present else { return nil }
        let n0 = noise.normal()
        let n1 = noise.normal()
        let n2 = noise.normal()

        while iMotion < motions.count, motions[iMotion].end <= t {
            restUp = motions[iMotion].toUp
            iMotion += 1
        }
        while iGap < gaps.count, gaps[iGap].upperBound <= n { iGap += 1 }
        while iNotWorn < notWorn.count, notWorn[iNotWorn].span.end <= t { iNotWorn += 1 }
        while iInBed < inBed.count, inBed[iInBed].end <= t { iInBed += 1 }
        let worn = !(iNotWorn < notWorn.count && notWorn[iNotWorn].span.start <= t)
        let lying = iInBed < inBed.count && inBed[iInBed].start <= t

        // Temperature: first-order approach to the target (room, upright on the leg, under the covers).
        let target = worn ? (lying ? warmBed : warmUpright) : 0
        temperature += (target - temperature) * thermalStep

        var s: Vec3
        if !worn {
            s = notWorn[iNotWorn].vector
        } else {
            var v =
                iMotion < motions.count && motions[iMotion].start <= t
                ? motions[iMotion].specificForce(at: t) : restUp
            if lying {
                // Mattress vibration: a partner's movements and a fan, mostly vertical (along "up").
                while iPartner < partner.count, partner[iPartner].end + 0.05 <= t { iPartner += 1 }
                var j = iPartner
                while j < partner.count, partner[j].start <= t {
                    let e = partner[j]
                    let a = e.vertical(leg: leg, at: t)
                    if a != 0 { v = v + a * restUp + a * e.horizontal }
                    j += 1
                }
                while iFan < fan.count, fan[iFan].span.end <= t { iFan += 1 }
                if iFan < fan.count, fan[iFan].span.start <= t {
                    let f = fan[iFan]
                    let a = f.value(at: t)
                    v = v + a * restUp + a * (leg == 0 ? f.horizontal.0 : f.horizontal.1)
                }
            }
            if !spikes.isEmpty {
                while iSpike < spikes.count, spikes[iSpike].start + spikes[iSpike].length <= t { iSpike += 1 }
                if iSpike < spikes.count, spikes[iSpike].start <= t {
                    let k = spikes[iSpike]
                    v = v + k.value(at: t) * (leg == 0 ? k.vector.0 : k.vector.1)
                }
            }
            if slides.isEmpty {
                s = mount * v
            } else {
                while iSlide < slides.count, slides[iSlide].end <= t {
                    slid = slid * Mat3.rotation(about: slides[iSlide].axis, angle: -slides[iSlide].angle)
                    iSlide += 1
                }
                if iSlide < slides.count, slides[iSlide].start <= t {
                    let k = slides[iSlide]
                    let m = minimumJerk((t - k.start) / (k.end - k.start))
                    s = slid * v.rotated(about: k.axis, angle: -k.angle * m.s)
                } else {
                    s = slid * v
                }
            }
        }
        if iGap < gaps.count, gaps[iGap].lowerBound <= n { return nil }

        var x = s.x * (1 + gain.x) + offset.x + thermal.x * temperature + noiseSD * n0
        var y = s.y * (1 + gain.y) + offset.y + thermal.y * temperature + noiseSD * n1
        var z = s.z * (1 + gain.z) + offset.z + thermal.z * temperature + noiseSD * n2
        if warmUp.x != 0 || warmUp.y != 0 || warmUp.z != 0, t >= strapOn {
            x += warmUp.x
            y += warmUp.y
            z += warmUp.z
            warmUp = warmUpDecay * warmUp
        }
        return (quantise(x), quantise(y), quantise(z))
    }

    /// To the 12-bit count, clipped at full scale (-2048 ... 2047).
    @inline(__always)
    func quantise(_ g: Double) -> Int32 {
        let c = (g * inverseQuantum).rounded()
        if c >= 2047 { return 2047 }
        if c <= -2048 { return -2048 }
        return Int32(c)
    }
}
