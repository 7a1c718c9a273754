import Foundation
import PLMVocabulary
import Testing

@testable import SleepDiary


/// Entries with every kind of field set or not, awkward text included.
func variedEntries(count: Int, seed: UInt64) -> [DiaryEntry] {
    var rng = SplitMix64(seed: seed)
    func maybe<T>(_ make: () -> T) -> T? { Bool.random(using: &rng) ? make() : nil }
    func clock() -> ClockTime? { maybe { ClockTime(minutes: Int.random(in: 0..<1440, using: &rng)) } ?? nil }
    func whole(_ range: ClosedRange<Int>) -> Int? { maybe { Int.random(in: range, using: &rng) } }
    func decimal(_ range: ClosedRange<Double>) -> Double? {
        maybe {
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: return Double(Int.random(in: Int(range.lowerBound)...Int(range.upperBound), using: &rng))
            case 1: return (Double.random(in: range, using: &rng) * 2).rounded() / 2
            default: return Double.random(in: range, using: &rng)
            }
        }
    }
    let texts = [
        "plain", "comma, inside", "a \"quoted\" word", "two\nlines", "ends with comma,", "\"starts with quote",
        "unicode: Müdigkeit, 疲れ, 😴, µg", "semi; colon", "tab\tinside", "trailing quote\"", "x",
        "many\n\nblank\nlines, \"and\" commas", "=1+2", "   ",
    ]
    func text() -> String? {
        maybe { texts[Int.random(in: 0..<texts.count, using: &rng)] }.flatMap { DiaryValues.canonicalText($0) }
            .flatMap { $0.isEmpty ? nil : $0 }
    }
    let names = ["ropinirole", "pramipexole", "gabapentin", "pregabalin", "clonazepam", "baclofen", "vitamin d", "co careldopa", "oxycodone naloxone"]
    var nights = Set<Int>()
    var entries: [DiaryEntry] = []
    while entries.count < count {
        let day = Int.random(in: -25567...84370, using: &rng)
        guard nights.insert(day).inserted else { continue }
        var e = DiaryEntry(night: NightDate(dayNumber: day))
        e.bedTime = clock()
        e.lightsOutTime = clock()
        e.sleepLatencyMinutes = whole(0...600)
        e.awakenings = whole(0...50)
        e.awakeMinutes = whole(0...900)
        e.finalWakeTime = clock()
        e.outOfBedTime = clock()
        e.sleepQuality = whole(1...5)
        e.caffeineCups = whole(0...20)
        e.caffeineLastTime = clock()
        e.alcoholDrinks = decimal(0...20)
        e.nicotine = maybe { Bool.random(using: &rng) }
        e.exerciseMinutes = whole(0...600)
        e.exerciseType = text()
        e.exerciseIntensity = maybe { ExerciseIntensity.allCases.randomElement(using: &rng) } ?? nil
        e.exerciseTime = clock()
        e.ironDoseMg = decimal(0...1000)
        e.ironTime = clock()
        e.ferritin = decimal(0...5000)
        e.transferrinSaturation = decimal(0...100)
        e.ironLabDate = maybe { NightDate(dayNumber: Int.random(in: -25567...84370, using: &rng)) }
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            let dose: Double? = maybe {
                Bool.random(using: &rng)
                    ? Double(Int.random(in: 1...3000, using: &rng)) / 4 : Double.random(in: 0.001...100_000, using: &rng)
            }
            e.medications.append(
                Medication(name: names[Int.random(in: 0..<names.count, using: &rng)], doseMg: dose, time: clock()))
        }
        for remedy in Remedy.allCases where Bool.random(using: &rng) {
            let use = RemedyUse(minutes: whole(0...600), time: clock())
            if use != RemedyUse() { e.remedies[remedy] = use }
        }
        e.symptomSeverity = whole(0...10)
        e.symptomOnsetTime = clock()
        e.sensations = Set(Sensation.allCases.filter { _ in Int.random(in: 0..<4, using: &rng) == 0 })
        e.msSpasms = maybe { Bool.random(using: &rng) }
        e.msDysesthesia = maybe { Bool.random(using: &rng) }
        e.fatigue = whole(0...10)
        e.irlsTotal = whole(0...40)
        e.notes = text()
        entries.append(e)
    }
    return entries
}

