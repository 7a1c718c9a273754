import CPLMGolden
import CPLMProtocol
import SensorFrames
import Testing

/// The golden frames were written by hand from docs/protocol.md (Firmware/protocol/testdata/golden_frames.hex);
/// the firmware's C tests check the same bytes.
@Suite("Sensor frames")
struct SensorFrameTests {
    struct Golden: Sendable, CustomTestStringConvertible {
        let index: Int
        let name: String
        let bytes: [UInt8]
        let status: Int32
        let hasExpect: Bool
        let flags: UInt8, seq: UInt32, timestamp: UInt64, period: UInt16, count: UInt8, range: UInt8, lost: UInt32
        let s0: [Int16], s5: [Int16]
        var testDescription: String { name }
    }

    static let golden: [Golden] = (0..<plm_golden_frame_count()).compactMap { i in
        guard let g = plm_golden_frame(i)?.pointee else { return nil }
        let bytes = Array(UnsafeBufferPointer(start: g.bytes, count: g.length))
        return Golden(
            index: i, name: String(cString: g.name), bytes: bytes, status: g.expected_status,
            hasExpect: g.has_expect != 0, flags: g.flags, seq: g.seq, timestamp: g.timestamp_us,
            period: g.period_us, count: g.count, range: g.range_g, lost: g.lost_samples,
            s0: [g.s0.0, g.s0.1, g.s0.2], s5: [g.s5.0, g.s5.1, g.s5.2])
    }

    @Test("there are golden frames, good and bad")
    func present() {
        #expect(SensorFrameTests.golden.count >= 10)
        #expect(SensorFrameTests.golden.contains { $0.status == 0 })
        #expect(SensorFrameTests.golden.contains { $0.status == 3 })  // truncated
        #expect(SensorFrameTests.golden.contains { $0.status == 4 })  // bad CRC
    }

    @Test("every golden frame decodes to its expected status and fields", arguments: golden)
    func decode(_ g: Golden) {
        let result = SensorFrameCodec.decode(g.bytes)
        let expected: [Int32: FrameDecodeError] = [1: .badMagic, 2: .badVersion, 3: .truncated, 4: .badCRC, 5: .badLength]
        switch result {
        case .success(let f):
            #expect(g.status == 0)
            guard g.hasExpect else { return }
            #expect(f.flags.rawValue == g.flags && f.sequence == g.seq && f.timestamp == g.timestamp)
            #expect(f.period == g.period && f.sampleCount == Int(g.count) && f.rangeG == g.range)
            #expect(f.lostSamples == g.lost)
            #expect(Array(f.samples.prefix(3)) == g.s0)
            if f.sampleCount == 6 { #expect(Array(f.samples[15..<18]) == g.s5) }
            // Encoding the decoded frame gives the same bytes back.
            #expect(SensorFrameCodec.encode(f) == Array(g.bytes.prefix(f.length)))
        case .failure(let e):
            #expect(expected[g.status] == e)
        }
    }

    @Test("every truncation of a good frame is truncated; every single-bit flip is caught")
    func corruption() throws {
        let good = try #require(SensorFrameTests.golden.first { $0.status == 0 && $0.count == 6 })
        for n in 0..<good.bytes.count {
            let r = SensorFrameCodec.decode(good.bytes.prefix(n))
            #expect(throws: FrameDecodeError.self) { try r.get() }
        }
        for i in 0..<good.bytes.count {
            for bit in 0..<8 {
                var b = good.bytes
                b[i] ^= UInt8(1 << bit)
                if case .success = SensorFrameCodec.decode(b) { Issue.record("flip of byte \(i) bit \(bit) accepted") }
            }
        }
    }

    @Test("CRC-32/ISO-HDLC check value")
    func crc() {
        #expect(SensorFrameCodec.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(SensorFrameCodec.crc32([]) == 0)
    }

    @Test("the host's CRC (libdeflate) equals the firmware's nibble table, whole and in pieces, on 2000 buffers")
    func crcAgainstFirmware() {
        var state: UInt64 = 99
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        for n in 0..<2000 {
            let bytes = (0..<(n % 300 + n / 7)).map { _ in UInt8(truncatingIfNeeded: next()) }
            let nibble = bytes.withUnsafeBufferPointer { plm_crc32_nibble_update(0xFFFF_FFFF, $0.baseAddress, $0.count) }
            #expect(SensorFrameCodec.crc32(bytes) == nibble ^ 0xFFFF_FFFF)
            let cut = bytes.isEmpty ? 0 : Int(next() % UInt64(bytes.count))
            let pieces = bytes.withUnsafeBufferPointer { b in
                plm_crc32_update(plm_crc32_update(0xFFFF_FFFF, b.baseAddress, cut), b.baseAddress.map { $0 + cut }, b.count - cut)
            }
            #expect(pieces == nibble)
        }
    }
}

@Suite("Frame packer")
struct FramePackerTests {
    @Test("13 samples at 100 Hz make frames of 6, 6 and 1 with consecutive sequence numbers and timestamps")
    func packing() throws {
        var p = FramePacker(sampleRate: 100, rangeG: 4, startSequence: 0xFFFF_FFFF, startTime: 1_000)
        var frames: [SensorFrame] = []
        for i in 0..<13 {
            if let bytes = p.add(x: Int16(i), y: Int16(-i), z: 16000) { frames.append(try SensorFrameCodec.decode(bytes).get()) }
        }
        if let bytes = p.flush() { frames.append(try SensorFrameCodec.decode(bytes).get()) }
        #expect(frames.map(\.sampleCount) == [6, 6, 1])
        #expect(frames.map(\.sequence) == [0xFFFF_FFFF, 0, 1])  // wraps
        #expect(frames.map(\.timestamp) == [1_000, 61_000, 121_000])
        #expect(frames.map(\.period) == [10_000, 10_000, 10_000])
        #expect(frames[0].flags.contains(.first) && !frames[1].flags.contains(.first))
        #expect(frames[2].samples == [12, -12, 16000])
    }

    @Test("lost samples move time on and are declared by the next frame")
    func loss() throws {
        var p = FramePacker(sampleRate: 50, rangeG: 2)
        var out: [[UInt8]] = []
        for _ in 0..<3 { if let b = p.add(x: 1, y: 2, z: 3) { out.append(b) } }
        if let b = p.lose(10) { out.append(b) }
        for _ in 0..<6 { if let b = p.add(x: 1, y: 2, z: 3) { out.append(b) } }
        let frames = try out.map { try SensorFrameCodec.decode($0).get() }
        #expect(frames.count == 2)
        #expect(frames[1].lostSamples == 10 && frames[1].flags.contains(.sensorGap))
        #expect(frames[1].timestamp == UInt64(13 * 20_000))
    }
}
