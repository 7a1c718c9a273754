import PLMVocabulary

/// Reads CSV (RFC 4180) and tab-separated text from its UTF-8 bytes, one record at a time, keeping the physical
/// line where every record and field starts: a line break inside a quoted field counts, so "line N" in a message
/// is the line an editor shows. Every reader of tables in plm uses it (acceleration CSV, event tables, the diary).
///
/// - Fields are separated by `delimiter`; records end at LF, CRLF or a lone CR; a UTF-8 byte order mark at the
///   start is skipped. A field may be quoted with `"` (`""` inside it is one `"`); a line break inside quotes is
///   read as `\n`.
/// - With `trimsWhitespace`, spaces and tabs around every field are dropped (outside the quotes of a quoted field);
///   without it, only the spaces and tabs before an opening or after a closing quote are.
/// - Malformed quoting never stops the reader: text after a closing quote is kept in the field and an unterminated
///   quote runs to the end of the input; both are reported in `problems`, for the caller to turn into an error or
///   a finding.
///
/// It reads bytes in chunks from a source (a file is never held whole in memory) and copies each record's fields
/// into one reused buffer, so reading allocates nothing per record: `withField` hands a field's bytes to a number
/// parser (`PlainDecimal.parse(bytes:)`) without making a `String`.
public struct CSVReader {
    /// Malformed quoting found in the current record.
    public struct Problem: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// A quote opened and never closed: the field runs to the end of the input.
            case unterminatedQuote
            /// Text between a closing quote and the next delimiter or line end (kept in the field).
            case textAfterQuote
        }

        public var kind: Kind
        /// Line of the opening quote (unterminated) or of the stray text.
        public var line: Int
        /// 0-based index of the field in its record.
        public var field: Int
        /// The stray text, or the start of the unterminated field (at most 30 bytes) after its quote.
        public var text: String

        /// What was expected, for a message.
        public var expected: String {
            switch kind {
            case .unterminatedQuote:
                "a closing double quote for the quote opened here (write \"\" for a quote inside a quoted field)"
            case .textAfterQuote:
                "a delimiter or the end of the line after the closing quote (write \"\" for a quote inside a quoted field)"
            }
        }
    }

    public let delimiter: UInt8
    public let trimsWhitespace: Bool
    /// Longest record accepted, bytes: a longer one is an error (a file without line breaks is not a table).
    public let maxRecordBytes: Int
    /// The file named in errors.
    public let file: String

    /// Line (1-based) where the current record starts.
    public private(set) var line = 0
    /// Malformed quoting in the current record.
    public private(set) var problems: [Problem] = []

    /// Bytes read and not yet parsed past (from `position`).
    @usableFromInline var buffer: [UInt8]
    private var position = 0
    private var sourceEnded: Bool
    private let source: (() throws -> [UInt8]?)?
    /// Reads into the buffer it is given; the bytes read, 0 at the end of the input.
    private let fill: ((UnsafeMutableBufferPointer<UInt8>) throws -> Int)?
    /// Bytes `fill` is asked for at a time.
    private let fillBytes: Int
    /// `fillBytes` zeros: the room made at the end of `buffer` for `fill` (a copy, faster than appending zeros).
    private var zeros: [UInt8] = []
    private var nextLine = 1
    /// The current record's fields, copied (a record with a quoted field); `inBuffer` false.
    @usableFromInline var storage: [UInt8] = []
    /// Where field i of the current record starts and ends, in `buffer` (`inBuffer`) or in `storage`.
    @usableFromInline var starts: [Int] = []
    @usableFromInline var ends: [Int] = []
    /// Fields in the current record.
    @usableFromInline var fieldCount = 0
    /// True when the current record's fields are ranges of `buffer` (a record without quoted fields, read
    /// without copying); false when they were copied into `storage`.
    @usableFromInline var inBuffer = false
    /// Line of each field of a record with quoted fields (a quoted field may span lines).
    private var lines: [Int] = []
    private var startedAtFileStart = true

    /// A reader over text held in memory.
    public init(bytes: [UInt8], file: String, delimiter: UInt8 = UInt8(ascii: ","), trimsWhitespace: Bool = true) {
        self.buffer = bytes
        self.file = file
        self.delimiter = delimiter
        self.trimsWhitespace = trimsWhitespace
        self.maxRecordBytes = Int.max
        self.sourceEnded = true
        self.source = nil
        self.fill = nil
        self.fillBytes = 0
        storage.reserveCapacity(256)
        starts = [Int](repeating: 0, count: 16)
        ends = [Int](repeating: 0, count: 16)
    }

    /// A reader over chunks of bytes from `source` (nil at the end of the input).
    public init(
        file: String, delimiter: UInt8 = UInt8(ascii: ","), trimsWhitespace: Bool = true,
        maxRecordBytes: Int = 1 << 20, source: @escaping () throws -> [UInt8]?
    ) {
        self.buffer = []
        self.file = file
        self.delimiter = delimiter
        self.trimsWhitespace = trimsWhitespace
        self.maxRecordBytes = maxRecordBytes
        self.sourceEnded = false
        self.source = source
        self.fill = nil
        self.fillBytes = 0
        storage.reserveCapacity(256)
        starts = [Int](repeating: 0, count: 16)
        ends = [Int](repeating: 0, count: 16)
    }

    /// A reader that reads the input straight into its own buffer, `chunkBytes` at a time: `fill` puts up to
    /// `buffer.count` bytes into `buffer` and returns how many, 0 at the end of the input (a file's `read`; no
    /// copy of the bytes and no allocation per chunk).
    public init(
        file: String, delimiter: UInt8 = UInt8(ascii: ","), trimsWhitespace: Bool = true,
        maxRecordBytes: Int = 1 << 20, chunkBytes: Int = 1 << 20,
        fill: @escaping (UnsafeMutableBufferPointer<UInt8>) throws -> Int
    ) {
        self.buffer = []
        self.file = file
        self.delimiter = delimiter
        self.trimsWhitespace = trimsWhitespace
        self.maxRecordBytes = maxRecordBytes
        self.sourceEnded = false
        self.source = nil
        self.fill = fill
        self.fillBytes = max(chunkBytes, 1)
        buffer.reserveCapacity(fillBytes)
        storage.reserveCapacity(256)
        starts = [Int](repeating: 0, count: 16)
        ends = [Int](repeating: 0, count: 16)
    }

    /// Fields in the current record.
    @inlinable public var count: Int { fieldCount }

    /// The current record's field `i` as text (invalid UTF-8 replaced by U+FFFD).
    public subscript(i: Int) -> String {
        withField(i) { String(decoding: $0, as: UTF8.self) }
    }

    /// The current record's fields as text.
    public var fields: [String] { (0..<count).map { self[$0] } }

    /// Line where field `i` of the current record starts.
    public func line(ofField i: Int) -> Int { inBuffer ? line : lines[i] }

    /// True when field `i` holds text after a closing quote, or an unterminated quote.
    public func isMalformed(field i: Int) -> Bool { problems.contains { $0.field == i } }

    /// Calls `body` with the bytes of field `i` of the current record.
    @inlinable
    public func withField<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        precondition(i >= 0 && i < fieldCount, "field index out of range")
        let start = starts[i], end = ends[i]
        if inBuffer {
            return try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[start..<end])) }
        }
        return try storage.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[start..<end])) }
    }

    /// True when every field of the current record is empty or only spaces and tabs.
    public var isBlank: Bool {
        (0..<fieldCount).allSatisfy { i in withField(i) { $0.allSatisfy { $0 == 0x20 || $0 == 0x09 } } }
    }

    /// Moves to the next record; false at the end of the input.
    public mutating func next() throws -> Bool {
        while true {
            if position == buffer.count, sourceEnded { return false }
            if let end = parseRecord(final: sourceEnded) {
                position = end
                return true
            }
            // The record runs past the bytes read so far: read more and parse it again.
            if buffer.count - position > maxRecordBytes {
                throw InputError(
                    file: file, location: .line(nextLine),
                    message: "expected lines of at most \(maxRecordBytes) bytes; this record is longer (is it a table?)")
            }
            if let fill {
                if position > 0 {
                    buffer.removeSubrange(0..<position)
                    position = 0
                }
                let kept = buffer.count
                if zeros.count != fillBytes { zeros = [UInt8](repeating: 0, count: fillBytes) }
                buffer.append(contentsOf: zeros)
                let got = try buffer.withUnsafeMutableBufferPointer {
                    try fill(UnsafeMutableBufferPointer(rebasing: $0[kept...]))
                }
                buffer.removeLast(fillBytes - min(max(got, 0), fillBytes))
                if got <= 0 { sourceEnded = true }
                continue
            }
            guard let source, let chunk = try source() else {
                sourceEnded = true
                continue
            }
            if chunk.isEmpty {
                sourceEnded = true
                continue
            }
            if position > 0 {
                buffer.removeSubrange(0..<position)
                position = 0
            }
            buffer.append(contentsOf: chunk)
        }
    }

    /// What the quick pass over a record found.
    private enum Quick {
        /// The record without quoted fields, its fields' ranges in `starts`/`ends`: the index after it.
        case record(end: Int, fields: Int, lineEnd: Bool)
        /// More fields than `starts` holds: grow and try again.
        case full
        /// A quoted field: parse with `parseQuoted`.
        case quoted
        /// The buffer ends inside the record and more input may follow.
        case incomplete
    }

    /// Parses the record at `position`; the index after it, or nil when the buffer ends inside it and more input
    /// may follow (`final` false). A record without quoted fields (the common case: tables of numbers) is read in
    /// place, its fields ranges of `buffer`; one with a quoted field is copied field by field into `storage`.
    private mutating func parseRecord(final: Bool) -> Int? {
        if !problems.isEmpty { problems.removeAll(keepingCapacity: true) }
        while true {
            switch quickRecord(final: final) {
            case .record(let end, let fields, let lineEnd):
                fieldCount = fields
                inBuffer = true
                startedAtFileStart = false
                self.line = nextLine
                if lineEnd { nextLine += 1 }
                return end
            case .full:
                starts += [Int](repeating: 0, count: starts.count)
                ends += [Int](repeating: 0, count: ends.count)
            case .quoted:
                return parseQuoted(final: final)
            case .incomplete:
                return nil
            }
        }
    }

    /// The record at `position` when none of its fields is quoted: one pass over its bytes that records where
    /// each field starts and ends (spaces and tabs around it trimmed with `trimsWhitespace`).
    private mutating func quickRecord(final: Bool) -> Quick {
        let quote = UInt8(ascii: "\""), cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
        let delimiter = self.delimiter
        let trims = trimsWhitespace
        let position = self.position
        let startedAtFileStart = self.startedAtFileStart
        let capacity = min(starts.count, ends.count)
        return buffer.withUnsafeBufferPointer { b -> Quick in
            starts.withUnsafeMutableBufferPointer { fieldStarts -> Quick in
                ends.withUnsafeMutableBufferPointer { fieldEnds -> Quick in
                    let count = b.count
                    var i = position
                    if startedAtFileStart, i == 0 {
                        if count < 3, !final { return .incomplete }
                        if count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { i = 3 }
                    }
                    var field = 0
                    while true {
                        var start = i
                        while start < count, b[start] == 0x20 || b[start] == 0x09, b[start] != delimiter { start += 1 }
                        if start < count, b[start] == quote { return .quoted }
                        if !trims { start = i }
                        i = CSVReader.fieldEnd(b, from: start, delimiter: delimiter)
                        if i == count, !final { return .incomplete }
                        var last = i
                        if trims { while last > start, b[last - 1] == 0x20 || b[last - 1] == 0x09 { last -= 1 } }
                        guard field < capacity else { return .full }
                        fieldStarts[field] = start
                        fieldEnds[field] = last
                        field += 1
                        if i < count, b[i] == delimiter {
                            i += 1
                            continue
                        }
                        guard i < count else { return .record(end: i, fields: field, lineEnd: false) }
                        if b[i] == cr {
                            if i + 1 == count, !final { return .incomplete }
                            if i + 1 < count, b[i + 1] == lf { i += 1 }
                        }
                        return .record(end: i + 1, fields: field, lineEnd: true)
                    }
                }
            }
        }
    }

    /// The index of the first delimiter, LF or CR in `b` from `start`, or `b.count`. Eight bytes at a time: a byte
    /// equal to `c` is a zero byte of `w ^ (c × 0x0101…)`, and the lowest byte flagged by the classic zero-byte test
    /// `(x − 0x0101…) & ~x & 0x8080…` is the first zero byte exactly (bytes above it may be flagged falsely; they are
    /// never looked at); then byte by byte for the last bytes.
    @inline(__always)
    static func fieldEnd(_ b: UnsafeBufferPointer<UInt8>, from start: Int, delimiter: UInt8) -> Int {
        let count = b.count
        var i = start
        if let base = b.baseAddress {
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            let d = UInt64(delimiter) &* ones, l = 0x0A &* ones, r = 0x0D &* ones
            while i + 8 <= count {
                let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let xd = w ^ d, xl = w ^ l, xr = w ^ r
                let hit = ((xd &- ones) & ~xd | (xl &- ones) & ~xl | (xr &- ones) & ~xr) & highs
                if hit != 0 { return i + hit.trailingZeroBitCount / 8 }
                i += 8
            }
        }
        while i < count {
            let c = b[i]
            if c == delimiter || c == 0x0A || c == 0x0D { break }
            i += 1
        }
        return i
    }

    /// Parses the record at `position` field by field into `storage` (a record with a quoted field); the index
    /// after it, or nil when the buffer ends inside it and more input may follow (`final` false).
    private mutating func parseQuoted(final: Bool) -> Int? {
        storage.removeAll(keepingCapacity: true)
        var ends: [Int] = []
        lines.removeAll(keepingCapacity: true)
        problems.removeAll(keepingCapacity: true)
        let quote = UInt8(ascii: "\""), cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
        let delimiter = self.delimiter
        let trims = trimsWhitespace
        var line = nextLine
        let startLine = line
        let bytes = buffer
        let end: Int? = bytes.withUnsafeBufferPointer { b -> Int? in
            let count = b.count
            var i = position
            if startedAtFileStart, i == 0 {
                if count < 3, !final { return nil }
                if count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { i = 3 }
            }
            func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
            while true {
                let fieldLine = line
                var start = i
                while start < count, isSpace(b[start]), b[start] != delimiter { start += 1 }
                if start < count, b[start] == quote {
                    i = start + 1
                    var closed = false
                    while i < count {
                        let c = b[i]
                        if c == quote {
                            if i + 1 < count {
                                if b[i + 1] == quote {
                                    storage.append(quote)
                                    i += 2
                                    continue
                                }
                            } else if !final {
                                return nil
                            }
                            i += 1
                            closed = true
                            break
                        } else if c == cr || c == lf {
                            if c == cr {
                                if i + 1 == count, !final { return nil }
                                if i + 1 < count, b[i + 1] == lf { i += 1 }
                            }
                            storage.append(lf)
                            i += 1
                            line += 1
                        } else {
                            storage.append(c)
                            i += 1
                        }
                    }
                    if !closed {
                        if !final { return nil }
                        let opened = storage[(ends.last ?? 0)...].prefix(30)
                        problems.append(
                            Problem(
                                kind: .unterminatedQuote, line: fieldLine, field: ends.count,
                                text: "\"" + String(decoding: opened, as: UTF8.self)))
                        ends.append(storage.count)
                        lines.append(fieldLine)
                        return count
                    }
                    while i < count, isSpace(b[i]), b[i] != delimiter { i += 1 }
                    if i < count, b[i] != delimiter, b[i] != cr, b[i] != lf {
                        let strayStart = i
                        while i < count, b[i] != delimiter, b[i] != cr, b[i] != lf { i += 1 }
                        if i == count, !final { return nil }
                        problems.append(
                            Problem(
                                kind: .textAfterQuote, line: line, field: ends.count,
                                text: String(decoding: UnsafeBufferPointer(rebasing: b[strayStart..<i]), as: UTF8.self)))
                        storage.append(contentsOf: UnsafeBufferPointer(rebasing: b[strayStart..<i]))
                    }
                } else {
                    if !trims { start = i }
                    i = start
                    while i < count {
                        let c = b[i]
                        if c == delimiter || c == lf || c == cr { break }
                        i += 1
                    }
                    if i == count, !final { return nil }
                    var last = i
                    if trims { while last > start, isSpace(b[last - 1]) { last -= 1 } }
                    storage.append(contentsOf: UnsafeBufferPointer(rebasing: b[start..<last]))
                }
                ends.append(storage.count)
                lines.append(fieldLine)
                if i < count, b[i] == delimiter {
                    i += 1
                    continue
                }
                if i < count {
                    if b[i] == cr {
                        if i + 1 == count, !final { return nil }
                        if i + 1 < count, b[i + 1] == lf { i += 1 }
                    }
                    i += 1
                    line += 1
                }
                return i
            }
        }
        guard let end else { return nil }
        startedAtFileStart = false
        self.line = startLine
        nextLine = line
        fieldCount = ends.count
        inBuffer = false
        if self.starts.count < fieldCount {
            self.starts = [Int](repeating: 0, count: fieldCount)
            self.ends = [Int](repeating: 0, count: fieldCount)
        }
        for k in 0..<fieldCount {
            self.starts[k] = k == 0 ? 0 : ends[k - 1]
            self.ends[k] = ends[k]
        }
        return end
    }
}
