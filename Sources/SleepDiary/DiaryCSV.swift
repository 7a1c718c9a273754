import CSVFormat
import Foundation

/// The diary as CSV: the empty template, the column dictionary, writing entries, and importing a filled-in file.
///
/// The import rules are in docs/diary.md: UTF-8 (BOM allowed), comma-separated, RFC 4180 quoting, a header row with
/// at least `date`, columns in any order, blank cells not recorded, every problem reported with its physical line.
public enum DiaryCSV {
    /// The header row only, every column in catalogue order, ending in `\n`.
    public static func template() -> String {
        row(DiaryColumn.all.map(\.name))
    }

    /// The column dictionary as CSV with the header `column,type,unit,allowed,description,example` and one row per
    /// column in catalogue order.
    public static func dictionary() -> String {
        row(["column", "type", "unit", "allowed", "description", "example"])
            + DiaryColumn.all.map { row([$0.name, $0.type, $0.unit, $0.allowed, $0.description, $0.example]) }
            .joined()
    }

    /// Byte-stable CSV of `entries`: the header row, then one row per entry sorted by night (entries for the same
    /// night keep their order), every column, cells quoted only when they hold a comma, quote or line break,
    /// `\n` line ends.
    public static func write(_ entries: [DiaryEntry]) -> String {
        let sorted = entries.enumerated().sorted { ($0.element.night, $0.offset) < ($1.element.night, $1.offset) }
        var text = template()
        for (_, entry) in sorted {
            text += row(DiaryColumn.all.map { $0.write(entry) })
        }
        return text
    }

    /// Parses a diary CSV file's bytes; `file` names it in problems.
    ///
    /// - Returns: the entries, sorted by night. A file with a header and no rows gives no entries.
    /// - Throws: `DiaryImportError` listing every problem found, in file order, when there is any; nothing is
    ///   returned then.
    public static func parse(_ data: Data, file: String) throws(DiaryImportError) -> [DiaryEntry] {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if let offset = CSVScanner.firstInvalidUTF8(bytes) {
            let original = offset + (data.count - bytes.count)
            let line = bytes[..<offset].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            var found = "byte 0x" + String(bytes[offset], radix: 16, uppercase: true) + " at byte offset \(original)"
            if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
                found += " (a UTF-16 byte order mark)"
            }
            throw DiaryImportError(
                file: file,
                problems: [
                    DiaryProblem(
                        kind: .notUTF8, file: file, line: line, found: found,
                        expected: "UTF-8 text (save the file as \"CSV UTF-8\")")
                ])
        }
        let scanner = CSVScanner(bytes)
        let records = scanner.records
        guard let headerIndex = records.firstIndex(where: { !$0.isBlank || $0.unterminated }) else {
            throw DiaryImportError(
                file: file,
                problems: [
                    DiaryProblem(
                        kind: .emptyFile, file: file,
                        expected: "a header row naming the columns, at least 'date' (start from the diary template)")
                ])
        }
        let header = records[headerIndex]
        let names = header.cells.map { DiaryValues.canonicalText($0.text).lowercased() }
        var problems: [DiaryProblem] = scanner.problems.map {
            let name = $0.record > headerIndex && $0.column <= names.count ? names[$0.column - 1] : nil
            return DiaryProblem(
                kind: $0.kind, file: file, line: $0.line, column: $0.column, columnName: name, found: $0.found,
                expected: $0.expected)
        }

        // The header: which cell holds which column.
        var columns: [DiaryColumn?] = []
        var firstPosition: [String: Int] = [:]
        for (position, name) in names.enumerated() {
            let line = header.cells[position].line
            let number = position + 1
            if header.unterminated && position == names.count - 1 {
                columns.append(nil)  // reported by the scanner
            } else if name.isEmpty {
                problems.append(
                    DiaryProblem(
                        kind: .blankColumnName, file: file, line: line, column: number, found: "",
                        expected: "a column name in every header cell (remove empty columns or trailing commas)"))
                columns.append(nil)
            } else if let column = DiaryColumn.named(name) {
                if let first = firstPosition[name] {
                    problems.append(
                        DiaryProblem(
                            kind: .duplicateColumn, file: file, line: line, column: number, columnName: name,
                            found: name, expected: "each column once ('\(name)' is already column \(first))"))
                    columns.append(nil)
                } else {
                    firstPosition[name] = number
                    columns.append(column)
                }
            } else {
                var expected = "a diary column name"
                if let near = DiaryColumn.nearestName(to: name) { expected += " (did you mean '\(near)'?)" }
                expected += "; the column dictionary lists them"
                problems.append(
                    DiaryProblem(
                        kind: .unknownColumn, file: file, line: line, column: number, columnName: name, found: name,
                        expected: expected))
                columns.append(nil)
            }
        }
        let datePosition = columns.firstIndex { $0?.name == "date" }
        if datePosition == nil, !header.unterminated {
            problems.append(
                DiaryProblem(
                    kind: .missingDateColumn, file: file, line: header.line, found: names.joined(separator: ","),
                    expected: "a 'date' column in the header row"))
        }

