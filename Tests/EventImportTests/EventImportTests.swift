import EDFFormat
import EventImport
import Foundation
import LegMovementScoring
import Testing

func us(_ s: Double) -> Microseconds { Microseconds((s * 1_000_000).rounded()) }

@Suite("Label catalogue")
struct LabelCatalogTests {
    static let cases: [(String, EventKind)] = [
        // Luna
        ("LM/left", .legMovement(.left)), ("LM/right", .legMovement(.right)), ("LM/both", .legMovement(.both)),
        ("lm_left", .legMovement(.left)), ("LM", .legMovement(.unknown)), ("PLM/left", .ignored),
        ("arousal/lm", .arousal), ("lights_off", .lightsOff), ("lights_on", .lightsOn), ("in_bed", .inBed),
        ("W", .stage(.wake)), ("N1", .stage(.n1)), ("N2", .stage(.n2)), ("N3", .stage(.n3)), ("R", .stage(.rem)),
        // NSRR
        ("Limb movement - left", .legMovement(.left)), ("Limb Movement (Left)", .legMovement(.left)),
        ("Limb movement - right", .legMovement(.right)), ("Limb Movement (Right)", .legMovement(.right)),
        ("Periodic leg movement - left", .ignored), ("PLM (Left)", .ignored),
        ("Stage 2 sleep|2", .stage(.n2)), ("Wake|0", .stage(.wake)), ("REM sleep|5", .stage(.rem)),
        ("Stage 4 sleep|4", .stage(.n3)), ("Movement|6", .stage(.unscored)), ("Unscored|9", .stage(.unscored)),
        ("Arousal|Arousal (Standard)", .arousal), ("Obstructive apnea|Obstructive Apnea", .respiratory),
        ("Hypopnea|Hypopnea", .respiratory), ("SpO2 desaturation|SpO2 desaturation", .ignored),
        // Polyman / REMLogic
        ("Limb movement@@EMG LAT", .legMovement(.left)), ("Limb movement@@EMG RAT", .legMovement(.right)),
        ("Sleep stage N2", .stage(.n2)), ("Sleep stage W", .stage(.wake)), ("Sleep stage R", .stage(.rem)),
        ("Sleep stage ?", .stage(.unscored)), ("EEG arousal", .arousal), ("Obstructive Apnea", .respiratory),
        ("Central apnea", .respiratory), ("Mixed apnea", .respiratory), ("Hypopnea", .respiratory),
        ("RERA", .respiratory), ("Respiratory effort related arousal", .respiratory),
        ("Lights off", .lightsOff), ("Lights on", .lightsOn), ("Lights Out", .lightsOff),
        // Other spellings
        ("apnoea", .respiratory), ("hypopnoea", .respiratory), ("Leg movement left", .legMovement(.left)),
        ("arousal", .arousal), ("apnea", .respiratory), ("rem", .stage(.rem)), ("wake", .stage(.wake)),
        // Unknown
        ("Bathroom break", .unknown), ("", .unknown), ("LMX", .unknown), ("2", .unknown),
    ]

    @Test("labels of the Luna, NSRR, Polyman/REMLogic families")
    func families() {
        for (label, kind) in LabelCatalogTests.cases {
            #expect(LabelCatalog.classify(label) == kind, "\(label)")
        }
    }
}

@Suite("Events tables")
struct EventTableTests {
    func read(_ text: String, delimiter: UnicodeScalar = "\t") throws -> ImportedEvents {
        try EventFileReader.readTable(text, path: "night.tsv", delimiter: delimiter)
    }

    func error(_ text: String, delimiter: UnicodeScalar = "\t") -> InputError? {
        do {
            _ = try read(text, delimiter: delimiter)
            return nil
        } catch let e as InputError {
            return e
        } catch {
            return InputError(file: "?", message: "\(error)")
        }
    }

