import CivilCalendar
import Foundation
import LegMovementScoring
import SensorFrames

/// The native recording format `.plmrec`, version 1 (docs/recording-format.md): the sensors' frames exactly as
/// received, in CRC-checked blocks that are appended and fsynced while the night is recorded.
public enum Plmrec {
    /// Format version written in every block header and in the recording header.
    public static let formatVersion: UInt16 = 1
    /// Block magic, the bytes `50 4C 4D 42` ("PLMB").
    public static let blockMagic: [UInt8] = [0x50, 0x4C, 0x4D, 0x42]
    /// Bytes of a block header.
    public static let blockHeaderSize = 24
    /// Bytes of a record header.
    public static let recordHeaderSize = 12
    /// Largest payload a reader accepts (a larger length is corruption).
    public static let maxPayload = 16 << 20
    /// Sensor index of records that belong to no sensor.
    public static let noSensor: UInt8 = 0xFF
}

/// One sensor of a recording, as the daemon found it (GET_INFO, docs/protocol.md).
public struct PlmrecSensor: Sendable, Equatable {
    public var serialNumber: String
    public var side: SensorSide
    /// Accelerometer model code: 1 LIS3DH, 0xFE simulated.
    public var accelerometerModel: UInt8
    /// Firmware major, minor, patch.
    public var firmwareVersion: [UInt8]
    public var protocolVersion: UInt8
    /// Configured sample rate, Hz.
    public var sampleRate: UInt16
    /// Full scale, ± g.
    public var rangeG: UInt8

    public init(
        serialNumber: String, side: SensorSide, accelerometerModel: UInt8 = 1, firmwareVersion: [UInt8] = [0, 1, 0],
        protocolVersion: UInt8 = 1, sampleRate: UInt16, rangeG: UInt8
    ) {
        self.serialNumber = serialNumber
        self.side = side
        self.accelerometerModel = accelerometerModel
        self.firmwareVersion = firmwareVersion
        self.protocolVersion = protocolVersion
        self.sampleRate = sampleRate
        self.rangeG = rangeG
    }
}

/// The recording header: the first record of block 0.
public struct PlmrecHeader: Sendable, Equatable {
    public var formatVersion: UInt16
    /// The program that wrote the file, e.g. `plm-daemon`.
    public var creator: String
    public var softwareVersion: String
    /// Recording start on the host's wall clock, ISO 8601 with UTC offset, e.g. `2026-01-05T22:14:03.250+01:00`.
    public var startTime: String
    /// The same instant in µs since the Unix epoch.
    public var startUnixMicroseconds: Int64
    /// The host's monotonic clock (CLOCK_MONOTONIC, µs) at the recording start: host time 0 of every record.
    public var monotonicAnchor: Int64
    /// The sensors, indexed by the records' sensor index. Sensors added later in the night are appended.
    public var sensors: [PlmrecSensor]

    public init(
        formatVersion: UInt16 = Plmrec.formatVersion, creator: String, softwareVersion: String, startTime: String,
        startUnixMicroseconds: Int64, monotonicAnchor: Int64, sensors: [PlmrecSensor]
    ) {
        self.formatVersion = formatVersion
        self.creator = creator
        self.softwareVersion = softwareVersion
        self.startTime = startTime
        self.startUnixMicroseconds = startUnixMicroseconds
        self.monotonicAnchor = monotonicAnchor
        self.sensors = sensors
    }
}

/// Why the host knows there is no data.
public enum PlmrecGapKind: UInt8, Sendable, Hashable {
    case unknown = 0
    case unplugged = 1
    case noData = 2
    case hostSuspended = 3
    case deviceRestarted = 4
}

/// One record of a .plmrec file.
public enum PlmrecRecord: Sendable, Equatable {
    case header(PlmrecHeader)
    case sensor(index: Int, PlmrecSensor)
    /// A frame's wire bytes as received (decode with `SensorFrameCodec`).
    case frame(sensor: Int, hostTime: Microseconds, bytes: [UInt8])
    /// The sensor's clock read at host time `hostTime` (the midpoint of a GET_DEVICE_TIME round trip).
    case clockAnchor(sensor: Int, hostTime: Microseconds, deviceTime: UInt64, roundTrip: UInt32)
    /// No data from `from` to `to` (host times); `sensor` nil for all sensors.
    case gap(sensor: Int?, hostTime: Microseconds, from: Microseconds, to: Microseconds, kind: PlmrecGapKind, reason: String)
    case note(hostTime: Microseconds, text: String)
    /// A record type this reader does not know (skipped; newer writers may add types).
    case unknown(type: UInt8, sensor: UInt8, hostTime: Microseconds, bytes: [UInt8])
}

