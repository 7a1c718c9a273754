import PLMVocabulary

/// The contract between recordings (files, the live sensors, the simulator) and the leg-movement detector:
/// a fixed-rate stream of frames, each frame six channels in g —
/// `[left x, left y, left z, right x, right y, right z]` — with NaN for a missing sample.
///
/// Axes are the sensor's own (the firmware's LIS3DH axes as mounted, docs/protocol.md). The detector does not
/// assume which axis runs along the leg: it learns the leg's upright direction from the recording.
public enum TwoLegFrame {
    /// Channels per frame.
    public static let channels = 6
    /// Channel offset of a leg's x axis in a frame.
    public static func offset(of leg: Leg) -> Int { leg == .right ? 3 : 0 }
}

/// What the detector needs to know about a stream before its first frame.
public struct SignalDescription: Sendable, Equatable {
    /// Frames per second, Hz.
    public var sampleRate: Double
    /// The legs that have a sensor, `.left` and/or `.right`. The other leg's channels are NaN.
    public var legs: [Leg]
    /// Full scale of the sensors, g (samples at ± this are clipped); nil when unknown.
    public var rangeG: Double?
    /// One quantisation step, g; nil when unknown.
    public var resolutionG: Double?
    /// Time of frame 0 on the recording's clock (microseconds from the recording start, normally 0).
    public var startTime: Microseconds

    public init(
        sampleRate: Double, legs: [Leg], rangeG: Double? = nil, resolutionG: Double? = nil,
        startTime: Microseconds = 0
    ) {
        self.sampleRate = sampleRate
        self.legs = legs
        self.rangeG = rangeG
        self.resolutionG = resolutionG
        self.startTime = startTime
    }

    /// The time of frame `index`: `startTime + index / sampleRate`, rounded to the microsecond.
    /// The one place where a frame index becomes a time.
    @inlinable
    public func time(ofFrame index: Int64) -> Microseconds {
        let x = Double(index) * 1_000_000 / sampleRate
        // `x.rounded()` (half away from zero) without its libm call for 0 <= x < 2^52, where truncating and
        // `x - trunc(x)` are exact: a reader asks for every frame's time.
        guard x >= 0, x < 0x1p52 else { return startTime + Microseconds(x.rounded()) }
        let whole = Int64(x)
        return startTime + (x - Double(whole) >= 0.5 ? whole + 1 : whole)
    }

    /// `Double(time(ofFrame: first + k))` for every k of `times` (a reader that places samples on the frame grid
    /// asks for every frame's time). When the rate is a whole number of hertz that divides 10^6, a frame lasts a
    /// whole number of microseconds P and frame i is at startTime + i P: the same number as `time(ofFrame:)`'s,
    /// whose product i × 10^6 is exact below 2^53 and whose quotient by the rate, i P, is then exact too — without
    /// a division per frame.
    @inlinable
    public func times(ofFrames first: Int64, into times: UnsafeMutableBufferPointer<Double>) {
        let n = Int64(times.count)
        if let rate = Int64(exactly: sampleRate), rate > 0, 1_000_000 % rate == 0, first >= 0,
            first <= (1 << 53) / 1_000_000 - n
        {
            let period = 1_000_000 / rate
            let base = startTime + first * period
            for k in times.indices { times[k] = Double(base + Int64(k) * period) }
        } else {
            for k in times.indices { times[k] = Double(time(ofFrame: first + Int64(k))) }
        }
    }
}

/// A source of frames, read in chunks so that a night never has to be in memory at once.
public protocol FrameSource {
    var description: SignalDescription { get }
    /// Appends up to `maxFrames` frames (6 values each) to `buffer`; returns how many, 0 at the end.
    mutating func read(into buffer: inout [Float], maxFrames: Int) throws -> Int
}

/// Frames held in memory.
public struct InMemoryFrames: FrameSource, Sendable {
    public let description: SignalDescription
    public let values: [Float]
    private var position = 0

    public init(description: SignalDescription, values: [Float]) {
        precondition(values.count % TwoLegFrame.channels == 0, "frames have six channels")
        self.description = description
        self.values = values
    }

    public var frameCount: Int { values.count / TwoLegFrame.channels }

    public mutating func read(into buffer: inout [Float], maxFrames: Int) -> Int {
        let n = min(maxFrames, frameCount - position)
        guard n > 0 else { return 0 }
        let start = position * TwoLegFrame.channels
        buffer.append(contentsOf: values[start..<(start + n * TwoLegFrame.channels)])
        position += n
        return n
    }
}