    @Test("a BIDS table: kinds, defaults, lights, unknown labels counted; unsorted is fine")
    func bids() throws {
        let text = """
            onset\tduration\ttrial_type\tvalue
            95\t1.5\tLM/right\t1
            60\tn/a\tN2\t2
            30\t30\tW\t3
            5\t0\tlights_off\t4
            35.25\t1.5\tLM/left\t5
            100\t15\tObstructive apnea\t6
            102\t4\tarousal\t7
            110\tn/a\tBathroom break\t8
            111\t2\tBathroom break\t9
            590\tn/a\tlights_on\t10

            """
        let e = try read(text)
        #expect(e.input.legMovements.sorted { $0.onset < $1.onset } == [
            LegMovementEvent(onset: us(35.25), duration: us(1.5), leg: .left),
            LegMovementEvent(onset: us(95), duration: us(1.5), leg: .right),
        ])
        #expect(e.input.stages.sorted { $0.onset < $1.onset } == [
            StageInterval(onset: us(30), duration: us(30), stage: .wake),
            StageInterval(onset: us(60), duration: us(30), stage: .n2),  // n/a -> the 30 s default epoch
        ])
        #expect(e.input.respiratoryEvents == [IntervalEvent(onset: us(100), duration: us(15))])
        #expect(e.input.arousals == [IntervalEvent(onset: us(102), duration: us(4))])
        #expect(e.input.lightsOff == us(5) && e.input.lightsOn == us(590))
        #expect(e.unknownLabels == ["Bathroom break": 2])
        #expect(e.format == "events-table")
    }

    @Test("CSV with a description column (MNE's export) and a byte-order mark")
    func csv() throws {
        let e = try read("\u{FEFF}onset,duration,description\n10,1,\"Limb movement - left\"\n40,30,Sleep stage N3\n", delimiter: ",")
        #expect(e.input.legMovements.count == 1)
        #expect(e.input.stages == [StageInterval(onset: us(40), duration: us(30), stage: .n3)])
    }

    @Test("bad input names the file, the line and what was expected")
    func errors() {
        let header = "onset\tduration\ttrial_type\n"
        let cases: [(String, String, String)] = [
            ("start\tlength\tlabel\n1\t1\tLM\n", "line 1", "unknown column layout"),
            ("", "line 1", "unknown column layout"),
            (header + "1\t1\tLM/left\nten\t1\tLM/left\n", "line 3", "expected a number of seconds in column 'onset', found 'ten'"),
            (header + "1\t-1.5\tLM/left\n", "line 2", "non-negative number of seconds in column 'duration'"),
            (header + "1\tlong\tLM/left\n", "line 2", "column 'duration', found 'long'"),
            (header + "-3\t1\tLM/left\n", "line 2", "column 'onset'"),
            (header + "1\t1\n", "line 2", "expected 3 fields"),
            (header + "1\t1\tLM/left\textra\n", "line 2", "expected 3 fields"),
            (header + "1\tn/a\tLM/left\n", "line 2", "needs a duration"),
            (header + "1\tnan\tLM/left\n", "line 2", "column 'duration', found 'nan'"),
            (header + "1\tn/a\tin_bed\n", "line 2", "in_bed interval needs a positive duration"),
            (header + "1\t1e99\tLM/left\n", "line 2", "column 'duration'"),
        ]
        for (text, location, message) in cases {
            let e = error(text)
            #expect(e?.file == "night.tsv", "\(text)")
            #expect(e?.location?.description == location, "\(text)")
            #expect(e?.message.contains(message) == true, "\(text): \(e?.message ?? "no error")")
        }
    }

    @Test("reading a file picks the delimiter from the extension or the header, and names missing files")
    func files() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plm-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let txt = dir.appendingPathComponent("events.txt")
        try Data("onset\tduration\ttrial_type\n1\t1\tLM/left\n".utf8).write(to: txt)
        #expect(try EventFileReader.read(txt).input.legMovements.count == 1)
        let csv = dir.appendingPathComponent("events.csv")
        try Data("onset,duration,trial_type\n1,1,LM/left\n2.5,1,LM/right\n".utf8).write(to: csv)
        #expect(try EventFileReader.read(csv).input.legMovements.count == 2)
        let missing = dir.appendingPathComponent("nope.tsv")
        #expect(throws: InputError.self) { try EventFileReader.read(missing) }
        let binary = dir.appendingPathComponent("garbage.tsv")
        try Data([0xFF, 0xFE, 0x00, 0xC3]).write(to: binary)
        do {
            _ = try EventFileReader.read(binary)
            Issue.record("expected an error")
        } catch let e as InputError {
            #expect(e.message.contains("UTF-8"))
            #expect(e.file == binary.path)
        }
    }
}

@Suite("EDF+ annotations")
struct EDFAnnotationTests {
    static var fixture: URL {
        get throws {
            try #require(Bundle.module.url(forResource: "nsrr-labels", withExtension: "edf", subdirectory: "Fixtures"))
        }
    }

