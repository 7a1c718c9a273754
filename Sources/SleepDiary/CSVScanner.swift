import CSVFormat

/// The diary's view of a CSV file: every record with its cells and their physical lines, and the structural
/// problems (unterminated quotes, text after a closing quote) as diary problems. The reading itself is CSVFormat's
/// `CSVReader` (cells untrimmed: the diary's own value rules decide about spaces).
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

    init(_ bytes: [UInt8]) {
        var reader = CSVReader(bytes: bytes, file: "", trimsWhitespace: false)
        // An in-memory reader has no source to fail and no record length limit: it does not throw.
        while (try? reader.next()) == true {
            var record = Record(line: reader.line, cells: [], unterminated: false)
            for i in 0..<reader.count {
                record.cells.append(Cell(text: reader[i], line: reader.line(ofField: i), malformed: reader.isMalformed(field: i)))
            }
            for p in reader.problems {
                switch p.kind {
                case .unterminatedQuote:
                    record.unterminated = true
                    problems.append(
                        Problem(
                            kind: .unterminatedQuote, line: p.line, column: p.field + 1, record: records.count,
                            found: p.text,
                            expected: "a closing double quote for the quote opened here (write \"\" for a quote "
                                + "inside a quoted cell)"))
                case .textAfterQuote:
                    problems.append(
                        Problem(
                            kind: .textAfterQuote, line: p.line, column: p.field + 1, record: records.count,
                            found: p.text,
                            expected: "a comma or the end of the line after the closing quote (write \"\" for a "
                                + "quote inside a quoted cell)"))
                }
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
