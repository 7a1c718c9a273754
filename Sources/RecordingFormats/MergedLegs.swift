import AccelerationSignal
import Foundation
import LegMovementScoring
import PLMVocabulary

/// A source whose file states its sampling rate and stamps its samples with times, so that the two can be
/// compared (research devices: `DeviceFrameSource`).
public protocol TimeStampedSource {
    /// The rate the file's time stamps show, Hz; nil when they cannot tell.
    var timeStampRate: Double? { get }
    /// (time-stamp rate ÷ stated rate − 1) × 10⁶; nil when the stamps cannot tell.
    var driftPPM: Double? { get }
}

extension DeviceFrameSource: TimeStampedSource {}

/// Two recordings, one per ankle, as one two-leg frame source (`plm-replay --left A --right B`,
/// docs/recording-format.md, "One device per ankle").
///
/// Each file keeps its own clock and rate: sample `i` of a leg lies at `offset + i / rate` seconds from the common
/// origin (the earlier file's start; the caller gives each file's `offset`, ≥ 0). The output grid runs at the
/// higher of the two rates from the origin; each output frame takes, for each leg, the leg's sample at that time
/// (within 1 µs), else the linear interpolation of the samples either side when they are at most 1.5 periods
/// apart (the longer of the leg's and the output's period), else NaN — the placement `DeviceFrameSource` gives a
/// device's samples. A NaN sample makes its neighbourhood NaN. So two files at the same rate whose starts differ by
/// a whole number of periods pass their samples through unchanged. The output ends with the later of the two
/// legs' last samples; a leg that has ended, or not started, is NaN.
public struct MergedLegSource: FrameSource, ReadingFindings {
    public let description: SignalDescription
    /// Each leg's rate, Hz, and offset of its first sample from the origin, s.
    public let leftRate: Double, rightRate: Double
    public let leftOffset: Double, rightOffset: Double
    private var left: LegStream
    private var right: LegStream
    private var frame: Int64 = 0

    /// The channels of `leg` in a source: its own when it has that leg, else its only leg.
    static func channel(of source: any FrameSource, for leg: Leg, path: String) throws -> Int {
        let legs = source.description.legs
        if legs.contains(leg) { return TwoLegFrame.offset(of: leg) }
        if legs.count == 1, let only = legs.first { return TwoLegFrame.offset(of: only) }
        throw InputError(file: path, message: "the recording has no \(leg.name) leg to take")
    }

    /// - Parameters:
    ///   - left, right: the two files' sources and paths (for errors); each gives the leg it was worn on (a
    ///     two-leg file gives that leg's channels).
    ///   - leftOffset, rightOffset: seconds from the origin to each file's first frame (one of them 0).
    public init(
        left: any FrameSource, leftPath: String, leftOffset: Double, right: any FrameSource, rightPath: String,
        rightOffset: Double
    ) throws {
        let l = left.description, r = right.description
        let rate = max(l.sampleRate, r.sampleRate)
        self.left = LegStream(
            source: left, channel: try MergedLegSource.channel(of: left, for: .left, path: leftPath),
            rate: l.sampleRate, offset: leftOffset, outputPeriod: 1 / rate, name: "left")
        self.right = LegStream(
            source: right, channel: try MergedLegSource.channel(of: right, for: .right, path: rightPath),
            rate: r.sampleRate, offset: rightOffset, outputPeriod: 1 / rate, name: "right")
        leftRate = l.sampleRate
        rightRate = r.sampleRate
        self.leftOffset = leftOffset
        self.rightOffset = rightOffset
        let ranges = [l.rangeG, r.rangeG].compactMap { $0 }
        description = SignalDescription(
            sampleRate: rate, legs: [.left, .right], rangeG: ranges.max(),
            resolutionG: l.resolutionG == r.resolutionG ? l.resolutionG : nil)
    }

    public var leftDriftPPM: Double? { (left.source as? any TimeStampedSource)?.driftPPM }
    public var rightDriftPPM: Double? { (right.source as? any TimeStampedSource)?.driftPPM }

    public var readingFindings: [String] { left.findings + right.findings }
    public var samplesExcluded: Int { left.excluded + right.excluded }

    public mutating func read(into buffer: inout [Float], maxFrames: Int) throws -> Int {
        var n = 0
        let rate = description.sampleRate
        buffer.reserveCapacity(buffer.count + maxFrames * TwoLegFrame.channels)
        while n < maxFrames {
            let t = Double(frame) / rate
            try left.advance(to: t)
            try right.advance(to: t)
            if left.ended(at: t) && right.ended(at: t) { break }
            let a = left.value(at: t), b = right.value(at: t)
            buffer.append(a.0)
            buffer.append(a.1)
            buffer.append(a.2)
            buffer.append(b.0)
            buffer.append(b.1)
            buffer.append(b.2)
            frame += 1
            n += 1
        }
        return n
    }
}

/// One leg's samples read from its file's frames, with the samples either side of the current output time.
struct LegStream {
    var source: any FrameSource
    let channel: Int
    let rate: Double
    let offset: Double
    let limit: Double
    let name: String
    private var buffer: [Float] = []
    private var position = 0
    private var index: Int64 = 0
    private var exhausted = false
    private var prevT = -Double.infinity
    private var prev: (Float, Float, Float) = (.nan, .nan, .nan)
    private var next: (Float, Float, Float)?
    private var nextT = 0.0
    static let snap = 1e-6

    init(source: any FrameSource, channel: Int, rate: Double, offset: Double, outputPeriod: Double, name: String) {
        self.source = source
        self.channel = channel
        self.rate = rate
        self.offset = offset
        self.name = name
        limit = 1.5 * max(outputPeriod, 1 / rate)
    }

    var findings: [String] {
        ((source as? any ReadingFindings)?.readingFindings ?? []).map { "\(name) leg: \($0)" }
    }
    var excluded: Int { (source as? any ReadingFindings)?.samplesExcluded ?? 0 }

    /// Loads the next sample into `next` (nil at the end).
    private mutating func load() throws {
        if position >= buffer.count {
            buffer.removeAll(keepingCapacity: true)
            position = 0
            if !exhausted, try source.read(into: &buffer, maxFrames: 4096) == 0 { exhausted = true }
            if buffer.isEmpty {
                next = nil
                return
            }
        }
        let o = position + channel
        next = (buffer[o], buffer[o + 1], buffer[o + 2])
        nextT = offset + Double(index) / rate
        position += TwoLegFrame.channels
        index += 1
    }

    /// Moves every sample at or before `t` (within 1 µs) into `prev`.
    mutating func advance(to t: Double) throws {
        if next == nil, !exhausted { try load() }
        while let n = next, nextT <= t + LegStream.snap {
            prev = n
            prevT = nextT
            try load()
        }
    }

    /// No sample at or after `t`.
    func ended(at t: Double) -> Bool { next == nil && t > prevT + LegStream.snap }

    func value(at t: Double) -> (Float, Float, Float) {
        if abs(t - prevT) <= LegStream.snap { return prev }
        guard let n = next, nextT - prevT <= limit + LegStream.snap else { return (.nan, .nan, .nan) }
        let w = Float((t - prevT) / (nextT - prevT))
        return (prev.0 + (n.0 - prev.0) * w, prev.1 + (n.1 - prev.1) * w, prev.2 + (n.2 - prev.2) * w)
    }
}
