import Foundation
import LegMovementScoring

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `PlmrecWriter.open(existing:)` found and repaired.
public struct PlmrecRecovery: Sendable, Equatable {
    /// The torn last block that was cut off, if any.
    public var tornTail: PlmrecProblem?
    /// Bytes removed from the end of the file.
    public var bytesTruncated: Int
    /// Valid blocks already in the file.
    public var blocks: Int
    /// Corrupt blocks in the middle of the file (kept; readers skip them).
    public var problems: [PlmrecProblem]
}

/// Writes a .plmrec file append-only. Records are buffered; `flush()` writes them as one CRC-checked block and
/// fsyncs, so a crash loses at most the records since the last flush. Not thread-safe: use it from one thread
/// or actor.
public final class PlmrecWriter {
    public let path: String
    public private(set) var header: PlmrecHeader
    /// Set when the writer continues an existing file.
    public let recovery: PlmrecRecovery?
    /// Buffered payload size at which an append writes a block by itself (it still fsyncs).
    public var blockLimit = 64 * 1024
    /// Blocks written by this writer.
    public private(set) var blocksWritten = 0
    private var handle: FileHandle?
    private var nextSequence: UInt32
    private var buffer: [UInt8] = []
    /// End of the last block known to be complete on disk; a failed write is cut back to it.
    private var committedEnd: UInt64 = 0

    /// Bytes of records waiting for the next flush.
    public var bufferedBytes: Int { buffer.count }

    private init(path: String, handle: FileHandle, header: PlmrecHeader, nextSequence: UInt32, recovery: PlmrecRecovery?) {
        self.path = path
        self.handle = handle
        self.header = header
        self.nextSequence = nextSequence
        self.recovery = recovery
    }

    deinit { try? handle?.close() }

    /// Creates a new file (it must not exist) and writes block 0 with the header and the sensors, fsynced.
    public static func create(at url: URL, header: PlmrecHeader) throws -> PlmrecWriter {
        let fd = posixCreateExclusive(url.path)
        guard fd >= 0 else {
            throw InputError(
                file: url.path, message: "cannot create the recording (\(String(cString: strerror(errno))))")
        }
        let writer = PlmrecWriter(
            path: url.path, handle: FileHandle(fileDescriptor: fd, closeOnDealloc: true), header: header,
            nextSequence: 0, recovery: nil)
        var h = header
        h.formatVersion = Plmrec.formatVersion
        writer.header = h
        writer.append(.header(h))
        for (i, s) in header.sensors.enumerated() { writer.append(.sensor(index: i, s)) }
        try writer.flush()
        return writer
    }

    /// Continues an existing recording (the same night after a daemon restart): validates every block, cuts off
    /// a torn last block (reported in `recovery`), and appends after the last valid block.
    public static func open(existing url: URL) throws -> PlmrecWriter {
        let reader = try PlmrecReader(url: url)
        while try reader.nextRecord() != nil {}
        guard let header = reader.header, let last = reader.lastSequence else {
            throw InputError(
                file: url.path, location: .byte(0),
                message: "expected a .plmrec file with a recording header in its first block; cannot continue it")
        }
        let handle: FileHandle
        do {
            handle = try FileHandle(forUpdating: url)
            let truncated = reader.fileSize - reader.validEnd
            if truncated > 0 {
                try handle.truncate(atOffset: UInt64(reader.validEnd))
                try handle.synchronize()
            }
            try handle.seek(toOffset: UInt64(reader.validEnd))
            let recovery = PlmrecRecovery(
                tornTail: reader.tornTail, bytesTruncated: truncated, blocks: reader.blocksRead,
                problems: reader.problems.filter { $0.kind != .tornTail })
            let writer = PlmrecWriter(
                path: url.path, handle: handle, header: header, nextSequence: last &+ 1, recovery: recovery)
            writer.committedEnd = UInt64(reader.validEnd)
            return writer
        } catch {
            throw InputError(
                file: url.path, message: "cannot open the recording for appending (\(error.localizedDescription))")
        }
    }

    private func append(_ record: PlmrecRecord) {
        record.encode(into: &buffer)
    }

    private func appendAndMaybeFlush(_ record: PlmrecRecord) throws {
        append(record)
        if buffer.count >= blockLimit { try flush() }
    }

    /// Describes a sensor that joined during the night; returns its index.
    @discardableResult
    public func addSensor(_ sensor: PlmrecSensor) throws -> Int {
        let index = header.sensors.count
        guard index < Int(Plmrec.noSensor) else {
            throw InputError(file: path, message: "a recording holds at most 254 sensors")
        }
        header.sensors.append(sensor)
        try appendAndMaybeFlush(.sensor(index: index, sensor))
        return index
    }

    /// A frame's bytes exactly as received from sensor `sensor` at host time `hostTime` (µs since the start).
    public func appendFrame(sensor: Int, hostTime: Microseconds, bytes: [UInt8]) throws {
        try appendAndMaybeFlush(.frame(sensor: sensor, hostTime: hostTime, bytes: bytes))
    }

    /// A clock anchor: the sensor's clock read `deviceTime` at host time `hostTime` (midpoint of the round trip).
    public func appendClockAnchor(sensor: Int, hostTime: Microseconds, deviceTime: UInt64, roundTrip: UInt32 = 0) throws {
        try appendAndMaybeFlush(
            .clockAnchor(sensor: sensor, hostTime: hostTime, deviceTime: deviceTime, roundTrip: roundTrip))
    }

    /// A stretch without data known to the host (e.g. a sensor unplugged from `from` to `to`).
    public func appendGap(
        sensor: Int?, hostTime: Microseconds, from: Microseconds, to: Microseconds, kind: PlmrecGapKind,
        reason: String = ""
    ) throws {
        try appendAndMaybeFlush(.gap(sensor: sensor, hostTime: hostTime, from: from, to: to, kind: kind, reason: reason))
    }

    /// A free-text note (e.g. `lights_off`, an operator's remark).
    public func appendNote(hostTime: Microseconds, text: String) throws {
        try appendAndMaybeFlush(.note(hostTime: hostTime, text: text))
    }

    /// Writes the buffered records as one block and fsyncs. Does nothing when nothing is buffered.
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        guard let h = handle else { throw InputError(file: path, message: "the recording is closed") }
        let block = encodeBlock(sequence: nextSequence, payload: buffer)
        do {
            try h.write(contentsOf: Data(block))
            try h.synchronize()
            committedEnd = try h.offset()
        } catch {
            // A partly written block (disk full) is cut off again, so that the retry of the same records as the
            // same block follows the last complete block directly; the records stay buffered.
            try? h.truncate(atOffset: committedEnd)
            try? h.seek(toOffset: committedEnd)
            throw InputError(file: path, message: "cannot write block \(nextSequence) (\(error.localizedDescription))")
        }
        buffer.removeAll(keepingCapacity: true)
        nextSequence &+= 1
        blocksWritten += 1
    }

    /// Flushes and closes the file.
    public func close() throws {
        try flush()
        try? handle?.close()
        handle = nil
    }
}

private func posixCreateExclusive(_ path: String) -> Int32 {
    open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
}