/// Record type codes.
enum RecordType: UInt8 {
    case header = 1
    case sensor = 2
    case frame = 3
    case clockAnchor = 4
    case gap = 5
    case note = 6
}

// MARK: - Little-endian byte helpers

struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes += [UInt8(v & 0xFF), UInt8(v >> 8)] }
    mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8((v >> (8 * UInt32(i))) & 0xFF)) } }
    mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8((v >> (8 * UInt64(i))) & 0xFF)) } }
    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8.prefix(Int(UInt16.max)))
        u16(UInt16(utf8.count))
        bytes += utf8
    }
}

struct ByteReader {
    let bytes: ArraySlice<UInt8>
    var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    var remaining: Int { bytes.endIndex - position }

    mutating func take(_ n: Int) -> ArraySlice<UInt8>? {
        guard n >= 0, remaining >= n else { return nil }
        defer { position += n }
        return bytes[position..<(position + n)]
    }
    mutating func u8() -> UInt8? { take(1)?.first }
    mutating func u16() -> UInt16? { take(2).map { le($0) }.map { UInt16(truncatingIfNeeded: $0) } }
    mutating func u32() -> UInt32? { take(4).map { le($0) }.map { UInt32(truncatingIfNeeded: $0) } }
    mutating func u64() -> UInt64? { take(8).map { le($0) } }
    mutating func i64() -> Int64? { u64().map { Int64(bitPattern: $0) } }
    mutating func string() -> String? {
        guard let n = u16(), let s = take(Int(n)) else { return nil }
        return String(decoding: s, as: UTF8.self)
    }
    mutating func rest() -> [UInt8] { Array(take(remaining) ?? []) }
}

@inline(__always) func le(_ s: ArraySlice<UInt8>) -> UInt64 {
    var v: UInt64 = 0
    for (i, b) in s.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
    return v
}

// MARK: - Record encoding

extension PlmrecRecord {
    /// The record's header fields and data.
    var parts: (type: UInt8, sensor: UInt8, hostTime: Microseconds, data: [UInt8]) {
        switch self {
        case .header(let h):
            var w = ByteWriter()
            w.u16(h.formatVersion)
            w.string(h.creator)
            w.string(h.softwareVersion)
            w.string(h.startTime)
            w.i64(h.startUnixMicroseconds)
            w.i64(h.monotonicAnchor)
            return (RecordType.header.rawValue, Plmrec.noSensor, 0, w.bytes)
        case .sensor(let index, let s):
            var w = ByteWriter()
            w.string(s.serialNumber)
            w.u8(s.side.rawValue)
            w.u8(s.accelerometerModel)
            for i in 0..<3 { w.u8(i < s.firmwareVersion.count ? s.firmwareVersion[i] : 0) }
            w.u8(s.protocolVersion)
            w.u16(s.sampleRate)
            w.u8(s.rangeG)
            return (RecordType.sensor.rawValue, UInt8(truncatingIfNeeded: index), 0, w.bytes)
        case .frame(let sensor, let hostTime, let bytes):
            return (RecordType.frame.rawValue, UInt8(truncatingIfNeeded: sensor), hostTime, bytes)
        case .clockAnchor(let sensor, let hostTime, let deviceTime, let roundTrip):
            var w = ByteWriter()
            w.u64(deviceTime)
            w.u32(roundTrip)
            return (RecordType.clockAnchor.rawValue, UInt8(truncatingIfNeeded: sensor), hostTime, w.bytes)
        case .gap(let sensor, let hostTime, let from, let to, let kind, let reason):
            var w = ByteWriter()
            w.i64(from)
            w.i64(to)
            w.u8(kind.rawValue)
            w.bytes += Array(reason.utf8)
            return (
                RecordType.gap.rawValue, sensor.map { UInt8(truncatingIfNeeded: $0) } ?? Plmrec.noSensor, hostTime,
                w.bytes
            )
        case .note(let hostTime, let text):
            return (RecordType.note.rawValue, Plmrec.noSensor, hostTime, Array(text.utf8))
        case .unknown(let type, let sensor, let hostTime, let bytes):
            return (type, sensor, hostTime, bytes)
        }
    }

