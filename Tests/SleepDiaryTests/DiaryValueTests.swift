import Foundation
import Testing

@testable import SleepDiary

@Suite struct DiaryValueTests {
    let night = NightDate(dayNumber: 20526)

    func valueError(_ column: String, _ text: String) -> DiaryValueError? {
        var entry = DiaryEntry(night: night)
        do {
            try entry.set(column, to: text)
            return nil
        } catch {
            #expect(entry == DiaryEntry(night: night), "a failed set leaves the entry unchanged")
            return error
        }
    }

    @Test func catalogue() {
        let names = DiaryColumn.all.map(\.name)
        #expect(names.first == "date")
        #expect(Set(names).count == names.count)
        #expect(names.count == 39)
        for column in DiaryColumn.all {
            #expect(!column.description.isEmpty && !column.type.isEmpty && !column.allowed.isEmpty)
            #expect(column.name.allSatisfy { $0.isLowercase || $0 == "_" }, "\(column.name)")
            // Every example is accepted and written back unchanged.
            var entry = DiaryEntry(night: night)
            #expect(throws: Never.self, "\(column.name)") { try entry.set(column.name, to: column.example) }
            #expect(entry.text(of: column.name) == column.example, "\(column.name)")
        }
        #expect(DiaryColumn.named("CAFFEINE_CUPS")?.name == "caffeine_cups")
        #expect(DiaryColumn.named("caffeine") == nil)
    }

    @Test func setAndText() throws {
        var entry = DiaryEntry(night: night)
        try entry.set("caffeine_cups", to: " 3 ")
        #expect(entry.caffeineCups == 3)
        #expect(entry.text(of: "caffeine_cups") == "3")
        try entry.set("caffeine_cups", to: "3.0")
        #expect(entry.caffeineCups == 3)
        try entry.set("caffeine_cups", to: "")
        #expect(entry.caffeineCups == nil)
        #expect(entry.text(of: "caffeine_cups") == "")
        try entry.set("alcohol_drinks", to: "1.5")
        #expect(entry.alcoholDrinks == 1.5)
        try entry.set("bed_time", to: "9:45")
        #expect(entry.text(of: "bed_time") == "09:45")
        for (text, value) in [("yes", true), ("No", false), ("Y", true), ("n", false), ("TRUE", true), ("false", false), ("1", true), ("0", false)] {
            try entry.set("nicotine", to: text)
            #expect(entry.nicotine == value, "\(text)")
        }
        #expect(entry.text(of: "nicotine") == "no")
        try entry.set("exercise_intensity", to: "Vigorous")
        #expect(entry.exerciseIntensity == .vigorous)
        try entry.set("date", to: "2026-01-02")
        #expect(entry.night.description == "2026-01-02")
        try entry.set("iron_lab_date", to: "2025-12-20")
        #expect(entry.text(of: "iron_lab_date") == "2025-12-20")
        try entry.set("notes", to: "  line one\r\nline two  ")
        #expect(entry.notes == "line one\nline two")
        try entry.set("notes", to: "   ")
        #expect(entry.notes == nil)
        #expect(entry.text(of: "no_such_column") == "")
    }

    @Test func remedies() throws {
        var entry = DiaryEntry(night: night)
        try entry.set("bath_time", to: "21:30")
        #expect(entry.remedies == [.bath: RemedyUse(minutes: nil, time: ClockTime("21:30"))])
        try entry.set("bath_min", to: "20")
        try entry.set("stretching_min", to: "0")
        #expect(entry.remedies[.bath] == RemedyUse(minutes: 20, time: ClockTime("21:30")))
        #expect(entry.remedies[.stretching] == RemedyUse(minutes: 0))
        #expect(entry.text(of: "bath_min") == "20" && entry.text(of: "massage_min") == "")
        try entry.set("bath_min", to: "")
        try entry.set("bath_time", to: "")
        #expect(entry.remedies[.bath] == nil)
        let negative = try #require(valueError("massage_min", "-5"))
        #expect(negative.kind == .outOfRange)
        #expect(negative.description == "massage_min: expected a whole number 0-600, found '-5'")
    }

    @Test func numberErrors() throws {
        let word = try #require(valueError("caffeine_cups", "two"))
        #expect(word == DiaryValueError(column: "caffeine_cups", found: "two", expected: "a whole number 0-20", kind: .notANumber))
        #expect(word.description == "caffeine_cups: expected a whole number 0-20, found 'two'")
        #expect(valueError("caffeine_cups", "2.5")?.kind == .notWholeNumber)
        #expect(valueError("caffeine_cups", "21")?.kind == .outOfRange)
        #expect(valueError("caffeine_cups", "-1")?.kind == .outOfRange)
        #expect(valueError("sleep_quality", "0")?.kind == .outOfRange)
        for text in ["nan", "inf", "0x10", "1,5", "1.2.3", "+", ".", "1e", "e5", "3 cups"] {
            #expect(valueError("alcohol_drinks", text)?.kind == .notANumber, "\(text)")
        }
        #expect(valueError("tsat_percent", "100.5")?.kind == .outOfRange)
        #expect(valueError("ferritin_ng_ml", "5001")?.kind == .outOfRange)
        var entry = DiaryEntry(night: night)
        try entry.set("ferritin_ng_ml", to: ".5")
        #expect(entry.ferritin == 0.5)
        try entry.set("ferritin_ng_ml", to: "1e2")
        #expect(entry.ferritin == 100)
        try entry.set("ferritin_ng_ml", to: "-0")
        #expect(entry.text(of: "ferritin_ng_ml") == "0")
    }

