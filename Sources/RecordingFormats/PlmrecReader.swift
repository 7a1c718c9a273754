import CPLMProtocol
import EDFFormat
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LegMovementScoring
import SensorFrames

/// Something wrong in a .plmrec file that the reader stepped over.
public struct PlmrecProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The last block is incomplete: the writer stopped (crashed, lost power) while writing it.
        case tornTail
        /// A block header fails its CRC, magic or version check; the reader searched for the next block.
        case corruptBlockHeader
        /// A block's payload fails its CRC; the whole block is skipped.
        case corruptPayload
        /// Block sequence numbers do not follow each other (blocks lost or written twice).
        case blockSequence
        /// A record inside a valid block is malformed; the rest of the block is skipped.
        case badRecord
        /// A frame fails to decode (bad CRC, magic, version or length).
        case badFrame
        /// A frame's sequence number jumps without the device's GAP_OVERFLOW flag (a host-side transfer problem).
        case sequenceJump
        /// A frame repeats the previous sequence number (sent again after a USB reset); it is dropped.
        case duplicateFrame
        /// A frame's samples are not later than the previous frame's (clock problem); the frame is dropped.
        case timeWentBack
        /// A record names a sensor that the file does not describe.
        case unknownSensor
        /// A record's host time, or a frame's device time, lies beyond the plausible bounds of a recording
        /// (`RecordingLimits`); the record is not used.
        case implausibleTime
    }

    /// Byte offset in the file of the block or record concerned.
    public var offset: Int
    public var kind: Kind
    public var message: String

    public init(offset: Int, kind: Kind, message: String) {
        self.offset = offset
        self.kind = kind
        self.message = message
    }

    public var description: String { "byte \(offset): \(kind.rawValue): \(message)" }
}

/// A valid block.
public struct PlmrecBlock: Sendable, Equatable {
    /// Byte offset of the block header in the file.
    public var offset: Int
    public var sequence: UInt32
    public var payload: [UInt8]
}

/// A record and where it was.
public struct PlmrecEntry: Sendable, Equatable {
    public var record: PlmrecRecord
    /// Byte offset of the record header in the file.
    public var offset: Int
    public var blockSequence: UInt32
}

/// Reads a .plmrec file block by block, validating every block; it never holds more than one block in memory.
/// Corrupt blocks are reported (with their byte offset) and skipped: the reader searches for the next block
/// magic whose header checks out. Every step moves forward, so it always ends.
public final class PlmrecReader {
    public let path: String
    public let fileSize: Int
    /// Problems found so far, in file order (at most `problemLimit` kept; `problemCount` counts all).
    public private(set) var problems: [PlmrecProblem] = []
    public private(set) var problemCount = 0
    public var problemLimit = 1000
    /// Valid blocks returned so far.
    public private(set) var blocksRead = 0
    /// Corrupt blocks (or corrupt stretches between valid blocks) stepped over.
    public private(set) var blocksCorrupt = 0
    /// The incomplete last block, if the file has one.
    public private(set) var tornTail: PlmrecProblem?
    /// End of the last valid block (where a writer continuing the file appends).
    public private(set) var validEnd = 0
    public private(set) var lastSequence: UInt32?
    /// The recording header with every sensor described so far.
    public var header: PlmrecHeader? {
        guard var h = headerRecord else { return nil }
        h.sensors = sensors.map { $0 ?? PlmrecSensor(serialNumber: "", side: .unknown, sampleRate: 0, rangeG: 0) }
        return h
    }
    private var headerRecord: PlmrecHeader?
    /// Sensor descriptions by index (nil for an index never described).
    public private(set) var sensors: [PlmrecSensor?] = []

    /// Offsets of the blocks whose payload failed its CRC.
    public private(set) var corruptPayloads: Set<Int> = []
    /// Blocks that end at or before this offset were checked by an earlier pass over the file (`trust`).
    private var trustedEnd = 0
    private var knownCorrupt: Set<Int> = []

