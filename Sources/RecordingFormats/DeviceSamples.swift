import AccelerationSignal
import CivilCalendar
import EDFFormat
import Foundation
import LegMovementScoring
import PLMVocabulary

#if canImport(Glibc)
    import Glibc
#endif

/// A run of consecutive samples of one research accelerometer (ActiGraph, Axivity, GENEActiv), as its file states
/// them: three axes in g, the time of the first sample and the time between samples. Decoders produce these in
/// file order; `DeviceFrameSource` places them on the fixed-rate frame grid of the detector.
public struct DeviceSampleBlock: Sendable, Equatable {
    /// Time of the first sample, µs on the device's clock (µs since 1970-01-01 of the clock the device kept).
    public var start: Int64
    /// Seconds between samples within the block (1 / the block's rate).
    public var period: Double
    /// `x y z` per sample, g; NaN for a sample the file marks as missing.
    public var xyz: [Float]
    /// Byte offset of the block (or page, or record) in the file (for a log.bin, in the inflated log.bin).
    public var offset: Int
    /// Why the samples before this block are missing, when the file says (ActiGraph idle sleep mode).
    public var gapReason: String?

    public init(start: Int64, period: Double, xyz: [Float], offset: Int, gapReason: String? = nil) {
        self.start = start
        self.period = period
        self.xyz = xyz
        self.offset = offset
        self.gapReason = gapReason
    }

    public var count: Int { xyz.count / 3 }
}

/// What a device decoder is: a file's sample blocks in file order, and what it stepped over.
public protocol DeviceDecoder {
    /// The next block, nil at the end of the file (or of what can be read of it).
    mutating func nextBlock() throws -> DeviceSampleBlock?
    /// What the file says about the device, known once the decoder is made.
    var info: DeviceInfo { get }
    /// Recoverable damage stepped over so far (corrupt blocks, a torn last page), each with its byte offset.
    var findings: [String] { get }
}

/// What a device file says about itself before its first sample.
public struct DeviceInfo: Sendable, Equatable {
    /// `gt3x`, `cwa`, `geneactiv`, `actilife-csv`.
    public var format: String
    /// The device model as the file names it (`GT3XPlus`, `AX3`, `AX6`, `GENEActiv 1.1`).
    public var device: String
    public var serial: String
    /// The rate the device was set to sample at, Hz: the frame rate of the source.
    public var sampleRate: Double
    /// Full scale, g, when the file states it.
    public var rangeG: Double?
    /// One quantisation step, g, when the file states it.
    public var resolutionG: Double?
    /// Offset of the device's clock from UTC, seconds (east positive), when the file states it.
    public var utcOffsetSeconds: Int?
    /// The leg the file says the device was worn on, when it says (`Side: Left` of an ActiGraph `info.txt`).
    public var side: Leg?

    public init(
        format: String, device: String, serial: String, sampleRate: Double, rangeG: Double? = nil,
        resolutionG: Double? = nil, utcOffsetSeconds: Int? = nil, side: Leg? = nil
    ) {
        self.format = format
        self.device = device
        self.serial = serial
        self.sampleRate = sampleRate
        self.rangeG = rangeG
        self.resolutionG = resolutionG
        self.utcOffsetSeconds = utcOffsetSeconds
        self.side = side
    }
}