        // The rows.
        var entries: [DiaryEntry] = []
        var nightLines: [NightDate: Int] = [:]
        let placeholder = NightDate(dayNumber: 0)
        for record in records[(headerIndex + 1)...] where !record.unterminated && !record.isBlank {
            guard record.cells.count == columns.count else {
                let tooMany = record.cells.count > columns.count
                let position = tooMany ? columns.count : record.cells.count
                let cellLine = tooMany ? record.cells[position].line : (record.cells.last?.line ?? record.line)
                problems.append(
                    DiaryProblem(
                        kind: tooMany ? .tooManyCells : .tooFewCells, file: file, line: cellLine,
                        column: position + 1, columnName: tooMany ? nil : names[position],
                        found: "\(record.cells.count) cells",
                        expected: "\(columns.count) cells, one per header column (a comma inside a value needs "
                            + "the value in double quotes)"))
                continue
            }
            var entry = DiaryEntry(night: placeholder)
            var rowIsValid = true
            for (position, column) in columns.enumerated() {
                guard let column else { continue }
                let cell = record.cells[position]
                if cell.malformed {
                    rowIsValid = false
                    continue
                }
                do {
                    try entry.set(column, to: cell.text)
                } catch {
                    rowIsValid = false
                    problems.append(
                        DiaryProblem(
                            kind: error.kind, file: file, line: cell.line, column: position + 1,
                            columnName: column.name, found: error.found, expected: error.expected))
                }
            }
            guard let datePosition else { continue }
            let dateCell = record.cells[datePosition]
            let dateText = DiaryValues.canonicalText(dateCell.text)
            guard !dateCell.malformed, let night = NightDate(dateText) else { continue }
            if let first = nightLines[night] {
                rowIsValid = false
                problems.append(
                    DiaryProblem(
                        kind: .duplicateNight, file: file, line: dateCell.line, column: datePosition + 1,
                        columnName: "date", found: dateText,
                        expected: "one row per night (\(night) is already on line \(first))"))
            } else {
                nightLines[night] = dateCell.line
            }
            if rowIsValid { entries.append(entry) }
        }
        guard problems.isEmpty else {
            let ordered = problems.enumerated().sorted {
                ($0.element.line ?? 0, $0.element.column ?? 0, $0.offset)
                    < ($1.element.line ?? 0, $1.element.column ?? 0, $1.offset)
            }
            throw DiaryImportError(file: file, problems: ordered.map(\.element))
        }
        return entries.sorted { $0.night < $1.night }
    }

    /// Reads and parses a diary CSV file; problems name the file by `url.relativePath` (the path as given).
    public static func read(_ url: URL) throws(DiaryImportError) -> [DiaryEntry] {
        let name = url.relativePath
        // A folder or a FIFO would fail with a system error or block forever: refuse anything but a regular file.
        var info = stat()
        if stat(url.path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
            let found = info.st_mode & S_IFMT == S_IFDIR ? "a folder" : info.st_mode & S_IFMT == S_IFIFO ? "a FIFO" : "a special file"
            throw DiaryImportError(
                file: name,
                problems: [
                    DiaryProblem(kind: .unreadableFile, file: name, found: found, expected: "a diary CSV file")
                ])
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DiaryImportError(
                file: name,
                problems: [
                    DiaryProblem(
                        kind: .unreadableFile, file: name, found: error.localizedDescription,
                        expected: "a readable diary CSV file")
                ])
        }
        return try parse(data, file: name)
    }

    // MARK: - Writing

    /// One CSV row with RFC 4180 quoting and a `\n` line end.
    static func row(_ cells: [String]) -> String {
        CSVWriter.row(cells)
    }
}

extension DiaryCSV {
    /// The column dictionary as a Markdown table (the one in docs/diary.md), one row per column in catalogue order.
    static func markdownDictionary() -> String {
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
        var lines = [
            "| Column | Type | Unit | Allowed | Description | Example |",
            "|---|---|---|---|---|---|",
        ]
        for column in DiaryColumn.all {
            let cells = [
                "`\(column.name)`", cell(column.type), cell(column.unit), cell(column.allowed),
                cell(column.description), "`\(cell(column.example))`",
            ]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
