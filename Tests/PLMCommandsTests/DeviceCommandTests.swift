import ArgumentParser
import Foundation
import NightPipeline
import PLMCommands
import PLMVocabulary
import TestSupport
import Testing

/// `plm convert`, `plm-replay --left --right` and study folders, on short nights written as research devices'
/// files (`DeviceFiles`, from the published layouts).
@Suite("plm convert, plm-replay --left/--right and study folders", .serialized)
struct DeviceCommandTests {
    /// 12 minutes at 25 Hz: four right-leg movements, one left; 2024-03-10 22:00:00 UTC.
    static let frames: [Float] = QuietNight(
        rate: 25, seconds: 720, movements: [(.right, 420), (.right, 450), (.right, 480), (.right, 510), (.left, 300)]
    ).frames()
    static let start = 1_710_108_000

    static func leg(_ leg: Leg) -> [Float] {
        let o = leg == .left ? 0 : 3
        return (0..<(frames.count / 6)).flatMap { f in (0..<3).map { frames[6 * f + o + $0] } }
    }

    /// p01_left.cwa and p01_right.gt3x of the same night in `dir`.
    static func pair(in dir: URL, name: String = "p01") throws -> (left: URL, right: URL) {
        let l = dir.appendingPathComponent("\(name)_left.cwa"), r = dir.appendingPathComponent("\(name)_right.gt3x")
        try Data(DeviceFiles.cwa(xyz: leg(.left), rate: 25, start: start)).write(to: l)
        try Data(DeviceFiles.gt3x(xyz: leg(.right), rate: 25, start: start)).write(to: r)
        return (l, r)
    }

    func run(_ args: [String]) throws {
        var cmd = try PLM.parseAsRoot(args)
        try cmd.run()
    }

    func summary(_ dir: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: dir.appendingPathComponent("summary.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    @Test("plm convert writes each format by extension; bad output names and a missing input are clear errors")
    func convert() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (l, r) = try DeviceCommandTests.pair(in: dir)
        for ext in ["edf", "csv", "plmrec"] {
            let out = dir.appendingPathComponent("l.\(ext)")
            try run(["convert", l.path, "--out", out.path, "--quiet"])
            #expect(FileManager.default.fileExists(atPath: out.path), "\(ext)")
        }
        let both = dir.appendingPathComponent("both.edf")
        try run(["convert", "--left", l.path, "--right", r.path, "--out", both.path, "--quiet"])
        #expect(FileManager.default.fileExists(atPath: both.path))

        do {
            try run(["convert", l.path, "--out", dir.appendingPathComponent("l.txt").path])
            Issue.record("a .txt output was accepted")
        } catch {
            #expect("\(error)".contains("expected an output file ending in .edf, .csv or .plmrec"), "\(error)")
        }
        do {
            try run(["convert", both.path, "--out", both.path])
            Issue.record("converting onto the input was accepted")
        } catch {
            #expect("\(error)".contains("the output would overwrite the input"), "\(error)")
        }
        #expect(throws: (any Error).self) { try run(["convert", dir.appendingPathComponent("none.cwa").path, "--out", both.path]) }
        #expect(throws: (any Error).self) { try run(["convert", "--left", l.path, "--out", both.path]) }
        // Nothing half-written is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.hasSuffix(".tmp") })
    }

    @Test("plm-replay --left --right writes one night with leg_files; a lone --left is refused")
    func replayPair() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (l, r) = try DeviceCommandTests.pair(in: dir)
        let out = dir.appendingPathComponent("out")
        var replay = try Replay.parseAsRoot(["--left", l.path, "--right", r.path, "--out", out.path, "--quiet"])
        try replay.run()
        let s = try summary(out)
        let files = (s["data_quality"] as? [String: Any])?["leg_files"] as? [String: Any]
        #expect(files?["clock"] as? String == "utc")
        #expect(files?["start_offset_s"] as? Double == 0)
        #expect((files?["left"] as? [String: Any])?["file"] as? String == "p01_left.cwa")
        #expect((s["input"] as? [String: Any])?["format"] as? String == "cwa+gt3x")
        // The detector finds the five movements (12 minutes are too short a basis for the scored table).
        #expect((s["detector"] as? [String: Any])?["lm_detected_count"] as? Int == 5)
        let legs = (s["data_quality"] as? [String: Any])?["legs"] as? [String: Any]
        #expect((legs?["right"] as? [String: Any])?["lm_count"] as? Int == 4)
        #expect((legs?["left"] as? [String: Any])?["lm_count"] as? Int == 1)
        var lone = try Replay.parseAsRoot(["--left", l.path, "--out", out.path])
        #expect(throws: ValidationError.self) { try lone.run() }
    }

