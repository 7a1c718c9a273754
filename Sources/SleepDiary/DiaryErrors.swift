import Foundation

/// A diary value that could not be read: which column, the text found, and what was expected.
public struct DiaryValueError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The column name, e.g. `caffeine_cups`.
    public var column: String
    /// The offending text: the whole cell, or for list columns the offending item.
    public var found: String
    /// What would have been accepted, e.g. `a whole number 0-20`.
    public var expected: String
    /// The kind of problem (the same kinds the CSV import reports).
    public var kind: DiaryProblem.Kind

    /// A value error.
    public init(column: String, found: String, expected: String, kind: DiaryProblem.Kind) {
        self.column = column
        self.found = found
        self.expected = expected
        self.kind = kind
    }

    /// E.g. `caffeine_cups: expected a whole number 0-20, found 'two'`.
    public var description: String {
        "\(column): expected \(expected), found '\(DiaryProblem.shown(found))'"
    }
}

/// One problem found in a diary CSV file.
public struct DiaryProblem: Sendable, Equatable, CustomStringConvertible {
    /// The kinds of problem the import reports.
    public enum Kind: String, Sendable, CaseIterable, Codable {
        /// The file could not be read.
        case unreadableFile
        /// The file has no content (nothing but blank lines).
        case emptyFile
        /// The file is not UTF-8 text.
        case notUTF8
        /// The header row has no `date` column.
        case missingDateColumn
        /// A header cell is blank.
        case blankColumnName
        /// A header names a column the diary does not have.
        case unknownColumn
        /// A header names a column twice.
        case duplicateColumn
        /// A row has more cells than the header.
        case tooManyCells
        /// A row has fewer cells than the header.
        case tooFewCells
        /// A quoted cell is never closed.
        case unterminatedQuote
        /// Text follows the closing quote of a quoted cell.
        case textAfterQuote
        /// A row's `date` cell is blank.
        case missingDate
        /// A date is not written `YYYY-MM-DD`.
        case badDate
        /// A date is written `YYYY-MM-DD` but does not exist, e.g. 2026-02-30.
        case impossibleDate
        /// Two rows are for the same night.
        case duplicateNight
        /// A number column holds something that is not a number.
        case notANumber
        /// A whole-number column holds a fraction.
        case notWholeNumber
        /// A number or date is outside the allowed range.
        case outOfRange
        /// A clock time is not `HH:MM` 00:00-23:59.
        case badClockTime
        /// A yes/no column holds something else.
        case badYesNo
        /// A sensation is not one of the known sensations.
        case unknownSensation
        /// An exercise intensity is not light, moderate or vigorous.
        case unknownExerciseIntensity
        /// A medication entry does not start with a name.
        case medicationMissingName
        /// A medication dose is not a positive number, or a unit has no number.
        case medicationBadDose
        /// A medication dose has no unit or an unknown one.
        case medicationUnknownUnit
        /// A medication time is not `HH:MM`.
        case medicationBadTime
    }

    /// The kind of problem.
    public var kind: Kind
    /// The file name as given to the reader.
    public var file: String
    /// 1-based physical line in the file (the header is line 1 when the file starts with it); nil for
    /// whole-file problems.
    public var line: Int?
    /// 1-based column (cell) number.
    public var column: Int?
    /// The column's name from the header, when known.
    public var columnName: String?
    /// The offending text, when there is one.
    public var found: String?
    /// What would have been accepted.
    public var expected: String

    /// A problem.
    public init(
        kind: Kind, file: String, line: Int? = nil, column: Int? = nil, columnName: String? = nil,
        found: String? = nil, expected: String
    ) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.columnName = columnName
        self.found = found
        self.expected = expected
    }

    /// E.g. `diary.csv:4: column 7 (caffeine_cups): expected a whole number 0-20, found 'two'`.
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ":"
        if let column {
            text += " column \(column)"
            if let columnName, !columnName.isEmpty { text += " (\(columnName))" }
            text += ":"
        } else if let columnName, !columnName.isEmpty {
            text += " \(columnName):"
        }
        text += " expected \(expected)"
        if let found { text += ", found '\(DiaryProblem.shown(found))'" }
        return text
    }

    /// Found text as shown in messages: line breaks visible, long text shortened.
    static func shown(_ text: String) -> String {
        var shown = text.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
        if shown.count > 60 { shown = String(shown.prefix(57)) + "..." }
        return shown
    }
}

/// A diary CSV file that could not be imported, with every problem found. Nothing from the file is imported.
public struct DiaryImportError: Error, Sendable, CustomStringConvertible {
    /// The file name as given to the reader.
    public var file: String
    /// Every problem found, in file order.
    public var problems: [DiaryProblem]

    /// An import error.
    public init(file: String, problems: [DiaryProblem]) {
        self.file = file
        self.problems = problems
    }

    /// One line per problem, after a summary line when there is more than one.
    public var description: String {
        if problems.count == 1 { return problems[0].description }
        let head = "\(file): \(problems.count) problems; nothing was imported"
        return ([head] + problems.map { "  " + $0.description }).joined(separator: "\n")
    }
}

/// Why a cell's text was rejected, before the column is known.
struct FieldFailure: Error, Sendable {
    var kind: DiaryProblem.Kind
    var expected: String
    /// The offending part of the cell, when it is not the whole cell.
    var found: String?

    init(_ kind: DiaryProblem.Kind, expected: String, found: String? = nil) {
        self.kind = kind
        self.expected = expected
        self.found = found
    }
}
