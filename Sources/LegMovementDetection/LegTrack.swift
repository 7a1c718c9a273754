import AccelerationSignal
import LegMovementScoring

/// One leg of the detector: its filters, its measures, its thresholds and its movements.
///
/// Frames are worked in blocks of at most `blockFrames`, in three passes: the filters (a recursion along
/// time, the leg's three channels in one SIMD4); the motion measures (the same arithmetic for every frame, no
/// state); then, frame by frame, the bookkeeping (epochs, seconds, noise floors) and the movement state. Each
/// frame's arithmetic is exactly that of one pass frame by frame, so results do not depend on the blocking.
public struct LegTrack: Sendable {
    public let leg: Leg
    /// The recording has this leg; an absent leg only counts frames.
    public let present: Bool
    let p: ResolvedDetectorParameters
    /// Channel of the leg's x in a six-channel frame.
    let channel: Int
    /// Values at or beyond this (in g) count as clipped; 0 = range unknown.
    let clipLimit: Float

    // The low-pass (direct form II transposed), then the slower second stage for the orientation path.
    let b0: Float, b1: Float, b2: Float, a1: Float, a2: Float
    let c0: Float, c1: Float, c2: Float, d1: Float, d2: Float
    var z1 = SIMD4<Float>(repeating: 0)
    var z2 = SIMD4<Float>(repeating: 0)
    var w1 = SIMD4<Float>(repeating: 0)
    var w2 = SIMD4<Float>(repeating: 0)
    /// The filter runs (the previous frame had data).
    var filterRunning = false
    /// The last two samples since the filters (re)started, newest first, and how many there are (at most 2):
    /// the filters take each sample one frame late, once the next one shows whether it was an impulse.
    var held1 = SIMD4<Float>(repeating: 0)
    var held2 = SIMD4<Float>(repeating: 0)
    var heldCount = 0
    /// The last `p.lag` outputs of the low-pass and the last `p.slowLag` of the second stage, oldest first.
    var fastHistory: [SIMD4<Float>]
    var slowHistory: [SIMD4<Float>]

    /// The resting orientation (orientation path), and its unit vector while a movement is in progress.
    var baseline = SIMD4<Float>(repeating: 0)
    var restUnit = SIMD4<Float>(repeating: 0)
    var thresholds: Thresholds

    var state: LegState
    var frame: Int64 = 0
    /// Movements ended and not drained yet, with the frame at which each ended.
    var emitted: [(frame: Int64, movement: DetectedMovement)] = []
    var all: [DetectedMovement] = []

    /// Frames per block of work (bounds the scratch memory: about 60 bytes a frame).
    static let blockFrames = 1024
    /// Working memory of a block. Only the second in progress (the noise floors' values since the last whole
    /// second, in `floats` after the block's measures) is carried from one block to the next.
    var scratchVectors: [SIMD4<Float>] = []
    var scratchFloats: [Float] = []
    var scratchKinds: [UInt8] = []

