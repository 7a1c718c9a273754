/// Packs a stream of samples into sensor frames the way the firmware does (docs/protocol.md): up to six
/// samples per frame, a sequence number per frame, the device timestamp of each frame's first sample, and a
/// loss record on the frame after samples were lost. Used by the simulator's recordings and the emulated
/// sensor in the tests; the firmware's own C code does the byte packing.
public struct FramePacker: Sendable {
    public let period: UInt16
    public let rangeG: UInt8
    public let samplesPerFrame: Int
    public private(set) var sequence: UInt32
    /// Device time of the next sample, µs.
    public private(set) var deviceTime: UInt64
    var pending: [Int16] = []
    var pendingStart: UInt64 = 0
    var pendingLost: UInt32 = 0
    var first = true

    /// - Parameters:
    ///   - sampleRate: Hz; the period is 1e6 / rate µs, rounded.
    ///   - startSequence, startTime: where the device's counters stand.
    public init(
        sampleRate: Double, rangeG: UInt8, samplesPerFrame: Int = SensorFrameCodec.maxSamples,
        startSequence: UInt32 = 0, startTime: UInt64 = 0
    ) {
        period = UInt16(clamping: Int((1_000_000 / sampleRate).rounded()))
        self.rangeG = rangeG
        self.samplesPerFrame = max(1, min(samplesPerFrame, SensorFrameCodec.maxSamples))
        sequence = startSequence
        deviceTime = startTime
    }

    /// Adds one sample (x, y, z counts); returns a frame's bytes when one is complete.
    public mutating func add(x: Int16, y: Int16, z: Int16) -> [UInt8]? {
        if pending.isEmpty { pendingStart = deviceTime }
        pending += [x, y, z]
        deviceTime &+= UInt64(period)
        return pending.count / 3 >= samplesPerFrame ? flush() : nil
    }

    /// Records samples the device lost (not sent): time moves on, the next frame says how many.
    public mutating func lose(_ count: Int) -> [UInt8]? {
        let out = flush()
        pendingLost &+= UInt32(clamping: count)
        deviceTime &+= UInt64(period) * UInt64(count)
        return out
    }

    /// Emits the samples collected so far as a frame (nil when there are none).
    public mutating func flush() -> [UInt8]? {
        guard !pending.isEmpty else { return nil }
        var flags: SensorFrame.Flags = []
        if first { flags.insert(.first) }
        if pendingLost > 0 { flags.insert(.sensorGap) }
        let frame = SensorFrame(
            flags: flags, sequence: sequence, timestamp: pendingStart, period: period, rangeG: rangeG,
            lostSamples: pendingLost, samples: pending)
        pending.removeAll(keepingCapacity: true)
        pendingLost = 0
        first = false
        sequence &+= 1
        return SensorFrameCodec.encode(frame)
    }
}