    /// Appends the encoded record (record header + data) to `out`; the data is cut at 65535 bytes.
    func encode(into out: inout [UInt8]) {
        let p = parts
        let data = p.data.count > Int(UInt16.max) ? Array(p.data.prefix(Int(UInt16.max))) : p.data
        var w = ByteWriter()
        w.u8(p.type)
        w.u8(p.sensor)
        w.u16(UInt16(data.count))
        w.i64(p.hostTime)
        out += w.bytes
        out += data
    }

    /// Decodes one record's data; nil when the data is too short for its type.
    static func decode(type: UInt8, sensor: UInt8, hostTime: Microseconds, data: ArraySlice<UInt8>) -> PlmrecRecord? {
        var r = ByteReader(data)
        switch RecordType(rawValue: type) {
        case .header:
            guard let version = r.u16(), let creator = r.string(), let software = r.string(), let start = r.string(),
                let unix = r.i64(), let mono = r.i64()
            else { return nil }
            return .header(
                PlmrecHeader(
                    formatVersion: version, creator: creator, softwareVersion: software, startTime: start,
                    startUnixMicroseconds: unix, monotonicAnchor: mono, sensors: []))
        case .sensor:
            guard let serial = r.string(), let side = r.u8(), let model = r.u8(), let fw = r.take(3),
                let proto = r.u8(), let rate = r.u16(), let range = r.u8()
            else { return nil }
            return .sensor(
                index: Int(sensor),
                PlmrecSensor(
                    serialNumber: serial, side: SensorSide(rawValue: side) ?? .unknown, accelerometerModel: model,
                    firmwareVersion: Array(fw), protocolVersion: proto, sampleRate: rate, rangeG: range))
        case .frame:
            return .frame(sensor: Int(sensor), hostTime: hostTime, bytes: Array(data))
        case .clockAnchor:
            guard let device = r.u64() else { return nil }
            return .clockAnchor(sensor: Int(sensor), hostTime: hostTime, deviceTime: device, roundTrip: r.u32() ?? 0)
        case .gap:
            guard let from = r.i64(), let to = r.i64() else { return nil }
            let kind = PlmrecGapKind(rawValue: r.u8() ?? 0) ?? .unknown
            return .gap(
                sensor: sensor == Plmrec.noSensor ? nil : Int(sensor), hostTime: hostTime, from: from, to: to,
                kind: kind, reason: String(decoding: r.rest(), as: UTF8.self))
        case .note:
            return .note(hostTime: hostTime, text: String(decoding: data, as: UTF8.self))
        case nil:
            return .unknown(type: type, sensor: sensor, hostTime: hostTime, bytes: Array(data))
        }
    }
}

/// Encodes a block: header (magic, version, sequence, payload length, payload CRC, header CRC) then payload.
func encodeBlock(sequence: UInt32, payload: [UInt8]) -> [UInt8] {
    var w = ByteWriter()
    w.bytes = Plmrec.blockMagic
    w.u16(Plmrec.formatVersion)
    w.u16(0)
    w.u32(sequence)
    w.u32(UInt32(payload.count))
    w.u32(SensorFrameCodec.crc32(payload))
    w.u32(SensorFrameCodec.crc32(w.bytes))
    return w.bytes + payload
}

/// Host clocks for the daemon.
public enum HostClock {
    /// CLOCK_MONOTONIC in µs.
    public static func monotonicMicroseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }

    /// The wall clock in µs since the Unix epoch.
    public static func unixMicroseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }

    /// ISO 8601 with milliseconds and the UTC offset of `offsetSeconds`, e.g. `2026-01-05T22:14:03.250+01:00`.
    public static func iso8601(unixMicroseconds us: Int64, offsetSeconds: Int) -> String {
        let local = us + Int64(offsetSeconds) * 1_000_000
        let secs = local >= 0 ? local / 1_000_000 : (local - 999_999) / 1_000_000
        let micros = local - secs * 1_000_000
        let days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400
        let sod = secs - days * 86400
        let (y, m, d) = CivilCalendar.date(dayNumber: Int(days))
        let sign = offsetSeconds < 0 ? "-" : "+"
        let off = abs(offsetSeconds)
        return String(
            format: "%04ld-%02ld-%02ldT%02lld:%02lld:%02lld.%03lld", y, m, d, sod / 3600, sod % 3600 / 60,
            sod % 60, micros / 1000) + sign + String(format: "%02d:%02d", off / 3600, off % 3600 / 60)
    }
}