    @Test("a study folder: plm-study.csv replays each participant's night into participant/night")
    func manifest() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let study = dir.appendingPathComponent("study")
        try FileManager.default.createDirectory(
            at: study.appendingPathComponent("raw"), withIntermediateDirectories: true)
        _ = try DeviceCommandTests.pair(in: study.appendingPathComponent("raw"), name: "a")
        try Data(DeviceFiles.cwa(xyz: DeviceCommandTests.leg(.left), rate: 25, start: DeviceCommandTests.start)).write(
            to: study.appendingPathComponent("raw/b.cwa"))
        try Data(
            "participant,night,left,right\nP01,2024-03-10,raw/a_left.cwa,raw/a_right.gt3x\nP02,2024-03-10,raw/b.cwa,\n"
                .utf8
        ).write(to: study.appendingPathComponent("plm-study.csv"))
        let jobs = try StudyFolder.jobs(in: study) { _, _ in }
        #expect(jobs.map(\.name) == ["P01/2024-03-10", "P02/2024-03-10"])
        let out = dir.appendingPathComponent("out")
        var replay = try Replay.parseAsRoot([study.path, "--out", out.path, "--quiet"])
        try replay.run()
        let p01 = try summary(out.appendingPathComponent("P01/2024-03-10"))
        #expect((p01["data_quality"] as? [String: Any])?["leg_files"] != nil)
        let p02 = try summary(out.appendingPathComponent("P02/2024-03-10"))
        #expect((p02["input"] as? [String: Any])?["file"] as? String == "b.cwa")

        // A manifest without a right column, or naming a missing file, is an error naming its line.
        try Data("participant,night,left\nP01,1,raw/b.cwa\n".utf8).write(to: study.appendingPathComponent("plm-study.csv"))
        do {
            _ = try StudyFolder.jobs(in: study) { _, _ in }
            Issue.record("a manifest without 'right' was accepted")
        } catch {
            #expect("\(error)".contains("line 1") && "\(error)".contains("'right'"), "\(error)")
        }
        try Data("participant,night,left,right\nP01,1,raw/b.cwa,\nP02,1,raw/none.cwa,\n".utf8).write(
            to: study.appendingPathComponent("plm-study.csv"))
        do {
            _ = try StudyFolder.jobs(in: study) { _, _ in }
            Issue.record("a manifest naming a missing file was accepted")
        } catch {
            #expect("\(error)".contains("line 3") && "\(error)".contains("raw/none.cwa"), "\(error)")
        }
    }

    @Test("without a manifest, NAME_left and NAME_right files pair into one night; other files replay alone")
    func namePairs() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (l, r) = try DeviceCommandTests.pair(in: dir, name: "p07_night2")
        let single = dir.appendingPathComponent("p08.cwa")
        try Data(DeviceFiles.cwa(xyz: DeviceCommandTests.leg(.left), rate: 25, start: DeviceCommandTests.start)).write(
            to: single)
        try Data("date,bed_time\n2024-03-10,23:00\n".utf8).write(to: dir.appendingPathComponent("diary.csv"))
        var skipped: [String] = []
        let jobs = try StudyFolder.jobs(in: dir) { url, _ in skipped.append(url.lastPathComponent) }
        #expect(jobs == [.pair(name: "p07_night2", left: l, right: r), .single(single)])
        #expect(skipped == ["diary.csv"])
        // A left file without its right partner replays alone.
        try FileManager.default.removeItem(at: r)
        #expect(try StudyFolder.jobs(in: dir) { _, _ in } == [.single(l), .single(single)])
    }
}