/// One research accelerometer's file as two-leg frames in g: its samples on one leg's channels (the other leg NaN),
/// at the rate the device was set to, from the time of its first sample.
///
/// A device's own clock places each block (per-block time stamps of `.cwa` and `.gt3x`, page times of GENEActiv);
/// frames between two samples are interpolated linearly (at most one sample period apart, so on-grid samples are
/// passed through unchanged: ActiGraph and GENEActiv samples fall on the grid). Where samples are further apart
/// than 1.5 sample periods the frames are missing (NaN) and the gap is a finding with the byte offset of the block
/// after it. Time running backwards drops the samples it overlaps (a finding). Limits as for every reader
/// (docs/recording-format.md, "Limits").
public struct DeviceFrameSource<Decoder: DeviceDecoder>: FrameSource, ReadingFindings {
    public let description: SignalDescription
    public let info: DeviceInfo
    /// µs since 1970-01-01 on the device's clock of frame 0 (the first sample).
    public let startDeviceMicroseconds: Int64
    /// µs since the Unix epoch (UTC) of frame 0, when the file states its clock's offset from UTC.
    public var startUnixMicroseconds: Int64? {
        info.utcOffsetSeconds.map { startDeviceMicroseconds - Int64($0) * 1_000_000 }
    }
    /// Spans without samples, seconds from frame 0, in order.
    public private(set) var gaps: [(from: Double, to: Double, reason: String)] = []

    public var readingFindings: [String] {
        decoder.findings + ownFindings
            + (findingsDropped > 0 ? ["\(findingsDropped) more findings not listed"] : [])
    }
    public var samplesExcluded: Int { 0 }

    private var decoder: Decoder
    private let path: String
    private let channel: Int
    private let period: Double
    /// The current block and the next sample in it.
    private var block: DeviceSampleBlock?
    private var blockStart = 0.0
    private var index = 0
    /// The last sample at or before the current frame time: time (s from frame 0) and values.
    private var prevT = -Double.infinity
    private var prev: (Float, Float, Float) = (.nan, .nan, .nan)
    private var frame: Int64 = 0
    private var ended = false
    private var ownFindings: [String] = []
    private var findingsDropped = 0
    /// A gap is reported once, when the first frame inside it is written.
    private var reportedGapBefore = -1
    /// The last block's start (s from frame 0) and sample count, for the clock check.
    private var lastBlockStart = 0.0
    private var lastBlockCount = 0
    /// Samples and seconds between consecutive blocks' time stamps where no gap lies between them: what the
    /// file's own clock says of its rate (`timeStampRate`).
    public private(set) var timedSamples = 0
    public private(set) var timedSeconds = 0.0

    /// The rate the file's time stamps show over the blocks read so far (samples ÷ seconds between consecutive
    /// blocks' stamps, gaps left out), Hz; nil before two consecutive blocks. Against the stated rate it gives
    /// the device clock's drift relative to its own sampling (`driftPPM`).
    public var timeStampRate: Double? { timedSeconds > 0 ? Double(timedSamples) / timedSeconds : nil }

    /// (time-stamp rate ÷ stated rate − 1) × 10⁶: positive when the stamps say the device sampled faster than it
    /// states. nil before two consecutive blocks.
    public var driftPPM: Double? { timeStampRate.map { ($0 / info.sampleRate - 1) * 1e6 } }

    /// Frames placed within this much of a sample's time take the sample itself, s.
    static var snap: Double { GridCursor.snap }

    /// - Parameter leg: the leg the device was worn on; nil takes the one the file names, else the left.
    public init(decoder: Decoder, path: String, leg: Leg? = nil) throws {
        let info = decoder.info
        if let p = RecordingLimits.sampleRateProblem(info.sampleRate) {
            throw InputError(file: path, message: p)
        }
        var decoder = decoder
        var first: DeviceSampleBlock?
        while let b = try decoder.nextBlock() {
            if b.count > 0 {
                first = b
                break
            }
        }
        guard let first else {
            // Say why: the damage the decoder stepped over is all the reader found.
            let found = decoder.findings
            let why = found.isEmpty ? "" : " (\(found[0])" + (found.count > 1 ? "; \(found.count - 1) more findings)" : ")")
            throw InputError(file: path, message: "the file holds no acceleration samples" + why)
        }
        let side = leg ?? info.side ?? .left
        self.decoder = decoder
        self.info = info
        self.path = path
        channel = TwoLegFrame.offset(of: side == .right ? .right : .left)
        period = 1 / info.sampleRate
        startDeviceMicroseconds = first.start
        block = first
        lastBlockCount = first.count
        description = SignalDescription(
            sampleRate: info.sampleRate, legs: [side == .right ? .right : .left], rangeG: info.rangeG,
            resolutionG: info.resolutionG)
    }