    @Test("a file written by pyedflib (make_fixtures.py) reads back with every annotation")
    func pyedflibFile() throws {
        let e = try EventFileReader.read(try EDFAnnotationTests.fixture)
        #expect(e.format == "edf+")
        #expect(e.input.recordingDuration == us(600))
        #expect(e.input.legMovements.sorted { $0.onset < $1.onset } == [
            LegMovementEvent(onset: us(35.25), duration: us(1.5), leg: .left),
            LegMovementEvent(onset: us(55.25), duration: us(2), leg: .right),
            LegMovementEvent(onset: us(75), duration: us(1.25), leg: .left),
            LegMovementEvent(onset: us(95.5), duration: us(0.75), leg: .right),
        ])
        #expect(e.input.stages.map(\.stage) == [.wake, .n2, .n2, .rem])
        #expect(e.input.respiratoryEvents == [IntervalEvent(onset: us(100), duration: us(15))])
        #expect(e.input.arousals == [IntervalEvent(onset: us(102), duration: us(4))])
        #expect(e.input.lightsOff == us(5) && e.input.lightsOn == us(590))
        #expect(e.unknownLabels == ["Recording paused": 1])
        #expect(e.ignoredLabels == ["SpO2 desaturation|SpO2 desaturation": 1])
    }

    @Test("the header of the pyedflib file")
    func header() throws {
        let f = try EDFFile(contentsOf: try EDFAnnotationTests.fixture)
        #expect(f.isEDFPlus && f.reserved == "EDF+C")
        #expect(f.signals.map(\.label) == ["LAT", "EDF Annotations"])
        #expect(f.duration == 600)
        #expect(f.physicalSamples(0).allSatisfy { abs($0) < 0.01 })
    }

    /// A minimal EDF+ file built byte by byte from the specification.
    static func edf(records: Int = 1, tal: [UInt8], samples: Int = 30, truncate: Int = 0) -> [UInt8] {
        func f(_ s: String, _ w: Int) -> [UInt8] { Array((s + String(repeating: " ", count: w)).utf8.prefix(w)) }
        var h: [UInt8] = []
        h += f("0", 8) + f("X X X X", 80) + f("Startdate 01-JAN-2026 X X X", 80) + f("01.01.26", 8) + f("22.00.00", 8)
        h += f("512", 8) + f("EDF+C", 44) + f(String(records), 8) + f("1", 8) + f("1", 4)
        h += f("EDF Annotations", 16) + f("", 80) + f("", 8) + f("-1", 8) + f("1", 8) + f("-32768", 8) + f("32767", 8)
        h += f("", 80) + f(String(samples), 8) + f("", 32)
        var record = tal
        record += [UInt8](repeating: 0, count: max(0, 2 * samples - record.count))
        var bytes = h
        for _ in 0..<records { bytes += record.prefix(2 * samples) }
        return Array(bytes.dropLast(truncate))
    }

    static func tal(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test("TALs with and without durations, several texts, the time-keeping TAL skipped")
    func handMade() throws {
        let bytes = EDFAnnotationTests.edf(
            tal: EDFAnnotationTests.tal("+0\u{14}\u{14}\0+12.5\u{15}1.5\u{14}LM/left\u{14}\0+20\u{14}lights_off\u{14}N2\u{14}\0"))
        let f = try EDFFile(bytes: bytes, path: "hand.edf")
        let a = try f.annotations()
        #expect(a.map(\.text) == ["LM/left", "lights_off", "N2"])
        #expect(a.map(\.onset) == [12.5, 20, 20])
        #expect(a.map(\.duration) == [1.5, nil, nil])
        #expect(a[0].byteOffset == 512 + 5)  // after the 5-byte time-keeping TAL "+0\u{14}\u{14}\0"
    }

    @Test("corrupt EDF+ files are reported with the byte offset")
    func corrupt() {
        let good = EDFAnnotationTests.tal("+0\u{14}\u{14}\0")
        let cases: [([UInt8], Int, String)] = [
            (EDFAnnotationTests.edf(tal: good, truncate: 10), -1, "truncated"),
            (Array(EDFAnnotationTests.edf(tal: good).prefix(200)), 192, "file ends inside the header"),
            (EDFAnnotationTests.edf(tal: EDFAnnotationTests.tal("+0\u{14}\u{14}\0xyz\u{14}LM\u{14}\0")), 517, "onset"),
            (EDFAnnotationTests.edf(tal: EDFAnnotationTests.tal("+0\u{14}\u{14}\0+5\u{15}-1\u{14}LM\u{14}\0")), 517, "duration"),
            (EDFAnnotationTests.edf(tal: EDFAnnotationTests.tal("+0\u{14}\u{14}\0+5")), 517, "0x14"),
            (Array(repeating: 0x41, count: 300), 0, "expected an EDF file"),
        ]
        for (bytes, offset, message) in cases {
            do {
                let f = try EDFFile(bytes: bytes, path: "bad.edf")
                _ = try f.annotations()
                Issue.record("expected an error: \(message)")
            } catch let e as EDFError {
                #expect(e.file == "bad.edf")
                if offset >= 0 { #expect(e.offset == offset, "\(message): \(e)") }
                #expect(e.message.contains(message), "\(e)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }
}
