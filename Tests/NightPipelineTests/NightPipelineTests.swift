import Foundation
import LegMovementScoring
import NightAnalysis
import NightPipeline
import NightStore
import ScoreExport
import SleepDiary
import TestSupport
import Testing

@Suite("NightPipeline: a recording to outputs and store")
struct NightPipelineTests {
    func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plm-pipeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The hand-made night as a CSV recording (time in seconds, g with six decimals; a gap as `nan`).
    func csvRecording(_ night: QuietNight, in dir: URL) throws -> URL {
        let frames = night.frames()
        var text = "time,left_x,left_y,left_z,right_x,right_y,right_z\n"
        text.reserveCapacity(frames.count * 10)
        for i in 0..<(frames.count / 6) {
            text += String(format: "%.2f", Double(i) / night.rate)
            for c in 0..<6 {
                let v = frames[6 * i + c]
                text += v.isNaN ? ",nan" : String(format: ",%.6f", Double(v))
            }
            text += "\n"
        }
        let url = dir.appendingPathComponent("quiet.csv")
        try Data(text.utf8).write(to: url)
        return url
    }

    let night = QuietNight(
        seconds: 720, movements: [(.right, 420), (.right, 480), (.right, 540), (.right, 600)],
        gaps: [(.left, 200, 260)])

    @Test("a replayed recording writes the five files, and its summary.json says what the typed report says")
    func replayWritesTheFolderSet() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rec = try csvRecording(night, in: dir)
        let out = dir.appendingPathComponent("out")
        let r = try NightPipeline.analyse(rec, options: .init(legsConcurrently: false))
        try NightPipeline.write(r, to: out)
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(files == ["annotations.edf", "lm_events.json", "lm_events.tsv", "summary.csv", "summary.json"])
        let summary = try Data(contentsOf: out.appendingPathComponent("summary.json"))
        #expect(String(decoding: summary, as: UTF8.self) == r.night.report.summaryJSON().rendered())
        let sections = try JSONDecoder().decode(SummarySections.self, from: summary)
        #expect(sections.detector?.lmDetectedCount == 4)
        #expect(sections.dataQuality?.legs.left?.gapCount == 1)
        #expect(sections.correlation == nil)
        // The same recording through `replay` gives the same bytes.
        let again = dir.appendingPathComponent("again")
        _ = try NightPipeline.replay(rec, to: again, options: .init())
        for f in files {
            #expect(
                try Data(contentsOf: out.appendingPathComponent(f)) == Data(contentsOf: again.appendingPathComponent(f)),
                "\(f)")
        }
    }

    @Test("a night filed in the store carries valid hours and gaps from the typed data quality")
    func storeRowFromTypedValues() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rec = try csvRecording(night, in: dir)
        let store = try NightStore(url: dir.appendingPathComponent("plm.sqlite"))
        let out = dir.appendingPathComponent("night")
        // The CSV says no start time: without a night date the pipeline says so.
        #expect(throws: NightPipeline.UnknownNightError.self) {
            _ = try NightPipeline.finish(recording: rec, outputs: out, store: store, options: .init())
        }
        let finished = try NightPipeline.finish(
            recording: rec, outputs: out, store: store, options: .init(), night: "2026-01-05")
        #expect(finished.night == NightDate("2026-01-05"))
        #expect(finished.detectedLegMovements == 4)
        let stored = try #require(try store.nights().first)
        // Planted: the left leg misses 60 s of 720 s (one gap), the right none.
        #expect(abs((stored.figures.validHoursLeft ?? 0) - 660.0 / 3600) < 0.1 / 3600)
        #expect(stored.figures.validHoursRight == 720.0 / 3600)
        #expect(stored.figures.gapCount == 1)
        // The written summary has the store's correlation section: one night, no diary.
        let sections = try JSONDecoder().decode(
            SummarySections.self, from: Data(contentsOf: out.appendingPathComponent("summary.json")))
        let correlation = try #require(sections.correlation)
        #expect(correlation.diaryNights == 0)
        #expect(correlation.nights == (finished.report.result.summary.plmIndex == nil ? 0 : 1))
        #expect(sections.correlation == finished.report.correlation)
    }
}