    private mutating func note(_ text: String) {
        if ownFindings.count < 1000 { ownFindings.append(text) } else { findingsDropped += 1 }
    }

    /// Loads the next non-empty block, checking its time against the previous sample and the limits.
    private mutating func advanceBlock() throws {
        block = nil
        while !ended, let b = try decoder.nextBlock() {
            guard b.count > 0 else { continue }
            let start = Double(b.start - startDeviceMicroseconds) / 1e6
            if start > RecordingLimits.maxDuration {
                note(
                    "byte \(b.offset): samples \(Int(start)) s after the first one, beyond the longest recording read "
                        + "(\(Int(RecordingLimits.maxDuration / 3600)) h); the recording ends here")
                ended = true
                return
            }
            if start - prevT > RecordingLimits.maxGap {
                note(
                    "byte \(b.offset): no samples for \(Int(start - prevT)) s, longer than the longest gap read "
                        + "(\(Int(RecordingLimits.maxGap / 3600)) h); the recording ends here")
                ended = true
                return
            }
            // Consecutive blocks (no gap between them, within 1.5 periods or 1 % of the block): their stamps
            // measure the rate.
            let expected = lastBlockStart + Double(lastBlockCount) * period
            if lastBlockCount > 0, start > lastBlockStart,
                abs(start - expected) <= max(1.5 * period, 0.01 * Double(lastBlockCount) * period)
            {
                timedSamples += lastBlockCount
                timedSeconds += start - lastBlockStart
            }
            lastBlockStart = start
            lastBlockCount = b.count
            var b = b
            var skip = 0
            // Samples at or before the last one read: the clock went back (or a block was written twice).
            while skip < b.count, start + Double(skip) * b.period <= prevT + DeviceFrameSource.snap { skip += 1 }
            if skip > 0 {
                note(
                    "byte \(b.offset): the time stamp goes back \(String(format: "%.3f", prevT - start)) s; "
                        + "\(skip) overlapping samples dropped")
                if skip == b.count { continue }
                b.xyz.removeFirst(skip * 3)
            }
            blockStart = start + Double(skip) * b.period
            block = b
            index = 0
            return
        }
        ended = true
    }

    public mutating func read(into buffer: inout [Float], maxFrames: Int) throws -> Int {
        let channels = TwoLegFrame.channels
        var n = 0
        // Frames are written in batches: a batch's values are appended as NaN (the other leg's channels stay NaN),
        // this leg's three values are stored in place, and what the batch did not use is removed again.
        while n < maxFrames {
            let batch = min(maxFrames - n, DeviceFrameSource.batchFrames)
            let base = buffer.count
            buffer.append(contentsOf: GridCursor.nanFrames[0..<(batch * channels)])
            let (written, failure) = buffer.withUnsafeMutableBufferPointer { fill($0, from: base, frames: batch) }
            buffer.removeLast((batch - written) * channels)
            n += written
            // The frames before an error stay in the buffer, as they were appended.
            if let failure { throw failure }
            if written < batch { break }  // past the last sample
        }
        return n
    }

    /// Frames written into the buffer at a time by `read`.
    static var batchFrames: Int { GridCursor.batchFrames }

