import Foundation
import Testing

@testable import SleepDiary

/// The problems parsing `data` reports; records an issue when it parses.
func importProblems(_ data: Data, file: String = "diary.csv") -> [DiaryProblem] {
    do {
        let entries = try DiaryCSV.parse(data, file: file)
        Issue.record("expected problems, parsed \(entries.count) entries")
        return []
    } catch {
        #expect(error.file == file)
        return error.problems
    }
}

func importProblems(_ text: String) -> [DiaryProblem] { importProblems(Data(text.utf8)) }

/// The only problem parsing `text` reports.
func onlyProblem(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> DiaryProblem? {
    let problems = importProblems(text)
    #expect(problems.count == 1, "\(problems)", sourceLocation: sourceLocation)
    return problems.first
}

func parsed(_ text: String) throws -> [DiaryEntry] { try DiaryCSV.parse(Data(text.utf8), file: "diary.csv") }

@Suite struct DiaryImportProblemTests {
    @Test func emptyFile() throws {
        for text in ["", "\n\n", "  \r\n\t\n", "\u{FEFF}", ",,\n"] {
            let problem = try #require(onlyProblem(text))
            #expect(problem.kind == .emptyFile)
            #expect(problem.line == nil && problem.column == nil)
            #expect(problem.description.hasPrefix("diary.csv: expected a header row"))
        }
    }

    @Test func notUTF8() throws {
        var bytes = Array("date,notes\n2026-03-14,caf".utf8)
        bytes += [0xE9, 0x0A]
        let problem = try #require(importProblems(Data(bytes)).first)
        #expect(problem.kind == .notUTF8)
        #expect(problem.line == 2)
        #expect(problem.found == "byte 0xE9 at byte offset 25")
        #expect(problem.description == "diary.csv:2: expected UTF-8 text (save the file as \"CSV UTF-8\"), found 'byte 0xE9 at byte offset 25'")
        // The offset counts a BOM.
        let withBOM = importProblems(Data([0xEF, 0xBB, 0xBF] + bytes))
        #expect(withBOM.first?.found == "byte 0xE9 at byte offset 28")
        // UTF-16 is named.
        let utf16 = importProblems(Data([0xFF, 0xFE, 0x64, 0x00]))
        #expect(utf16.first?.kind == .notUTF8)
        #expect(utf16.first?.found?.contains("UTF-16") == true)
        // Overlong encodings and surrogates are not UTF-8.
        #expect(CSVScanner.firstInvalidUTF8([0x41, 0xC0, 0xAF]) == 1)
        #expect(CSVScanner.firstInvalidUTF8([0xED, 0xA0, 0x80]) == 0)
        #expect(CSVScanner.firstInvalidUTF8([0xF4, 0x90, 0x80, 0x80]) == 0)
        #expect(CSVScanner.firstInvalidUTF8([0xE2, 0x82]) == 0)
        #expect(CSVScanner.firstInvalidUTF8(Array("µg ✓ 😀".utf8)) == nil)
    }

    @Test func noDateColumn() throws {
        let problem = try #require(onlyProblem("notes,caffeine_cups\nhello,2\n"))
        #expect(problem.kind == .missingDateColumn)
        #expect(problem.line == 1 && problem.column == nil)
        #expect(problem.description == "diary.csv:1: expected a 'date' column in the header row, found 'notes,caffeine_cups'")
    }

    @Test func unknownColumn() throws {
        let problem = try #require(onlyProblem("date,cafeine_cups\n2026-03-14,2\n"))
        #expect(problem.kind == .unknownColumn)
        #expect(problem.line == 1 && problem.column == 2 && problem.columnName == "cafeine_cups")
        #expect(problem.expected.contains("did you mean 'caffeine_cups'?"))
        #expect(
            problem.description
                == "diary.csv:1: column 2 (cafeine_cups): expected a diary column name (did you mean 'caffeine_cups'?); the column dictionary lists them, found 'cafeine_cups'"
        )
        let far = try #require(onlyProblem("date,mood\n2026-03-14,ok\n"))
        #expect(far.kind == .unknownColumn && !far.expected.contains("did you mean"))
        let spaced = try #require(onlyProblem("date,Sleep Quality\n2026-03-14,3\n"))
        #expect(spaced.expected.contains("'sleep_quality'"))
    }

    @Test func duplicateColumn() throws {
        let problem = try #require(onlyProblem("date,notes,Notes\n2026-03-14,a,b\n"))
        #expect(problem.kind == .duplicateColumn)
        #expect(problem.line == 1 && problem.column == 3 && problem.columnName == "notes")
        #expect(problem.expected.contains("already column 2"))
    }

    @Test func blankColumnName() throws {
        let problem = try #require(onlyProblem("date,notes,\n2026-03-14,a,\n"))
        #expect(problem.kind == .blankColumnName)
        #expect(problem.line == 1 && problem.column == 3)
    }

    @Test func wrongCellCount() throws {
        let problems = importProblems("date,notes\n2026-03-14,a,b\n2026-03-15\n2026-03-16,ok\n")
        #expect(problems.count == 2)
        #expect(problems[0].kind == .tooManyCells)
        #expect(problems[0].line == 2 && problems[0].column == 3 && problems[0].columnName == nil)
        #expect(problems[0].found == "3 cells")
        #expect(problems[0].expected.hasPrefix("2 cells"))
        #expect(problems[1].kind == .tooFewCells)
        #expect(problems[1].line == 3 && problems[1].column == 2 && problems[1].columnName == "notes")
        #expect(problems[1].description.hasPrefix("diary.csv:3: column 2 (notes): expected 2 cells"))
    }

    @Test func unterminatedQuote() throws {
        let text = "date,notes\n2026-03-14,\"ok, fine\"\n2026-03-15,\"never closed\n2026-03-16,x\n2026-03-17,y\n"
        let problem = try #require(onlyProblem(text))
        #expect(problem.kind == .unterminatedQuote)
        #expect(problem.line == 3 && problem.column == 2 && problem.columnName == "notes")
        #expect(problem.found?.hasPrefix("\"never closed") == true)
        #expect(problem.expected.hasPrefix("a closing double quote"))
    }

    @Test func textAfterClosingQuote() throws {
        let problem = try #require(onlyProblem("date,notes\n2026-03-14,\"5\" tall\n"))
        #expect(problem.kind == .textAfterQuote)
        #expect(problem.line == 2 && problem.column == 2 && problem.columnName == "notes")
        #expect(problem.found == "tall")
    }

    @Test func badDates() throws {
        let problems = importProblems("date,notes\n14/03/2026,a\n2026-02-30,b\n,c\n1899-12-31,d\n")
        #expect(problems.map(\.kind) == [.badDate, .impossibleDate, .missingDate, .outOfRange])
        #expect(problems.map(\.line) == [2, 3, 4, 5])
        #expect(problems.allSatisfy { $0.column == 1 && $0.columnName == "date" })
        #expect(problems[0].description == "diary.csv:2: column 1 (date): expected a date YYYY-MM-DD, e.g. 2026-03-14, found '14/03/2026'")
        #expect(problems[1].description == "diary.csv:3: column 1 (date): expected a real calendar date YYYY-MM-DD, found '2026-02-30'")
    }

    @Test func sameNightTwice() throws {
        let problem = try #require(onlyProblem("date,notes\n2026-03-14,a\n2026-03-15,b\n 2026-03-14 ,c\n"))
        #expect(problem.kind == .duplicateNight)
        #expect(problem.line == 4 && problem.column == 1 && problem.found == "2026-03-14")
        #expect(problem.expected == "one row per night (2026-03-14 is already on line 2)")
    }

    @Test func notANumberWithItsPlace() throws {
        let text = """
            date,bed_time,lights_out_time,sleep_latency_min,awakenings,awake_min,caffeine_cups
            2026-03-12,22:00,22:30,10,1,5,1

            2026-03-13,22:00,22:30,10,1,5,two

            """
        let problem = try #require(onlyProblem(text))
        #expect(problem.kind == .notANumber)
        #expect(problem.description == "diary.csv:4: column 7 (caffeine_cups): expected a whole number 0-20, found 'two'")
    }

    @Test func numberProblems() throws {
        let text = "date,caffeine_cups,alcohol_drinks,bath_min,bath_time,massage_min\n"
            + "2026-03-14,2.5,1.5,,21:00,\n"
            + "2026-03-15,25,one,-5,,\n"
            + "2026-03-16,3,0.5,,,600\n"
        let problems = importProblems(text)
        #expect(problems.map(\.kind) == [.notWholeNumber, .outOfRange, .notANumber, .outOfRange])
        #expect(problems.map(\.line) == [2, 3, 3, 3])
        #expect(problems.map(\.column) == [2, 2, 3, 4])
        #expect(problems[3].description == "diary.csv:3: column 4 (bath_min): expected a whole number 0-600, found '-5'")
        #expect(problems[2].expected == "a number 0-20 (decimal point '.')")
    }

    @Test func clockYesNoChoiceAndListProblems() throws {
        let text = "date,bed_time,final_wake_time,nicotine,sensations,exercise_intensity\n"
            + "2026-03-14,25:00,7pm,maybe,aching; burning,hard\n"
        let problems = importProblems(text)
        #expect(problems.map(\.kind) == [.badClockTime, .badClockTime, .badYesNo, .unknownSensation, .unknownExerciseIntensity])
        #expect(problems.map(\.column) == [2, 3, 4, 5, 6])
        #expect(problems.allSatisfy { $0.line == 2 })
        #expect(problems[1].description == "diary.csv:2: column 3 (final_wake_time): expected a clock time HH:MM (24-hour, 00:00-23:59), found '7pm'")
        #expect(problems[2].expected == "yes or no (also y/n, true/false, 1/0)")
        #expect(problems[3].found == "burning")
        #expect(problems[4].description == "diary.csv:2: column 6 (exercise_intensity): expected one of light, moderate, vigorous, found 'hard'")
    }

    @Test func medicationProblems() throws {
        let text = "date,medications\n"
            + "2026-03-14,0.25 mg 21:00\n"
            + "2026-03-15,ropinirole abc0.25 mg; gabapentin x mg\n"
            + "2026-03-16,ropinirole 0.25 tablets\n"
            + "2026-03-17,\"ropinirole 0.25 mg 9pm:00\"\n"
            + "2026-03-18,ropinirole 0.25 mg 21:00; gabapentin 300 mg\n"
        let problems = importProblems(text)
        #expect(problems.map(\.kind) == [.medicationMissingName, .medicationBadDose, .medicationUnknownUnit, .medicationBadTime])
        #expect(problems.map(\.line) == [2, 3, 4, 5])
        #expect(problems.allSatisfy { $0.column == 2 && $0.columnName == "medications" })
        #expect(problems[0].found == "0.25 mg 21:00")
        #expect(problems[2].found == "tablets")
        #expect(problems[2].description == "diary.csv:4: column 2 (medications): expected a dose unit: mg, mcg, µg, ug or g, found 'tablets'")
        #expect(problems[3].found == "9pm:00")
    }

    @Test func remedyTimeWithoutMinutesIsFine() throws {
        let entries = try parsed("date,bath_min,bath_time,compression_time\n2026-03-14,,21:30,22:00\n")
        #expect(entries.first?.remedies == [.bath: RemedyUse(time: ClockTime("21:30")), .compression: RemedyUse(time: ClockTime("22:00"))])
    }

    @Test func physicalLineNumbers() throws {
        // A quoted cell with line breaks moves the following rows down; a cell after the break is on the later line.
        let text = "date,notes,caffeine_cups\r\n"
            + "2026-03-14,\"line one\r\nline two\nline three\",2\r\n"
            + "2026-03-15,x,two\r\n"
            + "2026-03-16,\"a\rb\",2.5\n"
            + "\n"
            + "2026-03-17,,25"
        let problems = importProblems(text)
        #expect(problems.map(\.line) == [5, 7, 9])
        #expect(problems.map(\.kind) == [.notANumber, .notWholeNumber, .outOfRange])
        // A quoted cell is located at the line it starts on.
        let quoted = try #require(onlyProblem("date,bed_time\n2026-03-14,\"\n21:61\"\n"))
        #expect(quoted.line == 2 && quoted.kind == .badClockTime)
    }

    @Test func everyProblemIsListed() throws {
        let text = "date,cafeine,notes,notes\n"
            + "2026-02-30,1,a,b\n"
            + "2026-03-01,1,a\n"
            + "2026-03-02,1,a,b\n"
            + "2026-03-02,1,a,b\n"
        let problems = importProblems(text)
        #expect(problems.map(\.kind) == [.unknownColumn, .duplicateColumn, .impossibleDate, .tooFewCells, .duplicateNight])
        let error = DiaryImportError(file: "diary.csv", problems: problems)
        #expect(error.description.hasPrefix("diary.csv: 5 problems; nothing was imported\n  diary.csv:1: column 2 (cafeine)"))
        #expect(error.description.split(separator: "\n").count == 6)
    }

    @Test func oneGoodRowDoesNotImportAlone() {
        // Any problem means no entries: the caller writes nothing.
        #expect(throws: DiaryImportError.self) { try parsed("date,fatigue\n2026-03-14,3\n2026-03-15,11\n") }
    }
}

