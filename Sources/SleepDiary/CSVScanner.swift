/// Splits UTF-8 CSV bytes (RFC 4180, comma-separated) into records and cells, keeping the physical line of every
/// record and cell and reporting structural problems (unterminated quotes, text after a closing quote).
///
/// CSV.swift's `CSVReader` is not used for reading: it does not report line numbers, reads an unterminated quote
/// silently to the end of the file, and drops a character after text that follows a closing quote.
struct CSVScanner {
    struct Cell {
        /// The cell's text: unquoted, `""` as `"`, line breaks inside quotes as `\n`; not yet trimmed.
        var text: String
        /// Physical line (1-based) where the cell starts.
        var line: Int
        /// True when the cell was malformed (text after a closing quote) and has been reported.
        var malformed: Bool
    }

    struct Record {
        /// Physical line (1-based) where the record starts.
        var line: Int
        var cells: [Cell]
        /// True when the record ended inside an unterminated quote (reported); its cells are incomplete.
        var unterminated: Bool

        /// Empty, or only white space and commas.
        var isBlank: Bool {
            cells.allSatisfy { cell in cell.text.allSatisfy { $0.isWhitespace } }
        }
    }

    struct Problem {
        var kind: DiaryProblem.Kind
        var line: Int
        /// 1-based cell index within the record.
        var column: Int
        /// Record index the problem belongs to.
        var record: Int
        var found: String?
        var expected: String
    }

    private(set) var records: [Record] = []
    private(set) var problems: [Problem] = []

    private static let quote: UInt8 = 0x22
    private static let comma: UInt8 = 0x2C
    private static let cr: UInt8 = 0x0D
    private static let lf: UInt8 = 0x0A

    init(_ bytes: [UInt8]) {
        var index = 0
        var line = 1
        let count = bytes.count
        let isSpace = { (b: UInt8) in b == 0x20 || b == 0x09 }

        /// Consumes a line break at `index` (CRLF, LF or a lone CR) and counts it.
        func consumeLineBreak() {
            if bytes[index] == Self.cr, index + 1 < count, bytes[index + 1] == Self.lf { index += 1 }
            index += 1
            line += 1
        }

        while index < count {
            var record = Record(line: line, cells: [], unterminated: false)
            cells: while true {
                let cellLine = line
                var buffer: [UInt8] = []
                var malformed = false
                var start = index
                while start < count, isSpace(bytes[start]) { start += 1 }
                if start < count, bytes[start] == Self.quote {
                    index = start + 1
                    var closed = false
                    while index < count {
                        let b = bytes[index]
                        if b == Self.quote {
                            if index + 1 < count, bytes[index + 1] == Self.quote {
                                buffer.append(Self.quote)
                                index += 2
                                continue
                            }
                            index += 1
                            closed = true
                            break
                        } else if b == Self.cr || b == Self.lf {
                            buffer.append(Self.lf)
                            consumeLineBreak()
                        } else {
                            buffer.append(b)
                            index += 1
                        }
                    }
                    if !closed {
                        let opened = String(decoding: buffer.prefix(30), as: UTF8.self)
                        problems.append(
                            Problem(
                                kind: .unterminatedQuote, line: cellLine, column: record.cells.count + 1,
                                record: records.count, found: "\"" + opened,
                                expected: "a closing double quote for the quote opened here (write \"\" for a "
                                    + "quote inside a quoted cell)"))
                        record.unterminated = true
                        record.cells.append(Cell(text: String(decoding: buffer, as: UTF8.self), line: cellLine, malformed: true))
                        break cells
                    }
                    while index < count, isSpace(bytes[index]) { index += 1 }
                    if index < count, bytes[index] != Self.comma, bytes[index] != Self.cr, bytes[index] != Self.lf {
                        let strayStart = index
                        while index < count, bytes[index] != Self.comma, bytes[index] != Self.cr, bytes[index] != Self.lf {
                            index += 1
                        }
                        let stray = String(decoding: bytes[strayStart..<index], as: UTF8.self)
                        problems.append(
                            Problem(
                                kind: .textAfterQuote, line: line, column: record.cells.count + 1,
                                record: records.count, found: stray,
                                expected: "a comma or the end of the line after the closing quote (write \"\" for a "
                                    + "quote inside a quoted cell)"))
                        buffer.append(contentsOf: bytes[strayStart..<index])
                        malformed = true
                    }
                } else {
                    index = start
                    while index < count, bytes[index] != Self.comma, bytes[index] != Self.cr, bytes[index] != Self.lf {
                        buffer.append(bytes[index])
                        index += 1
                    }
                }
                record.cells.append(Cell(text: String(decoding: buffer, as: UTF8.self), line: cellLine, malformed: malformed))
                if index < count, bytes[index] == Self.comma {
                    index += 1
                    continue
                }
                if index < count { consumeLineBreak() }
                break
            }
            records.append(record)
        }
    }

    /// Offset of the first byte that is not part of valid UTF-8 (overlong forms, surrogates and code points above
    /// U+10FFFF are invalid), or nil when all of `bytes` is valid.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var scalar: UInt32
            let minimum: UInt32
            if lead & 0xE0 == 0xC0 {
                (length, scalar, minimum) = (2, UInt32(lead & 0x1F), 0x80)
            } else if lead & 0xF0 == 0xE0 {
                (length, scalar, minimum) = (3, UInt32(lead & 0x0F), 0x800)
            } else if lead & 0xF8 == 0xF0 {
                (length, scalar, minimum) = (4, UInt32(lead & 0x07), 0x10000)
            } else {
                return index
            }
            for k in 1..<length {
                guard index + k < count, bytes[index + k] & 0xC0 == 0x80 else { return index }
                scalar = scalar << 6 | UInt32(bytes[index + k] & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return index }
            index += length
        }
        return nil
    }
}
