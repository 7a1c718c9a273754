import AccelerationSignal
import LegMovementScoring

/// A movement found by the detector.
public struct DetectedMovement: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// A leg movement: the leg moved and came back to rest near where it was.
        case legMovement = "lm"
        /// The leg came to rest in a clearly different orientation (turning over): not an LM.
        case postureChange = "posture_change"
    }

    public var leg: Leg
    /// First frame of the movement.
    public var onsetFrame: Int64
    /// First frame after it.
    public var endFrame: Int64
    public var kind: Kind
    /// Largest deviation from the resting orientation, g.
    public var peakDeviation: Float
    /// The movement was cut short by a gap in the data or the end of the recording.
    public var truncated: Bool
}

/// The leg-movement detector. One implementation for streaming and batch: `push` frames in chunks of any
/// size, then `finish`; the result is the same, to the bit, for every chunking.
///
/// Per frame: the six channels (both legs) pass a 2nd-order Butterworth low-pass together in SIMD lanes, then
/// a slower second stage (the orientation path). Per leg, perpendicular to gravity, the *motion* measure is the
/// change of the fast signal over `motionLag`, and the *deviation* is the orientation path's distance from the
/// leg's resting orientation. A movement starts when either exceeds its threshold — a multiple of one of the
/// leg's adaptive noise floors (running medians of per-second medians) — and ends at the start of `quietToEnd` below the lower (hysteresis) thresholds, or, when the
/// leg comes to rest somewhere else, at the start of `settleTime` of stillness (then the new orientation is
/// the resting one, and a large change of orientation makes it a posture change). See docs/detector.md.
public struct LegMovementDetector: Sendable {
    public let description: SignalDescription
    public let parameters: DetectorParameters
    let p: ResolvedDetectorParameters

    // Filter (left leg in lanes 0-2, right in 4-6 of SIMD8; lanes 3 and 7 stay zero).
    let b0: Float, b1: Float, b2: Float, a1: Float, a2: Float
    var z1 = SIMD8<Float>(repeating: 0)
    var z2 = SIMD8<Float>(repeating: 0)
    // The slower second stage for the orientation (deviation) path.
    let c0: Float, c1: Float, c2: Float, d1: Float, d2: Float
    var w1 = SIMD8<Float>(repeating: 0)
    var w2 = SIMD8<Float>(repeating: 0)
    var ring: [SIMD8<Float>]
    var ringPosition = 0
    var slowRing: [SIMD8<Float>]
    var slowRingPosition = 0
    var baseline = SIMD8<Float>(repeating: 0)

    var legs: [LegState]
    var frame: Int64 = 0
    var emitted: [DetectedMovement] = []
    var all: [DetectedMovement] = []

    public init(description: SignalDescription, parameters: DetectorParameters = .standard) {
        self.description = description
        self.parameters = parameters
        let p = ResolvedDetectorParameters(parameters, sampleRate: description.sampleRate)
        self.p = p
        let fast = LegMovementDetector.butterworth(cutoff: p.cutoff, rate: p.rate)
        (b0, b1, b2, a1, a2) = fast
        let slow = LegMovementDetector.butterworth(cutoff: p.slowCutoff, rate: p.rate)
        (c0, c1, c2, d1, d2) = slow
        ring = [SIMD8<Float>](repeating: .zero, count: p.lag)
        slowRing = [SIMD8<Float>](repeating: .zero, count: p.slowLag)
        legs = [Leg.left, Leg.right].map { LegState(leg: $0, present: description.legs.contains($0), p: p) }
    }

    /// Bilinear-transform 2nd-order Butterworth low-pass (Q = 1/√2), normalised so a0 = 1.
    static func butterworth(cutoff: Double, rate: Double) -> (Float, Float, Float, Float, Float) {
        let k = Trig.tan(Trig.pi * cutoff / rate)
        let q = 1 / 2.0.squareRoot()
        let norm = 1 / (1 + k / q + k * k)
        return (
            Float(k * k * norm), Float(2 * k * k * norm), Float(k * k * norm), Float(2 * (k * k - 1) * norm),
            Float((1 - k / q + k * k) * norm)
        )
    }

