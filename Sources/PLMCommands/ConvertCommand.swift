import ArgumentParser
import Foundation
import NightPipeline

/// `plm convert IN --out OUT` and `plm convert --left A --right B --out OUT`.
public struct Convert: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Convert a recording into .edf (EDF+), .csv or .plmrec (the format by OUT's extension).",
        discussion: """
            Reads any recording plm-replay reads (.plmrec, .edf, .csv, .gt3x, .cwa, GENEActiv .bin, each optionally \
            .gz), or two files of one night recorded with one device per ankle (--left, --right), and writes the \
            frames plm-replay would score: replaying OUT gives the same leg movements. EDF keeps missing samples \
            as gap/left and gap/right annotations (docs/recording-format.md, "Converting"). The output is written \
            to a temporary file and renamed into place.
            """)

    @Argument(help: "The recording to convert.")
    public var input: String?

    @Option(help: ArgumentHelp("The left ankle's file of a two-device night.", valueName: "FILE"))
    public var left: String?

    @Option(help: ArgumentHelp("The right ankle's file (with --left).", valueName: "FILE"))
    public var right: String?

    @Option(help: "The file to write: NAME.edf, NAME.csv or NAME.plmrec.")
    public var out: String

    @Flag(help: "Print nothing on success.")
    public var quiet = false

    public init() {}

    public func run() throws {
        let output = URL(fileURLWithPath: out)
        let report: RecordingConversion.Report
        switch (input, left, right) {
        case let (i?, nil, nil):
            guard FileManager.default.fileExists(atPath: i) else { throw ValidationError("\(i): no such file") }
            report = try RecordingConversion.convert(URL(fileURLWithPath: i), to: output)
        case let (nil, l?, r?):
            for p in [l, r] where !FileManager.default.fileExists(atPath: p) {
                throw ValidationError("\(p): no such file")
            }
            report = try RecordingConversion.convert(
                left: URL(fileURLWithPath: l), right: URL(fileURLWithPath: r), to: output)
        default:
            throw ValidationError("give one recording, or --left FILE and --right FILE")
        }
        if !quiet { print(report.text, terminator: "") }
    }
}