    /// Writes up to `frames` frames into `out` from index `base`, whose `frames × channels` values the caller
    /// appended (NaN); returns how many it wrote (fewer only past the last sample, or when reading the next
    /// block failed: then with the error). The per-frame work is `GridCursor.place`, a loop that is not generic
    /// (in this generic type every access to a stored property would look up its offset); this moves it on to
    /// the next block and notes gaps.
    private mutating func fill(
        _ out: UnsafeMutableBufferPointer<Float>, from base: Int, frames: Int
    ) -> (written: Int, failure: (any Error)?) {
        var cursor = GridCursor(
            period: period, channel: channel, frame: frame, prevT: prevT, prev: prev, index: index,
            blockStart: blockStart, blockPeriod: block?.period ?? period, hasBlock: block != nil)
        var samples = block?.xyz ?? []
        var written = 0
        defer {
            frame = cursor.frame
            prevT = cursor.prevT
            prev = cursor.prev
            index = cursor.index
        }
        while true {
            let stop = samples.withUnsafeBufferPointer {
                cursor.place(samples: $0, into: out, from: base, frames: frames, written: &written)
            }
            switch stop {
            case .full, .pastEnd:
                return (written, nil)
            case .gap(let from, let to):
                noteGap(from: from, until: to)
            case .blockEnded:
                prevT = cursor.prevT
                index = cursor.index
                do {
                    try advanceBlock()
                } catch {
                    return (written, error)
                }
                cursor.index = index
                cursor.blockStart = blockStart
                cursor.blockPeriod = block?.period ?? period
                cursor.hasBlock = block != nil
                samples = block?.xyz ?? []
            }
        }
    }

    /// A gap between the last sample read (at `prevT`) and the current block's next one (at `nextT`, s from
    /// frame 0): noted once, when the first frame inside it is written.
    private mutating func noteGap(from prevT: Double, until nextT: Double) {
        guard let b = block, reportedGapBefore != b.offset else { return }
        reportedGapBefore = b.offset
        let reason = b.gapReason ?? "no samples in the file"
        gaps.append((prevT, nextT, reason))
        note(
            "byte \(b.offset): no samples for \(String(format: "%.3f", nextT - prevT)) s "
                + "(from \(String(format: "%.3f", prevT)) s to \(String(format: "%.3f", nextT)) s): "
                + "\(reason); read as missing")
    }
}

/// Where `DeviceFrameSource` stands on the frame grid, and its per-frame loop.
struct GridCursor {
    /// Seconds between frames; the leg's first channel in a frame.
    let period: Double
    let channel: Int
    /// The next frame to write.
    var frame: Int64
    /// The last sample at or before the current frame time: time (s from frame 0) and values.
    var prevT: Double
    var prev: (Float, Float, Float)
    /// The current block's next sample, its first sample's time (s from frame 0) and its sample period.
    var index: Int
    var blockStart: Double
    var blockPeriod: Double
    var hasBlock: Bool

    /// Frames placed within this much of a sample's time take the sample itself, s.
    static var snap: Double { 1e-6 }

    /// Frames written into the buffer at a time by `DeviceFrameSource.read`, and as many frames of NaN (copied
    /// into the buffer before a batch's values are stored in place).
    static let batchFrames = 4096
    static let nanFrames = [Float](repeating: .nan, count: batchFrames * TwoLegFrame.channels)

    /// Why `place` stopped.
    enum Stop {
        /// It wrote every frame asked for.
        case full
        /// The current block's last sample was read (the frame being placed is not written yet): load the next
        /// block and call again.
        case blockEnded
        /// It wrote a frame inside a gap between samples (`from`, `to`: s from frame 0); call again.
        case gap(from: Double, to: Double)
        /// There are no more samples.
        case pastEnd
    }

