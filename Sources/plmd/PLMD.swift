import ArgumentParser
import Foundation
import Logging
import NightRecorder
import SensorUSB
import ServiceLifecycle

/// `plmd`: the recording daemon (docs/daemon.md). A thin shell: configuration and flags, logging, signals.
@main
struct PLMD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plmd",
        abstract: "Record the night from the leg sensors: .plmrec, live status, nightly summary and store.",
        discussion: """
            Configuration: --config FILE, else $XDG_CONFIG_HOME/plm/plmd.json (~/.config/plm/plmd.json; \
            /etc/plm/plmd.json for the system service); a missing default file means the defaults. Flags override \
            the file. Data: --data-dir, else data_dir, else $PLM_DATA_DIR, else $XDG_DATA_HOME/plm, else \
            ~/.local/share/plm. SIGTERM or SIGINT flush and close the recording; a restart continues the night.
            """)

    @Option(help: "Configuration file (JSON).") var config: String?
    @Option(help: "Data folder (recordings/, nights/, plm.sqlite, status.json).") var dataDir: String?
    @Option(help: "Sample rate, Hz: 25, 50, 100 or 200.") var rate: UInt16?
    @Option(help: "Full scale, ± g: 2, 4, 8 or 16.") var range: UInt8?
    @Option(help: "Local time at which the night ends at the latest, HH:MM.") var morningTime: String?
    @Option(help: "Rule profile for the nightly summary: wasm2016, aasm or a profile file.") var rules: String?
    @Option(help: "Longest time between fsyncs, seconds (at most 1).") var flushInterval: Double?
    @Option(help: "Time between clock anchors per sensor, seconds.") var anchorInterval: Double?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String = "info"
    @Flag(help: "Print the configuration in force and exit.") var showConfig = false

    /// Exit status when plmd cannot start: another plmd holds the data folder, or the rules, the store or a folder
    /// is not usable (the message says which). Configuration errors exit 64 (usage), as every command.
    static let cannotStartExitCode: Int32 = 2

    /// `NightRecorder.prepare`, its error logged and turned into `cannotStartExitCode`.
    static func prepare(_ c: RecorderConfiguration, logger: Logger) throws -> some AnyObject & Sendable {
        do { return try NightRecorder.prepare(configuration: c) } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(cannotStartExitCode)
        }
    }

    func resolved(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> RecorderConfiguration {
        var c = RecorderConfiguration()
        if let config {
            c = try RecorderConfiguration.load(file: URL(fileURLWithPath: config))
        } else {
            let file = RecorderConfiguration.defaultFile(environment: environment)
            if FileManager.default.fileExists(atPath: file.path) { c = try RecorderConfiguration.load(file: file) }
        }
        if let dataDir { c.dataDir = dataDir }
        if let rate { c.rateHz = rate }
        if let range { c.rangeG = range }
        if let morningTime { try c.setMorningTime(morningTime, source: "--morning-time") }
        if let rules { c.rules = rules }
        if let flushInterval { c.flushInterval = flushInterval }
        if let anchorInterval { c.anchorInterval = anchorInterval }
        try c.validate(source: "flags")
        return c
    }

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level: expected trace, debug, info, notice, warning, error or critical")
        }
        let c: RecorderConfiguration
        do { c = try resolved() } catch let e as ConfigurationError { throw ValidationError(e.description) }
        if showConfig {
            print(
                """
                rate_hz \(c.rateHz)
                range_g \(c.rangeG)
                morning_time \(c.morningTime)
                rules \(c.rules)
                data_dir \(c.dataFolder().path)
                flush_interval_s \(c.flushInterval)
                anchor_interval_s \(c.anchorInterval)
                unplugged_end_min \(c.unpluggedEndMinutes)
                morning_window_h \(c.morningWindowHours)
                sensors \(c.sensors.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))
                """)
            return
        }
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "plmd")
        // One plmd per data folder, and everything the night needs checked now rather than in the morning.
        let lock = try PLMD.prepare(c, logger: logger)
        defer { withExtendedLifetime(lock) {} }  // held until plmd ends
        let usb = try USBContext()
        defer { usb.close() }
        let recorder = NightRecorder(configuration: c, usb: usb, logger: logger)
        logger.notice(
            "plmd starting",
            metadata: ["data_dir": "\(c.dataFolder().path)", "rate_hz": "\(c.rateHz)", "morning_time": "\(c.morningTime)"])
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: RecorderService(recorder: recorder))],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.notice("plmd stopped")
    }
}


