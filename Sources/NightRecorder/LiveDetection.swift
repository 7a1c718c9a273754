import AccelerationSignal
import LegMovementDetection
import LegMovementScoring
import SensorFrames

/// The streaming detector on frames as they arrive, for `plm status` during the night. The two legs are aligned
/// causally by sample count: frame k takes each leg's k-th sample. A leg that falls more than `maxLag` samples
/// behind (unplugged, or absent) is padded with NaN, and when its late samples arrive after all (the backlog after
/// a replug) as many are dropped as were padded, so the count stays aligned. This is an estimate: the nightly
/// summary comes from the recording, where the reader fits each sensor's clock over the whole night.
struct LiveDetection {
    private(set) var detector: LegMovementDetector
    private var queues: [[Float]] = [[], []]
    private var heads = [0, 0]
    /// NaN samples emitted for a leg that its late samples must pay back.
    private var deficit = [0, 0]
    /// Whether a leg has a sensor this night.
    private var present = [false, false]
    /// Samples a leg may lag before it is padded with NaN.
    let maxLag: Int
    private(set) var legMovements = 0
    private(set) var missingFrames: Int64 = 0
    private var chunk: [Float] = []

    /// - Parameters:
    ///   - sampleRate: frames per second, Hz.
    ///   - rangeG: the sensors' full scale, ± g.
    ///   - maxLagSeconds: how far a leg may fall behind before it is taken as missing, seconds.
    init(sampleRate: Double, rangeG: Double, maxLagSeconds: Double = 3) {
        detector = LegMovementDetector(
            description: SignalDescription(
                sampleRate: sampleRate, legs: [.left, .right], rangeG: rangeG, resolutionG: rangeG / 32768))
        maxLag = max(1, Int(sampleRate * maxLagSeconds))
    }

    var frameCount: Int64 { detector.frameCount }
    var sampleRate: Double { detector.description.sampleRate }

    /// Adds a leg's samples (slot 0 left, 1 right) and runs the detector on every frame that is complete.
    mutating func add(slot: Int, frame: SensorFrame) {
        guard slot == 0 || slot == 1 else { return }
        present[slot] = true
        let scale = Float(frame.gPerCount)
        // Samples the sensor lost before this frame keep their places, as NaN (at most a minute's worth).
        var lost = min(Int(frame.lostSamples), Int(sampleRate * 60))
        let paid = min(deficit[slot], lost)
        deficit[slot] -= paid
        lost -= paid
        if lost > 0 { queues[slot] += [Float](repeating: .nan, count: 3 * lost) }
        var skip = min(deficit[slot], frame.sampleCount)
        deficit[slot] -= skip
        for i in 0..<frame.sampleCount {
            if skip > 0 {
                skip -= 1
                continue
            }
            queues[slot].append(Float(frame.samples[3 * i]) * scale)
            queues[slot].append(Float(frame.samples[3 * i + 1]) * scale)
            queues[slot].append(Float(frame.samples[3 * i + 2]) * scale)
        }
        drain()
    }

    private func available(_ slot: Int) -> Int { (queues[slot].count - heads[slot]) / 3 }

    private mutating func drain() {
        chunk.removeAll(keepingCapacity: true)
        while true {
            let a = available(0)
            let b = available(1)
            if a > 0 && b > 0 {
                let n = min(a, b)
                for _ in 0..<n { take(both: true, from: 0) }
            } else if a > maxLag || (a > 0 && !present[1]) {
                let n = a - (present[1] ? maxLag : 0)
                for _ in 0..<n { take(both: false, from: 0) }
                if present[1] { deficit[1] += n }
            } else if b > maxLag || (b > 0 && !present[0]) {
                let n = b - (present[0] ? maxLag : 0)
                for _ in 0..<n { take(both: false, from: 1) }
                if present[0] { deficit[0] += n }
            } else {
                break
            }
        }
        for s in 0..<2 where heads[s] > 30_000 {
            queues[s].removeFirst(heads[s])
            heads[s] = 0
        }
        guard !chunk.isEmpty else { return }
        detector.push(chunk)
        legMovements += detector.drainCompleted().filter { $0.kind == .legMovement }.count
    }

    /// One frame: both legs' next samples, or one leg's and NaN for the other.
    private mutating func take(both: Bool, from slot: Int) {
        var frame = [Float](repeating: .nan, count: 6)
        for s in 0..<2 where both || s == slot {
            let h = heads[s]
            frame[3 * s] = queues[s][h]
            frame[3 * s + 1] = queues[s][h + 1]
            frame[3 * s + 2] = queues[s][h + 2]
            heads[s] += 3
        }
        if !both { missingFrames += 1 }
        chunk += frame
    }
}