    @Test func otherErrors() throws {
        #expect(valueError("bed_time", "25:00")?.kind == .badClockTime)
        #expect(valueError("bed_time", "7pm")?.expected == "a clock time HH:MM (24-hour, 00:00-23:59)")
        #expect(valueError("nicotine", "maybe")?.kind == .badYesNo)
        #expect(valueError("exercise_intensity", "hard")?.kind == .unknownExerciseIntensity)
        #expect(valueError("date", "")?.kind == .missingDate)
        #expect(valueError("date", "14.03.2026")?.kind == .badDate)
        #expect(valueError("date", "2026-02-30")?.kind == .impossibleDate)
        #expect(valueError("iron_lab_date", "2301-01-01")?.kind == .outOfRange)
        let unknown = try #require(valueError("cafeine_cups", "2"))
        #expect(unknown.kind == .unknownColumn)
        #expect(unknown.expected.contains("did you mean 'caffeine_cups'?"))
    }

    @Test func sensations() throws {
        var entry = DiaryEntry(night: night)
        try entry.set("sensations", to: "Tingling; aching;; shock-like, crawling")
        #expect(entry.sensations == [.tingling, .aching, .shockLike, .crawling])
        #expect(entry.text(of: "sensations") == "aching; tingling; shock_like; crawling")
        try entry.set("sensations", to: "shock like")
        #expect(entry.sensations == [.shockLike])
        let error = try #require(valueError("sensations", "aching; burning"))
        #expect(error.kind == .unknownSensation)
        #expect(error.found == "burning")
        #expect(error.expected.contains("tugging"))
    }

    @Test func medications() throws {
        var entry = DiaryEntry(night: night)
        try entry.set("medications", to: "Ropinirole 0.25 mg 21:00; gabapentin 300mg at 22:30;; Vitamin D 50 mcg; baclofen; iron 0.5 g 8:00")
        #expect(
            entry.medications == [
                Medication(name: "ropinirole", doseMg: 0.25, time: ClockTime("21:00")),
                Medication(name: "gabapentin", doseMg: 300, time: ClockTime("22:30")),
                Medication(name: "vitamin d", doseMg: 0.05),
                Medication(name: "baclofen"),
                Medication(name: "iron", doseMg: 500, time: ClockTime("08:00")),
            ])
        #expect(
            entry.text(of: "medications")
                == "ropinirole 0.25 mg 21:00; gabapentin 300 mg 22:30; vitamin d 0.05 mg; baclofen; iron 500 mg 08:00")
        try entry.set("medications", to: "pramipexole 125 µg; clonazepam 500 ug 22:00; tramadol 21:00")
        #expect(entry.medications.map(\.doseMg) == [0.125, 0.5, nil])
        #expect(entry.medications[2].time == ClockTime("21:00"))

        let cases: [(String, DiaryProblem.Kind, String)] = [
            ("0.25 mg 21:00", .medicationMissingName, "0.25 mg 21:00"),
            ("mg 5", .medicationMissingName, "mg 5"),
            ("21:00 ropinirole", .medicationMissingName, "21:00 ropinirole"),
            ("ropinirole 0.2.5 mg", .medicationBadDose, "0.2.5"),
            ("ropinirole -1 mg", .medicationBadDose, "-1 mg"),
            ("ropinirole 0 mg", .medicationBadDose, "0 mg"),
            ("ropinirole mg 21:00", .medicationBadDose, "ropinirole mg 21:00"),
            ("ropinirole 1 2 mg", .medicationBadDose, "ropinirole 1 2 mg"),
            ("ropinirole 0.25 tablets", .medicationUnknownUnit, "tablets"),
            ("ropinirole 5 ml", .medicationUnknownUnit, "ml"),
            ("ropinirole 0.25", .medicationUnknownUnit, "0.25"),
            ("ropinirole 0.25 mg 25:00", .medicationBadTime, "25:00"),
            ("ropinirole 0.25 mg 9:00 21:00", .medicationBadTime, "9:00"),
        ]
        for (text, kind, found) in cases {
            let error = valueError("medications", "gabapentin 300 mg; " + text)
            #expect(error?.kind == kind, "\(text)")
            #expect(error?.found == found, "\(text)")
            #expect(error?.column == "medications")
        }
    }

    @Test func merging() throws {
        var old = DiaryEntry(night: night)
        try old.set("caffeine_cups", to: "2")
        try old.set("notes", to: "old")
        try old.set("sensations", to: "aching")
        try old.set("bath_min", to: "10")
        var newer = DiaryEntry(night: night.adding(days: 1))
        try newer.set("notes", to: "new")
        try newer.set("fatigue", to: "4")
        let merged = old.merging(newer)
        #expect(merged.night == night)
        #expect(merged.caffeineCups == 2 && merged.notes == "new" && merged.fatigue == 4)
        #expect(merged.sensations == [.aching] && merged.remedies[.bath]?.minutes == 10)

        // Every column recorded in `newer` wins.
        var full = DiaryEntry(night: night)
        for column in DiaryColumn.all where column.name != "date" { try full.set(column.name, to: column.example) }
        #expect(DiaryEntry(night: night).merging(full) == full)
        #expect(old.merging(full) == full)
        #expect(full.merging(DiaryEntry(night: night)) == full)
    }
}
