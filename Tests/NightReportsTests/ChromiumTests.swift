import Foundation
import NightReports
import NightStore
import ScoreExport
import SleepDiary
import Testing

/// Headless Chromium (Debian's `chromium`), for rendering the reports as a browser does.
enum Chromium {
    /// The browser, if installed.
    static let path: String? = {
        let env = ProcessInfo.processInfo.environment
        let dirs = (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init) + ["/usr/bin"]
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for d in dirs where FileManager.default.isExecutableFile(atPath: d + "/" + name) { return d + "/" + name }
        }
        return nil
    }()

    /// In CI (`CI` set) the test must run, so a missing browser fails it instead of skipping it.
    static let required = ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty } ?? false

    /// Runs the browser headless on `page` with `arguments` (e.g. `--dump-dom`); returns its standard output.
    /// Root needs `--no-sandbox`; a fresh profile folder keeps runs apart.
    static func run(_ arguments: [String], page: URL, in dir: URL) throws -> String {
        guard let path else { throw ChromiumError("chromium is not installed (apt-get install chromium)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                "--disable-extensions", "--user-data-dir=\(dir.appendingPathComponent("profile-\(UUID().uuidString)").path)",
            ] + arguments + [page.absoluteString]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 180, execute: killer)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        killer.cancel()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw ChromiumError("chromium \(arguments.joined(separator: " ")) failed (status \(process.terminationStatus))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Width and height from a PNG's header; nil when the file is not a PNG.
    static func pngSize(_ url: URL) throws -> (width: Int, height: Int)? {
        let d = [UInt8](try Data(contentsOf: url).prefix(24))
        guard d.count == 24, d[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
        func be(_ i: Int) -> Int { d[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (be(16), be(20))
    }
}

struct ChromiumError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

@Suite("Reports in headless Chromium", .serialized)
struct ChromiumReportTests {
    /// The figures in the rendered page (`data-figure` cells of the key figures and the nights table).
    static func figure(_ key: String, in dom: String, after marker: String = "") -> (value: String?, text: String?) {
        let scope = marker.isEmpty ? dom : dom.range(of: marker).map { String(dom[$0.lowerBound...]) } ?? ""
        return (
            Fixtures.attribute("data-value", after: "data-figure=\"\(key)\"", in: scope),
            Fixtures.text(after: "data-figure=\"\(key)\"", in: scope)
        )
    }

    @Test(
        "the nightly and trend reports render: screenshots made, the page shows the store's figures",
        .enabled(
            if: Chromium.path != nil || Chromium.required,
            "chromium is not installed: apt-get install chromium (scripts/install-deps.sh); set CI=1 to make this a failure"))
    func render() throws {
        let (store, dir) = try Fixtures.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try Fixtures.date("2026-03-01")
        var entries: [DiaryEntry] = []
        for i in 0..<9 {
            let night = first.adding(days: i)
            try Fixtures.storeNight(store, night, series: 1 + (i * 5) % 6)
            entries.append(try Fixtures.diary(night, caffeine: i % 4, bath: i % 3 == 0, notes: i == 3 ? "<script>x</script>" : nil))
        }
        try store.replaceDiary(entries)
        let night = first.adding(days: 3)
        let nightly = dir.appendingPathComponent("night.html")
        let trend = dir.appendingPathComponent("trend.html")
        try NightlyReport.html(try #require(try NightlyReport.Input.load(from: store, night: night)))
            .write(to: nightly, atomically: true, encoding: .utf8)
        try TrendReport.html(try TrendReport.Input.load(from: store)).write(to: trend, atomically: true, encoding: .utf8)

        for page in [nightly, trend] {
            let png = dir.appendingPathComponent(page.deletingPathExtension().lastPathComponent + ".png")
            _ = try Chromium.run(["--screenshot=\(png.path)", "--window-size=1200,2400"], page: page, in: dir)
            let size = try #require(try Chromium.pngSize(png), "\(png.path) is not a PNG")
            #expect(size.width == 1200 && size.height == 2400)
            // A blank white 1200x2400 page compresses to a few kB; text and plots make it far larger.
            let bytes = try FileManager.default.attributesOfItem(atPath: png.path)[.size] as? Int ?? 0
            #expect(bytes > 40_000, "\(png.lastPathComponent): only \(bytes) bytes")
        }

        // The nightly page as the browser built it: the key figures are the store's.
        let dom = try Chromium.run(["--dump-dom"], page: nightly, in: dir)
        let f = try #require(try store.night(night)).figures
        let index = try #require(f.plmIndex)
        #expect(dom.contains("<title>plm night 2026-03-04 (Wed)</title>"))
        #expect(Self.figure("plm_index", in: dom).value == NumberFormat.fixed(index, decimals: 3))
        #expect(Self.figure("plm_index", in: dom).text == NumberFormat.fixed(index, decimals: 1) + " /h")
        for (key, value) in [
            ("lm_count", f.lmCount), ("clm_count", f.clmCount), ("plm_count", f.plmCount),
            ("plm_series_count", f.plmSeriesCount),
        ] {
            #expect(Self.figure(key, in: dom).text == String(value), "\(key)")
        }
        #expect(dom.contains("data-diary=\"notes\">&lt;script&gt;x&lt;/script&gt;</td>"))
        #expect(dom.contains("<svg id=\"timeline-svg\"") && dom.contains("<svg id=\"imi-log-svg\""))

        // The trend page: one row per night with the store's PLM index, and the diary rows.
        let trendDOM = try Chromium.run(["--dump-dom"], page: trend, in: dir)
        for n in try store.nights() {
            let shown = Self.figure("plm_index", in: trendDOM, after: "data-night=\"\(n.night)\"")
            #expect(shown.value == NumberFormat.fixed(try #require(n.figures.plmIndex), decimals: 3))
            #expect(shown.text == NumberFormat.fixed(try #require(n.figures.plmIndex), decimals: 1))
        }
        #expect(trendDOM.contains(">Caffeine (cups)</text>") && trendDOM.contains(">15/h</text>"))
    }
}