    /// Frames pushed so far.
    public var frameCount: Int64 { frame }

    /// Processes frames (six values each, in g, NaN for missing).
    public mutating func push(_ values: [Float]) {
        values.withUnsafeBufferPointer { push($0) }
    }

    public mutating func push(_ values: UnsafeBufferPointer<Float>) {
        let n = values.count / TwoLegFrame.channels
        // The lag lines are worked on through buffer pointers for the chunk (no per-frame uniqueness checks).
        var fastLine = ring
        var slowLine = slowRing
        ring = []
        slowRing = []
        fastLine.withUnsafeMutableBufferPointer { fast in
            slowLine.withUnsafeMutableBufferPointer { slow in
                var i = 0
                for _ in 0..<n {
                    // Left leg in lanes 0-2, right in 4-6: each leg's half of the vector is then its own SIMD4.
                    let x = SIMD8<Float>(
                        values[i], values[i + 1], values[i + 2], 0, values[i + 3], values[i + 4], values[i + 5], 0)
                    process(x, fast: fast, slow: slow)
                    i += TwoLegFrame.channels
                }
            }
        }
        ring = fastLine
        slowRing = slowLine
    }

    /// Movements completed since the last call (for live use).
    public mutating func drainCompleted() -> [DetectedMovement] {
        defer { emitted.removeAll(keepingCapacity: true) }
        return emitted
    }

    @inline(__always)
    mutating func process(
        _ raw: SIMD8<Float>, fast ring: UnsafeMutableBufferPointer<SIMD8<Float>>,
        slow slowRing: UnsafeMutableBufferPointer<SIMD8<Float>>
    ) {
        let t = frame
        frame += 1
        let validLeft = !(raw[0].isNaN || raw[1].isNaN || raw[2].isNaN)
        let validRight = !(raw[4].isNaN || raw[5].isNaN || raw[6].isNaN)
        var x = raw
        if !validLeft { x.lowHalf = .zero }
        if !validRight { x.highHalf = .zero }

        // (Re)start the filter, the lag line and the resting orientation from the first sample after a gap, so
        // the filter's warm-up cannot look like a movement.
        var restart = SIMDMask<SIMD8<Int32>>(repeating: false)
        if validLeft && !legs[0].running { restart[0] = true; restart[1] = true; restart[2] = true }
        if validRight && !legs[1].running { restart[4] = true; restart[5] = true; restart[6] = true }
        if restart != SIMDMask(repeating: false) {
            z2.replace(with: (b2 - a2) * x, where: restart)
            z1.replace(with: (b1 - a1 + b2 - a2) * x, where: restart)
            w2.replace(with: (c2 - d2) * x, where: restart)
            w1.replace(with: (c1 - d1 + c2 - d2) * x, where: restart)
            for k in ring.indices { ring[k].replace(with: x, where: restart) }
            for k in slowRing.indices { slowRing[k].replace(with: x, where: restart) }
            baseline.replace(with: x, where: restart)
        }

        // Low-pass, direct form II transposed, all channels at once.
        let y = b0 * x + z1
        z1 = b1 * x - a1 * y + z2
        z2 = b2 * x - a2 * y
        let sl = c0 * y + w1
        w1 = c1 * y - d1 * sl + w2
        w2 = c2 * y - d2 * sl
        let past = ring[ringPosition]
        ring[ringPosition] = y
        ringPosition += 1
        if ringPosition == ring.count { ringPosition = 0 }
        let slowPast = slowRing[slowRingPosition]
        slowRing[slowRingPosition] = sl
        slowRingPosition += 1
        if slowRingPosition == slowRing.count { slowRingPosition = 0 }
        let slowChange = sl - slowPast
        let change = y - past
        let off = sl - baseline

        // Rotation changes the direction of the measured vector, not its length; a mattress shaken by a bed
        // partner or a fan moves the leg along gravity. So all three measures keep only the part of a change
        // that is perpendicular to the leg's resting gravity vector.
        for k in 0..<2 {
            guard legs[k].present else { continue }
            let valid = k == 0 ? validLeft : validRight
            guard valid else {
                if let m = legs[k].gap(frame: t) { emit(m) }
                continue
            }
            @inline(__always) func half(_ v: SIMD8<Float>) -> SIMD4<Float> { k == 0 ? v.lowHalf : v.highHalf }
            // Changes: perpendicular to the present gravity (the slow path); the deviation: perpendicular to the
            // resting gravity vector.
            @inline(__always) func unit(_ g: SIMD4<Float>) -> SIMD4<Float> {
                let n = (g * g).sum().squareRoot()
                return n > 0.1 ? g / n : SIMD4<Float>(repeating: 0)
            }
            let f = half(sl)
            let now = unit(f)
            let rest = unit(half(baseline))
            @inline(__always) func perpendicular(_ w: SIMD4<Float>, _ u: SIMD4<Float>) -> Float {
                let q = w - (w * u).sum() * u
                return (q * q).sum().squareRoot()
            }
            let motion = perpendicular(half(change), now)
            let deviation = perpendicular(half(off), rest)
            let slow = perpendicular(half(slowChange), now)
            let r = half(raw)
            var b = half(baseline)
            let ended = legs[k].step(
                frame: t, motion: motion, slowMotion: slow, deviation: deviation, raw: r, filtered: f,
                baseline: &b, alpha: p.baselineAlpha, rangeG: rangeG)
            if k == 0 { baseline.lowHalf = b } else { baseline.highHalf = b }
            if let ended { emit(ended) }
        }
    }