    init(leg: Leg, present: Bool, p: ResolvedDetectorParameters, rangeG: Float) {
        self.leg = leg
        self.present = present
        self.p = p
        channel = leg == .left ? 0 : 3
        clipLimit = rangeG > 0 ? rangeG * 0.999 : 0
        (b0, b1, b2, a1, a2) = LegTrack.butterworth(cutoff: p.cutoff, rate: p.rate)
        (c0, c1, c2, d1, d2) = LegTrack.butterworth(cutoff: p.slowCutoff, rate: p.rate)
        fastHistory = [SIMD4<Float>](repeating: .zero, count: p.lag)
        slowHistory = [SIMD4<Float>](repeating: .zero, count: p.slowLag)
        state = LegState(leg: leg, present: present, p: p)
        thresholds = Thresholds(state: state, p: p)
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

    /// Frames given so far.
    public var frameCount: Int64 { frame }

    /// Processes this leg's channels of six-channel frames (in g, NaN for missing).
    public mutating func push(_ values: UnsafeBufferPointer<Float>) {
        let n = values.count / TwoLegFrame.channels
        guard present else {
            frame += Int64(n)
            return
        }
        var start = 0
        while start < n {
            let m = min(LegTrack.blockFrames, n - start)
            work(values, from: start, count: m)
            start += m
        }
    }

    /// The movements ended since the last call, with the frame at which each ended.
    mutating func drain() -> [(frame: Int64, movement: DetectedMovement)] {
        defer { emitted.removeAll(keepingCapacity: true) }
        return emitted
    }

    mutating func finish(frame t: Int64) {
        if let m = state.cut(at: t) { emit(m, at: t) }
    }

    mutating func emit(_ m: DetectedMovement, at t: Int64) {
        guard m.endFrame - m.onsetFrame >= Int64(p.minimumFrames) else { return }
        emitted.append((t, m))
        all.append(m)
    }

    /// Frame kinds in a block.
    static let valid: UInt8 = 0, missing: UInt8 = 1, resumed: UInt8 = 2

    mutating func work(_ values: UnsafeBufferPointer<Float>, from start: Int, count m: Int) {
        let lag = p.lag
        let slowLag = p.slowLag
        let fps = p.framesPerSecond
        // Scratch for one block, kept between blocks (moved out so that the passes may mutate `self`).
        var vectors = scratchVectors
        var floats = scratchFloats
        var kinds = scratchKinds
        scratchVectors = []
        scratchFloats = []
        scratchKinds = []
        let block = LegTrack.blockFrames
        if vectors.count < lag + slowLag + 3 * block {
            vectors = [SIMD4<Float>](repeating: .zero, count: lag + slowLag + 3 * block)
            floats = [Float](repeating: 0, count: 3 * block + 3 * fps)
            kinds = [UInt8](repeating: 0, count: block)
        }
        vectors.withUnsafeMutableBufferPointer { vectors in
            floats.withUnsafeMutableBufferPointer { floats in
                kinds.withUnsafeMutableBufferPointer { kinds in
                    guard let v = vectors.baseAddress, let f = floats.baseAddress, let kind = kinds.baseAddress
                    else { return }
                    // fast[k]: low-pass output of frame k - lag of the block (its history first); slow likewise.
                    let fast = v
                    let slow = v + lag + m
                    let raw = slow + slowLag + m
                    let motion = f
                    let slowMotion = f + m
                    let alongMotion = f + 2 * block
                    let second = f + 3 * block
                    filter(values, from: start, count: m, fast: fast, slow: slow, raw: raw, kind: kind)
                    measure(
                        count: m, fast: fast, slow: slow, motion: motion, slowMotion: slowMotion,
                        alongMotion: alongMotion)
                    step(
                        count: m, filtered: slow + slowLag, raw: raw, kind: kind, motion: motion,
                        slowMotion: slowMotion, alongMotion: alongMotion, second: second)
                }
            }
        }
        scratchVectors = vectors
        scratchFloats = floats
        scratchKinds = kinds
    }

    /// Pass 1: both filter stages for the block; `kind` says which frames have data and where data resume.
    @inline(__always)
    mutating func filter(
        _ values: UnsafeBufferPointer<Float>, from start: Int, count m: Int, fast: UnsafeMutablePointer<SIMD4<Float>>,
        slow: UnsafeMutablePointer<SIMD4<Float>>, raw: UnsafeMutablePointer<SIMD4<Float>>,
        kind: UnsafeMutablePointer<UInt8>
    ) {
        let lag = p.lag
        let slowLag = p.slowLag
        fastHistory.withUnsafeBufferPointer { h in for k in 0..<lag { fast[k] = h[k] } }
        slowHistory.withUnsafeBufferPointer { h in for k in 0..<slowLag { slow[k] = h[k] } }
        var z1 = self.z1
        var z2 = self.z2
        var w1 = self.w1
        var w2 = self.w2
        var running = filterRunning
        var held1 = self.held1
        var held2 = self.held2
        var heldCount = self.heldCount
        let spike = SIMD4<Float>(repeating: p.spikeLimit)
        var o = start * TwoLegFrame.channels + channel
        for i in 0..<m {
            let x = SIMD4<Float>(values[o], values[o + 1], values[o + 2], 0)
            o += TwoLegFrame.channels
            raw[i] = x
            if x[0].isNaN || x[1].isNaN || x[2].isNaN {
                // No data: the filters stop, and start again from the next sample with data.
                kind[i] = LegTrack.missing
                running = false
                heldCount = 0
                fast[lag + i] = .zero
                slow[slowLag + i] = .zero
                continue
            }
            // What the filters take in this frame: the previous sample, unless it stood out from both of its
            // neighbours by more than `spikeLimit` (an impulse, not a leg): then the median of the three.
            var input = x
            if running {
                kind[i] = LegTrack.valid
                input = held1
                if heldCount >= 2 {
                    // Median of three per lane, with compares and blends (the standard library's pointwiseMin
                    // and pointwiseMax are not inlined here, and cost more than the rest of the pass).
                    let lo = held2.replacing(with: held1, where: held1 .< held2)
                    let hi = held2.replacing(with: held1, where: held1 .> held2)
                    let capped = hi.replacing(with: x, where: x .< hi)
                    let median = lo.replacing(with: capped, where: capped .> lo)
                    let d = held1 - median
                    input.replace(with: median, where: (d .> spike) .| (d .< -spike))
                }
                held2 = held1
                held1 = x
                heldCount = min(heldCount + 1, 2)
            } else {
                // (Re)start the filters and the lag lines from the first sample after a gap, so the filters'
                // warm-up cannot look like a movement.
                kind[i] = LegTrack.resumed
                running = true
                z2 = (b2 - a2) * x
                z1 = (b1 - a1 + b2 - a2) * x
                w2 = (c2 - d2) * x
                w1 = (c1 - d1 + c2 - d2) * x
                for k in 0..<lag { fast[i + k] = x }
                for k in 0..<slowLag { slow[i + k] = x }
                held1 = x
                heldCount = 1
            }
            let y = b0 * input + z1
            z1 = b1 * input - a1 * y + z2
            z2 = b2 * input - a2 * y
            let sl = c0 * y + w1
            w1 = c1 * y - d1 * sl + w2
            w2 = c2 * y - d2 * sl
            fast[lag + i] = y
            slow[slowLag + i] = sl
        }
        self.z1 = z1
        self.z2 = z2
        self.w1 = w1
        self.w2 = w2
        self.held1 = held1
        self.held2 = held2
        self.heldCount = heldCount
        filterRunning = running
        fastHistory.withUnsafeMutableBufferPointer { h in for k in 0..<lag { h[k] = fast[m + k] } }
        slowHistory.withUnsafeMutableBufferPointer { h in for k in 0..<slowLag { h[k] = slow[m + k] } }
    }

    /// Pass 2: the motion measures. Rotation changes the direction of the measured vector, not its length; a
    /// mattress shaken by a bed partner or a fan moves the leg along gravity. So the measures keep only the
    /// part of a change that is perpendicular to gravity (the orientation path).
    @inline(__always)
    func measure(
        count m: Int, fast: UnsafeMutablePointer<SIMD4<Float>>, slow: UnsafeMutablePointer<SIMD4<Float>>,
        motion: UnsafeMutablePointer<Float>, slowMotion: UnsafeMutablePointer<Float>,
        alongMotion: UnsafeMutablePointer<Float>
    ) {
        let lag = p.lag
        let slowLag = p.slowLag
        // Four frames at a time, each coordinate in a vector of its own (x of four frames, y, z): the same
        // operations on every lane as `unit` and `perpendicular` do for one frame, in the same order.
        var i = 0
        while i + 4 <= m {
            let f0 = slow[slowLag + i], f1 = slow[slowLag + i + 1], f2 = slow[slowLag + i + 2]
            let f3 = slow[slowLag + i + 3]
            let c0 = fast[lag + i] - fast[i], c1 = fast[lag + i + 1] - fast[i + 1]
            let c2 = fast[lag + i + 2] - fast[i + 2], c3 = fast[lag + i + 3] - fast[i + 3]
            let s0 = f0 - slow[i], s1 = f1 - slow[i + 1], s2 = f2 - slow[i + 2], s3 = f3 - slow[i + 3]
            let fx = SIMD4(f0[0], f1[0], f2[0], f3[0])
            let fy = SIMD4(f0[1], f1[1], f2[1], f3[1])
            let fz = SIMD4(f0[2], f1[2], f2[2], f3[2])
            let n = ((fx * fx + fy * fy) + fz * fz).squareRoot()
            let usable = n .> 0.1
            let zero = SIMD4<Float>(repeating: 0)
            let ux = (fx / n).replacing(with: zero, where: .!usable)
            let uy = (fy / n).replacing(with: zero, where: .!usable)
            let uz = (fz / n).replacing(with: zero, where: .!usable)
            @inline(__always) func perpendicular(
                _ wx: SIMD4<Float>, _ wy: SIMD4<Float>, _ wz: SIMD4<Float>
            ) -> SIMD4<Float> {
                let along = ((wx * ux + wy * uy) + wz * uz) + zero
                let qx = wx - along * ux
                let qy = wy - along * uy
                let qz = wz - along * uz
                return ((qx * qx + qy * qy) + qz * qz).squareRoot()
            }
            let cx = SIMD4(c0[0], c1[0], c2[0], c3[0])
            let cy = SIMD4(c0[1], c1[1], c2[1], c3[1])
            let cz = SIMD4(c0[2], c1[2], c2[2], c3[2])
            let mo = perpendicular(cx, cy, cz)
            // The part along gravity (a shank lying on the mattress bouncing in a clonic burst).
            let al = ((cx * ux + cy * uy) + cz * uz) + zero
            let sm = perpendicular(
                SIMD4(s0[0], s1[0], s2[0], s3[0]), SIMD4(s0[1], s1[1], s2[1], s3[1]),
                SIMD4(s0[2], s1[2], s2[2], s3[2]))
            for k in 0..<4 {
                motion[i + k] = mo[k]
                slowMotion[i + k] = sm[k]
                alongMotion[i + k] = abs(al[k])
            }
            i += 4
        }
        while i < m {
            let f = slow[slowLag + i]
            let now = LegTrack.unit(f)
            let c = fast[lag + i] - fast[i]
            motion[i] = LegTrack.perpendicular(c, now)
            slowMotion[i] = LegTrack.perpendicular(f - slow[i], now)
            alongMotion[i] = abs((c * now).sum())
            i += 1
        }
    }

    @inline(__always)
    static func unit(_ g: SIMD4<Float>) -> SIMD4<Float> {
        let n = (g * g).sum().squareRoot()
        return n > 0.1 ? g / n : SIMD4<Float>(repeating: 0)
    }

    /// Length of the part of `w` perpendicular to the unit vector `u` (all of `w` when `u` is zero).
    @inline(__always)
    static func perpendicular(_ w: SIMD4<Float>, _ u: SIMD4<Float>) -> Float {
        let q = w - (w * u).sum() * u
        return (q * q).sum().squareRoot()
    }

    /// Pass 3, frame by frame: gaps, epochs and seconds, noise floors, and the movement state.
    @inline(__always)
    mutating func step(
        count m: Int, filtered: UnsafeMutablePointer<SIMD4<Float>>, raw: UnsafeMutablePointer<SIMD4<Float>>,
        kind: UnsafeMutablePointer<UInt8>, motion: UnsafeMutablePointer<Float>,
        slowMotion: UnsafeMutablePointer<Float>, alongMotion: UnsafeMutablePointer<Float>,
        second: UnsafeMutablePointer<Float>
    ) {
        let fps = p.framesPerSecond
        let motionSecond = second
        let deviationSecond = second + fps
        // The second in progress, carried between blocks where `second` points.
        var filled = state.secondFilled
        let alpha = p.baselineAlpha
        let quiet = p.quiet
        let settle = p.settle
        let restSettle = p.restSettle
        let floorStride = Int64(p.floorStride)
        let minimumStrong = Int64(p.minimumStrong)
        let shiftFraction = p.shiftFraction
        let postureCos = p.postureCos
        let clipLimit = self.clipLimit
        let epochFrames = Int64(p.epochFrames)
        var epoch = state.epochs.last ?? EpochStat()
        var th = thresholds
        var baseline = self.baseline
        var restUnit = self.restUnit
        // The state's busy fields live in locals for the block (written back around the rare calls that use
        // them, and at the end).
        var validFrames = state.validFrames
        var clipped = state.clipped
        var epochEnd = state.epochEnd
        var secondEnd = state.secondEnd
        var floorNext = state.floorNext
        var mv = state.movement
        for i in 0..<m {
            let t = frame + Int64(i)
            let k = kind[i]
            if k != LegTrack.valid {
                if k == LegTrack.missing {
                    state.validFrames = validFrames
                    state.movement = mv
                    if let ended = state.gap(frame: t) { emit(ended, at: t) }
                    mv = state.movement
                    continue
                }
                baseline = raw[i]
                state.resume(at: t)
                mv.lastQuiet = t - 1
            }
            let x = raw[i]
            let mo = motion[i]
            let al = alongMotion[i]
            let f = filtered[i]
            validFrames += 1
            if clipLimit > 0 && (abs(x[0]) >= clipLimit || abs(x[1]) >= clipLimit || abs(x[2]) >= clipLimit) {
                clipped += 1
            }
            if t >= epochEnd {
                if !state.epochs.isEmpty { state.epochs[state.epochs.count - 1] = epoch }
                let e = Int(t / epochFrames)
                while state.epochs.count <= e { state.epochs.append(EpochStat()) }
                epochEnd = Int64(e + 1) * epochFrames
                epoch = EpochStat()
            }
            epoch.add(raw: x, motion: mo)
            if t >= secondEnd {
                let selection = deviationSecond + fps
                state.motionFloor.closeSecond(
                    UnsafeMutableBufferPointer(start: motionSecond, count: filled), scratch: selection)
                state.deviationFloor.closeSecond(
                    UnsafeMutableBufferPointer(start: deviationSecond, count: filled), scratch: selection)
                filled = 0
                secondEnd = (t / Int64(fps) + 1) * Int64(fps)
                th = Thresholds(state: state, p: p)
            }
            // Every `floorStride`-th frame of the stream feeds the noise floors (the next one after a gap).
            if t >= floorNext {
                motionSecond[filled] = mo
                deviationSecond[filled] = slowMotion[i]
                filled += 1
                floorNext = (t / floorStride + 1) * floorStride
            }

            if !mv.inMovement {
                // Most frames: at rest. The deviation is at most the distance from the resting orientation, so
                // when that is clearly below both deviation thresholds its square roots are not needed.
                let off = f - baseline
                let exact = (off * off).sum() > th.deviationSafeSquared
                let deviation = exact ? LegTrack.perpendicular(off, LegTrack.unit(baseline)) : 0
                if th.canStart && ((exact && deviation > th.deviationOn) || mo > th.motionOn || al > th.alongOn) {
                    mv.inMovement = true
                    mv.onset = mv.lastQuiet + 1
                    mv.peak = exact ? deviation : LegTrack.perpendicular(off, LegTrack.unit(baseline))
                    mv.quietRun = 0
                    mv.stillRun = 0
                    mv.restAtOnset = baseline
                    mv.firstStrong = t
                    mv.lastStrong = t
                    restUnit = LegTrack.unit(baseline)
                } else {
                    if !((exact && deviation > th.deviationOff) || mo > th.motionOff || al > th.alongOff) {
                        mv.lastQuiet = t
                    }
                    // The resting orientation follows slow drift.
                    baseline += alpha * (f - baseline)
                }
            } else {
                let deviation = LegTrack.perpendicular(f - baseline, restUnit)
                mv.peak = max(mv.peak, deviation)
                if deviation > th.deviationOn || mo > th.motionOn || al > th.alongOn { mv.lastStrong = t }
                let active = deviation > th.deviationOff || mo > th.motionOff || al > th.alongOff
                mv.quietRun = active ? 0 : mv.quietRun + 1
                if mo > th.motionOff || al > th.alongOff {
                    mv.stillRun = 0
                } else if mv.stillRun == 0
                    || LegTrack.perpendicular(f - mv.anchor, mv.anchorUnit) > th.deviationOff
                {
                    // A still stretch begins here: where the leg came to rest after motion, or where a slow
                    // rotation (little motion, but the orientation turned since the stretch began) went on.
                    // Measured perpendicular to the present gravity, which after a turn is not the old rest.
                    mv.anchor = f
                    mv.anchorUnit = LegTrack.unit(f)
                    mv.stillRun = 1
                } else {
                    mv.stillRun += 1
                }
                if mv.quietRun >= quiet {
                    // An impulse (a knock on the bed, the sensor bumped) excites the filters above the onset
                    // thresholds for about a tenth of a second; a leg movement, a contraction of 0.5 s or
                    // more, for longer.
                    if mv.lastStrong - mv.firstStrong >= minimumStrong {
                        emit(
                            DetectedMovement(
                                leg: leg, onsetFrame: mv.onset, endFrame: t - Int64(quiet) + 1, kind: .legMovement,
                                peakDeviation: mv.peak, truncated: false), at: t)
                    }
                    mv.inMovement = false
                    mv.lastQuiet = t
                } else if mv.stillRun >= settle {
                    // Still in an orientation other than the rest. Turned far (turning over): at rest there
                    // now. Otherwise the leg may be holding within an LM (which returns within 10 s), so only
                    // after `restSettle` of stillness is this the new rest.
                    let rest = mv.restAtOnset
                    let dot = (rest * f).sum()
                    let norms = ((rest * rest).sum() * (f * f).sum()).squareRoot()
                    let turned = norms > 0 && dot / norms < postureCos
                    if turned || mv.stillRun >= restSettle {
                        baseline = f
                        // Came to rest clearly elsewhere without coming back (the leg shifted, the sensor slid
                        // on its strap): not an LM, which goes out and comes back.
                        let net = LegTrack.perpendicular(f - rest, LegTrack.unit(rest))
                        let shifted = net > max(th.deviationOn, shiftFraction * mv.peak)
                        emit(
                            DetectedMovement(
                                leg: leg, onsetFrame: mv.onset, endFrame: t - Int64(mv.stillRun) + 1,
                                kind: turned || shifted ? .postureChange : .legMovement, peakDeviation: mv.peak,
                                truncated: false),
                            at: t)
                        mv.inMovement = false
                        mv.lastQuiet = t
                    }
                }
            }
        }
        if !state.epochs.isEmpty { state.epochs[state.epochs.count - 1] = epoch }
        state.secondFilled = filled
        state.validFrames = validFrames
        state.clipped = clipped
        state.epochEnd = epochEnd
        state.secondEnd = secondEnd
        state.floorNext = floorNext
        state.movement = mv
        thresholds = th
        self.baseline = baseline
        self.restUnit = restUnit
        frame += Int64(m)
    }
}
