import AccelerationSignal
import Foundation
import LegMovementScoring
import SensorFrames
import Testing

import RecordingFormats

/// Reads a whole source in chunks of `chunk` frames.
func readAll<S: FrameSource>(_ source: inout S, chunk: Int = 4096) throws -> [Float] {
    var out: [Float] = []
    while try source.read(into: &out, maxFrames: chunk) > 0 {}
    return out
}

/// Bitwise equality of frame arrays (NaN equals NaN).
func sameFrames(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
}

/// Counts of sample `n` of a simulated sensor (distinct per sensor and axis).
func counts(_ sensor: Int, _ n: Int) -> (Int16, Int16, Int16) {
    let base = Int16(truncatingIfNeeded: (n % 4000) - 2000)
    return (base, Int16(truncatingIfNeeded: sensor * 1000 + n % 500), Int16(truncatingIfNeeded: 8192 - n % 97))
}

/// A frame of `count` samples starting at sample `first` of a sensor.
func makeFrame(
    sensor: Int, sequence: UInt32, first: Int, count: Int = 6, timestamp: UInt64, period: UInt16 = 10_000,
    range: UInt8 = 4, lost: UInt32 = 0, flags: SensorFrame.Flags = [.timeSynced]
) -> SensorFrame {
    var samples: [Int16] = []
    for n in first..<(first + count) {
        let (x, y, z) = counts(sensor, n)
        samples += [x, y, z]
    }
    return SensorFrame(
        flags: flags, sequence: sequence, timestamp: timestamp, period: period, rangeG: range, lostSamples: lost,
        samples: samples)
}

func testHeader(rate: UInt16 = 100, sensors: [SensorSide] = [.left, .right]) -> PlmrecHeader {
    PlmrecHeader(
        creator: "plm-tests", softwareVersion: "0.0.0-test", startTime: "2026-01-05T22:00:00.000+01:00",
        startUnixMicroseconds: 1_767_646_800_000_000, monotonicAnchor: 5_000_000,
        sensors: sensors.enumerated().map { i, side in
            PlmrecSensor(serialNumber: String(format: "%024X", 0xABC0 + i), side: side, sampleRate: rate, rangeG: 4)
        })
}

/// Writes a simple recording: `frames` frames of 6 samples for each sensor, device clock = host clock + offset
/// (sensor 0: 1 000 000 µs, sensor 1: 2 000 000 µs), an anchor per sensor every `anchorEvery` frames, a flush
/// every `flushEvery` frames. Returns the frames' bytes per sensor.
@discardableResult
func writeSimpleRecording(
    _ url: URL, frames: Int, flushEvery: Int = 10, anchorEvery: Int = 50, sensors: Int = 2
) throws -> [[[UInt8]]] {
    let w = try PlmrecWriter.create(at: url, header: testHeader(sensors: Array([SensorSide.left, .right].prefix(sensors))))
    var written = [[[UInt8]]](repeating: [], count: sensors)
    for k in 0..<frames {
        for s in 0..<sensors {
            let offset = UInt64(s + 1) * 1_000_000
            let host = Int64(k * 60_000)
            if k % anchorEvery == 0 {
                try w.appendClockAnchor(sensor: s, hostTime: host, deviceTime: UInt64(host) + offset)
            }
            let f = makeFrame(sensor: s, sequence: UInt32(k), first: 6 * k, timestamp: UInt64(host) + offset)
            guard let bytes = SensorFrameCodec.encode(f) else {
                Issue.record("cannot encode")
                return written
            }
            try w.appendFrame(sensor: s, hostTime: host + 55_000, bytes: bytes)
            written[s].append(bytes)
        }
        if k % flushEvery == flushEvery - 1 { try w.flush() }
    }
    try w.close()
    return written
}

/// Frame bytes per sensor read back with the record reader.
func readFrames(_ url: URL) throws -> (frames: [Int: [[UInt8]]], reader: PlmrecReader) {
    let r = try PlmrecReader(url: url)
    var out: [Int: [[UInt8]]] = [:]
    while let e = try r.nextRecord() {
        if case .frame(let s, _, let bytes) = e.record { out[s, default: []].append(bytes) }
    }
    return (out, r)
}

/// Offsets of the valid blocks of a file.
func blockOffsets(_ url: URL) throws -> [Int] {
    let r = try PlmrecReader(url: url)
    var out: [Int] = []
    while let b = try r.nextBlock() { out.append(b.offset) }
    return out
}