    var rangeG: Float { Float(description.rangeG ?? 0) }

    mutating func emit(_ m: DetectedMovement) {
        guard m.endFrame - m.onsetFrame >= Int64(p.minimumFrames) else { return }
        emitted.append(m)
        all.append(m)
    }

    /// Ends the stream and returns everything found.
    public mutating func finish() -> DetectionResult {
        for k in legs.indices {
            if let m = legs[k].finish(frame: frame) { emit(m) }
        }
        let sorted = all.sorted { ($0.onsetFrame, $0.leg.rawValue) < ($1.onsetFrame, $1.leg.rawValue) }
        let lms = sorted.filter { $0.kind == .legMovement }
        let turns = sorted.filter { $0.kind == .postureChange }
        let posture = PostureAnalysis(legs: legs, movements: sorted, p: p)
        return DetectionResult(
            description: description, parameters: parameters, frameCount: frame, movements: lms,
            postureChanges: turns, inBedEpochs: posture.inBed, epochFrames: p.epochFrames,
            quality: posture.quality(frameCount: frame, rate: p.rate))
    }
}

/// One leg's detector state.
struct LegState: Sendable {
    let leg: Leg
    let present: Bool
    let p: ResolvedDetectorParameters
    var running = false

    // Movement state.
    var inMovement = false
    var onset: Int64 = 0
    var lastQuiet: Int64 = -1
    var quietRun = 0
    var stillRun = 0
    var peak: Float = 0
    var restAtOnset = SIMD4<Float>(repeating: 0)

    // Adaptive noise floors of the motion and of the deviation.
    var motionFloor: RunningFloor
    var deviationFloor: RunningFloor
    /// First frame of the next second of the stream.
    var secondEnd: Int64

    // Quality and posture, per epoch.
    var epochs: [EpochStat] = []
    /// First frame of the epoch after the last one in `epochs`.
    var epochEnd: Int64 = 0
    var clipped = 0
    var gapFrames: Int64 = 0
    var gapCount = 0
    /// Stretches without data, frames (the last may still be open: `openGap`).
    var gaps: [Range<Int64>] = []
    var openGap: Int64? = nil
    var validFrames: Int64 = 0