    private let handle: FileHandle
    private var position = 0
    /// The block whose records are being read: its offset, sequence and payload (a slice of `chunk`).
    private var block: (offset: Int, sequence: UInt32, payload: ArraySlice<UInt8>)?
    /// Index in `block.payload` of the next record.
    private var recordPosition = 0
    /// Bytes of the file read ahead, from file offset `chunkStart`: blocks are slices of it (one read of
    /// `chunkBytes` serves many blocks, and their payloads are not copied).
    private var chunk: [UInt8] = []
    private var chunkStart = 0
    private var spareChunk: [UInt8] = []
    /// 256 KiB: the two buffers stay in a core's L2 cache (512 KiB on the benchmark machine's EPYC) while their
    /// blocks are walked and decoded; with 1 MiB the 8 h replay took 5–8 % longer, with 128 KiB or 512 KiB 1–2 %
    /// (BENCHMARKS.md, fourth session). A larger block is read whole.
    static let chunkBytes = 256 << 10

    /// The first sensor index described twice, and where (a file whose writer reused an index is ambiguous).
    public private(set) var sensorDescribedTwice: (index: Int, offset: Int)?

    public init(url: URL) throws {
        path = url.path
        try RegularFile.check(url)
        do {
            handle = try FileHandle(forReadingFrom: url)
            fileSize = Int(try handle.seekToEnd())
        } catch {
            throw InputError(file: url.path, message: "cannot open the recording (\(error.localizedDescription))")
        }
    }

    deinit { try? handle.close() }

    /// Trusts an earlier pass over the same file (`PlmrecSummary.scan`): blocks that end at or before `end` are
    /// not CRC-checked again, and the ones it found corrupt (`corruptPayloads`) are stepped over. Blocks past
    /// `end` (written since) are checked as usual.
    public func trust(scannedUpTo end: Int, corruptPayloads: Set<Int>) {
        trustedEnd = end
        knownCorrupt = corruptPayloads
    }

    func report(_ p: PlmrecProblem) {
        problemCount += 1
        if problems.count < problemLimit { problems.append(p) }
    }

    private func read(at offset: Int, count: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try read(at: offset, count: count, into: &bytes)
        return bytes
    }

