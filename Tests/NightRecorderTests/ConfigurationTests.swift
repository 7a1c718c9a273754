import Foundation
import NightRecorder
import Testing

@Suite struct ConfigurationTests {
    @Test func fileValuesAreReadAndUnknownKeysNamed() throws {
        let dir = try temporaryFolder("config")
        let file = dir.appendingPathComponent("plmd.json")
        try Data(
            """
            {"rate_hz": 50, "range_g": 8, "morning_time": "06:45", "rules": "aasm", "data_dir": "/tmp/plm",
             "flush_interval_s": 0.5, "anchor_interval_s": 20, "sensors": {"ABC": "left"}}
            """.utf8
        ).write(to: file)
        let c = try RecorderConfiguration.load(file: file)
        #expect(c.rateHz == 50 && c.rangeG == 8 && c.morningTime == "06:45" && c.rules == "aasm")
        #expect(c.flushInterval == 0.5 && c.anchorInterval == 20 && c.sensors == ["ABC": "left"])
        #expect(c.dataFolder(environment: [:]).path == "/tmp/plm")

        try Data(#"{"rate_hz": 100, "flush_every": 1}"#.utf8).write(to: file)
        let e = #expect(throws: ConfigurationError.self) { try RecorderConfiguration.load(file: file) }
        #expect(e?.description.contains(file.path) == true)
        #expect(e?.description.contains("flush_every") == true)

        try Data(#"{"flush_interval_s": 5}"#.utf8).write(to: file)
        #expect(throws: ConfigurationError.self) { try RecorderConfiguration.load(file: file) }
        try Data(#"{"morning_time": "7.30"}"#.utf8).write(to: file)
        #expect(throws: ConfigurationError.self) { try RecorderConfiguration.load(file: file) }
    }

    @Test func dataFolderFollowsTheStoreRule() {
        let c = RecorderConfiguration()
        #expect(c.dataFolder(environment: ["PLM_DATA_DIR": "/d", "XDG_DATA_HOME": "/x", "HOME": "/h"]).path == "/d")
        #expect(c.dataFolder(environment: ["XDG_DATA_HOME": "/x", "HOME": "/h"]).path == "/x/plm")
        #expect(c.dataFolder(environment: ["HOME": "/h"]).path == "/h/.local/share/plm")
        #expect(RecorderConfiguration.defaultFile(environment: ["XDG_CONFIG_HOME": "/c"]).path == "/c/plm/plmd.json")
        #expect(RecorderConfiguration.defaultFile(environment: ["PLM_DATA_DIR": "/var/lib/plm"]).path == "/etc/plm/plmd.json")
    }

    /// The real executable: help, the configuration in force (file, then flags), and a bad file's error.
    @Test func plmdExecutableParsesItsConfiguration() throws {
        guard let plmd = executable("plmd") else {
            Issue.record("plmd is not built next to the test binary (run swift build first)")
            return
        }
        let dir = try temporaryFolder("plmd-exe")
        let file = dir.appendingPathComponent("plmd.json")
        try Data(#"{"rate_hz": 50, "morning_time": "06:00", "data_dir": "/tmp/from-file"}"#.utf8).write(to: file)
        let help = try run(plmd, ["--help"])
        #expect(help.status == 0 && help.out.contains("--morning-time"))
        let shown = try run(plmd, ["--config", file.path, "--data-dir", dir.path, "--show-config"])
        #expect(shown.status == 0)
        #expect(shown.out.contains("rate_hz 50") && shown.out.contains("morning_time 06:00"))
        #expect(shown.out.contains("data_dir \(dir.path)"))
        try Data(#"{"rate": 50}"#.utf8).write(to: file)
        let bad = try run(plmd, ["--config", file.path, "--show-config"])
        #expect(bad.status != 0)
        #expect(bad.err.contains("unknown key \"rate\"") && bad.err.contains(file.path))
    }
}

/// A product built beside the test binary.
func executable(_ name: String) -> URL? {
    var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
    candidates.append(
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug"))
    for c in candidates {
        let u = c.appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: u.path) { return u }
    }
    return nil
}

func run(_ exe: URL, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = exe
    p.arguments = args
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// Configuration values of issue 14: parsed exactly, each error naming the file, the line and the key.
@Suite struct StrictConfigurationTests {
    func error(_ json: String) -> String? {
        do {
            _ = try RecorderConfiguration.parse(Data(json.utf8), source: "plmd.json")
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func wholeNumbersAreWholeNumbers() {
        #expect(error(#"{"rate_hz": 100.5}"#) == "plmd.json: line 1: rate_hz: expected a whole number such as 100, found 100.5")
        #expect(error(#"{"rate_hz": 1e2}"#)?.contains("rate_hz: expected a whole number") == true)
        #expect(error(#"{"range_g": 4.0}"#)?.contains("range_g: expected a whole number") == true)
        #expect(error(#"{"rate_hz": true}"#)?.contains("rate_hz") == true)
        #expect(error(#"{"rate_hz": 1e300}"#)?.contains("rate_hz") == true)
        #expect(error(#"{"rate_hz": 99999999999999999999999}"#)?.contains("rate_hz") == true)
        #expect(error(#"{"anchor_interval_s": 1e300}"#)?.contains("anchor_interval_s") == true)
        #expect(error(#"{"rate_hz": 50, "range_g": 8}"#) == nil)
        #expect(error("{\n  \"flush_interval_s\": 0.25\n}") == nil)
    }

    @Test func duplicateKeysAreErrors() {
        #expect(error("{\"rate_hz\": 50,\n \"rate_hz\": 100}") == "plmd.json: line 2: duplicate key \"rate_hz\" (each key may appear once)")
        #expect(error(#"{"rate_hz": 50, "rate\u005fhz": 100}"#)?.contains("duplicate key \"rate_hz\"") == true)
        #expect(error(#"{"sensors": {"A": "left", "A": "right"}}"#)?.contains("duplicate key \"sensors.A\"") == true)
    }

    @Test func malformedFilesNameTheLine() {
        #expect(error("{\"rate_hz\": 50,\n\"range_g\" 8}")?.hasPrefix("plmd.json: line 2:") == true)
        #expect(error(String(repeating: "[", count: 10_000))?.contains("expected a JSON object") == true)
        #expect(error("{\"sensors\":" + String(repeating: "{\"a\":", count: 10_000))?.contains("nested too deeply") == true)
        #expect(error("{} {}")?.contains("unexpected text") == true)
        #expect(error("") != nil)
    }
}