    init(leg: Leg, present: Bool, p: ResolvedDetectorParameters) {
        self.leg = leg
        self.present = present
        self.p = p
        secondEnd = Int64(p.framesPerSecond)
        motionFloor = RunningFloor(framesPerSecond: p.framesPerSecond, seconds: p.noiseSeconds)
        deviationFloor = RunningFloor(framesPerSecond: p.framesPerSecond, seconds: p.noiseSeconds)
    }

    var floorHistory: [Float] { motionFloor.history }

    var thresholds: (deviationOn: Float, motionOn: Float, deviationOff: Float, motionOff: Float) {
        let q = p.parameters
        let dOn = max(Float(q.deviationOnsetFactor) * deviationFloor.value, Float(q.minimumDeviationThreshold))
        let mOn = max(Float(q.motionOnsetFactor) * motionFloor.value, Float(q.minimumMotionThreshold))
        let f = Float(q.offsetFraction)
        return (dOn, mOn, dOn * f, mOn * f)
    }

    mutating func epoch(for frame: Int64) -> Int {
        let k = Int(frame / Int64(p.epochFrames))
        while epochs.count <= k { epochs.append(EpochStat()) }
        return k
    }

    /// One valid frame. Returns a movement when one ends here.
    @inline(__always)
    mutating func step(
        frame t: Int64, motion: Float, slowMotion: Float, deviation: Float, raw: SIMD4<Float>, filtered: SIMD4<Float>,
        baseline: inout SIMD4<Float>, alpha: Float, rangeG: Float
    ) -> DetectedMovement? {
        if !running {
            running = true
            lastQuiet = t - 1
            if let start = openGap {
                gaps.append(start..<t)
                openGap = nil
            }
        }
        validFrames += 1
        if rangeG > 0 {
            let limit = rangeG * 0.999
            if abs(raw[0]) >= limit || abs(raw[1]) >= limit || abs(raw[2]) >= limit { clipped += 1 }
        }
        if t >= epochEnd {
            let e = epoch(for: t)
            epochEnd = Int64(e + 1) * Int64(p.epochFrames)
        }
        epochs[epochs.count - 1].add(raw: raw, motion: motion)
        if t >= secondEnd {
            motionFloor.closeSecond()
            deviationFloor.closeSecond()
            secondEnd = (t / Int64(p.framesPerSecond) + 1) * Int64(p.framesPerSecond)
        }
        motionFloor.add(motion)
        deviationFloor.add(slowMotion)

        let th = thresholds
        let active = deviation > th.deviationOff || motion > th.motionOff
        var ended: DetectedMovement? = nil
        if !inMovement {
            // No movement starts before the first second has given a noise floor.
            if !motionFloor.history.isEmpty && (deviation > th.deviationOn || motion > th.motionOn) {
                inMovement = true
                onset = lastQuiet + 1
                peak = deviation
                quietRun = 0
                stillRun = 0
                restAtOnset = baseline
            } else {
                if !active { lastQuiet = t }
                // The resting orientation follows slow drift.
                baseline += alpha * (filtered - baseline)
            }
        } else {
            peak = max(peak, deviation)
            quietRun = active ? 0 : quietRun + 1
            stillRun = motion > th.motionOff ? 0 : stillRun + 1
            if quietRun >= p.quiet {
                ended = DetectedMovement(
                    leg: leg, onsetFrame: onset, endFrame: t - Int64(p.quiet) + 1, kind: .legMovement,
                    peakDeviation: peak, truncated: false)
                inMovement = false
                lastQuiet = t
            } else if stillRun >= p.settle {
                // At rest in a new orientation: that is the resting orientation now.
                let newRest = filtered
                baseline = filtered
                let dot = (restAtOnset * newRest).sum()
                let norms = ((restAtOnset * restAtOnset).sum() * (newRest * newRest).sum()).squareRoot()
                let turned = norms > 0 && dot / norms < p.postureCos
                ended = DetectedMovement(
                    leg: leg, onsetFrame: onset, endFrame: t - Int64(p.settle) + 1,
                    kind: turned ? .postureChange : .legMovement, peakDeviation: peak, truncated: false)
                inMovement = false
                lastQuiet = t
            }
        }
        return ended
    }