@Suite struct DiaryImportTests {
    @Test func lenientLayout() throws {
        let text = "\u{FEFF}\n Notes , DATE,  caffeine_cups\n\n"
            + "\"  shoulder ache, left \" , 2026-03-15 , 3 \n"
            + ",,\n"
            + "   \n"
            + "\"\",2026-03-14,\n"
        let entries = try parsed(text)
        #expect(entries.map(\.night.description) == ["2026-03-14", "2026-03-15"])
        #expect(entries[0] == DiaryEntry(night: try #require(NightDate("2026-03-14"))))
        #expect(entries[1].notes == "shoulder ache, left")
        #expect(entries[1].caffeineCups == 3)
    }

    @Test func headerOnlyIsAnEmptyDiary() throws {
        #expect(try parsed(DiaryCSV.template()).isEmpty)
        #expect(try parsed("date").isEmpty)
    }

    @Test func quotedCells() throws {
        let entries = try parsed("date,notes,exercise_type\n2026-03-14,\"She said \"\"ok\"\"\nthen slept\",\"walk, swim\"\n")
        #expect(entries[0].notes == "She said \"ok\"\nthen slept")
        #expect(entries[0].exerciseType == "walk, swim")
        // A quote inside an unquoted cell is kept as it is.
        #expect(try parsed("date,notes\n2026-03-14,5\" tall\n")[0].notes == "5\" tall")
    }

