import Foundation
import NightStore
import PLMCommands
import SleepDiary
import Testing

/// `plm diary import` with bad files: each is refused with its file and line, and the store is left as it was.
@Suite("plm diary import: bad files change nothing", .serialized)
struct DiaryImportCommandTests {
    static let header = "date,caffeine_cups,bath_min,medications,sensations,bed_time,ms_spasms,notes\n"

    /// (what is wrong, file contents, the line the error must name)
    static let bad: [(String, String, Int)] = [
        ("a date that is not a date", header + "2026-01-09,1,,,,,,\n2026/01/10,1,,,,,,\n", 3),
        ("an impossible date", header + "2026-02-30,1,,,,,,\n", 2),
        ("the same night twice", header + "2026-01-09,1,,,,,,\n2026-01-09,2,,,,,,\n", 3),
        ("not a number", header + "2026-01-09,two,,,,,,\n", 2),
        ("out of range", header + "2026-01-09,1,-5,,,,,\n", 2),
        ("a fraction for a whole number", header + "2026-01-09,1.5,,,,,,\n", 2),
        ("a clock time past midnight", header + "2026-01-09,1,,,,25:00,,\n", 2),
        ("yes/no that is neither", header + "2026-01-09,1,,,,,maybe,\n", 2),
        ("an unknown sensation", header + "2026-01-09,1,,,burning-ish,,,\n", 2),
        ("a medicine with a bad dose", header + "2026-01-09,1,,ropinirole lots mg,,,,\n", 2),
        ("too many cells", header + "2026-01-09,1,,,,,,,extra\n", 2),
        ("an unknown column", "date,cafeine_cups\n2026-01-09,1\n", 1),
        ("a duplicate column", "date,bath_min,bath_min\n2026-01-09,1,2\n", 1),
        ("an unterminated quote", header + "2026-01-09,1,,,,,,\"never closed\n", 2),
    ]

    @Test("every bad file is refused, naming the file and line, and the store keeps its diary and nights")
    func badFiles() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("plm-diary-bad-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let data = base.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        let good = base.appendingPathComponent("good.csv")
        try Data((DiaryImportCommandTests.header + "2026-01-05,3,20,ropinirole 0.25 mg 21:00,aching,22:00,no,fine\n").utf8)
            .write(to: good)
        var cmd = try PLM.parseAsRoot(["diary", "import", good.path, "--data-dir", data.path])
        try cmd.run()
        let store = try NightStore(url: data.appendingPathComponent("plm.sqlite"))
        let before = try store.diary()
        #expect(before.count == 1)
        for (i, (what, text, line)) in DiaryImportCommandTests.bad.enumerated() {
            let file = base.appendingPathComponent("bad-\(i).csv")
            try Data(text.utf8).write(to: file)
            var c = try PLM.parseAsRoot(["diary", "import", file.path, "--data-dir", data.path])
            do {
                try c.run()
                Issue.record("\(what): imported")
            } catch {
                let message = "\(error)"
                #expect(message.contains("bad-\(i).csv:\(line)"), "\(what): \(message)")
            }
            #expect(try store.diary() == before, "\(what): the diary changed")
        }
        #expect(try store.nights().isEmpty)
    }
}

@Suite("plm diary add, template, show")
struct DiaryCommandTests {
    func run(_ args: [String]) throws {
        var cmd = try PLM.parseAsRoot(args)
        try cmd.run()
    }

    @Test("add with flags merges into the night's entry; a bad value names its flag and changes nothing")
    func add() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("plm-diary-add-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let d = base.path
        try run([
            "diary", "add", "--night", "2026-01-05", "--caffeine-cups", "3", "--medication", "ropinirole 0.25 mg 21:00",
            "--medication", "gabapentin 300 mg", "--sensation", "aching", "--data-dir", d,
        ])
        try run(["diary", "add", "--night", "2026-01-05", "--bath-min", "20", "--ms-spasms", "yes", "--data-dir", d])
        do {
            try run(["diary", "add", "--night", "2026-01-05", "--fatigue", "11", "--data-dir", d])
            Issue.record("fatigue 11 was accepted")
        } catch {
            #expect("\(error)".contains("--fatigue"), "\(error)")
        }
        let store = try NightStore(url: base.appendingPathComponent("plm.sqlite"))
        let night = try #require(NightDate("2026-01-05"))
        let e = try #require(try store.diaryEntry(night))
        #expect(e.caffeineCups == 3)
        #expect(e.remedies[.bath]?.minutes == 20)
        #expect(e.msSpasms == true)
        #expect(e.fatigue == nil)
        #expect(e.medications.map(\.name) == ["ropinirole", "gabapentin"])
        #expect(e.medications.first?.doseMg == 0.25)
        #expect(e.sensations == [.aching])
    }

    @Test("template writes the header and the column dictionary; show --csv gives back what was imported")
    func templateAndShow() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("plm-diary-tpl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        let template = base.appendingPathComponent("diary.csv")
        try run(["diary", "template", template.path])
        #expect(try String(contentsOf: template, encoding: .utf8) == DiaryCSV.template())
        let dictionary = try String(contentsOf: base.appendingPathComponent("diary-columns.csv"), encoding: .utf8)
        #expect(dictionary == DiaryCSV.dictionary())
        #expect(dictionary.split(separator: "\n").count == DiaryColumn.all.count + 1)
        // A template with rows added imports; the stored diary written back as CSV is the same entries.
        let filled = base.appendingPathComponent("filled.csv")
        let header = String(DiaryCSV.template().dropLast())
        let cells = header.split(separator: ",").map { name -> String in
            switch name {
            case "date": return "2026-01-06"
            case "caffeine_cups": return "2"
            case "notes": return "\"slept, finally\""
            default: return ""
            }
        }
        let text: String = header + "\n" + cells.joined(separator: ",") + "\n"
        try Data(text.utf8).write(to: filled)
        try run(["diary", "import", filled.path, "--data-dir", base.path])
        let store = try NightStore(url: base.appendingPathComponent("plm.sqlite"))
        let stored = try store.diary()
        #expect(stored.count == 1)
        #expect(stored.first?.notes == "slept, finally")
        #expect(try DiaryCSV.parse(Data(DiaryCSV.write(stored).utf8), file: "x") == stored)
    }
}