    /// Reads up to `count` bytes at `offset` straight into `bytes` with pread(2) (fewer at the end of the file; no
    /// `Data` in between, and `bytes` keeps its storage from one chunk to the next).
    private func read(at offset: Int, count: Int, into bytes: inout [UInt8]) throws {
        let fd = handle.fileDescriptor
        var got = 0
        // pread writes at most `buffer.count - got` bytes at `got`: inside the buffer.
        func fill(_ buffer: UnsafeMutableRawBufferPointer) -> Int32? {
            while got < buffer.count, let base = buffer.baseAddress {
                let n = pread(fd, base + got, buffer.count - got, off_t(offset + got))
                if n > 0 {
                    got += n
                } else if n == 0 {
                    break
                } else if errno != EINTR {
                    return errno
                }
            }
            return nil
        }
        var failure: Int32?
        if bytes.count == count {
            failure = bytes.withUnsafeMutableBytes { fill($0) }
        } else {
            // New storage (the first chunk of a buffer, or a different size): pread fills it directly, and the
            // array holds the bytes read (no zero-filling first). The storage is then kept from chunk to chunk.
            bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                failure = fill(UnsafeMutableRawBufferPointer(buffer))
                initialized = got
            }
        }
        if let failure {
            throw InputError(file: path, location: .byte(offset), message: "cannot read (\(String(cString: strerror(failure))))")
        }
        if got < count { bytes.removeSubrange(got...) }
    }

    /// Bytes `offset ..< offset + count` of the file as a slice of the read-ahead chunk (fewer at the end of the
    /// file), reading the next chunk from `offset` when the current one does not hold them.
    private func slice(at offset: Int, count: Int) throws -> ArraySlice<UInt8> {
        if offset < chunkStart || offset + count > chunkStart + chunk.count {
            // Read into the other buffer: slices of the current chunk may still be alive (a block header being
            // checked), and reading into storage they share would copy it first.
            swap(&chunk, &spareChunk)
            do {
                try read(at: offset, count: max(count, PlmrecReader.chunkBytes), into: &chunk)
            } catch {
                chunk = []
                chunkStart = 0
                throw error
            }
            chunkStart = offset
        }
        let from = offset - chunkStart
        return chunk[from..<min(from + count, chunk.count)]
    }

    /// CRC-32/ISO-HDLC of `bytes` (the protocol's `plm_crc32`, from libdeflate on the host), without copying them.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { plm_crc32($0.baseAddress, $0.count) }
    }

    /// The payload length of a block header, or nil when the header is not valid.
    private static func checkHeader(_ h: ArraySlice<UInt8>) -> (sequence: UInt32, length: Int, crc: UInt32)? {
        guard h.count >= Plmrec.blockHeaderSize else { return nil }
        let b = h.startIndex
        guard h[b] == Plmrec.blockMagic[0], h[b + 1] == Plmrec.blockMagic[1], h[b + 2] == Plmrec.blockMagic[2],
            h[b + 3] == Plmrec.blockMagic[3]
        else { return nil }
        guard crc32(h[b..<(b + 20)]) == UInt32(truncatingIfNeeded: le(h[(b + 20)..<(b + 24)])) else { return nil }
        let version = UInt16(truncatingIfNeeded: le(h[(b + 4)..<(b + 6)]))
        let length = Int(le(h[(b + 12)..<(b + 16)]))
        guard version == Plmrec.formatVersion, length <= Plmrec.maxPayload else { return nil }
        return (
            UInt32(truncatingIfNeeded: le(h[(b + 8)..<(b + 12)])), length,
            UInt32(truncatingIfNeeded: le(h[(b + 16)..<(b + 20)]))
        )
    }

    /// The offset of the next valid block header after `start`, or nil.
    private func resync(from start: Int) throws -> Int? {
        var base = start
        let window = 1 << 16
        while base < fileSize {
            let chunk = try read(at: base, count: window + Plmrec.blockHeaderSize)
            if chunk.isEmpty { return nil }
            let limit = min(window, chunk.count)
            var i = 0
            while i < limit {
                if chunk[i] == 0x50, i + 3 < chunk.count, chunk[i + 1] == 0x4C, chunk[i + 2] == 0x4D, chunk[i + 3] == 0x42 {
                    if i + Plmrec.blockHeaderSize <= chunk.count {
                        if PlmrecReader.checkHeader(chunk[i..<(i + Plmrec.blockHeaderSize)]) != nil { return base + i }
                    } else if base + i + Plmrec.blockHeaderSize > fileSize {
                        return base + i  // a header cut by the end of the file: let nextBlock report the torn tail
                    }
                }
                i += 1
            }
            base += limit
        }
        return nil
    }

    /// The next valid block, or nil at the end of the file.
    public func nextBlock() throws -> PlmrecBlock? {
        guard let b = try nextBlockSlice() else { return nil }
        return PlmrecBlock(offset: b.offset, sequence: b.sequence, payload: Array(b.payload))
    }

    /// The next valid block, its payload a slice of the read-ahead chunk; nil at the end of the file.
    private func nextBlockSlice() throws -> (offset: Int, sequence: UInt32, payload: ArraySlice<UInt8>)? {
        while position < fileSize {
            let at = position
            let head = try slice(at: at, count: Plmrec.blockHeaderSize)
            if head.count < Plmrec.blockHeaderSize {
                // Fewer bytes than a block header: a torn tail if they start like one.
                tail(at, "the file ends \(head.count) bytes into a block header (an incomplete last block)")
                position = fileSize
                return nil
            }
            guard let (sequence, length, crc) = PlmrecReader.checkHeader(head) else {
                let next = try resync(from: at + 1)
                let end = next ?? fileSize
                if next == nil, validEnd == at {
                    // Nothing valid after the last valid block: the block being written when the writer stopped
                    // (a crash can also leave zeros or stale bytes there).
                    tail(at, "the last block header is damaged or incomplete; \(fileSize - at) bytes ignored")
                } else {
                    blocksCorrupt += 1
                    report(
                        PlmrecProblem(
                            offset: at, kind: .corruptBlockHeader,
                            message: "expected a block header (magic, version, header CRC); skipped \(end - at) bytes "
                                + (next.map { "to the next block at byte \($0)" } ?? "to the end of the file")))
                }
                position = end
                continue
            }
            let payloadAt = at + Plmrec.blockHeaderSize
            if payloadAt + length > fileSize {
                tail(
                    at,
                    "the last block (sequence \(sequence)) promises \(length) payload bytes, only "
                        + "\(fileSize - payloadAt) are in the file (an incomplete last block)")
                position = fileSize
                return nil
            }
            let payload = try slice(at: payloadAt, count: length)
            let trusted = payloadAt + length <= trustedEnd && !knownCorrupt.contains(at)
            guard payload.count == length, trusted || PlmrecReader.crc32(payload) == crc else {
                blocksCorrupt += 1
                corruptPayloads.insert(at)
                report(
                    PlmrecProblem(
                        offset: at, kind: .corruptPayload,
                        message: "block \(sequence): payload CRC mismatch; the block's \(length) bytes are skipped"))
                position = payloadAt + length
                continue
            }
            if let last = lastSequence, sequence != last &+ 1 {
                report(
                    PlmrecProblem(
                        offset: at, kind: .blockSequence,
                        message: "expected block \(last &+ 1), found block \(sequence)"))
            }
            lastSequence = sequence
            position = payloadAt + length
            validEnd = position
            blocksRead += 1
            return (at, sequence, payload)
        }
        return nil
    }

    private func tail(_ at: Int, _ message: String) {
        let p = PlmrecProblem(offset: at, kind: .tornTail, message: message)
        tornTail = p
        report(p)
    }

    /// One record as stored: its type, sensor, host time and bytes (a slice of its block's payload).
    struct RawRecord {
        var type: UInt8
        var sensor: UInt8
        var hostTime: Int64
        var data: ArraySlice<UInt8>
        var offset: Int
        var blockSequence: UInt32
    }

    /// The next record of a valid block, undecoded, or nil at the end of the file.
    func nextRawRecord() throws -> RawRecord? {
        while true {
            if block == nil {
                guard let b = try nextBlockSlice() else { return nil }
                block = b
                recordPosition = b.payload.startIndex
            }
            guard let b = block else { return nil }
            let payload = b.payload
            let p = recordPosition
            if p >= payload.endIndex {
                block = nil
                continue
            }
            let at = b.offset + Plmrec.blockHeaderSize + (p - payload.startIndex)
            guard payload.endIndex - p >= Plmrec.recordHeaderSize else {
                report(PlmrecProblem(offset: at, kind: .badRecord, message: "a record header is cut by the end of its block"))
                block = nil
                continue
            }
            let length = Int(payload[p + 2]) | Int(payload[p + 3]) << 8
            let dataAt = p + Plmrec.recordHeaderSize
            guard dataAt + length <= payload.endIndex else {
                report(
                    PlmrecProblem(
                        offset: at, kind: .badRecord,
                        message: "record of \(length) bytes runs past the end of its block; rest of block skipped"))
                block = nil
                continue
            }
            recordPosition = dataAt + length
            var time: UInt64 = 0
            for k in 0..<8 { time |= UInt64(payload[p + 4 + k]) << (8 * UInt64(k)) }
            return RawRecord(
                type: payload[p], sensor: payload[p + 1], hostTime: Int64(bitPattern: time),
                data: payload[dataAt..<(dataAt + length)], offset: at, blockSequence: b.sequence)
        }
    }

    /// A record of the current block, located in the read-ahead chunk (no slice, so nothing to retain per record).
    struct RecordRef {
        var type: UInt8
        var sensor: UInt8
        var hostTime: Int64
        /// The record's data: `count` bytes from index `start` of the chunk (`withChunk`).
        var start: Int
        var count: Int
        /// Byte offset of the record header in the file.
        var offset: Int
    }

    /// The records of the rest of the current block, or of the next valid block, in file order (`refs` is emptied
    /// first; with `framesOf`, only the frame records of those two sensors, which may be the same one). Malformed
    /// records end their block and are reported, as `nextRawRecord` does. The refs index the chunk until the next
    /// call. False at the end of the file. (One call per block: the per-record work is a loop over the block's
    /// bytes.)
    func nextRecords(into refs: inout [RecordRef], framesOf sensors: (Int, Int)? = nil) throws -> Bool {
        guard let (a, b) = sensors else { return try nextRecords(into: &refs) { _, _ in true } }
        return try nextRecords(into: &refs) { type, sensor in
            type == RecordType.frame.rawValue && (Int(sensor) == a || Int(sensor) == b)
        }
    }

    /// `nextRecords(into:)`, except that the frame records of each sensor `s` with `counted[s] >= 0` are counted
    /// there instead of being returned (the scan counts the frames of sensors whose clock it has).
    func nextRecords(into refs: inout [RecordRef], countingFramesIn counted: inout [Int]) throws -> Bool {
        try nextRecords(into: &refs) { type, sensor in
            let s = Int(sensor)
            guard type == RecordType.frame.rawValue, s < counted.count, counted[s] >= 0 else { return true }
            counted[s] += 1
            return false
        }
    }

    /// The walk of `nextRecords`: the records for which `keep(type, sensor)` is true.
    @inline(__always)
    private func nextRecords(into refs: inout [RecordRef], keep: (UInt8, UInt8) -> Bool) throws -> Bool {
        refs.removeAll(keepingCapacity: true)
        while refs.isEmpty {
            if block == nil {
                guard let b = try nextBlockSlice() else { return false }
                block = b
                recordPosition = b.payload.startIndex
            }
            guard let b = block else { return false }
            block = nil
            let start = b.payload.startIndex, end = b.payload.endIndex
            let payloadOffset = b.offset + Plmrec.blockHeaderSize - start
            var problem: PlmrecProblem?
            let first = recordPosition
            // A record takes at least its header: the block holds at most this many from `first` (the refs are
            // written in place, without a capacity and uniqueness check per record).
            let most = (end - first) / Plmrec.recordHeaderSize
            refs = [RecordRef](unsafeUninitializedCapacity: most) { out, found in
                b.payload.withUnsafeBytes { bytes in
                    // `bytes[k]` is payload index `start + k`. Every load below is at p - start ..< next - start with
                    // next <= end (checked first), so inside the payload; each ref written starts a record of at
                    // least `recordHeaderSize` bytes from `first`, so `found` stays below `most`.
                    var p = first
                    while p < end {
                        guard end - p >= Plmrec.recordHeaderSize else {
                            problem = PlmrecProblem(
                                offset: payloadOffset + p, kind: .badRecord, message: "a record header is cut by the end of its block")
                            return
                        }
                        let k = p - start
                        let length = Int(bytes.loadUnaligned(fromByteOffset: k + 2, as: UInt16.self).littleEndian)
                        let next = p + Plmrec.recordHeaderSize + length
                        guard next <= end else {
                            problem = PlmrecProblem(
                                offset: payloadOffset + p, kind: .badRecord,
                                message: "record of \(length) bytes runs past the end of its block; rest of block skipped")
                            return
                        }
                        let type = bytes[k], recordSensor = bytes[k + 1]
                        guard keep(type, recordSensor) else {
                            p = next
                            continue
                        }
                        out.initializeElement(
                            at: found,
                            to: RecordRef(
                                type: type, sensor: recordSensor,
                                hostTime: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: k + 4, as: Int64.self)),
                                start: p + Plmrec.recordHeaderSize, count: length, offset: payloadOffset + p))
                        found += 1
                        p = next
                    }
                }
            }
            if let problem { report(problem) }
        }
        return true
    }

    /// Where the next block is looked for, between blocks (after `nextRecords`, which takes a whole block).
    var nextBlockOffset: Int { position }

    /// Goes on from `offset`, another reader's `nextBlockOffset` for the same file (the blocks it finds from there
    /// are the ones that reader finds; its block counts and problems are this reader's own from there on).
    func resume(atBlock offset: Int) {
        position = offset
        block = nil
    }

    /// Calls `body` with the read-ahead chunk, which `RecordRef.start` and `count` index.
    func withChunk<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try chunk.withUnsafeBytes(body)
    }

    /// A record ref as a `RawRecord` (its data a slice of the chunk), for the records decoded into values.
    func rawRecord(_ r: RecordRef) -> RawRecord {
        RawRecord(
            type: r.type, sensor: r.sensor, hostTime: r.hostTime, data: chunk[r.start..<(r.start + r.count)],
            offset: r.offset, blockSequence: lastSequence ?? 0)
    }

    /// The next record of a valid block, or nil at the end of the file. Sensor and header records also
    /// update `header`.
    public func nextRecord() throws -> PlmrecEntry? {
        while let r = try nextRawRecord() {
            if let entry = entry(r) { return entry }
        }
        return nil
    }

    /// A raw record decoded (nil, reported, when it is too short for its type); sensor and header records also
    /// update `header`.
    func entry(_ r: RawRecord) -> PlmrecEntry? {
        guard let record = PlmrecRecord.decode(type: r.type, sensor: r.sensor, hostTime: r.hostTime, data: r.data)
        else {
            report(PlmrecProblem(offset: r.offset, kind: .badRecord, message: "record of type \(r.type) is too short"))
            return nil
        }
        switch record {
        case .header(let h):
            if headerRecord == nil { headerRecord = h }
        case .sensor(let index, let s):
            while sensors.count <= index { sensors.append(nil) }
            if sensors[index] == nil {
                sensors[index] = s
            } else if sensorDescribedTwice == nil {
                sensorDescribedTwice = (index, r.offset)
            }
        default: break
        }
        return PlmrecEntry(record: record, offset: r.offset, blockSequence: r.blockSequence)
    }
}