    /// A frame without data for this leg.
    mutating func gap(frame t: Int64) -> DetectedMovement? {
        gapFrames += 1
        guard running else {
            if validFrames == 0 && t == 0 {
                gapCount += 1
                openGap = 0
            }
            return nil
        }
        running = false
        gapCount += 1
        openGap = t
        return cut(at: t)
    }

    mutating func finish(frame t: Int64) -> DetectedMovement? { cut(at: t) }

    /// Ends a movement in progress at frame `t` (exclusive), marked truncated.
    mutating func cut(at t: Int64) -> DetectedMovement? {
        guard inMovement else { return nil }
        inMovement = false
        return DetectedMovement(
            leg: leg, onsetFrame: onset, endFrame: t, kind: .legMovement, peakDeviation: peak, truncated: true)
    }
}

/// An adaptive noise floor: each second's median of a measure goes into a window of `seconds` seconds; the
/// floor is the window's median. Seconds are counted in frames of the stream, whatever the chunking.
struct RunningFloor: Sendable {
    let framesPerSecond: Int
    let seconds: Int
    var second: [Float] = []
    var window: [Float] = []  // FIFO of per-second medians from windowStart
    var windowStart = 0
    var sorted: [Float] = []
    var value: Float = 0
    var history: [Float] = []

    init(framesPerSecond: Int, seconds: Int) {
        self.framesPerSecond = framesPerSecond
        self.seconds = seconds
        second.reserveCapacity(framesPerSecond)
    }

    mutating func add(_ v: Float) { second.append(v) }

    mutating func closeSecond() {
        guard second.count * 2 >= framesPerSecond else {
            second.removeAll(keepingCapacity: true)
            return
        }
        // The element of rank count/2 (what sorting and indexing would give), by selection: same value, less work.
        let median = second.withUnsafeMutableBufferPointer { RunningFloor.select(rank: $0.count / 2, in: $0) }
        second.removeAll(keepingCapacity: true)
        window.append(median)
        sorted.insert(median, at: position(of: median))
        if window.count - windowStart > seconds {
            let old = window[windowStart]
            let i = position(of: old)
            if i < sorted.count { sorted.remove(at: i) }
            windowStart += 1
            if windowStart > 4096 {
                window.removeFirst(windowStart)
                windowStart = 0
            }
        }
        value = sorted[sorted.count / 2]
        history.append(value)
    }

    /// The value of rank `k` (0-based) in ascending order; reorders `a`. Quickselect, median-of-three pivot.
    static func select(rank k: Int, in a: UnsafeMutableBufferPointer<Float>) -> Float {
        var lo = 0
        var hi = a.count - 1
        while hi > lo {
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[hi] < a[mid] { a.swapAt(hi, mid) }
            let pivot = a[mid]
            var i = lo
            var j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while pivot < a[j] { j -= 1 }
                if i <= j {
                    a.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j {
                hi = j
            } else if k >= i {
                lo = i
            } else {
                return a[k]
            }
        }
        return a[k]
    }

    func position(of v: Float) -> Int {
        var lo = 0
        var hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < v { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

/// Per-epoch sums for posture and quality.
struct EpochStat: Sendable {
    var sum = SIMD4<Double>(repeating: 0)
    var motion: Double = 0
    var count = 0

    mutating func add(raw: SIMD4<Float>, motion m: Float) {
        sum += SIMD4<Double>(Double(raw[0]), Double(raw[1]), Double(raw[2]), 0)
        motion += Double(m)
        count += 1
    }
}
