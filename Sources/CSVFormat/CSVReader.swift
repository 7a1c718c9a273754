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

    private var buffer: [UInt8]
    private var position = 0
    private var sourceEnded: Bool
    private let source: (() throws -> [UInt8]?)?
    private var nextLine = 1
    private var storage: [UInt8] = []
    private var ends: [Int] = []
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
        storage.reserveCapacity(256)
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
        storage.reserveCapacity(256)
    }

    /// Fields in the current record.
    public var count: Int { ends.count }

    /// The current record's field `i` as text (invalid UTF-8 replaced by U+FFFD).
    public subscript(i: Int) -> String {
        withField(i) { String(decoding: $0, as: UTF8.self) }
    }

    /// The current record's fields as text.
    public var fields: [String] { (0..<count).map { self[$0] } }

    /// Line where field `i` of the current record starts.
    public func line(ofField i: Int) -> Int { lines[i] }

    /// True when field `i` holds text after a closing quote, or an unterminated quote.
    public func isMalformed(field i: Int) -> Bool { problems.contains { $0.field == i } }

    /// Calls `body` with the bytes of field `i` of the current record.
    public func withField<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let start = i == 0 ? 0 : ends[i - 1]
        return try storage.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[start..<ends[i]])) }
    }

    /// True when every field of the current record is empty or only spaces and tabs.
    public var isBlank: Bool {
        storage.allSatisfy { $0 == 0x20 || $0 == 0x09 }
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

    /// Parses the record at `position` into the field buffer; the index after it, or nil when the buffer ends
    /// inside it and more input may follow (`final` false).
    private mutating func parseRecord(final: Bool) -> Int? {
        storage.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
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
        return end
    }
}