    @Test func readsFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sleepdiary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("diary.csv")
        try Data("date,caffeine_cups\n2026-03-14,2\n".utf8).write(to: url)
        #expect(try DiaryCSV.read(url).first?.caffeineCups == 2)

        let bad = directory.appendingPathComponent("bad.csv")
        try Data("date,caffeine_cups\n2026-03-14,two\n".utf8).write(to: bad)
        do {
            _ = try DiaryCSV.read(bad)
            Issue.record("parsed a bad file")
        } catch {
            #expect(error.problems.first?.file == bad.relativePath)
            #expect(error.problems.first?.line == 2)
        }

        do {
            _ = try DiaryCSV.read(directory.appendingPathComponent("missing.csv"))
            Issue.record("read a missing file")
        } catch {
            #expect(error.problems.map(\.kind) == [.unreadableFile])
        }
    }
}

/// Issue 14: a folder or a FIFO given as the diary is refused at once (a FIFO must not block).
@Suite struct DiaryNotRegularFileTests {
    @Test func folderAndFifo() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plm-diary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("diary.csv")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        for (url, found) in [(fifo, "a FIFO"), (dir, "a folder")] {
            do {
                _ = try DiaryCSV.read(url)
                Issue.record("\(url.path) was read")
            } catch {
                #expect(error.problems.first?.kind == .unreadableFile)
                #expect(error.problems.first?.found == found)
            }
        }
    }
}
