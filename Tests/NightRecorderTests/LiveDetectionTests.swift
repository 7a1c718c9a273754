import Foundation
import NightPipeline
import NightAnalysis
import NightRecorder
import NightSimulation
import NightStore
import PLMCommands
import RecordingFormats
import SensorFrames
import Testing

/// The live path is real: a simulated night's frames, fed to a recording session as they would arrive from the
/// sensors, give a live leg-movement count close to the count of the nightly summary computed from the recording.
@Suite struct LiveDetectionTests {
    @Test func liveCountIsCloseToTheFinalCount() throws {
        let dir = try temporaryFolder("live")
        var settings = SimulationSettings.typical(seed: 7, severity: .moderate)
        settings.hoursInBed = 1.5
        settings.sampleRate = 50
        let simulated = dir.appendingPathComponent("simulated.plmrec")
        _ = try SimulatedRecording.writePlmrec(settings, to: simulated, start: Date(timeIntervalSince1970: 1_767_650_400))

        let reader = try PlmrecReader(url: simulated)
        var records: [PlmrecRecord] = []
        while let e = try reader.nextRecord() { records.append(e.record) }
        let header = try #require(reader.header)
        let session = try RecordingSession(
            url: dir.appendingPathComponent("recordings/night.plmrec"), night: "2026-01-05",
            clock: FixedClock(unix: header.startUnixMicroseconds), sampleRate: 50, rangeG: 8, logger: quietLogger)
        for r in records {
            switch r {
            case .sensor(let i, let s):
                #expect(try session.index(for: s) == i)
            case .frame(let s, let host, let bytes):
                guard case .success(let f) = SensorFrameCodec.decode(bytes) else { continue }
                try session.append(frames: [f], sensor: s, hostTime: host)
            case .clockAnchor(let s, let host, let device, let rt):
                try session.anchor(sensor: s, hostTime: host, deviceTime: device, roundTrip: rt)
            default: break
            }
        }
        let live = session.liveLegMovements
        try session.close()
        let outcome = try NightPipeline.finish(
            recording: session.url, outputs: dir.appendingPathComponent("nights/night"),
            store: try NightStore(url: dir.appendingPathComponent("plm.sqlite")), options: NightAnalysis.Options())
        let final = outcome.detectedLegMovements
        #expect(final >= 20, "the simulated night should have leg movements: \(final)")
        #expect(abs(live - final) <= max(5, final / 5), "live \(live), final \(final)")
    }
}
