import EDFFormat
import EventImport
import Foundation
import PLMVocabulary
import Testing

/// Event-table inputs of issue 14: errors naming the file and line or byte offset, never a trap, a hang or a
/// value read as something its writer did not mean.
@Suite("hostile event tables")
struct HostileEventTests {
    func error(_ text: String) -> InputError? {
        do {
            _ = try EventFileReader.readTable(text, path: "night.tsv", delimiter: "\t")
            return nil
        } catch {
            return error as? InputError
        }
    }

    @Test("hexadecimal, infinite and decimal-comma times are errors naming the line")
    func numbers() {
        let header = "onset\tduration\ttrial_type\n"
        for (row, found) in [("0x10\t1\tLM/left", "0x10"), ("10\t0x1p3\tLM/left", "0x1p3"), ("inf\t1\tLM/left", "inf"),
            ("12,5\t1\tLM/left", "12,5"), ("1e400\t1\tLM/left", "1e400")]
        {
            let e = error(header + "1\t1\tLM/left\n" + row + "\n")
            #expect(e?.location == .line(3), "\(row)")
            #expect(e?.message.contains("found '\(found)'") == true, "\(row): \(e?.description ?? "no error")")
        }
    }

    @Test("events reaching past 48 h are an error naming the line, not an index over years of sleep")
    func farEvents() {
        let header = "onset\tduration\ttrial_type\n0\tn/a\tlights_off\n"
        let far = error(header + "30\t900000000\tN2\n")
        #expect(far?.location == .line(3) && far?.message.contains("ends more than 48 h after the start") == true, "\(String(describing: far))")
        #expect(error(header + "999999990\t1\tLM/left\n")?.location == .line(3))
        #expect(error(header + "172799\t1\tLM/left\n") == nil)
        #expect(error(header + "172800\tn/a\tlights_on\n") == nil)
    }

    @Test("an EDF+ annotation onset of +1e300 is an error, not a trap")
    func farOnset() {
        let bytes = EDFAnnotationTests.edf(tal: EDFAnnotationTests.tal("+0\u{14}\u{14}\0+1e300\u{15}1\u{14}LM/left\u{14}\0"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plm-hostile-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let url = dir.appendingPathComponent("far.edf")
            try Data(bytes).write(to: url)
            _ = try EventFileReader.read(url)
            Issue.record("expected an error")
        } catch let e as InputError {
            #expect(e.location == .byte(517) && e.message.contains("ends more than 48 h after the start"), "\(e)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("a folder or FIFO given as an events file: a clear error, never blocking")
    func notRegular() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plm-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("events.tsv")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        for (url, what) in [(fifo, "FIFO"), (dir, "folder")] {
            #expect {
                _ = try EventFileReader.read(url)
            } throws: { e in
                guard let e = e as? InputError else { return false }
                return e.file == url.path && e.message.contains(what)
            }
        }
    }
}
