import CPLMProtocol
import Foundation
import SensorFrames
import Testing

@testable import RecordingFormats

/// The host's one CRC-32 (the protocol's `plm_crc32`, built on the host from libdeflate, which the .plmrec reader
/// calls for blocks and frames) is CRC-32/ISO-HDLC: the check value from the CRC catalogue, a bit-by-bit
/// definition and the firmware's own nibble table agree with it. The reader's frame view (`plm_frame_peek`) accepts
/// exactly the frames the firmware's `plm_frame_decode` accepts and reads the same fields.
@Suite("The host CRC-32 and FrameView")
struct PlmrecCRCTests {
    /// CRC-32/ISO-HDLC one bit at a time, straight from its definition (reflected polynomial 0xEDB88320, initial
    /// value and final XOR 0xFFFFFFFF): independent of both libdeflate and the nibble table.
    static func bitwise(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        }
        return ~c
    }

    /// The MCU's CRC: the nibble-table form the firmware runs, also built on the host.
    static func nibble(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { plm_crc32_nibble_update(0xFFFF_FFFF, $0.baseAddress, $0.count) } ^ 0xFFFF_FFFF
    }

    @Test("check value 0xCBF43926 for \"123456789\"; empty input 0")
    func checkValue() {
        #expect(PlmrecReader.crc32(ArraySlice(Array("123456789".utf8))) == 0xCBF4_3926)
        #expect(PlmrecReader.crc32(ArraySlice([UInt8]())) == 0)
    }

    @Test("the same CRC as the bit-by-bit definition and the MCU's nibble table for every length 0...300, slices, 100 kB")
    func againstReferences() {
        var rng = SplitMix(seed: 42)
        for length in 0...300 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let expected = PlmrecCRCTests.bitwise(bytes)
            #expect(PlmrecReader.crc32(ArraySlice(bytes)) == expected, "length \(length)")
            #expect(SensorFrameCodec.crc32(bytes) == expected, "length \(length)")
            #expect(PlmrecCRCTests.nibble(bytes) == expected, "length \(length)")
            // A slice that starts at an odd offset (unaligned loads).
            if length > 3 {
                let slice = bytes[3..<length]
                #expect(PlmrecReader.crc32(slice) == PlmrecCRCTests.bitwise(Array(slice)), "slice of \(length)")
            }
        }
        let big = (0..<100_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        #expect(PlmrecReader.crc32(ArraySlice(big)) == PlmrecCRCTests.nibble(big))
        #expect(PlmrecReader.crc32(ArraySlice(big)) == PlmrecCRCTests.bitwise(big))
    }

    @Test("FrameView accepts what plm_frame_decode accepts, with the same fields and samples")
    func frameView() throws {
        var rng = SplitMix(seed: 9)
        var accepted = 0
        var rejected = 0
        for k in 0..<4000 {
            let count = 1 + Int(rng.next() % 6)
            let frame = SensorFrame(
                flags: SensorFrame.Flags(rawValue: UInt8(truncatingIfNeeded: rng.next() & 0x0F)),
                sequence: UInt32(truncatingIfNeeded: rng.next()), timestamp: rng.next(),
                period: UInt16(truncatingIfNeeded: rng.next()), rangeG: [2, 4, 8, 16][Int(rng.next() % 4)],
                lostSamples: UInt32(truncatingIfNeeded: rng.next()),
                samples: (0..<(3 * count)).map { _ in Int16(truncatingIfNeeded: rng.next()) })
            var bytes = try #require(SensorFrameCodec.encode(frame))
            // Three in four damaged: a byte changed, cut short or extended.
            switch k % 4 {
            case 1: bytes[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(1 + rng.next() % 255)
            case 2: bytes.removeLast(1 + Int(rng.next() % UInt64(bytes.count)))
            case 3: bytes += [0, 1, 2]
            default: break
            }
            let reference = SensorFrameCodec.decode(bytes)
            var view = FrameView()
            let ok = bytes.withUnsafeBytes { view.decode($0) }
            switch reference {
            case .success(let f):
                accepted += 1
                #expect(ok)
                #expect(view.sequence == f.sequence && view.flags == f.flags && view.timestamp == f.timestamp)
                #expect(view.period == f.period && view.rangeG == f.rangeG && view.lostSamples == f.lostSamples)
                #expect(view.sampleCount == f.sampleCount)
                var checked = FrameView()
                #expect(bytes.withUnsafeBytes { checked.read(checked: $0) })
                #expect(checked.sequence == f.sequence && checked.timestamp == f.timestamp)
                for i in 0..<f.sampleCount {
                    let (x, y, z) = bytes.withUnsafeBytes { FrameView.sample($0, i) }
                    #expect([x, y, z] == Array(f.samples[(3 * i)..<(3 * i + 3)]))
                }
            case .failure:
                rejected += 1
                #expect(!ok)
            }
        }
        #expect(accepted > 1000 && rejected > 1000)
    }
}