@Suite struct DiaryRoundTripTests {
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func writeThenParseGivesTheSameEntries(seed: UInt64) throws {
        let entries = variedEntries(count: 60, seed: seed)
        let csv = DiaryCSV.write(entries)
        let back = try DiaryCSV.parse(Data(csv.utf8), file: "roundtrip.csv")
        let sorted = entries.sorted { $0.night < $1.night }
        #expect(back.count == sorted.count)
        for (a, b) in zip(sorted, back) { #expect(a == b, "\(a.night)") }
        // Writing again gives the same bytes.
        #expect(DiaryCSV.write(back) == csv)
        #expect(DiaryCSV.write(entries.reversed()) == csv)
    }

    @Test func everyFieldAtItsExtremes() throws {
        var low = DiaryEntry(night: try #require(NightDate("1900-01-01")))
        var high = DiaryEntry(night: try #require(NightDate("2200-12-31")))
        for column in DiaryColumn.all where column.name != "date" {
            try low.set(column.name, to: column.example)
            try high.set(column.name, to: column.example)
        }
        low.caffeineCups = 0
        low.ferritin = 0.000_01
        low.bedTime = ClockTime(minutes: 0)
        low.medications = [Medication(name: "ropinirole", doseMg: 0.000_1)]
        high.awakeMinutes = 900
        high.ferritin = 5000
        high.bedTime = ClockTime(minutes: 1439)
        high.notes = "„Quotes“ \"\"\" ,,, \n\n end"
        let csv = DiaryCSV.write([high, low])
        #expect(try DiaryCSV.parse(Data(csv.utf8), file: "x.csv") == [low, high])
    }

    @Test func writtenForm() throws {
        var entry = DiaryEntry(night: try #require(NightDate("2026-03-14")))
        try entry.set("caffeine_cups", to: "2")
        try entry.set("notes", to: "said \"no\", then\nslept")
        try entry.set("medications", to: "ropinirole 0.25 mg 21:00; gabapentin 300 mg")
        let csv = DiaryCSV.write([entry])
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == Substring(DiaryCSV.template().dropLast()))
        #expect(csv.hasSuffix("\"said \"\"no\"\", then\nslept\"\n"))
        #expect(csv.contains(",ropinirole 0.25 mg 21:00; gabapentin 300 mg,"))
        #expect(csv.contains("2026-03-14,,,,,,,,,2,"))
        #expect(!csv.contains("\r"))
        #expect(DiaryCSV.write([]) == DiaryCSV.template())
    }

    @Test func templateAndDictionary() throws {
        let template = DiaryCSV.template()
        #expect(template == DiaryColumn.all.map(\.name).joined(separator: ",") + "\n")
        #expect(template.hasPrefix("date,bed_time,lights_out_time,sleep_latency_min,"))
        #expect(template.hasSuffix(",irls_total,notes\n"))

        let dictionary = DiaryCSV.dictionary()
        #expect(dictionary.hasPrefix("column,type,unit,allowed,description,example\n"))
        #expect(dictionary.hasSuffix("\n") && !dictionary.contains("\r"))
        // The dictionary is itself valid CSV: one record per column with six cells.
        let scanner = CSVScanner(Array(dictionary.utf8))
        #expect(scanner.problems.isEmpty)
        #expect(scanner.records.count == DiaryColumn.all.count + 1)
        for (record, column) in zip(scanner.records.dropFirst(), DiaryColumn.all) {
            #expect(record.cells.map(\.text) == [column.name, column.type, column.unit, column.allowed, column.description, column.example])
        }
    }
}

@Suite struct DiaryDocsTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let docs = repositoryRoot.appendingPathComponent("docs/diary.md")

    /// Set PLM_WRITE_DIARY_DOCS=1 to rewrite the table in docs/diary.md from `DiaryColumn.all`.
    @Test func docsListEveryColumnFromTheCatalogue() throws {
        var text = try String(contentsOf: Self.docs, encoding: .utf8)
        let begin = "<!-- diary-columns:begin (generated from DiaryColumn.all) -->\n"
        let end = "<!-- diary-columns:end -->"
        let table = DiaryCSV.markdownDictionary()
        if ProcessInfo.processInfo.environment["PLM_WRITE_DIARY_DOCS"] == "1",
            let start = text.range(of: begin), let stop = text.range(of: end)
        {
            text.replaceSubrange(start.upperBound..<stop.lowerBound, with: table)
            try text.write(to: Self.docs, atomically: true, encoding: .utf8)
        }
        for column in DiaryColumn.all {
            #expect(text.contains("| `\(column.name)` |"), "docs/diary.md lacks column \(column.name)")
        }
        #expect(text.contains(begin + table + end), "docs/diary.md's column table is out of date; run the tests with PLM_WRITE_DIARY_DOCS=1")
    }
}
