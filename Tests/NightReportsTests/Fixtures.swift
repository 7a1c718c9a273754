import Foundation
import LegMovementScoring
import NightStore
import ScoreExport
import SleepDiary
import Testing

/// Small synthetic nights in a temporary store: fast to build, with every part a report draws.
enum Fixtures {
    static let second: Int64 = 1_000_000

    /// A night of `series` PLM series of `perSeries` left-leg LMs 25 s apart (one series an hour from 30 min),
    /// `isolated` right-leg LMs 7 min apart, and `bilateral` LMs on both legs at once, in bed for `hours`.
    static func report(series: Int, perSeries: Int = 12, isolated: Int = 6, bilateral: Int = 2, hours: Double = 7)
        throws -> ScoreReport
    {
        var lms: [LegMovementEvent] = []
        for s in 0..<series {
            let start = Int64(1800 + s * 3600) * second
            for i in 0..<perSeries {
                lms.append(LegMovementEvent(onset: start + Int64(i) * 25 * second, duration: 2 * second, leg: .left))
            }
        }
        for i in 0..<isolated {
            lms.append(LegMovementEvent(onset: Int64(2400 + i * 420) * second, duration: 3 * second, leg: .right))
        }
        for i in 0..<bilateral {
            let onset = Int64(20_000 + i * 900) * second
            lms.append(LegMovementEvent(onset: onset, duration: 2 * second, leg: .left))
            lms.append(LegMovementEvent(onset: onset + second / 2, duration: 2 * second, leg: .right))
        }
        lms.sort { $0.onset < $1.onset }
        let end = Int64(hours * 3600) * second
        let input = ScoringInput(legMovements: lms, lightsOff: 0, lightsOn: end, recordingDuration: end)
        let result = try Scorer.score(input, rules: .wasm2016)
        return ScoreReport(result: result, source: InputDescription(file: "night.tsv", format: "tsv"))
    }

    /// A store in a fresh temporary folder, Europe/Berlin time.
    static func store() throws -> (NightStore, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plm-reports-\(UUID().uuidString)")
        let store = try NightStore(
            url: dir.appendingPathComponent("plm.sqlite"),
            defaults: StoreSettings(nightCutoffHour: 12, timeZone: "Europe/Berlin"))
        return (store, dir)
    }

    static func date(_ s: String) throws -> NightDate { try #require(NightDate(s)) }

    /// Stores the night `date` starting at 22:30 Berlin time (21:30 UTC in winter), with its time in bed and a
    /// 20-minute gap on the left leg.
    @discardableResult
    static func storeNight(
        _ store: NightStore, _ date: NightDate, series: Int, intervals: Bool = true, startKnown: Bool = true,
        file: String? = nil
    ) throws -> StoredNight {
        let start = Int64(date.dayNumber) * 86_400 * second + (21 * 3600 + 1800) * second
        let name = file ?? "night-\(date).plmrec"
        let recording = RecordingInfo(
            sourceKey: "test:\(name)", fileName: name, format: "plmrec",
            startUnixMicroseconds: startKnown ? start : nil, sampleRateHz: 25)
        let spans =
            intervals
            ? [
                StoredInterval(kind: .inBed, onsetSeconds: 0, endSeconds: 7 * 3600),
                StoredInterval(kind: .gap, leg: "left", onsetSeconds: 14_400, endSeconds: 15_600),
            ] : []
        let night = StoredNight(report: try report(series: series), night: date, recording: recording, intervals: spans)
        try store.save(night)
        return night
    }

    /// A diary entry with a few fields, and `notes`.
    static func diary(_ date: NightDate, caffeine: Int, bath: Bool, notes: String? = nil) throws -> DiaryEntry {
        var e = DiaryEntry(night: date)
        e.caffeineCups = caffeine
        e.alcoholDrinks = caffeine % 2 == 0 ? 1.5 : 0
        e.exerciseMinutes = 30
        if bath { e.remedies[.bath] = RemedyUse(minutes: 20, time: ClockTime("21:30")) }
        e.medications = caffeine > 2 ? [Medication(name: "ropinirole", doseMg: 0.25, time: ClockTime("21:00"))] : []
        e.symptomSeverity = caffeine + 2
        e.fatigue = 5
        e.notes = notes
        return e
    }

    /// Runs python3's html.parser over `html`: returns "ok" or the first problem (unclosed, stray or
    /// mismatched tags; void elements need no end tag).
    static func htmlProblems(_ html: String) throws -> String {
        let script = """
            import sys
            from html.parser import HTMLParser
            VOID = {"area","base","br","col","embed","hr","img","input","link","meta","source","track","wbr"}
            SVGVOID = {"rect","line","circle","polyline","path","stop"}
            class P(HTMLParser):
                def __init__(self):
                    super().__init__(convert_charrefs=True)
                    self.stack = []
                    self.problem = None
                def handle_starttag(self, tag, attrs):
                    if tag not in VOID: self.stack.append((tag, self.getpos()))
                def handle_startendtag(self, tag, attrs):
                    pass
                def handle_endtag(self, tag):
                    if tag in VOID: return
                    if not self.stack or self.stack[-1][0] != tag:
                        if self.problem is None:
                            self.problem = "stray </%s> at %s, open: %s" % (tag, self.getpos(), self.stack[-3:])
                        return
                    self.stack.pop()
            p = P()
            p.feed(sys.stdin.read())
            p.close()
            if p.problem: print(p.problem)
            elif p.stack: print("unclosed: %s" % p.stack[-3:])
            else: print("ok")
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(html.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The value of `attribute` in the first element that has `marker`; nil when absent.
    static func attribute(_ attribute: String, after marker: String, in html: String) -> String? {
        guard let r = html.range(of: marker) else { return nil }
        let tail = html[r.upperBound...]
        guard let a = tail.range(of: "\(attribute)=\"") else { return nil }
        let rest = tail[a.upperBound...]
        guard let q = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<q])
    }

    /// The text of the element that has `marker` in its start tag (up to its next `<`).
    static func text(after marker: String, in html: String) -> String? {
        guard let r = html.range(of: marker) else { return nil }
        let tail = html[r.upperBound...]
        guard let gt = tail.firstIndex(of: ">") else { return nil }
        let rest = tail[tail.index(after: gt)...]
        return String(rest.prefix { $0 != "<" })
    }

    /// What no self-contained page may contain: references to anything outside it.
    static func externalReferences(_ html: String) -> [String] {
        ["http://", "https://", "src=", "href=", "@import", "url(http", "url(//", "<link", "<script"].filter {
            html.lowercased().contains($0)
        }
    }
}
