import AccelerationSignal
import Foundation
import LegMovementScoring
import RecordingFormats
import SensorFrames
import TestSupport
import Testing

@Suite("plmrec: write, read, recover")
struct PlmrecTests {
    @Test("round trip: identical frame bytes, header, and the expected two-leg grid")
    func roundTrip() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("night.plmrec")
        let written = try writeSimpleRecording(url, frames: 40)
        let (frames, reader) = try readFrames(url)
        #expect(frames[0] == written[0])
        #expect(frames[1] == written[1])
        #expect(reader.problems.isEmpty)
        #expect(reader.header == testHeader())
        #expect(reader.blocksRead == 5)  // block 0 (header) + 4 flushes of 10 frames

        var source = try PlmrecFrameSource(url: url)
        #expect(source.description.sampleRate == 100)
        #expect(source.description.legs == [.left, .right])
        #expect(source.description.rangeG == 4)
        let grid = try readAll(&source)
        #expect(grid.count == 240 * 6)
        var worst: Float = 0
        for k in 0..<240 {
            for s in 0..<2 {
                let (x, y, z) = counts(s, k)
                let want = [x, y, z].map { Float($0) * 4 / 32768 }
                for a in 0..<3 { worst = max(worst, abs(grid[6 * k + 3 * s + a] - want[a])) }
            }
        }
        #expect(worst < 1e-6)
        let q = source.quality
        #expect(q.framesOK == 80 && q.framesBad == 0 && q.samplesLost == 0 && q.problemCount == 0)
    }

    @Test("streaming reads in small chunks equal a whole read")
    func chunks() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("night.plmrec")
        try writeSimpleRecording(url, frames: 37)
        var a = try PlmrecFrameSource(url: url)
        var b = try PlmrecFrameSource(url: url)
        let whole = try readAll(&a, chunk: 1_000_000)
        let small = try readAll(&b, chunk: 7)
        #expect(whole.count == 37 * 6 * 6)
        #expect(sameFrames(whole, small))
    }

    @Test("crash: truncated anywhere in the last block, the torn tail is reported and every complete block read")
    func tornTail() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("night.plmrec")
        try writeSimpleRecording(url, frames: 33, flushEvery: 10)  // last block: 3 frames per sensor
        let bytes = try Data(contentsOf: url)
        let offsets = try blockOffsets(url)
        let last = try #require(offsets.last)
        let cut = dir.appendingPathComponent("cut.plmrec")
        for size in last...(bytes.count - 1) {
            try bytes.prefix(size).write(to: cut)
            let (frames, reader) = try readFrames(cut)
            #expect(frames[0]?.count == 30 && frames[1]?.count == 30, "size \(size)")
            #expect(reader.blocksRead == offsets.count - 1, "size \(size)")
            if size == last {
                #expect(reader.tornTail == nil)
            } else {
                #expect(reader.tornTail?.offset == last, "size \(size): \(reader.problems)")
                #expect(reader.problems.map(\.kind) == [.tornTail], "size \(size): \(reader.problems)")
            }
            // The frame source gets the same frames and reports the torn tail too.
            if size % 97 == 0 {
                var s = try PlmrecFrameSource(url: cut)
                #expect(try readAll(&s).count == 180 * 6)
                #expect(s.quality.tornTail?.offset == last)
            }
        }
    }

    @Test("a corrupt middle block is reported with its offset and later blocks still read")
    func corruptMiddle() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("night.plmrec")
        try writeSimpleRecording(url, frames: 50, flushEvery: 10)
        let original = [UInt8](try Data(contentsOf: url))
        let offsets = try blockOffsets(url)
        #expect(offsets.count == 6)
        let middle = offsets[3]
        // A byte in the payload, in the header's length field, and in the magic.
        for (at, kind) in [
            (middle + 24 + 100, PlmrecProblem.Kind.corruptPayload), (middle + 13, .corruptBlockHeader),
            (middle + 1, .corruptBlockHeader),
        ] {
            var bytes = original
            bytes[at] ^= 0x5A
            let bad = dir.appendingPathComponent("bad-\(at).plmrec")
            try Data(bytes).write(to: bad)
            let (frames, reader) = try readFrames(bad)
            #expect(reader.problems.count == 2, "\(reader.problems)")  // the corrupt block, then the sequence jump
            #expect(reader.problems.first?.offset == middle)
            #expect(reader.problems.first?.kind == kind)
            #expect(reader.problems.last?.kind == .blockSequence)
            #expect(reader.blocksCorrupt == 1)
            #expect(reader.blocksRead == 5)
            #expect(frames[0]?.count == 40 && frames[1]?.count == 40)
            var s = try PlmrecFrameSource(url: bad)
            let grid = try readAll(&s)
            #expect(grid.count == 300 * 6)
            // Frames 20..29 (samples 120..179) are gone: NaN there, values around.
            #expect(grid[6 * 119].isFinite && grid[6 * 120].isNaN && grid[6 * 179].isNaN && grid[6 * 180].isFinite)
            #expect(s.quality.blocksCorrupt == 1 && s.quality.problems.first?.offset == middle)
        }
    }

    @Test("random damage never crashes or hangs the reader")
    func fuzz() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("night.plmrec")
        try writeSimpleRecording(url, frames: 30, flushEvery: 5)
        let original = [UInt8](try Data(contentsOf: url))
        var rng = SplitMix(seed: 42)
        let bad = dir.appendingPathComponent("fuzz.plmrec")
        for round in 0..<60 {
            var bytes = original
            for _ in 0..<(1 + round % 8) {
                let at = Int(rng.next() % UInt64(bytes.count))
                bytes[at] = UInt8(truncatingIfNeeded: rng.next())
            }
            if round % 3 == 0 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count)))) }
            try Data(bytes).write(to: bad)
            let (frames, reader) = try readFrames(bad)
            #expect((frames[0]?.count ?? 0) <= 30)
            #expect(reader.blocksRead + reader.blocksCorrupt <= 7 + 1)
            if let s = try? PlmrecFrameSource(url: bad) {
                var source = s
                _ = try readAll(&source)
            }
        }
    }

    @Test("reopen continues the night: torn tail cut off and reported, blocks numbered on")
    func reopen() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("night.plmrec")
        try writeSimpleRecording(url, frames: 40, flushEvery: 10)
        let offsets = try blockOffsets(url)
        let last = try #require(offsets.last)
        let size = [UInt8](try Data(contentsOf: url)).count
        let handle = try FileHandle(forUpdating: url)
        try handle.truncate(atOffset: UInt64(last + 300))  // the daemon died while writing the last block
        try handle.close()

        let w = try PlmrecWriter.open(existing: url)
        #expect(w.recovery?.tornTail?.offset == last)
        #expect(w.recovery?.bytesTruncated == 300)
        #expect(w.recovery?.blocks == offsets.count - 1)
        #expect(w.header == testHeader())
        for k in 40..<50 {
            for s in 0..<2 {
                let host = Int64(k * 60_000)
                let f = makeFrame(sensor: s, sequence: UInt32(k), first: 6 * k, timestamp: UInt64(host) + UInt64(s + 1) * 1_000_000)
                try w.appendFrame(sensor: s, hostTime: host + 55_000, bytes: try #require(SensorFrameCodec.encode(f)))
            }
        }
        try w.appendNote(hostTime: 3_000_000, text: "daemon restarted")
        try w.close()
        let (frames, reader) = try readFrames(url)
        #expect(reader.problems.isEmpty, "\(reader.problems)")
        #expect(frames[0]?.count == 40 && frames[1]?.count == 40)  // 30 before the torn block, 10 after
        #expect(reader.blocksRead == offsets.count)
        #expect(size > last)
        var s = try PlmrecFrameSource(url: url)
        let grid = try readAll(&s)
        #expect(grid.count == 300 * 6)
        #expect(grid[6 * 179].isFinite && grid[6 * 180].isNaN && grid[6 * 239].isNaN && grid[6 * 240].isFinite)
        #expect(s.quality.notes == [RecordingNote(time: 3_000_000, text: "daemon restarted")])
    }

    @Test("block 0 is byte for byte the example of docs/recording-format.md")
    func golden() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("example.plmrec")
        let header = PlmrecHeader(
            creator: "plm-daemon", softwareVersion: "0.1.0", startTime: "2026-01-05T22:14:03.250+01:00",
            startUnixMicroseconds: 1_767_647_643_250_000, monotonicAnchor: 5_000_000,
            sensors: [PlmrecSensor(serialNumber: "0123456789ABCDEF01234567", side: .left, sampleRate: 100, rangeG: 4)])
        try PlmrecWriter.create(at: url, header: header).close()
        let hex = [UInt8](try Data(contentsOf: url)).map { String(format: "%02x", $0) }.joined()
        let expected = "504c4d4201000000000000007f000000aa38b2286d1d868701ff4400000000000000000001000a00706c6d2d6461656d"
            + "6f6e0500302e312e301d00323032362d30312d30355432323a31343a30332e3235302b30313a3030502ddd89aa470600"
            + "404b4c0000000000020023000000000000000000180030313233343536373839414243444546303132333435363701"
            + "0100010001640004"
        #expect(hex == expected)
        #expect(HostClock.iso8601(unixMicroseconds: header.startUnixMicroseconds, offsetSeconds: 3600) == header.startTime)
    }

    @Test("create refuses to overwrite a recording")
    func noClobber() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("night.plmrec")
        try writeSimpleRecording(url, frames: 2)
        #expect(throws: InputError.self) { try PlmrecWriter.create(at: url, header: testHeader()) }
    }

    @Test("lost samples, dropped frames, host-side jumps and duplicates: NaN at the right grid positions")
    func losses() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("night.plmrec")
        let w = try PlmrecWriter.create(at: url, header: testHeader())
        // (sequence, first sample, lost, flags) of the left sensor; the right sensor is complete.
        let left: [(UInt32, Int, UInt32, SensorFrame.Flags)] = [
            (0, 0, 0, []), (1, 6, 0, []), (2, 12, 0, []), (3, 18, 0, []), (4, 24, 0, []),
            (5, 33, 3, [.sensorGap]),  // samples 30-32 missed by the MCU
            (6, 39, 0, []),
            (9, 57, 12, [.overflowGap]),  // frames 7 and 8 (samples 45-56) dropped on the device
            (9, 57, 12, [.overflowGap]),  // sent again after a USB reset: dropped
            (10, 63, 0, []),
            (12, 75, 0, []),  // frame 11 (samples 69-74) lost on the host side
            (13, 81, 0, []),
        ]
        for s in 0..<2 {
            try w.appendClockAnchor(sensor: s, hostTime: 0, deviceTime: 1_000_000)
            try w.appendClockAnchor(sensor: s, hostTime: 1_000_000, deviceTime: 2_000_000)
        }
        for (seq, first, lost, flags) in left {
            let f = makeFrame(
                sensor: 0, sequence: seq, first: first, timestamp: 1_000_000 + UInt64(first) * 10_000, lost: lost,
                flags: flags.union(.timeSynced))
            try w.appendFrame(sensor: 0, hostTime: Int64(first * 10_000 + 60_000), bytes: try #require(SensorFrameCodec.encode(f)))
        }
        for k in 0..<15 {
            let f = makeFrame(sensor: 1, sequence: UInt32(k), first: 6 * k, timestamp: 1_000_000 + UInt64(k) * 60_000)
            try w.appendFrame(sensor: 1, hostTime: Int64(k * 60_000 + 60_000), bytes: try #require(SensorFrameCodec.encode(f)))
        }
        try w.close()
        var s = try PlmrecFrameSource(url: url)
        let grid = try readAll(&s)
        #expect(grid.count == 90 * 6)
        let missing = Set(Array(30...32) + Array(45...56) + Array(69...74))
        for k in 0..<87 {
            let (x, _, _) = counts(0, k)
            if missing.contains(k) {
                #expect(grid[6 * k].isNaN && grid[6 * k + 2].isNaN, "left \(k)")
            } else {
                #expect(grid[6 * k] == Float(x) * 4 / 32768, "left \(k)")
            }
            #expect(grid[6 * k + 3] == Float(counts(1, k).0) * 4 / 32768, "right \(k)")
        }
        for k in 87..<90 { #expect(grid[6 * k].isNaN && grid[6 * k + 3].isFinite) }
        let q = s.quality
        #expect(q.framesOK == 11 + 15)
        #expect(q.framesDuplicate == 1)
        #expect(q.sequenceJumps == 1)
        #expect(q.samplesLost == 3 + 12 + 6)
        #expect(q.losses.map(\.time) == [330_000, 570_000, 750_000])
        #expect(q.losses.map(\.frames) == [0, 2, 1])
        #expect(q.problems.map(\.kind) == [.duplicateFrame, .sequenceJump])
    }

    @Test("±100 ppm clock drift between the sensors: left and right stay aligned within 10 ms over 8 h")
    func drift() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("night.plmrec")
        let rate = 50
        let period = 1_000_000 / rate
        let hours = 8
        let total = hours * 3600 * rate
        let frames = total / 6
        let ppm = [100e-6, -100e-6]
        let offsets: [Double] = [3_000_000, 7_000_000]
        func device(_ s: Int, _ host: Double) -> UInt64 { UInt64((offsets[s] + host * (1 + ppm[s])).rounded()) }
        // A burst of 2 s starting at an odd time every hour.
        let bursts: [Double] = (1...hours).map { (h: Int) -> Double in
            let start: Double = Double(h * 3600) * 1e6
            return start - 1_234_567 + Double(h) * 7_000
        }
        func value(_ n: Int) -> Int16 {
            let t = Double(n * period)
            return bursts.contains { t >= $0 && t < $0 + 2e6 } ? 8000 : 0
        }
        let w = try PlmrecWriter.create(at: url, header: testHeader(rate: UInt16(rate)))
        var rng = SplitMix(seed: 7)
        for k in 0..<frames {
            let host = Double(6 * k * period)
            if k % (10 * rate / 6) == 0 {  // an anchor every ~10 s with ±300 µs of jitter
                for s in 0..<2 {
                    let jitter = Double(Int(rng.next() % 601) - 300)
                    try w.appendClockAnchor(sensor: s, hostTime: Int64(host + jitter), deviceTime: device(s, host))
                }
            }
            for s in 0..<2 {
                var samples: [Int16] = []
                for n in (6 * k)..<(6 * k + 6) { samples += [value(n), 100, -200] }
                let f = SensorFrame(
                    flags: [], sequence: UInt32(k), timestamp: device(s, host), period: UInt16(period), rangeG: 4,
                    samples: samples)
                try w.appendFrame(
                    sensor: s, hostTime: Int64(host) + Int64(6 * period) + 2_000, bytes: try #require(SensorFrameCodec.encode(f)))
            }
            if k % 100 == 99 { try w.flush() }
        }
        try w.close()
        var source = try PlmrecFrameSource(url: url)
        var onsets: [[Int]] = [[], []]
        var buffer: [Float] = []
        var index = 0
        var previous: [Float] = [0, 0]
        while true {
            buffer.removeAll(keepingCapacity: true)
            let n = try source.read(into: &buffer, maxFrames: 10_000)
            if n == 0 { break }
            for i in 0..<n {
                for s in 0..<2 {
                    let v = buffer[6 * i + 3 * s]
                    if v > 0.5, !(previous[s] > 0.5) { onsets[s].append(index + i) }
                    previous[s] = v
                }
            }
            index += n
        }
        #expect(abs(index - total) <= 1)
        let truth = bursts.map { Int(($0 / Double(period)).rounded(.up)) }
        #expect(onsets[0] == truth)
        #expect(onsets[1] == truth)
        for clock in source.summary.clocks {
            #expect(clock.segments.count == 1)
        }
        let drifts = source.summary.clocks.map { $0.segments.first?.driftPPM ?? 0 }
        #expect(abs(drifts[0] - 100) < 1 && abs(drifts[1] + 100) < 1, "\(drifts)")
    }
}

/// A small deterministic random generator.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