    /// Frames from `frame` on into `out` (frame k of this call at `base + k × channels`, this leg's three values
    /// at `channel`), from the current block's samples `s` (x y z each), until `written` reaches `frames`.
    ///
    /// A frame at time t takes the last sample at or before t when that lies within `snap` of t, else the
    /// value interpolated linearly between it and the next sample when those are at most 1.5 periods apart,
    /// else NaN (a gap).
    mutating func place(
        samples s: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>, from base: Int,
        frames: Int, written: inout Int
    ) -> Stop {
        let snap = GridCursor.snap
        let channels = TwoLegFrame.channels
        let count = hasBlock ? s.count / 3 : 0
        // Time of the current block's next sample, s from frame 0 (when there is a block).
        var nextT = blockStart + Double(index) * blockPeriod
        while written < frames {
            let t = Double(frame) * period
            // Move every sample at or before t into `prev`.
            while hasBlock, nextT <= t + snap {
                prevT = nextT
                // index < count = s.count / 3: the three values lie within `s`.
                let k = index &* 3
                prev = (s[k], s[k &+ 1], s[k &+ 2])
                index &+= 1
                if index >= count { return .blockEnded }
                nextT = blockStart + Double(index) * blockPeriod
            }
            var gap = false
            let value: (Float, Float, Float)
            if abs(t - prevT) <= snap {
                value = prev
            } else if hasBlock {
                let limit = 1.5 * max(period, blockPeriod)
                if nextT - prevT <= limit {
                    let w = Float((t - prevT) / (nextT - prevT))
                    let i = index &* 3
                    value = (
                        prev.0 + (s[i] - prev.0) * w, prev.1 + (s[i &+ 1] - prev.1) * w,
                        prev.2 + (s[i &+ 2] - prev.2) * w
                    )
                } else {
                    value = (.nan, .nan, .nan)
                    gap = true
                }
            } else {
                return .pastEnd
            }
            // Within `out` by construction: written < frames, channel + 3 <= channels, and the caller appended
            // `frames × channels` values from `base`.
            let o = base &+ written &* channels &+ channel
            out[o] = value.0
            out[o &+ 1] = value.1
            out[o &+ 2] = value.2
            // Neither can overflow: written < frames, and frames are bounded by the longest recording read.
            frame &+= 1
            written &+= 1
            if gap { return .gap(from: prevT, to: nextT) }
        }
        return .full
    }
}

/// Little helpers for decoding bytes with bounds checked.
enum Bytes {
    @inline(__always) static func u16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
    @inline(__always) static func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
    @inline(__always) static func i16(_ b: [UInt8], _ i: Int) -> Int { Int(Int16(bitPattern: UInt16(u16(b, i)))) }

    /// The whole of a regular file.
    static func read(_ url: URL) throws -> [UInt8] {
        try RegularFile.check(url)
        if let bytes = readDirectly(url.path) { return bytes }
        do {
            return [UInt8](try Data(contentsOf: url, options: .mappedIfSafe))
        } catch {
            throw InputError(file: url.path, message: "cannot read the file (\(error.localizedDescription))")
        }
    }

    /// The whole of a regular file read with read(2) straight into the array (no copy through `Data`); nil when
    /// anything is unusual (it cannot be opened or stat'ed, it is not a regular file, a read fails, or its size
    /// changes while it is read): `read` then reads it through `Data`, which says what is wrong.
    static func readDirectly(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var s = stat()
        guard fstat(descriptor, &s) == 0, s.st_mode & S_IFMT == S_IFREG, s.st_size >= 0 else { return nil }
        let size = Int(s.st_size)
        var whole = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }  // size 0
            var done = 0
            while done < size {
                // At most size − done bytes, into the part of the buffer not yet filled.
                let got = Glibc.read(descriptor, base + done, size - done)
                if got < 0, errno == EINTR { continue }
                guard got > 0 else { break }
                done += got
            }
            initialized = done
            whole = done == size
        }
        // The end of the file where its size said (a file that grew is read the general way).
        var probe: UInt8 = 0
        guard size == 0 || whole, Glibc.read(descriptor, &probe, 1) == 0 else { return nil }
        return bytes
    }

    /// µs since 1970-01-01 of a civil date and time.
    static func micros(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, micro: Int = 0) -> Int64 {
        let days = Int64(CivilCalendar.dayNumber(year: year, month: month, day: day))
        return (days * 86400 + Int64(hour * 3600 + minute * 60 + second)) * 1_000_000 + Int64(micro)
    }
}
