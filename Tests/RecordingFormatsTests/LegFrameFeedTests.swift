import AccelerationSignal
import Foundation
import SensorFrames
import TestSupport
import Testing

@testable import RecordingFormats

/// The legs' sensors are read in one walk over the file (`LegFrameFeed`); a sensor whose samples pile up while the
/// walk looks for the other's leaves the walk and reads on alone. Either way every grid value and every reading
/// figure is the file's: checked against the values the test wrote, with the walk shared throughout and with a
/// queue limit small enough that a sensor leaves it.
@Suite("plmrec: the legs read in one walk")
struct LegFrameFeedTests {
    /// How the left sensor's frames sit in the file.
    enum Layout: CaseIterable, CustomStringConvertible {
        /// Both sensors' frames interleaved, as plmd writes them.
        case interleaved
        /// The left sensor sends nothing for frames 100..<200 (unplugged), then goes on; its sequence numbers jump.
        case leftSilent
        /// The left sensor's frames 100..<200 come after the right sensor's frame 249 in the file (held back on the
        /// device and sent late), in their own order.
        case leftLate

        var description: String {
            switch self {
            case .interleaved: "interleaved"
            case .leftSilent: "left silent"
            case .leftLate: "left late"
            }
        }
    }

    static let frames = 300

    /// Writes the recording: frames of 6 samples, sensor s's device clock = host clock + (s + 1) s, sample n at
    /// host time n periods.
    static func write(_ url: URL, layout: Layout, rate: UInt16) throws {
        let period = UInt64(1_000_000 / Int(rate))
        let w = try PlmrecWriter.create(at: url, header: testHeader(rate: rate))
        for s in 0..<2 {
            let offset = UInt64(s + 1) * 1_000_000
            try w.appendClockAnchor(sensor: s, hostTime: 0, deviceTime: offset)
            try w.appendClockAnchor(sensor: s, hostTime: 10_000_000, deviceTime: 10_000_000 + offset)
        }
        var written = 0
        func frame(_ s: Int, _ k: Int, receivedAfter: Int) throws {
            let host = UInt64(6 * k) * period
            let f = makeFrame(
                sensor: s, sequence: UInt32(k), first: 6 * k, timestamp: host + UInt64(s + 1) * 1_000_000,
                period: UInt16(period))
            let bytes = try #require(SensorFrameCodec.encode(f))
            // Received when the frame's last sample is taken, or later when it was held back.
            try w.appendFrame(sensor: s, hostTime: Int64(UInt64(6 * receivedAfter + 6) * period), bytes: bytes)
            written += 1
            if written % 20 == 0 { try w.flush() }
        }
        switch layout {
        case .interleaved, .leftSilent:
            for k in 0..<frames {
                if layout == .interleaved || !(100..<200).contains(k) { try frame(0, k, receivedAfter: k) }
                try frame(1, k, receivedAfter: k)
            }
        case .leftLate:
            for k in 0..<100 {
                try frame(0, k, receivedAfter: k)
                try frame(1, k, receivedAfter: k)
            }
            for k in 100..<250 { try frame(1, k, receivedAfter: k) }
            for k in 100..<200 { try frame(0, k, receivedAfter: 249) }
            for k in 200..<frames {
                try frame(0, k, receivedAfter: k)
                if k >= 250 { try frame(1, k, receivedAfter: k) }
            }
        }
        try w.close()
    }

    @Test(
        "the same grid and figures whether the sensors share the walk or one reads alone; the values written",
        arguments: Layout.allCases, [UInt16(50), 100])
    func sharedOrAlone(layout: Layout, rate: UInt16) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("night.plmrec")
        try LegFrameFeedTests.write(url, layout: layout, rate: rate)

        var shared = try PlmrecFrameSource(url: url, sampleRate: nil, queueLimit: LegFrameFeed.defaultQueueLimit)
        // 300 samples: fewer than the right sensor's in the blocks the walk passes while the left is silent or late
        // (100 or 150 frames, 600 or 900 samples); more than wait for it in an interleaved file (10 of its frames
        // a block, and the left leg reads 97 grid frames, about 2 blocks, before the right one takes them).
        var alone = try PlmrecFrameSource(url: url, sampleRate: nil, queueLimit: 300)
        let a = try readAll(&shared, chunk: 97)
        let b = try readAll(&alone, chunk: 97)
        #expect(shared.sensorsReadAlone == 0)
        #expect(alone.sensorsReadAlone == (layout == .interleaved ? 0 : 1))
        #expect(sameFrames(a, b))

        // The values written: sample n of sensor s is counts(s, n) at 4 g full scale, on the grid (the clocks are
        // exact lines); the left leg has none while it was silent.
        let samples = 6 * LegFrameFeedTests.frames
        #expect(a.count == 6 * samples)
        var wrong = 0
        for n in 0..<min(samples, a.count / 6) {
            for s in 0..<2 {
                let (x, y, z) = counts(s, n)
                let silent = layout == .leftSilent && s == 0 && (600..<1200).contains(n)
                for (axis, c) in [x, y, z].enumerated() {
                    let got = a[6 * n + 3 * s + axis]
                    if silent ? !got.isNaN : got != Float(c) * 4 / 32768 { wrong += 1 }
                }
            }
        }
        #expect(wrong == 0)

        let q = shared.quality, r = alone.quality
        #expect(q == r)
        #expect(q.framesOK == (layout == .leftSilent ? 500 : 600))
        #expect(q.sequenceJumps == (layout == .leftSilent ? 1 : 0))
        #expect(shared.readingFindings == alone.readingFindings)
        #expect(shared.samplesOutOfOrder == 0 && alone.samplesOutOfOrder == 0)
    }
}
