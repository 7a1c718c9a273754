// swift-tools-version: 6.1
// plm — periodic leg movement measurement with leg-worn accelerometers.
//
// One module per stage of the data flow (see docs/architecture.md, checked by scripts/check-layers.py):
//   recordings (RecordingFormats) -> NightAnalysis (LegMovementDetection, LegMovementScoring: stdlib-only cores)
//     -> ScoreExport (byte-stable files; summary.json's typed sections)
//   event tables (EventImport) -> LegMovementScoring -> ScoreExport
//   NightPipeline runs one night end to end (open, analyse, write the folder, file it in NightStore with the
//   correlation section) for plm-replay, plm score --store and the daemon's NightRecorder alike.
// At the bottom, two standard-library-only leaves every stage may use: PLMVocabulary (Leg, SensorSide, time units,
// InputError, PlainDecimal, SplitMix64) and CSVFormat (the one CSV reader and writer). The detector and scoring
// cores import nothing else but each other and AccelerationSignal.
// PLMCommands (ArgumentParser) only parses arguments and prints; nothing below it imports it. The executables are
// thin shells over PLMCommands (plm, plm-replay) and NightRecorder (plmd).
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "plm",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "plm", targets: ["plm"]),
        .executable(name: "plm-replay", targets: ["plm-replay"]),
        .executable(name: "plmd", targets: ["plmd"]),
        .library(name: "LegMovementScoring", targets: ["LegMovementScoring"]),
        .library(name: "LegMovementDetection", targets: ["LegMovementDetection"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // The words every stage shares: Leg, SensorSide, Microseconds/Seconds, InputError (file, line/byte/key,
        // message), PlainDecimal. A leaf: standard library only, no dependencies.
        .target(name: "PLMVocabulary", swiftSettings: strict),
        // CSV and TSV text: one reader (byte-level, streaming, true line numbers) and one writer (RFC 4180 quoting),
        // for acceleration CSV, event tables, the diary and every export. Standard library only.
        .target(name: "CSVFormat", dependencies: ["PLMVocabulary"], swiftSettings: strict),
        // The scoring core: standard library only (and the shared vocabulary, which it re-exports).
        .target(name: "LegMovementScoring", dependencies: ["PLMVocabulary"], swiftSettings: strict),
        // The sensor wire protocol: the firmware's own C code (single source of truth) and a Swift face.
        .target(
            name: "CPLMProtocol", path: "Firmware/protocol", exclude: ["testdata"], sources: ["plm_protocol.c"],
            publicHeadersPath: "include",
            // On the host the CRC comes from libdeflate (libdeflate-dev, as for CLibDeflate: the one host CRC-32, also
            // the .plmrec reader's and the .gt3x zip's); the MCU keeps its nibble table.
            cSettings: [.define("PLM_CRC_LIBDEFLATE")], linkerSettings: [.linkedLibrary("deflate")]),
        .target(
            name: "CPLMGolden", path: "Firmware/protocol/testdata", exclude: ["golden_frames.hex"],
            sources: ["golden_frames.c"], publicHeadersPath: "include"),
        // Everything a sensor sends, decoded by the firmware's C: sample frames, control replies, status messages.
        .target(name: "SensorFrames", dependencies: ["CPLMProtocol", "PLMVocabulary"], swiftSettings: strict),
        // The contract between recordings and the detector: fixed-rate two-leg frames in g.
        .target(name: "AccelerationSignal", dependencies: ["PLMVocabulary"], swiftSettings: strict),
        // The leg-movement detector: acceleration -> leg movements, in-bed time, data quality. Standard library only.
        // (No -fno-math-errno: measured 2026-12-05 with plm-bench, 8 h at 100 Hz, best of 5, interleaved runs, the
        // flag gave 0.257 s against 0.226 s without it, the same fingerprint; so no unsafe flag blocks the product.)
        .target(name: "LegMovementDetection", dependencies: ["AccelerationSignal", "LegMovementScoring"], swiftSettings: strict),
        // Physiological simulator of nights with known ground truth.
        .target(
            name: "NightSimulation", dependencies: ["AccelerationSignal", "LegMovementScoring", "PLMVocabulary"],
            swiftSettings: strict),
        // libusb-1.0, for the daemon's USB layer.
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
        // The daemon's USB layer: finds, configures and streams plm sensors through libusb (docs/daemon.md).
        .target(
            name: "SensorUSB", dependencies: ["CLibUSB", "CPLMProtocol", "SensorFrames", "PLMVocabulary"], swiftSettings: strict),
        // The firmware's portable device core (sampling, frames, ring buffer, USB EP0 logic), built for the host
        // from Firmware/core itself: the emulated sensor in the USB tests runs it.
        .target(
            name: "CPLMFirmwareCore", dependencies: ["CPLMProtocol"], path: "Firmware/core",
            sources: ["plm_device.c", "plm_usb.c", "plm_ring.c", "plm_ramstore.c", "plm_time.c", "plm_config.c"],
            publicHeadersPath: "."),
        // The system's zlib, for gzip-compressed recordings.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // The system's libdeflate (whole-buffer DEFLATE, about twice zlib's inflate speed), for the .gt3x zip member.
        .systemLibrary(name: "CLibDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        // Recording files: .plmrec (frames as received), EDF/EDF+ and CSV accelerometer files, EDF+ writer.
        .target(
            name: "RecordingFormats",
            dependencies: [
                "AccelerationSignal", "SensorFrames", "CPLMProtocol", "EDFFormat", "LegMovementScoring", "CZlib",
                "CLibDeflate", "CivilCalendar", "PLMVocabulary", "CSVFormat",
            ],
            swiftSettings: strict),
        // EDF/EDF+ container format (headers, annotations).
        .target(name: "EDFFormat", dependencies: ["PLMVocabulary"], swiftSettings: strict),
        // Reads event tables (BIDS TSV/CSV, EDF+ annotations) into scoring input.
        .target(
            name: "EventImport",
            dependencies: [
                "LegMovementScoring", "EDFFormat", "PLMVocabulary", "CSVFormat",
            ],
            swiftSettings: strict),
        // A night's frames through detector and scoring into a typed report (no files, no store).
        .target(
            name: "NightAnalysis",
            dependencies: ["AccelerationSignal", "LegMovementDetection", "LegMovementScoring", "ScoreExport"],
            swiftSettings: strict),
        // One night end to end: open a recording (by extension), analyse it (NightAnalysis), write the output folder
        // atomically, file the night in the store with the store's correlation section; rule profile files.
        // plm-replay, plm score --store and plmd all run it.
        .target(
            name: "NightPipeline",
            dependencies: [
                "AccelerationSignal", "NightAnalysis", "RecordingFormats", "EDFFormat", "ScoreExport", "NightStore",
                "DiaryCorrelation", "SleepDiary", "LegMovementScoring", "PLMVocabulary", "CSVFormat",
            ],
            swiftSettings: strict),
        // The detector against simulated ground truth (plm validate, docs/validation.md).
        .target(
            name: "DetectorValidation",
            dependencies: ["NightSimulation", "NightAnalysis", "LegMovementDetection", "LegMovementScoring"],
            swiftSettings: strict),
        // Writes byte-stable outputs: lm_events.tsv, summary.json (its typed sections), summary.csv.
        .target(name: "ScoreExport", dependencies: ["LegMovementScoring", "CSVFormat"], swiftSettings: strict),
        // Statistics for one person's nights (n-of-1): rank tests, Spearman, Benjamini-Hochberg, rolling medians.
        .target(name: "NightStatistics", dependencies: ["PLMVocabulary"], swiftSettings: strict),
        // The self-reported sleep diary: fields, validation, CSV template and import.
        // Dates and day numbers of the Gregorian calendar (standard library only).
        .target(name: "CivilCalendar", swiftSettings: strict),
        .target(name: "SleepDiary", dependencies: ["CivilCalendar", "CSVFormat"], swiftSettings: strict),
        // Randomised self-experiments (n-of-1 trials): schedules and the randomisation test of their result.
        .target(name: "SelfExperiment", dependencies: ["SleepDiary", "NightStatistics", "PLMVocabulary"], swiftSettings: strict),
        // Nightly summaries, leg movements and diary entries in SQLite (GRDB).
        .target(
            name: "NightStore",
            dependencies: [
                "SleepDiary", "SelfExperiment", "ScoreExport", "LegMovementScoring", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict),
        // Diary factors against the nightly PLM index: which factors go with better or worse nights.
        .target(name: "DiaryCorrelation", dependencies: ["SleepDiary", "NightStatistics"], swiftSettings: strict),
        // The diary analysis on simulated people with planted effects (docs/statistics.md, "The study").
        .target(
            name: "DiaryStudy", dependencies: ["DiaryCorrelation", "SleepDiary", "NightStatistics", "SelfExperiment", "PLMVocabulary"],
            swiftSettings: strict),
        // Nightly and trend reports: store data into self-contained HTML pages with inline SVG (docs/reports.md).
        .target(
            name: "NightReports", dependencies: ["NightStore", "SleepDiary", "DiaryCorrelation", "ScoreExport", "SelfExperiment"],
            swiftSettings: strict),
        // Command-line commands, as a library so they can be tested.
        .target(
            name: "PLMCommands",
            dependencies: [
                "LegMovementScoring", "EventImport", "ScoreExport", "DetectorValidation", "NightAnalysis", "NightPipeline",
                "NightSimulation", "RecordingFormats", "LegMovementDetection", "SensorFrames", "AccelerationSignal",
                "EDFFormat", "SleepDiary", "NightStore", "DiaryCorrelation", "NightStatistics", "NightReports", "DiaryStudy", "SelfExperiment",
                "SensorUSB", "DaemonStatus", "PLMVocabulary", "CSVFormat",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        // What plmd reports in status.json and `plm status` reads: one Codable type, no dependencies.
        .target(name: "DaemonStatus", swiftSettings: strict),
        // The recording daemon's core: sensors -> .plmrec (flushed every second, clock anchors), live detector,
        // status; at the night's end the recording through NightPipeline (plm-replay's own code) into outputs and store.
        .target(
            name: "NightRecorder",
            dependencies: [
                "SensorUSB", "SensorFrames", "RecordingFormats", "LegMovementDetection", "LegMovementScoring",
                "AccelerationSignal", "NightAnalysis", "NightPipeline", "NightStore", "DaemonStatus",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .executableTarget(name: "plm", dependencies: ["PLMCommands"], swiftSettings: strict),
        // The recording daemon: configuration, logging and signals around NightRecorder.
        .executableTarget(
            name: "plmd",
            dependencies: [
                "NightRecorder", "SensorUSB",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .executableTarget(name: "plm-replay", dependencies: ["PLMCommands"], swiftSettings: strict),
        // Fuzz targets for every decoder of outside input (docs/fuzzing.md, scripts/fuzz.sh); in an ordinary build
        // it replays inputs through the same code. The daemon's configuration parser is compiled in from
        // NightRecorder's own files (symbolic links) so that the fuzz build does not need the daemon's dependencies.
        .executableTarget(
            name: "plm-fuzz",
            dependencies: ["SensorFrames", "RecordingFormats", "EDFFormat", "EventImport", "SleepDiary", "AccelerationSignal"],
            path: "Fuzz/plm-fuzz", swiftSettings: strict),
        .executableTarget(name: "plm-bench", dependencies: ["LegMovementDetection", "NightAnalysis", "NightSimulation", "AccelerationSignal", "RecordingFormats", "NightRecorder", "DaemonStatus", "SensorFrames", "PLMVocabulary", .product(name: "Logging", package: "swift-log")], path: "Benchmarks/Sources/plm-bench", swiftSettings: [.swiftLanguageMode(.v6)]),

        // What test suites share: seeded random numbers, temporary folders, the .slow and .external tags.
        .target(name: "TestSupport", dependencies: ["PLMVocabulary", "AccelerationSignal"], path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "LegMovementScoringTests", dependencies: ["LegMovementScoring", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "EventImportTests", dependencies: ["EventImport", "EDFFormat", "PLMVocabulary"],
            resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "SensorFramesTests", dependencies: ["SensorFrames", "CPLMGolden", "CPLMProtocol"], swiftSettings: strict),
        .testTarget(
            name: "LegMovementDetectionTests", dependencies: ["LegMovementDetection", "AccelerationSignal", "TestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "DetectorValidationTests", dependencies: ["DetectorValidation", "LegMovementScoring"],
            swiftSettings: strict),
        .testTarget(name: "NightSimulationTests", dependencies: ["NightSimulation"], swiftSettings: strict),
        .testTarget(
            name: "RecordingFormatsTests",
            dependencies: [
                "RecordingFormats", "SensorFrames", "CPLMProtocol", "EDFFormat", "AccelerationSignal", "LegMovementScoring", "TestSupport",
            ],
            exclude: ["interop"], swiftSettings: strict),
        // Emulated sensors for the USB tests: a umockdev testbed whose usbfs ioctls are answered by the firmware core.
        .systemLibrary(name: "CUMockdev", path: "Tests/CUMockdev", pkgConfig: "umockdev-1.0", providers: [.apt(["libumockdev-dev"])]),
        .target(name: "CSensorEmulator", dependencies: ["CPLMFirmwareCore", "CUMockdev"], path: "Tests/SensorEmulator"),
        // The emulator's Swift face for every test suite that uses it, and the one lock that keeps their testbeds
        // one at a time in the process (an async lock: waiting suites do not block the cooperative threads).
        .target(
            name: "EmulatorTestSupport", dependencies: ["CSensorEmulator", "SensorUSB", "SensorFrames", "PLMVocabulary"],
            path: "Tests/EmulatorTestSupport", swiftSettings: strict),
        .testTarget(
            name: "SensorUSBTests", dependencies: ["SensorUSB", "SensorFrames", "CSensorEmulator", "EmulatorTestSupport"],
            swiftSettings: strict,
            // umockdev's preload library must come before libc in the test binary's NEEDED list so that its
            // open/ioctl/socket wrappers see libusb's calls (docs/daemon.md, "Tests").
            linkerSettings: [.unsafeFlags(["-Xlinker", "--no-as-needed"]), .linkedLibrary("umockdev-preload")]),
        .testTarget(name: "ScoreExportTests", dependencies: ["ScoreExport"], swiftSettings: strict),
        .testTarget(
            name: "NightAnalysisTests",
            dependencies: ["TestSupport", "NightAnalysis", "ScoreExport", "LegMovementDetection", "LegMovementScoring", "AccelerationSignal"],
            swiftSettings: strict),
        .testTarget(
            name: "NightPipelineTests",
            dependencies: ["TestSupport", 
                "NightPipeline", "NightAnalysis", "NightStore", "ScoreExport", "NightSimulation", "RecordingFormats",
                "AccelerationSignal", "SleepDiary", "EDFFormat", "LegMovementScoring",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "NightStatisticsTests", dependencies: ["NightStatistics", "PLMVocabulary"], resources: [.copy("Fixtures")],
            swiftSettings: strict),
        .testTarget(name: "SleepDiaryTests", dependencies: ["SleepDiary", "PLMVocabulary"], swiftSettings: strict),
        .testTarget(name: "CivilCalendarTests", dependencies: ["CivilCalendar"], swiftSettings: strict),
        .testTarget(
            name: "SelfExperimentTests", dependencies: ["SelfExperiment", "SleepDiary", "NightStatistics"],
            swiftSettings: strict),
        .testTarget(
            name: "DiaryStudyTests", dependencies: ["DiaryStudy", "DiaryCorrelation", "SleepDiary"],
            swiftSettings: strict),
        .testTarget(
            name: "NightStoreTests",
            dependencies: [
                "NightStore", "SleepDiary", "LegMovementScoring", "ScoreExport", "SelfExperiment",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "DiaryCorrelationTests", dependencies: ["DiaryCorrelation", "SleepDiary", "NightStatistics"],
            swiftSettings: strict),
        .testTarget(
            name: "NightReportsTests",
            dependencies: [
                "NightReports", "NightStore", "SleepDiary", "DiaryCorrelation", "LegMovementScoring", "ScoreExport",
                "SelfExperiment",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "PLMCommandsTests",
            dependencies: [
                "PLMCommands", "ScoreExport", "NightAnalysis", "NightPipeline", "NightStore", "SleepDiary", "DiaryStudy",
                "SelfExperiment", "DiaryCorrelation", "NightStatistics", "TestSupport", "PLMVocabulary",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "NightRecorderTests",
            dependencies: [
                "NightRecorder", "NightPipeline", "PLMCommands", "RecordingFormats", "SensorUSB", "SensorFrames", "NightStore",
                "DaemonStatus", "EmulatorTestSupport", "CSensorEmulator", "NightSimulation", "PLMVocabulary",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict,
            linkerSettings: [.unsafeFlags(["-Xlinker", "--no-as-needed"]), .linkedLibrary("umockdev-preload")]),
    ]
)
